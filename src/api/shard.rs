//! `/shardnode/v1/...`: shard heads and crosslinks, accounts, and transaction submission.
//!
//! A transaction in JSON: `{"from": "0x<32 bytes>", "to": "0x<32 bytes>", "amount": "10",
//! "fee": "1", "nonce": "0", "signature": "0x<64 bytes>"}` (integers as decimal strings, as
//! the beacon-API writes them). `POST /shardnode/v1/transactions` takes a JSON array of them
//! (or their SSZ, `application/octet-stream`) and answers 202 with their hashes when every one
//! was admitted; otherwise 400 with a failure per refused one (its index and why), or 503 with
//! `Retry-After` when the only reason was a full mempool.

use super::error::ApiError;
use super::ids::{hex0x, parse_bytes};
use super::ApiState;
use crate::runtime::tx_index::{Inclusion, TxRecord, SEEN_CAPACITY, TX_INDEX_CAPACITY};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use beacon::node::shard_chain::Settled;
use beacon::node::{Node, SubmitError};
use consensus::primitives::{Root, Shard};
use consensus::Preset;
use serde::Deserialize;
use serde_json::{json, Value};
use shard::transaction::TRANSACTION_SIZE;
use shard::types::compute_home_shard;
use shard::{Address, Transaction};

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
        return Err(too_many(items.len()));
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

/// The body's transactions: a JSON array (`application/json`) or the SSZ encoding of
/// `List[Transaction, 4096]` (`application/octet-stream`: the transactions' fixed-size
/// encodings back to back).
fn parse_request(headers: &HeaderMap, body: &[u8]) -> Result<Vec<Transaction>, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    match media {
        "application/json" => {
            let value: Value = serde_json::from_slice(body)
                .map_err(|e| ApiError::bad_request(format!("malformed JSON body: {e}")))?;
            parse_body(value)
        }
        "application/octet-stream" => parse_ssz(body),
        _ => Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "Content-Type {content_type:?} is not taken: send `application/json` (an array \
                 of transactions) or `application/octet-stream` (SSZ)"
            ),
        )),
    }
}

/// `List[Transaction, MAX_TRANSACTIONS_PER_REQUEST]` in SSZ.
fn parse_ssz(body: &[u8]) -> Result<Vec<Transaction>, ApiError> {
    if body.is_empty() {
        return Err(ApiError::bad_request(
            "the SSZ list of transactions is empty",
        ));
    }
    if body.len() % TRANSACTION_SIZE != 0 {
        return Err(ApiError::bad_request(format!(
            "an SSZ body of {} bytes is not a whole number of {TRANSACTION_SIZE}-byte transactions",
            body.len()
        )));
    }
    let count = body.len() / TRANSACTION_SIZE;
    if count > MAX_TRANSACTIONS_PER_REQUEST {
        return Err(too_many(count));
    }
    body.chunks(TRANSACTION_SIZE)
        .enumerate()
        .map(|(index, bytes)| {
            consensus::sszx::decode::<Transaction>(bytes)
                .map_err(|e| ApiError::bad_request(format!("transaction {index}: {e}")))
        })
        .collect()
}

fn too_many(count: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("{count} transactions in one request; at most {MAX_TRANSACTIONS_PER_REQUEST}"),
    )
}

pub async fn submit<P: Preset>(
    State(state): State<ApiState<P>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let answer = async {
        let body = body.map_err(|e| ApiError::new(e.status(), e.body_text()))?;
        let transactions = parse_request(&headers, &body)?;
        let count = transactions.len();
        let senders: Vec<(Address, u64)> = transactions.iter().map(|t| (t.from, t.nonce)).collect();
        let answers = state
            .node
            .query(move |node| node.submit_transactions(transactions))
            .await
            .ok_or_else(ApiError::shutting_down)?;
        let now_ms = state.clock.now_ms();
        let mut txs = state.txs();
        for (answer, (from, nonce)) in answers.iter().zip(senders) {
            if let Ok(hash) = answer {
                txs.submitted(*hash, from, nonce, now_ms);
            }
        }
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

/// `GET /shardnode/v1/transactions/{hash}`: where a transaction this node saw went (see
/// [`transaction_status`]).
pub async fn transaction<P: Preset>(
    State(state): State<ApiState<P>>,
    Path(hash): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let hash = parse_bytes::<32>(&hash, "transaction hash")?;
    let Some(record) = state.txs().get(&hash) else {
        return Err(ApiError::not_found(format!(
            "transaction {} is not known to this node: it was not submitted here and is in no \
             shard block imported here recently (the last {TX_INDEX_CAPACITY} submitted here \
             and the last {SEEN_CAPACITY} others are remembered)",
            hex0x(&hash.0)
        )));
    };
    let data = state
        .node
        .query(move |node| transaction_status(node, &hash, &record))
        .await
        .ok_or_else(ApiError::shutting_down)?;
    Ok(Json(json!({ "data": data })))
}

/// The answer for one transaction, read from the node now:
/// - `finalized`: the block that included it is at or below its shard's finalized crosslink;
/// - `included`: that block is on its shard's canonical chain, not yet finalized;
/// - `pending`: it waits in this node's mempool (never included, or its block was orphaned);
/// - `dropped`: none of these (orphaned and gone from the mempool, or evicted).
///
/// A cross-shard transfer also says whether its receipt is credited at the destination's head.
fn transaction_status<P: Preset>(node: &Node<P>, hash: &Root, record: &TxRecord) -> Value {
    let in_mempool = |shard: Shard| {
        record.sender.is_some_and(|(from, nonce)| {
            node.shard_chain(shard)
                .and_then(|chain| chain.mempool.get(&from, nonce))
                .is_some_and(|tx| tx.root() == *hash)
        })
    };
    let home = record
        .included
        .map(|i| i.shard)
        .or_else(|| {
            let asc = node.chain_config().active_shard_count;
            record
                .sender
                .map(|(from, _)| compute_home_shard(&from, asc))
        })
        .unwrap_or_default();
    let status = match record.included {
        Some(at) => match inclusion_status(node, &at) {
            Some(status) => status,
            None if in_mempool(at.shard) => "pending",
            None => "dropped",
        },
        None if in_mempool(home) => "pending",
        None => "dropped",
    };
    let included = record.included.map(|at| {
        json!({
            "slot": at.slot.to_string(),
            "block_root": hex0x(&at.block_root.0),
        })
    });
    let cross_shard = record.receipt.map(|receipt| {
        let credited = node
            .shard_head_state(receipt.destination)
            .is_some_and(|state| state.is_receipt_credited(home, receipt.index));
        json!({
            "destination": receipt.destination.to_string(),
            "receipt_index": receipt.index.to_string(),
            "credited": credited,
        })
    });
    json!({
        "hash": hex0x(&hash.0),
        "status": status,
        "shard": home.to_string(),
        "included": included,
        "cross_shard": cross_shard,
    })
}

/// `finalized` or `included` when the block of `at` is canonical; `None` when it is not.
/// A block pruned away below the shard chain's finalized root is `finalized` if it is the
/// block finality kept at its slot, `unknown` if it is older than the chain remembers: the index
/// keeps the latest inclusion seen, which after a reorg is the block that won.
fn inclusion_status<P: Preset>(node: &Node<P>, at: &Inclusion) -> Option<&'static str> {
    let chain = node.shard_chain(at.shard)?;
    let oldest_slot = chain.entry(&chain.root()).map_or(0, |e| e.slot);
    if chain.entry(&at.block_root).is_none() {
        if at.slot > oldest_slot {
            return None;
        }
        return match chain.settled(at.slot, &at.block_root) {
            Settled::Finalized => Some("finalized"),
            Settled::NotCanonical => None,
            Settled::Unknown => Some("unknown"),
        };
    }
    if !chain.is_ancestor(&at.block_root, &chain.head_root()) {
        return None;
    }
    let finalized = node
        .finalized_shard_block(at.shard)
        .is_some_and(|(_, root)| chain.is_ancestor(&at.block_root, &root))
        || at.block_root == chain.root();
    Some(if finalized { "finalized" } else { "included" })
}
