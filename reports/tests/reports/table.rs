//! The terminal table.

use lamsim_reports::{Format, render};

use crate::fixtures;

#[test]
fn snapshots() {
    for (name, s) in fixtures::all() {
        insta::assert_snapshot!(format!("table_{name}"), render(&s, Format::Table));
    }
}

#[test]
fn header_names_seed_replicates_and_window() {
    let out = render(
        &fixtures::three_functions_replicated_priced(),
        Format::Table,
    );
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "lamsim 0.1.0, seed 42, 10 replicates (mean), window 3,600 s after 300 s warm-up"
    );
    let out = render(&fixtures::one_function(), Format::Table);
    assert!(
        out.lines()
            .next()
            .unwrap()
            .contains("seed 42, 1 replicate,")
    );
}

#[test]
fn columns_are_aligned() {
    // Every line of a table block is no wider than its dashed rule, and right-aligned
    // numeric columns end where their rule ends.
    let out = render(
        &fixtures::three_functions_replicated_priced(),
        Format::Table,
    );
    for block in out.split("\n\n").skip(1) {
        let lines: Vec<&str> = block.lines().collect();
        if !lines.get(1).is_some_and(|l| l.starts_with("---")) {
            continue; // the SLO block
        }
        let rule = lines[1];
        for l in &lines {
            assert!(l.chars().count() <= rule.len(), "{l:?} wider than {rule:?}");
        }
        // The last column is right-aligned: every row ends at the rule's end.
        for l in &lines[2..] {
            assert_eq!(l.chars().count(), rule.len(), "{l:?}");
        }
    }
}

#[test]
fn ratios_are_percentages_with_their_interval() {
    let out = render(
        &fixtures::three_functions_replicated_priced(),
        Format::Table,
    );
    // api: 1,234 / 180,000 = 0.6856 %, interval ± 10 %: 0.6170 % .. 0.7541 %.
    assert!(out.contains("0.69% [0.62%, 0.75%]"), "{out}");
    // worker: 12 / 3,600 = 0.333 %.
    assert!(out.contains("0.33%"), "{out}");
    assert!(out.contains("cold-start ratio [95% CI]"), "{out}");
}

#[test]
fn kinds_without_invocations_show_dashes_not_zeros() {
    // Every `worker` invocation is cold: its warm row has no statistics.
    let out = render(&fixtures::three_functions(), Format::Table);
    let warm = out
        .lines()
        .find(|l| l.starts_with("worker") && l.contains("warm"))
        .unwrap();
    assert_eq!(
        warm.split_whitespace().filter(|c| *c == "-").count(),
        6,
        "{warm}"
    );
}

#[test]
fn bill_is_in_cents_when_priced_else_usage_in_gb_s() {
    let out = render(&fixtures::one_function_priced(), Format::Table);
    // Window: $0.036 + $0.36000072; month (×720): $25.92 + $259.2005184 = $285.1205184.
    let window = out
        .lines()
        .find(|l| l.starts_with("window (3,600 s)"))
        .unwrap();
    assert_eq!(
        window.split_whitespace().collect::<Vec<_>>()[3..],
        ["$0.04", "$0.36", "$0.00", "$0.00", "$0.00", "$0.40"]
    );
    let monthly = out
        .lines()
        .find(|l| l.starts_with("monthly (30 d)"))
        .unwrap();
    assert_eq!(
        monthly.split_whitespace().collect::<Vec<_>>()[3..],
        ["$25.92", "$259.20", "$0.00", "$0.00", "$0.00", "$285.12"]
    );
    assert!(!out.contains("GB-s"));

    let out = render(&fixtures::one_function(), Format::Table);
    assert!(!out.contains('$'));
    // 180,000 × 0.120 s × 1 GB.
    let usage = out.lines().rfind(|l| l.starts_with("api")).unwrap();
    assert!(usage.contains("21,600.0"), "{usage}");
}

#[test]
fn slo_result_is_shown_only_when_declared() {
    let out = render(&fixtures::one_function_priced(), Format::Table);
    assert!(out.ends_with("\nSLO: met\n"), "{out}");
    let out = render(
        &fixtures::three_functions_replicated_priced(),
        Format::Table,
    );
    assert!(
        out.ends_with(
            "SLO: NOT met (2 violations)\n  worker: latency_ms.p99 4800 > 3000\n  worker: throttle_ratio 0.00333 > 0.001\n"
        ),
        "{out}"
    );
    assert!(!render(&fixtures::one_function(), Format::Table).contains("SLO"));
}
