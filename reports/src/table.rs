//! Plain-text tables for a terminal.

use std::fmt::Write as _;

use lamsim_sim::summary::{FunctionSummary, LatencyStats, Summary};

use crate::Exporter;
use crate::num::{count, decimal, percent, usd, with_ci};

/// Aligned plain-text tables for people at a terminal: text columns left-aligned, numbers
/// right-aligned, units in the headers, ASCII only, no colours.
///
/// Sections, in order: a header line (lamsim version, seed, replicates, window); per function
/// the counts and ratios, the latency (all, warm, cold), the instances; then the bill (window
/// and 30-day month, in cents) when the summary has a cost, otherwise the billable usage; then
/// the SLO result when the workload declares one. A 95 % confidence interval follows its value
/// in brackets when the summary has one (several replicates).
#[derive(Clone, Copy, Debug, Default)]
pub struct TableExporter;

impl Exporter for TableExporter {
    fn render(&self, summary: &Summary) -> String {
        let mut out = String::new();
        out.push_str(&header_line(summary));
        out.push_str("\n\n");

        let mut t = TextTable::new(&[
            ("function", Align::Left),
            ("memory (MB)", Align::Right),
            ("architecture", Align::Left),
            ("arrivals", Align::Right),
            ("invocations", Align::Right),
            ("cold starts", Align::Right),
            (cold_ratio_header(summary), Align::Right),
            ("throttles", Align::Right),
            ("throttle ratio", Align::Right),
            ("timeouts", Align::Right),
        ]);
        for f in &summary.functions {
            t.row(vec![
                f.name.clone(),
                f.memory_mb.to_string(),
                f.architecture.clone(),
                count(f.arrivals),
                count(f.invocations),
                count(f.cold_starts),
                with_ci(f.cold_start_ratio, f.cold_start_ratio_ci95, percent),
                count(f.throttles),
                percent(f.throttle_ratio),
                count(f.timeouts),
            ]);
        }
        t.write_to(&mut out);

        let p99_header = if summary.functions.iter().any(has_p99_ci) {
            "p99 [95% CI]"
        } else {
            "p99"
        };
        let mut t = TextTable::new(&[
            ("function", Align::Left),
            ("latency (ms)", Align::Left),
            ("mean", Align::Right),
            ("p50", Align::Right),
            ("p90", Align::Right),
            (p99_header, Align::Right),
            ("p99.9", Align::Right),
            ("max", Align::Right),
        ]);
        for f in &summary.functions {
            let warm = f.invocations - f.cold_starts;
            for (kind, stats, n) in [
                ("all", &f.latency_ms, f.invocations),
                ("warm", &f.latency_warm_ms, warm),
                ("cold", &f.latency_cold_ms, f.cold_starts),
            ] {
                let mut row = vec![f.name.clone(), kind.to_string()];
                row.extend(latency_cells(stats, n));
                t.row(row);
            }
        }
        out.push('\n');
        t.write_to(&mut out);

        let avg_header = if summary
            .functions
            .iter()
            .any(|f| f.instances.avg_total_ci95.is_some())
        {
            "instances avg [95% CI]"
        } else {
            "instances avg"
        };
        let mut t = TextTable::new(&[
            ("function", Align::Left),
            (avg_header, Align::Right),
            ("busy avg", Align::Right),
            ("idle avg", Align::Right),
            ("peak", Align::Right),
        ]);
        for f in &summary.functions {
            let i = &f.instances;
            t.row(vec![
                f.name.clone(),
                with_ci(i.avg_total, i.avg_total_ci95, decimal),
                decimal(i.avg_busy),
                decimal(i.avg_idle),
                count(i.peak),
            ]);
        }
        out.push('\n');
        t.write_to(&mut out);

        out.push('\n');
        match &summary.cost {
            Some(cost) => {
                let total_header = if cost.window.total_usd_ci95.is_some() {
                    "total [95% CI]"
                } else {
                    "total"
                };
                let mut t = TextTable::new(&[
                    ("bill (USD)", Align::Left),
                    ("requests", Align::Right),
                    ("compute", Align::Right),
                    ("provisioned", Align::Right),
                    ("ephemeral", Align::Right),
                    ("snapstart", Align::Right),
                    (total_header, Align::Right),
                ]);
                for (label, b) in [
                    (
                        format!("window ({} s)", seconds(summary.window_s)),
                        &cost.window,
                    ),
                    ("monthly (30 d)".to_string(), &cost.monthly),
                ] {
                    t.row(vec![
                        label,
                        usd(b.requests_usd),
                        usd(b.compute_usd),
                        usd(b.provisioned_usd),
                        usd(b.ephemeral_usd),
                        usd(b.snapstart_usd),
                        with_ci(b.total_usd, b.total_usd_ci95, usd),
                    ]);
                }
                t.write_to(&mut out);

                if summary.functions.iter().any(|f| f.cost_usd.is_some()) {
                    let mut t = TextTable::new(&[
                        ("function", Align::Left),
                        ("window (USD)", Align::Right),
                        ("monthly (USD)", Align::Right),
                        ("per million invocations (USD)", Align::Right),
                    ]);
                    for f in &summary.functions {
                        let Some(c) = &f.cost_usd else {
                            t.row(vec![f.name.clone(), "-".into(), "-".into(), "-".into()]);
                            continue;
                        };
                        let monthly = c.monthly.as_ref().map_or("-".into(), |m| usd(m.total));
                        t.row(vec![
                            f.name.clone(),
                            usd(c.total),
                            monthly,
                            usd(c.per_million_invocations),
                        ]);
                    }
                    out.push('\n');
                    t.write_to(&mut out);
                }
            }
            None => {
                let mut t = TextTable::new(&[
                    ("function", Align::Left),
                    ("billed requests", Align::Right),
                    ("on-demand (GB-s)", Align::Right),
                    ("init (GB-s)", Align::Right),
                    ("prov. configured (GB-s)", Align::Right),
                    ("prov. used (GB-s)", Align::Right),
                    ("ephemeral (GB-s)", Align::Right),
                    ("restores", Align::Right),
                ]);
                for f in &summary.functions {
                    let mut row = vec![f.name.clone()];
                    row.extend(crate::usage_cells(&f.usage));
                    t.row(row);
                }
                t.write_to(&mut out);
            }
        }

        if let Some(slo) = &summary.slo {
            out.push('\n');
            if slo.met {
                out.push_str("SLO: met\n");
            } else {
                let n = slo.violations.len();
                let _ = writeln!(
                    out,
                    "SLO: NOT met ({n} violation{})",
                    if n == 1 { "" } else { "s" }
                );
                for v in &slo.violations {
                    let _ = writeln!(out, "  {v}");
                }
            }
        }
        out
    }
}

/// `lamsim 0.1.0, seed 42, 10 replicates (mean), window 3,600 s after 300 s warm-up`.
pub(crate) fn header_line(summary: &Summary) -> String {
    let replicates = match summary.replicates {
        1 => "1 replicate".to_string(),
        n => format!("{n} replicates (mean)"),
    };
    let mut line = format!(
        "lamsim {}, seed {}, {}, window {} s",
        summary.lamsim_version,
        summary.seed,
        replicates,
        seconds(summary.window_s)
    );
    if summary.warmup_s > 0.0 {
        let _ = write!(line, " after {} s warm-up", seconds(summary.warmup_s));
    }
    line
}

/// Seconds: whole numbers as counts (`3,600`), others with [`decimal`] precision.
pub(crate) fn seconds(s: f64) -> String {
    if s.fract() == 0.0 {
        count(s)
    } else {
        decimal(s)
    }
}

/// `cold-start ratio`, with `[95% CI]` when some function has an interval.
pub(crate) fn cold_ratio_header(summary: &Summary) -> &'static str {
    if summary
        .functions
        .iter()
        .any(|f| f.cold_start_ratio_ci95.is_some())
    {
        "cold-start ratio [95% CI]"
    } else {
        "cold-start ratio"
    }
}

/// Whether this function's overall or cold/warm p99 has an interval.
pub(crate) fn has_p99_ci(f: &FunctionSummary) -> bool {
    [&f.latency_ms, &f.latency_warm_ms, &f.latency_cold_ms]
        .iter()
        .any(|l| l.p99_ci95.is_some())
}

/// The six latency cells (mean, p50, p90, p99 [CI], p99.9, max); `-` when no invocation of
/// this kind ran, since the statistics of an empty set are meaningless zeros.
pub(crate) fn latency_cells(l: &LatencyStats, invocations: f64) -> Vec<String> {
    if invocations <= 0.0 {
        return vec!["-".to_string(); 6];
    }
    vec![
        decimal(l.mean),
        decimal(l.p50),
        decimal(l.p90),
        with_ci(l.p99, l.p99_ci95, decimal),
        decimal(l.p999),
        decimal(l.max),
    ]
}

/// Column alignment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// A table whose columns are as wide as their widest cell, two spaces apart, with a dashed
/// rule under the header. Lines carry no trailing spaces.
struct TextTable {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl TextTable {
    fn new(columns: &[(&str, Align)]) -> Self {
        TextTable {
            header: columns.iter().map(|(h, _)| h.to_string()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        debug_assert_eq!(cells.len(), self.header.len());
        self.rows.push(cells);
    }

    fn write_to(&self, out: &mut String) {
        let width = |s: &str| s.chars().count();
        let widths: Vec<usize> = (0..self.header.len())
            .map(|c| {
                std::iter::once(&self.header)
                    .chain(&self.rows)
                    .map(|r| width(&r[c]))
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        for line in std::iter::once(&self.header)
            .chain(std::iter::once(&rule))
            .chain(&self.rows)
        {
            let mut s = String::new();
            for (c, cell) in line.iter().enumerate() {
                if c > 0 {
                    s.push_str("  ");
                }
                let pad = widths[c] - width(cell);
                match self.align[c] {
                    Align::Left => {
                        s.push_str(cell);
                        s.extend(std::iter::repeat_n(' ', pad));
                    }
                    Align::Right => {
                        s.extend(std::iter::repeat_n(' ', pad));
                        s.push_str(cell);
                    }
                }
            }
            out.push_str(s.trim_end());
            out.push('\n');
        }
    }
}
