//! GitHub-flavoured Markdown for a pull request.

use std::fmt::Write as _;

use lamsim_sim::summary::Summary;

use crate::Exporter;
use crate::num::{count, decimal, percent, usd, with_ci};
use crate::table::{cold_ratio_header, has_p99_ci, header_line, latency_cells, seconds};
use crate::tables::Table;

/// GitHub-flavoured Markdown tables sized for a pull-request comment: a headline table (one
/// row per function), the latency detail (all, warm, cold), the bill rounded to cents (or the
/// billable usage without a price book) and the SLO result. Units are in the column headers;
/// ratios are percentages; a 95 % confidence interval follows its value in brackets.
#[derive(Clone, Copy, Debug, Default)]
pub struct MarkdownExporter;

impl Exporter for MarkdownExporter {
    fn render(&self, summary: &Summary) -> String {
        let mut out = String::new();
        out.push_str("## lamsim results\n\n");
        let _ = writeln!(out, "{}\n", header_line(summary));

        if let Some(agg) = &summary.aggregate {
            // Many functions: the aggregate and the top lists instead of a row per function.
            out.push_str(&crate::aggregate::render_body(
                summary,
                agg,
                "### At a glance\n\n",
                "- ",
                &|title| format!("### {title}\n\n"),
                &|table| table.to_markdown(),
            ));
        } else {
            function_tables(summary, &mut out);
        }

        match &summary.cost {
            Some(cost) => {
                out.push_str("\n### Cost (USD)\n\n");
                let total_header = if cost.window.total_usd_ci95.is_some() {
                    "total [95% CI]"
                } else {
                    "total"
                };
                // The Lambda subtotal and the lines beside Lambda, when the summary has them.
                let adjacent = cost.window.lambda_usd.is_some();
                let mut header = vec![
                    ("bill", false),
                    ("requests", true),
                    ("compute", true),
                    ("provisioned", true),
                    ("ephemeral", true),
                    ("SnapStart", true),
                ];
                let managed = cost.window.instances_usd.is_some();
                if managed {
                    header.push(("instances", true));
                }
                if adjacent {
                    header.extend([
                        ("Lambda", true),
                        ("gateway", true),
                        ("event sources", true),
                        ("logs", true),
                    ]);
                }
                header.push((total_header, true));
                let rows: Vec<Vec<String>> = [
                    (
                        format!("window ({} s)", seconds(summary.window_s)),
                        &cost.window,
                    ),
                    ("monthly (30 d)".to_string(), &cost.monthly),
                ]
                .into_iter()
                .map(|(label, b)| {
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
                    row.push(format!(
                        "**{}**",
                        with_ci(b.total_usd, b.total_usd_ci95, usd)
                    ));
                    row
                })
                .collect();
                table(&mut out, &header, &rows);
            }
            None if summary.aggregate.is_some() => {}
            None => {
                out.push_str("\n### Billable usage\n\n");
                let header = [
                    ("function", false),
                    ("requests", true),
                    ("on-demand (GB-s)", true),
                    ("init (GB-s)", true),
                    ("provisioned configured (GB-s)", true),
                    ("provisioned used (GB-s)", true),
                    ("ephemeral (GB-s)", true),
                    ("SnapStart restores", true),
                ];
                let rows: Vec<Vec<String>> = summary
                    .functions
                    .iter()
                    .map(|f| {
                        let mut row = vec![format!("`{}`", f.name)];
                        row.extend(crate::usage_cells(&f.usage));
                        row
                    })
                    .collect();
                table(&mut out, &header, &rows);
            }
        }

        if let Some(slo) = &summary.slo {
            out.push('\n');
            if slo.met {
                out.push_str("**SLO: met**\n");
            } else {
                out.push_str("**SLO: not met**\n\n");
                for v in &slo.violations {
                    let _ = writeln!(out, "- {}", code_span(v));
                }
            }
        }
        out
    }
}

/// The headline table (one row per function) and the latency detail.
fn function_tables(summary: &Summary, out: &mut String) {
    let has_cost = summary.functions.iter().any(|f| f.cost_usd.is_some());
    let p99_header = if summary.functions.iter().any(has_p99_ci) {
        "p99 (ms) [95% CI]"
    } else {
        "p99 (ms)"
    };
    let mut header = vec![
        ("function", false),
        ("memory (MB)", true),
        ("invocations", true),
        (cold_ratio_header(summary), true),
        ("throttle ratio", true),
        ("p50 (ms)", true),
        (p99_header, true),
        ("max (ms)", true),
        ("instances avg", true),
        ("instances peak", true),
    ];
    if has_cost {
        header.push(("monthly cost (USD)", true));
    }
    let mut rows = Vec::new();
    for f in &summary.functions {
        let lat = latency_cells(&f.latency_ms, f.invocations);
        let mut row = vec![
            format!("`{}`", f.name),
            f.memory_mb.to_string(),
            count(f.invocations),
            with_ci(f.cold_start_ratio, f.cold_start_ratio_ci95, percent),
            percent(f.throttle_ratio),
            lat[1].clone(),
            lat[3].clone(),
            lat[5].clone(),
            with_ci(f.instances.avg_total, f.instances.avg_total_ci95, decimal),
            count(f.instances.peak),
        ];
        if has_cost {
            let monthly = f.cost_usd.as_ref().and_then(|c| c.monthly.as_ref());
            row.push(monthly.map_or("-".into(), |m| usd(m.total)));
        }
        rows.push(row);
    }
    table(out, &header, &rows);

    out.push_str("\n### Latency (ms)\n\n");
    let p99_header = if p99_header.ends_with("CI]") {
        "p99 [95% CI]"
    } else {
        "p99"
    };
    let header = [
        ("function", false),
        ("kind", false),
        ("mean", true),
        ("p50", true),
        ("p90", true),
        (p99_header, true),
        ("p99.9", true),
        ("max", true),
    ];
    let mut rows = Vec::new();
    for f in &summary.functions {
        let warm = f.invocations - f.cold_starts;
        for (kind, stats, n) in [
            ("all", &f.latency_ms, f.invocations),
            ("warm", &f.latency_warm_ms, warm),
            ("cold", &f.latency_cold_ms, f.cold_starts),
        ] {
            let mut row = vec![format!("`{}`", f.name), kind.to_string()];
            row.extend(latency_cells(stats, n));
            rows.push(row);
        }
    }
    table(out, &header, &rows);
}

/// Appends a GFM table ([`Table::to_markdown`]); `(header, right_aligned)` per column.
fn table(out: &mut String, header: &[(&str, bool)], rows: &[Vec<String>]) {
    let mut t = Table::new(header);
    for row in rows {
        t.row(row.clone());
    }
    out.push_str(&t.to_markdown());
}

/// Wraps text in a code span, with a longer fence when the text itself holds backticks.
fn code_span(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    if s.contains('`') {
        format!("`` {s} ``")
    } else {
        format!("`{s}`")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(code_span("api: p99"), "`api: p99`");
        assert_eq!(code_span("a`b"), "`` a`b ``");
    }
}
