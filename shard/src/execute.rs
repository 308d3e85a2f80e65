//! Shard block execution: header checks, one signature batch, incoming receipts, transactions,
//! outgoing receipts, and the state root check. A block that fails leaves the state untouched.

use crate::block::ShardBlock;
use crate::receipt::{compute_outgoing_receipts_root, Receipt};
use crate::receipt_proof::{
    verify_receipt_proof, CrosslinkOracle, IncomingReceipt, NoCrosslinks, ReceiptError,
};
use crate::signatures::{verify_transaction_signatures, SignatureBatchError};
use crate::state::{ReceiptOrder, ShardState, StateError};
use crate::transaction::Transaction;
use crate::types::compute_home_shard;
use crate::validity::{check_transaction, TransactionError};
use consensus::primitives::{Root, Shard, Slot};
use consensus::ChainConfig;

/// Why a shard block is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    #[error("check_block_header: block is for shard {block}, state is shard {state}")]
    WrongShard { block: Shard, state: Shard },
    #[error("check_block_header: slot {slot} is not after the parent's slot {parent_slot}")]
    SlotNotAfterParent { slot: Slot, parent_slot: Slot },
    #[error("check_block_header: parent_root {got} is not the head {expected}")]
    WrongParent { expected: Root, got: Root },
    #[error("check_block_limits: {count} transactions, at most {max}")]
    TooManyTransactions { count: u64, max: u64 },
    #[error("check_block_limits: {size} bytes, at most {max}")]
    TooManyBytes { size: u64, max: u64 },
    #[error(transparent)]
    Signatures(#[from] SignatureBatchError),
    #[error("process_transaction {position}: {error}")]
    Transaction {
        position: usize,
        #[source]
        error: TransactionError,
    },
    #[error("process_incoming_receipt {position}: {error}")]
    Receipt {
        position: usize,
        #[source]
        error: ReceiptError,
    },
    #[error(transparent)]
    State(#[from] StateError),
    #[error("check_state_root: block says {expected}, execution gives {computed}")]
    StateRootMismatch { expected: Root, computed: Root },
    #[error("check_outgoing_receipts_root: block says {expected}, execution gives {computed}")]
    OutgoingReceiptsRootMismatch { expected: Root, computed: Root },
    #[error("check_proposer: proposer_index {got}, expected {expected}")]
    WrongProposer { expected: u64, got: u64 },
    #[error(transparent)]
    ProposerSignature(#[from] crate::block::ProposerSignatureError),
}

/// The configured limits of a block (design: `shard_block_max_transactions` / `_max_bytes`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockLimits {
    pub max_transactions: u64,
    pub max_bytes: u64,
}

impl BlockLimits {
    pub fn from_config(config: &ChainConfig) -> Self {
        Self {
            max_transactions: config.shard_block_max_transactions,
            max_bytes: config.shard_block_max_bytes,
        }
    }

    /// Only the SSZ list limits.
    pub fn unlimited() -> Self {
        Self {
            max_transactions: u64::MAX,
            max_bytes: u64::MAX,
        }
    }
}

impl Default for BlockLimits {
    fn default() -> Self {
        Self::unlimited()
    }
}

/// What execution needs besides the state and the block.
#[derive(Clone, Copy)]
pub struct ExecutionContext<'a> {
    /// Check the batch of transaction signatures (benchmarks and trusted replays may skip it).
    pub verify_signatures: bool,
    /// Crosslink data roots incoming receipts may be proven against.
    pub crosslinks: &'a dyn CrosslinkOracle,
    pub limits: BlockLimits,
    /// The block's body root when the caller already computed it (for the proposer's
    /// signature): execution then does not hash the transactions again. Only used when
    /// signatures are not checked here (they need the signing roots anyway).
    pub body_root: Option<Root>,
}

impl<'a> ExecutionContext<'a> {
    pub fn new(verify_signatures: bool, crosslinks: &'a dyn CrosslinkOracle) -> Self {
        Self {
            verify_signatures,
            crosslinks,
            limits: BlockLimits::unlimited(),
            body_root: None,
        }
    }
}

/// The result of executing a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutionOutcome {
    pub block_root: Root,
    pub body_root: Root,
    pub state_root: Root,
    pub outgoing_receipts: Vec<Receipt>,
    pub outgoing_receipts_root: Root,
    pub fees_burned: u64,
}

/// `check_block_header`: shard, slot after the head's, parent is the head.
pub fn check_block_header(state: &ShardState, block: &ShardBlock) -> Result<(), BlockError> {
    if block.shard != state.shard() {
        return Err(BlockError::WrongShard {
            block: block.shard,
            state: state.shard(),
        });
    }
    if block.slot <= state.slot() {
        return Err(BlockError::SlotNotAfterParent {
            slot: block.slot,
            parent_slot: state.slot(),
        });
    }
    if block.parent_root != state.latest_block_root() {
        return Err(BlockError::WrongParent {
            expected: state.latest_block_root(),
            got: block.parent_root,
        });
    }
    Ok(())
}

/// `check_block_limits`: the configured transaction count and encoded size.
pub fn check_block_limits(block: &ShardBlock, limits: &BlockLimits) -> Result<(), BlockError> {
    let count = block.body.transactions.len() as u64;
    if count > limits.max_transactions {
        return Err(BlockError::TooManyTransactions {
            count,
            max: limits.max_transactions,
        });
    }
    let size = block.encoded_len() as u64;
    if size > limits.max_bytes {
        return Err(BlockError::TooManyBytes {
            size,
            max: limits.max_bytes,
        });
    }
    Ok(())
}

/// `process_transaction`: debit `amount + fee` from the sender, bump its nonce, burn the fee,
/// and credit `to` here or emit a receipt for its home shard. (Alone, a rule failure reports
/// position 0; inside a block it reports the transaction's position.) Signatures are checked
/// by the block's batch, not here.
pub fn process_transaction(
    state: &mut ShardState,
    tx: &Transaction,
    outgoing: &mut Vec<Receipt>,
) -> Result<(), BlockError> {
    process_transaction_inner(state, tx, Slots::default(), outgoing).map_err(|e| match e {
        Failure::Rule(error) => BlockError::Transaction { position: 0, error },
        Failure::State(e) => BlockError::State(e),
    })
}

enum Failure {
    Rule(TransactionError),
    State(StateError),
}

impl From<StateError> for Failure {
    fn from(e: StateError) -> Self {
        Failure::State(e)
    }
}

/// Account indices of a transaction's sender and (local) recipient found before execution.
/// Accounts are never removed or moved while a block executes, so an index found stays valid;
/// `None` is looked up again (an earlier transaction of the block may have created the account).
#[derive(Clone, Copy, Default)]
struct Slots {
    from: Option<u32>,
    to: Option<u32>,
}

impl Slots {
    fn find(state: &ShardState, tx: &Transaction) -> Self {
        Self {
            from: state.index_of(&tx.from),
            to: if state.is_home_of(&tx.to) {
                state.index_of(&tx.to)
            } else {
                None
            },
        }
    }
}

fn process_transaction_inner(
    state: &mut ShardState,
    tx: &Transaction,
    slots: Slots,
    outgoing: &mut Vec<Receipt>,
) -> Result<(), Failure> {
    let shard = state.shard();
    let asc = state.active_shard_count();
    let sender_index = slots.from.or_else(|| state.index_of(&tx.from));
    let sender = sender_index
        .and_then(|i| state.account_at(i))
        .unwrap_or_default();
    let total = check_transaction(tx, &sender, shard, asc).map_err(Failure::Rule)?;
    // check_transaction refuses an empty sender (zero balance, positive cost), so the index
    // exists here; stay total anyway.
    let Some(sender_index) = sender_index else {
        return Err(Failure::Rule(TransactionError::InsufficientBalance {
            from: tx.from,
            balance: 0,
            needed: total,
        }));
    };
    let debited = crate::account::Account {
        balance: sender.balance - total,
        nonce: sender.nonce + 1,
    };
    state.set_account(sender_index, debited);
    state.burn_fee(tx.fee)?;
    if compute_home_shard(&tx.to, asc) == shard {
        match slots.to.or_else(|| state.index_of(&tx.to)) {
            Some(index) => state.credit_index(index, &tx.to, tx.amount)?,
            None => state.credit(&tx.to, tx.amount)?,
        }
    } else {
        let index = state.take_receipt_index(compute_home_shard(&tx.to, asc))?;
        outgoing.push(Receipt {
            source_shard: shard,
            index,
            to: tx.to,
            amount: tx.amount,
        });
        state.add_receipt_sent(tx.amount)?;
    }
    Ok(())
}

fn receipt_failure(position: usize, error: ReceiptError) -> BlockError {
    BlockError::Receipt { position, error }
}

/// `process_incoming_receipt`: the receipt pays an account of this shard, its proof reaches a
/// recorded crosslink, and it is the next receipt from its source shard to credit (receipts of
/// a (source, destination) pair are numbered from 0 and credited in that order, so one credited
/// before is refused); then credit `to` and count it.
/// `position` is the receipt's place in the block, for the error.
pub fn process_incoming_receipt(
    state: &mut ShardState,
    position: usize,
    incoming: &IncomingReceipt,
    crosslinks: &dyn CrosslinkOracle,
) -> Result<(), BlockError> {
    let receipt = &incoming.receipt;
    let home = compute_home_shard(&receipt.to, state.active_shard_count());
    if home != state.shard() {
        return Err(receipt_failure(
            position,
            ReceiptError::NotForThisShard {
                source_shard: receipt.source_shard,
                index: receipt.index,
                to: receipt.to,
                home,
                shard: state.shard(),
            },
        ));
    }
    verify_receipt_proof(incoming, crosslinks).map_err(|e| receipt_failure(position, e))?;
    if let Err(order) = state.credit_receipt_index(receipt.source_shard, receipt.index)? {
        let (source_shard, index) = (receipt.source_shard, receipt.index);
        let error = match order {
            ReceiptOrder::AlreadyCredited { expected } => ReceiptError::AlreadyCredited {
                source_shard,
                index,
                expected,
            },
            ReceiptOrder::Gap { expected } => ReceiptError::OutOfOrder {
                source_shard,
                index,
                expected,
            },
        };
        return Err(receipt_failure(position, error));
    }
    state.credit(&receipt.to, receipt.amount)?;
    state.add_receipt_credited(receipt.amount)?;
    Ok(())
}

/// What applying a body computed (the state is left journaled: commit or roll back).
pub(crate) struct Applied {
    pub state_root: Root,
    pub body_root: Root,
    pub outgoing_receipts: Vec<Receipt>,
    pub outgoing_receipts_root: Root,
    pub fees_burned: u64,
}

/// Applies the body of `block` at its slot; on error the state is rolled back.
pub(crate) fn apply_block_body(
    state: &mut ShardState,
    block: &ShardBlock,
    context: &ExecutionContext<'_>,
) -> Result<Applied, BlockError> {
    state.begin();
    let result = apply_block_body_journaled(state, block, context);
    if result.is_err() {
        state.rollback();
    }
    result
}

fn apply_block_body_journaled(
    state: &mut ShardState,
    block: &ShardBlock,
    context: &ExecutionContext<'_>,
) -> Result<Applied, BlockError> {
    let transactions = &block.body.transactions;
    let burned_before = state.burned_fees();
    state.set_slot(block.slot);
    for (position, incoming) in block.body.incoming_receipts.iter().enumerate() {
        process_incoming_receipt(state, position, incoming, context.crosslinks)?;
    }
    // One pass hashes the transactions and looks their accounts up: the lookups' cache misses
    // overlap the hashing, and execution below reuses the indices.
    let mut transaction_roots: Vec<[u8; 32]> = Vec::with_capacity(transactions.len());
    let mut slots: Vec<Slots> = Vec::with_capacity(transactions.len());
    if context.verify_signatures {
        let mut signing_roots: Vec<Root> = Vec::with_capacity(transactions.len());
        for tx in transactions.iter() {
            slots.push(Slots::find(state, tx));
            let roots = tx.roots();
            signing_roots.push(roots.signing_root);
            transaction_roots.push(roots.hash_tree_root.0);
        }
        verify_transaction_signatures(state, transactions, &signing_roots)?;
    } else if context.body_root.is_some() {
        for tx in transactions.iter() {
            slots.push(Slots::find(state, tx));
        }
    } else {
        for tx in transactions.iter() {
            slots.push(Slots::find(state, tx));
            transaction_roots.push(tx.root().0);
        }
    }
    let mut outgoing = Vec::new();
    for (position, (tx, slots)) in transactions.iter().zip(slots).enumerate() {
        process_transaction_inner(state, tx, slots, &mut outgoing).map_err(|e| match e {
            Failure::Rule(error) => BlockError::Transaction { position, error },
            Failure::State(e) => BlockError::State(e),
        })?;
    }
    let outgoing_receipts_root = compute_outgoing_receipts_root(&outgoing);
    let body_root = match context.body_root {
        Some(root) if !context.verify_signatures => root,
        _ => block.body.root_with(&transaction_roots),
    };
    let state_root = state.state_root();
    Ok(Applied {
        state_root,
        body_root,
        outgoing_receipts: outgoing,
        outgoing_receipts_root,
        fees_burned: state.burned_fees().saturating_sub(burned_before),
    })
}

/// `execute_block(state, block, verify_signatures)` with no known crosslinks (a block with
/// incoming receipts is refused) and only the SSZ limits.
pub fn execute_block(
    state: &mut ShardState,
    block: &ShardBlock,
    verify_signatures: bool,
) -> Result<ExecutionOutcome, BlockError> {
    execute_block_with(
        state,
        block,
        &ExecutionContext::new(verify_signatures, &NoCrosslinks),
    )
}

/// Validates and applies `block` (everything but the proposer: see
/// [`crate::process::process_shard_block`]). On error the state is unchanged.
pub fn execute_block_with(
    state: &mut ShardState,
    block: &ShardBlock,
    context: &ExecutionContext<'_>,
) -> Result<ExecutionOutcome, BlockError> {
    check_block_header(state, block)?;
    check_block_limits(block, &context.limits)?;
    let applied = apply_block_body(state, block, context)?;
    if applied.state_root != block.state_root {
        state.rollback();
        return Err(BlockError::StateRootMismatch {
            expected: block.state_root,
            computed: applied.state_root,
        });
    }
    if applied.outgoing_receipts_root != block.outgoing_receipts_root {
        state.rollback();
        return Err(BlockError::OutgoingReceiptsRootMismatch {
            expected: block.outgoing_receipts_root,
            computed: applied.outgoing_receipts_root,
        });
    }
    let block_root = block.signing_root_with(&applied.body_root);
    state.set_latest_block_root(block_root);
    state.commit();
    Ok(ExecutionOutcome {
        block_root,
        body_root: applied.body_root,
        state_root: applied.state_root,
        outgoing_receipts: applied.outgoing_receipts,
        outgoing_receipts_root: applied.outgoing_receipts_root,
        fees_burned: applied.fees_burned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::genesis::{genesis_keys, genesis_state, GenesisAccounts};
    use crate::transaction::address_of;
    use crate::workload::build_block;
    use ed25519_dalek::SigningKey;

    /// Accounts created inside a block (not found by the lookup pass) are found again when a
    /// later transaction of the same block pays them or spends from them; a failing block
    /// removes them.
    #[test]
    fn accounts_created_in_a_block_are_reused_and_rolled_back() {
        let accounts = GenesisAccounts {
            accounts_per_shard: 2,
            balance: 1_000,
        };
        let mut state = genesis_state(0, 1, &accounts).unwrap();
        let keys = genesis_keys(0, 1, 2).unwrap();
        let (a, b) = (&keys[0].1, &keys[1].1);
        let fresh = SigningKey::from_bytes(&[7u8; 32]);
        let n = address_of(&fresh);
        let txs = vec![
            Transaction::signed_transfer(a, n, 100, 1, 0),
            Transaction::signed_transfer(b, n, 50, 1, 0),
            Transaction::signed_transfer(&fresh, address_of(a), 30, 1, 0),
            Transaction::signed_transfer(a, n, 1, 1, 1),
        ];
        let block = build_block(&state, txs, 1).unwrap();
        execute_block(&mut state, &block, true).unwrap();
        assert_eq!(state.account_count(), 3);
        assert_eq!(state.account_or_default(&address_of(a)).balance, 927);
        assert_eq!(state.account_or_default(&address_of(b)).balance, 949);
        let created = state.account(&n).unwrap();
        assert_eq!((created.balance, created.nonce), (120, 1));
        assert_eq!(state.state_root(), state.recompute_root());

        let root = state.state_root();
        let other = address_of(&SigningKey::from_bytes(&[8u8; 32]));
        let txs = vec![
            Transaction::signed_transfer(&fresh, other, 5, 1, 1),
            Transaction::signed_transfer(&fresh, other, 5, 1, 2),
        ];
        let mut block = build_block(&state, txs, 2).unwrap();
        let mut bad = block.body.transactions[1].clone();
        bad.nonce = 9;
        block.body.transactions[1] = bad.sign(&fresh);
        assert!(matches!(
            execute_block(&mut state, &block, true),
            Err(BlockError::Transaction { position: 1, .. })
        ));
        assert!(state.account(&other).is_none());
        assert_eq!(state.account_count(), 3);
        assert_eq!(state.state_root(), root);
        assert_eq!(state.recompute_root(), root);
    }
}
