//! A hostile difusor cannot grow the monitor's memory nor hold a look: each read of its site
//! is bounded in size and in time, whatever it sends (an endless body, a huge declared
//! length, endless headers, a slow drip).

use prep_monitor::Observer;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Each look's bound on time.
const TIMEOUT: Duration = Duration::from_secs(2);
/// More than the monitor may take from one site in one look: the largest read (a few
/// dozen KiB) plus the loopback sockets' buffers. An unbounded reader takes gigabytes in
/// the look's time.
const MAX_TAKEN: u64 = 32 << 20;

/// How the hostile site answers a request for `path`: what it writes first, then what it
/// repeats until the monitor goes away, with a pause between repetitions.
#[derive(Clone, Copy)]
struct Answer {
    head: &'static str,
    repeat: &'static [u8],
    pause: Duration,
}

/// Serves `answer(path)` on loopback; returns the base URL and the bytes written so far.
fn hostile(answer: fn(&str) -> Answer) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", listener.local_addr().expect("addr"));
    let written = Arc::new(AtomicU64::new(0));
    let total = Arc::clone(&written);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let total = Arc::clone(&total);
            std::thread::spawn(move || respond(stream, answer, &total));
        }
    });
    (url, written)
}

/// Reads the request line and headers, then writes the answer until the peer is gone.
fn respond(mut stream: TcpStream, answer: fn(&str) -> Answer, total: &AtomicU64) {
    let mut request = Vec::new();
    let mut byte = [0u8; 1];
    while !request.ends_with(b"\r\n\r\n") && request.len() < 16 << 10 {
        match stream.read(&mut byte) {
            Ok(1) => request.push(byte[0]),
            _ => return,
        }
    }
    let text = String::from_utf8_lossy(&request);
    let path = text
        .split(' ')
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/');
    let a = answer(path);
    if stream.write_all(a.head.as_bytes()).is_err() {
        return;
    }
    total.fetch_add(a.head.len() as u64, Ordering::Relaxed);
    while !a.repeat.is_empty() {
        if stream.write_all(a.repeat).is_err() {
            return;
        }
        total.fetch_add(a.repeat.len() as u64, Ordering::Relaxed);
        if !a.pause.is_zero() {
            std::thread::sleep(a.pause);
        }
    }
}

/// 16 KiB of JSON whitespace in one HTTP chunk.
fn chunk() -> &'static [u8] {
    static CHUNK: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    CHUNK.get_or_init(|| {
        let mut c = b"4000\r\n".to_vec();
        c.extend(std::iter::repeat_n(b' ', 0x4000));
        c.extend(b"\r\n");
        c
    })
}

/// Looks at `url` with a fresh observer of the cortes in `root`; asserts the look ended
/// within its time bound (with a margin for a loaded machine) and took a bounded amount
/// from the site.
fn look(root: &std::path::Path, url: &str, written: &AtomicU64) -> prep_monitor::Observation {
    let observer = Observer::new(root, 10, None, TIMEOUT).expect("observer");
    let started = Instant::now();
    let seen = observer.observe(url);
    let took = started.elapsed();
    assert!(
        took < TIMEOUT + Duration::from_millis(1500),
        "the look took {took:?}: {seen:?}"
    );
    // Let the site notice the monitor has gone.
    std::thread::sleep(Duration::from_millis(200));
    let taken = written.load(Ordering::Relaxed);
    assert!(
        taken < MAX_TAKEN,
        "the site wrote {taken} bytes into one look: {seen:?}"
    );
    seen
}

#[test]
fn an_endless_main_json_is_cut_off() {
    let tmp = tempfile::tempdir().expect("tmp");
    crate::common::publish(tmp.path(), 1, 100);
    let (url, written) = hostile(|_| Answer {
        head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        repeat: chunk(),
        pause: Duration::ZERO,
    });
    let seen = look(tmp.path(), &url, &written);
    assert_eq!(seen.sequence, None, "{seen:?}");
    assert!(
        seen.error.is_some() && seen.violations.is_empty(),
        "{seen:?}"
    );
}

#[test]
fn a_huge_declared_length_is_not_believed() {
    let tmp = tempfile::tempdir().expect("tmp");
    crate::common::publish(tmp.path(), 1, 100);
    let (url, written) = hostile(|_| Answer {
        head: "HTTP/1.1 200 OK\r\nContent-Length: 1099511627776\r\n\r\n",
        repeat: &[b' '; 0x4000],
        pause: Duration::ZERO,
    });
    let seen = look(tmp.path(), &url, &written);
    assert_eq!(seen.sequence, None, "{seen:?}");
    assert!(seen.error.is_some(), "{seen:?}");
}

#[test]
fn endless_headers_are_cut_off() {
    let tmp = tempfile::tempdir().expect("tmp");
    crate::common::publish(tmp.path(), 1, 100);
    let (url, written) = hostile(|_| Answer {
        head: "HTTP/1.1 200 OK\r\n",
        repeat: b"X-Padding: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        pause: Duration::ZERO,
    });
    let seen = look(tmp.path(), &url, &written);
    assert_eq!(seen.sequence, None, "{seen:?}");
    assert!(seen.error.is_some(), "{seen:?}");
}

#[test]
fn a_slow_drip_is_timed_out() {
    let tmp = tempfile::tempdir().expect("tmp");
    crate::common::publish(tmp.path(), 1, 100);
    let (url, written) = hostile(|_| Answer {
        head: "HTTP/1.1 200 OK\r\nContent-Length: 65000\r\n\r\n",
        repeat: b" ",
        pause: Duration::from_millis(100),
    });
    let seen = look(tmp.path(), &url, &written);
    assert_eq!(seen.sequence, None, "{seen:?}");
    assert!(seen.error.is_some(), "{seen:?}");
}

/// The pointer of corte 1 as `crate::common::publish` writes it, as a whole HTTP answer.
fn pointer_answer(corte: &std::path::Path) -> &'static str {
    let pointer = std::fs::read_to_string(corte.join("json/main.json")).expect("pointer");
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{pointer}",
        pointer.len()
    );
    Box::leak(answer.into_boxed_str())
}

#[test]
fn slow_files_cannot_hold_a_look_past_its_time_bound() {
    let tmp = tempfile::tempdir().expect("tmp");
    let corte = crate::common::publish(tmp.path(), 1, 100);
    static POINTER: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    POINTER.get_or_init(|| pointer_answer(&corte));
    let (url, written) = hostile(|path| {
        if path == "json/main.json" {
            Answer {
                head: POINTER.get().expect("pointer"),
                repeat: b"",
                pause: Duration::ZERO,
            }
        } else {
            Answer {
                head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                repeat: b"1\r\n \r\n",
                pause: Duration::from_millis(1500),
            }
        }
    });
    // Three files dripping one byte at a time: the look still ends within its bound.
    let seen = look(tmp.path(), &url, &written);
    assert_eq!(seen.sequence, Some(1), "{seen:?}");
    assert!(seen.error.is_some(), "{seen:?}");
}

#[test]
fn an_endless_spot_checked_file_is_cut_off_past_its_signed_size_and_is_altered() {
    let tmp = tempfile::tempdir().expect("tmp");
    let corte = crate::common::publish(tmp.path(), 1, 100);
    static POINTER: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    POINTER.get_or_init(|| pointer_answer(&corte));
    let (url, written) = hostile(|path| {
        if path == "json/main.json" {
            Answer {
                head: POINTER.get().expect("pointer"),
                repeat: b"",
                pause: Duration::ZERO,
            }
        } else {
            Answer {
                head: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
                repeat: chunk(),
                pause: Duration::ZERO,
            }
        }
    });
    let seen = look(tmp.path(), &url, &written);
    assert_eq!(seen.sequence, Some(1), "{seen:?}");
    assert_eq!(
        seen.violations.len(),
        3,
        "every file is longer than signed: {seen:?}"
    );
    for v in &seen.violations {
        assert!(v.got.starts_with("more than "), "{v:?}");
    }
}

/// An HTTP answer whose body is `body`.
fn answer_with(body: &str) -> &'static str {
    Box::leak(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .into_boxed_str(),
    )
}

/// Longest text of the site's own the monitor may keep from one look (an error, what was
/// served): every look is a line of the monitor's log, and its status page shows them.
const MAX_KEPT_TEXT: usize = 512;

#[test]
fn what_a_site_writes_is_not_kept_at_any_length() {
    let tmp = tempfile::tempdir().expect("tmp");
    crate::common::publish(tmp.path(), 1, 100);
    static LONG_HASH: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    static LONG_SEQUENCE: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();
    let filler = "x".repeat(60_000);
    LONG_HASH.get_or_init(|| {
        answer_with(&format!(
            "{{\"sequence\":1,\"manifest_sha256\":\"{filler}\"}}"
        ))
    });
    LONG_SEQUENCE.get_or_init(|| answer_with(&format!("{{\"sequence\":\"{filler}\"}}")));

    let (url, written) = hostile(|_| Answer {
        head: LONG_HASH.get().expect("answer"),
        repeat: b"",
        pause: Duration::ZERO,
    });
    let seen = look(tmp.path(), &url, &written);
    let pointer = seen
        .violations
        .iter()
        .find(|v| v.path == "json/main.json")
        .expect("the pointer names another manifest");
    assert!(
        pointer.got.len() <= MAX_KEPT_TEXT,
        "{} bytes kept",
        pointer.got.len()
    );
    assert!(pointer.got.starts_with("xxxx"), "{}", pointer.got);

    let (url, written) = hostile(|_| Answer {
        head: LONG_SEQUENCE.get().expect("answer"),
        repeat: b"",
        pause: Duration::ZERO,
    });
    let seen = look(tmp.path(), &url, &written);
    let error = seen.error.expect("not a pointer");
    assert!(error.len() <= MAX_KEPT_TEXT, "{} bytes kept", error.len());
    assert!(error.contains("not a corte pointer"), "{error}");
}
