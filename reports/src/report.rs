//! The human reports of an output folder: `report.html` (one self-contained page: inline CSS
//! and SVG, no script, no external address), `report.md` (the same tables, charts linked as
//! `charts/NAME.svg`) and the charts themselves (`charts/*.svg`, and `charts/*.png` with
//! `--png`).
//!
//! One function per kind of folder returns the files as `(relative path, bytes)` for
//! [`write_dir_files`](crate::write_dir_files): [`run_report_files`] (from `summary.json` and
//! `report-data.json`), [`bench_report_files`] (from `bench.json`) and
//! [`sweep_report_files`] (from `sweep.json`). Each builds a [`Doc`] — headings, paragraphs,
//! tables and charts — rendered once as HTML and once as Markdown, so both always say the same.
//!
//! # Charts with many functions
//!
//! Per-function charts (latency CDF, environments over time) are small multiples: one chart
//! per function, each with its own legend. Charts across functions (cold starts over time)
//! show every function when there are at most seven, else the six with the most cold starts
//! and one black "others" line summing the rest, so they never need more than seven colours
//! (the Okabe–Ito palette without its yellow); cost by function is a bar per function (bars
//! stay readable with twenty and more).

use std::fmt::Write as _;

use lamsim_sim::bench::{BenchResult, BenchSummary};
use lamsim_sim::report_data::{AccountSeries, FunctionSeries, ReportData};
use lamsim_sim::summary::{FunctionSummary, LatencyStats, Summary};
use lamsim_study::sweep::SweepReport;

use crate::charts::{
    Axis, BarChart, Chart, ChartError, LineChart, Marker, Series, colour, tick_label, xml_escape,
};
use crate::num::{count, decimal, money, percent};
use crate::tables::Table;

/// Name of the HTML report in an output folder.
pub const REPORT_HTML_FILE: &str = "report.html";
/// Name of the Markdown report in an output folder.
pub const REPORT_MD_FILE: &str = "report.md";
/// Folder of the chart files in an output folder.
pub const CHARTS_DIR: &str = "charts";
/// Most points drawn per time series; longer series are averaged into coarser buckets.
pub const MAX_TIME_POINTS: usize = 720;
/// Functions drawn individually in a chart across functions; the rest are summed as "others"
/// (drawn in black), so such a chart uses the seven Okabe–Ito colours that read well on white
/// (not yellow).
pub const TOP_FUNCTIONS: usize = 6;

/// Options of the reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportOptions {
    /// Also write every chart as PNG (`charts/NAME.png`), drawn with the bundled font.
    /// Default: false.
    pub png: bool,
}

/// What can go wrong when building a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A chart could not be drawn.
    #[error(transparent)]
    Chart(#[from] ChartError),
}

/// A chart and the file stem it is written under (`charts/STEM.svg`).
#[derive(Clone, Debug, PartialEq)]
pub struct NamedChart {
    /// File stem, e.g. `latency-cdf-api`.
    pub stem: String,
    /// The chart.
    pub chart: Chart,
}

// ---------------------------------------------------------------------------------------------
// Documents
// ---------------------------------------------------------------------------------------------

impl Table {
    fn to_html(&self, out: &mut String) {
        out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
        for (h, r) in self.header.iter().zip(&self.right) {
            let _ = write!(
                out,
                "<th{}>{}</th>",
                if *r { " class=\"num\"" } else { "" },
                xml_escape(h)
            );
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for (row, hl) in self.rows.iter().zip(&self.highlight) {
            out.push_str(if *hl { "<tr class=\"rec\">" } else { "<tr>" });
            for (c, r) in row.iter().zip(&self.right) {
                let _ = write!(
                    out,
                    "<td{}>{}</td>",
                    if *r { " class=\"num\"" } else { "" },
                    xml_escape(c)
                );
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody></table></div>\n");
    }
}

/// One block of a report.
#[derive(Clone, Debug, PartialEq)]
enum Block {
    /// Heading of level 2 or 3.
    Heading(u8, String),
    /// A paragraph of plain text.
    Para(String),
    /// A bulleted list.
    List(Vec<String>),
    /// A table.
    Table(Table),
    /// Charts by index into [`Doc::charts`], drawn side by side where they fit.
    Charts(Vec<usize>),
}

/// A report: rendered as HTML and as Markdown from the same blocks.
#[derive(Clone, Debug, Default, PartialEq)]
struct Doc {
    title: String,
    blocks: Vec<Block>,
    charts: Vec<NamedChart>,
}

impl Doc {
    fn h2(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Heading(2, s.into()));
    }
    fn h3(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Heading(3, s.into()));
    }
    fn para(&mut self, s: impl Into<String>) {
        self.blocks.push(Block::Para(s.into()));
    }
    fn table(&mut self, t: Table) {
        self.blocks.push(Block::Table(t));
    }
    /// Adds charts (with unique stems) and a block showing them.
    fn charts(&mut self, charts: Vec<NamedChart>) {
        if charts.is_empty() {
            return;
        }
        let mut idx = Vec::new();
        for c in charts {
            idx.push(self.charts.len());
            self.charts.push(c);
        }
        self.blocks.push(Block::Charts(idx));
    }

    fn files(&self, opts: &ReportOptions) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
        let mut svgs = Vec::with_capacity(self.charts.len());
        for c in &self.charts {
            svgs.push(c.chart.to_svg()?);
        }
        let mut files = Vec::new();
        for (c, svg) in self.charts.iter().zip(&svgs) {
            files.push((
                format!("{CHARTS_DIR}/{}.svg", c.stem),
                svg.clone().into_bytes(),
            ));
            if opts.png {
                files.push((format!("{CHARTS_DIR}/{}.png", c.stem), c.chart.to_png()?));
            }
        }
        files.push((REPORT_MD_FILE.to_string(), self.markdown().into_bytes()));
        files.push((REPORT_HTML_FILE.to_string(), self.html(&svgs).into_bytes()));
        Ok(files)
    }

    fn markdown(&self) -> String {
        let mut out = format!("# {}\n", self.title);
        for b in &self.blocks {
            out.push('\n');
            match b {
                Block::Heading(level, s) => {
                    let _ = writeln!(out, "{} {s}", "#".repeat(*level as usize));
                }
                Block::Para(s) => {
                    let _ = writeln!(out, "{s}");
                }
                Block::List(items) => {
                    for i in items {
                        let _ = writeln!(out, "- {i}");
                    }
                }
                Block::Table(t) => out.push_str(&t.to_markdown()),
                Block::Charts(idx) => {
                    for i in idx {
                        let c = &self.charts[*i];
                        let _ =
                            writeln!(out, "![{}]({CHARTS_DIR}/{}.svg)", c.chart.title(), c.stem);
                    }
                }
            }
        }
        out
    }

    fn html(&self, svgs: &[String]) -> String {
        let mut out = String::new();
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        // An empty icon, so that the browser asks nothing of the network.
        out.push_str("<link rel=\"icon\" href=\"data:,\">\n");
        let _ = writeln!(out, "<title>{}</title>", xml_escape(&self.title));
        let _ = writeln!(out, "<style>\n{CSS}</style>\n</head>\n<body>\n<main>");
        let _ = writeln!(out, "<h1>{}</h1>", xml_escape(&self.title));
        for b in &self.blocks {
            match b {
                Block::Heading(level, s) => {
                    let _ = writeln!(out, "<h{level}>{}</h{level}>", xml_escape(s));
                }
                Block::Para(s) => {
                    let _ = writeln!(out, "<p>{}</p>", xml_escape(s));
                }
                Block::List(items) => {
                    out.push_str("<ul>\n");
                    for i in items {
                        let _ = writeln!(out, "<li>{}</li>", xml_escape(i));
                    }
                    out.push_str("</ul>\n");
                }
                Block::Table(t) => t.to_html(&mut out),
                Block::Charts(idx) => {
                    out.push_str("<div class=\"charts\">\n");
                    for i in idx {
                        let c = &self.charts[*i];
                        let _ = writeln!(
                            out,
                            "<figure id=\"{}\">\n{}<figcaption><a href=\"{CHARTS_DIR}/{}.svg\">{}.svg</a></figcaption>\n</figure>",
                            xml_escape(&c.stem),
                            inline_svg(&svgs[*i]),
                            xml_escape(&c.stem),
                            xml_escape(&c.stem)
                        );
                    }
                    out.push_str("</div>\n");
                }
            }
        }
        out.push_str("</main>\n</body>\n</html>\n");
        out
    }
}

/// A standalone SVG made fit for inline HTML: the namespace declaration (implied in HTML) is
/// dropped, so the page holds no address at all, and it is marked as an image for screen
/// readers.
fn inline_svg(svg: &str) -> String {
    let mut s = svg.replacen(" xmlns=\"http://www.w3.org/2000/svg\"", " role=\"img\"", 1);
    if !s.ends_with('\n') {
        s.push('\n');
    }
    s
}

const CSS: &str = "body{margin:0;font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;color:#1a1a1a;background:#fff;line-height:1.45}
main{max-width:1800px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:1.6rem;margin:.4em 0}
h2{font-size:1.25rem;margin:1.6em 0 .5em;border-bottom:1px solid #ddd;padding-bottom:.2em}
h3{font-size:1.05rem;margin:1.2em 0 .4em}
.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.9rem;margin:.4em 0 1em}
th,td{padding:4px 10px;border-bottom:1px solid #e3e3e3;text-align:left;white-space:nowrap}
th{background:#f4f4f4}
.num{text-align:right;font-variant-numeric:tabular-nums}
tr.rec td{background:#fff3c4;font-weight:600}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,640px),1fr));gap:16px}
figure{margin:0;border:1px solid #e3e3e3;border-radius:6px;padding:6px;background:#fff}
figure svg{width:100%;height:auto;display:block}
figcaption{font-size:.8rem;color:#555;text-align:right}
a{color:#0072b2}
";

/// `name` as a file-name part: lowercase ASCII letters, digits and `-`.
fn slug(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            s.push(c.to_ascii_lowercase());
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "function".into() } else { s }
}

/// Unique slugs for `names` (a repeated slug gets `-2`, `-3`, …).
fn slugs<'a>(names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        let base = slug(n);
        let mut s = base.clone();
        let mut k = 2;
        while out.contains(&s) {
            s = format!("{base}-{k}");
            k += 1;
        }
        out.push(s);
    }
    out
}

/// A duration in seconds, in the largest unit that keeps it whole-ish (`90 s`, `15 min`, `2 h`).
fn duration_text(s: f64) -> String {
    if s >= 3600.0 && (s / 3600.0).fract() == 0.0 {
        format!("{} h", s / 3600.0)
    } else if s >= 60.0 && (s / 60.0).fract() == 0.0 {
        format!("{} min", s / 60.0)
    } else {
        format!("{} s", tick_label(s))
    }
}

// ---------------------------------------------------------------------------------------------
// Run reports
// ---------------------------------------------------------------------------------------------

/// The unit of a time axis for a run of `duration_s`: seconds up to 5 minutes, minutes up to
/// 5 hours, hours beyond. Returns `(seconds per unit, unit name)`.
pub fn time_unit(duration_s: f64) -> (f64, &'static str) {
    if duration_s <= 300.0 {
        (1.0, "s")
    } else if duration_s <= 5.0 * 3600.0 {
        (60.0, "min")
    } else {
        (3600.0, "h")
    }
}

/// How buckets are merged when a series is too long to draw.
#[derive(Clone, Copy)]
enum Merge {
    /// Counts: sum.
    Sum,
    /// Time averages: mean.
    Mean,
}

/// Buckets merged by `k` (`Sum` or `Mean`).
fn rebucket(v: &[f64], k: usize, how: Merge) -> Vec<f64> {
    v.chunks(k.max(1))
        .map(|c| {
            let s: f64 = c.iter().sum();
            match how {
                Merge::Sum => s,
                Merge::Mean => s / c.len() as f64,
            }
        })
        .collect()
}

/// The time axis of a run's series: merge factor, drawn bucket width (s), unit.
struct TimeAxis {
    k: usize,
    bucket_s: f64,
    div: f64,
    unit: &'static str,
    duration_s: f64,
}

impl TimeAxis {
    fn new(data: &ReportData) -> Self {
        Self::of(data.functions.iter(), data.bucket_s, data.duration_s)
    }

    /// The axis of the account's series (many-function layout), on its own grid.
    fn account(data: &ReportData, a: &AccountSeries) -> Self {
        Self::of(std::iter::once(&a.series), a.bucket_s, data.duration_s)
    }

    fn of<'a>(
        series: impl Iterator<Item = &'a FunctionSeries>,
        bucket_s: f64,
        duration_s: f64,
    ) -> Self {
        let n = series
            .map(|f| f.env_total.len().max(f.invocations.len()))
            .max()
            .unwrap_or(0);
        let k = n.div_ceil(MAX_TIME_POINTS).max(1);
        let (div, unit) = time_unit(duration_s);
        TimeAxis {
            k,
            bucket_s: bucket_s * k as f64,
            div,
            unit,
            duration_s,
        }
    }

    /// `(x, y)` points at bucket midpoints (the last one clipped to the run's end).
    fn points(&self, v: &[f64], how: Merge) -> Vec<(f64, f64)> {
        rebucket(v, self.k, how)
            .into_iter()
            .enumerate()
            .map(|(i, y)| {
                let start = i as f64 * self.bucket_s;
                let end = ((i + 1) as f64 * self.bucket_s).min(self.duration_s.max(start));
                (((start + end) / 2.0) / self.div, y)
            })
            .collect()
    }

    fn axis(&self) -> Axis {
        let mut a = Axis::linear(format!("time since start ({})", self.unit));
        a.range = Some((0.0, self.duration_s / self.div));
        a
    }

    fn per_bucket(&self) -> String {
        duration_text(self.bucket_s)
    }
}

fn warmup_line(data: &ReportData, t: &TimeAxis) -> Vec<(f64, String)> {
    if data.warmup_s > 0.0 {
        vec![(data.warmup_s / t.div, " warm-up ends".to_string())]
    } else {
        vec![]
    }
}

fn sum_series<'a>(fs: impl Iterator<Item = &'a Vec<f64>>) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    for v in fs {
        if out.len() < v.len() {
            out.resize(v.len(), 0.0);
        }
        for (o, x) in out.iter_mut().zip(v) {
            *o += x;
        }
    }
    out
}

/// Environments over time (total, busy, idle, provisioned) with throttled buckets marked.
fn environments_chart(
    title: String,
    parts: &[&FunctionSeries],
    data: &ReportData,
    t: &TimeAxis,
) -> Chart {
    let total = sum_series(parts.iter().map(|f| &f.env_total));
    let busy = sum_series(parts.iter().map(|f| &f.env_busy));
    let idle = sum_series(parts.iter().map(|f| &f.env_idle));
    let prov = sum_series(parts.iter().map(|f| &f.env_provisioned));
    let thr = sum_series(parts.iter().map(|f| &f.throttles));
    let mut series = vec![
        Series::line("total", t.points(&total, Merge::Mean), colour::BLUE),
        Series::line(
            "busy (initializing or running)",
            t.points(&busy, Merge::Mean),
            colour::ORANGE,
        ),
        Series::line("idle", t.points(&idle, Merge::Mean), colour::GREEN),
    ];
    if prov.iter().any(|v| *v > 0.0) {
        let mut s = Series::line("provisioned", t.points(&prov, Merge::Mean), colour::PURPLE);
        s.dash = 1;
        series.push(s);
    }
    let throttled: f64 = thr.iter().sum();
    if throttled > 0.0 {
        let marks: Vec<(f64, f64)> = t
            .points(&thr, Merge::Sum)
            .into_iter()
            .filter(|p| p.1 > 0.0)
            .map(|(x, _)| (x, 0.0))
            .collect();
        series.push(Series::points(
            format!("throttled ({} requests)", count(throttled)),
            marks,
            colour::VERMILLION,
            Marker::Triangle,
        ));
    }
    Chart::Line(LineChart {
        title,
        x: t.axis(),
        y: Axis::linear(format!("environments (mean per {})", t.per_bucket())),
        series,
        vlines: warmup_line(data, t),
        hlines: vec![],
        notes: vec![],
        empty_note: "no environments".into(),
    })
}

/// Items waiting in the queues of event-driven functions over time, one line per function.
fn backlog_chart(parts: &[&FunctionSeries], data: &ReportData, t: &TimeAxis) -> Chart {
    let series = parts
        .iter()
        .enumerate()
        .map(|(i, f)| Series::line(f.name.clone(), t.points(&f.backlog, Merge::Mean), i))
        .collect();
    Chart::Line(LineChart {
        title: "Queue backlog over time (async events, SQS messages, stream records waiting)"
            .into(),
        x: t.axis(),
        y: Axis::linear(format!("items waiting (mean per {})", t.per_bucket())),
        series,
        vlines: warmup_line(data, t),
        hlines: vec![],
        notes: vec![],
        empty_note: "no queue".into(),
    })
}

/// Latency CDF of one function, warm against cold, log x.
fn cdf_chart(f: &FunctionSeries, s: Option<&FunctionSummary>) -> Chart {
    let pts = |v: &[[f64; 2]]| v.iter().map(|p| (p[0], p[1] * 100.0)).collect::<Vec<_>>();
    let warm_n = s.map(|s| s.invocations - s.cold_starts);
    let cold_n = s.map(|s| s.cold_starts);
    let label = |kind: &str, n: Option<f64>, empty: bool| match (n, empty) {
        (_, true) => format!("{kind} (none in the window)"),
        (Some(n), false) => format!("{kind} ({} invocations)", count(n)),
        (None, false) => kind.to_string(),
    };
    let warm = Series::line(
        label("warm", warm_n, f.latency_cdf_warm_ms.is_empty()),
        pts(&f.latency_cdf_warm_ms),
        colour::BLUE,
    );
    let mut cold = Series::line(
        label("cold", cold_n, f.latency_cdf_cold_ms.is_empty()),
        pts(&f.latency_cdf_cold_ms),
        colour::VERMILLION,
    );
    cold.dash = 1;
    let mut y = Axis::linear("invocations at or below (%)");
    y.range = Some((0.0, 100.0));
    y.ticks = Some(vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]);
    Chart::Line(LineChart {
        title: format!("Latency CDF of {}: warm vs cold", f.name),
        x: Axis::log("latency (ms, log scale)"),
        y,
        series: vec![warm, cold],
        vlines: vec![],
        hlines: vec![],
        notes: vec![],
        empty_note: "no invocations in the window".into(),
    })
}

/// Cold starts over time: every function when there are at most seven, else the six with the
/// most cold starts and "others".
fn cold_starts_chart(data: &ReportData, t: &TimeAxis) -> Chart {
    let mut order: Vec<&FunctionSeries> = data.functions.iter().collect();
    let total = |f: &FunctionSeries| f.cold_starts.iter().sum::<f64>();
    let shown: Vec<&FunctionSeries>;
    let mut others: Vec<&FunctionSeries> = Vec::new();
    if order.len() > TOP_FUNCTIONS + 1 {
        // Stable sort: ties keep workload order.
        order.sort_by(|a, b| total(b).total_cmp(&total(a)));
        shown = order[..TOP_FUNCTIONS].to_vec();
        others = order[TOP_FUNCTIONS..].to_vec();
    } else {
        shown = order;
    }
    let mut series: Vec<Series> = shown
        .iter()
        .enumerate()
        .map(|(i, f)| Series::line(f.name.clone(), t.points(&f.cold_starts, Merge::Sum), i))
        .collect();
    if !others.is_empty() {
        let sum = sum_series(others.iter().map(|f| &f.cold_starts));
        series.push(Series::line(
            format!("others ({} functions)", others.len()),
            t.points(&sum, Merge::Sum),
            colour::BLACK,
        ));
    }
    Chart::Line(LineChart {
        title: "Cold starts over time".into(),
        x: t.axis(),
        y: Axis::linear(format!("cold starts per {}", t.per_bucket())),
        series,
        vlines: warmup_line(data, t),
        hlines: vec![],
        notes: vec![],
        empty_note: "no functions".into(),
    })
}

/// Cold starts over time of all functions together (many-function layout).
fn account_cold_starts_chart(a: &AccountSeries, data: &ReportData, t: &TimeAxis) -> Chart {
    Chart::Line(LineChart {
        title: format!(
            "Cold starts over time, all {} functions",
            count(a.functions as f64)
        ),
        x: t.axis(),
        y: Axis::linear(format!("cold starts per {}", t.per_bucket())),
        series: vec![Series::line(
            a.series.name.clone(),
            t.points(&a.series.cold_starts, Merge::Sum),
            colour::BLUE,
        )],
        vlines: warmup_line(data, t),
        hlines: vec![],
        notes: vec![],
        empty_note: "no functions".into(),
    })
}

fn latency_cell(l: &LatencyStats, n: f64, v: fn(&LatencyStats) -> f64) -> String {
    if n > 0.0 { decimal(v(l)) } else { "-".into() }
}

/// The headline table of a run: one row per function.
fn headline_table(summary: &Summary) -> Table {
    let mut t = Table::new(&[
        ("function", false),
        ("memory (MB)", true),
        ("architecture", false),
        ("invocations", true),
        ("cold starts (%)", true),
        ("throttles (%)", true),
        ("p50 warm (ms)", true),
        ("p99 warm (ms)", true),
        ("p50 cold (ms)", true),
        ("p99 cold (ms)", true),
        ("environments avg", true),
        ("environments peak", true),
    ]);
    let pct = |r: f64| percent(r).trim_end_matches('%').to_string();
    for f in &summary.functions {
        let warm = f.invocations - f.cold_starts;
        t.row(vec![
            f.name.clone(),
            f.memory_mb.to_string(),
            f.architecture.clone(),
            count(f.invocations),
            pct(f.cold_start_ratio),
            pct(f.throttle_ratio),
            latency_cell(&f.latency_warm_ms, warm, |l| l.p50),
            latency_cell(&f.latency_warm_ms, warm, |l| l.p99),
            latency_cell(&f.latency_cold_ms, f.cold_starts, |l| l.p50),
            latency_cell(&f.latency_cold_ms, f.cold_starts, |l| l.p99),
            decimal(f.instances.avg_total),
            count(f.instances.peak),
        ]);
    }
    t
}

/// Builds the charts and files of a run folder: `report.html`, `report.md`, `charts/*.svg`
/// (and `charts/*.png` with `opts.png`). Functions of `data` are matched to those of
/// `summary` by name; a function missing from `data` has no charts.
///
/// Charts: `environments-all` (more than one function), `cold-starts`, `cost-by-line` and
/// `cost-by-function` (when priced), then per function `latency-cdf-SLUG` and
/// `environments-SLUG`.
pub fn run_report_files(
    summary: &Summary,
    data: &ReportData,
    opts: &ReportOptions,
) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
    run_doc(summary, data).files(opts)
}

/// The tables with one row per function: the headline, capacity and measured tables.
fn function_detail(doc: &mut Doc, summary: &Summary) {
    doc.h2("Functions");
    doc.table(headline_table(summary));
    if let Some(t) = crate::table::capacity_table(summary) {
        doc.h2("Capacity: managed instances and provisioned auto scaling");
        doc.table(t);
    }
    if let Some(t) = crate::table::measured_table(summary) {
        doc.h2("Simulated against measured (CloudWatch)");
        doc.table(t);
    }
}

fn run_doc(summary: &Summary, data: &ReportData) -> Doc {
    let mut doc = Doc {
        title: "lamsim run report".into(),
        ..Doc::default()
    };
    doc.para(format!(
        "lamsim {} · seed {} · {} replicate{} · measured window {} after a warm-up of {} · {} function{}",
        summary.lamsim_version,
        summary.seed,
        summary.replicates,
        if summary.replicates == 1 { "" } else { "s" },
        duration_text(summary.window_s),
        duration_text(summary.warmup_s),
        summary.functions.len(),
        if summary.functions.len() == 1 { "" } else { "s" },
    ));
    if let Some(slo) = &summary.slo {
        doc.h2("SLO");
        if slo.met {
            doc.para("Met: every objective holds.");
        } else {
            doc.para("Violated:");
            doc.blocks.push(Block::List(slo.violations.clone()));
        }
    }
    if let Some(agg) = &summary.aggregate {
        // Many functions: the aggregate and the top lists first, the detail in the files.
        doc.h2("Functions in aggregate");
        doc.para(format!(
            "{} functions: the totals, the top functions and the distributions across functions. Every function's detail is in summary.json (functions) and functions.parquet (one row per function); charts are drawn for the first {} of each top list.",
            count(agg.functions as f64),
            lamsim_sim::aggregate::CHARTED_TOP
        ));
        doc.blocks
            .push(Block::List(crate::aggregate::at_a_glance(agg)));
        for t in crate::aggregate::aggregate_tables(summary, agg) {
            doc.h3(t.title);
            doc.table(t.table);
        }
    } else {
        function_detail(&mut doc, summary);
    }

    if let Some(cost) = &summary.cost {
        doc.h2("Bill");
        let mut t = Table::new(&[
            ("line", false),
            ("window (USD)", true),
            ("30-day month (USD)", true),
        ]);
        let (w, m) = (&cost.window, &cost.monthly);
        for (name, a, b) in [
            ("requests", w.requests_usd, m.requests_usd),
            (
                "compute (on-demand duration, billed INIT included)",
                w.compute_usd,
                m.compute_usd,
            ),
            (
                "provisioned concurrency",
                w.provisioned_usd,
                m.provisioned_usd,
            ),
            ("ephemeral storage", w.ephemeral_usd, m.ephemeral_usd),
            ("SnapStart", w.snapstart_usd, m.snapstart_usd),
        ] {
            t.row(vec![name.to_string(), money(a), money(b)]);
        }
        if let (Some(a), Some(b)) = (w.instances_usd, m.instances_usd) {
            t.row(vec![
                "managed instances (EC2 + 15 % fee)".to_string(),
                money(a),
                money(b),
            ]);
        }
        // The Lambda subtotal and the lines beside Lambda, when the summary has them.
        for (name, a, b) in [
            ("Lambda subtotal", w.lambda_usd, m.lambda_usd),
            (
                "gateway (API Gateway, load balancers)",
                w.gateway_usd,
                m.gateway_usd,
            ),
            (
                "event sources (SQS pollers)",
                w.event_sources_usd,
                m.event_sources_usd,
            ),
            ("logs (CloudWatch Logs)", w.logs_usd, m.logs_usd),
        ] {
            if let (Some(a), Some(b)) = (a, b) {
                t.row(vec![name.to_string(), money(a), money(b)]);
            }
        }
        t.row(vec![
            "total".to_string(),
            money(w.total_usd),
            money(m.total_usd),
        ]);
        t.highlight_last(true);
        doc.table(t);
        let mut t = Table::new(&[
            ("function", false),
            ("window (USD)", true),
            ("30-day month (USD)", true),
            ("per million invocations (USD)", true),
        ]);
        // Many functions: the top list by cost stands for this table.
        let per_function = if summary.aggregate.is_some() {
            &[][..]
        } else {
            &summary.functions[..]
        };
        for f in per_function {
            if let Some(c) = &f.cost_usd {
                t.row(vec![
                    f.name.clone(),
                    money(c.total),
                    c.monthly.as_ref().map_or("-".into(), |m| money(m.total)),
                    money(c.per_million_invocations),
                ]);
            }
        }
        if summary.aggregate.is_none() {
            doc.table(t);
        }
    }

    // Many functions: charts of the charted functions only, the account standing for all.
    let charted: Option<Vec<&str>> = summary.aggregate.as_ref().map(|agg| {
        lamsim_sim::aggregate::charted(agg)
            .into_iter()
            .filter_map(|i| summary.functions.get(i).map(|f| f.name.as_str()))
            .collect()
    });
    let drawn: Vec<&FunctionSeries> = data
        .functions
        .iter()
        .filter(|f| {
            charted
                .as_ref()
                .is_none_or(|c| c.contains(&f.name.as_str()))
        })
        .collect();
    let t = TimeAxis::new(data);
    let names = slugs(drawn.iter().map(|f| f.name.as_str()));
    let mut overview = Vec::new();
    if let (Some(_), Some(a)) = (&charted, &data.account) {
        let ta = TimeAxis::account(data, a);
        overview.push(NamedChart {
            stem: "environments-all".into(),
            chart: environments_chart(
                format!(
                    "Environments over time, all {} functions",
                    count(a.functions as f64)
                ),
                &[&a.series],
                data,
                &ta,
            ),
        });
        overview.push(NamedChart {
            stem: "cold-starts".into(),
            chart: account_cold_starts_chart(a, data, &ta),
        });
    } else if charted.is_some() {
        // No account series (a folder of another lamsim): the charted functions only.
    } else if data.functions.len() > 1 {
        let all: Vec<&FunctionSeries> = data.functions.iter().collect();
        overview.push(NamedChart {
            stem: "environments-all".into(),
            chart: environments_chart(
                "Environments over time, all functions".into(),
                &all,
                data,
                &t,
            ),
        });
    }
    if charted.is_none() {
        overview.push(NamedChart {
            stem: "cold-starts".into(),
            chart: cold_starts_chart(data, &t),
        });
    }
    if let Some(cost) = &summary.cost {
        let m = &cost.monthly;
        let mut lines = vec![
            ("requests", m.requests_usd),
            ("compute", m.compute_usd),
            ("provisioned", m.provisioned_usd),
            ("ephemeral storage", m.ephemeral_usd),
            ("SnapStart", m.snapstart_usd),
        ];
        for (name, v) in [
            ("managed instances", m.instances_usd),
            ("gateway", m.gateway_usd),
            ("event sources", m.event_sources_usd),
            ("logs", m.logs_usd),
        ] {
            if let Some(v) = v {
                lines.push((name, v));
            }
        }
        overview.push(NamedChart {
            stem: "cost-by-line".into(),
            chart: Chart::Bar(BarChart {
                title: "Monthly cost by line (30-day projection)".into(),
                x_label: "cost (USD per month)".into(),
                bars: lines
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v, money(v)))
                    .collect(),
            }),
        });
        let mut by_fn: Vec<(String, f64, String)> = summary
            .functions
            .iter()
            .filter_map(|f| {
                let c = f.cost_usd.as_ref()?;
                let v = c.monthly.as_ref().map_or(c.total, |m| m.total);
                Some((f.name.clone(), v, money(v)))
            })
            .collect();
        // Largest first; ties keep workload order.
        by_fn.sort_by(|a, b| b.1.total_cmp(&a.1));
        let title = match &summary.aggregate {
            Some(agg) => {
                // Many functions: the top of the list, not thousands of bars.
                by_fn.truncate(lamsim_sim::aggregate::TOP_FUNCTIONS);
                format!(
                    "Monthly cost of the {} most expensive of {} functions (30-day projection)",
                    by_fn.len(),
                    count(agg.functions as f64)
                )
            }
            None => "Monthly cost by function (30-day projection)".into(),
        };
        overview.push(NamedChart {
            stem: "cost-by-function".into(),
            chart: Chart::Bar(BarChart {
                title,
                x_label: "cost (USD per month)".into(),
                bars: by_fn,
            }),
        });
    }
    let queued: Vec<&FunctionSeries> = drawn
        .iter()
        .copied()
        .filter(|f| !f.backlog.is_empty())
        .collect();
    if !queued.is_empty() {
        overview.push(NamedChart {
            stem: "backlog".into(),
            chart: backlog_chart(&queued, data, &t),
        });
    }
    doc.h2("Charts");
    doc.charts(overview);
    for (f, stem) in drawn.iter().copied().zip(&names) {
        let s = summary.functions.iter().find(|s| s.name == f.name);
        doc.h3(format!("Function {}", f.name));
        doc.charts(vec![
            NamedChart {
                stem: format!("latency-cdf-{stem}"),
                chart: cdf_chart(f, s),
            },
            NamedChart {
                stem: format!("environments-{stem}"),
                chart: environments_chart(
                    format!("Environments over time: {}", f.name),
                    &[f],
                    data,
                    &t,
                ),
            },
        ]);
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// Bench reports
// ---------------------------------------------------------------------------------------------

fn bench_chart(
    b: &BenchSummary,
    title: &str,
    y_label: &str,
    value: fn(&BenchResult) -> f64,
    p99: Option<fn(&BenchResult) -> f64>,
    picks: &[(&str, u32)],
) -> Chart {
    let mut archs: Vec<&str> = Vec::new();
    for r in &b.results {
        if !archs.contains(&r.architecture.as_str()) {
            archs.push(&r.architecture);
        }
    }
    let mut memories: Vec<f64> = b.results.iter().map(|r| r.memory_mb as f64).collect();
    memories.sort_by(f64::total_cmp);
    memories.dedup();
    let mut series = Vec::new();
    for (i, arch) in archs.iter().enumerate() {
        for measured in [true, false] {
            let mut rows: Vec<&BenchResult> = b
                .results
                .iter()
                .filter(|r| r.architecture == *arch && r.measured == measured)
                .collect();
            if rows.is_empty() {
                continue;
            }
            rows.sort_by_key(|r| r.memory_mb);
            let how = if measured { "measured" } else { "modelled" };
            let col = if i == 0 { colour::BLUE } else { colour::ORANGE };
            let mut s = Series::line(
                format!("{arch} ({how})"),
                rows.iter()
                    .map(|r| (r.memory_mb as f64, value(r)))
                    .collect(),
                col,
            );
            s.marker = if measured {
                Marker::Circle
            } else {
                Marker::HollowCircle
            };
            s.dash = if measured { 0 } else { 1 };
            series.push(s);
            if let Some(p) = p99 {
                let mut s = Series::line(
                    format!("{arch} p99 ({how})"),
                    rows.iter().map(|r| (r.memory_mb as f64, p(r))).collect(),
                    col,
                );
                s.dash = 2;
                series.push(s);
            }
        }
    }
    let mut notes = Vec::new();
    let mut rings = Vec::new();
    let mut grouped: Vec<(u32, Vec<&str>)> = Vec::new();
    for (name, mb) in picks {
        match grouped.iter_mut().find(|g| g.0 == *mb) {
            Some(g) => g.1.push(name),
            None => grouped.push((*mb, vec![name])),
        }
    }
    for (mb, names) in grouped {
        if let Some(r) = b
            .results
            .iter()
            .find(|r| r.measured && r.memory_mb == mb && r.architecture == b.architecture)
        {
            rings.push((mb as f64, value(r)));
            notes.push((
                mb as f64,
                value(r),
                format!("{}: {mb} MB", names.join(", ")),
            ));
        }
    }
    if !rings.is_empty() {
        series.push(Series::points(
            "recommended",
            rings,
            colour::BLACK,
            Marker::Ring,
        ));
    }
    let mut x = Axis::log("memory (MB, log scale)");
    x.ticks = Some(memories);
    Chart::Line(LineChart {
        title: title.to_string(),
        x,
        y: Axis::linear(y_label),
        series,
        vlines: vec![],
        hlines: vec![],
        notes,
        empty_note: "no results".into(),
    })
}

/// Builds the files of a bench folder: `report.html`, `report.md`, `charts/bench-duration.svg`
/// and `charts/bench-cost.svg` (and PNGs with `opts.png`): duration and cost per million
/// invocations against memory, per architecture, measured (solid) and modelled (dashed), the
/// recommendations ringed.
pub fn bench_report_files(
    b: &BenchSummary,
    opts: &ReportOptions,
) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
    bench_doc(b).files(opts)
}

fn bench_doc(b: &BenchSummary) -> Doc {
    let mut doc = Doc {
        title: format!("lamsim bench report: {}", b.function),
        ..Doc::default()
    };
    doc.para(format!(
        "lamsim {} · measured on {} · CPU limit: {} · balanced strategy weighs cost {} and duration {}",
        b.lamsim_version,
        b.architecture,
        b.cpu_limit,
        decimal(b.balanced_weight),
        decimal(1.0 - b.balanced_weight)
    ));
    if b.cpu_limit == "none" {
        doc.para("CPU was not limited on this machine: durations are not scaled by memory.");
    }
    let rec = b.recommendation;
    doc.h2("Recommendation");
    let mut t = Table::new(&[
        ("strategy", false),
        ("memory (MB)", true),
        ("mean duration (ms)", true),
        ("cost per million invocations (USD)", true),
    ]);
    for (name, mb) in [
        ("cost", rec.cost),
        ("speed", rec.speed),
        ("balanced", rec.balanced),
    ] {
        let r = b
            .results
            .iter()
            .find(|r| r.measured && r.memory_mb == mb && r.architecture == b.architecture);
        t.row(vec![
            name.to_string(),
            mb.to_string(),
            r.map_or("-".into(), |r| decimal(r.duration_ms.mean)),
            r.map_or("-".into(), |r| money(r.cost_per_million_usd)),
        ]);
    }
    doc.table(t);
    doc.h2("Results");
    let mut t = Table::new(&[
        ("memory (MB)", true),
        ("architecture", false),
        ("source", false),
        ("invocations", true),
        ("cold starts", true),
        ("errors", true),
        ("init p50 (ms)", true),
        ("duration mean (ms)", true),
        ("duration p50 (ms)", true),
        ("duration p99 (ms)", true),
        ("max memory used (MB)", true),
        ("cost per million invocations (USD)", true),
        ("recommended", false),
    ]);
    for r in &b.results {
        let mut picks = Vec::new();
        if r.measured && r.architecture == b.architecture {
            for (name, mb) in [
                ("cost", rec.cost),
                ("speed", rec.speed),
                ("balanced", rec.balanced),
            ] {
                if mb == r.memory_mb {
                    picks.push(name);
                }
            }
        }
        t.row(vec![
            r.memory_mb.to_string(),
            r.architecture.clone(),
            if r.measured { "measured" } else { "modelled" }.to_string(),
            r.invocations.to_string(),
            r.cold_starts.to_string(),
            r.errors.to_string(),
            if r.cold_starts > 0 {
                decimal(r.init_ms.p50)
            } else {
                "-".into()
            },
            decimal(r.duration_ms.mean),
            decimal(r.duration_ms.p50),
            decimal(r.duration_ms.p99),
            if r.max_memory_used_mb > 0.0 {
                decimal(r.max_memory_used_mb)
            } else {
                "-".into()
            },
            money(r.cost_per_million_usd),
            picks.join(", "),
        ]);
        t.highlight_last(!picks.is_empty());
    }
    doc.table(t);
    doc.h2("Charts");
    doc.charts(vec![
        NamedChart {
            stem: "bench-duration".into(),
            chart: bench_chart(
                b,
                &format!("Duration vs memory: {}", b.function),
                "duration (ms; mean, dotted p99)",
                |r| r.duration_ms.mean,
                Some(|r| r.duration_ms.p99),
                &[("speed", rec.speed), ("balanced", rec.balanced)],
            ),
        },
        NamedChart {
            stem: "bench-cost".into(),
            chart: bench_chart(
                b,
                &format!("Cost vs memory: {}", b.function),
                "cost per million invocations (USD)",
                |r| r.cost_per_million_usd,
                None,
                &[("cost", rec.cost), ("balanced", rec.balanced)],
            ),
        },
    ]);
    doc
}

// ---------------------------------------------------------------------------------------------
// Sweep reports
// ---------------------------------------------------------------------------------------------

/// Builds the files of a sweep folder: `report.html`, `report.md` and
/// `charts/sweep-pareto.svg` (and its PNG with `opts.png`): monthly cost against p99 of every
/// point, the Pareto front joined, points missing the SLO crossed, the recommendation ringed.
pub fn sweep_report_files(
    report: &SweepReport,
    opts: &ReportOptions,
) -> Result<Vec<(String, Vec<u8>)>, ReportError> {
    sweep_doc(report).files(opts)
}

fn sweep_doc(report: &SweepReport) -> Doc {
    let mut doc = Doc {
        title: "lamsim sweep report".into(),
        ..Doc::default()
    };
    let h = &report.header;
    doc.para(format!(
        "{} points · seed {} · {} replicate{} per point · measured window {}",
        report.points.len(),
        h.seed,
        h.replicates,
        if h.replicates == 1 { "" } else { "s" },
        duration_text(h.window_s)
    ));
    doc.h2("Recommendation");
    doc.blocks.push(Block::List(
        crate::sweep::conclusions(report, false)
            .lines()
            .map(str::to_string)
            .collect(),
    ));
    let keys: Vec<String> = h.axes.iter().map(|a| a.key.clone()).collect();
    let mut columns: Vec<(String, bool)> = vec![("#".into(), true)];
    for k in &keys {
        let label = match k.as_str() {
            "memory_mb" => "memory (MB)".to_string(),
            other => other.to_string(),
        };
        columns.push((label, k == "memory_mb" || k == "provisioned"));
    }
    for c in [
        "p50 (ms)",
        "p99 (ms)",
        "cold starts (%)",
        "throttles (%)",
        "monthly cost (USD)",
    ] {
        columns.push((c.to_string(), true));
    }
    columns.push(("SLO".into(), false));
    columns.push(("".into(), false));
    let cols: Vec<(&str, bool)> = columns.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let mut t = Table::new(&cols);
    let rec = report.recommendation.as_ref().map(|r| r.index);
    let pct = |r: f64| percent(r).trim_end_matches('%').to_string();
    for (i, p) in report.points.iter().enumerate() {
        let mut row = vec![i.to_string()];
        for k in &keys {
            row.push(match k.as_str() {
                "memory_mb" => p.memory_mb.map_or("mixed".into(), |m| m.to_string()),
                "architecture" => p.architecture.clone().unwrap_or_else(|| "mixed".into()),
                "provisioned" => p.provisioned.map_or("mixed".into(), |n| n.to_string()),
                other => match p.set.get(other) {
                    Some(serde_json::Value::String(s)) => s.clone(),
                    Some(v) => v.to_string(),
                    None => String::new(),
                },
            });
        }
        let mark = match (rec == Some(i), report.pareto.contains(&i)) {
            (true, true) => "recommended, pareto",
            (true, false) => "recommended",
            (false, true) => "pareto",
            (false, false) => "",
        };
        row.extend([
            decimal(p.p50_ms),
            decimal(p.p99_ms),
            pct(p.cold_start_ratio),
            pct(p.throttle_ratio),
            money(p.monthly_cost_usd),
            if p.meets_slo { "ok" } else { "miss" }.to_string(),
            mark.to_string(),
        ]);
        t.row(row);
        t.highlight_last(rec == Some(i));
    }
    doc.h2("Points");
    doc.table(t);
    doc.h2("Chart");
    doc.charts(vec![NamedChart {
        stem: "sweep-pareto".into(),
        chart: pareto_chart(report),
    }]);
    doc
}

fn pareto_chart(report: &SweepReport) -> Chart {
    let pts = &report.points;
    let xy = |i: usize| (pts[i].monthly_cost_usd, pts[i].p99_ms);
    let meeting: Vec<(f64, f64)> = (0..pts.len())
        .filter(|&i| pts[i].meets_slo)
        .map(xy)
        .collect();
    let missing: Vec<(f64, f64)> = (0..pts.len())
        .filter(|&i| !pts[i].meets_slo)
        .map(xy)
        .collect();
    let mut front: Vec<(f64, f64)> = report
        .pareto
        .iter()
        .filter(|&&i| i < pts.len())
        .map(|&i| xy(i))
        .collect();
    front.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
    let has_slo = report.header.slo.is_some();
    let mut series = vec![Series::points(
        if has_slo { "meets the SLO" } else { "point" },
        meeting,
        colour::BLUE,
        Marker::Circle,
    )];
    if !missing.is_empty() {
        series.push(Series::points(
            "misses the SLO",
            missing,
            colour::VERMILLION,
            Marker::Cross,
        ));
    }
    let mut f = Series::line("Pareto front", front, colour::ORANGE);
    f.marker = Marker::HollowCircle;
    series.push(f);
    let mut notes = Vec::new();
    if let Some(r) = &report.recommendation
        && r.index < pts.len()
    {
        series.push(Series::points(
            "recommended",
            vec![xy(r.index)],
            colour::BLACK,
            Marker::Ring,
        ));
        notes.push((
            xy(r.index).0,
            xy(r.index).1,
            format!("#{} recommended", r.index),
        ));
    }
    let hlines = report
        .header
        .slo
        .as_ref()
        .and_then(|s| s.p99_ms)
        .map(|b| vec![(b, format!(" SLO: p99 ≤ {} ms", tick_label(b)))])
        .unwrap_or_default();
    let mut x = Axis::linear("monthly cost (USD, 30-day projection)");
    x.from_zero = false;
    let mut y = Axis::linear("p99 latency (ms), worst function");
    y.from_zero = false;
    Chart::Line(LineChart {
        title: "Sweep: monthly cost vs p99 latency".into(),
        x,
        y,
        series,
        vlines: vec![],
        hlines,
        notes,
        empty_note: "no points".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_safe_and_unique() {
        assert_eq!(
            slugs(["API Gateway", "api-gateway", "../x", "élan"].into_iter()),
            vec!["api-gateway", "api-gateway-2", "x", "lan"]
        );
        assert_eq!(slug("***"), "function");
    }

    #[test]
    fn money_keeps_four_significant_digits_below_a_dollar() {
        assert_eq!(money(0.000123456), "$0.0001235");
        assert_eq!(money(0.5), "$0.5000");
        assert_eq!(money(12.345), "$12.35");
        assert_eq!(money(0.0), "$0.00");
    }

    #[test]
    fn time_unit_follows_the_run_length() {
        assert_eq!(time_unit(120.0), (1.0, "s"));
        assert_eq!(time_unit(3600.0), (60.0, "min"));
        assert_eq!(time_unit(86400.0), (3600.0, "h"));
    }

    #[test]
    fn rebucketing_sums_counts_and_averages_levels() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert_eq!(rebucket(&v, 2, Merge::Sum), vec![3.0, 7.0, 5.0]);
        assert_eq!(rebucket(&v, 2, Merge::Mean), vec![1.5, 3.5, 5.0]);
    }
}
