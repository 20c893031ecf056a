//! Charts of the HTML and Markdown reports, drawn with plotters: SVG (embedded in
//! `report.html` and written as `charts/*.svg`) and, for `--png`, PNG drawn with the bundled
//! DejaVu Sans font (no system font, no fontconfig).
//!
//! A chart is first described as data ([`Chart`]: a [`LineChart`] or a [`BarChart`]), then
//! drawn by one function per kind on any plotters backend, so the SVG and the PNG show the
//! same thing. Drawing is deterministic: the same chart gives the same bytes.
//!
//! # Legibility
//!
//! - Every chart has a title, axis labels with units and ticks on a 1–2–5 grid (log axes:
//!   1, 2, 5 per decade), labelled without float noise.
//! - Colours come from the Okabe–Ito palette (safe for the common colour-vision
//!   deficiencies), yellow last (low contrast on white). Past eight series the dash pattern
//!   changes, and a line series can carry a marker, so no two series look alike.
//! - The legend is drawn *below* the plot, in three columns, so it never hides data and
//!   grows with the number of series instead of overflowing. Charts that would need one
//!   series per function use at most seven: the six largest and one "others" (see the
//!   builders in `report.rs`); per-function charts are small multiples, one chart each.
//! - Log axes are drawn by plotting `log10(x)` on a linear axis and labelling the ticks with
//!   `x`, so tick positions are chosen here, not by the backend.

use std::sync::OnceLock;

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, ValueFormatter};
use plotters::prelude::*;
use plotters::style::FontStyle;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Okabe–Ito colours in the order series get them: blue, orange, bluish green, vermillion,
/// reddish purple, sky blue, black, yellow.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xF0, 0xE4, 0x42),
];

/// Indexes in [`PALETTE`] by name.
pub mod colour {
    /// Blue.
    pub const BLUE: usize = 0;
    /// Orange.
    pub const ORANGE: usize = 1;
    /// Bluish green.
    pub const GREEN: usize = 2;
    /// Vermillion (throttles, SLO bounds).
    pub const VERMILLION: usize = 3;
    /// Reddish purple.
    pub const PURPLE: usize = 4;
    /// Sky blue.
    pub const SKY: usize = 5;
    /// Black.
    pub const BLACK: usize = 6;
}

/// The font embedded for PNG output and for measuring text (see `assets/fonts/README.md`).
static FONT: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// The family name charts use; SVG viewers draw it with their own sans-serif.
const FAMILY: &str = "sans-serif";

/// Width of every chart, px.
pub const WIDTH: u32 = 860;
/// Height of the plot part of a line chart (the legend is added below), px.
const PLOT_HEIGHT: u32 = 400;
/// Height of one legend row, px.
const LEGEND_ROW: u32 = 22;
/// Legend columns.
const LEGEND_COLUMNS: usize = 3;
/// Longest legend or category label, characters (longer names are cut with `…`).
const MAX_LABEL: usize = 30;

/// Registers the bundled font under the family the charts use (once per process).
fn ensure_font() -> Result<(), ChartError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError("the bundled font cannot be loaded".into()))
    }
}

/// A chart could not be drawn (a plotters error, described).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("cannot draw a chart: {0}")]
pub struct ChartError(pub String);

fn err<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError(format!("{e:?}"))
}

/// How an axis maps values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scale {
    /// Linear.
    Linear,
    /// Logarithmic (values must be positive; others are dropped).
    Log,
}

/// One axis of a line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Label with the unit, e.g. `latency (ms, log scale)`.
    pub label: String,
    /// Linear or logarithmic.
    pub scale: Scale,
    /// Linear axes: start at 0 (counts, costs) rather than near the smallest value.
    pub from_zero: bool,
    /// Ticks to use instead of the 1–2–5 grid (e.g. the memory sizes measured).
    pub ticks: Option<Vec<f64>>,
    /// Fixed range instead of one fitted to the data.
    pub range: Option<(f64, f64)>,
}

impl Axis {
    /// A linear axis from zero.
    pub fn linear(label: impl Into<String>) -> Self {
        Axis {
            label: label.into(),
            scale: Scale::Linear,
            from_zero: true,
            ticks: None,
            range: None,
        }
    }

    /// A logarithmic axis.
    pub fn log(label: impl Into<String>) -> Self {
        Axis {
            scale: Scale::Log,
            from_zero: false,
            ..Axis::linear(label)
        }
    }
}

/// Point marker of a series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marker {
    /// None.
    None,
    /// Filled circle.
    Circle,
    /// Hollow circle.
    HollowCircle,
    /// Filled triangle (throttles).
    Triangle,
    /// Cross (points that miss an objective).
    Cross,
    /// Large ring drawn around a point (a recommendation).
    Ring,
}

/// One series of a line chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// `(x, y)` in data units, in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Join the points with a line.
    pub line: bool,
    /// Marker at each point.
    pub marker: Marker,
    /// Index in [`PALETTE`] (taken modulo its length).
    pub colour: usize,
    /// 0 solid; 1 dashed; 2 dotted; 3 long dashes.
    pub dash: usize,
}

impl Series {
    /// A solid line in the `i`-th style: colour `i mod 8`, dash pattern `i / 8`.
    pub fn line(name: impl Into<String>, points: Vec<(f64, f64)>, i: usize) -> Self {
        Series {
            name: name.into(),
            points,
            line: true,
            marker: Marker::None,
            colour: i % PALETTE.len(),
            dash: (i / PALETTE.len()) % 4,
        }
    }

    /// Markers only.
    pub fn points(
        name: impl Into<String>,
        points: Vec<(f64, f64)>,
        colour: usize,
        m: Marker,
    ) -> Self {
        Series {
            name: name.into(),
            points,
            line: false,
            marker: m,
            colour,
            dash: 0,
        }
    }
}

/// A line or scatter chart with the legend below the plot.
#[derive(Clone, Debug, PartialEq)]
pub struct LineChart {
    /// Title.
    pub title: String,
    /// Horizontal axis.
    pub x: Axis,
    /// Vertical axis.
    pub y: Axis,
    /// Series, drawn in order (the legend lists those with a name).
    pub series: Vec<Series>,
    /// Vertical reference lines `(x, label)` (e.g. the end of the warm-up).
    pub vlines: Vec<(f64, String)>,
    /// Horizontal reference lines `(y, label)` (e.g. an SLO bound).
    pub hlines: Vec<(f64, String)>,
    /// Text next to points `(x, y, text)`.
    pub notes: Vec<(f64, f64, String)>,
    /// Said in the plot when no series has a point.
    pub empty_note: String,
}

/// Horizontal bars, one per category, the value printed at the end of each bar.
#[derive(Clone, Debug, PartialEq)]
pub struct BarChart {
    /// Title.
    pub title: String,
    /// Label of the value axis, with the unit.
    pub x_label: String,
    /// `(category, value, value as printed at the bar's end)` from top to bottom.
    pub bars: Vec<(String, f64, String)>,
}

/// A chart to draw.
// A report holds a few dozen charts at most: boxing the larger variant would gain nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Chart {
    /// Lines and points.
    Line(LineChart),
    /// Horizontal bars.
    Bar(BarChart),
}

impl Chart {
    /// The chart's title.
    pub fn title(&self) -> &str {
        match self {
            Chart::Line(c) => &c.title,
            Chart::Bar(c) => &c.title,
        }
    }

    /// Size in pixels.
    pub fn size(&self) -> (u32, u32) {
        match self {
            Chart::Line(c) => {
                let entries = c.series.iter().filter(|s| !s.name.is_empty()).count();
                (WIDTH, PLOT_HEIGHT + legend_height(entries))
            }
            Chart::Bar(c) => (WIDTH, 110 + 26 * c.bars.len().max(1) as u32),
        }
    }

    /// The chart as a standalone SVG document, with a `<title>` for screen readers.
    pub fn to_svg(&self) -> Result<String, ChartError> {
        ensure_font()?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size()).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(err)?;
        }
        // plotters opens with `<svg … xmlns="…">`: add an accessible title after it.
        if let Some(end) = svg.find('>') {
            let title = format!("\n<title>{}</title>", xml_escape(self.title()));
            svg.insert_str(end + 1, &title);
        }
        Ok(svg)
    }

    /// The chart as a PNG image (RGB, 8 bits), text drawn with the bundled font.
    pub fn to_png(&self) -> Result<Vec<u8>, ChartError> {
        ensure_font()?;
        let (w, h) = self.size();
        let mut pixels = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (w, h)).into_drawing_area();
            self.draw(&root)?;
            root.present().map_err(err)?;
        }
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            enc.set_depth(png::BitDepth::Eight);
            let mut writer = enc.write_header().map_err(err)?;
            writer.write_image_data(&pixels).map_err(err)?;
        }
        Ok(out)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), ChartError> {
        root.fill(&WHITE).map_err(err)?;
        match self {
            Chart::Line(c) => draw_line(c, root),
            Chart::Bar(c) => draw_bars(c, root),
        }
    }
}

/// Escapes text for XML content and attributes.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn legend_height(entries: usize) -> u32 {
    if entries == 0 {
        0
    } else {
        entries.div_ceil(LEGEND_COLUMNS) as u32 * LEGEND_ROW + 14
    }
}

/// `name` cut to 30 characters (longer names end with `…`).
pub fn short_label(name: &str) -> String {
    if name.chars().count() <= MAX_LABEL {
        name.to_string()
    } else {
        let mut s: String = name.chars().take(MAX_LABEL - 1).collect();
        s.push('…');
        s
    }
}

// ---------------------------------------------------------------------------------------------
// Ticks
// ---------------------------------------------------------------------------------------------

/// A "nice" step (1, 2 or 5 × 10^k) giving at most about `target` intervals over `span`.
fn nice_step(span: f64, target: f64) -> f64 {
    if span <= 0.0 || !span.is_finite() {
        return 1.0;
    }
    let raw = span / target;
    let mag = 10f64.powf(raw.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * mag >= raw {
            return m * mag;
        }
    }
    10.0 * mag
}

/// Linear ticks covering `[lo, hi]`: the padded range and the tick values.
pub fn linear_ticks(lo: f64, hi: f64) -> ((f64, f64), Vec<f64>) {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let step = nice_step(hi - lo, 6.0);
    let start = (lo / step).floor() * step;
    let end = (hi / step).ceil() * step;
    let n = ((end - start) / step).round() as i64;
    let ticks = (0..=n).map(|i| clean(start + i as f64 * step)).collect();
    ((start, end), ticks)
}

/// Log ticks (1, 2, 5 per decade; fewer over many decades) inside `[lo, hi]`, both > 0:
/// the padded range (whole 1–2–5 steps) and the ticks.
pub fn log_ticks(lo: f64, hi: f64) -> ((f64, f64), Vec<f64>) {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo / 2.0, lo * 2.0)
    };
    let grid = |mults: &[f64]| -> Vec<f64> {
        let mut v = Vec::new();
        let d0 = lo.log10().floor() as i32 - 1;
        let d1 = hi.log10().ceil() as i32 + 1;
        for d in d0..=d1 {
            for m in mults {
                v.push(clean(m * 10f64.powi(d)));
            }
        }
        v
    };
    // The padded range: the grid values just outside the data.
    let fine = grid(&[1.0, 2.0, 5.0]);
    let start = fine.iter().rev().find(|&&t| t <= lo).copied().unwrap_or(lo);
    let end = fine.iter().find(|&&t| t >= hi).copied().unwrap_or(hi);
    let decades = (end / start).log10();
    let mults: &[f64] = if decades <= 3.5 {
        &[1.0, 2.0, 5.0]
    } else {
        &[1.0]
    };
    let ticks = grid(mults)
        .into_iter()
        .filter(|&t| t >= start * 0.999 && t <= end * 1.001)
        .collect();
    ((start, end), ticks)
}

/// Removes float noise (`0.30000000000000004` → `0.3`).
fn clean(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let digits = 12 - v.abs().log10().floor() as i32;
    let f = 10f64.powi(digits.clamp(-300, 300));
    (v * f).round() / f
}

/// A tick label: at most three significant digits after the point, no trailing zeros,
/// `k`/`M` past ten thousand.
pub fn tick_label(v: f64) -> String {
    let a = v.abs();
    if a == 0.0 {
        return "0".into();
    }
    if a >= 1e6 {
        return format!("{}M", tick_label(v / 1e6));
    }
    if a >= 1e4 {
        return format!("{}k", tick_label(v / 1e3));
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 12) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// The range of an axis over `values` and its ticks, in plotted units (log10 for log axes).
fn axis_layout(axis: &Axis, values: &[f64]) -> ((f64, f64), Vec<f64>) {
    let finite: Vec<f64> = values
        .iter()
        .copied()
        .filter(|v| v.is_finite() && (axis.scale == Scale::Linear || *v > 0.0))
        .collect();
    let (mut lo, mut hi) = match axis.range {
        Some(r) => r,
        None => {
            let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            if lo.is_finite() {
                (lo, hi)
            } else if axis.scale == Scale::Log {
                (1.0, 10.0)
            } else {
                (0.0, 1.0)
            }
        }
    };
    match axis.scale {
        Scale::Linear => {
            if axis.from_zero {
                lo = lo.min(0.0);
                // Headroom, so the highest point does not touch the frame.
                hi = if axis.range.is_none() { hi * 1.05 } else { hi }.max(0.0);
            } else if axis.range.is_none() {
                let pad = ((hi - lo) * 0.05).max(hi.abs() * 0.01).max(1e-9);
                lo -= pad;
                hi += pad;
            }
            if hi <= lo {
                hi = lo + 1.0;
            }
            let ((a, b), ticks) = match &axis.ticks {
                Some(t) => ((lo, hi), t.clone()),
                None if axis.range.is_some() => {
                    let (_, t) = linear_ticks(lo, hi);
                    (
                        (lo, hi),
                        t.into_iter().filter(|v| *v >= lo && *v <= hi).collect(),
                    )
                }
                None => linear_ticks(lo, hi),
            };
            ((a, b), ticks)
        }
        Scale::Log => {
            let ((a, b), ticks) = match &axis.ticks {
                Some(t) => ((lo / 1.15, hi * 1.15), t.clone()),
                None => log_ticks(lo, hi),
            };
            (
                (a.log10(), b.log10()),
                ticks
                    .into_iter()
                    .filter(|v| *v > 0.0)
                    .map(f64::log10)
                    .collect(),
            )
        }
    }
}

fn to_plot(scale: Scale, v: f64) -> Option<f64> {
    match scale {
        Scale::Linear if v.is_finite() => Some(v),
        Scale::Log if v > 0.0 && v.is_finite() => Some(v.log10()),
        _ => None,
    }
}

fn from_plot(scale: Scale, v: f64) -> f64 {
    match scale {
        Scale::Linear => v,
        Scale::Log => clean(10f64.powf(v)),
    }
}

/// A linear axis in plotted units whose ticks are exactly the given values, labelled with
/// [`tick_label`] of the data value (so log axes show `x`, not `log10 x`).
#[derive(Clone, Debug)]
struct TickAxis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
    scale: Scale,
}

impl TickAxis {
    fn new(lo: f64, hi: f64, ticks: Vec<f64>, scale: Scale) -> Self {
        TickAxis {
            lo,
            hi,
            ticks,
            scale,
        }
    }
}

impl Ranged for TickAxis {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let f = (v - self.lo) / (self.hi - self.lo);
        limit.0 + (f * (limit.1 - limit.0) as f64).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        // Only bold ticks: the light grid would clutter the small multiples.
        if hint.weight().allow_light_points() || hint.max_num_points() == 0 {
            return Vec::new();
        }
        self.ticks.clone()
    }

    fn range(&self) -> Range<f64> {
        self.lo..self.hi
    }
}

impl ValueFormatter<f64> for TickAxis {
    fn format_ext(&self, v: &f64) -> String {
        tick_label(from_plot(self.scale, *v))
    }
}

// ---------------------------------------------------------------------------------------------
// Drawing
// ---------------------------------------------------------------------------------------------

fn rgb(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

fn dash_pattern(dash: usize) -> Option<(u32, u32)> {
    match dash {
        1 => Some((8, 5)),
        2 => Some((2, 4)),
        3 => Some((14, 6)),
        _ => None,
    }
}

/// Draws `points` (pixel or data coordinates of `area`) as a polyline in `style`.
fn polyline<DB: DrawingBackend, CT: CoordTranslate<From = (f64, f64)>>(
    area: &DrawingArea<DB, CT>,
    points: &[(f64, f64)],
    col: RGBColor,
    dash: usize,
    width: u32,
) -> Result<(), ChartError> {
    let style = col.stroke_width(width);
    match dash_pattern(dash) {
        None => area
            .draw(&PathElement::new(points.to_vec(), style))
            .map_err(err),
        Some((on, off)) => {
            for e in DashedLineSeries::new(points.to_vec(), on, off, style) {
                area.draw(&e).map_err(err)?;
            }
            Ok(())
        }
    }
}

fn draw_marker<DB: DrawingBackend, C: Clone + 'static, CT: CoordTranslate<From = C>>(
    area: &DrawingArea<DB, CT>,
    at: C,
    m: Marker,
    col: RGBColor,
) -> Result<(), ChartError> {
    match m {
        Marker::None => Ok(()),
        Marker::Circle => area.draw(&Circle::new(at, 4, col.filled())).map_err(err),
        Marker::HollowCircle => area
            .draw(&Circle::new(at, 4, col.stroke_width(2)))
            .map_err(err),
        Marker::Triangle => area
            .draw(&TriangleMarker::new(at, 6, col.filled()))
            .map_err(err),
        Marker::Cross => area
            .draw(&Cross::new(at, 4, col.stroke_width(2)))
            .map_err(err),
        Marker::Ring => area
            .draw(&Circle::new(at, 10, col.stroke_width(3)))
            .map_err(err),
    }
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK.to_rgba())
}

fn draw_line<DB: DrawingBackend>(
    c: &LineChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let named: Vec<&Series> = c.series.iter().filter(|s| !s.name.is_empty()).collect();
    let (plot, legend) = root.split_vertically(PLOT_HEIGHT);

    let xs: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    let mut ys: Vec<f64> = c
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.1))
        .collect();
    ys.extend(c.hlines.iter().map(|h| h.0));
    let ((x0, x1), xticks) = axis_layout(&c.x, &xs);
    let ((y0, y1), yticks) = axis_layout(&c.y, &ys);
    let (xs_scale, ys_scale) = (c.x.scale, c.y.scale);

    let mut chart = ChartBuilder::on(&plot)
        .caption(&c.title, font(20.0))
        .margin(12)
        .margin_right(28)
        .x_label_area_size(48)
        // Room for the rotated axis label in viewers whose sans-serif is wider than DejaVu.
        .y_label_area_size(92)
        .build_cartesian_2d(
            TickAxis::new(x0, x1, xticks, xs_scale),
            TickAxis::new(y0, y1, yticks, ys_scale),
        )
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(c.x.label.as_str())
        .y_desc(c.y.label.as_str())
        .label_style(font(13.0))
        .axis_desc_style(font(14.0))
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
        .light_line_style(WHITE)
        .draw()
        .map_err(err)?;

    let area = chart.plotting_area();
    let inside =
        |x: f64, y: f64| x >= x0 - 1e-9 && x <= x1 + 1e-9 && y >= y0 - 1e-9 && y <= y1 + 1e-9;
    for (x, label) in &c.vlines {
        if let Some(px) = to_plot(xs_scale, *x).filter(|px| *px >= x0 && *px <= x1) {
            polyline(
                area,
                &[(px, y0), (px, y1)],
                RGBColor(0x77, 0x77, 0x77),
                1,
                1,
            )?;
            area.draw(&Text::new(
                label.clone(),
                (px, y1),
                font(12.0).pos(Pos::new(HPos::Left, VPos::Top)),
            ))
            .map_err(err)?;
        }
    }
    for (y, label) in &c.hlines {
        if let Some(py) = to_plot(ys_scale, *y).filter(|py| *py >= y0 && *py <= y1) {
            polyline(area, &[(x0, py), (x1, py)], rgb(colour::VERMILLION), 1, 2)?;
            area.draw(&Text::new(
                label.clone(),
                (x0, py),
                font(12.0).pos(Pos::new(HPos::Left, VPos::Bottom)),
            ))
            .map_err(err)?;
        }
    }
    let mut any = false;
    for s in &c.series {
        let pts: Vec<(f64, f64)> = s
            .points
            .iter()
            .filter_map(|&(x, y)| Some((to_plot(xs_scale, x)?, to_plot(ys_scale, y)?)))
            .filter(|&(x, y)| inside(x, y))
            .collect();
        any |= !pts.is_empty();
        if s.line && pts.len() > 1 {
            polyline(area, &pts, rgb(s.colour), s.dash, 2)?;
        }
        for p in &pts {
            draw_marker(area, *p, s.marker, rgb(s.colour))?;
        }
    }
    for (x, y, text) in &c.notes {
        if let (Some(px), Some(py)) = (to_plot(xs_scale, *x), to_plot(ys_scale, *y))
            && inside(px, py)
        {
            let right_half = px > (x0 + x1) / 2.0;
            let h = if right_half { HPos::Right } else { HPos::Left };
            area.draw(
                &(EmptyElement::at((px, py))
                    + Text::new(
                        text.clone(),
                        (if right_half { -14 } else { 14 }, -18),
                        font(13.0).pos(Pos::new(h, VPos::Top)),
                    )),
            )
            .map_err(err)?;
        }
    }
    if !any && !c.empty_note.is_empty() {
        plot.draw(&Text::new(
            c.empty_note.clone(),
            (WIDTH as i32 / 2, PLOT_HEIGHT as i32 / 2),
            font(16.0).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(err)?;
    }
    draw_legend(&legend, &named)
}

fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    series: &[&Series],
) -> Result<(), ChartError> {
    let col_w = (WIDTH as i32 - 40) / LEGEND_COLUMNS as i32;
    for (i, s) in series.iter().enumerate() {
        let x = 24 + (i % LEGEND_COLUMNS) as i32 * col_w;
        let y = 4 + (i / LEGEND_COLUMNS) as i32 * LEGEND_ROW as i32 + LEGEND_ROW as i32 / 2;
        let col = rgb(s.colour);
        if s.line {
            // The sample line, dashed like the series (coordinates relative to the legend).
            let style = col.stroke_width(2);
            match dash_pattern(s.dash) {
                None => area
                    .draw(&PathElement::new(vec![(x, y), (x + 32, y)], style))
                    .map_err(err)?,
                Some((on, off)) => {
                    let mut a = x;
                    while a < x + 32 {
                        let b = (a + on as i32).min(x + 32);
                        area.draw(&PathElement::new(vec![(a, y), (b, y)], style))
                            .map_err(err)?;
                        a = b + off as i32;
                    }
                }
            }
        }
        let marker = match s.marker {
            Marker::Ring => Marker::HollowCircle,
            m => m,
        };
        draw_marker(area, (x + 16, y), marker, col)?;
        area.draw(&Text::new(
            short_label(&s.name),
            (x + 40, y),
            font(13.0).pos(Pos::new(HPos::Left, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

fn draw_bars<DB: DrawingBackend>(
    c: &BarChart,
    root: &DrawingArea<DB, Shift>,
) -> Result<(), ChartError> {
    let n = c.bars.len();
    let labels: Vec<String> = c.bars.iter().map(|b| short_label(&b.0)).collect();
    let longest = labels.iter().map(|l| l.chars().count()).max().unwrap_or(4);
    let max = c.bars.iter().map(|b| b.1).fold(0.0, f64::max);
    let ((_, x1), xticks) = linear_ticks(0.0, if max > 0.0 { max * 1.12 } else { 1.0 });
    let mut chart = ChartBuilder::on(root)
        .caption(&c.title, font(20.0))
        .margin(12)
        .margin_right(28)
        .x_label_area_size(48)
        .y_label_area_size((longest as u32 * 8 + 16).clamp(60, 260))
        .build_cartesian_2d(
            TickAxis::new(0.0, x1, xticks, Scale::Linear),
            TickAxis::new(
                0.0,
                n.max(1) as f64,
                (0..n).map(|i| i as f64 + 0.5).collect(),
                Scale::Linear,
            ),
        )
        .map_err(err)?;
    let ylabel = |v: &f64| {
        let i = (n as f64 - v).floor() as usize;
        labels.get(i).cloned().unwrap_or_default()
    };
    chart
        .configure_mesh()
        .x_desc(c.x_label.as_str())
        .y_label_formatter(&ylabel)
        .label_style(font(13.0))
        .axis_desc_style(font(14.0))
        .bold_line_style(RGBColor(0xDD, 0xDD, 0xDD))
        .light_line_style(WHITE)
        .disable_y_mesh()
        .draw()
        .map_err(err)?;
    let area = chart.plotting_area();
    for (i, (_, v, text)) in c.bars.iter().enumerate() {
        // Bar i from the top: rows are numbered from the bottom.
        let top = (n - i) as f64 - 0.15;
        let bottom = (n - i - 1) as f64 + 0.15;
        area.draw(&Rectangle::new(
            [(0.0, bottom), (v.max(0.0), top)],
            rgb(colour::BLUE).filled(),
        ))
        .map_err(err)?;
        area.draw(
            &(EmptyElement::at((v.max(0.0), (top + bottom) / 2.0))
                + Text::new(
                    text.clone(),
                    (6, 0),
                    font(13.0).pos(Pos::new(HPos::Left, VPos::Center)),
                )),
        )
        .map_err(err)?;
    }
    if n == 0 {
        root.draw(&Text::new(
            "nothing to show".to_string(),
            (WIDTH as i32 / 2, 70),
            font(16.0).pos(Pos::new(HPos::Center, VPos::Center)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_whole_steps_of_one_two_or_five() {
        assert_eq!(
            linear_ticks(0.0, 9.3),
            ((0.0, 10.0), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0])
        );
        // 0.7 / 6 = 0.117 per interval: the next nice step is 0.2.
        assert_eq!(
            linear_ticks(0.0, 0.7),
            ((0.0, 0.8), vec![0.0, 0.2, 0.4, 0.6, 0.8])
        );
        let (r, t) = linear_ticks(0.0, 0.0);
        assert_eq!(r, (0.0, 1.0));
        assert_eq!(t.first(), Some(&0.0));
    }

    #[test]
    fn log_ticks_use_one_two_five_per_decade_and_thin_out_over_many_decades() {
        let ((a, b), t) = log_ticks(3.0, 180.0);
        assert_eq!((a, b), (2.0, 200.0));
        assert_eq!(t, vec![2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]);
        let (_, t) = log_ticks(0.5, 20000.0);
        assert_eq!(t, vec![1.0, 10.0, 100.0, 1000.0, 10000.0]);
    }

    #[test]
    fn tick_labels_have_no_float_noise() {
        assert_eq!(tick_label(0.1 + 0.2), "0.3");
        assert_eq!(tick_label(2000.0), "2000");
        assert_eq!(tick_label(20000.0), "20k");
        assert_eq!(tick_label(0.00025), "0.00025");
        assert_eq!(tick_label(2.5e6), "2.5M");
        assert_eq!(tick_label(0.0), "0");
    }

    #[test]
    fn long_labels_are_cut_with_an_ellipsis() {
        assert_eq!(short_label("api"), "api");
        let long = "a".repeat(40);
        assert_eq!(short_label(&long).chars().count(), MAX_LABEL);
        assert!(short_label(&long).ends_with('…'));
    }
}
