//! Simulator speed and memory (design 8; issue 12): for each scenario below, one `shardnode sim`
//! process per run, and for each run its wall time, simulated seconds per wall second, peak RSS
//! and peak RSS per simulated node (the child's own `ru_maxrss`, read with `wait4`), printed
//! beside the physical floor of its transaction cryptography measured in this process.
//!
//! Scenarios:
//! - `default`: `shardnode sim` with no arguments (4 nodes, 8 epochs, 50 tx/s per shard, real BLS
//!   and ed25519);
//! - `heavy_12_epochs`, `heavy_24_epochs`, `heavy_48_epochs`: `scenarios/heavy.toml` (8 nodes,
//!   200 tx/s per shard on 8 shards, real crypto: the default load before issue 12) at 12, 24
//!   and 48 epochs. Memory must not grow with the run's length: the 48-epoch peak is compared
//!   with the 12-epoch peak;
//! - `mainnet_64_shards_0_tx` and `mainnet_64_shards_10_tx`: mainnet preset, 64 active shards,
//!   16,384 validators, fake crypto, 4 nodes, 4 epochs, at 0 and 10 tx/s per shard (target: 200
//!   simulated seconds per wall second or better at 0 tx, and under 2 GB for the 4 nodes).
//!
//! Arguments after `--` select scenarios by substring (`cargo bench --bench simulator -- heavy`);
//! `SHARDNODE_SIM_BENCH_RUNS` (default 1) repeats each. A whole run takes seconds to minutes, so
//! every run is printed and no statistics are drawn from fewer than 10 samples. The 48-epoch run
//! takes about 5 minutes on the 2-core development machine; the whole bench about 10.
//!
//! Floors: under real crypto, one ed25519 signature and one share of a batch verification per
//! included transaction on one core (the work the run cannot avoid); under fake crypto, the raw
//! SHA-256 of each transaction's root once per node.

use ed25519_dalek::{Signer, SigningKey};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

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

/// One benchmarked scenario: `shardnode sim` arguments, and the floor that applies to it.
struct Case {
    name: &'static str,
    args: Vec<String>,
    nodes: f64,
    real_crypto: bool,
}

/// What one child process reported and used.
struct Measured {
    wall: f64,
    peak_rss_bytes: f64,
    cpu_seconds: f64,
    summary: serde_json::Value,
}

/// Runs `shardnode sim --quiet ARGS --out DIR` as a child and reads its rusage and summary.
// The child is reaped by `wait4` (for its rusage), not by `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_child(args: &[String], out: &Path) -> Measured {
    let start = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_shardnode"))
        .arg("sim")
        .arg("--quiet")
        .args(args)
        .arg("--out")
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("shardnode sim starts");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value of this plain C struct.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our own child, not yet waited for; both pointers are to live locals.
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed().as_secs_f64();
    assert_eq!(waited, pid, "wait4 on the simulator child");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "shardnode sim {args:?} failed (status {status})"
    );
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let text = std::fs::read_to_string(out.join("summary.json")).expect("summary.json written");
    Measured {
        wall,
        // Linux reports ru_maxrss in KiB.
        peak_rss_bytes: usage.ru_maxrss as f64 * 1024.0,
        cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        summary: serde_json::from_str(&text).expect("summary.json parses"),
    }
}

fn bench(case: &Case, ed_per_tx: f64, sha_per_tx: f64, scratch: &Path) -> Vec<f64> {
    let mut peaks = Vec::new();
    for run in 1..=runs() {
        let out = scratch.join(format!("{}-{run}", case.name));
        let _ = std::fs::remove_dir_all(&out);
        let m = run_child(&case.args, &out);
        let s = &m.summary;
        let number = |key: &str| s[key].as_f64().unwrap_or(f64::NAN);
        let transactions = number("transactions_included");
        let simulated = number("simulated_seconds");
        let gb = m.peak_rss_bytes / 1e9;
        println!(
            "simulator/{} run {run}: {:.1} s wall, {:.1} simulated s per wall s, peak RSS {:.2} GB ({:.0} MB per node), CPU {:.1} s, {} slots, finalized epoch {}, {} transactions, trace {}",
            case.name,
            m.wall,
            simulated / m.wall,
            gb,
            m.peak_rss_bytes / case.nodes / 1e6,
            m.cpu_seconds,
            s["slots_run"],
            s["finalized_epoch"],
            transactions,
            s["trace_hash"].as_str().map(|t| &t[..16]).unwrap_or("?"),
        );
        if transactions > 0.0 {
            let (floor, label) = if case.real_crypto {
                (
                    ed_per_tx * transactions,
                    "ed25519 sign + batch-verify share of every included transaction once",
                )
            } else {
                (
                    sha_per_tx * transactions * case.nodes,
                    "raw SHA-256 of every included transaction's root at each node",
                )
            };
            println!(
                "simulator/{} run {run}: floor ({label}): {floor:.1} s on one core; wall is {:.2}x of it",
                case.name,
                m.wall / floor
            );
        } else {
            println!(
                "simulator/{} run {run}: no transactions, so no transaction floor",
                case.name
            );
        }
        peaks.push(m.peak_rss_bytes);
        let _ = std::fs::remove_dir_all(&out);
    }
    peaks
}

fn cases() -> Vec<Case> {
    let heavy: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/heavy.toml");
    let heavy = heavy.to_string_lossy().into_owned();
    let owned = |args: &[&str]| args.iter().map(|a| a.to_string()).collect::<Vec<_>>();
    let mainnet = |tps: &str| {
        let mut args = Vec::new();
        for (key, value) in [
            ("preset", "mainnet"),
            ("validators", "16384"),
            ("active_shards", "64"),
            ("crypto", "fake"),
            ("nodes", "4"),
            ("epochs", "4"),
            ("tps_per_shard", tps),
            ("accounts_per_shard", "64"),
        ] {
            args.push("--set".to_string());
            args.push(format!("{key}={value}"));
        }
        args
    };
    let mut cases = vec![Case {
        name: "default",
        args: Vec::new(),
        nodes: 4.0,
        real_crypto: true,
    }];
    for (name, epochs) in [
        ("heavy_12_epochs", "12"),
        ("heavy_24_epochs", "24"),
        ("heavy_48_epochs", "48"),
    ] {
        cases.push(Case {
            name,
            args: owned(&["--scenario", &heavy, "--epochs", epochs]),
            nodes: 8.0,
            real_crypto: true,
        });
    }
    for (name, tps) in [
        ("mainnet_64_shards_0_tx", "0"),
        ("mainnet_64_shards_10_tx", "10"),
    ] {
        cases.push(Case {
            name,
            args: mainnet(tps),
            nodes: 4.0,
            real_crypto: false,
        });
    }
    cases
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument selects scenarios by substring.
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let selected: Vec<Case> = cases()
        .into_iter()
        .filter(|c| filters.is_empty() || filters.iter().any(|f| c.name.contains(f.as_str())))
        .collect();
    let ed = ed25519_floor_per_tx();
    let sha = sha256_floor_per_tx();
    println!(
        "floors measured now: ed25519 sign + batch-verify share {:.2} us/tx, raw SHA-256 transaction root {:.3} us/tx",
        ed * 1e6,
        sha * 1e6
    );
    let scratch = std::env::temp_dir().join(format!("shardnode-sim-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let mut peaks = std::collections::BTreeMap::new();
    for case in &selected {
        let case_peaks = bench(case, ed, sha, &scratch);
        let max = case_peaks.iter().copied().fold(0.0, f64::max);
        peaks.insert(case.name, max);
    }
    if let (Some(short), Some(long)) = (peaks.get("heavy_12_epochs"), peaks.get("heavy_48_epochs"))
    {
        println!(
            "simulator/heavy: peak RSS at 48 epochs is {:.2}x the peak at 12 epochs (bound: 1.2x)",
            long / short
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
