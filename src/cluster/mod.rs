//! # cluster: a local network of `shardnode node` processes in one command
//!
//! [`plan`] turns a scenario into a genesis, data dirs and settings (refusing what only a
//! simulation can honour); [`process`] starts and stops the node processes; [`monitor`] polls
//! them. The run ends after `--epochs` or `--duration`, on Ctrl-C, when finality stalls, or
//! when a node dies unexpectedly; every node is stopped in every case, and `summary.json`
//! says what happened.

pub mod chaos;
pub mod monitor;
pub mod netns;
pub mod plan;
pub mod process;
pub mod prometheus;

use anyhow::{bail, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use monitor::{FinalityLedger, StatusView};
use plan::{Plan, PlannedNode};
use process::NodeProcess;
use serde::Serialize;
use simulator::Scenario;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How long a node may take to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// How often the nodes are polled.
const POLL_EVERY: Duration = Duration::from_millis(500);

/// A scheduled crash: SIGKILL node `node` in slot `slot` and restart it from its data dir.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kill {
    pub node: usize,
    pub slot: u64,
}

impl std::str::FromStr for Kill {
    type Err = String;

    /// `NODE@SLOT`.
    fn from_str(text: &str) -> Result<Self, String> {
        let (node, slot) = text
            .split_once('@')
            .ok_or_else(|| format!("`{text}`: expected NODE@SLOT"))?;
        Ok(Kill {
            node: node
                .trim()
                .parse()
                .map_err(|_| format!("`{node}` is not a node index"))?,
            slot: slot
                .trim()
                .parse()
                .map_err(|_| format!("`{slot}` is not a slot"))?,
        })
    }
}

/// How long the cluster runs.
#[derive(Clone, Copy, Debug)]
pub enum RunLength {
    Epochs(u64),
    Seconds(u64),
}

/// What `shardnode cluster` was asked to do.
#[derive(Clone, Debug)]
pub struct ClusterArgs {
    pub scenario: Scenario,
    pub length: RunLength,
    pub out: Option<PathBuf>,
    /// Epochs without a new finalized epoch before the run fails.
    pub stall_epochs: u64,
    pub kills: Vec<Kill>,
    pub quiet: bool,
    /// Run `shardnode load` at this many transactions per second against the nodes' APIs,
    /// from the second slot to the end of the run (the scenario's `cross_shard` share).
    pub tps: Option<f64>,
    /// Start a Prometheus server on `DIR/prometheus.yml` (if `prometheus` is installed).
    pub prometheus: bool,
    /// Every node in its own network namespace; partitions cut real links (`netns`).
    pub netns: bool,
    /// Random crashes, with the checks that they lost nothing (`chaos`).
    pub chaos: Option<chaos::Chaos>,
}

/// One node in `summary.json`.
#[derive(Clone, Debug, Default, Serialize)]
pub struct NodeSummary {
    pub index: usize,
    pub pid: u32,
    pub p2p: String,
    pub api: String,
    pub metrics: String,
    pub log: String,
    pub validators: String,
    pub head_slot: Option<u64>,
    pub finalized_epoch: Option<u64>,
    pub justified_epoch: Option<u64>,
    pub peers: Option<usize>,
    pub banned_peers: Option<u64>,
    /// Each shard's head slot at the end.
    pub shard_head_slots: Vec<u64>,
    pub restarts: u64,
    /// Slots from each restart until the node's head was back within a slot of the others'.
    pub recovery_slots: Vec<u64>,
    pub cpu_seconds: Option<f64>,
    pub peak_rss_bytes: Option<u64>,
}

/// `summary.json`: the simulator's field names where they apply.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ClusterSummary {
    pub nodes: usize,
    pub preset: String,
    pub validators: u64,
    pub active_shards: u64,
    pub slot_duration_ms: u64,
    pub slots_run: u64,
    /// The lowest first finalized epoch any node saw (epochs after genesis only).
    pub first_finalized_epoch: Option<u64>,
    /// The finalized and justified epochs every node has reached (the lowest of the nodes).
    pub finalized_epoch: u64,
    pub justified_epoch: u64,
    /// Seconds from genesis until a node first saw a finalized epoch.
    pub time_to_first_finality_seconds: Option<f64>,
    /// Crosslinks per shard, as the observer (the first node never killed) counted them.
    pub crosslinks_per_shard: Vec<u64>,
    pub missed_beacon_slots: u64,
    pub missed_shard_slots: u64,
    pub safety_violations: Vec<String>,
    /// Each first sighting of a new finalized epoch: the slot and the highest finalized epoch
    /// any node reported then.
    pub finality_timeline: Vec<FinalityPoint>,
    /// What the network did: `(slot, "partition [[0, 1], [2, 3]]")`, `(slot, "heal")`.
    pub network_events: Vec<(u64, String)>,
    /// Every crash the cluster made: the node, and the slot and ms into it of the SIGKILL.
    pub kills: Vec<KillRecord>,
    /// What crashes must not break (checked on every run; `docs/reliability.md`).
    pub checks: Checks,
    /// Beacon block arrival after its slot's start, over every node's gossip arrivals.
    pub block_delay_p50_ms: Option<u64>,
    pub block_delay_p99_ms: Option<u64>,
    pub block_delay_samples: usize,
    pub wall_seconds: f64,
    pub outcome: String,
    pub per_node: Vec<NodeSummary>,
}

/// See [`ClusterSummary::kills`].
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct KillRecord {
    pub node: usize,
    pub slot: u64,
    pub ms_into_slot: u64,
}

/// See [`ClusterSummary::checks`].
#[derive(Clone, Debug, Default, Serialize)]
pub struct Checks {
    /// A node whose finalized checkpoint went back (after a restart or not).
    pub finality_regressions: Vec<String>,
    /// A node's shard whose supply was not what genesis gave, at any poll.
    pub supply_violations: Vec<String>,
    /// Supply checks made (nodes x shards x polls).
    pub supply_checks: u64,
    /// Transactions an API called finalized, asked again at every node at the end (with
    /// `--tps` and `--chaos-kills`).
    pub finalized_transactions: Option<chaos::TxCheck>,
    /// The offline audit of every node's signing journal.
    pub signing_audit: Option<crate::signing_journal::Audit>,
}

impl Checks {
    /// The first failed check, if any.
    pub fn failure(&self) -> Option<String> {
        if let Some(v) = self.finality_regressions.first() {
            return Some(format!("safety violation: {v}"));
        }
        if let Some(v) = self.supply_violations.first() {
            return Some(format!("supply not conserved: {v}"));
        }
        if let Some(lost) = self
            .finalized_transactions
            .as_ref()
            .and_then(|t| t.lost.first())
        {
            return Some(format!("a finalized transaction was lost: {lost}"));
        }
        if let Some(pair) = self
            .signing_audit
            .as_ref()
            .and_then(|a| a.slashable_pairs.first())
        {
            return Some(format!("slashable signatures published: {pair}"));
        }
        None
    }
}

/// See [`ClusterSummary::finality_timeline`].
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct FinalityPoint {
    pub slot: u64,
    pub finalized_epoch: u64,
}

/// When the run ends (Unix ms) and the crashes it makes, in time order.
struct Schedule {
    end_ms: u64,
    crashes: Vec<chaos::Crash>,
}

/// What `watch` saw besides the outcome.
#[derive(Default)]
struct Watched {
    ledger: FinalityLedger,
    timeline: Vec<FinalityPoint>,
    network_events: Vec<(u64, String)>,
    kills: Vec<KillRecord>,
    floor: chaos::FinalityFloor,
    checks: Checks,
}

struct RunningNode {
    plan: PlannedNode,
    process: NodeProcess,
    status: Option<StatusView>,
    restarts: u64,
    recovery_slots: Vec<u64>,
    /// The slot of the latest restart, until the node caught up.
    recovering_since: Option<u64>,
    usage: Option<(f64, u64)>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn percentile(sorted: &[u64], q: f64) -> Option<u64> {
    let last = sorted.len().checked_sub(1)?;
    sorted.get(((last as f64) * q).round() as usize).copied()
}

/// Runs the cluster; `Ok(true)` when it ran its length and finalized, `Ok(false)` when it
/// failed (the reason is printed and in `summary.json`).
pub fn run(args: ClusterArgs) -> Result<bool> {
    let out = match &args.out {
        Some(dir) => dir.clone(),
        None => std::env::temp_dir().join(format!(
            "shardnode-cluster-{}-{}",
            std::process::id(),
            now_ms()
        )),
    };
    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = interrupted.clone();
        ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst))
            .context("cannot install the Ctrl-C handler")?;
    }
    let netns = if args.netns {
        let refused = plan::simulation_only(&args.scenario, true);
        if !refused.is_empty() {
            bail!(
                "these scenario keys only a simulation can honour; a cluster refuses them: {}",
                refused.join(", ")
            );
        }
        let nodes = args.scenario.validator_ranges().len();
        let bridges = args
            .scenario
            .network
            .partitions
            .iter()
            .map(|p| netns::Netns::bridges_for(&p.groups, nodes))
            .max()
            .unwrap_or(1);
        Some(netns::Netns::create(nodes, bridges)?)
    } else {
        None
    };
    let now_s = now_ms() / 1000 + 1;
    let plan = plan::write_plan(&args.scenario, &out, now_s, netns.as_ref())?;
    let prefixes: Vec<Option<Vec<String>>> = (0..plan.nodes.len())
        .map(|i| netns.as_ref().map(|ns| ns.exec_prefix(i)))
        .collect();
    for kill in &args.kills {
        if kill.node >= plan.nodes.len() {
            bail!(
                "--kill {}@{}: there are {} nodes",
                kill.node,
                kill.slot,
                plan.nodes.len()
            );
        }
    }
    let end_ms = run_end_ms(&args, &plan);
    let crashes = crash_schedule(&args, &plan, end_ms)?;
    let started = Instant::now();
    let mut nodes = Vec::new();
    for node in &plan.nodes {
        let process = NodeProcess::start(
            &node.settings_path,
            &node.log,
            prefixes[node.index].as_deref(),
        )?;
        nodes.push(RunningNode {
            plan: node.clone(),
            process,
            status: None,
            restarts: 0,
            recovery_slots: Vec::new(),
            recovering_since: None,
            usage: None,
        });
    }
    print_table(&plan, &nodes);
    write_nodes_file(&plan, &nodes)?;
    let prometheus_config = prometheus::write_config(&plan)?;
    let mut prometheus_server = None;
    if args.prometheus {
        match prometheus::find_binary() {
            Some(binary) => {
                let server = prometheus::start(&binary, &plan, &prometheus_config)?;
                println!(
                    "prometheus  {} (pid {}, scraping every {} s; log {})",
                    server.url,
                    server.process.pid(),
                    prometheus::SCRAPE_INTERVAL_S,
                    plan.out.join("prometheus.log").display()
                );
                prometheus_server = Some(server);
            }
            None => println!(
                "--prometheus: no `prometheus` executable on PATH (Debian: apt-get install prometheus); \
                 point your own at {}",
                prometheus_config.display()
            ),
        }
    }
    let chain = &plan.genesis.chain;
    let epoch_ms = chain.preset.slots_per_epoch() * chain.slot_duration_ms;
    let follower = (args.chaos.is_some() && args.tps.is_some()).then(|| {
        let apis = plan.nodes.iter().map(|n| n.api).collect();
        chaos::TxFollower::start(
            apis,
            Duration::from_millis(2 * epoch_ms),
            Duration::from_millis(epoch_ms),
        )
    });
    let accepted = follower.as_ref().map(|f| f.sender.clone());
    let load = args
        .tps
        .map(|tps| start_load(&args, &plan, tps, end_ms, accepted));
    let outcome = watch(
        &args,
        &plan,
        &mut nodes,
        &interrupted,
        netns.as_ref(),
        &prefixes,
        Schedule { end_ms, crashes },
    );
    if let Some(load) = load {
        match load.join() {
            Ok(Ok(report)) => {
                println!("\nload (shardnode load against every node's API):");
                print!("{}", crate::load::render(&report));
                let path = plan.out.join("load.json");
                std::fs::write(&path, serde_json::to_string_pretty(&report)?)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(Err(error)) => println!("\nload failed: {error:#}"),
            Err(_) => println!("\nload failed: its thread panicked"),
        }
    }
    let (outcome, mut watched) = outcome;
    // Checks that need the nodes alive: every transaction seen finalized, at every node.
    if let Some(follower) = follower {
        let (finalized, followed, never) = follower.finish();
        let apis: Vec<_> = plan.nodes.iter().map(|n| n.api).collect();
        println!(
            "\nchecking {} finalized transactions at every node ({} followed)",
            finalized.len(),
            followed
        );
        watched.checks.finalized_transactions = Some(chaos::recheck(
            &apis,
            finalized,
            followed,
            never,
            Duration::from_secs(30),
        ));
    }
    // Figures that need the nodes alive, then stop them all.
    let mut delays = Vec::new();
    for node in nodes.iter_mut() {
        if let Ok(samples) = monitor::block_delays(node.plan.api) {
            delays.extend(samples);
        }
        node.usage = process::usage(node.process.pid());
    }
    for node in nodes.iter_mut() {
        node.process.stop(STOP_GRACE);
    }
    if let Some(mut server) = prometheus_server {
        server.process.stop(STOP_GRACE);
    }
    // The offline audit of what every validator signed, once every node has stopped.
    match chaos::audit_journals(&plan) {
        Ok(audit) => watched.checks.signing_audit = Some(audit),
        Err(e) => println!("the signing journals could not be audited: {e:#}"),
    }
    let outcome = match watched.checks.failure() {
        Some(failure) if outcome == "ok" => failure,
        _ => outcome,
    };
    let mut summary = summarize(&plan, &nodes, &watched.ledger, delays, started, &outcome);
    summary.finality_timeline = watched.timeline;
    // A node's own first-finality figures restart with it: when every node was restarted,
    // the cluster's polls (one slot's precision) are the earliest record.
    if let Some(first) = summary.finality_timeline.first().copied() {
        if summary
            .first_finalized_epoch
            .is_none_or(|e| first.finalized_epoch < e)
        {
            summary.first_finalized_epoch = Some(first.finalized_epoch);
            summary.time_to_first_finality_seconds =
                Some((first.slot * plan.genesis.chain.slot_duration_ms) as f64 / 1000.0);
        }
    }
    summary.network_events = watched.network_events;
    summary.kills = watched.kills;
    summary.checks = watched.checks;
    let path = plan.out.join("summary.json");
    std::fs::write(&path, serde_json::to_string_pretty(&summary)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    print_summary(&summary);
    println!("\nwrote {}", path.display());
    Ok(outcome == "ok")
}

/// When the run ends (Unix ms): `--epochs E` covers slots 0 .. E * SLOTS_PER_EPOCH, as the
/// simulator does (the run ends just before the next slot, and its epoch transition, begins);
/// `--duration S` ends S seconds from now.
fn run_end_ms(args: &ClusterArgs, plan: &Plan) -> u64 {
    let chain = &plan.genesis.chain;
    let genesis_ms = chain.genesis_time * 1000;
    match args.length {
        RunLength::Epochs(epochs) => (genesis_ms
            + epochs * chain.preset.slots_per_epoch() * chain.slot_duration_ms)
            .saturating_sub(20),
        RunLength::Seconds(seconds) => now_ms() + seconds * 1000,
    }
}

/// Every crash of the run in time order: each `--kill NODE@SLOT` at its slot's start, and
/// with `--chaos-kills N` N random ones between the end of epoch 0 and three epochs before
/// the end (so that the last restarted node is back before the end-of-run checks).
fn crash_schedule(args: &ClusterArgs, plan: &Plan, end_ms: u64) -> Result<Vec<chaos::Crash>> {
    let chain = &plan.genesis.chain;
    let genesis_ms = chain.genesis_time * 1000;
    let epoch_ms = chain.preset.slots_per_epoch() * chain.slot_duration_ms;
    let mut crashes: Vec<chaos::Crash> = args
        .kills
        .iter()
        .map(|k| chaos::Crash {
            node: k.node,
            at_ms: genesis_ms + k.slot * chain.slot_duration_ms,
        })
        .collect();
    if let Some(random) = args.chaos {
        let window = genesis_ms + epoch_ms..end_ms.saturating_sub(3 * epoch_ms);
        if window.is_empty() {
            bail!("--chaos-kills: the run is too short; crashes need more than 4 epochs");
        }
        crashes.extend(chaos::random_crashes(random, plan.nodes.len(), window));
    }
    crashes.sort_by_key(|c| (c.at_ms, c.node));
    Ok(crashes)
}

/// The load generator on a thread of its own: it waits for genesis and one slot, loads the
/// nodes until two slots before the run ends, and waits those two slots for the last
/// inclusions.
fn start_load(
    args: &ClusterArgs,
    plan: &Plan,
    tps: f64,
    end_ms: u64,
    accepted: Option<std::sync::mpsc::Sender<crate::load::Accepted>>,
) -> std::thread::JoinHandle<Result<crate::load::LoadReport>> {
    let chain = &plan.genesis.chain;
    let slot_ms = chain.slot_duration_ms;
    let genesis_ms = chain.genesis_time * 1000;
    let start_ms = genesis_ms + slot_ms;
    let drain_ms = 2 * slot_ms;
    let load_ms = end_ms.saturating_sub(start_ms + drain_ms + 500);
    let load = crate::load::LoadPlan {
        apis: plan
            .nodes
            .iter()
            .map(|n| format!("http://{}", n.api))
            .collect(),
        genesis: plan.genesis.clone(),
        tps,
        cross_shard: args.scenario.workload.cross_shard,
        duration: Duration::from_millis(load_ms),
        accounts: 64,
        drain: Duration::from_millis(drain_ms),
        accepted,
    };
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(start_ms.saturating_sub(now_ms())));
        crate::load::run(&load, &mut |_, _| {})
    })
}

fn print_table(plan: &Plan, nodes: &[RunningNode]) {
    println!("cluster in {}", plan.out.display());
    println!(
        "genesis {} ({} validators, {} shards, {} ms slots, genesis in {} s)",
        plan.genesis_path.display(),
        plan.genesis.chain.validator_count,
        plan.genesis.chain.active_shard_count,
        plan.genesis.chain.slot_duration_ms,
        plan.genesis
            .chain
            .genesis_time
            .saturating_sub(now_ms() / 1000)
    );
    println!(
        "{:<5} {:>7}  {:<11} {:<60} {:<21} {:<21} log",
        "node", "pid", "validators", "p2p", "api", "metrics"
    );
    for node in nodes {
        let p = &node.plan;
        println!(
            "{:<5} {:>7}  {:<11} {:<60} {:<21} {:<21} {}",
            p.index,
            node.process.pid(),
            format!("{}..{}", p.validators.start, p.validators.end),
            p.p2p,
            p.api.to_string(),
            p.metrics.to_string(),
            p.log.display()
        );
    }
}

/// `nodes.json`: what is running now (rewritten after a restart), for scripts and tests.
fn write_nodes_file(plan: &Plan, nodes: &[RunningNode]) -> Result<()> {
    let list: Vec<serde_json::Value> = nodes
        .iter()
        .map(|n| {
            serde_json::json!({
                "index": n.plan.index,
                "pid": n.process.pid(),
                "p2p": n.plan.p2p,
                "peer_id": n.plan.peer_id,
                "api": n.plan.api.to_string(),
                "metrics": n.plan.metrics.to_string(),
                "log": n.plan.log.display().to_string(),
                "settings": n.plan.settings_path.display().to_string(),
            })
        })
        .collect();
    let path = plan.out.join("nodes.json");
    let tmp = plan.out.join("nodes.json.tmp");
    std::fs::write(&tmp, serde_json::to_string_pretty(&list)?)?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))
}

/// Polls until the run ends; returns the outcome (`ok` or why it failed) and the ledger.
fn watch(
    args: &ClusterArgs,
    plan: &Plan,
    nodes: &mut [RunningNode],
    interrupted: &AtomicBool,
    netns: Option<&netns::Netns>,
    prefixes: &[Option<Vec<String>>],
    schedule: Schedule,
) -> (String, Watched) {
    let Schedule {
        end_ms,
        mut crashes,
    } = schedule;
    let chain = &plan.genesis.chain;
    let spe = chain.preset.slots_per_epoch();
    let slot_ms = chain.slot_duration_ms;
    let genesis_ms = chain.genesis_time * 1000;
    let supply_per_shard =
        plan.genesis.accounts.accounts_per_shard as u128 * plan.genesis.accounts.balance as u128;
    let mut watched = Watched::default();
    // Partition edges in slot order: (slot, Some(groups)) cuts, (slot, None) heals.
    let mut edges: Vec<(u64, Option<Vec<Vec<u64>>>)> = Vec::new();
    if netns.is_some() {
        for p in &args.scenario.network.partitions {
            edges.push((p.start_slot, Some(p.groups.clone())));
            edges.push((p.heal_slot, None));
        }
    }
    edges.sort_by_key(|(slot, cut)| (*slot, cut.is_some()));
    let mut best_finalized = 0u64;
    // Finality cannot advance before epoch 2 ends; from then on it must within the bound.
    let mut progress_epoch = 2u64;
    let live = (std::io::stderr().is_terminal() && !args.quiet).then(|| {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar
    });
    let mut last_line = Instant::now();
    let outcome = loop {
        // Until the next poll, the end, or the next crash, whichever comes first.
        let next = crashes.first().map_or(end_ms, |c| c.at_ms.min(end_ms));
        let pause = POLL_EVERY.min(Duration::from_millis(next.saturating_sub(now_ms())));
        std::thread::sleep(pause);
        let now = now_ms();
        let slot = now.saturating_sub(genesis_ms) / slot_ms.max(1);
        let epoch = slot / spe;
        if interrupted.load(Ordering::SeqCst) {
            break "interrupted (Ctrl-C)".to_string();
        }
        // Scheduled partitions: real links move between bridges.
        let mut failed_network = None;
        while let Some((at, _)) = edges
            .first()
            .filter(|(at, _)| now >= genesis_ms && *at <= slot)
        {
            let at = *at;
            let (_, cut) = edges.remove(0);
            let Some(ns) = netns else { break };
            let (result, what) = match &cut {
                Some(groups) => (ns.partition(groups), format!("partition {groups:?}")),
                None => (ns.heal(), "heal".to_string()),
            };
            println!("slot {slot}: {what} (scheduled at slot {at})");
            watched.network_events.push((slot, what));
            if let Err(e) = result {
                failed_network = Some(format!("the network could not change: {e:#}"));
            }
        }
        if let Some(failure) = failed_network {
            break failure;
        }
        // Scheduled crashes: SIGKILL, then a restart from the data dir.
        let mut failed_restart = None;
        while let Some(kill) = crashes.first().copied().filter(|c| c.at_ms <= now_ms()) {
            crashes.remove(0);
            let now = now_ms();
            let slot = now.saturating_sub(genesis_ms) / slot_ms.max(1);
            let into = now.saturating_sub(genesis_ms) % slot_ms.max(1);
            let node = &mut nodes[kill.node];
            println!(
                "slot {slot} +{into} ms: killing node {} (pid {}) with SIGKILL",
                kill.node,
                node.process.pid()
            );
            node.process.kill();
            watched.kills.push(KillRecord {
                node: kill.node,
                slot,
                ms_into_slot: into,
            });
            let prefix = prefixes[kill.node].as_deref();
            match NodeProcess::start(&node.plan.settings_path, &node.plan.log, prefix) {
                Ok(process) => {
                    println!(
                        "slot {slot}: node {} restarted from its data dir (pid {})",
                        kill.node,
                        process.pid()
                    );
                    node.process = process;
                    node.restarts += 1;
                    node.recovering_since = Some(slot);
                }
                Err(e) => {
                    failed_restart = Some(format!("node {} could not restart: {e:#}", kill.node))
                }
            }
            let _ = write_nodes_file(plan, nodes);
        }
        if let Some(failure) = failed_restart {
            break failure;
        }
        // A node that died on its own ends the run.
        if let Some((index, status)) = nodes
            .iter_mut()
            .find_map(|n| n.process.exited().map(|s| (n.plan.index, s)))
        {
            break format!(
                "node {index} died unexpectedly ({status}); see {}",
                nodes[index].plan.log.display()
            );
        }
        for node in nodes.iter_mut() {
            if let Ok(status) = monitor::poll(node.plan.api) {
                let index = node.plan.index;
                watched
                    .ledger
                    .record(index, &status.node.finalized_checkpoints);
                let finalized = &status.node.finalized;
                if let Some(back) = watched
                    .floor
                    .record(index, finalized.epoch, &finalized.root)
                {
                    watched.checks.finality_regressions.push(back);
                }
                watched.checks.supply_checks += status.supply.len() as u64;
                watched
                    .checks
                    .supply_violations
                    .extend(chaos::supply_violations(
                        index,
                        &status.supply,
                        supply_per_shard,
                    ));
                node.status = Some(status);
            }
        }
        if let Some(failure) = watched.checks.failure() {
            break failure;
        }
        let heads: Vec<u64> = nodes
            .iter()
            .filter(|n| n.recovering_since.is_none())
            .filter_map(|n| n.status.as_ref().map(|s| s.node.head_slot))
            .collect();
        let others_head = heads.iter().copied().max().unwrap_or(0);
        for node in nodes.iter_mut() {
            if let (Some(since), Some(status)) = (node.recovering_since, &node.status) {
                if status.node.head_slot + 1 >= others_head && slot > since {
                    node.recovery_slots.push(slot - since);
                    node.recovering_since = None;
                    println!(
                        "slot {slot}: node {} is back at the head ({} slots after its restart)",
                        node.plan.index,
                        slot - since
                    );
                }
            }
        }
        let violations = watched.ledger.violations();
        if !violations.is_empty() {
            break format!("safety violation: {}", violations[0]);
        }
        let finalized = nodes
            .iter()
            .filter_map(|n| n.status.as_ref().map(|s| s.node.finalized.epoch))
            .max()
            .unwrap_or(0);
        if finalized > best_finalized {
            best_finalized = finalized;
            watched.timeline.push(FinalityPoint {
                slot,
                finalized_epoch: finalized,
            });
            progress_epoch = progress_epoch.max(epoch);
        }
        if now >= genesis_ms && epoch > progress_epoch + args.stall_epochs {
            break format!(
                "finality stalled: no new finalized epoch for {} epochs (finalized {best_finalized}, epoch {epoch})",
                args.stall_epochs
            );
        }
        let line = status_line(nodes, slot, now < genesis_ms);
        match &live {
            Some(bar) => bar.set_message(line),
            None => {
                if last_line.elapsed() >= Duration::from_secs(5) {
                    println!("{line}");
                    last_line = Instant::now();
                }
            }
        }
        if now >= end_ms {
            break "ok".to_string();
        }
    };
    if let Some(bar) = live {
        bar.finish_and_clear();
    }
    (outcome, watched)
}

fn status_line(nodes: &[RunningNode], slot: u64, before_genesis: bool) -> String {
    if before_genesis {
        return "waiting for genesis".to_string();
    }
    let parts: Vec<String> = nodes
        .iter()
        .map(|n| match &n.status {
            Some(s) => format!(
                "n{} head {} fin {} peers {} shard blocks {}",
                n.plan.index,
                s.node.head_slot,
                s.node.finalized.epoch,
                s.node.peers,
                s.node.shards.iter().map(|x| x.blocks).sum::<u64>()
            ),
            None => format!("n{} (no answer)", n.plan.index),
        })
        .collect();
    format!("slot {slot} | {}", parts.join(" | "))
}

fn summarize(
    plan: &Plan,
    nodes: &[RunningNode],
    ledger: &FinalityLedger,
    mut delays: Vec<u64>,
    started: Instant,
    outcome: &str,
) -> ClusterSummary {
    let chain = &plan.genesis.chain;
    let statuses: Vec<&StatusView> = nodes.iter().filter_map(|n| n.status.as_ref()).collect();
    let observer = nodes
        .iter()
        .find(|n| n.restarts == 0 && n.status.is_some())
        .and_then(|n| n.status.as_ref());
    delays.sort_unstable();
    let first_finalized_epoch = statuses
        .iter()
        .filter_map(|s| s.runtime.first_finalized_epoch)
        .min();
    let (missed_beacon_slots, missed_shard_slots) = observer.map_or((0, 0), |s| {
        let head = s.node.head_slot;
        let beacon = head.saturating_sub(s.node.canonical_blocks);
        let shard_blocks: u64 = s.node.shards.iter().map(|x| x.blocks).sum();
        let shards = s.node.shards.len() as u64;
        (beacon, (head * shards).saturating_sub(shard_blocks))
    });
    ClusterSummary {
        nodes: nodes.len(),
        preset: chain.preset.to_string(),
        validators: chain.validator_count,
        active_shards: chain.active_shard_count,
        slot_duration_ms: chain.slot_duration_ms,
        // Slots 0 ..= the last current slot seen.
        slots_run: statuses
            .iter()
            .map(|s| s.node.current_slot + 1)
            .max()
            .unwrap_or(0),
        first_finalized_epoch,
        finalized_epoch: statuses
            .iter()
            .map(|s| s.node.finalized.epoch)
            .min()
            .unwrap_or(0),
        justified_epoch: statuses
            .iter()
            .map(|s| s.node.justified.epoch)
            .min()
            .unwrap_or(0),
        time_to_first_finality_seconds: statuses
            .iter()
            .filter_map(|s| s.runtime.first_finalized_at_ms)
            .min()
            .map(|at| at.saturating_sub(chain.genesis_time * 1000) as f64 / 1000.0),
        crosslinks_per_shard: observer
            .map(|s| s.runtime.crosslinks_per_shard.clone())
            .unwrap_or_default(),
        missed_beacon_slots,
        missed_shard_slots,
        safety_violations: ledger.violations(),
        finality_timeline: Vec::new(),
        network_events: Vec::new(),
        kills: Vec::new(),
        checks: Checks::default(),
        block_delay_p50_ms: percentile(&delays, 0.5),
        block_delay_p99_ms: percentile(&delays, 0.99),
        block_delay_samples: delays.len(),
        wall_seconds: started.elapsed().as_secs_f64(),
        outcome: outcome.to_string(),
        per_node: nodes
            .iter()
            .map(|n| NodeSummary {
                index: n.plan.index,
                pid: n.process.pid(),
                p2p: n.plan.p2p.clone(),
                api: n.plan.api.to_string(),
                metrics: n.plan.metrics.to_string(),
                log: n.plan.log.display().to_string(),
                validators: format!("{}..{}", n.plan.validators.start, n.plan.validators.end),
                head_slot: n.status.as_ref().map(|s| s.node.head_slot),
                finalized_epoch: n.status.as_ref().map(|s| s.node.finalized.epoch),
                justified_epoch: n.status.as_ref().map(|s| s.node.justified.epoch),
                peers: n.status.as_ref().map(|s| s.node.peers),
                banned_peers: n.status.as_ref().map(|s| s.runtime.banned_peers),
                shard_head_slots: n
                    .status
                    .as_ref()
                    .map(|s| s.node.shards.iter().map(|x| x.head_slot).collect())
                    .unwrap_or_default(),
                restarts: n.restarts,
                recovery_slots: n.recovery_slots.clone(),
                cpu_seconds: n.usage.map(|u| u.0),
                peak_rss_bytes: n.usage.map(|u| u.1),
            })
            .collect(),
    }
}

fn print_summary(s: &ClusterSummary) {
    let opt = |v: Option<u64>| v.map_or_else(|| "n/a".to_string(), |v| v.to_string());
    println!("\noutcome                     {}", s.outcome);
    println!("nodes                       {}", s.nodes);
    println!("slots run                   {}", s.slots_run);
    println!(
        "first finalized epoch       {}",
        opt(s.first_finalized_epoch)
    );
    println!(
        "time to first finality      {}",
        s.time_to_first_finality_seconds
            .map_or_else(|| "n/a".to_string(), |t| format!("{t:.2} s after genesis"))
    );
    println!(
        "finalized epoch (all nodes) {} (justified {})",
        s.finalized_epoch, s.justified_epoch
    );
    let (min, max) = (
        s.crosslinks_per_shard.iter().min().copied(),
        s.crosslinks_per_shard.iter().max().copied(),
    );
    println!(
        "crosslinks per shard        {} / {} (min / max)",
        opt(min),
        opt(max)
    );
    println!("missed beacon slots         {}", s.missed_beacon_slots);
    println!("missed shard slots          {}", s.missed_shard_slots);
    println!(
        "block arrival p50 / p99     {} / {} ms ({} arrivals)",
        opt(s.block_delay_p50_ms),
        opt(s.block_delay_p99_ms),
        s.block_delay_samples
    );
    println!(
        "safety violations           {}",
        if s.safety_violations.is_empty() {
            "none".to_string()
        } else {
            s.safety_violations.join("; ")
        }
    );
    print_checks(s);
    for n in &s.per_node {
        println!(
            "node {}  head {}  finalized {}  peers {}  cpu {:.1} s  peak RSS {} MB{}",
            n.index,
            opt(n.head_slot),
            opt(n.finalized_epoch),
            n.peers.map_or_else(|| "n/a".into(), |p| p.to_string()),
            n.cpu_seconds.unwrap_or(0.0),
            n.peak_rss_bytes.map_or(0, |b| b / (1 << 20)),
            if n.restarts > 0 {
                format!(
                    "  restarts {} (back at head after {:?} slots)",
                    n.restarts, n.recovery_slots
                )
            } else {
                String::new()
            }
        );
    }
    println!("wall time                   {:.1} s", s.wall_seconds);
}

fn print_checks(s: &ClusterSummary) {
    let c = &s.checks;
    let none_or = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            format!("{} ({})", v.len(), v[0])
        }
    };
    if !s.kills.is_empty() {
        let mut per_node = vec![0u64; s.nodes];
        for k in &s.kills {
            if let Some(n) = per_node.get_mut(k.node) {
                *n += 1;
            }
        }
        println!(
            "kills (SIGKILL + restart)   {} (per node {:?})",
            s.kills.len(),
            per_node
        );
    }
    println!(
        "finality went back          {}",
        none_or(&c.finality_regressions)
    );
    println!(
        "supply not conserved        {} of {} shard checks",
        none_or(&c.supply_violations),
        c.supply_checks
    );
    if let Some(t) = &c.finalized_transactions {
        println!(
            "finalized transactions      {} seen finalized of {} followed; {} lookups at the end; lost {}",
            t.finalized,
            t.followed,
            t.rechecked,
            none_or(&t.lost)
        );
    }
    if let Some(a) = &c.signing_audit {
        println!(
            "signing journal audit       {} attestations, {} beacon and {} shard blocks by {} validators; slashable pairs {}",
            a.attestations,
            a.beacon_blocks,
            a.shard_blocks,
            a.validators,
            none_or(&a.slashable_pairs)
        );
    }
}
