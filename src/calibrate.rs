//! `shardnode calibrate`: measures the simulator's CPU cost table (`simulator::cpu`) on this
//! machine, through the code paths the node runs and the criterion benches time: BLS through
//! `consensus::bls`, ed25519 through `shard::signatures`, shard execution through
//! `shard::execute`, the beacon state transition through `beacon::slots`, encoding through
//! `networking`. Each entry is the median of five timed batches of wall time: the ed25519
//! batch check splits its batch over the thread pool as the node does, so its figure is per
//! transaction with the machine's cores, not per core.
//!
//! Three entries are not measured and are carried from the shipped table, said in the output:
//! `beacon_block_base_us`, `beacon_block_per_attestation_us` and `state_root_us` (they need a
//! chain with a full block of attestations on a warm root cache; `cargo bench --bench block`
//! and `--bench state_root` time those paths).

use anyhow::{Context, Result};
use beacon::genesis::genesis_from_config;
use beacon::slots::process_slots_cached;
use beacon::state_root_cache::StateRootCache;
use consensus::bls::{self, interop_keypair, PublicKey, Signature, SignatureSet};
use consensus::primitives::Root;
use consensus::{ChainConfig, Minimal};
use networking::limits::Limits;
use networking::{GossipMessage, Topic};
use shard::execute::execute_block;
use shard::genesis::{genesis_keys, genesis_state_from_keys};
use shard::workload::{build_block, build_simple_transfers};
use simulator::cpu::CostTable;
use std::hint::black_box;
use std::time::Instant;

/// The median over five batches of `per_batch` runs of `f`, in microseconds per unit, where
/// one run does `units` units of work.
fn median_us(per_batch: u32, units: f64, mut f: impl FnMut()) -> f64 {
    f();
    let mut samples: Vec<f64> = (0..5)
        .map(|_| {
            let started = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            started.elapsed().as_secs_f64() * 1e6 / (per_batch as f64 * units)
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[2]
}

/// Measured entries, printed as they come.
pub struct Calibration {
    pub table: CostTable,
    /// Entries carried from the shipped table (not measured).
    pub carried: Vec<&'static str>,
}

/// Measures the table; `report` is told each entry as it is measured.
pub fn calibrate(report: &mut dyn FnMut(&str, f64)) -> Result<Calibration> {
    let mut table = CostTable::shipped().context("the shipped cost table")?;
    let mut set = |table: &mut CostTable, key: &'static str, value: f64| {
        table.set(key, value);
        report(key, value);
    };

    // BLS.
    let keys: Vec<_> = (0..128u64).map(interop_keypair).collect();
    let message = [7u8; 32];
    let (sk, pk) = &keys[0];
    let signature = sk.sign(&message);
    set(
        &mut table,
        "bls_sign_us",
        median_us(20, 1.0, || {
            black_box(sk.sign(black_box(&message)));
        }),
    );
    set(
        &mut table,
        "bls_verify_us",
        median_us(20, 1.0, || {
            assert!(bls::verify(pk, black_box(&message), &signature));
        }),
    );
    let signatures: Vec<Signature> = keys.iter().map(|(k, _)| k.sign(&message)).collect();
    let aggregate = bls::AggregateSignature::aggregate(&signatures)
        .context("aggregate")?
        .to_signature();
    let publics: Vec<&PublicKey> = keys.iter().map(|(_, p)| p).collect();
    set(
        &mut table,
        "bls_fast_aggregate_verify_us",
        median_us(20, 1.0, || {
            assert!(bls::fast_aggregate_verify(
                &publics,
                black_box(&message),
                &aggregate
            ));
        }),
    );
    let messages: Vec<Root> = (0..64).map(|i| Root::new([i as u8; 32])).collect();
    let signed: Vec<Signature> = (0..64).map(|i| keys[i].0.sign(&messages[i].0)).collect();
    let sets: Vec<SignatureSet<'_>> = (0..64)
        .map(|i| SignatureSet::single(signed[i], &keys[i].1, messages[i]))
        .collect();
    set(
        &mut table,
        "bls_batch_per_set_us",
        median_us(2, 64.0, || {
            assert!(bls::verify_signature_sets(black_box(&sets)));
        }),
    );

    // Shards: 1,024 signed transfers on a 1,024-account shard.
    let shard_keys = genesis_keys(0, 1, 1024).context("genesis keys")?;
    let state = genesis_state_from_keys(0, 1, &shard_keys, 1_000_000).context("genesis")?;
    let signing: Vec<_> = shard_keys.iter().map(|(_, k)| k.clone()).collect();
    let transfers = build_simple_transfers(&state, &signing, 1024, true);
    set(
        &mut table,
        "ed25519_batch_per_tx_us",
        median_us(3, 1024.0, || {
            assert!(shard::signatures::first_invalid_signature(black_box(&transfers)).is_none());
        }),
    );
    let block = build_block(&state, transfers.clone(), 1).context("build a shard block")?;
    set(
        &mut table,
        "transaction_execute_us",
        median_us(3, 1024.0, || {
            let mut post = state.clone();
            execute_block(&mut post, black_box(&block), false).expect("valid block");
        }),
    );
    let message = GossipMessage::ShardBlock(Box::new(block.clone()));
    let encoded = message.encode().context("encode")?;
    let config = ChainConfig::default();
    let limits = Limits::from_config(&config);
    let raw_len = snap::raw::decompress_len(&encoded).unwrap_or(encoded.len()) as f64;
    set(
        &mut table,
        "encode_per_byte_us",
        median_us(20, raw_len, || {
            black_box(message.encode().expect("encodes"));
        }),
    );
    set(
        &mut table,
        "decode_per_byte_us",
        median_us(20, encoded.len() as f64, || {
            black_box(
                GossipMessage::decode(Topic::ShardBlock(0), &encoded, &limits, 8).expect("decodes"),
            );
        }),
    );

    // The beacon state: an epoch transition on 16,384 validators.
    let chain = ChainConfig {
        validator_count: 16_384,
        ..ChainConfig::default()
    };
    let genesis = genesis_from_config::<Minimal>(&chain).context("beacon genesis")?;
    // Each timed step starts from its own state with a warm state-root cache, as a node's
    // head state has (the slot's root inside the transition is the incremental one).
    let warm = |slot: u64| -> Result<Vec<(consensus::BeaconState<Minimal>, StateRootCache)>> {
        (0..6)
            .map(|_| {
                let mut s = genesis.clone();
                let mut roots = StateRootCache::new();
                process_slots_cached(&mut s, slot, &chain, &mut roots)
                    .with_context(|| format!("slot {slot}"))?;
                Ok((s, roots))
            })
            .collect()
    };
    let mut next = warm(7)?.into_iter();
    set(
        &mut table,
        "epoch_per_validator_us",
        median_us(1, 16_384.0, || {
            if let Some((mut s, mut roots)) = next.next() {
                process_slots_cached(&mut s, 8, &chain, &mut roots).expect("epoch 1");
            }
        }),
    );
    Ok(Calibration {
        table,
        carried: vec![
            "beacon_block_base_us",
            "beacon_block_per_attestation_us",
            "state_root_us",
        ],
    })
}
