//! `report.html`, `report.md` and `charts/*`: snapshots of the Markdown and of the SVG
//! structure (titles, labels, element counts — not every coordinate), self-containment of the
//! HTML, determinism, PNG output.

use std::collections::BTreeMap;

use lamsim_reports::{
    ReportOptions, bench_report_files, run_report_files, sweep_report_files, write_dir_files,
};
use lamsim_study::axis::Axis;
use lamsim_study::sweep::{self, Point, SweepHeader, SweepReport};

use crate::fixtures;

type Files = Vec<(String, Vec<u8>)>;

fn text(files: &Files, name: &str) -> String {
    let (_, b) = files
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no {name} among {:?}", names(files)));
    String::from_utf8(b.clone()).expect("UTF-8")
}

fn names(files: &Files) -> Vec<String> {
    files.iter().map(|(n, _)| n.clone()).collect()
}

/// Every `<text>` content of an SVG, in order.
fn svg_texts(svg: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = svg;
    while let Some(start) = rest.find("<text") {
        let after = &rest[start..];
        let open_end = after.find('>').expect("closed tag");
        let close = after.find("</text>").expect("closed text");
        out.push(after[open_end + 1..close].trim().to_string());
        rest = &after[close..];
    }
    out
}

/// The structure of an SVG: size, title, element counts, and every text.
fn svg_structure(svg: &str) -> String {
    let head = &svg[..svg.find('>').unwrap()];
    let attr = |a: &str| {
        let k = format!(" {a}=\"");
        let i = head.find(&k).unwrap() + k.len();
        head[i..i + head[i..].find('"').unwrap()].to_string()
    };
    let title = svg
        .split("<title>")
        .nth(1)
        .and_then(|t| t.split("</title>").next())
        .unwrap_or("(none)");
    let mut counts = BTreeMap::new();
    // Polylines are left out of the counts: a dashed line is one per dash, so their number
    // follows the layout; their colours are listed instead.
    for tag in ["circle", "line", "path", "polygon", "rect", "text"] {
        let n = svg.matches(&format!("<{tag} ")).count() + svg.matches(&format!("<{tag}>")).count();
        if n > 0 {
            counts.insert(tag, n);
        }
    }
    let mut strokes: Vec<&str> = svg
        .split("<polyline")
        .skip(1)
        .filter_map(|p| p.split("stroke=\"").nth(1)?.split('"').next())
        .collect();
    strokes.sort_unstable();
    strokes.dedup();
    let mut out = format!(
        "size {}x{}\ntitle {title}\nelements {counts:?}\nline colours {strokes:?}\ntexts:\n",
        attr("width"),
        attr("height")
    );
    for t in svg_texts(svg) {
        out.push_str("  ");
        out.push_str(&t);
        out.push('\n');
    }
    out
}

/// Snapshot of every chart's structure, one section per file.
fn charts_structure(files: &Files) -> String {
    let mut out = String::new();
    for (n, b) in files {
        if n.ends_with(".svg") {
            out.push_str(&format!("== {n}\n"));
            out.push_str(&svg_structure(std::str::from_utf8(b).unwrap()));
        }
    }
    out
}

fn run_files(s: &lamsim_sim::summary::Summary, png: bool) -> Files {
    run_report_files(s, &fixtures::report_data(s), &ReportOptions { png }).unwrap()
}

fn sweep_report() -> SweepReport {
    let axes = vec![Axis::memory([512, 1024, 2048])];
    let mut s = lamsim_sim::testing::simple_scenario(1.0, 10.0, "1m", "1m");
    s.slo = Some(lamsim_sim::model::Slo {
        p99: Some(lamsim_sim::time::SimTime::from_millis(500)),
        cold_start_ratio: None,
        throttle_ratio: None,
        monthly_cost_usd: None,
    });
    let point = |mb: u32, cost: f64, p99: f64| Point {
        memory_mb: Some(mb),
        architecture: Some("arm64".into()),
        provisioned: Some(0),
        set: BTreeMap::new(),
        p50_ms: p99 / 4.0,
        p50_ms_ci95: None,
        p99_ms: p99,
        p99_ms_ci95: None,
        cold_start_ratio: 0.01,
        cold_start_ratio_ci95: None,
        throttle_ratio: 0.0,
        throttle_ratio_ci95: None,
        monthly_cost_usd: cost,
        monthly_cost_usd_ci95: None,
        meets_slo: p99 <= 500.0,
        slo_violations: vec![],
        modelled: vec![],
    };
    let points = vec![
        point(512, 10.0, 900.0),
        point(1024, 20.0, 450.0),
        point(2048, 40.0, 430.0),
    ];
    sweep::finish(SweepHeader::new(&s, &axes), &axes, points)
}

#[test]
fn run_report_of_one_function() {
    let files = run_files(&fixtures::one_function_priced(), false);
    assert_eq!(
        names(&files),
        [
            "charts/cold-starts.svg",
            "charts/cost-by-line.svg",
            "charts/cost-by-function.svg",
            "charts/latency-cdf-api.svg",
            "charts/environments-api.svg",
            "report.md",
            "report.html",
        ]
    );
    insta::assert_snapshot!("report_md_one_function", text(&files, "report.md"));
    insta::assert_snapshot!("report_charts_one_function", charts_structure(&files));
}

#[test]
fn run_report_of_twenty_functions_keeps_cross_function_charts_to_seven_series() {
    let s = fixtures::twenty_functions_priced();
    let files = run_files(&s, false);
    // Per function: a CDF and an environments chart; plus four overview charts.
    assert_eq!(files.len(), 2 + 4 + 2 * 20);
    insta::assert_snapshot!("report_md_twenty_functions", text(&files, "report.md"));
    let cold = text(&files, "charts/cold-starts.svg");
    let texts = svg_texts(&cold);
    // The six functions with the most cold starts (fn-20 … fn-15), then the other 14.
    for i in 15..=20 {
        assert!(texts.contains(&format!("fn-{i:02}")), "{texts:?}");
    }
    assert!(!texts.contains(&"fn-14".to_string()), "{texts:?}");
    assert!(
        texts.contains(&"others (14 functions)".to_string()),
        "{texts:?}"
    );
    // Seven series (the `others` one included), all in distinct colours (the grey line is
    // the end of the warm-up), none yellow.
    let mut strokes: Vec<&str> = cold
        .split("<polyline")
        .skip(1)
        .filter_map(|p| p.split("stroke=\"").nth(1)?.split('"').next())
        .filter(|c| *c != "#777777")
        .collect();
    strokes.sort_unstable();
    strokes.dedup();
    assert_eq!(strokes.len(), 7, "{strokes:?}");
    assert!(!strokes.contains(&"#F0E442"), "no yellow line on white");
    let by_fn = text(&files, "charts/cost-by-function.svg");
    let texts = svg_texts(&by_fn);
    let order: Vec<&String> = texts.iter().filter(|t| t.starts_with("fn-")).collect();
    assert_eq!(order.len(), 20);
    // Axis labels are drawn from the bottom up: the largest bill is the top bar, fn-19's (x86_64:
    // fn-20 has more GB-s but runs on arm64, whose GB-s costs 20 % less).
    assert_eq!(order[19], "fn-19", "{order:?}");
    assert_eq!(order[18], "fn-20", "{order:?}");
    assert_eq!(order[0], "fn-01", "{order:?}");
    insta::assert_snapshot!(
        "report_charts_twenty_functions_overview",
        charts_structure(
            &files
                .iter()
                .filter(|(n, _)| n == "charts/environments-all.svg" || n == "charts/cold-starts.svg")
                .cloned()
                .collect()
        )
    );
}

#[test]
fn the_cdf_chart_has_a_log_x_axis_with_one_two_five_ticks() {
    let files = run_files(&fixtures::one_function_priced(), false);
    let texts = svg_texts(&text(&files, "charts/latency-cdf-api.svg"));
    // api: warm latencies from 52 ms (p50/2) to 1,502.7 ms, cold from 194 to 803.9 ms.
    for tick in ["50", "100", "200", "500", "1000", "2000"] {
        assert!(
            texts.contains(&tick.to_string()),
            "{tick} missing in {texts:?}"
        );
    }
    assert!(texts.contains(&"latency (ms, log scale)".to_string()));
    assert!(
        texts.contains(&"warm (178,766 invocations)".to_string()),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"cold (1,234 invocations)".to_string()),
        "{texts:?}"
    );
}

#[test]
fn throttles_are_marked_on_the_environments_chart() {
    let s = fixtures::three_functions();
    let files = run_files(&s, false);
    let worker = text(&files, "charts/environments-worker.svg");
    assert!(svg_texts(&worker).contains(&"throttled (12 requests)".to_string()));
    // One bucket with throttles, plus the legend's sample marker.
    assert_eq!(worker.matches("<polygon").count(), 2, "{worker}");
    let api = text(&files, "charts/environments-api.svg");
    assert!(!api.contains("throttled"));
    assert!(svg_texts(&api).contains(&"provisioned".to_string()));
    // The time axis of a 65-minute run is in minutes.
    assert!(svg_texts(&api).contains(&"time since start (min)".to_string()));
}

#[test]
fn html_is_self_contained_and_holds_every_chart() {
    let files = run_files(&fixtures::three_functions_replicated_priced(), false);
    let html = text(&files, "report.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "an address in the page"
    );
    assert!(!html.contains(" src="), "nothing is loaded");
    assert!(html.contains("<style>"));
    let charts = files.iter().filter(|(n, _)| n.ends_with(".svg")).count();
    assert_eq!(html.matches("<svg ").count(), charts);
    // Headline numbers, the bill and the SLO.
    assert!(html.contains("<td>worker</td>"));
    assert!(html.contains("30-day month (USD)"));
    assert!(html.contains("worker: latency_ms.p99 4800 &gt; 3000"));
    // The Markdown links exactly the chart files.
    let md = text(&files, "report.md");
    for (n, _) in files.iter().filter(|(n, _)| n.ends_with(".svg")) {
        assert!(md.contains(&format!("]({n})")), "{n} not linked");
    }
}

#[test]
fn reports_are_deterministic() {
    let s = fixtures::three_functions_replicated_priced();
    assert_eq!(run_files(&s, true), run_files(&s, true));
}

#[test]
fn png_charts_are_drawn_with_the_bundled_font() {
    let files = run_files(&fixtures::one_function_priced(), true);
    let pngs: Vec<&(String, Vec<u8>)> = files.iter().filter(|(n, _)| n.ends_with(".png")).collect();
    let svgs = files.iter().filter(|(n, _)| n.ends_with(".svg")).count();
    assert_eq!(pngs.len(), svgs);
    let (_, cdf) = pngs
        .iter()
        .find(|(n, _)| n == "charts/latency-cdf-api.png")
        .unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(cdf));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.width, lamsim_reports::charts::WIDTH);
    let px = &buf[..info.buffer_size()];
    // Dark pixels are text and axes: drawn, so the font loaded.
    let dark = px.chunks(3).filter(|p| p.iter().all(|c| *c < 80)).count();
    assert!(dark > 2_000, "only {dark} dark pixels");
    // Blue (warm) and vermillion (cold) lines are there.
    assert!(px.chunks(3).any(|p| p == [0x00, 0x72, 0xB2]));
    assert!(px.chunks(3).any(|p| p == [0xD5, 0x5E, 0x00]));
}

#[test]
fn bench_report_shows_both_architectures_and_the_recommendations() {
    let files = bench_report_files(&fixtures::bench(), &ReportOptions::default()).unwrap();
    assert_eq!(
        names(&files),
        [
            "charts/bench-duration.svg",
            "charts/bench-cost.svg",
            "report.md",
            "report.html"
        ]
    );
    insta::assert_snapshot!("report_md_bench", text(&files, "report.md"));
    insta::assert_snapshot!("report_charts_bench", charts_structure(&files));
    let html = text(&files, "report.html");
    // Three highlighted rows: 128 (cost), 512 (balanced), 1769 (speed).
    assert_eq!(html.matches("<tr class=\"rec\">").count(), 3);
}

#[test]
fn sweep_report_draws_the_pareto_front_and_the_recommendation() {
    let files = sweep_report_files(&sweep_report(), &ReportOptions::default()).unwrap();
    assert_eq!(
        names(&files),
        ["charts/sweep-pareto.svg", "report.md", "report.html"]
    );
    insta::assert_snapshot!("report_md_sweep", text(&files, "report.md"));
    let svg = text(&files, "charts/sweep-pareto.svg");
    let texts = svg_texts(&svg);
    assert!(texts.contains(&"#1 recommended".to_string()), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("SLO: p99 ≤ 500 ms")),
        "{texts:?}"
    );
    insta::assert_snapshot!("report_charts_sweep", charts_structure(&files));
}

#[test]
fn report_files_write_into_an_output_folder() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("run");
    let files = run_files(&fixtures::three_functions(), false);
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    write_dir_files(&out, &refs).unwrap();
    assert!(out.join("report.html").is_file());
    assert!(out.join("charts/latency-cdf-cron.svg").is_file());
}

#[test]
fn the_report_bill_shows_the_lines_beside_lambda_only_when_present() {
    let md = text(
        &run_files(&fixtures::one_function_priced_with_adjacent(), false),
        "report.md",
    );
    for row in [
        "Lambda subtotal",
        "gateway (API Gateway, load balancers)",
        "event sources (SQS pollers)",
        "logs (CloudWatch Logs)",
    ] {
        assert!(md.contains(row), "{row} missing from:\n{md}");
    }
    // The monthly cost-by-line chart has bars for them too.
    let chart = text(
        &run_files(&fixtures::one_function_priced_with_adjacent(), false),
        "charts/cost-by-line.svg",
    );
    assert!(svg_texts(&chart).iter().any(|t| t == "gateway"));
    let md = text(
        &run_files(&fixtures::one_function_priced(), false),
        "report.md",
    );
    assert!(!md.contains("Lambda subtotal") && !md.contains("CloudWatch Logs"));
}
