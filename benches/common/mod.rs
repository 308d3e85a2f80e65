//! Shared by the benches: after criterion has measured a figure and its physical limit in the
//! same run, print them side by side with their ratio (read from criterion's own estimates).

#![allow(dead_code)]

pub mod beacon_fixtures;

use std::path::PathBuf;

fn estimate_ns(group: &str, function: &str) -> Option<f64> {
    let dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"));
    let path = dir
        .join("criterion")
        .join(group)
        .join(function)
        .join("new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    json["mean"]["point_estimate"].as_f64()
}

fn human(ns: f64) -> String {
    if ns >= 1e6 {
        format!("{:.3} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} us", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// Prints `figure | limit | ratio` for each `(group, ours, limit)` pair measured this run.
/// Criterion's mean estimate of `group/function` in this target dir, in nanoseconds.
pub fn mean_ns(group: &str, function: &str) -> Option<f64> {
    estimate_ns(group, function)
}

/// Raw SHA-256 floor: `count` independent 64-byte messages already in memory (a 256 KiB ring,
/// L2-resident), each through two calls of the compression function.
pub fn sha256_floor(count: u64) -> u8 {
    use std::sync::OnceLock;
    static RING: OnceLock<Vec<[u8; 64]>> = OnceLock::new();
    let ring = RING.get_or_init(|| {
        (0..4096u64)
            .map(|i| std::array::from_fn(|j| (i as u8).wrapping_mul(31).wrapping_add(j as u8)))
            .collect()
    });
    let mut acc = 0u8;
    for i in 0..count as usize {
        acc ^= consensus::hash::hash_64(&ring[i & 4095])[0];
    }
    acc
}

pub fn print_against_limits(title: &str, pairs: &[(&str, &str, &str)]) {
    println!("\n{title}: figure beside its physical limit (same run)");
    println!(
        "  {:<44} {:>12} {:>12} {:>7}",
        "benchmark", "figure", "limit", "ratio"
    );
    for (group, ours, limit) in pairs {
        match (estimate_ns(group, ours), estimate_ns(group, limit)) {
            (Some(a), Some(b)) => println!(
                "  {:<44} {:>12} {:>12} {:>6.3}x",
                format!("{group}/{ours}"),
                human(a),
                human(b),
                a / b
            ),
            _ => println!("  {group}/{ours}: not measured in this run (filtered out?)"),
        }
    }
}
