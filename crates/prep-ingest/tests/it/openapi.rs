//! The OpenAPI document cannot drift from the router: the served document is the
//! repository's file, every route of the router is in it, and every operation in it is
//! routed (answers neither 404 nor 405).

use crate::common::TestApi;
use axum::http::StatusCode;
use std::collections::BTreeSet;

fn doc_file() -> String {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ingest-openapi.json");
    std::fs::read_to_string(path).expect("docs/ingest-openapi.json")
}

/// (METHOD, path) of every operation of the document.
fn documented(doc: &serde_json::Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            out.insert((method.to_uppercase(), path.clone()));
        }
    }
    out
}

#[tokio::test]
async fn served_document_is_the_repository_file() {
    let api = TestApi::new();
    let (s, served) = api.send("GET", "/openapi.json", None, None, "").await;
    assert_eq!(s, StatusCode::OK);
    let file: serde_json::Value = serde_json::from_str(&doc_file()).expect("the file is JSON");
    assert_eq!(served, file);
    assert_eq!(prep_ingest::OPENAPI_JSON, doc_file());
    assert_eq!(file["openapi"], "3.1.0");
}

#[tokio::test]
async fn document_and_router_list_the_same_routes() {
    let api = TestApi::new();
    let doc: serde_json::Value = serde_json::from_str(&doc_file()).expect("JSON");
    let state = prep_ingest::AppState::new(api.store.clone(), prep_ingest::Tokens::default())
        .expect("state");
    let routed: BTreeSet<(String, String)> = prep_ingest::routes(&state)
        .iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    assert_eq!(routed, documented(&doc));

    for (method, path) in documented(&doc) {
        let uri = path.replace("{election}", "GUB").replace("{acta}", "X");
        let (s, body) = api.send(&method, &uri, None, None, "").await;
        assert!(
            s != StatusCode::NOT_FOUND && s != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {s} {body}"
        );
    }
}

#[tokio::test]
async fn every_schema_reference_resolves() {
    let doc: serde_json::Value = serde_json::from_str(&doc_file()).expect("JSON");
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    if k == "$ref" {
                        out.push(v.as_str().expect("ref").to_owned());
                    } else {
                        refs(v, out);
                    }
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").expect("local ref");
        assert!(doc["components"]["schemas"][name].is_object(), "{r}");
    }
}
