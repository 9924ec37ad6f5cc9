//! Fixtures: a store holding the IEE Puebla 2024 GUBERNATURA catalogue, tokens, and a
//! client that sends requests straight to the router (no sockets).
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use prep_count::Rules;
use prep_ingest::published::{PublishedFile, read_published};
use prep_ingest::{AppState, TokenKind, Tokens, router};
use prep_store::Store;
use std::sync::{Arc, OnceLock};
use tower::ServiceExt;

/// The fixed clock of the test servers (2 June 2024 21:00 UTC-6).
pub const NOW_MS: i64 = 1_717_383_600_000;

/// PUE_GUB_2024.csv, read once.
pub fn gub() -> &'static (Vec<u8>, PublishedFile) {
    static FILE: OnceLock<(Vec<u8>, PublishedFile)> = OnceLock::new();
    FILE.get_or_init(|| {
        let bytes = prep_testdata::read_puebla("PUE_GUB_2024.csv");
        let file = read_published(&bytes).expect("parse GUB");
        assert!(file.malformed.is_empty(), "{:?}", file.malformed);
        (bytes, file)
    })
}

/// A store in `dir` with election `GUB` and the Puebla catalogue.
pub fn store(dir: &std::path::Path) -> Arc<Store> {
    let (_, file) = gub();
    let store = Store::open(dir.join("store.sqlite")).expect("open store");
    store
        .define_election(&file.election_spec("GUB", Rules::anexo13()))
        .expect("define");
    store
        .load_catalogue("GUB", &file.catalogue())
        .expect("catalogue");
    Arc::new(store)
}

/// A test server: the store, a CATD token and a PREP Casilla token.
pub struct TestApi {
    pub dir: tempfile::TempDir,
    pub store: Arc<Store>,
    pub router: Router,
    pub catd: String,
    pub casilla: String,
}

impl TestApi {
    pub fn new() -> TestApi {
        TestApi::with_limits(prep_ingest::Limits::default())
    }

    /// A test server with these limits.
    pub fn with_limits(limits: prep_ingest::Limits) -> TestApi {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = store(dir.path());
        let mut tokens = Tokens::default();
        let catd = tokens
            .issue("catd-07", TokenKind::Catd, false)
            .expect("token");
        let casilla = tokens
            .issue("app-1", TokenKind::Casilla, false)
            .expect("token");
        let mut state = AppState::new(Arc::clone(&store), tokens).expect("state");
        state.clock = Arc::new(|| NOW_MS);
        state.limits = limits;
        TestApi {
            dir,
            store,
            router: router(state),
            catd,
            casilla,
        }
    }

    /// Sends a request; returns the status and the JSON body (`Null` when empty).
    pub async fn send(
        &self,
        method: &str,
        uri: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, serde_json::Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        let req = req.body(body.into()).expect("request");
        let resp = self.router.clone().oneshot(req).await.expect("response");
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })
        };
        (status, json)
    }

    /// POSTs a submission with the CATD token.
    pub async fn submit(&self, body: &serde_json::Value) -> (StatusCode, serde_json::Value) {
        self.send(
            "POST",
            "/api/v1/events",
            Some(&self.catd),
            Some("application/json"),
            body.to_string(),
        )
        .await
    }
}

/// The first catalogue acta of the Puebla file with a unique CLAVE_ACTA that is a casilla
/// básica, and its key.
pub fn basica() -> String {
    let (_, file) = gub();
    let entries = file.catalogue();
    entries
        .iter()
        .find(|e| {
            e.casilla_type == prep_model::CasillaType::Basica
                && entries
                    .iter()
                    .filter(|o| o.clave_acta == e.clave_acta)
                    .count()
                    == 1
        })
        .expect("a básica")
        .clave_acta
        .clone()
}

/// A capture of `clave` with `pan` votes for PAN and 10 for MORENA.
pub fn capture(clave: &str, pan: u64) -> serde_json::Value {
    serde_json::json!({
        "election": "GUB",
        "kind": "capture",
        "acta": {"clave_acta": clave},
        "votes": {"PAN": pan, "MORENA": 10, "NULOS": "ILEGIBLE", "NO_REGISTRADAS": 0},
        "details": {
            "total_votos_asentado": pan + 10,
            "counts": {"TOTAL_PERSONAS_VOTARON": pan + 10},
            "fecha_hora_captura": "02/06/2024 20:58:00",
            "origen": "CATD"
        }
    })
}
