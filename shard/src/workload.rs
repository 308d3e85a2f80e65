//! Workloads for tests and benchmarks: signed transfers between genesis accounts, and blocks
//! built from them.

use crate::block::ShardBlock;
use crate::execute::{BlockError, ExecutionContext};
use crate::produce::{produce_block_from, BlockTemplate};
use crate::receipt_proof::NoCrosslinks;
use crate::state::ShardState;
use crate::transaction::{address_of, Transaction};
use crate::types::Address;
use consensus::primitives::Slot;
use ed25519_dalek::SigningKey;

/// `count` simple transfers on `state`'s shard: sender `keys[i % k]` pays 1 (fee 1) to the
/// next key's address, nonces continuing from the state. `sign` signs them (benchmarks of
/// unsigned execution can skip the cost).
pub fn build_simple_transfers(
    state: &ShardState,
    keys: &[SigningKey],
    count: usize,
    sign: bool,
) -> Vec<Transaction> {
    let addresses: Vec<Address> = keys.iter().map(address_of).collect();
    let mut nonces: Vec<u64> = addresses
        .iter()
        .map(|a| state.account_or_default(a).nonce)
        .collect();
    let k = keys.len();
    let mut transactions = Vec::with_capacity(if k == 0 { 0 } else { count });
    for i in 0..count {
        if k == 0 {
            break;
        }
        let from = i % k;
        let to = (i + 1) % k;
        let tx = Transaction::unsigned(addresses[from], addresses[to], 1, 1, nonces[from]);
        nonces[from] += 1;
        transactions.push(if sign { tx.sign(&keys[from]) } else { tx });
    }
    transactions
}

/// The block at `slot` carrying `transactions` on a copy of `state`, with its roots filled in
/// (unsigned; no signature check while building).
pub fn build_block(
    state: &ShardState,
    transactions: Vec<Transaction>,
    slot: Slot,
) -> Result<ShardBlock, BlockError> {
    let mut scratch = state.clone();
    let template = BlockTemplate {
        slot,
        ..BlockTemplate::default()
    };
    produce_block_from(
        &mut scratch,
        transactions,
        template,
        &ExecutionContext::new(false, &NoCrosslinks),
    )
    .map(|produced| produced.block)
}
