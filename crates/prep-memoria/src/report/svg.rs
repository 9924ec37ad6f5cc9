//! The geometry of the report's inline SVG charts: bars drawn as `<rect>` with their values in
//! `<title>` (a tooltip) and text labels, no script and no external file. Every coordinate is
//! computed and formatted here; the markup is `templates/parts.html`'s (`hourly`, `grouped`).

use super::num;
use serde::Serialize;

const W: f64 = 900.0;

/// Hits per hour as bars, ready for the `hourly` macro.
#[derive(Debug, Clone, Serialize)]
pub struct Hourly {
    /// The view box's width.
    pub width: String,
    /// The view box's height.
    pub height: String,
    /// Where the plot starts (the y axis).
    pub left: String,
    /// The plot's top.
    pub top: String,
    /// The height of an election band.
    pub band_height: String,
    /// Where the day labels sit.
    pub tick_y: String,
    /// Where the scale's maximum is written.
    pub max_y: String,
    /// The scale's maximum.
    pub max: String,
    /// The x axis.
    pub axis_y: String,
    /// One bar per hour.
    pub bars: Vec<HourBar>,
}

/// One hour's bar.
#[derive(Debug, Clone, Serialize)]
pub struct HourBar {
    /// Left edge.
    pub x: String,
    /// Top edge.
    pub y: String,
    /// The slot's width (the election band's).
    pub width: String,
    /// The bar's width (a little narrower than the slot).
    pub bar_width: String,
    /// The bar's height.
    pub height: String,
    /// Whether the hour is in the election period (shaded).
    pub band: bool,
    /// The hour.
    pub label: String,
    /// Its hits.
    pub value: String,
    /// The day (`MM-DD`) under the first hour of each day.
    pub tick: Option<String>,
}

/// Hits per hour as bars; `mark` shades the hours (indices) that are in the election period.
pub fn hourly(labels: &[String], values: &[u64], mark: &[bool]) -> Hourly {
    let h = 260.0;
    let (left, bottom, top) = (60.0, 40.0, 10.0);
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(1) as f64;
    let bw = (W - left - 10.0) / n;
    let bars = values
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (v, label))| {
            let x = left + i as f64 * bw;
            let bh = (*v as f64 / max) * (h - bottom - top);
            HourBar {
                x: format!("{x:.2}"),
                y: format!("{:.2}", h - bottom - bh),
                width: format!("{bw:.2}"),
                bar_width: format!("{:.2}", (bw - 0.5).max(0.5)),
                height: format!("{bh:.2}"),
                band: mark.get(i).copied().unwrap_or(false),
                label: label.clone(),
                value: num(*v),
                tick: label
                    .ends_with(" 00:00")
                    .then(|| label.get(5..10).unwrap_or_default().to_owned()),
            }
        })
        .collect();
    Hourly {
        width: W.to_string(),
        height: format!("{h}"),
        left: format!("{left}"),
        top: format!("{top}"),
        band_height: format!("{:.2}", h - bottom - top),
        tick_y: format!("{}", h - bottom + 14.0),
        max_y: format!("{}", top + 10.0),
        max: num(max as u64),
        axis_y: format!("{}", h - bottom),
        bars,
    }
}

/// Horizontal bars, ready for the `grouped` macro.
#[derive(Debug, Clone, Serialize)]
pub struct Grouped {
    /// The element's id.
    pub id: String,
    /// Its accessible label.
    pub label: String,
    /// The view box's width.
    pub width: String,
    /// The view box's height.
    pub height: String,
    /// Where the bars start.
    pub left: String,
    /// The legend: one entry per series.
    pub series: Vec<Legend>,
    /// One group per row.
    pub rows: Vec<Group>,
}

/// One series in the legend.
#[derive(Debug, Clone, Serialize)]
pub struct Legend {
    /// The swatch's left edge.
    pub x: String,
    /// The name's left edge.
    pub text_x: String,
    /// The series' colour.
    pub color: String,
    /// The series' name.
    pub name: String,
}

/// One row's group of bars.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// The row's name.
    pub name: String,
    /// Where the name is written.
    pub y: String,
    /// One bar per series.
    pub bars: Vec<GroupBar>,
}

/// One bar of a group.
#[derive(Debug, Clone, Serialize)]
pub struct GroupBar {
    /// Top edge.
    pub y: String,
    /// Length.
    pub width: String,
    /// Colour.
    pub color: String,
    /// The value (rounded, with separators).
    pub value: String,
    /// Where the value is written.
    pub text_x: String,
    /// Its baseline.
    pub text_y: String,
}

/// Horizontal bars: one group per row, one bar per series (`(name, colour)`), each group
/// scaled to its own max.
pub fn grouped(
    id: &str,
    label: &str,
    rows: &[(String, Vec<f64>)],
    series: &[(&str, &str)],
) -> Grouped {
    let row_h = 22.0 * series.len() as f64 + 16.0;
    let h = row_h * rows.len() as f64 + 30.0;
    let left = 200.0;
    let legend = series
        .iter()
        .enumerate()
        .map(|(k, (name, color))| {
            let x = left + k as f64 * 180.0;
            Legend {
                x: format!("{x}"),
                text_x: format!("{}", x + 16.0),
                color: (*color).to_owned(),
                name: (*name).to_owned(),
            }
        })
        .collect();
    let groups = rows
        .iter()
        .enumerate()
        .map(|(r, (name, values))| {
            let y0 = 30.0 + r as f64 * row_h;
            let max = values.iter().copied().fold(0.0, f64::max).max(1e-9);
            let bars = values
                .iter()
                .enumerate()
                .map(|(k, v)| {
                    let y = y0 + k as f64 * 22.0;
                    let w = (v / max) * (W - left - 160.0);
                    GroupBar {
                        y: format!("{y}"),
                        width: format!("{w:.2}"),
                        color: series.get(k).map_or("#555", |s| s.1).to_owned(),
                        value: num(v.round() as u64),
                        text_x: format!("{:.2}", left + w + 6.0),
                        text_y: format!("{}", y + 14.0),
                    }
                })
                .collect();
            Group {
                name: name.clone(),
                y: format!("{}", y0 + 14.0),
                bars,
            }
        })
        .collect();
    Grouped {
        id: id.to_owned(),
        label: label.to_owned(),
        width: W.to_string(),
        height: format!("{h}"),
        left: format!("{left}"),
        series: legend,
        rows: groups,
    }
}
