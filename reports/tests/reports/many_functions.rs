//! The many-function layout (a summary with `aggregate`): every human output shows the
//! aggregate and the top functions first and no longer a row per function; `functions.parquet`
//! keeps a row per function.

use std::io::Cursor;

use lamsim_reports::{Format, ReportOptions, functions_parquet, render, run_report_files};
use lamsim_sim::summary::{FunctionSummary, Summary};
use polars::prelude::{DataType, ParquetReader, SerReader};

use crate::fixtures;

fn cost(f: &FunctionSummary) -> f64 {
    f.cost_usd.as_ref().map_or(0.0, |c| c.total)
}

/// The most expensive function and the cheapest, found here by scanning the functions.
fn extremes(s: &Summary) -> (&str, &str) {
    let by_cost = |a: &&FunctionSummary, b: &&FunctionSummary| cost(a).total_cmp(&cost(b));
    let max = s.functions.iter().max_by(by_cost).unwrap();
    let min = s.functions.iter().min_by(by_cost).unwrap();
    (&max.name, &min.name)
}

/// The first row of the table under `heading`: the line after its header rule.
fn first_row_after<'a>(text: &'a str, heading: &str) -> &'a str {
    let at = text
        .find(heading)
        .unwrap_or_else(|| panic!("{heading} in\n{text}"));
    let mut lines = text[at..].lines();
    lines
        .by_ref()
        .find(|l| l.starts_with("---") || l.starts_with("|---"))
        .expect("a header rule");
    lines.next().expect("a first row")
}

#[test]
fn the_terminal_table_shows_totals_and_top_lists_instead_of_every_function() {
    let s = fixtures::sixty_functions_aggregated();
    let text = render(&s, Format::Table);
    let (max, min) = extremes(&s);
    assert!(text.contains("All 60 functions"), "{text}");
    // The first lines name the most expensive and the slowest function.
    let slowest = s
        .functions
        .iter()
        .max_by(|a, b| a.latency_ms.p99.total_cmp(&b.latency_ms.p99))
        .unwrap();
    let head: Vec<&str> = text.lines().take(6).collect();
    let head = head.join("\n");
    assert!(
        head.contains(&format!("most expensive (window): {max} ")),
        "{head}"
    );
    assert!(
        head.contains(&format!("slowest (latency p99): {} ", slowest.name)),
        "{head}"
    );
    let first = first_row_after(&text, "Top 20 functions by cost (window)");
    assert!(first.contains(max), "{first}");
    assert!(first.trim_start().starts_with("1 "), "{first}");
    // The cheapest function (also the fastest, with the fewest cold starts) is in no list.
    assert!(!text.contains(min), "{text}");
    // No function throttles: no empty top list.
    assert!(!text.contains("by throttles"));
    assert!(text.contains("Distribution across functions"));
    assert!(text.lines().count() < 120, "{} lines", text.lines().count());
}

#[test]
fn the_markdown_shows_totals_and_top_lists_instead_of_every_function() {
    let s = fixtures::sixty_functions_aggregated();
    let md = render(&s, Format::Markdown);
    let (max, min) = extremes(&s);
    assert!(md.contains("### All 60 functions"), "{md}");
    let first = first_row_after(&md, "### Top 20 functions by cost (window)");
    assert!(first.starts_with(&format!("| 1 | {max} |")), "{first}");
    assert!(!md.contains(min));
    assert!(md.contains("### Cost (USD)"), "the bill stays");
}

#[test]
fn twenty_functions_keep_a_row_each() {
    let s = fixtures::twenty_functions_priced();
    assert!(s.aggregate.is_none());
    let text = render(&s, Format::Table);
    assert!(s.functions.iter().all(|f| text.contains(&f.name)));
    assert!(!text.contains("Top 20"));
}

#[test]
fn the_report_puts_the_top_tables_first_and_charts_only_the_top_functions() {
    let s = fixtures::sixty_functions_aggregated();
    let data = fixtures::report_data(&s);
    let files = run_report_files(&s, &data, &ReportOptions::default()).unwrap();
    let html = files
        .iter()
        .find(|(n, _)| n == "report.html")
        .map(|(_, b)| String::from_utf8(b.clone()).unwrap())
        .unwrap();
    let (max, min) = extremes(&s);
    let glance = html.find("most expensive (window): ").expect("at a glance");
    let top = html
        .find("Top 20 functions by cost (window)")
        .expect("top table");
    assert!(glance < top);
    let first_chart = html.find("<figure").expect("charts");
    assert!(top < first_chart, "the top tables come before any chart");
    assert!(html[top..first_chart].contains(max));
    assert!(
        !html.contains(&format!(">{min}<")),
        "the cheapest function has no row"
    );
    // Charts: the overview and two per charted function: the ten most expensive (sorted
    // here), and the ten slowest and ten with the most cold starts (fn-51 … fn-60: both grow
    // with the function's number). No function throttles.
    let mut by_cost: Vec<&FunctionSummary> = s.functions.iter().collect();
    by_cost.sort_by(|a, b| cost(b).total_cmp(&cost(a)));
    let mut charted: Vec<String> = by_cost[..10].iter().map(|f| f.name.clone()).collect();
    charted.extend((51..=60).map(|i| format!("fn-{i:02}")));
    charted.sort();
    charted.dedup();
    let charts: Vec<&str> = files
        .iter()
        .map(|(n, _)| n.as_str())
        .filter(|n| n.starts_with("charts/"))
        .collect();
    let per_function = charts
        .iter()
        .filter(|n| n.starts_with("charts/latency-cdf-") || n.starts_with("charts/environments-fn"))
        .count();
    assert_eq!(per_function, 2 * charted.len(), "{charts:?}");
    for name in &charted {
        let cdf = format!("charts/latency-cdf-{name}.svg");
        assert!(charts.contains(&cdf.as_str()), "{cdf} in {charts:?}");
    }
    assert!(charts.len() <= 2 * charted.len() + 5, "{charts:?}");
}

/// The dotted names (`latency_ms.p99`) of the leaves of `v`, under `prefix`, each added to
/// `out` the first time it is met: the columns `functions.parquet` should have, in order.
fn leaf_names(prefix: &str, v: &serde_json::Value, out: &mut Vec<String>) {
    match v.as_object() {
        Some(o) => {
            for (k, x) in o {
                let name = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaf_names(&name, x, out);
            }
        }
        None => {
            if !out.iter().any(|n| n == prefix) {
                out.push(prefix.to_string());
            }
        }
    }
}

#[test]
fn functions_parquet_has_a_row_per_function_and_a_column_per_summary_field() {
    let s = fixtures::sixty_functions_aggregated();
    let bytes = functions_parquet(&s).unwrap();
    let df = ParquetReader::new(Cursor::new(bytes)).finish().unwrap();
    assert_eq!(df.height(), 60);
    let names = df.column("name").unwrap().str().unwrap();
    let p99 = df.column("latency_ms.p99").unwrap().f64().unwrap();
    let monthly = df.column("cost_usd.monthly.total").unwrap().f64().unwrap();
    for (i, f) in s.functions.iter().enumerate() {
        assert_eq!(names.get(i), Some(f.name.as_str()));
        assert_eq!(p99.get(i), Some(f.latency_ms.p99));
        let m = f
            .cost_usd
            .as_ref()
            .and_then(|c| c.monthly.as_ref())
            .unwrap();
        assert_eq!(monthly.get(i), Some(m.total));
    }
    assert_eq!(df.column("memory_mb").unwrap().dtype(), &DataType::Float64);
    // Every scalar of a function's JSON is a column.
    let json = serde_json::to_value(&s.functions[0]).unwrap();
    let mut expected = Vec::new();
    leaf_names("", &json, &mut expected);
    for c in &expected {
        assert!(df.column(c).is_ok(), "column {c}");
    }
    assert_eq!(df.width(), expected.len());
}

/// Functions whose JSON has different fields (a third have no cost, the first among them):
/// each value stays in its function's row, a field a function lacks is null, and the columns
/// come in the order their names are first met, over more functions than one chunk of work.
#[test]
fn functions_parquet_keeps_each_value_in_its_row_when_functions_differ_in_fields() {
    let mut s = fixtures::functions_priced(1100);
    for (i, f) in s.functions.iter_mut().enumerate() {
        if i % 3 == 0 {
            f.cost_usd = None;
        }
    }
    let bytes = functions_parquet(&s).unwrap();
    let df = ParquetReader::new(Cursor::new(bytes)).finish().unwrap();
    assert_eq!(df.height(), 1100);
    // The first-met order of the leaves' names, function after function.
    let mut expected = Vec::new();
    for f in &s.functions {
        leaf_names("", &serde_json::to_value(f).unwrap(), &mut expected);
    }
    let columns: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(columns, expected);
    assert!(
        columns.iter().position(|c| c == "cost_usd.total")
            > columns.iter().position(|c| c == "name"),
        "the cost columns come after the first function's: {columns:?}"
    );
    let names = df.column("name").unwrap().str().unwrap();
    let p99 = df.column("latency_ms.p99").unwrap().f64().unwrap();
    let cost = df.column("cost_usd.total").unwrap().f64().unwrap();
    for (i, f) in s.functions.iter().enumerate() {
        assert_eq!(names.get(i), Some(f.name.as_str()), "row {i}");
        assert_eq!(p99.get(i), Some(f.latency_ms.p99), "row {i}");
        let expected = f.cost_usd.as_ref().map(|c| c.total);
        assert_eq!(cost.get(i), expected, "row {i}");
    }
}
