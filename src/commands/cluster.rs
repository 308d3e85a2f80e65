//! `shardnode cluster`: a local network of node processes from a scenario (see
//! `docs/cluster.md`).

use super::sim::{build_scenario, SimArgs};
use anyhow::{bail, Result};
use shardnode::cluster::chaos::Chaos;
use shardnode::cluster::{ClusterArgs, Kill, RunLength};
use std::path::PathBuf;

/// The flags of `shardnode cluster`.
#[derive(clap::Args, Debug)]
pub struct ClusterFlags {
    /// A scenario file (the simulator's format); keys only a simulation can honour are refused.
    #[arg(long)]
    pub scenario: Option<PathBuf>,
    /// Override a scenario value, e.g. `--set slot_duration_ms=2000` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Node processes (same as `--set nodes=N`).
    #[arg(long)]
    pub nodes: Option<u64>,
    /// Run this many epochs after genesis (default: the scenario's `epochs`).
    #[arg(long, conflicts_with = "duration")]
    pub epochs: Option<u64>,
    /// Run this many seconds instead.
    #[arg(long)]
    pub duration: Option<u64>,
    /// Where the genesis, the data dirs, the logs and summary.json go (default: a new temp dir).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Fail when no new epoch is finalized for this many epochs.
    #[arg(long, default_value_t = 4)]
    pub stall_epochs: u64,
    /// Crash node NODE with SIGKILL in slot SLOT and restart it from its data dir (repeatable).
    #[arg(long = "kill", value_name = "NODE@SLOT")]
    pub kills: Vec<Kill>,
    /// Crash N random nodes with SIGKILL at random moments (from the end of epoch 0 to three
    /// epochs before the end), restarting each from its data dir; the end-of-run checks say
    /// whether anything was lost (with `--tps`, finalized transactions too).
    #[arg(long, value_name = "N")]
    pub chaos_kills: Option<u64>,
    /// The seed of the random crashes (the same seed, the same moments and nodes).
    #[arg(long, default_value_t = 1, requires = "chaos_kills")]
    pub chaos_seed: u64,
    /// No live status line; a plain line every 5 s.
    #[arg(long)]
    pub quiet: bool,
    /// Push this many signed transfers per second into the nodes' APIs (`shardnode load`),
    /// and write its report to DIR/load.json.
    #[arg(long)]
    pub tps: Option<f64>,
    /// Start a Prometheus server scraping every node (needs `prometheus` on PATH; Debian's
    /// package); DIR/prometheus.yml is written either way.
    #[arg(long)]
    pub prometheus: bool,
    /// Give every node its own network namespace (veth pairs on bridges, made and removed by
    /// the cluster; needs root), so the scenario's `[[network.partitions]]` cut real links on
    /// their schedule.
    #[arg(long)]
    pub netns: bool,
}

/// Runs the cluster; `Ok(false)` when it failed (already reported).
pub fn run(flags: ClusterFlags) -> Result<bool> {
    let mut set = flags.set;
    if let Some(nodes) = flags.nodes {
        set.insert(0, format!("nodes={nodes}"));
    }
    let scenario = build_scenario(&SimArgs {
        scenario: flags.scenario,
        set,
        out: None,
        quiet: true,
        plots: false,
        trace_jsonl: None,
    })?;
    if flags.stall_epochs == 0 {
        bail!("--stall-epochs 0: give at least one epoch");
    }
    let length = match (flags.epochs, flags.duration) {
        (_, Some(seconds)) => RunLength::Seconds(seconds),
        (Some(epochs), None) => RunLength::Epochs(epochs),
        (None, None) => RunLength::Epochs(scenario.epochs),
    };
    shardnode::cluster::run(ClusterArgs {
        scenario,
        length,
        out: flags.out,
        stall_epochs: flags.stall_epochs,
        kills: flags.kills,
        quiet: flags.quiet,
        tps: flags.tps,
        prometheus: flags.prometheus,
        netns: flags.netns,
        chaos: flags.chaos_kills.map(|kills| Chaos {
            kills,
            seed: flags.chaos_seed,
        }),
    })
}
