//! `prep memoria`: GoAccess parity on a generated log, tolerance of malformed lines, clear
//! errors for unreadable files, and the HTML/PDF report in headless Chromium.

use crate::common::{goaccess_report, prep};
use prep_testdata::tool;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const ELECTION: &str = "2024-06-02T18:00:00-06:00..2024-06-03T18:00:00-06:00";
const BASELINE: &str = "2024-05-27T00:00:00-06:00..2024-06-01T00:00:00-06:00";

fn generate(dir: &Path, lines: u64, seed: u64) -> PathBuf {
    let log = dir.join(format!("access-{seed}.log"));
    let out = prep(&[
        "memoria",
        "generate-log",
        "--lines",
        &lines.to_string(),
        "--seed",
        &seed.to_string(),
        "--out",
        log.to_str().expect("utf8"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    log
}

fn memoria(logs: &[&Path], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["memoria", "--logs"];
    args.extend(logs.iter().map(|p| p.to_str().expect("utf8")));
    args.extend([
        "--election",
        ELECTION,
        "--baseline",
        BASELINE,
        "--out",
        out.to_str().expect("utf8"),
    ]);
    args.extend(extra);
    prep(&args)
}

fn report_json(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("memoria.json")).expect("memoria.json"))
        .expect("json")
}

#[test]
fn generated_log_counts_equal_goaccess() {
    let Some(goaccess) = tool("goaccess", "--version", "apt-get install goaccess") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let log = generate(dir.path(), 30_000, 11);
    let out = dir.path().join("out");
    let run = memoria(&[&log], &out, &["--no-pdf", "--threads", "2"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let ours = report_json(&out);

    let theirs = goaccess_report(goaccess, &log, &dir.path().join("goaccess.json"));

    let t = &ours["totals"];
    assert_eq!(t["hits"], 30_000);
    assert_eq!(t["hits"], theirs["general"]["valid_requests"]);
    assert_eq!(t["lines"], theirs["general"]["total_requests"]);
    assert_eq!(t["unique_visitors"], theirs["general"]["unique_visitors"]);
    assert_eq!(t["bytes"], theirs["general"]["bandwidth"]);
    assert_eq!(
        t["not_found"],
        theirs["not_found"]["metadata"]["hits"]["total"]["value"]
    );
    assert!(
        t["not_found"].as_u64().expect("n") > 0,
        "the generated log has 404s"
    );
    let days = theirs["visitors"]["data"]
        .as_array()
        .expect("visitors panel");
    assert_eq!(days.len(), ours["days"].as_array().expect("days").len());
    for d in days {
        let date = d["data"].as_str().expect("date");
        let iso = format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]);
        let mine = ours["days"]
            .as_array()
            .expect("days")
            .iter()
            .find(|r| r["date"] == iso.as_str())
            .expect("same day");
        assert_eq!(
            mine["unique_visitors"], d["visitors"]["count"],
            "visitors on {iso}"
        );
        assert_eq!(mine["hits"], d["hits"]["count"], "hits on {iso}");
    }
}

#[test]
fn garbage_truncated_and_mixed_lines_are_counted_and_shown_and_gzip_rotations_read_in_any_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let log = generate(dir.path(), 3_000, 5);
    let text = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<&str> = text.lines().collect();
    // Rotated set: the older half gzipped as access.log.1.gz, the newer plain, given newest first.
    let (old, new) = lines.split_at(1_500);
    let gz = dir.path().join("access.log.1.gz");
    {
        use std::io::Write;
        let mut enc = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).expect("gz"),
            flate2::Compression::fast(),
        );
        enc.write_all((old.join("\n") + "\n").as_bytes())
            .expect("write");
        enc.finish().expect("finish");
    }
    let mut newer = new.join("\n") + "\n";
    newer += "this is not a log line at all\n";
    newer += "\u{0}\u{1}binary junk\n";
    newer += r#"10.0.0.1 - - [02/Jun/2024:20:00:01 -0600] "GET / HTTP/1.1" 200 512"#; // common format
    newer += "\n";
    newer += &lines[10][..70]; // truncated, and the last line has no newline
    let plain = dir.path().join("access.log");
    std::fs::write(&plain, newer).expect("write");

    let out = dir.path().join("out");
    let run = memoria(&[&plain, &gz], &out, &["--no-pdf"]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let r = report_json(&out);
    assert_eq!(r["totals"]["hits"], 3_000);
    assert_eq!(r["totals"]["malformed"], 4);
    assert_eq!(r["totals"]["lines"], 3_004);
    let samples = r["malformed_samples"].as_array().expect("samples");
    assert_eq!(samples.len(), 4);
    assert!(
        samples
            .iter()
            .any(|s| s["line"] == 1_501 && s["text"] == "this is not a log line at all"),
        "{samples:?}"
    );
    assert!(
        samples
            .iter()
            .any(|s| s["reason"] == "línea truncada" && s["line"] == 1_504)
    );
    let html = std::fs::read_to_string(out.join("memoria.html")).expect("html");
    assert!(html.contains("this is not a log line at all"));
    assert!(html.contains("<div id=\"cifra-invalidas\">Líneas inválidas<b>4</b></div>"));

    // Same counts from the plain log alone plus the gz alone: order does not matter.
    let out2 = dir.path().join("out2");
    let run = memoria(&[&gz, &plain], &out2, &["--no-pdf", "--threads", "1"]);
    assert!(run.status.success());
    let r2 = report_json(&out2);
    assert_eq!(r["totals"], r2["totals"]);
    assert_eq!(r["days"], r2["days"]);
}

#[test]
fn an_unreadable_file_is_a_clear_error_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let missing = dir.path().join("no-such-access.log");
    let run = memoria(&[&missing], &dir.path().join("out"), &["--no-pdf"]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("prep: error: cannot open") && err.contains("no-such-access.log"),
        "{err}"
    );

    let corrupt = dir.path().join("broken.log.gz");
    std::fs::write(
        &corrupt,
        [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff, 0xff, 0xff, 0x00],
    )
    .expect("write");
    let run = memoria(&[&corrupt], &dir.path().join("out"), &["--no-pdf"]);
    assert_eq!(run.status.code(), Some(2));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("cannot read") && err.contains("broken.log.gz"),
        "{err}"
    );
}

#[test]
fn html_report_shows_its_charts_in_chromium_and_the_pdf_has_the_figures() {
    let Some(chromium) = tool("chromium", "--version", "apt-get install chromium") else {
        return;
    };
    let Some(pdftotext) = tool("pdftotext", "-v", "apt-get install poppler-utils") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let log = generate(dir.path(), 5_000, 3);
    let events = dir.path().join("events.jsonl");
    std::fs::write(
        &events,
        "{\"time\":\"2024-06-02T20:00:00-06:00\",\"kind\":\"reject\",\"seq\":4,\"reason\":\"firma inválida\"}\n\
         {\"time\":\"2024-06-02T21:00:00-06:00\",\"kind\":\"stop\"}\n{\"time\":\"2024-06-02T21:03:00-06:00\",\"kind\":\"start\"}\n",
    )
    .expect("events");
    let comments = dir.path().join("comentarios.txt");
    std::fs::write(
        &comments,
        "Sugerimos avisar con más anticipación los simulacros.",
    )
    .expect("comments");
    let out = dir.path().join("out");
    let run = memoria(
        &[&log],
        &out,
        &[
            "--incidents",
            events.to_str().expect("utf8"),
            "--comments",
            comments.to_str().expect("utf8"),
            "--chromium",
            chromium,
        ],
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let r = report_json(&out);
    let hits = r["totals"]["hits"].as_u64().expect("hits");
    let visitors = r["totals"]["unique_visitors"].as_u64().expect("visitors");
    let fmt = |n: u64| prep_memoria::report::num(n);

    let profile = tempfile::tempdir().expect("profile");
    let dom = Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", out.join("memoria.html").display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    for id in ["chart-hourly", "chart-comparison", "chart-status"] {
        let at = dom
            .find(&format!("<svg id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} missing from the DOM"));
        let end = at + dom[at..].find("</svg>").expect("closed");
        assert!(
            dom[at..end].matches("class=\"bar\"").count() >= 2,
            "{id} has bars"
        );
    }
    assert!(dom.contains(&format!("Hits (solicitudes)<b>{}</b>", fmt(hits))));
    assert!(dom.contains(&format!("Visitantes únicos<b>{}</b>", fmt(visitors))));
    assert!(dom.contains("firma inválida") && dom.contains("Reinicio"));
    assert!(dom.contains("Sugerimos avisar"));

    let text = Command::new(pdftotext)
        .arg(out.join("memoria.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext runs");
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Memoria técnica del difusor"));
    assert!(
        text.contains(&fmt(hits)) && text.contains(&fmt(visitors)),
        "headline figures in the PDF"
    );
}
