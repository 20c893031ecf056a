//! Plain-text tables for a terminal.

use std::fmt::Write as _;

use lamsim_sim::summary::{FunctionSummary, LatencyStats, Summary, TriggerSummary};

use crate::Exporter;
use crate::num::{count, decimal, percent, usd, with_ci};
use crate::tables::Table;

/// The per-trigger tables of event-driven functions (empty when there are none): what became of
/// each trigger's items, and the queues of the queued kinds.
fn trigger_tables(summary: &Summary) -> String {
    let rows: Vec<(&FunctionSummary, &TriggerSummary)> = summary
        .functions
        .iter()
        .flat_map(|f| f.triggers.iter().flatten().map(move |t| (f, t)))
        .collect();
    if rows.is_empty() {
        return String::new();
    }
    let mut out = String::from("\n");
    let mut t = Table::new(&[
        ("function", false),
        ("trigger", false),
        ("invocation", false),
        ("arrivals", true),
        ("invocations", true),
        ("completed", true),
        ("errors", true),
        ("retries", true),
        ("throttles", true),
        ("dead letters", true),
        ("expired", true),
        ("pending", true),
    ]);
    for (f, tr) in &rows {
        t.row(vec![
            f.name.clone(),
            tr.name.clone(),
            tr.invocation.clone(),
            count(tr.arrivals),
            count(tr.invocations),
            count(tr.completed),
            count(tr.errors),
            count(tr.retries),
            count(tr.throttles),
            count(tr.dead_letters),
            count(tr.expired),
            count(tr.pending),
        ]);
    }
    out.push_str(&t.to_text());
    let queued: Vec<_> = rows.iter().filter(|(_, t)| t.queue.is_some()).collect();
    if !queued.is_empty() {
        let mut t = Table::new(&[
            ("function", false),
            ("trigger", false),
            ("end-to-end (ms)  mean", true),
            ("p50", true),
            ("p99", true),
            ("max", true),
            ("backlog avg", true),
            ("backlog max", true),
            ("oldest age max (s)", true),
            ("batch size avg", true),
        ]);
        for (f, tr) in queued {
            let e = tr.end_to_end_ms.clone().unwrap_or_default();
            let q = tr.queue.clone().unwrap_or_default();
            t.row(vec![
                f.name.clone(),
                tr.name.clone(),
                decimal(e.mean),
                decimal(e.p50),
                decimal(e.p99),
                decimal(e.max),
                decimal(q.backlog_avg),
                count(q.backlog_max),
                decimal(q.oldest_age_ms_max / 1000.0),
                tr.batch_size_avg.map_or("-".to_string(), decimal),
            ]);
        }
        out.push('\n');
        out.push_str(&t.to_text());
    }
    out
}

/// The capacity of functions on Lambda Managed Instances or with provisioned auto scaling,
/// one row each (None when there is none): shown by the terminal output and the report.
pub(crate) fn capacity_table(summary: &Summary) -> Option<Table> {
    let rows: Vec<_> = summary
        .functions
        .iter()
        .filter(|f| f.managed_instances.is_some() || f.instances.provisioned_avg.is_some())
        .collect();
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new(&[
        ("function", false),
        ("capacity", false),
        ("environments avg", true),
        ("instances avg", true),
        ("instances peak", true),
        ("instance hours", true),
        ("provisioned avg", true),
        ("provisioned peak", true),
    ]);
    for f in rows {
        let dash = || "-".to_string();
        match &f.managed_instances {
            Some(m) => t.row(vec![
                f.name.clone(),
                format!("managed instances ({})", m.instance_type),
                decimal(m.environments_avg),
                decimal(m.instances_avg),
                count(m.instances_peak),
                decimal(m.instance_hours),
                dash(),
                dash(),
            ]),
            None => t.row(vec![
                f.name.clone(),
                "provisioned auto scaling".to_string(),
                decimal(f.instances.avg_total),
                dash(),
                dash(),
                dash(),
                f.instances.provisioned_avg.map_or_else(dash, decimal),
                f.instances.provisioned_peak.map_or_else(dash, count),
            ]),
        }
    }
    Some(t)
}

/// Simulated against measured, one row per function with `measured = "…"` (None when there
/// is none): the one table the terminal output and the report both show.
pub(crate) fn measured_table(summary: &Summary) -> Option<Table> {
    let rows: Vec<_> = summary
        .functions
        .iter()
        .filter_map(|f| f.measured.as_ref().map(|m| (f, m)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let mut t = Table::new(&[
        ("function", false),
        ("invocations measured", true),
        ("simulated", true),
        ("throttles measured", true),
        ("simulated", true),
        ("peak concurrency measured", true),
        ("simulated", true),
    ]);
    for (f, m) in rows {
        t.row(vec![
            f.name.clone(),
            count(m.invocations),
            count(m.simulated_invocations),
            count(m.throttles),
            count(m.simulated_throttles),
            m.concurrency_max.map_or("-".to_string(), count),
            count(m.simulated_concurrency_max),
        ]);
    }
    Some(t)
}

/// Aligned plain-text tables for people at a terminal: text columns left-aligned, numbers
/// right-aligned, units in the headers, ASCII only, no colours.
///
/// Sections, in order: a header line (lamsim version, seed, replicates, window); per function
/// the counts and ratios, the latency (all, warm, cold), the instances; for event-driven
/// functions what became of each trigger's items and the queues; then the bill (window
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

        if let Some(agg) = &summary.aggregate {
            // Many functions: the aggregate and the top lists instead of a row per function.
            out.push_str(&crate::aggregate::render_body(
                summary,
                agg,
                &format!(
                    "At a glance (the first {} of each top list):\n",
                    crate::aggregate::GLANCE
                ),
                "  ",
                &|title| format!("{title}\n"),
                &|table| table.to_text(),
            ));
        } else {
            out.push_str(&function_tables(summary));
        }

        out.push('\n');
        match &summary.cost {
            Some(cost) => {
                let total_header = if cost.window.total_usd_ci95.is_some() {
                    "total [95% CI]"
                } else {
                    "total"
                };
                // The lines beside Lambda and the Lambda subtotal, when the summary has them.
                let adjacent = cost.window.lambda_usd.is_some();
                let managed = cost.window.instances_usd.is_some();
                let mut columns = vec![
                    ("bill (USD)", false),
                    ("requests", true),
                    ("compute", true),
                    ("provisioned", true),
                    ("ephemeral", true),
                    ("snapstart", true),
                ];
                if managed {
                    columns.push(("instances", true));
                }
                if adjacent {
                    columns.extend([
                        ("lambda", true),
                        ("gateway", true),
                        ("event sources", true),
                        ("logs", true),
                    ]);
                }
                columns.push((total_header, true));
                let mut t = Table::new(&columns);
                for (label, b) in [
                    (
                        format!("window ({} s)", seconds(summary.window_s)),
                        &cost.window,
                    ),
                    ("monthly (30 d)".to_string(), &cost.monthly),
                ] {
                    let mut row = vec![
                        label,
                        usd(b.requests_usd),
                        usd(b.compute_usd),
                        usd(b.provisioned_usd),
                        usd(b.ephemeral_usd),
                        usd(b.snapstart_usd),
                    ];
                    if let Some(i) = b.instances_usd {
                        row.push(usd(i));
                    }
                    if adjacent {
                        row.extend(crate::adjacent_cells(b, usd));
                    }
                    row.push(with_ci(b.total_usd, b.total_usd_ci95, usd));
                    t.row(row);
                }
                out.push_str(&t.to_text());

                if summary.aggregate.is_none()
                    && summary.functions.iter().any(|f| f.cost_usd.is_some())
                {
                    let mut t = Table::new(&[
                        ("function", false),
                        ("window (USD)", true),
                        ("monthly (USD)", true),
                        ("per million invocations (USD)", true),
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
                    out.push_str(&t.to_text());
                }
            }
            None if summary.aggregate.is_some() => {}
            None => {
                let mut t = Table::new(&[
                    ("function", false),
                    ("billed requests", true),
                    ("on-demand (GB-s)", true),
                    ("init (GB-s)", true),
                    ("prov. configured (GB-s)", true),
                    ("prov. used (GB-s)", true),
                    ("ephemeral (GB-s)", true),
                    ("restores", true),
                ]);
                for f in &summary.functions {
                    let mut row = vec![f.name.clone()];
                    row.extend(crate::usage_cells(&f.usage));
                    t.row(row);
                }
                out.push_str(&t.to_text());
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

/// The tables with one row per function (or per trigger): counts, latency, environments, and
/// the event-driven, capacity and measured tables when the summary has them.
fn function_tables(summary: &Summary) -> String {
    let mut out = String::new();
    let mut t = Table::new(&[
        ("function", false),
        ("memory (MB)", true),
        ("architecture", false),
        ("arrivals", true),
        ("invocations", true),
        ("cold starts", true),
        (cold_ratio_header(summary), true),
        ("throttles", true),
        ("throttle ratio", true),
        ("timeouts", true),
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
    out.push_str(&t.to_text());

    let p99_header = if summary.functions.iter().any(has_p99_ci) {
        "p99 [95% CI]"
    } else {
        "p99"
    };
    let mut t = Table::new(&[
        ("function", false),
        ("latency (ms)", false),
        ("mean", true),
        ("p50", true),
        ("p90", true),
        (p99_header, true),
        ("p99.9", true),
        ("max", true),
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
    out.push_str(&t.to_text());

    let avg_header = if summary
        .functions
        .iter()
        .any(|f| f.instances.avg_total_ci95.is_some())
    {
        "instances avg [95% CI]"
    } else {
        "instances avg"
    };
    let mut t = Table::new(&[
        ("function", false),
        (avg_header, true),
        ("busy avg", true),
        ("idle avg", true),
        ("peak", true),
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
    out.push_str(&t.to_text());

    out.push_str(&trigger_tables(summary));
    if let Some(t) = capacity_table(summary) {
        out.push('\n');
        out.push_str(&t.to_text());
    }
    if let Some(t) = measured_table(summary) {
        out.push('\n');
        out.push_str(&t.to_text());
    }

    out
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
