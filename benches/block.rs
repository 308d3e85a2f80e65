//! Block processing with real BLS: a mainnet-preset block at slot 65 of an interop genesis of
//! 16,384 validators, carrying 128 aggregate attestations (every committee that may be included
//! then: 128 validators each, 16,384 signers in all), a RANDAO reveal and the proposer's
//! signature. The limit is raw blst doing the BLS work such a block cannot avoid, in the same
//! run: decompress and subgroup-check the 130 signatures, sum each attestation's 128 keys, and
//! verify the 130 sets in one multi-pairing.

mod common;

use beacon::block::process_block_cached;
use beacon::genesis::genesis_from_config;
use beacon::shuffling_cache::KeyedShufflings;
use beacon::signatures::{get_domain, PubkeyCache};
use beacon::slots::process_slots;
use blst::{blst_scalar, min_pk, BLST_ERROR};
use consensus::bls::{
    compute_signing_root, interop_secret_key, AggregateSignature, Crypto, SecretKey, DST,
};
use consensus::committees::{get_beacon_proposer_index, EpochShuffling};
use consensus::preset::{DOMAIN_ATTESTATION, DOMAIN_BEACON_PROPOSER, DOMAIN_RANDAO};
use consensus::primitives::Root;
use consensus::sszx::{hash_tree_root, SigningRoot};
use consensus::{
    Attestation, AttestationData, AttestationDataAndCustodyBit, BeaconBlock, BeaconState,
    ChainConfig, Checkpoint, CommitteeBits, Crosslink, Mainnet, Preset, PresetName,
};
use criterion::{criterion_group, BatchSize, Criterion, Throughput};
use rayon::prelude::*;
use std::time::Duration;

type P = Mainnet;
const VALIDATORS: u64 = 16_384;
const SLOT: u64 = 65;

/// What the raw-blst limit needs of one signature set.
struct RawSet {
    signature: [u8; 96],
    signers: Vec<u64>,
    message: Root,
}

fn setup() -> (BeaconState<P>, BeaconBlock, Vec<RawSet>, ChainConfig) {
    let config = ChainConfig {
        preset: PresetName::Mainnet,
        active_shard_count: P::SHARD_COUNT,
        validator_count: VALIDATORS,
        ..ChainConfig::default()
    };
    let genesis = genesis_from_config::<P>(&config).expect("genesis");
    let mut pre = genesis;
    process_slots(&mut pre, SLOT, &config).expect("slots");
    let secrets: Vec<SecretKey> = (0..VALIDATORS)
        .into_par_iter()
        .map(interop_secret_key)
        .collect();
    let current = SLOT / P::SLOTS_PER_EPOCH;
    let mut attestations = Vec::new();
    let mut raw = Vec::new();
    for epoch in [current - 1, current] {
        let shuffling = EpochShuffling::new(&pre, epoch, &config).expect("shuffling");
        let per_slot = shuffling.committee_count / P::SLOTS_PER_EPOCH;
        for (k, shard) in shuffling.shards().enumerate() {
            let slot = epoch * P::SLOTS_PER_EPOCH + k as u64 / per_slot;
            if !(slot + 1..=slot + P::SLOTS_PER_EPOCH).contains(&SLOT) {
                continue;
            }
            let committee = shuffling.committee(shard).expect("committee").to_vec();
            let (source, parent) = if epoch == current {
                (
                    pre.current_justified_checkpoint.clone(),
                    pre.current_crosslinks[shard as usize].clone(),
                )
            } else {
                (
                    pre.previous_justified_checkpoint.clone(),
                    pre.previous_crosslinks[shard as usize].clone(),
                )
            };
            let data = AttestationData {
                beacon_block_root: pre.block_roots[slot as usize],
                source,
                target: Checkpoint {
                    epoch,
                    root: pre.block_roots[(epoch * P::SLOTS_PER_EPOCH) as usize],
                },
                crosslink: Crosslink {
                    shard,
                    parent_root: hash_tree_root(&parent),
                    start_epoch: parent.end_epoch,
                    end_epoch: epoch.min(parent.end_epoch + P::MAX_EPOCHS_PER_CROSSLINK),
                    data_root: Root::new([0x5a; 32]),
                },
            };
            let object = hash_tree_root(&AttestationDataAndCustodyBit {
                data: data.clone(),
                custody_bit: false,
            });
            let message =
                compute_signing_root(&object, &get_domain(&pre, DOMAIN_ATTESTATION, epoch));
            let signatures: Vec<_> = committee
                .par_iter()
                .map(|&i| secrets[i as usize].sign(&message.0))
                .collect();
            let aggregate = AggregateSignature::aggregate(&signatures)
                .expect("non-empty")
                .to_signature();
            attestations.push(Attestation {
                aggregation_bits: CommitteeBits::try_from(vec![true; committee.len()].as_slice())
                    .expect("fits"),
                data,
                custody_bits: CommitteeBits::try_from(vec![false; committee.len()].as_slice())
                    .expect("fits"),
                signature: *aggregate.as_bytes(),
            });
            raw.push(RawSet {
                signature: aggregate.as_bytes().0,
                signers: committee,
                message,
            });
        }
    }
    assert_eq!(
        attestations.len(),
        128,
        "every includable committee attests"
    );
    let proposer = get_beacon_proposer_index(&pre, &config).expect("proposer");
    let mut epoch_root = [0u8; 32];
    epoch_root[..8].copy_from_slice(&current.to_le_bytes());
    let randao_message = compute_signing_root(
        &Root::new(epoch_root),
        &get_domain(&pre, DOMAIN_RANDAO, current),
    );
    let mut block = BeaconBlock {
        slot: SLOT,
        parent_root: pre.latest_block_header.signing_root(),
        ..BeaconBlock::default()
    };
    block.body.randao_reveal = *secrets[proposer as usize]
        .sign(&randao_message.0)
        .as_bytes();
    block.body.eth1_data = pre.eth1_data.clone();
    for a in attestations {
        block.body.attestations.push(a);
    }
    let block_message = compute_signing_root(
        &block.signing_root(),
        &get_domain(&pre, DOMAIN_BEACON_PROPOSER, current),
    );
    block.signature = *secrets[proposer as usize].sign(&block_message.0).as_bytes();
    raw.push(RawSet {
        signature: block.body.randao_reveal.0,
        signers: vec![proposer],
        message: randao_message,
    });
    raw.push(RawSet {
        signature: block.signature.0,
        signers: vec![proposer],
        message: block_message,
    });
    (pre, block, raw, config)
}

fn block(c: &mut Criterion) {
    let (pre, block, raw, config) = setup();
    // A node keeps its decoded keys and its shufflings across blocks: warm both caches with
    // one run.
    let mut pubkeys = PubkeyCache::new();
    let mut shufflings = KeyedShufflings::new();
    let mut check = pre.clone();
    process_block_cached(
        &mut check,
        &block,
        &config,
        Crypto::Real,
        &mut pubkeys,
        &mut shufflings,
    )
    .expect("valid block");
    let raw_keys: Vec<min_pk::PublicKey> = pre
        .validators
        .iter()
        .map(|v| min_pk::PublicKey::from_bytes(&v.pubkey.0).expect("valid key"))
        .collect();
    let rands: Vec<blst_scalar> = (0..raw.len() as u64)
        .map(|i| {
            let mut s = blst_scalar::default();
            s.b[..8].copy_from_slice(&(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1).to_le_bytes());
            s
        })
        .collect();

    let mut g = c.benchmark_group("block_128_attestations_real_bls");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(128));
    g.bench_function("shardnode", |b| {
        b.iter_batched_ref(
            || (pre.clone(), pubkeys.clone(), shufflings.clone()),
            |(state, keys, shufflings)| {
                process_block_cached(state, &block, &config, Crypto::Real, keys, shufflings)
                    .expect("valid")
            },
            BatchSize::LargeInput,
        )
    });
    g.bench_function("raw_blst", |b| {
        b.iter(|| {
            let sigs: Vec<min_pk::Signature> = raw
                .iter()
                .map(|s| min_pk::Signature::from_bytes(&s.signature).expect("sig"))
                .collect();
            let keys: Vec<min_pk::PublicKey> = raw
                .iter()
                .map(|s| {
                    let refs: Vec<&min_pk::PublicKey> =
                        s.signers.iter().map(|&i| &raw_keys[i as usize]).collect();
                    min_pk::AggregatePublicKey::aggregate(&refs, false)
                        .expect("keys")
                        .to_public_key()
                })
                .collect();
            let key_refs: Vec<&min_pk::PublicKey> = keys.iter().collect();
            let sig_refs: Vec<&min_pk::Signature> = sigs.iter().collect();
            let msgs: Vec<&[u8]> = raw.iter().map(|s| s.message.0.as_slice()).collect();
            assert_eq!(
                min_pk::Signature::verify_multiple_aggregate_signatures(
                    &msgs, DST, &key_refs, false, &sig_refs, true, &rands, 64
                ),
                BLST_ERROR::BLST_SUCCESS
            );
        })
    });
    g.finish();
}

criterion_group!(benches, block);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    common::print_against_limits(
        "Block processing",
        &[("block_128_attestations_real_bls", "shardnode", "raw_blst")],
    );
}
