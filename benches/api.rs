//! The HTTP API's hot paths, through the real router (axum, `tower::oneshot`, no TCP) and a real
//! node on its own thread:
//! - `api_submit`: `POST /shardnode/v1/transactions` with 256 fresh signed transfers, as SSZ
//!   and as JSON (parse, one ed25519 batch check, mempool admission, gossip encoding), beside
//!   the physical limit measured in the same run: `ed25519_dalek::verify_batch` of the same
//!   256 signatures over their signing roots;
//! - `metrics_scrape`: `/metrics` (a query on the node thread, then the text encoding), and
//!   the encoding alone.
//!
//! Fresh transactions every iteration: the node is rebuilt (untimed) when its pre-signed pool
//! runs out, so every timed submission admits new transactions.

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use consensus::{ChainConfig, Minimal};
use criterion::{criterion_group, Criterion, Throughput};
use ed25519_dalek::{Signature, VerifyingKey};
use shard::genesis::genesis_keys_all;
use shard::transaction::address_of;
use shard::{GenesisAccounts, Transaction};
use shardnode::api::{metrics_router, router};
use shardnode::metrics::NodeMetrics;
use std::time::{Duration, Instant};
use tower::ServiceExt;

const VALIDATORS: u64 = 64;
const ACCOUNTS_PER_SHARD: u64 = 128;
/// Nonces per sender in the pool (the mempool admits at most 64 past the account's nonce).
const NONCES: u64 = 48;
const BATCH: usize = 256;

struct Fixture {
    app: Router,
    metrics_app: Router,
    runtime: tokio::runtime::Runtime,
    _thread: std::thread::JoinHandle<beacon::node::Node<Minimal>>,
}

fn fixture() -> Fixture {
    let accounts = GenesisAccounts {
        accounts_per_shard: ACCOUNTS_PER_SHARD,
        balance: 1 << 40,
    };
    let local = shardnode::api::local::start::<Minimal>(VALIDATORS, accounts).expect("node starts");
    let state = local.state;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("tokio");
    Fixture {
        app: router(state.clone()),
        metrics_app: metrics_router(state),
        runtime,
        _thread: local.thread,
    }
}

/// Every sender's transfers for nonces `0..NONCES`, in submission order (nonce-major, so each
/// batch holds distinct senders and every nonce follows its predecessor).
fn pool() -> Vec<Transaction> {
    let chain = ChainConfig::default();
    let keys = genesis_keys_all(chain.active_shard_count, ACCOUNTS_PER_SHARD).expect("keys");
    let keys: Vec<_> = keys.into_iter().flatten().map(|(_, k)| k).collect();
    let mut out = Vec::with_capacity(keys.len() * NONCES as usize);
    for nonce in 0..NONCES {
        for (i, key) in keys.iter().enumerate() {
            let to = address_of(&keys[(i + 1) % keys.len()]);
            out.push(Transaction::signed_transfer(key, to, 1, 1, nonce));
        }
    }
    out
}

fn ssz_body(batch: &[Transaction]) -> Vec<u8> {
    batch
        .iter()
        .flat_map(|tx| consensus::sszx::encode(tx).expect("encodes"))
        .collect()
}

fn json_body(batch: &[Transaction]) -> Vec<u8> {
    let items: Vec<_> = batch
        .iter()
        .map(shardnode::api::shard::TransactionJson::from_transaction)
        .map(|t| {
            serde_json::json!({
                "from": t.from, "to": t.to, "amount": t.amount,
                "fee": t.fee, "nonce": t.nonce, "signature": t.signature,
            })
        })
        .collect();
    serde_json::to_vec(&items).expect("json")
}

fn post(app: &Router, runtime: &tokio::runtime::Runtime, content_type: &str, body: Vec<u8>) {
    let request = Request::builder()
        .method("POST")
        .uri("/shardnode/v1/transactions")
        .header("content-type", content_type)
        .body(Body::from(body))
        .expect("request");
    let response = runtime
        .block_on(app.clone().oneshot(request))
        .expect("answers");
    assert_eq!(response.status(), 202, "a fresh batch is admitted");
}

/// Times `BATCH`-transaction submissions of fresh transactions, encoded by `encode`.
fn submissions(
    c: &mut Criterion,
    name: &str,
    content_type: &str,
    encode: fn(&[Transaction]) -> Vec<u8>,
) {
    let pool = pool();
    let mut g = c.benchmark_group("api_submit");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.sample_size(30);
    g.measurement_time(Duration::from_secs(8));
    let mut node = fixture();
    let mut next = 0usize;
    g.bench_function(name, |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                if next + BATCH > pool.len() {
                    node = fixture();
                    next = 0;
                }
                let body = encode(&pool[next..next + BATCH]);
                next += BATCH;
                let started = Instant::now();
                post(&node.app, &node.runtime, content_type, body);
                total += started.elapsed();
            }
            total
        })
    });
    g.finish();
}

fn submit_ssz(c: &mut Criterion) {
    submissions(c, "ssz_256", "application/octet-stream", ssz_body);
}

fn submit_json(c: &mut Criterion) {
    submissions(c, "json_256", "application/json", json_body);
}

/// The physical limit: one ed25519 batch verification of the same 256 signatures.
fn raw_ed25519(c: &mut Criterion) {
    let pool = pool();
    let batch = &pool[..BATCH];
    let messages: Vec<_> = batch.iter().map(|tx| tx.roots().signing_root).collect();
    let messages: Vec<&[u8]> = messages.iter().map(|m| m.0.as_slice()).collect();
    let signatures: Vec<Signature> = batch
        .iter()
        .map(|tx| Signature::from_bytes(&tx.signature.0))
        .collect();
    let keys: Vec<VerifyingKey> = batch
        .iter()
        .map(|tx| VerifyingKey::from_bytes(&tx.from.0).expect("key"))
        .collect();
    let mut g = c.benchmark_group("api_submit");
    g.throughput(Throughput::Elements(BATCH as u64));
    g.bench_function("raw_ed25519_batch_256", |b| {
        b.iter(|| assert!(ed25519_dalek::verify_batch(&messages, &signatures, &keys).is_ok()))
    });
    g.finish();
}

fn scrape(c: &mut Criterion) {
    let fixture = fixture();
    let mut g = c.benchmark_group("metrics_scrape");
    g.bench_function("get_metrics", |b| {
        b.iter(|| {
            let request = Request::builder()
                .uri("/metrics")
                .body(Body::empty())
                .expect("request");
            let response = fixture
                .runtime
                .block_on(fixture.metrics_app.clone().oneshot(request))
                .expect("answers");
            assert_eq!(response.status(), 200);
            let bytes = fixture
                .runtime
                .block_on(axum::body::to_bytes(response.into_body(), 1 << 24))
                .expect("body");
            assert!(bytes.len() > 1000);
        })
    });
    let metrics = NodeMetrics::new().expect("metrics");
    for topic in [
        "beacon_block",
        "beacon_attestation",
        "shard_block",
        "shard_transaction",
    ] {
        for reason in ["accept", "bad_signature", "duplicate", "missing_block"] {
            metrics.observe_verdict(topic, "accept", reason);
        }
    }
    g.bench_function("render_only", |b| {
        b.iter(|| assert!(!metrics.render().is_empty()))
    });
    g.finish();
}

criterion_group!(benches, raw_ed25519, submit_ssz, submit_json, scrape);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
