//! # api: the node's HTTP API (axum) and its `/metrics` endpoint, on 127.0.0.1 by default
//!
//! Beacon-API paths that apply to this chain (`/eth/v1/node/*`, `/eth/v1/beacon/*`, in the
//! beacon-API's JSON shapes), shard paths under `/shardnode/v1/`, and the status the cluster
//! polls. Every answer is computed on the node's thread through a query, so it sees one
//! consistent state. Every refusal is a 4xx (or a 503 with `Retry-After`) with a JSON body
//! that says what was wrong ([`error`]); request bodies are limited to
//! [`MAX_BODY_BYTES`]. The paths and their answers are in `docs/api.md`.
//!
//! **Must never** hold a protocol rule: what a valid transaction is, and whether it gets in,
//! is `beacon::Node::submit_transactions`'s answer.

pub mod beacon;
pub mod error;
pub mod events;
pub mod ids;
pub mod local;
pub mod node;
pub mod shard;

use crate::metrics::NodeMetrics;
use crate::runtime::clock::WallClock;
use crate::runtime::stats::{Delays, RuntimeStats};
use crate::runtime::tx_index::TxIndex;
use crate::runtime::worker::NodeHandle;
use ::beacon::node::{NodeSummary, ShardSupply};
use axum::extract::{DefaultBodyLimit, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use consensus::Preset;
use error::ApiError;
use serde::Serialize;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::broadcast;

/// Largest request body accepted (a full batch of JSON transactions fits).
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// What every handler reaches.
pub struct ApiState<P: Preset> {
    pub node: NodeHandle<P>,
    pub stats: Arc<Mutex<RuntimeStats>>,
    pub clock: WallClock,
    pub metrics: NodeMetrics,
    /// Node events for `/eth/v1/events` subscribers.
    pub events: broadcast::Sender<crate::runtime::events::ApiEvent>,
    /// Where recent transactions went.
    pub txs: Arc<Mutex<TxIndex>>,
}

impl<P: Preset> Clone for ApiState<P> {
    fn clone(&self) -> Self {
        Self {
            node: self.node.clone(),
            stats: self.stats.clone(),
            clock: self.clock,
            metrics: self.metrics.clone(),
            events: self.events.clone(),
            txs: self.txs.clone(),
        }
    }
}

impl<P: Preset> ApiState<P> {
    pub fn stats(&self) -> MutexGuard<'_, RuntimeStats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn txs(&self) -> MutexGuard<'_, TxIndex> {
        self.txs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// `/shardnode/v1/status`.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub node: NodeSummary,
    pub runtime: RuntimeStats,
    pub block_delays: Delays,
    /// Each shard's supply at its head: `total_balance + burned_fees + receipts_sent -
    /// receipts_credited` stays what genesis gave the shard.
    pub supply: Vec<ShardSupply>,
}

/// Every path of the API.
pub fn router<P: Preset>(state: ApiState<P>) -> Router {
    Router::new()
        .route("/eth/v1/node/health", get(node::health::<P>))
        .route("/eth/v1/node/syncing", get(node::syncing::<P>))
        .route("/eth/v1/node/peers", get(node::peers::<P>))
        .route("/eth/v1/node/peer_count", get(node::peer_count::<P>))
        .route("/eth/v1/node/identity", get(node::identity::<P>))
        .route("/eth/v1/beacon/genesis", get(beacon::genesis::<P>))
        .route(
            "/eth/v1/beacon/headers/{block_id}",
            get(beacon::header::<P>),
        )
        .route(
            "/eth/v1/beacon/states/{state_id}/finality_checkpoints",
            get(beacon::finality_checkpoints::<P>),
        )
        .route(
            "/eth/v1/beacon/states/{state_id}/validators",
            get(beacon::validators::<P>),
        )
        .route(
            "/eth/v1/beacon/states/{state_id}/validators/{validator_id}",
            get(beacon::validator::<P>),
        )
        .route("/shardnode/v1/shards", get(shard::shards::<P>))
        .route("/shardnode/v1/accounts/{address}", get(shard::account::<P>))
        .route("/eth/v1/events", get(events::events::<P>))
        .route("/shardnode/v1/transactions", post(shard::submit::<P>))
        .route(
            "/shardnode/v1/transactions/{hash}",
            get(shard::transaction::<P>),
        )
        .route("/shardnode/v1/status", get(status::<P>))
        .route("/shardnode/v1/block_delays", get(block_delays::<P>))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::map_response(json_rejections))
        .with_state(state)
}

/// `/metrics` alone (served on the metrics address).
pub fn metrics_router<P: Preset>(state: ApiState<P>) -> Router {
    Router::new()
        .route("/metrics", get(metrics::<P>))
        .fallback(not_found)
        .with_state(state)
}

/// axum's own rejections (a path segment that is not UTF-8 once percent-decoded, a query it
/// cannot parse) answer in plain text; the API promises its JSON error body on every 4xx, so
/// they are rewritten here with the same status and axum's words as the message.
async fn json_rejections(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !status.is_client_error() || is_json {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap_or_default();
    ApiError::new(status, String::from_utf8_lossy(&body).into_owned()).into_response()
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such path (the paths are listed in docs/api.md)")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "this path does not take that method (see docs/api.md)",
    )
}

/// Every recent beacon block arrival delay (ms after its slot's start), for merging across
/// nodes.
async fn block_delays<P: Preset>(State(state): State<ApiState<P>>) -> Response {
    let samples = state.stats().delay_samples();
    Json(serde_json::json!({ "data": samples })).into_response()
}

async fn status<P: Preset>(State(state): State<ApiState<P>>) -> Response {
    let Some((node, supply)) = state
        .node
        .query(|node| (node.summary(), node.supply()))
        .await
    else {
        return ApiError::shutting_down().into_response();
    };
    let runtime = state.stats().clone();
    let block_delays = runtime.delays();
    Json(Status {
        node,
        runtime,
        block_delays,
        supply,
    })
    .into_response()
}

/// The node's metrics: gauges read from the node now, counters as the runtime counted them.
async fn metrics<P: Preset>(State(state): State<ApiState<P>>) -> Response {
    let Some((summary, gauges)) = state
        .node
        .query(|node| (node.summary(), node.head_gauges()))
        .await
    else {
        return ApiError::shutting_down().into_response();
    };
    state.metrics.observe_summary(&summary, &gauges);
    state.metrics.observe_process();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
