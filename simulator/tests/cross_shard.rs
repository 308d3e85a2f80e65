//! Cross-shard transfers are credited exactly once.

mod support;

use support::{assert_safe, fast, run, spe};

#[test]
fn cross_shard_transfers_are_credited_exactly_once() {
    let mut s = fast(8, 256, 8);
    s.workload.tps_per_shard = 50.0;
    s.workload.cross_shard = 0.3;
    let result = run("cross-shard 50 tx/s/shard, 30%", &s);
    let summary = &result.summary;
    eprintln!(
        "transactions {}, cross-shard sent {}, credited {}, uncredited early {}, latency p50 {:?} ms p99 {:?} ms",
        summary.transactions_included,
        summary.cross_shard_sent,
        summary.cross_shard_credited,
        summary.cross_shard_uncredited_early,
        summary.cross_shard_latency_ms_p50,
        summary.cross_shard_latency_ms_p99,
    );

    // The engine's checks cover double credits, credits without a send and supply.
    assert_safe("cross-shard", &result);
    assert!(
        summary.transactions_included > 0,
        "no transactions included"
    );
    assert!(summary.cross_shard_sent > 0, "no cross-shard transfer sent");
    assert!(
        summary.cross_shard_credited > 0,
        "no cross-shard transfer credited"
    );
    assert!(
        summary.cross_shard_credited <= summary.cross_shard_sent,
        "credited {} > sent {}",
        summary.cross_shard_credited,
        summary.cross_shard_sent
    );
    let per_slot_credited: u64 = result.slots.iter().map(|r| r.cross_shard_credited).sum();
    assert_eq!(
        per_slot_credited, summary.cross_shard_credited,
        "per-slot credits disagree with the total: some credit is counted twice"
    );
    assert_eq!(
        summary.cross_shard_uncredited_early,
        0,
        "transfers sent at least 3 epochs ({} slots) before the end were never credited",
        3 * spe(&s)
    );
}
