//! Inline SVG charts: bars drawn as `<rect>` with their values in `<title>` (a tooltip) and
//! text labels, no script and no external file.

use super::{esc, num};

const W: f64 = 900.0;

/// Hits per hour as bars; `mark` shades the hours (indices) that are in the election period.
pub fn hourly(labels: &[String], values: &[u64], mark: &[bool]) -> String {
    let h = 260.0;
    let (left, bottom, top) = (60.0, 40.0, 10.0);
    let max = values.iter().copied().max().unwrap_or(0).max(1) as f64;
    let n = values.len().max(1) as f64;
    let bw = (W - left - 10.0) / n;
    let mut s = format!(
        r#"<svg id="chart-hourly" class="chart" role="img" aria-label="Solicitudes por hora" viewBox="0 0 {W} {h}" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (i, v) in values.iter().enumerate() {
        let x = left + i as f64 * bw;
        if mark.get(i).copied().unwrap_or(false) {
            s += &format!(
                r##"<rect class="election-band" x="{x:.2}" y="{top}" width="{bw:.2}" height="{:.2}" fill="#fde9c8"/>"##,
                h - bottom - top
            );
        }
        let bh = (*v as f64 / max) * (h - bottom - top);
        s += &format!(
            r##"<rect class="bar" x="{x:.2}" y="{:.2}" width="{:.2}" height="{bh:.2}" fill="#1f5f8b"><title>{}: {}</title></rect>"##,
            h - bottom - bh,
            (bw - 0.5).max(0.5),
            esc(&labels[i]),
            num(*v)
        );
        if labels[i].ends_with(" 00:00") {
            s += &format!(
                r##"<text x="{x:.2}" y="{}" font-size="10" fill="#333">{}</text>"##,
                h - bottom + 14.0,
                esc(&labels[i][5..10])
            );
        }
    }
    s += &format!(
        r##"<text x="4" y="{}" font-size="10" fill="#333">{}</text><line x1="{left}" y1="{}" x2="{W}" y2="{}" stroke="#999"/></svg>"##,
        top + 10.0,
        num(max as u64),
        h - bottom,
        h - bottom
    );
    s
}

/// Horizontal bars: one group per row, one bar per series, each group scaled to its own max.
pub fn grouped(
    id: &str,
    label: &str,
    rows: &[(String, Vec<f64>)],
    series: &[(&str, &str)],
) -> String {
    let row_h = 22.0 * series.len() as f64 + 16.0;
    let h = row_h * rows.len() as f64 + 30.0;
    let left = 200.0;
    let mut s = format!(
        r#"<svg id="{id}" class="chart" role="img" aria-label="{}" viewBox="0 0 {W} {h}" xmlns="http://www.w3.org/2000/svg">"#,
        esc(label)
    );
    for (k, (name, color)) in series.iter().enumerate() {
        let x = left + k as f64 * 180.0;
        s += &format!(
            r#"<rect x="{x}" y="4" width="12" height="12" fill="{color}"/><text x="{}" y="14" font-size="12">{}</text>"#,
            x + 16.0,
            esc(name)
        );
    }
    for (r, (name, values)) in rows.iter().enumerate() {
        let y0 = 30.0 + r as f64 * row_h;
        s += &format!(
            r#"<text x="4" y="{}" font-size="12">{}</text>"#,
            y0 + 14.0,
            esc(name)
        );
        let max = values.iter().copied().fold(0.0, f64::max).max(1e-9);
        for (k, v) in values.iter().enumerate() {
            let y = y0 + k as f64 * 22.0;
            let w = (v / max) * (W - left - 160.0);
            let color = series.get(k).map_or("#555", |s| s.1);
            s += &format!(
                r#"<rect class="bar" x="{left}" y="{y}" width="{w:.2}" height="18" fill="{color}"><title>{}: {}</title></rect><text x="{:.2}" y="{}" font-size="12">{}</text>"#,
                esc(name),
                num(v.round() as u64),
                left + w + 6.0,
                y + 14.0,
                num(v.round() as u64)
            );
        }
    }
    s + "</svg>"
}
