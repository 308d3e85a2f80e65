//! Slashings and exits at the node's boundary (design D8): gossip validation with real BLS
//! (an invalid slashing is rejected with the rule that failed, a valid one accepted and
//! pooled, a repeat ignored), a proposal that carries the pooled slashing, and an exit
//! refused by its own rule.

use beacon::errors::{ProposerSlashingError, VoluntaryExitError};
use beacon::node::{IgnoreReason, Input, Node, Output, RejectReason, Verdict};
use consensus::bls::{compute_signing_root, interop_secret_key, Crypto};
use consensus::preset::{DOMAIN_ATTESTATION, DOMAIN_BEACON_PROPOSER, DOMAIN_VOLUNTARY_EXIT};
use consensus::primitives::Root;
use consensus::sszx::{hash_tree_root, SigningRoot, SszList};
use consensus::{
    AttestationData, AttestationDataAndCustodyBit, AttesterSlashing, BeaconBlockHeader, Checkpoint,
    IndexedAttestation, Minimal, ProposerSlashing, VoluntaryExit,
};
use networking::{GossipMessage, Topic};

mod support;

use support::SLOT_MS;

fn node() -> Node<Minimal> {
    support::node(0..64, Crypto::Real)
}

fn gossip(node: &mut Node<Minimal>, message: GossipMessage) -> Verdict {
    let topic = message.topic(node.chain_config().active_shard_count);
    let outputs = node.handle(Input::Gossip {
        from: 1,
        topic,
        bytes: message.encode().expect("encodes").into(),
        message: 9,
    });
    outputs
        .iter()
        .find_map(|o| match o {
            Output::Verdict { verdict, .. } => Some(verdict.clone()),
            _ => None,
        })
        .expect("one verdict")
}

/// A header of `slot` with `body` as its body root, signed by `proposer`.
fn header(node: &Node<Minimal>, proposer: u64, slot: u64, body: u8) -> BeaconBlockHeader {
    let state = node.head_state().expect("head state");
    let mut header = BeaconBlockHeader {
        slot,
        body_root: Root::new([body; 32]),
        ..BeaconBlockHeader::default()
    };
    let domain = beacon::signatures::get_domain(state, DOMAIN_BEACON_PROPOSER, 0);
    let message = compute_signing_root(&header.signing_root(), &domain);
    header.signature = Crypto::Real.sign(&interop_secret_key(proposer), &message);
    header
}

#[test]
fn a_proposer_slashing_is_checked_pooled_and_included() {
    let mut node = node();
    let _ = node.handle(Input::Tick { now_ms: 0 });
    let offender = 5;
    let identical = ProposerSlashing {
        proposer_index: offender,
        header_1: header(&node, offender, 1, 1),
        header_2: header(&node, offender, 1, 1),
    };
    assert_eq!(
        gossip(
            &mut node,
            GossipMessage::ProposerSlashing(Box::new(identical))
        ),
        Verdict::Reject(RejectReason::ProposerSlashing(
            ProposerSlashingError::HeadersIdentical
        ))
    );
    // Signed by someone else: the batch check fails.
    let mut forged = ProposerSlashing {
        proposer_index: offender,
        header_1: header(&node, offender, 1, 1),
        header_2: header(&node, offender + 1, 1, 2),
    };
    assert!(matches!(
        gossip(
            &mut node,
            GossipMessage::ProposerSlashing(Box::new(forged.clone()))
        ),
        Verdict::Reject(RejectReason::ProposerSlashing(_))
    ));
    forged.header_2 = header(&node, offender, 1, 2);
    let valid = GossipMessage::ProposerSlashing(Box::new(forged));
    assert_eq!(gossip(&mut node, valid.clone()), Verdict::Accept);
    assert!(matches!(
        gossip(&mut node, valid),
        Verdict::Ignore(IgnoreReason::OperationKnown { .. })
    ));

    // The node holds every key, so it proposes slot 1 and carries the slashing.
    let outputs = node.handle(Input::Tick { now_ms: SLOT_MS });
    assert!(outputs.iter().any(|o| matches!(
        o,
        Output::Publish {
            topic: Topic::BeaconBlock,
            ..
        }
    )));
    let state = node.head_state().expect("head state");
    assert_eq!(state.slot, 1);
    assert!(state.validators[offender as usize].slashed);
    assert_eq!(state.validators.iter().filter(|v| v.slashed).count(), 1);
}

/// `validator`'s vote from `source` to `target`, signed as an indexed attestation.
fn vote(node: &Node<Minimal>, validator: u64, source: u64, target: u64) -> IndexedAttestation {
    let state = node.head_state().expect("head state");
    let data = AttestationData {
        source: Checkpoint {
            epoch: source,
            root: Root::default(),
        },
        target: Checkpoint {
            epoch: target,
            root: Root::default(),
        },
        ..AttestationData::default()
    };
    let object = hash_tree_root(&AttestationDataAndCustodyBit {
        data: data.clone(),
        custody_bit: false,
    });
    let domain = beacon::signatures::get_domain(state, DOMAIN_ATTESTATION, target);
    IndexedAttestation {
        custody_bit_0_indices: SszList::try_from_vec(vec![validator]).expect("one index"),
        custody_bit_1_indices: SszList::try_from_vec(vec![]).expect("empty"),
        signature: Crypto::Real.sign(
            &interop_secret_key(validator),
            &compute_signing_root(&object, &domain),
        ),
        data,
    }
}

/// Two validators' surround votes over the same data reach the node as two slashings (a
/// slasher finds them one unaggregated vote at a time); the minimal preset's block carries
/// one attester slashing, and the pool's merge makes it slash both (swarm seed 1465: 30
/// offenders of one committee waited 30 blocks, past the 32-slot check).
#[test]
fn attester_slashings_over_the_same_data_are_merged_into_one_block() {
    let mut node = node();
    let _ = node.handle(Input::Tick { now_ms: 0 });
    for offender in [3, 7] {
        let slashing = AttesterSlashing {
            attestation_1: vote(&node, offender, 2, 5),
            attestation_2: vote(&node, offender, 3, 4),
        };
        let message = GossipMessage::AttesterSlashing(Box::new(slashing));
        assert_eq!(gossip(&mut node, message), Verdict::Accept);
    }
    let _ = node.handle(Input::Tick { now_ms: SLOT_MS });
    let state = node.head_state().expect("head state");
    assert_eq!(state.slot, 1);
    let slashed: Vec<usize> = (0..state.validators.len())
        .filter(|i| state.validators[*i].slashed)
        .collect();
    assert_eq!(slashed, vec![3, 7]);
}

#[test]
fn an_exit_before_the_persistent_committee_period_is_rejected_by_its_rule() {
    let mut node = node();
    let _ = node.handle(Input::Tick { now_ms: 0 });
    let state = node.head_state().expect("head state");
    let mut exit = VoluntaryExit {
        epoch: 0,
        validator_index: 3,
        ..VoluntaryExit::default()
    };
    let domain = beacon::signatures::get_domain(state, DOMAIN_VOLUNTARY_EXIT, 0);
    exit.signature = Crypto::Real.sign(
        &interop_secret_key(3),
        &compute_signing_root(&exit.signing_root(), &domain),
    );
    assert!(matches!(
        gossip(&mut node, GossipMessage::VoluntaryExit(Box::new(exit))),
        Verdict::Reject(RejectReason::VoluntaryExit(
            VoluntaryExitError::NotActiveLongEnough { index: 3, .. }
        ))
    ));
}
