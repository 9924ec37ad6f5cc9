//! Servers on a free loopback port for tests, each on a thread with its own tokio runtime,
//! running until the test process ends.

use std::net::TcpListener;

/// Binds a free loopback port and runs `serve` on it on a thread of its own; returns the
/// bound address as `http://127.0.0.1:PORT`.
fn spawn<F, Fut>(serve: F) -> String
where
    F: FnOnce(tokio::net::TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    listener.set_nonblocking(true).expect("nonblocking");
    std::thread::spawn(move || {
        let rt = tokio::runtime::Runtime::new().expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            serve(listener).await;
        });
    });
    format!("http://{addr}")
}

/// Serves the axum `app`; returns its base URL (no trailing slash).
#[cfg(feature = "http")]
pub fn router(app: axum::Router) -> String {
    spawn(move |listener| async move {
        axum::serve(listener, app).await.expect("serve");
    })
}

/// Serves the HTTPS-pull origin of the election directory `root`, its watcher polling
/// every `poll`; returns its base URL (no trailing slash).
#[cfg(feature = "origin")]
pub fn origin(root: &std::path::Path, poll: std::time::Duration) -> String {
    let origin = std::sync::Arc::new(prep_origin::Origin::open(root).expect("open the origin"));
    spawn(move |listener| async move {
        prep_origin::serve(origin, listener, poll, std::future::pending())
            .await
            .expect("serve");
    })
}
