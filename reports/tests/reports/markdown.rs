//! Markdown for a pull request.

use lamsim_reports::{Format, render};

use crate::fixtures;

#[test]
fn snapshots() {
    for (name, s) in fixtures::all() {
        insta::assert_snapshot!(format!("markdown_{name}"), render(&s, Format::Markdown));
    }
}

/// Splits a GFM table line into cells, honouring `\|` escapes.
fn cells(line: &str) -> Vec<String> {
    let inner = line
        .trim()
        .strip_prefix('|')
        .unwrap()
        .strip_suffix('|')
        .unwrap();
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

#[test]
fn every_table_row_has_as_many_cells_as_its_header() {
    for (name, s) in fixtures::all() {
        let out = render(&s, Format::Markdown);
        let mut width = None;
        let mut tables = 0;
        for line in out.lines() {
            if !line.starts_with('|') {
                width = None;
                continue;
            }
            let n = cells(line).len();
            match width {
                None => {
                    width = Some(n);
                    tables += 1;
                }
                Some(w) => assert_eq!(n, w, "{name}: {line}"),
            }
        }
        assert_eq!(tables, 3, "{name}: headline, latency, cost or usage");
    }
}

#[test]
fn headline_has_monthly_cost_in_cents_when_priced() {
    let out = render(&fixtures::one_function_priced(), Format::Markdown);
    let header = out.lines().find(|l| l.starts_with("| function")).unwrap();
    let row = out.lines().find(|l| l.starts_with("| `api`")).unwrap();
    let (header, row) = (cells(header), cells(row));
    let col = header
        .iter()
        .position(|h| h == "monthly cost (USD)")
        .unwrap();
    assert_eq!(row[col], "$285.12");
    let col = header.iter().position(|h| h == "p99 (ms)").unwrap();
    assert_eq!(row[col], "420.0");
    // Total of the monthly bill, bold.
    assert!(
        out.contains("| monthly (30 d) | $25.92 | $259.20 | $0.00 | $0.00 | $0.00 | **$285.12** |")
    );

    let out = render(&fixtures::one_function(), Format::Markdown);
    assert!(!out.contains("monthly cost"));
    assert!(out.contains("### Billable usage"));
}

#[test]
fn violations_are_listed_as_code() {
    let out = render(
        &fixtures::three_functions_replicated_priced(),
        Format::Markdown,
    );
    assert!(out.ends_with(
        "**SLO: not met**\n\n- `worker: latency_ms.p99 4800 > 3000`\n- `worker: throttle_ratio 0.00333 > 0.001`\n"
    ));
}

#[test]
fn a_pipe_in_a_name_does_not_break_the_table() {
    let mut s = fixtures::one_function();
    s.functions[0].name = "a|b".to_string();
    let out = render(&s, Format::Markdown);
    let row = out.lines().find(|l| l.contains("a\\|b")).unwrap();
    assert_eq!(cells(row)[0], "`a|b`");
}
