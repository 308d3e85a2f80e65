//! `/eth/v1/node/...`: health, syncing, peers and identity, and the shardnode status the
//! cluster polls.

use super::error::ApiError;
use super::ApiState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use consensus::Preset;
use serde_json::{json, Value};

/// Slots the head may trail the clock by and still count as synced.
pub const SYNC_TOLERANCE_SLOTS: u64 = 2;

pub async fn health<P: Preset>(State(state): State<ApiState<P>>) -> Response {
    match state.node.query(|node| node.summary()).await {
        Some(s) if s.head_slot.saturating_add(SYNC_TOLERANCE_SLOTS) >= s.current_slot => {
            StatusCode::OK.into_response()
        }
        Some(_) => StatusCode::PARTIAL_CONTENT.into_response(),
        None => ApiError::shutting_down().into_response(),
    }
}

pub async fn syncing<P: Preset>(State(state): State<ApiState<P>>) -> Result<Json<Value>, ApiError> {
    let s = state
        .node
        .query(|node| node.summary())
        .await
        .ok_or_else(ApiError::shutting_down)?;
    let distance = s.current_slot.saturating_sub(s.head_slot);
    Ok(Json(json!({"data": {
        "head_slot": s.head_slot.to_string(),
        "sync_distance": distance.to_string(),
        "is_syncing": distance > SYNC_TOLERANCE_SLOTS,
        "is_optimistic": false,
        "el_offline": false,
    }})))
}

pub async fn peer_count<P: Preset>(State(state): State<ApiState<P>>) -> Json<Value> {
    let connected = state.stats().peer_ids.len();
    Json(json!({"data": {
        "disconnected": "0",
        "connecting": "0",
        "connected": connected.to_string(),
        "disconnecting": "0",
    }}))
}

pub async fn peers<P: Preset>(State(state): State<ApiState<P>>) -> Json<Value> {
    let ids: Vec<String> = state.stats().peer_ids.iter().cloned().collect();
    let data: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "peer_id": id,
                "enr": null,
                "last_seen_p2p_address": "",
                "state": "connected",
                "direction": "unknown",
            })
        })
        .collect();
    Json(json!({"data": data, "meta": {"count": ids.len()}}))
}

pub async fn identity<P: Preset>(State(state): State<ApiState<P>>) -> Json<Value> {
    let stats = state.stats();
    let addresses: Vec<String> = stats
        .listen
        .iter()
        .map(|addr| format!("{addr}/p2p/{}", stats.peer_id))
        .collect();
    Json(json!({"data": {
        "peer_id": stats.peer_id,
        "enr": "",
        "p2p_addresses": addresses,
        "discovery_addresses": [],
        "metadata": {"seq_number": "0", "attnets": "0x0000000000000000"},
    }}))
}
