//! Gossip relaying: a mesh of degree D forwards what each node accepts; copies a node has seen
//! are suppressed before reaching it; every honest node still receives everything.

mod support;

use support::{assert_safe, fast, run};

#[test]
fn relayed_gossip_reaches_every_node_and_duplicates_are_suppressed() {
    let mut s = fast(12, 384, 5);
    s.network.gossip.relay = true;
    s.network.gossip.degree = 4;
    let relayed = run("12 nodes, mesh degree 4", &s);
    assert_safe("relay", &relayed);
    let summary = &relayed.summary;
    assert!(
        summary.duplicates_suppressed > 0,
        "a mesh delivers copies twice"
    );
    assert_eq!(summary.missed_beacon_slots, 0);
    assert!(
        summary.finalized_epoch >= 2,
        "finalized {}",
        summary.finalized_epoch
    );
    let last = summary.slots_run - 1;
    for (i, node) in relayed.nodes.iter().enumerate() {
        assert!(
            node.final_head_slot.is_some_and(|h| h + 1 >= last),
            "node {i} is behind: head {:?} of {last}",
            node.final_head_slot
        );
        assert!(
            node.final_finalized_epoch == Some(summary.finalized_epoch),
            "node {i} finalized {:?}, observer {}",
            node.final_finalized_epoch,
            summary.finalized_epoch
        );
    }

    // Without relaying, nothing is a duplicate: each publisher reaches everyone directly.
    s.network.gossip.relay = false;
    let direct = run("12 nodes, direct", &s);
    assert_eq!(direct.summary.duplicates_suppressed, 0);

    // Network duplication on top of relaying: more copies, all suppressed, same outcome.
    s.network.gossip.relay = true;
    s.network.gossip.duplication = 0.2;
    let duplicated = run("relay with 20 % duplication", &s);
    assert_safe("duplication", &duplicated);
    assert!(duplicated.summary.duplicates_suppressed > summary.duplicates_suppressed);
    assert_eq!(duplicated.summary.missed_beacon_slots, 0);
}
