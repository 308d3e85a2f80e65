//! Simulator speed (design 8): events per wall second and simulated seconds per wall second,
//! for the default scenario (8 nodes, 256 validators, minimal, 8 shards, real BLS, 12 epochs,
//! 200 tx/s per shard, 10% cross-shard) and for 64 active shards × 16,384 validators (mainnet
//! preset, fake crypto, 4 nodes, 4 epochs) at 0, 1 and 10 transactions per second per shard.
//! Target for the latter: at least 200 simulated seconds per wall second. Without
//! transactions the run is the protocol alone at that scale (every shard still gets a block
//! every slot, crosslinked every epoch); the transaction rates show what load keeps it there.
//!
//! A whole run takes tens of seconds, so each scenario runs `SHARDNODE_SIM_BENCH_RUNS` times
//! (default 1) and every run is printed; no statistics are drawn from fewer than 10 samples.
//! Beside each run: the physical floor of its transaction cryptography measured in the same
//! process — one ed25519 signature and one share of a batch verification per transaction on
//! one core (the work the run cannot avoid under real crypto), and under fake crypto the raw
//! SHA-256 of each transaction's root once per node.

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use simulator::{run_scenario, Scenario};
use std::time::Instant;

#[global_allocator]
static ALLOCATOR: shardnode::allocator::Allocator = shardnode::allocator::Allocator;

fn runs() -> usize {
    std::env::var("SHARDNODE_SIM_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
}

/// Seconds per transaction for an ed25519 signature plus a batch-verification share.
fn ed25519_floor_per_tx() -> f64 {
    const N: usize = 4096;
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let messages: Vec<[u8; 32]> = (0..N as u64)
        .map(|i| Sha256::digest(i.to_le_bytes()).into())
        .collect();
    let start = Instant::now();
    let signatures: Vec<_> = messages.iter().map(|m| key.sign(m)).collect();
    let keys = vec![key.verifying_key(); N];
    let refs: Vec<&[u8]> = messages.iter().map(|m| m.as_slice()).collect();
    ed25519_dalek::verify_batch(&refs, &signatures, &keys).expect("valid batch");
    start.elapsed().as_secs_f64() / N as f64
}

/// Seconds per transaction root (7 SHA-256 compressions of 64 bytes).
fn sha256_floor_per_tx() -> f64 {
    const N: usize = 1 << 16;
    let start = Instant::now();
    let mut acc = [0u8; 32];
    for i in 0..N * 7 {
        let mut block = [0u8; 64];
        block[..32].copy_from_slice(&acc);
        block[32..40].copy_from_slice(&(i as u64).to_le_bytes());
        acc = consensus::hash::hash_64(&block);
    }
    std::hint::black_box(acc);
    start.elapsed().as_secs_f64() / N as f64
}

fn bench(name: &str, scenario: &Scenario, floor_per_tx: f64, floor_label: &str, floor_copies: f64) {
    for run in 1..=runs() {
        let start = Instant::now();
        let mut setup = None;
        let mut result = run_scenario(scenario, &mut |_| {
            setup.get_or_insert_with(|| start.elapsed().as_secs_f64());
        })
        .expect("scenario runs");
        let wall = start.elapsed().as_secs_f64();
        result.set_wall_seconds(wall, setup.unwrap_or(0.0));
        let s = &result.summary;
        let floor = floor_per_tx * s.transactions_included as f64 * floor_copies;
        println!(
            "simulator/{name} run {run}: {:.1} s wall (setup {:.1} s), {} events = {:.0} events/s, {:.1} simulated s per wall s ({:.1} after setup), {} slots, finalized epoch {}, {} transactions, trace {}",
            wall,
            s.setup_seconds,
            s.events_processed,
            s.events_per_wall_second,
            s.sim_seconds_per_wall_second,
            s.sim_seconds_per_run_second,
            s.slots_run,
            s.finalized_epoch,
            s.transactions_included,
            &s.trace_hash[..16],
        );
        if s.transactions_included == 0 {
            println!("simulator/{name} run {run}: no transactions, so no transaction floor");
        } else {
            println!(
                "simulator/{name} run {run}: floor {floor_label}: {floor:.1} s on one core ({:.2}x of the wall time)",
                wall / floor
            );
        }
    }
}

fn main() {
    shardnode::allocator::configure();
    // `cargo bench` passes `--bench`; nothing else is read.
    let default = Scenario::default();
    let mainnet = |tps_per_shard: &str| {
        let mut mainnet = Scenario::default();
        for (key, value) in [
            ("preset", "mainnet"),
            ("validators", "16384"),
            ("active_shards", "64"),
            ("crypto", "fake"),
            ("nodes", "4"),
            ("epochs", "4"),
            ("tps_per_shard", tps_per_shard),
            ("accounts_per_shard", "64"),
        ] {
            mainnet.set(key, value).expect("valid override");
        }
        mainnet.validate().expect("valid scenario");
        mainnet
    };
    let ed = ed25519_floor_per_tx();
    let sha = sha256_floor_per_tx();
    println!(
        "floors measured now: ed25519 sign + batch-verify share {:.2} us/tx, raw SHA-256 transaction root {:.3} us/tx",
        ed * 1e6,
        sha * 1e6
    );
    bench(
        "default",
        &default,
        ed,
        "ed25519 sign + verify of every included transaction once",
        1.0,
    );
    for tps in ["0", "1", "10"] {
        bench(
            &format!("mainnet_64_shards_16384_validators_fake_{tps}_tx_per_shard"),
            &mainnet(tps),
            sha,
            "raw SHA-256 of every included transaction's root at each of the 4 nodes",
            4.0,
        );
    }
}
