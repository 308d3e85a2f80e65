//! The researcher's outputs as a user runs them: `sim --plots`, `sweep` (tidy CSV, replayable
//! runs, plots) and `capture`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn shardnode(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shardnode"))
        .args(args)
        .output()
        .expect("runs")
}

/// A fresh directory under the system temp dir, removed when dropped (even on failure).
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("shardnode-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Plots need a TrueType font: CI installs one; elsewhere a machine without one skips loudly.
fn fonts_or_skip(test: &str) -> bool {
    if shardnode::plots::font_available() {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{test}: no TrueType font for the plots under CI (install fonts-dejavu-core)"
    );
    eprintln!("SKIPPED {test}: no TrueType font (set SHARDNODE_FONT or install fonts-dejavu-core)");
    false
}

fn assert_plot(dir: &Path, stem: &str) {
    let svg = std::fs::read_to_string(dir.join(format!("{stem}.svg")))
        .unwrap_or_else(|e| panic!("{stem}.svg: {e}"));
    assert!(svg.contains("<svg") && svg.contains("<text"), "{stem}.svg");
    let png = std::fs::read(dir.join(format!("{stem}.png"))).unwrap();
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{stem}.png is not a PNG"
    );
    assert!(png.len() > 4_000, "{stem}.png is nearly empty");
}

fn stdout(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn trace_hash(table: &str) -> String {
    table
        .lines()
        .find_map(|l| l.strip_prefix("trace hash"))
        .map(|h| h.trim().to_string())
        .expect("a trace hash row")
}

#[test]
fn sim_writes_every_plot() {
    if !fonts_or_skip("sim_writes_every_plot") {
        return;
    }
    let dir = TempDir::new("sim-plots");
    let out = dir.0.to_str().unwrap();
    stdout(&shardnode(&[
        "sim",
        "--quiet",
        "--set",
        "crypto=fake",
        "--epochs",
        "4",
        "--out",
        out,
        "--plots",
    ]));
    for stem in [
        "finality",
        "tps-per-shard",
        "cdf-inclusion",
        "cdf-crosslink",
        "cdf-cross-shard",
    ] {
        assert_plot(&dir.0, stem);
    }
    let refused = shardnode(&["sim", "--plots"]);
    assert!(
        !refused.status.success(),
        "--plots without --out must be refused"
    );
}

#[test]
fn sweep_writes_a_tidy_csv_of_replayable_runs() {
    let dir = TempDir::new("sweep");
    let out = dir.0.to_str().unwrap();
    let text = stdout(&shardnode(&[
        "sweep",
        "--quiet",
        "--set",
        "crypto=fake",
        "--set",
        "epochs=3",
        "--vary",
        "active_shards=1,2",
        "--vary",
        "loss=0,0.1",
        "--replicates",
        "2",
        "--jobs",
        "2",
        "--out",
        out,
    ]));
    assert!(text.contains("8 runs"), "{text}");
    let csv = std::fs::read_to_string(dir.0.join("sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 9, "a header and one row per run:\n{csv}");
    let header: Vec<&str> = lines[0].split(',').collect();
    assert_eq!(
        header[..5],
        ["run", "active_shards", "loss", "replicate", "seed"]
    );
    for column in [
        "tps_total",
        "finalized_epoch",
        "inclusion_latency_ms_p99",
        "trace_hash",
    ] {
        assert!(header.contains(&column), "no {column} column");
    }
    let cell = |run: usize, name: &str| -> String {
        let col = header.iter().position(|h| *h == name).unwrap();
        lines[run + 1].split(',').nth(col).unwrap().to_string()
    };
    // The first key varies slowest, replicates fastest: run 7 is active_shards=2, loss=0.1,
    // replicate 1, so seed 1 + 1.
    assert_eq!(cell(7, "run"), "7");
    assert_eq!(cell(7, "active_shards"), "2");
    assert_eq!(cell(7, "loss"), "0.1");
    assert_eq!(cell(7, "seed"), "2");
    assert_eq!(cell(7, "safety_violations"), "0");
    // Each run replays from its file to the same trace hash.
    let replay = stdout(&shardnode(&[
        "sim",
        "--quiet",
        "--scenario",
        dir.0.join("runs/run-7.toml").to_str().unwrap(),
    ]));
    assert_eq!(trace_hash(&replay), cell(7, "trace_hash"));
    if fonts_or_skip("sweep plots") {
        assert_plot(&dir.0.join("plots"), "sweep-tps_total");
        assert_plot(&dir.0.join("plots"), "sweep-finalized_epoch");
    }
    let bad = shardnode(&["sweep", "--vary", "nodez=1,2", "--out", out]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nodez"));
}

#[test]
fn capture_matches_the_hypergeometric_law() {
    let dir = TempDir::new("capture");
    let out = dir.0.to_str().unwrap();
    let text = stdout(&shardnode(&[
        "capture",
        "--validators",
        "4096",
        "--sizes",
        "16,64",
        "--shares",
        "0.25,0.33",
        "--epochs",
        "300",
        "--out",
        out,
    ]));
    assert!(text.contains(">=1/3 law"), "{text}");
    let csv = std::fs::read_to_string(dir.0.join("capture.csv")).unwrap();
    let rows: Vec<Vec<f64>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    for row in rows {
        // committees, third_fraction, third_law: within 5 standard errors.
        let (n, observed, law) = (row[3], row[5], row[6]);
        let se = (law * (1.0 - law) / n).sqrt();
        assert!((observed - law).abs() <= 5.0 * se + 1e-12, "{row:?}");
    }
    if fonts_or_skip("capture plots") {
        assert_plot(&dir.0, "capture-third");
        assert_plot(&dir.0, "capture-two-thirds");
    }
}

#[test]
fn swarm_runs_seeds_resumes_and_replays_one() {
    let dir = TempDir::new("swarm");
    let out = dir.0.to_str().unwrap();
    let swarm = |seeds: &str, more: &[&str]| {
        let mut args = vec![
            "swarm", "--quiet", "--seeds", seeds, "--start", "100", "--jobs", "2", "--out", out,
        ];
        args.extend_from_slice(more);
        shardnode(&args)
    };
    let text = stdout(&swarm("3", &["--recheck", "1"]));
    assert!(text.contains("3 seeds (100..103)"), "{text}");
    assert!(
        text.contains("3 passed, 0 safety violations, 0 liveness failures"),
        "{text}"
    );
    assert!(
        text.contains("determinism: 1 of 1 seeds replayed gave the same trace hash"),
        "{text}"
    );
    let csv_path = dir.0.join("swarm.csv");
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let hash_of = |csv: &str, seed: &str| -> String {
        let row = csv
            .lines()
            .find(|l| l.starts_with(&format!("{seed},")))
            .unwrap_or_else(|| panic!("seed {seed} in {csv}"));
        row.split(',').nth(4).unwrap().to_string()
    };
    let hash_101 = hash_of(&csv, "101");

    // Resume over 100..104 with seed 101's recorded hash altered: only seed 103 runs, and the
    // recheck over the whole range replays 101 and catches the difference.
    let forged = csv.replace(&hash_101, &"0".repeat(64));
    std::fs::write(&csv_path, &forged).unwrap();
    let resumed = swarm("4", &["--recheck", "4", "--resume"]);
    assert!(
        !resumed.status.success(),
        "a differing trace hash fails the run"
    );
    let text = String::from_utf8_lossy(&resumed.stdout);
    assert!(
        text.contains(
            "3 seeds of 100..104 already in swarm.csv (0 failed there); running the other 1"
        ),
        "{text}"
    );
    assert!(text.contains("1 seeds (100..104)"), "{text}");
    assert!(
        text.contains("the whole range, 4 seeds: 4 passed"),
        "{text}"
    );
    assert!(text.contains("seed 101 NOT DETERMINISTIC"), "{text}");
    assert!(
        text.contains("determinism: 3 of 4 seeds replayed gave the same trace hash"),
        "{text}"
    );
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    let seeds: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(seeds, ["100", "101", "102", "103"], "{csv}");

    let replay = stdout(&shardnode(&["swarm", "--replay", "101"]));
    assert!(replay.starts_with("swarm seed 101: "), "{replay}");
    assert_eq!(trace_hash(&replay), hash_101, "a replay is the same run");
}

#[test]
fn calibrate_writes_a_table_a_scenario_accepts() {
    let dir = TempDir::new("calibrate");
    let file = dir.0.join("costs.toml");
    let text = stdout(&shardnode(&["calibrate", "--out", file.to_str().unwrap()]));
    assert!(text.contains("carried from the shipped table"), "{text}");
    let table: simulator::cpu::CostTable =
        toml::from_str(&std::fs::read_to_string(&file).unwrap()).expect("the written table parses");
    for (key, value) in table.entries() {
        assert!(value.is_finite() && value > 0.0, "{key} = {value}");
    }
    // The measured entries as a scenario's overrides.
    let mut scenario = String::from("[cpu.costs]\n");
    for (key, value) in table.entries() {
        scenario.push_str(&format!("{key} = {value}\n"));
    }
    simulator::Scenario::from_toml_str(&scenario).expect("a scenario takes the table");
}

#[test]
fn the_jsonl_trace_lists_every_event_and_changes_nothing() {
    let dir = TempDir::new("jsonl");
    let file = dir.0.join("events.jsonl");
    let args = ["sim", "--quiet", "--set", "crypto=fake", "--epochs", "5"];
    let plain = stdout(&shardnode(&args));
    let mut with_trace = args.to_vec();
    with_trace.extend(["--trace-jsonl", file.to_str().unwrap()]);
    let traced = stdout(&shardnode(&with_trace));
    assert_eq!(
        trace_hash(&plain),
        trace_hash(&traced),
        "the trace only reads"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    let mut last_t = 0;
    for line in text.lines() {
        let value: serde_json::Value =
            serde_json::from_str(line).expect("one JSON object per line");
        let t = value["t_ms"].as_u64().expect("t_ms");
        assert!(t + 1_000 >= last_t, "lines come in dispatch order");
        last_t = last_t.max(t);
        assert!(value["node"].as_u64().is_some_and(|n| n < 4));
        kinds.insert(value["event"].as_str().unwrap().to_string());
    }
    for kind in [
        "head",
        "proposed",
        "attested",
        "finalized",
        "crosslinked",
        "shard_block_imported",
    ] {
        assert!(kinds.contains(kind), "no {kind} event in {kinds:?}");
    }
}
