//! HTTP API requests through the real router, against a real node in memory (64 validators,
//! real signature checks): any method, path, query, content type and body. The input is text:
//! the first line is `METHOD PATH`, an optional second line `content-type: X`, then a blank
//! line and the body. A 500 is a finding, and so is a 4xx whose body is not the API's JSON
//! error (`{"code", "message"}`) or a node thread that died under a request.

use crate::target::{Encoding, Target, Verdict};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use axum::Router;
use consensus::Minimal;
use shard::GenesisAccounts;
use std::sync::{Mutex, OnceLock};
use tower::ServiceExt;

struct Api {
    runtime: tokio::runtime::Runtime,
    router: Router,
    thread: Mutex<std::thread::JoinHandle<beacon::node::Node<Minimal>>>,
}

fn api() -> Option<&'static Api> {
    static API: OnceLock<Option<Api>> = OnceLock::new();
    API.get_or_init(|| {
        let accounts = GenesisAccounts {
            accounts_per_shard: 4,
            balance: 1_000_000,
        };
        let local = shardnode::api::local::start::<Minimal>(64, accounts).ok()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        Some(Api {
            runtime,
            router: shardnode::api::router(local.state),
            thread: Mutex::new(local.thread),
        })
    })
    .as_ref()
}

/// The request an input stands for, or why it is not one (a bad method or URI is refused by
/// the HTTP layer before the router sees it).
fn request_of(bytes: &[u8]) -> Result<Request<Body>, String> {
    let text = String::from_utf8_lossy(bytes);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (method, path) = first.split_once(' ').unwrap_or(("GET", first));
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| "bad method".to_string())?;
    let mut builder = Request::builder().method(method).uri(path);
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            builder = builder.header(name.trim(), value.trim());
        }
    }
    builder
        .body(Body::from(body.as_bytes().to_vec()))
        .map_err(|e| {
            format!(
                "not an HTTP request: {}",
                crate::target::class_of(&e.to_string())
            )
        })
}

fn run(bytes: &[u8]) -> Verdict {
    let Some(api) = api() else {
        return Verdict::Wrong("the in-memory node did not start".into());
    };
    let request = match request_of(bytes) {
        Ok(r) => r,
        Err(why) => return Verdict::Refused(why),
    };
    let verdict = api.runtime.block_on(async {
        let response = match api.router.clone().oneshot(request).await {
            Ok(r) => r,
            Err(never) => match never {},
        };
        let status = response.status();
        if status.is_success() {
            // Successful bodies may be streams (server-sent events): not read.
            return Verdict::Accepted;
        }
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap_or_default();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let has_message =
            json.get("message").and_then(|m| m.as_str()).is_some() && json.get("code").is_some();
        if status == StatusCode::INTERNAL_SERVER_ERROR {
            Verdict::Wrong(format!("500: {}", String::from_utf8_lossy(&body)))
        } else if status.is_client_error() && !has_message {
            Verdict::Wrong(format!(
                "{status} without the JSON error body: {}",
                String::from_utf8_lossy(&body)
            ))
        } else {
            let message = json.get("message").and_then(|m| m.as_str()).unwrap_or("");
            Verdict::Refused(format!(
                "{} {}",
                status.as_u16(),
                crate::target::class_of(message)
            ))
        }
    });
    let died = api.thread.lock().map(|t| t.is_finished()).unwrap_or(true);
    if died {
        return Verdict::Wrong("the node thread died".into());
    }
    verdict
}

pub fn targets() -> Vec<Target> {
    vec![Target {
        name: "api_request",
        encoding: Encoding::Text,
        run,
    }]
}
