//! # api: the node's HTTP API (axum), on 127.0.0.1 by default
//!
//! Today: `GET /eth/v1/node/health` (200 when the head is within two slots of the clock, 206
//! while syncing) and `GET /shardnode/v1/status`, the node's summary with the runtime's counts
//! (what `shardnode cluster` polls), and `GET /shardnode/v1/block_delays`. Every answer is computed on the node's thread through a
//! query, so it sees one consistent state.

use crate::runtime::clock::WallClock;
use crate::runtime::stats::{Delays, RuntimeStats};
use crate::runtime::worker::NodeHandle;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use beacon::node::NodeSummary;
use consensus::Preset;
use serde::Serialize;
use std::sync::{Arc, Mutex};

/// What every handler reaches.
pub struct ApiState<P: Preset> {
    pub node: NodeHandle<P>,
    pub stats: Arc<Mutex<RuntimeStats>>,
    pub clock: WallClock,
}

impl<P: Preset> Clone for ApiState<P> {
    fn clone(&self) -> Self {
        Self {
            node: self.node.clone(),
            stats: self.stats.clone(),
            clock: self.clock,
        }
    }
}

/// `/shardnode/v1/status`.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub node: NodeSummary,
    pub runtime: RuntimeStats,
    pub block_delays: Delays,
}

pub fn router<P: Preset>(state: ApiState<P>) -> Router {
    Router::new()
        .route("/eth/v1/node/health", get(health::<P>))
        .route("/shardnode/v1/status", get(status::<P>))
        .route("/shardnode/v1/block_delays", get(block_delays::<P>))
        .with_state(state)
}

fn unavailable() -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(serde_json::json!({"code": 503, "message": "the node is shutting down"})),
    )
        .into_response()
}

async fn health<P: Preset>(State(state): State<ApiState<P>>) -> Response {
    match state
        .node
        .query(|node| {
            let summary = node.summary();
            summary.head_slot.saturating_add(2) >= summary.current_slot
        })
        .await
    {
        Some(true) => StatusCode::OK.into_response(),
        Some(false) => StatusCode::PARTIAL_CONTENT.into_response(),
        None => unavailable(),
    }
}

/// Every recent beacon block arrival delay (ms after its slot's start), for merging across
/// nodes.
async fn block_delays<P: Preset>(State(state): State<ApiState<P>>) -> Response {
    let samples = state
        .stats
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .delay_samples();
    Json(serde_json::json!({ "data": samples })).into_response()
}

async fn status<P: Preset>(State(state): State<ApiState<P>>) -> Response {
    let Some(node) = state.node.query(|node| node.summary()).await else {
        return unavailable();
    };
    let runtime = state
        .stats
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    let block_delays = runtime.delays();
    Json(Status {
        node,
        runtime,
        block_delays,
    })
    .into_response()
}
