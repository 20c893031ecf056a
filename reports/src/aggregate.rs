//! The tables of the many-function layout (a summary with `aggregate`): totals, distributions
//! across functions and the top functions. The terminal table, the Markdown exporter and the
//! reports all show these same tables, first, instead of one row per function.

use lamsim_sim::summary::{AggregateSummary, FunctionSummary, Quantiles, Summary, TopEntry};

use crate::num::{count, decimal, money, percent};
use crate::tables::Table;

/// One titled table.
pub(crate) struct Titled {
    /// Heading, e.g. `Top 20 functions by cost (window)`.
    pub title: String,
    /// The table.
    pub table: Table,
}

/// Every table of the aggregate, in reading order: totals, the top functions by cost, p99,
/// cold starts and throttles (a list with no function is left out), then the distributions
/// across functions.
pub(crate) fn aggregate_tables(summary: &Summary, agg: &AggregateSummary) -> Vec<Titled> {
    let mut out = vec![Titled {
        title: format!("All {} functions", count(agg.functions as f64)),
        table: totals_table(agg),
    }];
    let top = &agg.top;
    for (what, list) in [
        ("cost (window)", &top.by_cost),
        ("latency p99", &top.by_p99),
        ("cold starts", &top.by_cold_starts),
        ("throttles", &top.by_throttles),
    ] {
        if list.is_empty() {
            continue;
        }
        out.push(Titled {
            title: format!("Top {} functions by {what}", list.len()),
            table: top_table(summary, list),
        });
    }
    out.push(Titled {
        title: "Distribution across functions".into(),
        table: distribution_table(agg),
    });
    out
}

/// Functions named in each line of [`at_a_glance`].
pub(crate) const GLANCE: usize = 5;

/// The body of the many-function layout in one text format: the at-a-glance lines (each
/// after `bullet`, under `intro`), then every aggregate table under its title (`title` gives
/// the heading line), drawn by `draw`; tables are separated by a blank line.
pub(crate) fn render_body(
    summary: &Summary,
    agg: &AggregateSummary,
    intro: &str,
    bullet: &str,
    title: &dyn Fn(&str) -> String,
    draw: &dyn Fn(&Table) -> String,
) -> String {
    let mut out = String::from(intro);
    for line in at_a_glance(agg) {
        out.push_str(bullet);
        out.push_str(&line);
        out.push('\n');
    }
    out.push('\n');
    for (i, t) in aggregate_tables(summary, agg).iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&title(&t.title));
        out.push_str(&draw(&t.table));
    }
    out
}

/// One line per non-empty top list naming its first [`GLANCE`] functions with their values,
/// e.g. `most expensive (window): fn-7 $1.70, fn-3 $1.66, …`: the expensive and the slow
/// functions in a few lines, before any table.
pub(crate) fn at_a_glance(agg: &AggregateSummary) -> Vec<String> {
    let top = &agg.top;
    let ms = |v: f64| format!("{} ms", decimal(v));
    type Fmt = fn(f64) -> String;
    let lists: [(&str, &Vec<TopEntry>, Fmt); 4] = [
        ("most expensive (window)", &top.by_cost, money),
        ("slowest (latency p99)", &top.by_p99, ms),
        ("most cold starts", &top.by_cold_starts, count),
        ("most throttles", &top.by_throttles, count),
    ];
    lists
        .into_iter()
        .filter(|(_, list, _)| !list.is_empty())
        .map(|(what, list, fmt)| {
            let names: Vec<String> = list
                .iter()
                .take(GLANCE)
                .map(|e| format!("{} {}", e.name, fmt(e.value)))
                .collect();
            format!("{what}: {}", names.join(", "))
        })
        .collect()
}

/// Totals: one row per quantity.
fn totals_table(agg: &AggregateSummary) -> Table {
    let t = &agg.totals;
    let mut table = Table::new(&[("total", false), ("value", true)]);
    let mut row = |k: &str, v: String| table.row(vec![k.to_string(), v]);
    row("arrivals", count(t.arrivals));
    row("invocations", count(t.invocations));
    row("cold starts", count(t.cold_starts));
    row("cold-start ratio", percent(t.cold_start_ratio));
    row("throttles", count(t.throttles));
    row("throttle ratio", percent(t.throttle_ratio));
    row("timeouts", count(t.timeouts));
    row("environments avg", decimal(t.instances_avg));
    if let Some(c) = t.cost_usd {
        row("cost, window (USD)", money(c));
    }
    if let Some(c) = t.monthly_cost_usd {
        row("cost, 30-day month (USD)", money(c));
    }
    table
}

/// A top list: rank, name and the figures a reader compares, whatever the list is ranked by.
fn top_table(summary: &Summary, list: &[TopEntry]) -> Table {
    let priced = summary
        .aggregate
        .as_ref()
        .is_some_and(|a| a.totals.cost_usd.is_some());
    let mut columns = vec![
        ("#", true),
        ("function", false),
        ("invocations", true),
        ("cold starts", true),
        ("cold-start ratio", true),
        ("throttles", true),
        ("p99 (ms)", true),
    ];
    if priced {
        columns.extend([("window (USD)", true), ("30-day month (USD)", true)]);
    }
    let mut t = Table::new(&columns);
    for (rank, e) in list.iter().enumerate() {
        let Some(f) = function(summary, e) else {
            continue;
        };
        let mut row = vec![
            (rank + 1).to_string(),
            f.name.clone(),
            count(f.invocations),
            count(f.cold_starts),
            percent(f.cold_start_ratio),
            count(f.throttles),
            if f.invocations > 0.0 {
                decimal(f.latency_ms.p99)
            } else {
                "-".into()
            },
        ];
        if priced {
            let c = f.cost_usd.as_ref();
            row.push(c.map_or("-".into(), |c| money(c.total)));
            row.push(
                c.and_then(|c| c.monthly.as_ref())
                    .map_or("-".into(), |m| money(m.total)),
            );
        }
        t.row(row);
    }
    t
}

/// The function of a top entry (by index, checked against the name).
fn function<'a>(summary: &'a Summary, e: &TopEntry) -> Option<&'a FunctionSummary> {
    summary
        .functions
        .get(e.index as usize)
        .filter(|f| f.name == e.name)
        .or_else(|| summary.functions.iter().find(|f| f.name == e.name))
}

/// Quantiles across functions: one row per quantity.
fn distribution_table(agg: &AggregateSummary) -> Table {
    let d = &agg.distributions;
    let mut t = Table::new(&[
        ("per function", false),
        ("functions", true),
        ("mean", true),
        ("min", true),
        ("p50", true),
        ("p90", true),
        ("p99", true),
        ("max", true),
    ]);
    let mut row = |name: &str, q: &Quantiles, fmt: fn(f64) -> String| {
        let mut r = vec![name.to_string(), count(q.count as f64)];
        if q.count == 0 {
            r.extend(std::iter::repeat_n("-".to_string(), 6));
        } else {
            r.extend([q.mean, q.min, q.p50, q.p90, q.p99, q.max].map(fmt));
        }
        t.row(r);
    };
    row("invocations", &d.invocations, count);
    row("cold-start ratio", &d.cold_start_ratio, percent);
    row("latency p99 (ms)", &d.latency_p99_ms, decimal);
    row("throttle ratio", &d.throttle_ratio, percent);
    if let Some(c) = &d.cost_usd {
        row("cost, window (USD)", c, money);
    }
    t
}
