//! Shard block production: pick transactions (from a mempool or a given list) under the
//! configured limits, apply them to the proposer's state, and fill in the roots. The block comes
//! back unsigned; the proposer signs it with [`crate::block::sign_shard_block`].

use crate::block::{ShardBlock, ShardBlockBody, BLOCK_FIXED_SIZE};
use crate::execute::{
    apply_block_body, check_block_header, check_block_limits, BlockError, ExecutionContext,
    ExecutionOutcome,
};
use crate::mempool::Mempool;
use crate::receipt_proof::IncomingReceipt;
use crate::state::ShardState;
use crate::transaction::Transaction;
use consensus::primitives::{BlsSignatureBytes, Root, Slot, ValidatorIndex};
use ssz_rs::prelude::*;

/// What the proposer decides besides the transactions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BlockTemplate {
    pub slot: Slot,
    pub beacon_block_root: Root,
    pub proposer_index: ValidatorIndex,
    pub incoming_receipts: Vec<IncomingReceipt>,
}

/// A produced block (unsigned) and what executing it gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProducedBlock {
    pub block: ShardBlock,
    pub outcome: ExecutionOutcome,
}

/// Builds the block of `template` with `transactions` on `state` and applies it: on success
/// `state` is the block's post-state; on error it is unchanged.
pub fn produce_block_from(
    state: &mut ShardState,
    transactions: Vec<Transaction>,
    template: BlockTemplate,
    context: &ExecutionContext<'_>,
) -> Result<ProducedBlock, BlockError> {
    let count = transactions.len() as u64;
    let body = ShardBlockBody {
        transactions: List::try_from(transactions).map_err(|_| {
            BlockError::TooManyTransactions {
                count,
                max: crate::types::MAX_TRANSACTIONS_PER_BLOCK as u64,
            }
        })?,
        incoming_receipts: List::try_from(template.incoming_receipts).map_err(|_| {
            BlockError::TooManyBytes {
                size: u64::MAX,
                max: context.limits.max_bytes,
            }
        })?,
    };
    let mut block = ShardBlock {
        shard: state.shard(),
        slot: template.slot,
        parent_root: state.latest_block_root(),
        beacon_block_root: template.beacon_block_root,
        state_root: Root::zero(),
        proposer_index: template.proposer_index,
        body,
        outgoing_receipts_root: Root::zero(),
        signature: BlsSignatureBytes::zero(),
    };
    check_block_header(state, &block)?;
    check_block_limits(&block, &context.limits)?;
    let applied = apply_block_body(state, &block, context)?;
    block.state_root = applied.state_root;
    block.outgoing_receipts_root = applied.outgoing_receipts_root;
    let block_root = block.signing_root_with(&applied.body_root);
    state.set_latest_block_root(block_root);
    state.commit();
    Ok(ProducedBlock {
        block,
        outcome: ExecutionOutcome {
            block_root,
            body_root: applied.body_root,
            state_root: applied.state_root,
            outgoing_receipts: applied.outgoing_receipts,
            outgoing_receipts_root: applied.outgoing_receipts_root,
            fees_burned: applied.fees_burned,
        },
    })
}

/// `produce_block`: the best transactions of `mempool` (fee first, then nonce per sender)
/// that fit the limits of `context`, applied to `state`.
pub fn produce_block(
    state: &mut ShardState,
    mempool: &Mempool,
    template: BlockTemplate,
    context: &ExecutionContext<'_>,
) -> Result<ProducedBlock, BlockError> {
    let receipts_size = <IncomingReceipt as ssz_rs::Sized>::size_hint()
        .saturating_mul(template.incoming_receipts.len());
    let max_bytes = usize::try_from(context.limits.max_bytes).unwrap_or(usize::MAX);
    let budget = max_bytes
        .saturating_sub(BLOCK_FIXED_SIZE + 8)
        .saturating_sub(receipts_size);
    let max_transactions = usize::try_from(context.limits.max_transactions)
        .unwrap_or(usize::MAX)
        .min(crate::types::MAX_TRANSACTIONS_PER_BLOCK);
    let transactions = mempool.select(state, max_transactions, budget);
    produce_block_from(state, transactions, template, context)
}
