//! Shards execute in parallel with results independent of the thread count.

mod support;

use shard::execute::ExecutionContext;
use shard::workload::{build_block, build_simple_transfers};
use shard::{build_thread_pool, execute_chains_parallel, NoCrosslinks, ShardBlock, Transaction};
use support::*;

#[test]
fn one_and_four_threads_give_identical_results() {
    let keys = keys();
    let world = World::new();
    // Three blocks per shard, with cross-shard transfers mixed in.
    let mut chains: Vec<Vec<ShardBlock>> = Vec::new();
    for shard in 0..SHARDS as usize {
        let mut state = world.states[shard].clone();
        let mut chain = Vec::new();
        for slot in 1..=3u64 {
            let mut txs = build_simple_transfers(&state, &keys[shard], 20, true);
            let sender = &keys[shard][slot as usize % 6];
            let nonce = state
                .account(&shard::transaction::address_of(sender))
                .unwrap()
                .nonce
                + txs
                    .iter()
                    .filter(|t| t.from == shard::transaction::address_of(sender))
                    .count() as u64;
            let remote = shard::transaction::address_of(&keys[(shard + 1) % 4][0]);
            txs.push(Transaction::signed_transfer(sender, remote, 9, 2, nonce));
            let block = build_block(&state, txs, slot).unwrap();
            shard::execute_block(&mut state, &block, false).unwrap();
            chain.push(block);
        }
        chains.push(chain);
    }
    let context = ExecutionContext::new(true, &NoCrosslinks);
    let mut results = Vec::new();
    for threads in [1, 4] {
        let pool = build_thread_pool(threads).unwrap();
        let mut states = world.states.clone();
        let outcomes = execute_chains_parallel(&pool, &mut states, &chains, &context);
        let roots: Vec<_> = states.iter_mut().map(|s| s.state_root()).collect();
        for outcome in &outcomes {
            assert!(outcome.is_ok(), "{outcome:?}");
        }
        results.push((outcomes, roots));
    }
    assert_eq!(results[0], results[1]);
    let receipts: Vec<_> = results[0]
        .0
        .iter()
        .flat_map(|r| r.as_ref().unwrap().iter())
        .flat_map(|o| o.outgoing_receipts.iter())
        .collect();
    assert_eq!(receipts.len(), 12);
    let routed = shard::parallel::route_receipts(receipts, SHARDS);
    assert_eq!(routed.len(), 4);
}
