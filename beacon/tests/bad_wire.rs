//! Bad bytes from a peer, at the node's boundary (`Node::handle`): every gossip topic answers
//! garbage with a typed rejection naming the rule, per-topic checks reject what belongs
//! elsewhere, an attestation that fits no committee is rejected by an attestation rule, and bad requests and
//! responses are reported as the peer's misbehaviour. Nothing panics and nothing is kept.

mod support;

use beacon::node::errors::Misbehaviour;
use beacon::node::verdict::{RejectReason, Verdict};
use beacon::node::{Event, Input, Node, Output};
use consensus::bls::Crypto;
use consensus::{CommitteeBits, Minimal};
use networking::rpc::Protocol;
use networking::{GossipMessage, Status, Topic, TransactionBatch, WireError};

fn verdict(node: &mut Node<Minimal>, topic: Topic, bytes: Vec<u8>) -> Verdict {
    node.handle(Input::Gossip {
        from: 1,
        topic,
        bytes: bytes.into(),
        message: 5,
    })
    .into_iter()
    .find_map(|o| match o {
        Output::Verdict { verdict, .. } => Some(verdict),
        _ => None,
    })
    .expect("one verdict per message")
}

/// Connects `peer` and returns the id of the status request the node sends it.
fn status_request(node: &mut Node<Minimal>, peer: u64) -> u64 {
    node.handle(Input::PeerConnected(peer))
        .into_iter()
        .find_map(|o| match o {
            Output::SendRequest { id, to, .. } if to == peer => Some(id),
            _ => None,
        })
        .expect("a status request")
}

fn misbehaviour(outputs: Vec<Output>) -> Option<Misbehaviour> {
    outputs.into_iter().find_map(|o| match o {
        Output::Event(Event::PeerMisbehaved { reason, .. }) => Some(reason),
        _ => None,
    })
}

#[test]
fn garbage_on_every_topic_is_rejected_by_its_decoder() {
    let mut node = support::node(0..4, Crypto::Fake);
    let topics = [
        Topic::BeaconBlock,
        Topic::BeaconAttestation(1),
        Topic::BeaconAggregate,
        Topic::ShardBlock(1),
        Topic::ShardTransaction(1),
        Topic::VoluntaryExit,
        Topic::ProposerSlashing,
        Topic::AttesterSlashing,
    ];
    for topic in topics {
        for bytes in [vec![], vec![0xff; 40], vec![0x05, 0, 1, 2, 3, 4]] {
            match verdict(&mut node, topic, bytes.clone()) {
                Verdict::Reject(RejectReason::Decode(_)) => {}
                other => panic!("{topic} {bytes:?}: {other:?}"),
            }
        }
    }
}

#[test]
fn messages_that_belong_elsewhere_are_rejected_by_the_topic_rule() {
    let mut node = support::node(0..4, Crypto::Fake);
    let empty = GossipMessage::Transactions(Box::default())
        .encode()
        .expect("encodes");
    assert!(matches!(
        verdict(&mut node, Topic::ShardTransaction(1), empty),
        Verdict::Reject(RejectReason::Decode(WireError::EmptyTransactionBatch))
    ));
    // A shard-0 transaction (its sender's address is on shard 0) on shard 1's topic.
    let keys = shard::genesis::genesis_keys(0, 8, 2).expect("keys");
    let tx = shard::Transaction::signed_transfer(
        &keys[0].1,
        shard::transaction::address_of(&keys[1].1),
        1,
        1,
        0,
    );
    let batch = TransactionBatch {
        transactions: vec![tx].try_into().expect("one fits"),
    };
    let bytes = GossipMessage::Transactions(Box::new(batch))
        .encode()
        .expect("encodes");
    assert!(matches!(
        verdict(&mut node, Topic::ShardTransaction(1), bytes),
        Verdict::Reject(RejectReason::Decode(
            WireError::TransactionOfOtherShard { .. }
        ))
    ));
}

#[test]
fn an_attestation_that_does_not_fit_its_committee_is_rejected_by_an_attestation_rule() {
    let mut node = support::node(0..4, Crypto::Real);
    let mut attestation = consensus::Attestation::default();
    attestation.data.target.root = node.genesis_root();
    attestation.data.beacon_block_root = node.genesis_root();
    attestation.aggregation_bits = CommitteeBits::try_from(&[true; 8][..]).expect("bits");
    attestation.custody_bits = CommitteeBits::try_from(&[false; 8][..]).expect("bits");
    let message = GossipMessage::Attestation(Box::new(attestation));
    let topic = message.topic(8);
    let v = verdict(&mut node, topic, message.encode().expect("encodes"));
    assert!(
        matches!(v, Verdict::Reject(RejectReason::Attestation(_))),
        "{v:?}"
    );
}

#[test]
fn bad_requests_and_responses_are_the_peers_misbehaviour() {
    let mut node = support::node(0..4, Crypto::Fake);
    for protocol in Protocol::ALL {
        let reason = misbehaviour(node.handle(Input::Request {
            from: 3,
            id: 1,
            protocol,
            bytes: vec![0xff; 9].into(),
        }));
        assert!(
            matches!(reason, Some(Misbehaviour::BadRequest { .. })),
            "{protocol:?}: {reason:?}"
        );
    }
    // A status request from another chain: answered, but reported and not recorded.
    let other_status = Status {
        genesis_root: consensus::primitives::Root::new([9; 32]),
        head_slot: 1_000_000,
        ..Status::default()
    };
    let outputs = node.handle(Input::Request {
        from: 6,
        id: 2,
        protocol: Protocol::Status,
        bytes: networking::Request::Status(other_status.clone())
            .encode()
            .expect("encodes")
            .into(),
    });
    assert!(outputs
        .iter()
        .any(|o| matches!(o, Output::SendResponse { to: 6, .. })));
    assert!(
        matches!(
            misbehaviour(outputs),
            Some(Misbehaviour::OtherGenesis { .. })
        ),
        "a foreign status request is reported"
    );
    // A peer connects: the node asks its status; garbage comes back.
    let id = status_request(&mut node, 4);
    let reason = misbehaviour(node.handle(Input::Response {
        from: 4,
        id,
        protocol: Protocol::Status,
        bytes: vec![1, 2, 3].into(),
    }));
    assert!(
        matches!(reason, Some(Misbehaviour::BadResponse { .. })),
        "{reason:?}"
    );
    // Another peer answers with the status of another chain.
    let id = status_request(&mut node, 5);
    let other = networking::Response::Status(other_status);
    let reason = misbehaviour(node.handle(Input::Response {
        from: 5,
        id,
        protocol: Protocol::Status,
        bytes: other.encode().expect("encodes").into(),
    }));
    assert!(
        matches!(reason, Some(Misbehaviour::OtherGenesis { .. })),
        "{reason:?}"
    );
}
