//! Charts for researchers (plotters): line charts with an optional spread band, written as
//! SVG and PNG side by side. Used by `sim --plots`, `sweep` and `capture --out`.
//!
//! Text needs a TrueType font: the first of `$SHARDNODE_FONT` and the usual system paths
//! (DejaVu Sans, Liberation Sans, Helvetica/Arial on macOS) that loads. Without one no chart
//! can be drawn, and [`write_chart`] says so and how to fix it.

use anyhow::{anyhow, bail, Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Where a font is looked for, after `$SHARDNODE_FONT`.
const FONT_PATHS: &[&str] = &[
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf",
    "/System/Library/Fonts/Supplemental/Arial.ttf",
    "/Library/Fonts/Arial.ttf",
];

/// Registers the first font that loads as `sans-serif`, once per process.
fn ensure_font() -> Result<()> {
    static FONT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let found = FONT.get_or_init(|| {
        let env = std::env::var("SHARDNODE_FONT").ok();
        let candidates = env
            .iter()
            .map(String::as_str)
            .chain(FONT_PATHS.iter().copied());
        for path in candidates {
            let Ok(bytes) = std::fs::read(path) else {
                continue;
            };
            // The registry keeps `&'static` bytes: one font, leaked once per process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                return Ok(PathBuf::from(path));
            }
        }
        Err(format!(
            "no TrueType font found for the plots: set SHARDNODE_FONT=/path/to/font.ttf or \
             install one (Debian/Ubuntu: apt-get install fonts-dejavu-core); looked in {}",
            FONT_PATHS.join(", ")
        ))
    });
    found.as_ref().map(|_| ()).map_err(|e| anyhow!("{e}"))
}

/// Whether a font for the plots is available (see the module documentation).
pub fn font_available() -> bool {
    ensure_font().is_ok()
}

/// One line, with an optional band (`x`, low, high) around it.
#[derive(Clone, Debug, Default)]
pub struct Series {
    pub label: String,
    pub points: Vec<(f64, f64)>,
    pub band: Vec<(f64, f64, f64)>,
    /// A palette index (default: the series' position), so paired series can share a color.
    pub color: Option<usize>,
    /// Draw markers only, no line (observations beside a law drawn as a line).
    pub markers_only: bool,
}

/// A line chart.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub series: Vec<Series>,
    /// Plot `log10(y)` (values <= 0 are left out) and label the axis in powers of ten.
    pub log_y: bool,
    /// Draw each series as a staircase (for CDFs).
    pub steps: bool,
}

const WIDTH: u32 = 960;
const HEIGHT: u32 = 600;

fn palette(i: usize) -> RGBColor {
    const COLORS: [RGBColor; 10] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(227, 119, 194),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    COLORS[i % COLORS.len()]
}

fn transform(chart: &Chart, y: f64) -> Option<f64> {
    if chart.log_y {
        (y > 0.0).then(|| y.log10())
    } else {
        y.is_finite().then_some(y)
    }
}

/// The points of a series as drawn (log-transformed, staircase).
fn drawn(chart: &Chart, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::with_capacity(points.len() * 2);
    for &(x, y) in points {
        let (Some(y), true) = (transform(chart, y), x.is_finite()) else {
            continue;
        };
        if chart.steps {
            if let Some(&(_, last_y)) = out.last() {
                out.push((x, last_y));
            }
        }
        out.push((x, y));
    }
    out
}

fn bounds(chart: &Chart) -> Option<((f64, f64), (f64, f64))> {
    let mut xs = Vec::new();
    let mut ys = Vec::new();
    for s in &chart.series {
        for (x, y) in drawn(chart, &s.points) {
            xs.push(x);
            ys.push(y);
        }
        for &(x, lo, hi) in &s.band {
            for y in [lo, hi].into_iter().filter_map(|y| transform(chart, y)) {
                xs.push(x);
                ys.push(y);
            }
        }
    }
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if !lo.is_finite() {
            return None;
        }
        let pad = ((hi - lo) * 0.05).max(if chart.log_y { 0.5 } else { 1e-9 });
        Some((lo - if lo == hi { pad } else { 0.0 }, hi + pad))
    };
    Some((range(&xs)?, range(&ys)?))
}

fn draw<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &Chart) -> Result<()>
where
    DB::ErrorType: 'static,
{
    let err = |e: DrawingAreaErrorKind<DB::ErrorType>| anyhow!("drawing failed: {e}");
    root.fill(&WHITE).map_err(err)?;
    let Some(((x0, x1), (y0, y1))) = bounds(chart) else {
        bail!("chart `{}` has no finite point to draw", chart.title);
    };
    let mut ctx = ChartBuilder::on(&root)
        .caption(&chart.title, ("sans-serif", 22))
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(72)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let log_y = chart.log_y;
    let y_format = move |v: &f64| {
        if log_y && (v - v.round()).abs() < 1e-9 {
            format!("1e{v:.0}")
        } else if log_y {
            format!("1e{v:.1}")
        } else if v.abs() >= 1e4 || (v.abs() < 1e-2 && *v != 0.0) {
            format!("{v:.1e}")
        } else {
            format!("{v:.3}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string()
        }
    };
    ctx.configure_mesh()
        .x_desc(&chart.x_label)
        .y_desc(&chart.y_label)
        .y_label_formatter(&y_format)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(err)?;
    for (i, series) in chart.series.iter().enumerate() {
        let color = palette(series.color.unwrap_or(i));
        let band: Vec<(f64, f64, f64)> = series
            .band
            .iter()
            .filter_map(|&(x, lo, hi)| Some((x, transform(chart, lo)?, transform(chart, hi)?)))
            .collect();
        if band.len() >= 2 {
            let polygon: Vec<(f64, f64)> = band
                .iter()
                .map(|&(x, lo, _)| (x, lo))
                .chain(band.iter().rev().map(|&(x, _, hi)| (x, hi)))
                .collect();
            ctx.draw_series(std::iter::once(Polygon::new(polygon, color.mix(0.18))))
                .map_err(err)?;
        }
        for &(x, lo, hi) in &band {
            ctx.draw_series(LineSeries::new([(x, lo), (x, hi)], color.mix(0.6)))
                .map_err(err)?;
        }
        let points = drawn(chart, &series.points);
        if series.markers_only {
            let drawn_series = ctx
                .draw_series(
                    points
                        .iter()
                        .map(|&p| Cross::new(p, 6, color.stroke_width(2))),
                )
                .map_err(err)?;
            if !series.label.is_empty() {
                drawn_series
                    .label(series.label.clone())
                    .legend(move |(x, y)| Cross::new((x + 9, y), 6, color.stroke_width(2)));
            }
            continue;
        }
        let drawn_series = ctx
            .draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))
            .map_err(err)?;
        if !series.label.is_empty() {
            drawn_series
                .label(series.label.clone())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(2))
                });
        }
        if !chart.steps && points.len() <= 64 {
            ctx.draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
                .map_err(err)?;
        }
    }
    if chart.series.iter().any(|s| !s.label.is_empty()) && chart.series.len() <= 16 {
        ctx.configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(err)?;
    }
    root.present().map_err(err)?;
    Ok(())
}

/// Writes `dir/stem.svg` and `dir/stem.png`; returns their paths.
pub fn write_chart(dir: &Path, stem: &str, chart: &Chart) -> Result<Vec<PathBuf>> {
    ensure_font()?;
    let svg = dir.join(format!("{stem}.svg"));
    let png = dir.join(format!("{stem}.png"));
    draw(
        SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area(),
        chart,
    )
    .with_context(|| format!("cannot write {}", svg.display()))?;
    draw(
        BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area(),
        chart,
    )
    .with_context(|| format!("cannot write {}", png.display()))?;
    Ok(vec![svg, png])
}

/// A series of the mean of each group of replicate values by x, with their (min, max) as the
/// band; groups without a finite value are left out.
pub fn mean_and_spread(label: &str, groups: &[(f64, Vec<f64>)]) -> Series {
    let mut points = Vec::new();
    let mut band = Vec::new();
    for (x, values) in groups {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        if finite.is_empty() {
            continue;
        }
        let mean = finite.iter().sum::<f64>() / finite.len() as f64;
        let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        points.push((*x, mean));
        band.push((*x, lo, hi));
    }
    Series {
        label: label.to_string(),
        points,
        band,
        ..Series::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_spread_of_replicates() {
        let series = mean_and_spread(
            "m",
            &[
                (1.0, vec![1.0, 3.0]),
                (2.0, vec![f64::NAN]),
                (4.0, vec![5.0]),
            ],
        );
        assert_eq!(series.points, vec![(1.0, 2.0), (4.0, 5.0)]);
        assert_eq!(series.band, vec![(1.0, 1.0, 3.0), (4.0, 5.0, 5.0)]);
    }

    #[test]
    fn log_and_step_transforms() {
        let chart = Chart {
            log_y: true,
            steps: true,
            ..Chart::default()
        };
        let points = drawn(&chart, &[(0.0, 0.0), (1.0, 10.0), (2.0, 100.0)]);
        assert_eq!(points, vec![(1.0, 1.0), (2.0, 1.0), (2.0, 2.0)]);
    }
}
