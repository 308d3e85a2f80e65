//! 30 % message loss (the faults page's seed 3): a node that missed a fork's beacon block
//! while catching up on a shard by range asks for it, so its shard chain rejoins the others
//! and every receipt the observer's destination chains credit was sent on its source chain.
//! Before the fix this run broke the receipt check 491 times (node 0 kept a 17-block fork of
//! shard 4 while the others had 50 to 59 blocks).

mod support;

use simulator::latency::LatencyModel;
use support::{assert_safe, fast, run};

#[test]
fn thirty_percent_loss_keeps_receipts_consistent() {
    let mut s = fast(4, 256, 10);
    s.seed = 3;
    s.workload.tps_per_shard = 50.0;
    s.network.loss = 0.3;
    s.network.jitter_ms = 10.0;
    s.network.latency = LatencyModel::Uniform {
        min_ms: 20.0,
        max_ms: 80.0,
    };
    let result = run("30 % loss, seed 3", &s);
    assert_safe("30 % loss, seed 3", &result);
    assert!(result.summary.cross_shard_credited > 0);
    assert!(result.summary.finalized_epoch >= 6, "{:?}", result.summary);
}
