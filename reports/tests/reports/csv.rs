//! CSV: one row per function.

use lamsim_reports::{CSV_ADJACENT_COLUMNS, CSV_COLUMNS, Format, render};

use crate::fixtures;

#[test]
fn snapshots() {
    for (name, s) in fixtures::all() {
        insta::assert_snapshot!(format!("csv_{name}"), render(&s, Format::Csv));
    }
}

/// A minimal RFC 4180 reader: records of fields, quoted fields may hold `,`, `""` and newlines.
fn parse(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(
        field.is_empty() && record.is_empty(),
        "last record not terminated"
    );
    records
}

#[test]
fn header_then_one_row_per_function_each_full_width() {
    for (name, s) in fixtures::all() {
        let records = parse(&render(&s, Format::Csv));
        // The columns beside Lambda follow only when the summary has those lines.
        let mut header = CSV_COLUMNS.to_vec();
        if s.cost
            .as_ref()
            .is_some_and(|c| c.window.lambda_usd.is_some())
        {
            header.extend(CSV_ADJACENT_COLUMNS);
        }
        assert_eq!(records[0], header, "{name}");
        assert_eq!(records.len(), 1 + s.functions.len(), "{name}");
        for (r, f) in records[1..].iter().zip(&s.functions) {
            assert_eq!(r.len(), header.len(), "{name}");
            assert_eq!(r[0], f.name);
        }
    }
}

#[test]
fn the_columns_beside_lambda_hold_each_line_and_the_lambda_subtotal() {
    let s = fixtures::one_function_priced_with_adjacent();
    let records = parse(&render(&s, Format::Csv));
    let at = |name: &str| {
        let c = records[0].iter().position(|c| c == name).unwrap();
        records[1][c].parse::<f64>().unwrap()
    };
    let c = s.functions[0].cost_usd.as_ref().unwrap();
    assert_eq!(at("cost_gateway_usd"), c.gateway.unwrap());
    assert_eq!(at("cost_event_sources_usd"), 0.0);
    assert_eq!(at("cost_logs_usd"), c.logs.unwrap());
    // The Lambda subtotal is the five Lambda lines: here requests and compute.
    assert_eq!(at("cost_lambda_usd"), c.requests + c.compute);
    let m = c.monthly.as_ref().unwrap();
    assert_eq!(at("cost_monthly_lambda_usd"), m.requests + m.compute);
    // The total includes the lines beside Lambda.
    let total = c.requests + c.compute + c.gateway.unwrap() + c.logs.unwrap();
    assert!((at("cost_total_usd") - total).abs() <= 1e-12 * total);
}

fn column(records: &[Vec<String>], row: usize, name: &str) -> String {
    let c = CSV_COLUMNS.iter().position(|c| *c == name).unwrap();
    records[row][c].clone()
}

#[test]
fn numbers_are_raw_and_read_back_exactly() {
    let s = fixtures::three_functions_replicated_priced();
    let records = parse(&render(&s, Format::Csv));
    let api = &s.functions[0];
    let num = |name: &str| column(&records, 1, name).parse::<f64>().unwrap();
    assert_eq!(num("cold_start_ratio"), 1234.0 / 180_000.0);
    assert_eq!(
        num("cold_start_ratio_ci95_low"),
        api.cold_start_ratio_ci95.unwrap()[0]
    );
    assert_eq!(num("latency_p99_ms"), 420.0);
    assert_eq!(
        num("latency_p99_ci95_high_ms"),
        api.latency_ms.p99_ci95.unwrap()[1]
    );
    assert_eq!(num("latency_cold_p50_ms"), 388.0);
    assert_eq!(num("usage_ondemand_gb_s"), 21_600.0);
    assert_eq!(num("cost_total_usd"), api.cost_usd.as_ref().unwrap().total);
    let monthly = num("cost_monthly_total_usd");
    assert_eq!(
        monthly,
        api.cost_usd
            .as_ref()
            .unwrap()
            .monthly
            .as_ref()
            .unwrap()
            .total
    );
    // 720 hours × ($0.036 + $0.36000072).
    assert!((monthly - 285.1205184).abs() < 1e-9, "{monthly}");
    assert_eq!(column(&records, 1, "memory_mb"), "1024");
    assert_eq!(column(&records, 2, "architecture"), "arm64");
}

#[test]
fn absent_values_are_empty_cells() {
    let records = parse(&render(&fixtures::one_function(), Format::Csv));
    for name in [
        "cold_start_ratio_ci95_low",
        "latency_p99_ci95_low_ms",
        "instances_avg_total_ci95_high",
        "cost_total_usd",
        "cost_monthly_total_usd",
    ] {
        assert_eq!(column(&records, 1, name), "", "{name}");
    }
}

#[test]
fn text_with_commas_quotes_and_newlines_is_quoted_and_reads_back() {
    let mut s = fixtures::one_function();
    s.functions[0].name = "a,\"b\"\nc".to_string();
    let out = render(&s, Format::Csv);
    assert!(out.contains("\n\"a,\"\"b\"\"\nc\",1024,"), "{out}");
    let records = parse(&out);
    assert_eq!(records.len(), 2);
    assert_eq!(records[1][0], "a,\"b\"\nc");
}
