//! `/shardnode/v1/...`: shard heads and crosslinks, accounts, and transaction submission.
//!
//! A transaction in JSON: `{"from": "0x<32 bytes>", "to": "0x<32 bytes>", "amount": "10",
//! "fee": "1", "nonce": "0", "signature": "0x<64 bytes>"}` (integers as decimal strings, as
//! the beacon-API writes them). `POST /shardnode/v1/transactions` takes a JSON array of them
//! and answers 202 with their hashes when every one was admitted; otherwise 400 with a
//! failure per refused one (its index and why), or 503 with `Retry-After` when the only
//! reason was a full mempool.

use super::error::ApiError;
use super::ids::{hex0x, parse_bytes};
use super::ApiState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beacon::node::SubmitError;
use consensus::Preset;
use serde::Deserialize;
use serde_json::{json, Value};
use shard::types::compute_home_shard;
use shard::Transaction;

/// Most transactions one request may carry.
pub const MAX_TRANSACTIONS_PER_REQUEST: usize = 4096;

pub async fn shards<P: Preset>(State(state): State<ApiState<P>>) -> Result<Json<Value>, ApiError> {
    let data = state
        .node
        .query(|node| {
            let summary = node.summary();
            let crosslinks = node
                .head_state()
                .map(|s| s.current_crosslinks.to_vec())
                .unwrap_or_default();
            summary
                .shards
                .iter()
                .map(|shard| {
                    let crosslink = crosslinks.get(shard.shard as usize).map(|c| {
                        json!({
                            "start_epoch": c.start_epoch.to_string(),
                            "end_epoch": c.end_epoch.to_string(),
                            "data_root": hex0x(&c.data_root.0),
                        })
                    });
                    json!({
                        "shard": shard.shard.to_string(),
                        "head_slot": shard.head_slot.to_string(),
                        "head_root": hex0x(&shard.head_root.0),
                        "blocks": shard.blocks.to_string(),
                        "mempool": shard.mempool.to_string(),
                        "latest_crosslink": crosslink,
                    })
                })
                .collect::<Vec<Value>>()
        })
        .await
        .ok_or_else(ApiError::shutting_down)?;
    Ok(Json(json!({ "data": data })))
}

pub async fn account<P: Preset>(
    State(state): State<ApiState<P>>,
    Path(address): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let address = parse_bytes::<32>(&address, "address")?;
    state
        .node
        .query(move |node| {
            let asc = node.chain_config().active_shard_count;
            let shard = compute_home_shard(&address, asc);
            let head = node.shard_head_state(shard).ok_or_else(|| {
                ApiError::unavailable(format!("shard {shard} has no head state yet"))
            })?;
            let account = head.account(&address);
            let known = account.is_some();
            let account = account.unwrap_or_default();
            Ok(Json(json!({"data": {
                "address": hex0x(&address.0),
                "home_shard": shard.to_string(),
                "exists": known,
                "balance": account.balance.to_string(),
                "nonce": account.nonce.to_string(),
                "at_shard_slot": head.slot().to_string(),
            }})))
        })
        .await
        .unwrap_or_else(|| Err(ApiError::shutting_down()))
}

/// One transaction as JSON (see the module documentation).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransactionJson {
    pub from: String,
    pub to: String,
    pub amount: String,
    pub fee: String,
    pub nonce: String,
    pub signature: String,
}

fn decimal(text: &str, field: &str) -> Result<u64, ApiError> {
    text.parse::<u64>().map_err(|_| {
        ApiError::bad_request(format!(
            "`{field}` = {text:?} is not a decimal unsigned 64-bit integer"
        ))
    })
}

impl TransactionJson {
    pub fn to_transaction(&self) -> Result<Transaction, ApiError> {
        Ok(Transaction {
            from: parse_bytes::<32>(&self.from, "`from`")?,
            to: parse_bytes::<32>(&self.to, "`to`")?,
            amount: decimal(&self.amount, "amount")?,
            fee: decimal(&self.fee, "fee")?,
            nonce: decimal(&self.nonce, "nonce")?,
            signature: parse_bytes::<64>(&self.signature, "`signature`")?,
        })
    }

    pub fn from_transaction(tx: &Transaction) -> Self {
        Self {
            from: hex0x(&tx.from.0),
            to: hex0x(&tx.to.0),
            amount: tx.amount.to_string(),
            fee: tx.fee.to_string(),
            nonce: tx.nonce.to_string(),
            signature: hex0x(&tx.signature.0),
        }
    }
}

/// The body as transactions, or the first thing wrong with it (index and reason).
fn parse_body(body: Value) -> Result<Vec<Transaction>, ApiError> {
    let Value::Array(items) = body else {
        return Err(ApiError::bad_request(
            "the body must be a JSON array of transactions",
        ));
    };
    if items.is_empty() {
        return Err(ApiError::bad_request("the array of transactions is empty"));
    }
    if items.len() > MAX_TRANSACTIONS_PER_REQUEST {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{} transactions in one request; at most {MAX_TRANSACTIONS_PER_REQUEST}",
                items.len()
            ),
        ));
    }
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            let parsed: TransactionJson = serde_json::from_value(item)
                .map_err(|e| ApiError::bad_request(format!("transaction {index}: {e}")))?;
            parsed.to_transaction().map_err(|e| ApiError {
                message: format!("transaction {index}: {}", e.message),
                ..e
            })
        })
        .collect()
}

pub async fn submit<P: Preset>(
    State(state): State<ApiState<P>>,
    body: Result<Json<Value>, JsonRejection>,
) -> Response {
    let answer = async {
        let Json(body) = body?;
        let transactions = parse_body(body)?;
        let count = transactions.len();
        let answers = state
            .node
            .query(move |node| node.submit_transactions(transactions))
            .await
            .ok_or_else(ApiError::shutting_down)?;
        Ok::<_, ApiError>((count, answers))
    }
    .await;
    let (count, answers) = match answer {
        Ok(answer) => answer,
        Err(error) => {
            state.metrics.observe_submitted("malformed", 1);
            return error.into_response();
        }
    };
    let mut hashes = Vec::with_capacity(count);
    let mut failures = Vec::new();
    for (index, answer) in answers.iter().enumerate() {
        match answer {
            Ok(root) => {
                hashes.push(hex0x(&root.0));
                state.metrics.observe_submitted("accepted", 1);
            }
            Err(error) => {
                state.metrics.observe_submitted(error.label(), 1);
                failures.push((index, error));
            }
        }
    }
    if failures.is_empty() {
        return (StatusCode::ACCEPTED, Json(json!({ "data": hashes }))).into_response();
    }
    let all_full = failures
        .iter()
        .all(|(_, e)| e.label() == "mempool_full" || matches!(e, SubmitError::ShardUnavailable));
    let mut error = if all_full {
        ApiError::unavailable(format!(
            "{} of {count} transactions refused: the mempool is full (retry later)",
            failures.len()
        ))
    } else {
        ApiError::bad_request(format!(
            "{} of {count} transactions refused; the others were accepted",
            failures.len()
        ))
    };
    error.failures = failures
        .into_iter()
        .map(|(index, e)| (index, format!("{}: {e}", e.label())))
        .collect();
    error.into_response()
}
