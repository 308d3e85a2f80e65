//! Memory bounded in run length, counted (never timed, never read from RSS): what a simulated
//! node retains after many finalized epochs (blocks, transactions, states, bookkeeping, its
//! store's blocks and the observer's records) stays below a bound that does not grow with the
//! number of epochs.

mod support;

use consensus::Minimal;
use simulator::Simulation;
use support::fast;

/// What one run leaves.
struct Left {
    /// Per node: retained counts and stored (beacon, shard) blocks.
    nodes: Vec<(beacon::node::Retained, (u64, u64))>,
    /// The simulator's cross-shard accounting records.
    accounting: usize,
    /// Cross-shard receipts sent per epoch (the load the in-flight bounds scale with).
    receipts_per_epoch: usize,
}

fn retained_after(epochs: u64) -> Left {
    let mut s = fast(4, 64, epochs);
    s.workload.tps_per_shard = 40.0;
    let mut sim = Simulation::<Minimal>::new(&s).expect("scenario");
    sim.run(&mut |_| {});
    let result = sim.result();
    assert!(result.safe(), "{:?}", result.summary.safety_violations);
    assert!(
        result.summary.finalized_epoch + 3 >= epochs,
        "finality fell behind: {}",
        result.summary.finalized_epoch
    );
    let nodes = (0..4)
        .map(|i| {
            let node = sim.node(i).expect("node up");
            (node.retained(), node.store().block_counts().expect("store"))
        })
        .collect();
    Left {
        nodes,
        accounting: sim.accounting_records(),
        receipts_per_epoch: (result.summary.cross_shard_sent / epochs) as usize,
    }
}

#[test]
fn what_a_node_holds_does_not_grow_with_the_run() {
    let short = retained_after(8);
    let long = retained_after(24);
    // Receipts in flight (sent, not yet credited) are at most a few epochs of the load.
    let in_flight = 4 * short.receipts_per_epoch.max(long.receipts_per_epoch);
    assert!(short.receipts_per_epoch > 100, "the load sends receipts");
    eprintln!(
        "accounting records: 8 epochs {}, 24 epochs {}; in-flight bound {in_flight}",
        short.accounting, long.accounting
    );
    assert!(long.accounting <= 2 * in_flight, "simulator accounting");
    let pairs = short.nodes.iter().zip(long.nodes.iter());
    for (node, ((s, s_store), (l, l_store))) in pairs.enumerate() {
        eprintln!("node {node}: 8 epochs {s:?} store {s_store:?}\n        24 epochs {l:?} store {l_store:?}");
        // Three times the epochs, the same order of retained items: blocks, transactions and
        // states are those of the last few epochs only.
        let bound = |short: usize| short * 3 / 2 + 64;
        assert!(l.beacon_blocks <= bound(s.beacon_blocks), "beacon blocks");
        assert!(
            l.canonical_index <= bound(s.canonical_index),
            "canonical index"
        );
        // Roots of canonical blocks finality let go: a fixed-size memory, full after about
        // 4,096 slots (this run stays below it; the bound is the point).
        assert!(
            l.settled_beacon_roots <= beacon::node::SETTLED_BEACON_BLOCKS,
            "settled beacon roots"
        );
        assert!(
            l.fork_choice_blocks <= bound(s.fork_choice_blocks),
            "fork choice"
        );
        assert!(l.shard_entries <= bound(s.shard_entries), "shard entries");
        assert!(l.shard_states <= bound(s.shard_states), "shard states");
        assert!(
            l.shard_transactions <= bound(s.shard_transactions),
            "transactions"
        );
        assert!(
            l.crosslink_data <= bound(s.crosslink_data),
            "crosslink data"
        );
        assert!(
            l.seen_shard_blocks <= bound(s.seen_shard_blocks),
            "seen shard blocks"
        );
        // Claims are receipts crosslinked and not yet credited: how many there are depends on
        // where in its crosslink cycle the run stops, so they are bounded by the load.
        assert!(l.claimable_receipts <= in_flight, "claims");
        assert!(
            l.mempool_transactions <= bound(s.mempool_transactions),
            "mempool"
        );
        let bound64 = |short: u64| short * 3 / 2 + 64;
        assert!(l_store.0 <= bound64(s_store.0), "stored beacon blocks");
        assert!(l_store.1 <= bound64(s_store.1), "stored shard blocks");
    }
}
