//! Shard execution: blocks of simple transfers executed for 1, 2, 4 and 8 shards in parallel on
//! the shard crate's thread pool (one thread per core), (a) without signature checks, beside the
//! raw SHA-256 floor of the hashes those blocks need, and (b) with the block's batch signature
//! verification, beside raw ed25519 batch verification (`ed25519_dalek::verify_batch` over the
//! same messages, signatures and pre-decompressed keys, one batch per shard on the same pool).
//! Every figure and its limit are measured in the same run.
//!
//! Workload: genesis states of 8 active shards, 8192 accounts each, key caches warm (a node
//! decompresses its accounts' keys once and keeps them). Each shard block carries 4096
//! transfers (the default `shard_block_max_transactions`; 623 KB, under the 1 MiB default):
//! 2048 senders paying twice each to pseudo-random accounts, one transfer in ten to another
//! shard (an outgoing receipt). Cloning the states, then reading 64 MiB on every core so that
//! states and blocks start out of cache for every shard count (as a node's do after the rest
//! of a slot's work), is setup (`iter_batched`), not measured. The limits' inputs stay
//! cache-resident.
//! Throughput is counted in transfers.
//!
//! Targets (2 cores): >= 300,000 transfers/s per core without signatures; with signatures
//! >= 80 % of the raw ed25519 batch rate; >= 1.8x speed-up from 1 shard to 2, 4 and 8.

mod common;

use consensus::primitives::Root;
use consensus::sszx::SigningRoot;
use consensus::ChainConfig;
use criterion::{black_box, criterion_group, BatchSize, BenchmarkId, Criterion, Throughput};
use ed25519_dalek::{Signature, VerifyingKey};
use rayon::prelude::*;
use shard::execute::{BlockLimits, ExecutionContext};
use shard::genesis::genesis_keys;
use shard::transaction::address_of;
use shard::types::{ACCOUNTS_TREE_DEPTH, OUTGOING_RECEIPTS_TREE_DEPTH, TRANSACTIONS_TREE_DEPTH};
use shard::workload::build_block;
use shard::{
    build_thread_pool, execute_block, execute_shards_parallel, genesis_states, Address,
    GenesisAccounts, NoCrosslinks, ShardBlock, ShardState, Transaction,
};
use std::collections::BTreeSet;
use std::sync::OnceLock;
use std::time::Duration;

const ACTIVE_SHARDS: u64 = 8;
const SHARD_COUNTS: [usize; 4] = [1, 2, 4, 8];
const ACCOUNTS_PER_SHARD: u64 = 8192;
const SENDERS: usize = 2048;
const TRANSFERS_PER_BLOCK: usize = 4096;
const CROSS_SHARD_EVERY: usize = 10;
/// Twice the 32 MiB L3 of the bench machine.
const EVICTION_BYTES: usize = 64 << 20;

const UNSIGNED: &str = "shard_execution_unsigned";
const SIGNED: &str = "shard_execution_signed";

/// One shard's batch exactly as `verify_transaction_signatures` hands it to `verify_batch`.
struct RawBatch {
    messages: Vec<Root>,
    signatures: Vec<Signature>,
    keys: Vec<VerifyingKey>,
}

impl RawBatch {
    fn verify(&self) {
        let messages: Vec<&[u8]> = self.messages.iter().map(|m| m.0.as_slice()).collect();
        assert!(ed25519_dalek::verify_batch(&messages, &self.signatures, &self.keys).is_ok());
    }
}

struct Fixture {
    /// Genesis states of every shard, key caches warm.
    states: Vec<ShardState>,
    /// The slot-1 block of every shard (signed transfers).
    blocks: Vec<ShardBlock>,
    raw: Vec<RawBatch>,
    /// 64-byte hashes executing each shard's block needs without / with signatures.
    hashes_unsigned: Vec<u64>,
    hashes_signed: Vec<u64>,
    pool: rayon::ThreadPool,
    limits: BlockLimits,
}

/// Reads a buffer twice the size of the last-level cache on every thread of the pool, so that
/// the states just cloned (and the blocks) are no longer cached when execution starts: every
/// shard count starts from the same cold caches, as a node's states do after the rest of a
/// slot's work (a clone made by one core would otherwise leave one state hot in that core's
/// L2, flattering the 1-shard figure).
fn evict_caches(pool: &rayon::ThreadPool) {
    pool.broadcast(|_| read_eviction_buffer());
}

fn read_eviction_buffer() {
    static BUFFER: OnceLock<Vec<u64>> = OnceLock::new();
    let buffer = BUFFER.get_or_init(|| vec![1u64; EVICTION_BYTES / 8]);
    let mut acc = 0u64;
    for line in buffer.chunks(8) {
        acc = acc.wrapping_add(line[0]);
    }
    black_box(acc);
}

/// The pool's size: one thread per core.
fn pool_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// A deterministic spread of `i` over `0..n`.
fn spread(i: usize, salt: u64, n: usize) -> usize {
    let x = (i as u64 ^ salt.rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    ((x >> 32) % n as u64) as usize
}

fn build_transfers(shard: usize, states: &[ShardState]) -> Vec<Transaction> {
    let keys = genesis_keys(shard as u64, ACTIVE_SHARDS, SENDERS as u64).expect("genesis keys");
    let addresses: Vec<Vec<Address>> = states
        .iter()
        .map(|s| s.accounts().map(|(a, _)| a).collect())
        .collect();
    (0..TRANSFERS_PER_BLOCK)
        .map(|i| {
            let sender = i % SENDERS;
            let nonce = (i / SENDERS) as u64;
            let from = address_of(&keys[sender].1);
            let to = if i % CROSS_SHARD_EVERY == CROSS_SHARD_EVERY - 1 {
                let other = (shard + 1 + i % (ACTIVE_SHARDS as usize - 1)) % ACTIVE_SHARDS as usize;
                addresses[other][spread(i, other as u64, addresses[other].len())]
            } else {
                let mut j = spread(i, shard as u64, addresses[shard].len());
                if addresses[shard][j] == from {
                    j = (j + 1) % addresses[shard].len();
                }
                addresses[shard][j]
            };
            let amount = 1 + (i % 100) as u64;
            let fee = 1 + (i % 3) as u64;
            Transaction::unsigned(from, to, amount, fee, nonce).sign(&keys[sender].1)
        })
        .collect()
}

/// Hashes to update (or build) a `merkleize(leaves, 2^depth)` tree of `len` leaves of which
/// the sorted, distinct `dirty` changed: each changed parent once per layer, then the
/// zero-subtree ladder from the top layer up to `depth` (as `IncrementalTree` does).
fn tree_hashes(dirty: &[usize], len: usize, depth: usize) -> u64 {
    if len == 0 {
        return 0;
    }
    let (mut count, mut level, mut len) = (0u64, 0usize, len);
    let mut indices = dirty.to_vec();
    while len > 1 {
        indices = indices.iter().map(|i| i / 2).collect();
        indices.dedup();
        count += indices.len() as u64;
        len = len.div_ceil(2);
        level += 1;
    }
    count + (depth - level) as u64
}

/// The 64-byte hashes executing `block` on `state` needs (its floor): per transaction its root
/// (7 hashes: 4 field pairs, the signature, 2 more levels) and, with signatures, its signing
/// root too (3 more, sharing the left half); the transactions list (+ mix-in) and the body
/// root; each receipt (3), their list (+ mix-in); each touched account's leaf, the accounts
/// tree's changed paths (+ mix-in); the state root (7 + the empty credited log's mix-in); and
/// the block root (7). The empty incoming-receipts list's root is not counted.
fn block_hashes(state: &ShardState, block: &ShardBlock, signed: bool) -> u64 {
    let txs = &block.body.transactions;
    let t = txs.len();
    let local: Vec<&Transaction> = txs.iter().filter(|tx| state.is_home_of(&tx.to)).collect();
    let receipts = t - local.len();
    let index: std::collections::HashMap<Address, usize> = state
        .accounts()
        .enumerate()
        .map(|(i, (a, _))| (a, i))
        .collect();
    let touched: BTreeSet<usize> = txs
        .iter()
        .map(|tx| index[&tx.from])
        .chain(local.iter().map(|tx| index[&tx.to]))
        .collect();
    let touched: Vec<usize> = touched.into_iter().collect();
    let all_txs: Vec<usize> = (0..t).collect();
    let all_receipts: Vec<usize> = (0..receipts).collect();
    let per_tx = if signed { 10 } else { 7 };
    per_tx * t as u64
        + tree_hashes(&all_txs, t, TRANSACTIONS_TREE_DEPTH)
        + 2
        + 3 * receipts as u64
        + tree_hashes(&all_receipts, receipts, OUTGOING_RECEIPTS_TREE_DEPTH)
        + 1
        + touched.len() as u64
        + tree_hashes(&touched, state.account_count(), ACCOUNTS_TREE_DEPTH)
        + 1
        + 8
        + 7
}

static FIXTURE: OnceLock<Fixture> = OnceLock::new();

fn fixture() -> &'static Fixture {
    FIXTURE.get_or_init(|| {
        let pool = build_thread_pool(pool_threads()).expect("thread pool");
        let accounts = GenesisAccounts {
            accounts_per_shard: ACCOUNTS_PER_SHARD,
            balance: 1_000_000_000,
        };
        let mut states = pool
            .install(|| genesis_states(ACTIVE_SHARDS, &accounts))
            .expect("genesis");
        for state in &mut states {
            state.warm_key_cache();
        }
        let limits = BlockLimits::from_config(&ChainConfig::default());
        let blocks: Vec<ShardBlock> = pool.install(|| {
            (0..ACTIVE_SHARDS as usize)
                .into_par_iter()
                .map(|shard| {
                    let txs = build_transfers(shard, &states);
                    build_block(&states[shard], txs, 1).expect("block")
                })
                .collect()
        });
        let raw: Vec<RawBatch> = blocks
            .iter()
            .map(|block| {
                let txs = &block.body.transactions;
                RawBatch {
                    messages: txs.iter().map(|tx| tx.signing_root()).collect(),
                    signatures: txs
                        .iter()
                        .map(|tx| Signature::from_bytes(&tx.signature.0))
                        .collect(),
                    // Decompressed once, like the state's key cache.
                    keys: txs
                        .iter()
                        .map(|tx| VerifyingKey::from_bytes(&tx.from.0).expect("valid key"))
                        .collect(),
                }
            })
            .collect();
        // The blocks are what they claim: full, partly cross-shard, valid with signatures,
        // within the default limits.
        for (state, block) in states.iter().zip(&blocks) {
            let mut check = state.clone();
            let outcome = execute_block(&mut check, block, true).expect("valid signed block");
            let cross = block
                .body
                .transactions
                .iter()
                .filter(|tx| !state.is_home_of(&tx.to))
                .count();
            assert_eq!(block.body.transactions.len(), TRANSFERS_PER_BLOCK);
            assert_eq!(outcome.outgoing_receipts.len(), cross);
            assert!(cross > 0 && cross < TRANSFERS_PER_BLOCK / 4);
            assert!(block.encoded_len() as u64 <= limits.max_bytes);
            assert!(block.body.transactions.len() as u64 <= limits.max_transactions);
        }
        let hashes_unsigned = states
            .iter()
            .zip(&blocks)
            .map(|(s, b)| block_hashes(s, b, false))
            .collect();
        let hashes_signed = states
            .iter()
            .zip(&blocks)
            .map(|(s, b)| block_hashes(s, b, true))
            .collect();
        Fixture {
            states,
            blocks,
            raw,
            hashes_unsigned,
            hashes_signed,
            pool,
            limits,
        }
    })
}

fn execute(c: &mut Criterion, group: &str, verify_signatures: bool) {
    let f = fixture();
    let mut context = ExecutionContext::new(verify_signatures, &NoCrosslinks);
    context.limits = f.limits;
    let mut g = c.benchmark_group(group);
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(if verify_signatures { 4 } else { 3 }));
    for n in SHARD_COUNTS {
        g.throughput(Throughput::Elements((n * TRANSFERS_PER_BLOCK) as u64));
        g.bench_with_input(BenchmarkId::new("shardnode", n), &n, |b, &n| {
            b.iter_batched(
                || {
                    let states = f.states[..n].to_vec();
                    evict_caches(&f.pool);
                    states
                },
                |mut states| {
                    let results =
                        execute_shards_parallel(&f.pool, &mut states, &f.blocks[..n], &context);
                    assert!(results.iter().all(Result::is_ok));
                    (states, results)
                },
                BatchSize::LargeInput,
            )
        });
        if verify_signatures {
            g.bench_with_input(BenchmarkId::new("raw_ed25519_batch", n), &n, |b, &n| {
                b.iter(|| {
                    f.pool
                        .install(|| f.raw[..n].par_iter().for_each(RawBatch::verify))
                })
            });
        } else {
            let counts = &f.hashes_unsigned[..n];
            g.bench_with_input(BenchmarkId::new("raw_sha256_floor", n), &n, |b, _| {
                b.iter(|| {
                    f.pool.install(|| {
                        counts
                            .par_iter()
                            .map(|&count| black_box(common::sha256_floor(count)))
                            .reduce(|| 0, |a, b| a ^ b)
                    })
                })
            });
        }
    }
    g.finish();
}

fn unsigned(c: &mut Criterion) {
    execute(c, UNSIGNED, false);
}

fn signed(c: &mut Criterion) {
    execute(c, SIGNED, true);
}

criterion_group!(benches, unsigned, signed);

/// Transfers per second of `group/function/n` (n shard blocks per iteration), from
/// criterion's estimate of this run.
fn rate(group: &str, function: &str, n: usize) -> Option<f64> {
    common::mean_ns(group, &format!("{function}/{n}"))
        .map(|ns| (n * TRANSFERS_PER_BLOCK) as f64 * 1e9 / ns)
}

fn print_derived() {
    let threads = pool_threads();
    println!(
        "\nShard execution: derived figures ({TRANSFERS_PER_BLOCK} transfers per shard block, \
         pool of {threads} threads)"
    );
    if let Some(f) = FIXTURE.get() {
        println!(
            "  64-byte hashes per shard block (shard 0): {} without signatures, {} with",
            f.hashes_unsigned[0], f.hashes_signed[0]
        );
    }
    match rate(UNSIGNED, "shardnode", 1) {
        Some(r) => println!(
            "  without signatures, per core (1 shard, 1 thread): {r:>9.0} transfers/s \
             (target >= 300000: {})",
            verdict(r >= 300_000.0)
        ),
        None => println!("  without signatures: not measured in this run"),
    }
    if let Some(r) = rate(UNSIGNED, "shardnode", 8) {
        println!(
            "  without signatures, per core (8 shards, {threads} threads): {:>9.0} transfers/s",
            r / threads as f64
        );
    }
    for n in SHARD_COUNTS {
        if let (Some(ours), Some(raw)) = (
            rate(SIGNED, "shardnode", n),
            rate(SIGNED, "raw_ed25519_batch", n),
        ) {
            println!(
                "  with signatures, {n} shard(s): {ours:>7.0} transfers/s = {:>5.1} % of the raw \
                 ed25519 batch rate {raw:>7.0}/s (target >= 80 %: {})",
                100.0 * ours / raw,
                verdict(ours >= 0.8 * raw)
            );
        }
    }
    for (label, group) in [("without", UNSIGNED), ("with", SIGNED)] {
        let Some(one) = rate(group, "shardnode", 1) else {
            continue;
        };
        let speedups: Vec<String> = SHARD_COUNTS[1..]
            .iter()
            .filter_map(|&n| {
                rate(group, "shardnode", n)
                    .map(|r| format!("{n} shards {:.2}x ({})", r / one, verdict(r / one >= 1.8)))
            })
            .collect();
        println!(
            "  speed-up over 1 shard, {label} signatures: {} (target >= 1.8x)",
            speedups.join(", ")
        );
    }
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    common::print_against_limits(
        "Shard execution",
        &[
            (UNSIGNED, "shardnode/1", "raw_sha256_floor/1"),
            (UNSIGNED, "shardnode/2", "raw_sha256_floor/2"),
            (UNSIGNED, "shardnode/4", "raw_sha256_floor/4"),
            (UNSIGNED, "shardnode/8", "raw_sha256_floor/8"),
            (SIGNED, "shardnode/1", "raw_ed25519_batch/1"),
            (SIGNED, "shardnode/2", "raw_ed25519_batch/2"),
            (SIGNED, "shardnode/4", "raw_ed25519_batch/4"),
            (SIGNED, "shardnode/8", "raw_ed25519_batch/8"),
        ],
    );
    print_derived();
}
