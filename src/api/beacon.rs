//! `/eth/v1/beacon/...`: genesis, block headers, finality checkpoints and validators, in the
//! beacon-API's JSON shapes (`{"data": ...}`, decimal strings for integers, `0x` hex for
//! bytes). Blocks and states are those this node still holds (finality lets older ones go:
//! asking for them is a 404 that says so).
//!
//! v0.8.4 differences: a header has no `proposer_index` (v0.8.4 blocks do not carry it), and
//! a state root in a `state_id` is not indexed: a `0x` root names the block whose post-state
//! is meant.

use super::error::ApiError;
use super::ids::{hex0x, BlockId, ValidatorId};
use super::ApiState;
use axum::extract::{Path, State};
use axum::Json;
use beacon::node::Node;
use consensus::preset::FAR_FUTURE_EPOCH;
use consensus::primitives::Root;
use consensus::{BeaconState, Checkpoint, Preset, Validator};
use serde_json::{json, Value};

type Answer = Result<Json<Value>, ApiError>;

/// The block root `id` names on `node`.
fn resolve<P: Preset>(node: &Node<P>, id: BlockId) -> Result<Root, ApiError> {
    let summary = node.summary();
    let root = match id {
        BlockId::Head => summary.head_root,
        BlockId::Genesis => node.genesis_root(),
        BlockId::Finalized => summary.finalized.root,
        BlockId::Justified => summary.justified.root,
        BlockId::Slot(slot) => node.canonical_root_at(slot).ok_or_else(|| {
            ApiError::not_found(format!(
                "no canonical block at slot {slot} here (an empty slot, a future slot, or one below the finalized checkpoint that this node no longer holds)"
            ))
        })?,
        BlockId::Root(root) => root,
    };
    Ok(root)
}

/// Runs `f` on the node thread; a gone node is a 503.
async fn on_node<P: Preset, R: Send + 'static>(
    state: &ApiState<P>,
    f: impl FnOnce(&mut Node<P>) -> Result<R, ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    state
        .node
        .query(f)
        .await
        .unwrap_or_else(|| Err(ApiError::shutting_down()))
}

pub async fn genesis<P: Preset>(State(state): State<ApiState<P>>) -> Answer {
    on_node(&state, |node| {
        let genesis = node.genesis_root();
        let validators_root = node
            .block_state(&genesis)
            .map(|s| consensus::sszx::hash_tree_root(&s.validators));
        Ok(Json(json!({"data": {
            "genesis_time": node.chain_config().genesis_time.to_string(),
            "genesis_validators_root": validators_root.map(|r| hex0x(&r.0)),
            "genesis_fork_version": "0x00000000",
            "genesis_block_root": hex0x(&genesis.0),
        }})))
    })
    .await
}

pub async fn header<P: Preset>(
    State(state): State<ApiState<P>>,
    Path(block_id): Path<String>,
) -> Answer {
    let id = BlockId::parse(&block_id, "block_id")?;
    on_node(&state, move |node| {
        let root = resolve(node, id)?;
        let block = node
            .beacon_block_or_genesis(&root)
            .ok_or_else(|| not_held("block", &root))?;
        let canonical = node.canonical_root_at(block.slot) == Some(root);
        Ok(Json(json!({"data": {
            "root": hex0x(&root.0),
            "canonical": canonical,
            "header": {
                "message": {
                    "slot": block.slot.to_string(),
                    "parent_root": hex0x(&block.parent_root.0),
                    "state_root": hex0x(&block.state_root.0),
                    "body_root": hex0x(&consensus::sszx::hash_tree_root(&block.body).0),
                },
                "signature": hex0x(&block.signature.0),
            }
        }})))
    })
    .await
}

fn with_state<P: Preset, R>(
    node: &Node<P>,
    state_id: BlockId,
    f: impl FnOnce(&BeaconState<P>) -> Result<R, ApiError>,
) -> Result<R, ApiError> {
    let root = resolve(node, state_id)?;
    let state = node
        .block_state(&root)
        .ok_or_else(|| not_held("the state after block", &root))?;
    f(state)
}

/// 404 for a block (or its state) this node does not hold.
fn not_held(what: &str, root: &Root) -> ApiError {
    ApiError::not_found(format!(
        "{what} {} is not held by this node (unknown, or below the finalized checkpoint)",
        hex0x(&root.0)
    ))
}

fn checkpoint(c: &Checkpoint) -> Value {
    json!({"epoch": c.epoch.to_string(), "root": hex0x(&c.root.0)})
}

pub async fn finality_checkpoints<P: Preset>(
    State(state): State<ApiState<P>>,
    Path(state_id): Path<String>,
) -> Answer {
    let id = BlockId::parse(&state_id, "state_id")?;
    on_node(&state, move |node| {
        with_state(node, id, |s| {
            Ok(Json(json!({"data": {
                "previous_justified": checkpoint(&s.previous_justified_checkpoint),
                "current_justified": checkpoint(&s.current_justified_checkpoint),
                "finalized": checkpoint(&s.finalized_checkpoint),
            }})))
        })
    })
    .await
}

/// The beacon-API's validator status at `epoch`.
fn status(v: &Validator, epoch: u64) -> &'static str {
    if v.activation_epoch > epoch {
        if v.activation_eligibility_epoch == FAR_FUTURE_EPOCH {
            "pending_initialized"
        } else {
            "pending_queued"
        }
    } else if epoch < v.exit_epoch {
        if v.exit_epoch == FAR_FUTURE_EPOCH {
            "active_ongoing"
        } else if v.slashed {
            "active_slashed"
        } else {
            "active_exiting"
        }
    } else if epoch < v.withdrawable_epoch {
        if v.slashed {
            "exited_slashed"
        } else {
            "exited_unslashed"
        }
    } else {
        "withdrawal_possible"
    }
}

fn validator_json(index: usize, v: &Validator, balance: u64, epoch: u64) -> Value {
    json!({
        "index": index.to_string(),
        "balance": balance.to_string(),
        "status": status(v, epoch),
        "validator": {
            "pubkey": hex0x(&v.pubkey.0),
            "withdrawal_credentials": hex0x(&v.withdrawal_credentials.0),
            "effective_balance": v.effective_balance.to_string(),
            "slashed": v.slashed,
            "activation_eligibility_epoch": v.activation_eligibility_epoch.to_string(),
            "activation_epoch": v.activation_epoch.to_string(),
            "exit_epoch": v.exit_epoch.to_string(),
            "withdrawable_epoch": v.withdrawable_epoch.to_string(),
        }
    })
}

pub async fn validators<P: Preset>(
    State(state): State<ApiState<P>>,
    Path(state_id): Path<String>,
) -> Answer {
    let id = BlockId::parse(&state_id, "state_id")?;
    on_node(&state, move |node| {
        with_state(node, id, |s| {
            let epoch = consensus::accessors::get_current_epoch(s);
            let data: Vec<Value> = s
                .validators
                .iter()
                .enumerate()
                .map(|(i, v)| validator_json(i, v, s.balances.get(i).copied().unwrap_or(0), epoch))
                .collect();
            Ok(Json(json!({ "data": data })))
        })
    })
    .await
}

pub async fn validator<P: Preset>(
    State(state): State<ApiState<P>>,
    Path((state_id, validator_id)): Path<(String, String)>,
) -> Answer {
    let id = BlockId::parse(&state_id, "state_id")?;
    let who = ValidatorId::parse(&validator_id)?;
    on_node(&state, move |node| {
        with_state(node, id, |s| {
            let epoch = consensus::accessors::get_current_epoch(s);
            let index = match who {
                ValidatorId::Index(i) => {
                    usize::try_from(i).ok().filter(|i| *i < s.validators.len())
                }
                ValidatorId::Pubkey(key) => s.validators.iter().position(|v| v.pubkey.0 == key.0),
            }
            .ok_or_else(|| {
                ApiError::not_found(format!(
                    "validator {validator_id} is not in the registry of {} validators",
                    s.validators.len()
                ))
            })?;
            let v = &s.validators[index];
            let balance = s.balances.get(index).copied().unwrap_or(0);
            Ok(Json(
                json!({ "data": validator_json(index, v, balance, epoch) }),
            ))
        })
    })
    .await
}
