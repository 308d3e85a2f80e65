//! Blocks signed with real BLS (design D1) on the interop genesis (design D3): the whole
//! block's signatures verify in one batch, each kind of bad signature is rejected with an
//! error naming the signed object, and design D2's non-zero crosslink data root is accepted.

use beacon::block::{process_attestation, process_block, process_proposer_slashing};
use beacon::errors::{
    AttestationError, BlockError, ProposerSlashingError, SignatureError, TransitionError,
};
use beacon::genesis::genesis_from_config;
use beacon::signatures::{get_domain, SignedObject};
use beacon::slots::process_slots;
use beacon::state_root::state_root;
use beacon::transition::state_transition;
use consensus::bls::{compute_signing_root, interop_keypair, AggregateSignature, Crypto};
use consensus::committees::{get_beacon_proposer_index, get_crosslink_committee};
use consensus::preset::{DOMAIN_ATTESTATION, DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO};
use consensus::primitives::{BlsSignatureBytes, Root};
use consensus::sszx::{hash_tree_root, SigningRoot};
use consensus::{
    Attestation, AttestationData, AttestationDataAndCustodyBit, BeaconBlock, BeaconBlockHeader,
    BeaconState, ChainConfig, Checkpoint, CommitteeBits, Crosslink, Minimal, ProposerSlashing,
};

fn config() -> ChainConfig {
    ChainConfig {
        validator_count: 64,
        ..ChainConfig::reference::<Minimal>()
    }
}

fn sign(validator: u64, message: &Root) -> BlsSignatureBytes {
    Crypto::Real.sign(&interop_keypair(validator).0, message)
}

/// A valid slot-0 attestation by the whole committee of `state.start_shard`, included at
/// `state.slot`, with a non-zero crosslink data root (design D2).
fn attestation(state: &BeaconState<Minimal>, config: &ChainConfig) -> Attestation {
    committee_attestation(state, config, state.start_shard, Root::new([0x42; 32]))
}

/// A valid epoch-0 attestation by the whole committee of `shard` with `data_root`.
fn committee_attestation(
    state: &BeaconState<Minimal>,
    config: &ChainConfig,
    shard: u64,
    data_root: Root,
) -> Attestation {
    let committee = get_crosslink_committee(state, 0, shard, config).unwrap();
    let parent = &state.current_crosslinks[shard as usize];
    let data = AttestationData {
        beacon_block_root: state.block_roots[0],
        source: state.current_justified_checkpoint.clone(),
        target: Checkpoint {
            epoch: 0,
            root: state.block_roots[0],
        },
        crosslink: Crosslink {
            shard,
            parent_root: hash_tree_root(parent),
            start_epoch: parent.end_epoch,
            end_epoch: 0,
            data_root,
        },
    };
    let object = hash_tree_root(&AttestationDataAndCustodyBit {
        data: data.clone(),
        custody_bit: false,
    });
    let message = compute_signing_root(&object, &get_domain(state, DOMAIN_ATTESTATION, 0));
    let signatures: Vec<_> = committee
        .iter()
        .map(|&i| interop_keypair(i).0.sign(&message.0))
        .collect();
    let aggregate = AggregateSignature::aggregate(&signatures)
        .unwrap()
        .to_signature();
    let bits = vec![true; committee.len()];
    Attestation {
        aggregation_bits: CommitteeBits::try_from(bits.as_slice()).unwrap(),
        data,
        custody_bits: CommitteeBits::try_from(vec![false; committee.len()].as_slice()).unwrap(),
        signature: *aggregate.as_bytes(),
    }
}

/// A fully signed block at slot 1 on `genesis`, and the state at slot 1 before it.
fn signed_block(
    genesis: &BeaconState<Minimal>,
    config: &ChainConfig,
) -> (BeaconBlock, BeaconState<Minimal>) {
    let mut pre = genesis.clone();
    process_slots(&mut pre, 1, config).unwrap();
    let proposer = get_beacon_proposer_index(&pre, config).unwrap();
    let mut epoch_root = [0u8; 32];
    epoch_root[..8].copy_from_slice(&0u64.to_le_bytes());
    let randao = compute_signing_root(&Root::new(epoch_root), &get_domain(&pre, DOMAIN_RANDAO, 0));
    let mut block = BeaconBlock {
        slot: 1,
        parent_root: pre.latest_block_header.signing_root(),
        ..BeaconBlock::default()
    };
    block.body.randao_reveal = sign(proposer, &randao);
    block.body.eth1_data = pre.eth1_data.clone();
    block.body.attestations.push(attestation(&pre, config));
    resign(&mut block, &pre, config);
    (block, pre)
}

/// Recomputes the state root and the proposer's signature after a change to the block.
fn resign(block: &mut BeaconBlock, pre: &BeaconState<Minimal>, config: &ChainConfig) {
    let mut post = pre.clone();
    process_block(&mut post, block, config, Crypto::fake_for_simulation()).unwrap();
    block.state_root = state_root(&post);
    let proposer = get_beacon_proposer_index(pre, config).unwrap();
    let domain = get_domain(pre, DOMAIN_BEACON_PROPOSER, 0);
    block.signature = sign(
        proposer,
        &compute_signing_root(&block.signing_root(), &domain),
    );
}

/// The signature error a real-BLS transition of `block` on a copy of `pre` fails with.
fn rejection(
    pre: &BeaconState<Minimal>,
    block: &BeaconBlock,
    config: &ChainConfig,
) -> SignatureError {
    signature_error(state_transition(
        &mut pre.clone(),
        block,
        true,
        config,
        Crypto::Real,
    ))
}

fn signature_error(result: Result<(), TransitionError>) -> SignatureError {
    match result {
        Err(TransitionError::Block {
            source: BlockError::Signature(e),
            ..
        }) => e,
        other => panic!("expected a signature error, got {other:?}"),
    }
}

#[test]
fn signed_block_verifies_in_one_batch() {
    let config = config();
    let genesis = genesis_from_config::<Minimal>(&config).unwrap();
    let (block, _) = signed_block(&genesis, &config);
    let mut state = genesis.clone();
    state_transition(&mut state, &block, true, &config, Crypto::Real).unwrap();
    assert_eq!(state.slot, 1);
    assert_eq!(state.current_epoch_attestations.len(), 1);
    assert!(!state.current_epoch_attestations[0]
        .data
        .crosslink
        .data_root
        .is_zero());
}

#[test]
fn each_bad_signature_is_named() {
    let config = config();
    let genesis = genesis_from_config::<Minimal>(&config).unwrap();
    let (block, pre) = signed_block(&genesis, &config);

    // The proposer's signature by another key.
    let mut bad = block.clone();
    bad.signature = sign(63, &Root::new([1; 32]));
    let mut state = genesis.clone();
    let err = signature_error(state_transition(
        &mut state,
        &bad,
        true,
        &config,
        Crypto::Real,
    ));
    assert_eq!(
        err,
        SignatureError::Invalid {
            object: SignedObject::Block
        }
    );
    assert_eq!(
        state, genesis,
        "a rejected block leaves the state unchanged"
    );
    // Fake cryptography checks nothing.
    state_transition(
        &mut state,
        &bad,
        true,
        &config,
        Crypto::fake_for_simulation(),
    )
    .unwrap();

    // A RANDAO reveal of the wrong epoch.
    let mut bad = block.clone();
    bad.body.randao_reveal = sign(
        get_beacon_proposer_index(&pre, &config).unwrap(),
        &Root::new([9; 32]),
    );
    resign(&mut bad, &pre, &config);
    let err = rejection(&genesis, &bad, &config);
    assert_eq!(
        err,
        SignatureError::Invalid {
            object: SignedObject::RandaoReveal
        }
    );

    // An aggregate missing one member's signature.
    let mut bad = block.clone();
    let mut att = bad.body.attestations[0].clone();
    att.signature = sign(0, &Root::new([3; 32]));
    bad.body.attestations[0] = att;
    resign(&mut bad, &pre, &config);
    let err = rejection(&genesis, &bad, &config);
    assert_eq!(
        err,
        SignatureError::Invalid {
            object: SignedObject::Attestation { operation: 0 }
        }
    );

    // Signature bytes that do not decode.
    let mut bad = block.clone();
    bad.signature = BlsSignatureBytes::new([0xff; 96]);
    let err = rejection(&genesis, &bad, &config);
    assert_eq!(
        err,
        SignatureError::BadSignature {
            object: SignedObject::Block
        }
    );
}

#[test]
fn proposer_slashing_signatures() {
    let config = config();
    let mut state = genesis_from_config::<Minimal>(&config).unwrap();
    process_slots(&mut state, 1, &config).unwrap();
    let offender = 5u64;
    let domain = get_domain(&state, DOMAIN_BEACON_PROPOSER, 0);
    let header = |body: u8| {
        let mut h = BeaconBlockHeader {
            slot: 0,
            body_root: Root::new([body; 32]),
            ..BeaconBlockHeader::default()
        };
        h.signature = sign(offender, &compute_signing_root(&h.signing_root(), &domain));
        h
    };
    let slashing = ProposerSlashing {
        proposer_index: offender,
        header_1: header(1),
        header_2: header(2),
    };
    let mut slashed = state.clone();
    process_proposer_slashing(&mut slashed, &slashing, &config, Crypto::Real).unwrap();
    assert!(slashed.validators[offender as usize].slashed);

    let mut forged = slashing.clone();
    forged.header_2.signature = sign(6, &Root::new([2; 32]));
    let err = process_proposer_slashing(&mut state, &forged, &config, Crypto::Real).unwrap_err();
    assert_eq!(
        err,
        ProposerSlashingError::Signature(SignatureError::Invalid {
            object: SignedObject::ProposerSlashingHeader {
                operation: 0,
                header: 2
            }
        })
    );
}

/// Design D7: with one active shard, the committees of shards 1..8 are attestation-only. Their
/// attestations count (finality needs them) with a zero data root, and one that claims shard
/// data is refused with the rule's error.
#[test]
fn attestation_only_committees_carry_no_data() {
    let config = ChainConfig {
        active_shard_count: 1,
        ..config()
    };
    let genesis = genesis_from_config::<Minimal>(&config).unwrap();
    // The committee of shard 3 attests at slot 3 (one committee per slot, from start shard 0).
    assert_eq!(genesis.start_shard, 0);
    let mut state = genesis.clone();
    process_slots(&mut state, 4, &config).unwrap();
    let zero = committee_attestation(&genesis, &config, 3, Root::zero());
    process_attestation(&mut state.clone(), &zero, &config, Crypto::Real)
        .expect("an attestation-only committee's vote with no data is valid");
    let claims = committee_attestation(&genesis, &config, 3, Root::new([0x42; 32]));
    match process_attestation(&mut state.clone(), &claims, &config, Crypto::Real) {
        Err(AttestationError::AttestationOnlyDataRoot {
            shard: 3,
            active: 1,
            ..
        }) => {}
        other => panic!("expected AttestationOnlyDataRoot, got {other:?}"),
    }
    // Shard 8 is outside the committee shards (8 of them under minimal) altogether.
    let mut beyond = zero.clone();
    beyond.data.crosslink.shard = 8;
    match process_attestation(&mut state.clone(), &beyond, &config, Crypto::Real) {
        Err(AttestationError::ShardOutOfRange {
            shard: 8,
            active: 8,
        }) => {}
        other => panic!("expected ShardOutOfRange, got {other:?}"),
    }
}
