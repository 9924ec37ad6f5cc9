//! The routes: one table ([`routes`]) from which the router is built, so the OpenAPI
//! document can be checked against exactly what is served.

use crate::handlers::{acta, bulk, elections, health, openapi, submit};
use crate::{ApiError, AppState};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, StatusCode};
use axum::routing::{MethodRouter, get, post};
use std::convert::Infallible;
use std::time::Duration;

/// One route: its method, its path (OpenAPI's `{param}` syntax, which axum shares) and
/// its handler with the route's own limits.
pub struct Route {
    /// The HTTP method.
    pub method: Method,
    /// The path.
    pub path: &'static str,
    /// The handler.
    pub handler: MethodRouter<AppState>,
}

/// Every route the server has.
pub fn routes(state: &AppState) -> Vec<Route> {
    let limits = state.limits;
    let timeout = |limit: Duration| {
        axum::middleware::from_fn(move |request, next| crate::timeout::within(limit, request, next))
    };
    vec![
        Route {
            method: Method::GET,
            path: "/openapi.json",
            handler: get(openapi::openapi),
        },
        Route {
            method: Method::GET,
            path: "/api/v1/health",
            handler: get(health::health).layer(timeout(limits.request_timeout)),
        },
        Route {
            method: Method::GET,
            path: "/api/v1/elections",
            handler: get(elections::elections).layer(timeout(limits.request_timeout)),
        },
        Route {
            method: Method::POST,
            path: "/api/v1/events",
            handler: post(submit::submit)
                .layer::<_, Infallible>(DefaultBodyLimit::max(limits.submission_bytes))
                .layer(timeout(limits.request_timeout)),
        },
        Route {
            method: Method::GET,
            path: "/api/v1/elections/{election}/actas/{acta}",
            handler: get(acta::acta).layer(timeout(limits.request_timeout)),
        },
        Route {
            method: Method::POST,
            path: "/api/v1/elections/{election}/bulk",
            handler: post(bulk::bulk)
                .layer::<_, Infallible>(DefaultBodyLimit::max(limits.bulk_bytes))
                .layer(axum::middleware::from_fn_with_state(
                    state.clone(),
                    bulk::one_at_a_time,
                ))
                .layer(timeout(limits.bulk_timeout)),
        },
    ]
}

/// The router of the API.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for route in routes(&state) {
        router = router.route(route.path, route.handler);
    }
    let log = state.limits.access_log;
    let router = router
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state);
    if log {
        router.layer(axum::middleware::from_fn(crate::access_log::log))
    } else {
        router
    }
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such route; GET /openapi.json lists the API's routes")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; GET /openapi.json lists the API's routes",
    )
}
