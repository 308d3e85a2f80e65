//! Executing many shards' blocks at once on a rayon thread pool (design 3.2 and 4).
//!
//! Each shard's state is touched by one task only, tasks share nothing mutable, and results
//! come back in shard order, so the outcome is identical for any thread count; cross-shard
//! receipts are merged afterwards in (destination, source, index) order.

use crate::block::ShardBlock;
use crate::execute::{execute_block_with, BlockError, ExecutionContext, ExecutionOutcome};
use crate::receipt::Receipt;
use crate::state::ShardState;
use crate::types::compute_home_shard;
use consensus::primitives::Shard;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// A pool of `threads` workers (at least one).
pub fn build_thread_pool(threads: usize) -> Result<rayon::ThreadPool, rayon::ThreadPoolBuildError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .build()
}

/// Executes `blocks[i]` on `states[i]` for every `i`, in parallel on `pool`. Pairs beyond the
/// shorter slice are ignored. A failing block leaves its state unchanged.
pub fn execute_shards_parallel(
    pool: &rayon::ThreadPool,
    states: &mut [ShardState],
    blocks: &[ShardBlock],
    context: &ExecutionContext<'_>,
) -> Vec<Result<ExecutionOutcome, BlockError>> {
    pool.install(|| {
        states
            .par_iter_mut()
            .zip(blocks.par_iter())
            .map(|(state, block)| execute_block_with(state, block, context))
            .collect()
    })
}

/// Executes the chain `chains[i]` (blocks in order) on `states[i]`, shards in parallel. Each
/// shard stops at its first failing block: its result is that block's position and error.
pub fn execute_chains_parallel(
    pool: &rayon::ThreadPool,
    states: &mut [ShardState],
    chains: &[Vec<ShardBlock>],
    context: &ExecutionContext<'_>,
) -> Vec<Result<Vec<ExecutionOutcome>, (usize, BlockError)>> {
    pool.install(|| {
        states
            .par_iter_mut()
            .zip(chains.par_iter())
            .map(|(state, chain)| {
                chain
                    .iter()
                    .enumerate()
                    .map(|(i, block)| execute_block_with(state, block, context).map_err(|e| (i, e)))
                    .collect()
            })
            .collect()
    })
}

/// Groups receipts by destination shard, each group in (source shard, index) order.
pub fn route_receipts<'a>(
    receipts: impl IntoIterator<Item = &'a Receipt>,
    active_shard_count: u64,
) -> BTreeMap<Shard, Vec<Receipt>> {
    let mut routed: BTreeMap<Shard, Vec<Receipt>> = BTreeMap::new();
    for receipt in receipts {
        routed
            .entry(compute_home_shard(&receipt.to, active_shard_count))
            .or_default()
            .push(receipt.clone());
    }
    for group in routed.values_mut() {
        group.sort_by_key(|r| (r.source_shard, r.index));
    }
    routed
}
