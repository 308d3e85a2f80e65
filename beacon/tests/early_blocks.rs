//! A block that reaches a node a little before its slot begins there (clocks and tick timers of
//! real nodes never agree to the millisecond) is held and imported when the slot begins; one
//! further ahead is ignored.

use beacon::node::{IgnoreReason, Input, Node, Output, Verdict};
use consensus::bls::Crypto;
use consensus::Minimal;
use networking::Topic;

mod support;

use support::SLOT_MS;

fn node(validators: std::ops::Range<u64>) -> Node<Minimal> {
    support::node(validators, Crypto::fake_for_simulation())
}

fn published_block(outputs: &[Output]) -> Option<beacon::node::Bytes> {
    outputs.iter().find_map(|o| match o {
        Output::Publish {
            topic: Topic::BeaconBlock,
            bytes,
        } => Some(bytes.clone()),
        _ => None,
    })
}

fn verdict(outputs: &[Output]) -> Option<Verdict> {
    outputs.iter().find_map(|o| match o {
        Output::Verdict { verdict, .. } => Some(verdict.clone()),
        _ => None,
    })
}

#[test]
fn an_early_block_is_held_and_imported_when_its_slot_begins() {
    let mut proposer = node(0..64);
    let mut peer = node(0..0);
    let _ = peer.handle(Input::Tick { now_ms: 0 });
    // The proposer's clock is at slot 1; the peer's last tick was 300 ms before it.
    let outputs = proposer.handle(Input::Tick { now_ms: SLOT_MS });
    let bytes = published_block(&outputs).expect("a block for slot 1");
    let _ = peer.handle(Input::Tick {
        now_ms: SLOT_MS - 300,
    });
    let outputs = peer.handle(Input::Gossip {
        from: 1,
        topic: Topic::BeaconBlock,
        bytes: bytes.clone(),
        message: 7,
    });
    assert!(matches!(
        verdict(&outputs),
        Some(Verdict::Ignore(IgnoreReason::FutureSlot { slot: 1, .. }))
    ));
    assert_eq!(peer.status().head_slot, 0);
    // Its slot begins: the held block is imported.
    let _ = peer.handle(Input::Tick { now_ms: SLOT_MS });
    assert_eq!(peer.status().head_slot, 1);
    assert_eq!(peer.status().head_root, proposer.status().head_root);
}

#[test]
fn a_block_far_ahead_is_ignored_and_not_held() {
    let mut proposer = node(0..64);
    let mut peer = node(0..0);
    let outputs = proposer.handle(Input::Tick { now_ms: SLOT_MS });
    let bytes = published_block(&outputs).expect("a block for slot 1");
    // The peer is 800 ms before slot 1: more than the allowance (500 ms, at most half a slot).
    let _ = peer.handle(Input::Tick {
        now_ms: SLOT_MS - 800,
    });
    let outputs = peer.handle(Input::Gossip {
        from: 1,
        topic: Topic::BeaconBlock,
        bytes,
        message: 8,
    });
    assert!(matches!(
        verdict(&outputs),
        Some(Verdict::Ignore(IgnoreReason::FutureSlot { .. }))
    ));
    let _ = peer.handle(Input::Tick { now_ms: SLOT_MS });
    assert_eq!(peer.status().head_slot, 0);
}
