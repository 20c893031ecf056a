//! Exporters of `lamsim sweep` / `lamsim merge` results and of `lamsim check` comparisons.
//!
//! Like the summary exporters these are pure: they return the whole text and the caller
//! decides where it goes. [`write_sweep_dir`] writes the `--out DIR` folder of a sweep
//! (`sweep.json`, `sweep.csv`, `sweep.md`), [`write_shard_dir`] that of one shard.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

use lamsim_study::check::{Comparison, Metric, Row, Significance};
use lamsim_study::sweep::{
    Point, SHARD_JSON_FILE, SWEEP_CSV_FILE, SWEEP_JSON_FILE, SWEEP_REPORT_FILE, ShardFile,
    SweepReport,
};

use crate::Format;
use crate::num::{decimal, percent, usd, with_ci};
use crate::tables::{Table, csv_text};
use crate::{RESOLVED_TOML_FILE, write_dir_files};

/// Renders a sweep in `format`: `table` (points, Pareto front, recommendation), `json`
/// (`sweep.json` exactly), `markdown` (the `sweep.md` report) or `csv` (`sweep.csv`).
pub fn render_sweep(report: &SweepReport, format: Format) -> String {
    match format {
        Format::Table => sweep_table(report),
        Format::Json => sweep_json(report),
        Format::Markdown => sweep_markdown(report),
        Format::Csv => sweep_csv(report),
    }
}

/// `sweep.json`: pretty-printed (two-space indent) with a trailing newline.
pub fn sweep_json(report: &SweepReport) -> String {
    let mut s = serde_json::to_string_pretty(report).expect("a sweep report always serializes");
    s.push('\n');
    s
}

/// Writes the `--out DIR` folder of a sweep: `sweep.json`, `sweep.csv`, `sweep.md`, and the
/// report (`report.html`, `report.md`, `charts/sweep-pareto.svg`, its PNG with `opts.png`;
/// see [`sweep_report_files`](crate::sweep_report_files)), all or nothing (see
/// [`write_dir_files`]). `sweep.json` is put in place last. With `resolved_toml`, also
/// `workload.resolved.toml`: the base workload with every default and the seed filled in, so
/// that the sweep can be repeated from the folder (the contract's rule for every `--out`).
pub fn write_sweep_dir(
    dir: &Path,
    report: &SweepReport,
    opts: &crate::ReportOptions,
    resolved_toml: Option<&str>,
) -> io::Result<()> {
    let (json, csv, md) = (
        sweep_json(report),
        sweep_csv(report),
        sweep_markdown(report),
    );
    let extra = crate::sweep_report_files(report, opts).map_err(io::Error::other)?;
    let mut files: Vec<(&str, &[u8])> = vec![
        (SWEEP_CSV_FILE, csv.as_bytes()),
        (SWEEP_REPORT_FILE, md.as_bytes()),
    ];
    files.extend(extra.iter().map(|(n, b)| (n.as_str(), b.as_slice())));
    if let Some(toml) = resolved_toml {
        files.push((RESOLVED_TOML_FILE, toml.as_bytes()));
    }
    files.push((SWEEP_JSON_FILE, json.as_bytes()));
    write_dir_files(dir, &files)
}

/// Writes the `--out DIR` folder of one shard: `sweep-shard.json`, and the resolved base
/// workload when given (see [`write_sweep_dir`]).
pub fn write_shard_dir(
    dir: &Path,
    shard: &ShardFile,
    resolved_toml: Option<&str>,
) -> io::Result<()> {
    let mut json = serde_json::to_string_pretty(shard).expect("a shard always serializes");
    json.push('\n');
    let mut files: Vec<(&str, &[u8])> = Vec::new();
    if let Some(toml) = resolved_toml {
        files.push((RESOLVED_TOML_FILE, toml.as_bytes()));
    }
    files.push((SHARD_JSON_FILE, json.as_bytes()));
    write_dir_files(dir, &files)
}

/// The keys of the `--set` axes, in axis order.
fn set_keys(report: &SweepReport) -> Vec<String> {
    report
        .header
        .axes
        .iter()
        .map(|a| a.key.clone())
        .filter(|k| !["memory_mb", "architecture", "provisioned"].contains(&k.as_str()))
        .collect()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "mixed".to_string(), T::to_string)
}

fn json_cell(v: Option<&serde_json::Value>) -> String {
    match v {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// The architecture of a point, marked [`MODELLED_MARK`] when its values are modelled rather
/// than measured (see [`modelled_legend`]).
fn architecture_cell(p: &Point) -> String {
    let mut cell = opt(&p.architecture);
    if !p.modelled.is_empty() {
        cell.push_str(MODELLED_MARK);
    }
    cell
}

/// The mark of a point whose values are modelled rather than measured.
pub const MODELLED_MARK: &str = "*";

/// The legend of [`MODELLED_MARK`] (with a trailing newline), when some point is marked.
pub fn modelled_legend<'a>(points: impl IntoIterator<Item = &'a Point>) -> String {
    let mut notes: Vec<&str> = Vec::new();
    for p in points {
        for n in &p.modelled {
            if !notes.contains(&n.as_str()) {
                notes.push(n);
            }
        }
    }
    if notes.is_empty() {
        return String::new();
    }
    let why: Vec<String> = notes
        .iter()
        .map(|n| match *n {
            "arm64-speedup" => "the other architecture's speed uses the default arm64-speedup = 1.0 (set it from a measurement, or arm64-speedup = \"lambda-perf\" for the runtime's hello-world speed-up that `lamsim runtimes` lists)".to_string(),
            other => format!("{other} is the default, not a measurement"),
        })
        .collect();
    format!(
        "{MODELLED_MARK} modelled, not measured: {}\n",
        why.join("; ")
    )
}

/// The table of points: `points` are `(index, point)`; `pareto` and `recommended` mark rows.
pub fn points_table(
    set_keys: &[String],
    points: &[(usize, &Point)],
    pareto: &[usize],
    recommended: Option<usize>,
) -> String {
    let mut header = points_header(set_keys);
    header.push(String::new());
    let n = header.len();
    let columns: Vec<(&str, bool)> = header
        .iter()
        .enumerate()
        .map(|(c, h)| (h.as_str(), !(c == 2 || c == n - 2 || c == n - 1)))
        .collect();
    let mut t = Table::new(&columns);
    for (i, p) in points {
        let mut r = vec![
            i.to_string(),
            opt(&p.memory_mb),
            architecture_cell(p),
            opt(&p.provisioned),
        ];
        r.extend(set_keys.iter().map(|k| json_cell(p.set.get(k))));
        let mark = match (recommended == Some(*i), pareto.contains(i)) {
            (true, true) => "recommended, pareto",
            (true, false) => "recommended",
            (false, true) => "pareto",
            (false, false) => "",
        };
        r.extend([
            with_ci(p.p50_ms, p.p50_ms_ci95, decimal),
            with_ci(p.p99_ms, p.p99_ms_ci95, decimal),
            with_ci(p.cold_start_ratio, p.cold_start_ratio_ci95, percent),
            percent(p.throttle_ratio),
            with_ci(p.monthly_cost_usd, p.monthly_cost_usd_ci95, usd),
            if p.meets_slo { "ok" } else { "MISS" }.to_string(),
            mark.to_string(),
        ]);
        t.row(r);
    }
    let mut out = t.to_text();
    out.push_str(&modelled_legend(points.iter().map(|(_, p)| *p)));
    out
}

/// The line saying whose values the points report when one function is studied alone (with a
/// trailing newline), or nothing.
pub fn function_line(report_function: Option<&str>) -> String {
    report_function.map_or_else(String::new, |f| {
        format!(
            "function {f}: p50, p99, cold starts, throttles and monthly cost are this function's (the rest of the stack still runs)\n"
        )
    })
}

fn sweep_table(report: &SweepReport) -> String {
    let pts: Vec<(usize, &Point)> = report.points.iter().enumerate().collect();
    let mut out = format!(
        "lamsim sweep · {} point{} · seed {} · {} replicate{} per point\n\n",
        report.points.len(),
        if report.points.len() == 1 { "" } else { "s" },
        report.header.seed,
        report.header.replicates,
        if report.header.replicates == 1 {
            ""
        } else {
            "s"
        },
    );
    out.push_str(&function_line(report.header.function.as_deref()));
    out.push_str(&points_table(
        &set_keys(report),
        &pts,
        &report.pareto,
        report.recommendation.as_ref().map(|r| r.index),
    ));
    out.push('\n');
    out.push_str(&conclusions(report, false));
    out
}

/// One line describing a point: `#3 (memory 512 MB, arm64, provisioned 0): $12.34/month, p99 …`.
fn describe(report: &SweepReport, i: usize) -> String {
    let p = &report.points[i];
    let mut parts = Vec::new();
    if let Some(m) = p.memory_mb {
        parts.push(format!("memory {m} MB"));
    }
    if let Some(a) = &p.architecture {
        parts.push(a.clone());
    }
    if let Some(n) = p.provisioned {
        parts.push(format!("provisioned {n}"));
    }
    for (k, v) in &p.set {
        parts.push(format!("{k} = {}", json_cell(Some(v))));
    }
    format!(
        "#{i} ({}): {}/month, p99 {} ms, cold starts {}, throttles {}",
        parts.join(", "),
        usd(p.monthly_cost_usd),
        decimal(p.p99_ms),
        percent(p.cold_start_ratio),
        percent(p.throttle_ratio)
    )
}

/// Pareto front, recommendation (or nearest miss) and break-even, as text lines.
pub(crate) fn conclusions(report: &SweepReport, markdown: bool) -> String {
    let mut out = String::new();
    let bullet = if markdown { "- " } else { "" };
    let front: Vec<String> = report.pareto.iter().map(|i| format!("#{i}")).collect();
    let _ = writeln!(
        out,
        "{bullet}Pareto front (monthly cost vs p99): {}",
        front.join(", ")
    );
    match (&report.recommendation, &report.header.slo) {
        (Some(r), Some(_)) => {
            let _ = writeln!(
                out,
                "{bullet}Recommendation (cheapest point meeting the SLO): {}",
                describe(report, r.index)
            );
        }
        (Some(r), None) => {
            let _ = writeln!(
                out,
                "{bullet}Recommendation (cheapest point; the workload has no [slo]): {}",
                describe(report, r.index)
            );
        }
        (None, _) => {
            let _ = writeln!(out, "{bullet}Recommendation: none meets the SLO.");
            if let Some(i) = report.nearest_miss {
                let _ = writeln!(out, "{bullet}Nearest miss: {}", describe(report, i));
                for v in &report.points[i].slo_violations {
                    let _ = writeln!(out, "{}  {v}", if markdown { "  -" } else { "" });
                }
            }
        }
    }
    for c in lamsim_study::front::compute_comparisons(&report.points) {
        let (win, saving, fraction) = c.winner(&report.points);
        let name = |i: usize| {
            if i == c.managed {
                "managed instances"
            } else {
                "on-demand"
            }
        };
        let lose = if win == c.managed {
            c.on_demand
        } else {
            c.managed
        };
        let _ = writeln!(
            out,
            "{bullet}Compute: {} (#{win}) wins over {} (#{lose}): {}/month vs {}, saves {}/month ({}); p99 {} ms vs {} ms, throttles {} vs {}",
            name(win),
            name(lose),
            usd(report.points[win].monthly_cost_usd),
            usd(report.points[lose].monthly_cost_usd),
            usd(saving),
            percent(fraction),
            decimal(report.points[win].p99_ms),
            decimal(report.points[lose].p99_ms),
            percent(report.points[win].throttle_ratio),
            percent(report.points[lose].throttle_ratio),
        );
    }
    for b in &report.provisioned_break_even {
        let why = if b.rule == "cost-neutral" {
            "fewest cold starts among the counts costing no more than none"
        } else {
            "every count costs more than none; this one costs least"
        };
        // The difference of the two amounts as printed (to the cent), so the line adds up.
        let cents = |v: f64| (v * 100.0).round() / 100.0;
        let saving = cents(b.baseline_monthly_cost_usd) - cents(b.monthly_cost_usd);
        let difference = if saving > 0.0 {
            format!("saves {}/month", usd(saving))
        } else if saving < 0.0 {
            format!("costs {}/month more", usd(-saving))
        } else {
            "costs the same".to_string()
        };
        let _ = writeln!(
            out,
            "{bullet}Provisioned break-even from #{}: provisioned {} (#{}, {why}): {}/month vs {} without, {difference}; cold starts {} vs {}",
            b.baseline,
            b.provisioned,
            b.index,
            usd(b.monthly_cost_usd),
            usd(b.baseline_monthly_cost_usd),
            percent(b.cold_start_ratio),
            percent(b.baseline_cold_start_ratio)
        );
    }
    out
}

fn sweep_markdown(report: &SweepReport) -> String {
    let keys = set_keys(report);
    let mut out = String::from("# lamsim sweep\n\n");
    let _ = writeln!(
        out,
        "{} points, seed {}, {} replicate(s) per point, measured window {} s.\n",
        report.points.len(),
        report.header.seed,
        report.header.replicates,
        report.header.window_s
    );
    if let Some(f) = &report.header.function {
        let _ = writeln!(out, "{}", function_line(Some(f)));
    }
    let header = points_header(&keys);
    let n = header.len();
    let columns: Vec<(&str, bool)> = header
        .iter()
        .enumerate()
        .map(|(c, h)| (h.as_str(), !(c == 2 || c == n - 1)))
        .collect();
    let mut t = Table::new(&columns);
    let rec = report.recommendation.as_ref().map(|r| r.index);
    for (i, p) in report.points.iter().enumerate() {
        let mut cells = vec![
            if rec == Some(i) {
                format!("**{i}**")
            } else {
                i.to_string()
            },
            opt(&p.memory_mb),
            architecture_cell(p),
            opt(&p.provisioned),
        ];
        cells.extend(keys.iter().map(|k| json_cell(p.set.get(k))));
        cells.extend([
            with_ci(p.p50_ms, p.p50_ms_ci95, decimal),
            with_ci(p.p99_ms, p.p99_ms_ci95, decimal),
            with_ci(p.cold_start_ratio, p.cold_start_ratio_ci95, percent),
            percent(p.throttle_ratio),
            with_ci(p.monthly_cost_usd, p.monthly_cost_usd_ci95, usd),
            if p.meets_slo { "ok" } else { "miss" }.to_string(),
        ]);
        t.row(cells);
    }
    out.push_str(&t.to_markdown());
    out.push('\n');
    let legend = modelled_legend(&report.points);
    if !legend.is_empty() {
        let _ = writeln!(out, "{legend}");
    }
    out.push_str(&conclusions(report, true));
    out
}

/// The columns of `sweep.csv` before and after the `--set` keys (which sit between them).
pub const SWEEP_CSV_COLUMNS: [&[&str]; 2] = [
    &["index", "memory_mb", "architecture", "provisioned"],
    &[
        "p50_ms",
        "p50_ms_ci95_low",
        "p50_ms_ci95_high",
        "p99_ms",
        "p99_ms_ci95_low",
        "p99_ms_ci95_high",
        "cold_start_ratio",
        "cold_start_ratio_ci95_low",
        "cold_start_ratio_ci95_high",
        "throttle_ratio",
        "throttle_ratio_ci95_low",
        "throttle_ratio_ci95_high",
        "monthly_cost_usd",
        "monthly_cost_usd_ci95_low",
        "monthly_cost_usd_ci95_high",
        "meets_slo",
        "pareto",
        "recommended",
    ],
];

fn sweep_csv(report: &SweepReport) -> String {
    let keys = set_keys(report);
    let mut header: Vec<String> = SWEEP_CSV_COLUMNS[0].iter().map(|s| s.to_string()).collect();
    header.extend(keys.iter().cloned());
    header.extend(SWEEP_CSV_COLUMNS[1].iter().map(|s| s.to_string()));
    let mut records = vec![header];
    let num = |v: f64| format!("{v}");
    let ci = |c: Option<[f64; 2]>| match c {
        Some([l, h]) => [num(l), num(h)],
        None => [String::new(), String::new()],
    };
    let rec = report.recommendation.as_ref().map(|r| r.index);
    for (i, p) in report.points.iter().enumerate() {
        let mut cells = vec![
            i.to_string(),
            p.memory_mb.map_or(String::new(), |m| m.to_string()),
            p.architecture.clone().unwrap_or_default(),
            p.provisioned.map_or(String::new(), |n| n.to_string()),
        ];
        cells.extend(keys.iter().map(|k| json_cell(p.set.get(k))));
        for (v, c) in [
            (p.p50_ms, p.p50_ms_ci95),
            (p.p99_ms, p.p99_ms_ci95),
            (p.cold_start_ratio, p.cold_start_ratio_ci95),
            (p.throttle_ratio, p.throttle_ratio_ci95),
            (p.monthly_cost_usd, p.monthly_cost_usd_ci95),
        ] {
            cells.push(num(v));
            cells.extend(ci(c));
        }
        cells.push(p.meets_slo.to_string());
        cells.push(report.pareto.contains(&i).to_string());
        cells.push((rec == Some(i)).to_string());
        records.push(cells);
    }
    csv_text(records)
}

fn metric_value(m: Metric, v: f64) -> String {
    match m {
        Metric::Cost => usd(v),
        Metric::P99 | Metric::P50 => decimal(v),
        Metric::ColdStartRatio | Metric::ThrottleRatio => percent(v),
    }
}

fn metric_label(r: &Row) -> String {
    let unit = match r.metric {
        Metric::Cost => " (monthly)",
        Metric::P99 | Metric::P50 => " (ms)",
        _ => "",
    };
    match &r.function {
        Some(f) => format!("{f}: {}{unit}", r.metric),
        None => format!("{}{unit}", r.metric),
    }
}

/// The verdict of a row, as the `lamsim check` table shows it.
fn verdict(r: &Row) -> &'static str {
    if r.failed {
        if r.significance == Significance::ThresholdOnly {
            "FAIL (threshold only)"
        } else {
            "FAIL (significant)"
        }
    } else if r.beyond {
        "ok (within noise)"
    } else if r.threshold.is_some() {
        "ok"
    } else {
        "-"
    }
}

/// The comparison as a table: per metric the baseline, the current value (with their 95 %
/// intervals when recorded), the change, the limit and the verdict.
fn check_table(c: &Comparison) -> Table {
    let mut t = Table::new(&[
        ("metric", false),
        ("baseline", true),
        ("current", true),
        ("change", true),
        ("limit", true),
        ("verdict", false),
    ]);
    for r in &c.rows {
        let f = |v| metric_value(r.metric, v);
        let change = match r.change_ratio() {
            Some(x) => format!("{:+.2}%", x * 100.0),
            None if r.change() == 0.0 => "0%".to_string(),
            None => format!("+{} (from 0)", f(r.change())),
        };
        t.row(vec![
            metric_label(r),
            with_ci(r.baseline.mean, r.baseline.ci95, f),
            with_ci(r.current.mean, r.current.ci95, f),
            change,
            r.threshold.map_or("-".into(), |t| format!("+{t}")),
            verdict(r).to_string(),
        ]);
    }
    t
}

/// The notes under the comparison: how verdicts were decided, functions on one side only.
fn check_notes(c: &Comparison) -> Vec<String> {
    let mut notes = Vec::new();
    let (nb, nc) = c.replicates;
    if nb < 2 || nc < 2 {
        notes.push(format!(
            "{nb} replicate(s) in the baseline, {nc} in the current run: without replicates on both sides the thresholds alone decide (run with --replicates 5 or more for a significance test)."
        ));
    } else {
        notes.push(format!(
            "an increase fails when it is beyond its limit and significant (Welch's test on the 95% intervals of {nb} and {nc} replicates); p50 and throttle-ratio have no recorded interval, so their limits alone decide."
        ));
        if nb.min(nc) < lamsim_sim::stats::FEW_REPLICATES {
            notes.push(format!(
                "fewer than {} replicates on a side: the intervals are rough and the test can miss a real increase.",
                lamsim_sim::stats::FEW_REPLICATES
            ));
        }
    }
    let threshold_only = c
        .rows
        .iter()
        .any(|r| r.failed && r.significance == Significance::ThresholdOnly);
    if threshold_only && nb >= 2 && nc >= 2 {
        notes.push("`threshold only` rows have no interval in summary.json.".to_string());
    }
    for n in &c.only_in_baseline {
        notes.push(format!("function {n} is only in the baseline"));
    }
    for n in &c.only_in_current {
        notes.push(format!("function {n} is only in the current summary"));
    }
    notes
}

/// The `lamsim check` comparison in `format`: `table` (the table, then `note:` lines),
/// `markdown` (the table, then the notes as a list), `csv` (one row per metric and function,
/// raw numbers) or `json` (the rows, the notes and whether the check failed).
pub fn render_check(c: &Comparison, format: Format) -> String {
    match format {
        Format::Table => {
            let mut out = check_table(c).to_text();
            out.push('\n');
            for n in check_notes(c) {
                let _ = writeln!(out, "note: {n}");
            }
            out
        }
        Format::Markdown => {
            let mut out = check_table(c).to_markdown();
            out.push('\n');
            for n in check_notes(c) {
                let _ = writeln!(out, "- {n}");
            }
            out
        }
        Format::Csv => {
            let num = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
            let mut records = vec![
                [
                    "metric",
                    "function",
                    "baseline",
                    "baseline_ci95_low",
                    "baseline_ci95_high",
                    "current",
                    "current_ci95_low",
                    "current_ci95_high",
                    "change",
                    "limit",
                    "verdict",
                    "failed",
                ]
                .map(str::to_string)
                .to_vec(),
            ];
            for r in &c.rows {
                records.push(vec![
                    r.metric.to_string(),
                    r.function.clone().unwrap_or_default(),
                    num(Some(r.baseline.mean)),
                    num(r.baseline.ci95.map(|c| c[0])),
                    num(r.baseline.ci95.map(|c| c[1])),
                    num(Some(r.current.mean)),
                    num(r.current.ci95.map(|c| c[0])),
                    num(r.current.ci95.map(|c| c[1])),
                    num(Some(r.change())),
                    r.threshold.map_or(String::new(), |t| t.to_string()),
                    verdict(r).to_string(),
                    r.failed.to_string(),
                ]);
            }
            csv_text(records)
        }
        Format::Json => {
            let rows: Vec<serde_json::Value> = c
                .rows
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "metric": r.metric.to_string(),
                        "function": r.function,
                        "baseline": {"mean": r.baseline.mean, "ci95": r.baseline.ci95, "replicates": r.baseline.n},
                        "current": {"mean": r.current.mean, "ci95": r.current.ci95, "replicates": r.current.n},
                        "change": r.change(),
                        "limit": r.threshold.map(|t| t.to_string()),
                        "verdict": verdict(r),
                        "failed": r.failed,
                    })
                })
                .collect();
            let v = serde_json::json!({
                "failed": c.failed(),
                "rows": rows,
                "only_in_baseline": c.only_in_baseline,
                "only_in_current": c.only_in_current,
                "notes": check_notes(c),
            });
            let mut s = serde_json::to_string_pretty(&v).expect("JSON values serialize");
            s.push('\n');
            s
        }
    }
}

/// Column headers of a table of sweep points: the axes (with one column per `--set` key), then
/// the results.
fn points_header(set_keys: &[String]) -> Vec<String> {
    let mut header: Vec<String> = ["#", "memory (MB)", "architecture", "provisioned"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    header.extend(set_keys.iter().cloned());
    header.extend(
        [
            "p50 (ms)",
            "p99 (ms)",
            "cold starts",
            "throttles",
            "monthly cost",
            "SLO",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    header
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use lamsim_study::axis::{Axis, TomlPath};
    use lamsim_study::check::{Comparison, Estimate, Metric, Row, Significance, Threshold};
    use lamsim_study::sweep::{self, Point, SweepHeader};

    use super::*;

    fn point(mb: u32, idle: &str, cost: f64, p99: f64, meets: bool) -> Point {
        let mut set = BTreeMap::new();
        set.insert("function.keep-alive.idle".to_string(), idle.into());
        Point {
            memory_mb: Some(mb),
            architecture: Some("arm64".into()),
            provisioned: Some(0),
            set,
            p50_ms: p99 / 4.0,
            p50_ms_ci95: None,
            p99_ms: p99,
            p99_ms_ci95: Some([p99 - 1.0, p99 + 1.0]),
            cold_start_ratio: 0.01,
            cold_start_ratio_ci95: None,
            throttle_ratio: 0.0,
            throttle_ratio_ci95: None,
            monthly_cost_usd: cost,
            monthly_cost_usd_ci95: None,
            meets_slo: meets,
            slo_violations: if meets {
                vec![]
            } else {
                vec!["api: latency_ms.p99 900.000 > 500".into()]
            },
            modelled: vec![],
        }
    }

    fn report(meets: [bool; 4]) -> SweepReport {
        let axes = vec![
            Axis::memory([512, 1024]),
            Axis::set(
                &TomlPath::parse("function.keep-alive.idle").unwrap(),
                vec!["5m".into(), "10m".into()],
            ),
        ];
        let mut s = lamsim_sim::testing::simple_scenario(1.0, 10.0, "1m", "1m");
        s.slo = Some(lamsim_sim::model::Slo {
            p99: Some(lamsim_sim::time::SimTime::from_millis(500)),
            cold_start_ratio: None,
            throttle_ratio: None,
            monthly_cost_usd: None,
        });
        let pts = vec![
            point(512, "5m", 10.0, 900.0, meets[0]),
            point(512, "10m", 11.0, 880.0, meets[1]),
            point(1024, "5m", 20.0, 450.0, meets[2]),
            point(1024, "10m", 21.0, 440.0, meets[3]),
        ];
        sweep::finish(SweepHeader::new(&s, &axes), &axes, pts)
    }

    #[test]
    fn csv_has_the_set_key_between_the_fixed_columns_and_one_row_per_point() {
        let csv = render_sweep(&report([false, false, true, true]), Format::Csv);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with(
            "index,memory_mb,architecture,provisioned,function.keep-alive.idle,p50_ms,"
        ));
        assert!(lines[0].ends_with(",meets_slo,pareto,recommended"));
        let cols = lines[0].split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == cols));
        // Point 2 is the cheapest meeting the SLO; every point is on the front.
        assert!(lines[3].starts_with("2,1024,arm64,0,5m,112.5,,,450,449,451,"));
        assert!(lines[3].ends_with(",true,true,true"));
        assert!(lines[1].ends_with(",false,true,false"));
    }

    #[test]
    fn a_csv_value_with_a_carriage_return_is_quoted() {
        // The hand-written quoting this replaced left `\r` bare, which splits the record for
        // readers that accept CR as a line end.
        let mut r = report([false, false, true, true]);
        r.points[0]
            .set
            .insert("function.keep-alive.idle".into(), "5m\r".into());
        let csv = render_sweep(&r, Format::Csv);
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .starts_with("0,512,arm64,0,\"5m\r\","),
            "{csv:?}"
        );
    }

    #[test]
    fn table_names_the_recommendation_or_the_nearest_miss() {
        let ok = render_sweep(&report([false, false, true, true]), Format::Table);
        assert!(ok.contains("Recommendation (cheapest point meeting the SLO): #2 (memory 1024 MB, arm64, provisioned 0, function.keep-alive.idle = 5m): $20.00/month"), "{ok}");
        let none = render_sweep(&report([false; 4]), Format::Table);
        assert!(none.contains("Recommendation: none meets the SLO."));
        // The p99 bound is 500 ms: #2 (450 ms) has no excess; it is marked as missing here only
        // to exercise the message, and still misses least.
        assert!(none.contains("Nearest miss: #2"), "{none}");
        let md = render_sweep(&report([false, false, true, true]), Format::Markdown);
        assert!(md.contains("| **2** | 1024 | arm64 | 0 | 5m |"), "{md}");
    }

    #[test]
    fn check_table_explains_threshold_only_verdicts() {
        let e = |mean| Estimate {
            mean,
            ci95: None,
            n: 1,
        };
        let c = Comparison {
            rows: vec![Row {
                metric: Metric::Cost,
                function: None,
                baseline: e(100.0),
                current: e(120.0),
                threshold: Some(Threshold::Relative(0.05)),
                beyond: true,
                significance: Significance::ThresholdOnly,
                failed: true,
            }],
            only_in_baseline: vec!["old".into()],
            only_in_current: vec![],
            replicates: (1, 1),
        };
        let t = render_check(&c, Format::Table);
        assert!(
            t.contains("cost (monthly)   $100.00  $120.00  +20.00%    +5%  FAIL (threshold only)"),
            "{t}"
        );
        assert!(t.contains("the thresholds alone decide"));
        assert!(t.contains("function old is only in the baseline"));
    }
}
