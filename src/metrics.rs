//! # metrics: every metric a node exports, defined once (Prometheus text format)
//!
//! **Owns** the names, help texts, labels and buckets of the node's metrics, one
//! [`prometheus::Registry`] per node (never the global default registry, so that many nodes fit
//! in one process), and the rules that turn the node's events, summaries and the runtime's
//! counts into samples. The real node serves them at `/metrics` on its metrics address; the
//! same definitions can render any node's figures (the simulator's nodes included).
//!
//! **Must never** read the node's internals directly: it is fed [`Event`]s, a [`NodeSummary`]
//! with [`HeadGauges`], gossip verdict labels and timings, so it cannot disagree with what the
//! node reports elsewhere.
//!
//! Names: the beacon-metrics interop standard where one exists (`libp2p_peers`,
//! `beacon_head_slot`, `beacon_finalized_epoch`, `beacon_current_justified_epoch`,
//! `beacon_previous_justified_epoch`, `beacon_current_active_validators`,
//! `beacon_reorgs_total`, `beacon_processed_deposits_total`), `shardnode_*` otherwise, and the
//! Prometheus conventions for the process (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`).

use beacon::node::{Event, HeadGauges, NodeSummary};
use prometheus::{
    exponential_buckets, Encoder, Gauge, GaugeVec, Histogram, HistogramOpts, HistogramVec,
    IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The metrics of one node.
#[derive(Clone)]
pub struct NodeMetrics {
    registry: Registry,
    // Interop names.
    peers: IntGauge,
    head_slot: IntGauge,
    finalized_epoch: IntGauge,
    current_justified_epoch: IntGauge,
    previous_justified_epoch: IntGauge,
    active_validators: IntGauge,
    reorgs: IntCounter,
    deposits: IntGauge,
    // Shards, labelled `shard`.
    shard_head_slot: IntGaugeVec,
    shard_transactions: IntCounterVec,
    shard_mempool: IntGaugeVec,
    shard_crosslink_epoch: IntGaugeVec,
    shard_receipts_sent: IntCounterVec,
    shard_receipts_credited: IntCounterVec,
    // Gossip, import and the network.
    gossip: IntCounterVec,
    beacon_block_import: Histogram,
    shard_block_import: Histogram,
    peer_bans: IntCounter,
    slashings_found: IntCounterVec,
    submitted: IntCounterVec,
    inclusion: Histogram,
    store_commit: HistogramVec,
    // The process.
    cpu_seconds: Gauge,
    resident_bytes: Gauge,
    finalized_at: GaugeVec,
}

/// A metric definition failed to register (two metrics with one name): a bug in this file,
/// caught by its tests.
#[derive(Debug, thiserror::Error)]
#[error("metric definitions: {0}")]
pub struct MetricsError(#[from] prometheus::Error);

fn int_gauge(registry: &Registry, name: &str, help: &str) -> Result<IntGauge, MetricsError> {
    let metric = IntGauge::new(name, help)?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

fn int_gauge_vec(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> Result<IntGaugeVec, MetricsError> {
    let metric = IntGaugeVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

fn int_counter_vec(
    registry: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> Result<IntCounterVec, MetricsError> {
    let metric = IntCounterVec::new(Opts::new(name, help), labels)?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

fn histogram(
    registry: &Registry,
    name: &str,
    help: &str,
    buckets: Vec<f64>,
) -> Result<Histogram, MetricsError> {
    let metric = Histogram::with_opts(HistogramOpts::new(name, help).buckets(buckets))?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

fn histogram_vec(
    registry: &Registry,
    name: &str,
    help: &str,
    buckets: Vec<f64>,
    labels: &[&str],
) -> Result<HistogramVec, MetricsError> {
    let metric = HistogramVec::new(HistogramOpts::new(name, help).buckets(buckets), labels)?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

fn gauge(registry: &Registry, name: &str, help: &str) -> Result<Gauge, MetricsError> {
    let metric = Gauge::new(name, help)?;
    registry.register(Box::new(metric.clone()))?;
    Ok(metric)
}

impl NodeMetrics {
    /// Every metric of a node, registered in a registry of its own.
    pub fn new() -> Result<Self, MetricsError> {
        let r = Registry::new();
        // 0.5 ms .. ~16 s, doubling.
        let seconds = exponential_buckets(0.0005, 2.0, 16)?;
        // 50 ms .. ~205 s, doubling: inclusion takes slots, not milliseconds.
        let slow_seconds = exponential_buckets(0.05, 2.0, 13)?;
        // 20 us .. ~0.65 s, doubling.
        let commit_seconds = exponential_buckets(0.00002, 2.0, 16)?;
        let reorgs = IntCounter::new(
            "beacon_reorgs_total",
            "Head changes that left blocks of the old head's chain off the canonical chain",
        )?;
        r.register(Box::new(reorgs.clone()))?;
        let peer_bans = IntCounter::new(
            "shardnode_peer_bans_total",
            "Peers banned for misbehaviour (rejected gossip, bad responses)",
        )?;
        r.register(Box::new(peer_bans.clone()))?;
        let finalized_at = GaugeVec::new(
            Opts::new(
                "shardnode_first_finality_seconds",
                "Seconds from genesis to the first finalized epoch this node saw",
            ),
            &["epoch"],
        )?;
        r.register(Box::new(finalized_at.clone()))?;
        Ok(Self {
            peers: int_gauge(&r, "libp2p_peers", "Connected libp2p peers")?,
            head_slot: int_gauge(&r, "beacon_head_slot", "Slot of the head block")?,
            finalized_epoch: int_gauge(&r, "beacon_finalized_epoch", "Epoch of the finalized checkpoint")?,
            current_justified_epoch: int_gauge(
                &r,
                "beacon_current_justified_epoch",
                "Epoch of the current justified checkpoint",
            )?,
            previous_justified_epoch: int_gauge(
                &r,
                "beacon_previous_justified_epoch",
                "Epoch of the head state's previous justified checkpoint",
            )?,
            active_validators: int_gauge(
                &r,
                "beacon_current_active_validators",
                "Validators active in the head state's current epoch",
            )?,
            reorgs,
            deposits: int_gauge(
                &r,
                "beacon_processed_deposits_total",
                "Deposits processed by the head state (eth1_deposit_index)",
            )?,
            shard_head_slot: int_gauge_vec(&r, "shardnode_shard_head_slot", "Slot of the shard's head block", &["shard"])?,
            shard_transactions: int_counter_vec(
                &r,
                "shardnode_shard_transactions_executed_total",
                "Transactions in shard blocks this node imported (forks included)",
                &["shard"],
            )?,
            shard_mempool: int_gauge_vec(&r, "shardnode_shard_mempool_transactions", "Transactions waiting in the shard's mempool", &["shard"])?,
            shard_crosslink_epoch: int_gauge_vec(
                &r,
                "shardnode_shard_latest_crosslink_epoch",
                "End epoch of the shard's crosslink in the head state",
                &["shard"],
            )?,
            shard_receipts_sent: int_counter_vec(
                &r,
                "shardnode_shard_receipts_sent_total",
                "Cross-shard receipts created by shard blocks this node imported, by source shard",
                &["shard"],
            )?,
            shard_receipts_credited: int_counter_vec(
                &r,
                "shardnode_shard_receipts_credited_total",
                "Cross-shard receipts credited by shard blocks this node imported, by destination shard",
                &["shard"],
            )?,
            gossip: int_counter_vec(
                &r,
                "shardnode_gossip_messages_total",
                "Gossip messages judged by this node, by topic kind, verdict and reason",
                &["topic", "verdict", "reason"],
            )?,
            beacon_block_import: histogram(
                &r,
                "shardnode_beacon_block_import_seconds",
                "Time the node took on a gossip beacon block (decode, checks, state transition, fork choice)",
                seconds.clone(),
            )?,
            shard_block_import: histogram(
                &r,
                "shardnode_shard_block_import_seconds",
                "Time the node took on a gossip shard block (decode, checks, execution)",
                seconds,
            )?,
            inclusion: histogram(
                &r,
                "shardnode_transaction_inclusion_seconds",
                "Seconds from a transaction's submission to this node's API to this node's import of the first shard block including it",
                slow_seconds,
            )?,
            store_commit: histogram_vec(
                &r,
                "shardnode_store_commit_seconds",
                "Time of one redb commit: `durable` (fsync: flushes, anchors, slashing protection) or `deferred` (visible, not yet durable)",
                commit_seconds,
                &["durability"],
            )?,
            peer_bans,
            slashings_found: int_counter_vec(
                &r,
                "shardnode_slashings_found_total",
                "Offences this node's slasher found (validators), by offence",
                &["offence"],
            )?,
            submitted: int_counter_vec(
                &r,
                "shardnode_api_transactions_total",
                "Transactions submitted through the API, by outcome",
                &["outcome"],
            )?,
            cpu_seconds: gauge(&r, "process_cpu_seconds_total", "User and system CPU time of the process")?,
            resident_bytes: gauge(&r, "process_resident_memory_bytes", "Resident memory of the process")?,
            finalized_at,
            registry: r,
        })
    }

    /// The registry (to gather or to add to).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Every metric in the Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut bytes = Vec::new();
        // Encoding gathered families into memory cannot fail but for a bug in the crate.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut bytes);
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Where the node stands: head, checkpoints, validators, shard heads and mempools.
    pub fn observe_summary(&self, summary: &NodeSummary, gauges: &HeadGauges) {
        self.head_slot.set(clamp(summary.head_slot));
        self.finalized_epoch.set(clamp(summary.finalized.epoch));
        self.current_justified_epoch
            .set(clamp(summary.justified.epoch));
        self.previous_justified_epoch
            .set(clamp(gauges.previous_justified_epoch));
        self.active_validators.set(clamp(gauges.active_validators));
        self.deposits.set(clamp(gauges.deposits_processed));
        for shard in &summary.shards {
            let label = shard.shard.to_string();
            self.shard_head_slot
                .with_label_values(&[&label])
                .set(clamp(shard.head_slot));
            self.shard_mempool
                .with_label_values(&[&label])
                .set(shard.mempool as i64);
        }
        for (shard, epoch) in gauges.crosslink_end_epochs.iter().enumerate() {
            self.shard_crosslink_epoch
                .with_label_values(&[&shard.to_string()])
                .set(clamp(*epoch));
        }
    }

    /// One event of the node.
    pub fn observe_event(&self, event: &Event) {
        match event {
            Event::Head { reorg_depth, .. } if *reorg_depth > 0 => self.reorgs.inc(),
            Event::ShardBlockImported {
                shard,
                transactions,
                sent,
                credited,
                ..
            } => {
                let label = shard.to_string();
                self.shard_transactions
                    .with_label_values(&[&label])
                    .inc_by(*transactions);
                self.shard_receipts_sent
                    .with_label_values(&[&label])
                    .inc_by(sent.len() as u64);
                self.shard_receipts_credited
                    .with_label_values(&[&label])
                    .inc_by(credited.len() as u64);
            }
            Event::SlashingFound { kind, validators } => self
                .slashings_found
                .with_label_values(&[kind.label()])
                .inc_by(validators.len() as u64),
            _ => {}
        }
    }

    /// A gossip verdict: `topic` is the topic's kind, `verdict` accept/ignore/reject and
    /// `reason` the typed reason's label.
    pub fn observe_verdict(&self, topic: &str, verdict: &str, reason: &str) {
        self.gossip
            .with_label_values(&[topic, verdict, reason])
            .inc();
    }

    /// How long the node took on a gossip beacon block.
    pub fn observe_beacon_block_import(&self, seconds: f64) {
        self.beacon_block_import.observe(seconds);
    }

    /// How long the node took on a gossip shard block.
    pub fn observe_shard_block_import(&self, seconds: f64) {
        self.shard_block_import.observe(seconds);
    }

    /// Transactions submitted through the API, by outcome label.
    pub fn observe_submitted(&self, outcome: &str, count: u64) {
        self.submitted.with_label_values(&[outcome]).inc_by(count);
    }

    /// A transaction submitted here `seconds` ago was included in an imported shard block.
    pub fn observe_inclusion(&self, seconds: f64) {
        self.inclusion.observe(seconds);
    }

    /// One store commit took `seconds`.
    pub fn observe_store_commit(&self, durable: bool, seconds: f64) {
        let label = if durable { "durable" } else { "deferred" };
        self.store_commit
            .with_label_values(&[label])
            .observe(seconds);
    }

    pub fn set_peers(&self, peers: usize) {
        self.peers.set(peers as i64);
    }

    pub fn peer_banned(&self) {
        self.peer_bans.inc();
    }

    /// The first finalized epoch, seen `seconds` after genesis.
    pub fn first_finality(&self, epoch: u64, seconds: f64) {
        self.finalized_at
            .with_label_values(&[&epoch.to_string()])
            .set(seconds);
    }

    /// Reads this process's CPU time and resident memory (Linux; zero elsewhere).
    pub fn observe_process(&self) {
        // SAFETY: an all-zero rusage is a valid value of this plain C struct; getrusage only
        // writes into it.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: RUSAGE_SELF with a pointer to a live local.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } == 0 {
            let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            self.cpu_seconds
                .set(seconds(usage.ru_utime) + seconds(usage.ru_stime));
        }
        if let Some(bytes) = resident_bytes() {
            self.resident_bytes.set(bytes);
        }
    }
}

/// Times the store's commits into [`NodeMetrics`] (the store never reads a clock itself).
pub struct CommitTimer(pub NodeMetrics);

impl beacon::store::CommitHook for CommitTimer {
    fn around(
        &self,
        durable: bool,
        commit: &mut dyn FnMut() -> Result<(), beacon::store::StoreError>,
    ) -> Result<(), beacon::store::StoreError> {
        let started = std::time::Instant::now();
        let result = commit();
        self.0
            .observe_store_commit(durable, started.elapsed().as_secs_f64());
        result
    }
}

/// Resident set size from `/proc/self/statm` (pages × page size).
fn resident_bytes() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: f64 = text.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    (page > 0).then_some(pages * page as f64)
}

fn clamp(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The interop names are exported exactly, and two nodes' metrics never share samples.
    #[test]
    fn interop_names_and_one_registry_per_node() {
        let a = NodeMetrics::new().expect("metrics register");
        let b = NodeMetrics::new().expect("a second node's metrics register too");
        a.set_peers(3);
        a.observe_verdict("beacon_block", "reject", "bad_signature");
        a.observe_process();
        let text = a.render();
        for name in [
            "libp2p_peers 3",
            "beacon_head_slot",
            "beacon_finalized_epoch",
            "beacon_current_justified_epoch",
            "beacon_previous_justified_epoch",
            "beacon_current_active_validators",
            "beacon_reorgs_total",
            "beacon_processed_deposits_total",
            "shardnode_gossip_messages_total{reason=\"bad_signature\",topic=\"beacon_block\",verdict=\"reject\"} 1",
            "process_resident_memory_bytes",
        ] {
            assert!(text.contains(name), "missing {name} in\n{text}");
        }
        assert!(b.render().contains("libp2p_peers 0"));
    }

    /// Every family, with a sample in each (histogram and labelled families appear only once
    /// observed).
    fn every_family() -> std::collections::BTreeSet<String> {
        let m = NodeMetrics::new().expect("metrics register");
        m.observe_verdict("beacon_block", "accept", "accept");
        m.observe_beacon_block_import(0.01);
        m.observe_shard_block_import(0.01);
        m.observe_submitted("accepted", 1);
        m.observe_inclusion(1.0);
        m.observe_store_commit(true, 0.001);
        m.first_finality(2, 40.0);
        m.observe_process();
        m.observe_event(&Event::SlashingFound {
            kind: beacon::node::Offence::DoubleVote,
            validators: vec![1],
        });
        for shard in [
            &m.shard_head_slot,
            &m.shard_mempool,
            &m.shard_crosslink_epoch,
        ] {
            shard.with_label_values(&["0"]).set(1);
        }
        for shard in [
            &m.shard_transactions,
            &m.shard_receipts_sent,
            &m.shard_receipts_credited,
        ] {
            shard.with_label_values(&["0"]).inc();
        }
        m.registry()
            .gather()
            .iter()
            .map(|f| f.name().to_string())
            .collect()
    }

    /// Every metric the Grafana dashboard queries is one this file defines.
    #[test]
    fn the_dashboard_queries_only_defined_metrics() {
        let families = every_family();
        let text = include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/dashboards/shardnode.json"
        ));
        let dashboard: serde_json::Value = serde_json::from_str(text).expect("dashboard is JSON");
        let mut queried = 0;
        for panel in dashboard["panels"].as_array().expect("panels") {
            for target in panel["targets"].as_array().into_iter().flatten() {
                let expr = target["expr"].as_str().expect("expr");
                for token in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
                    let is_metric = ["beacon_", "shardnode_", "libp2p_", "process_"]
                        .iter()
                        .any(|p| token.starts_with(p));
                    if !is_metric {
                        continue;
                    }
                    let family = ["_bucket", "_sum", "_count"]
                        .iter()
                        .find_map(|suffix| token.strip_suffix(suffix))
                        .filter(|base| families.contains(*base))
                        .unwrap_or(token);
                    assert!(
                        families.contains(family),
                        "panel {:?} queries {token}, which src/metrics.rs does not define",
                        panel["title"]
                    );
                    queried += 1;
                }
            }
        }
        assert!(queried >= 10, "only {queried} metric references found");
    }

    /// docs/metrics.md lists every metric.
    #[test]
    fn every_metric_is_documented() {
        let families = every_family();
        let doc = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/metrics.md"));
        for family in &families {
            assert!(
                doc.contains(family.as_str()),
                "docs/metrics.md does not list {family}"
            );
        }
        assert!(families.len() >= 24, "{families:?}");
    }
}
