//! Design D7: a chain with fewer active shards than slots per epoch (down to one shard)
//! finalizes, crosslinks every active shard and credits cross-shard transfers.

mod support;

use support::{assert_safe, fast, run};

#[test]
fn one_and_two_shards_finalize_and_crosslink_every_shard() {
    for active in [1u64, 2] {
        let mut s = fast(4, 256, 6);
        s.active_shards = active;
        s.workload.cross_shard = if active > 1 { 0.2 } else { 0.0 };
        let label = format!("{active} active shard(s)");
        let result = run(&label, &s);
        let summary = &result.summary;
        assert_safe(&label, &result);
        assert!(
            summary.finalized_epoch >= 3,
            "{label}: finalized only epoch {}",
            summary.finalized_epoch
        );
        assert_eq!(
            summary.crosslinks_per_shard.len() as u64,
            active,
            "{label}: one crosslink count per active shard"
        );
        for (shard, &count) in summary.crosslinks_per_shard.iter().enumerate() {
            assert!(
                count >= 4,
                "{label}: shard {shard} crosslinked {count} times"
            );
        }
        assert!(
            summary.transactions_included > 0,
            "{label}: no transactions"
        );
        if active > 1 {
            assert!(
                summary.cross_shard_credited > 0,
                "{label}: no cross-shard transfer credited"
            );
        }
    }
}
