//! The scenario file: what one simulation run is.
//!
//! **Owns**: [`Scenario`] and its sections ([`NetworkSpec`], [`LinkSpec`], [`PartitionSpec`],
//! [`WorkloadSpec`], [`FaultSpec`]), parsing from TOML (unknown keys refused everywhere; a
//! missing key takes its value from the default scenario), validation with errors that name
//! the field and its allowed range ([`ScenarioError`]), rendering back to TOML so a run can
//! record exactly what it ran, and `key=value` command-line overrides ([`Scenario::set`]).
//!
//! Slots and node ids here are the scenario's terms; the network model converts slots to
//! virtual milliseconds (see [`crate::network`]).

pub mod adversary;
pub(crate) mod error;

use crate::latency::{LatencyModel, LATENCY_FORMS, MAX_LATENCY_MS};
pub use adversary::{AdversaryKind, AdversarySpec};
use consensus::config::MAX_VALIDATOR_COUNT;
use consensus::{ChainConfig, PresetName};
use error::{check_f64, check_node, check_u64, check_u64_ctx};
pub use error::{Inconsistency, ScenarioError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// Most nodes a scenario may run.
pub const MAX_NODES: u64 = 1024;
/// Most epochs a scenario may run.
pub const MAX_EPOCHS: u64 = 100_000;
/// Largest slot number a fault, partition or workload bound may name.
pub const MAX_SLOT: u64 = 1 << 32;
/// Largest integer a TOML file can hold (TOML integers are signed 64-bit).
pub const MAX_TOML_INT: u64 = i64::MAX as u64;
/// Largest thread pool size accepted.
pub const MAX_THREADS: usize = 1024;
/// Largest `workload.tps_per_shard` accepted.
pub const MAX_TPS_PER_SHARD: f64 = 1_000_000.0;
/// Largest `workload.accounts_per_shard` accepted.
pub const MAX_ACCOUNTS_PER_SHARD: u64 = 1 << 24;

/// Which BLS implementation the simulated nodes use.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CryptoMode {
    /// Real BLS signatures and checks.
    #[default]
    Real,
    /// Fake (hash-based, always-valid) signatures, for large fast runs.
    Fake,
}

impl CryptoMode {
    /// The name used in scenario files: `real` or `fake`.
    pub fn as_str(self) -> &'static str {
        match self {
            CryptoMode::Real => "real",
            CryptoMode::Fake => "fake",
        }
    }
}

/// One directed link whose latency differs from the network default.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// Sending node id.
    pub from: u64,
    /// Receiving node id.
    pub to: u64,
    /// The latency of messages from `from` to `to`.
    pub latency: LatencyModel,
}

/// A network partition in slots: during `[start_slot, heal_slot)` a message between nodes in
/// different groups is dropped; a node in no group is alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionSpec {
    /// Groups of node ids that can still reach each other.
    pub groups: Vec<Vec<u64>>,
    /// First slot of the partition.
    pub start_slot: u64,
    /// First slot after the partition heals (`> start_slot`).
    pub heal_slot: u64,
}

/// The `[cpu]` section: the virtual CPU cost model (`crate::cpu`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CpuSpec {
    /// Charge virtual time for processing (default true). Off: processing takes no virtual
    /// time, as before the model existed.
    pub model: bool,
    /// Cores per simulated node, `1 ..= 256` (default 2, the development machine's).
    pub cores: u64,
    /// Overrides of entries of the shipped cost table (`simulator/costs/dev-2core.toml`), in
    /// microseconds per unit: `[cpu.costs] bls_verify_us = 1000`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub costs: BTreeMap<String, f64>,
}

impl Default for CpuSpec {
    fn default() -> Self {
        Self {
            model: true,
            cores: 2,
            costs: BTreeMap::new(),
        }
    }
}

impl CpuSpec {
    /// The cost table of the run: the shipped one with the overrides, or `None` when the model
    /// is off.
    pub fn table(&self) -> Result<Option<crate::cpu::CostTable>, ScenarioError> {
        if !self.model {
            return Ok(None);
        }
        let mut table = crate::cpu::CostTable::shipped().map_err(|e| ScenarioError::Invalid {
            field: "cpu.costs".into(),
            reason: Inconsistency::Explained(e.to_string()),
        })?;
        for (key, value) in &self.costs {
            if !value.is_finite() || *value < 0.0 {
                return Err(ScenarioError::Invalid {
                    field: format!("cpu.costs.{key}"),
                    reason: Inconsistency::Explained(format!(
                        "{value} is not a finite cost of at least 0 microseconds"
                    )),
                });
            }
            if !table.set(key, *value) {
                let known: Vec<&str> = table.entries().iter().map(|(k, _)| *k).collect();
                return Err(ScenarioError::Invalid {
                    field: format!("cpu.costs.{key}"),
                    reason: Inconsistency::Explained(format!(
                        "unknown cost entry; the table has {}",
                        known.join(", ")
                    )),
                });
            }
        }
        Ok(Some(table))
    }
}

/// The `[network]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkSpec {
    /// Extra delay, uniform in `[0, jitter_ms)`, added to every message (default 10).
    pub jitter_ms: f64,
    /// Probability that a message is lost (default 0).
    pub loss: f64,
    /// Latency of every link not listed in `links` (default uniform 20..80 ms).
    pub latency: LatencyModel,
    /// Per directed link latency overrides (`[[network.links]]`).
    pub links: Vec<LinkSpec>,
    /// Partitions that start and heal on a schedule (`[[network.partitions]]`).
    pub partitions: Vec<PartitionSpec>,
    /// Gossip relaying and message duplication (`[network.gossip]`).
    pub gossip: crate::gossip::GossipSpec,
    /// Named regions and the latency between them (`[network.regions]`; default none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regions: Option<crate::regions::RegionsSpec>,
    /// Each node's upload bandwidth in Mbit/s, `0 ..= 1000000`; 0 (default) = unlimited. A
    /// message takes `bytes × 8 / bandwidth` on the sender's uplink, one message after another.
    pub bandwidth_mbps: f64,
    /// Largest clock offset of a node, ms, `0 ..= slot_duration / 4` (default 0): each node's
    /// clock is off by a fixed amount drawn uniformly in `[-clock_skew_ms, clock_skew_ms]`.
    pub clock_skew_ms: f64,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        Self {
            jitter_ms: 10.0,
            loss: 0.0,
            latency: LatencyModel::default(),
            links: Vec::new(),
            partitions: Vec::new(),
            gossip: crate::gossip::GossipSpec::default(),
            regions: None,
            bandwidth_mbps: 0.0,
            clock_skew_ms: 0.0,
        }
    }
}

/// The `[workload]` section: transfers submitted to every shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WorkloadSpec {
    /// Transactions per second submitted to each shard (default 50).
    pub tps_per_shard: f64,
    /// Share of transactions whose recipient is on another shard, `0 ..= 1` (default 0.1).
    pub cross_shard: f64,
    /// Funded accounts per shard at genesis (default 1024).
    pub accounts_per_shard: u64,
    /// Genesis balance of each account (default 1 000 000 000).
    pub account_balance: u64,
    /// Fee of each transaction (default 1).
    pub fee: u64,
    /// Largest amount transferred; amounts are uniform in `1 ..= amount_max` (default 1000).
    pub amount_max: u64,
    /// First slot in which transactions are submitted (default 1).
    pub start_slot: u64,
    /// First slot in which no more transactions are submitted (default: none, until the end).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_slot: Option<u64>,
}

impl Default for WorkloadSpec {
    fn default() -> Self {
        Self {
            tps_per_shard: 50.0,
            cross_shard: 0.1,
            accounts_per_shard: 1024,
            account_balance: 1_000_000_000,
            fee: 1,
            amount_max: 1000,
            start_slot: 1,
            stop_slot: None,
        }
    }
}

/// A scheduled fault (`[[faults]]`, tagged by `kind`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum FaultSpec {
    /// The node crashes at the start of `at_slot` (unsynced writes lost) and, if
    /// `restart_slot` is given, restarts from its store at the start of that slot.
    Crash {
        /// The node id.
        node: u64,
        /// Slot at whose start the node crashes.
        at_slot: u64,
        /// Slot at whose start it restarts (`> at_slot`); none = stays down.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        restart_slot: Option<u64>,
    },
    /// The nodes are paused during `[from_slot, until_slot)`: no duties, receive nothing,
    /// send nothing; their state is kept.
    Offline {
        /// The node ids.
        nodes: Vec<u64>,
        /// First paused slot.
        from_slot: u64,
        /// First slot after the pause (`> from_slot`); none = paused to the end.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        until_slot: Option<u64>,
    },
}

/// One simulation run: cluster, chain parameters, network, workload and faults.
///
/// Every field has a default (see [`Scenario::default`]), so an empty file is the default
/// scenario: small enough for a newcomer's first run (4 nodes, 8 epochs, 50 tx/s per shard;
/// seconds and well under 1 GB). The heavier load of earlier versions (8 nodes, 12 epochs,
/// 200 tx/s per shard) is the repository's `scenarios/heavy.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Seed of every random choice in the run (default 1; at most `i64::MAX`).
    pub seed: u64,
    /// Nodes in the cluster, `1 ..= 1024` (default 4).
    pub nodes: u64,
    /// Validators in the genesis registry (default 256).
    pub validators: u64,
    /// Validators run by each node; default: an even split with the remainder going to the
    /// first nodes. If given: one entry per node, summing to `validators`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validators_per_node: Option<Vec<u64>>,
    /// The type-level preset, `minimal` or `mainnet` (default minimal).
    pub preset: PresetName,
    /// Shards active at run time (default 8): `1 ..= SHARD_COUNT` of the preset (design D7
    /// below `SLOTS_PER_EPOCH`).
    pub active_shards: u64,
    /// Slot duration in ms (default: none = the chain configuration default, 6000).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot_duration_ms: Option<u64>,
    /// Real or fake BLS (default real).
    pub crypto: CryptoMode,
    /// Run length in epochs, `1 ..= 100000` (default 8).
    pub epochs: u64,
    /// Thread pool size for CPU-heavy steps (default: none = the machine's parallelism).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// The `[network]` section.
    pub network: NetworkSpec,
    /// The `[workload]` section.
    pub workload: WorkloadSpec,
    /// The `[[faults]]` entries.
    pub faults: Vec<FaultSpec>,
    /// The `[cpu]` section.
    pub cpu: CpuSpec,
    /// The liveness check (`crate::liveness`): from `K` epochs after the last fault heals to
    /// the end, the observer's finalized epoch lags the current epoch by at most `K`
    /// (default: none = not checked; `1 ..= 1000`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_epochs: Option<u64>,
    /// The `[[adversaries]]` entries (`crate::adversary`).
    pub adversaries: Vec<AdversarySpec>,
    /// The slashing check: every validator that signed two conflicting messages is slashed
    /// in the observer's head state within this many epochs of its first offence
    /// (default 4; `1 ..= 1000`).
    pub slashing_bound_epochs: u64,
}

impl Default for Scenario {
    fn default() -> Self {
        Self {
            seed: 1,
            nodes: 4,
            validators: 256,
            validators_per_node: None,
            preset: PresetName::Minimal,
            active_shards: 8,
            slot_duration_ms: None,
            crypto: CryptoMode::Real,
            epochs: 8,
            threads: None,
            network: NetworkSpec::default(),
            workload: WorkloadSpec::default(),
            faults: Vec::new(),
            cpu: CpuSpec::default(),
            liveness_epochs: None,
            adversaries: Vec::new(),
            slashing_bound_epochs: 4,
        }
    }
}

/// The keys [`Scenario::set`] and [`Scenario::get`] accept (short forms and dotted forms).
pub const OVERRIDE_KEYS: &[&str] = &[
    "seed",
    "nodes",
    "validators",
    "preset",
    "active_shards",
    "slot_duration_ms",
    "crypto",
    "epochs",
    "threads",
    "latency",
    "jitter_ms",
    "loss",
    "tps_per_shard",
    "cross_shard",
    "accounts_per_shard",
    "account_balance",
    "fee",
    "amount_max",
    "start_slot",
    "stop_slot",
    "liveness_epochs",
    "cpu_model",
    "cores",
    "relay",
    "mesh_degree",
    "duplication",
    "bandwidth_mbps",
    "clock_skew_ms",
    "slashing_bound_epochs",
    "adversary",
];

fn bad_value(key: &str, value: &str, expected: &str) -> ScenarioError {
    ScenarioError::BadValue {
        key: key.to_string(),
        value: value.to_string(),
        expected: expected.to_string(),
    }
}

fn parse_u64(key: &str, value: &str) -> Result<u64, ScenarioError> {
    value
        .trim()
        .replace('_', "")
        .parse()
        .map_err(|_| bad_value(key, value, "a non-negative integer"))
}

fn is_none_word(value: &str) -> bool {
    let v = value.trim();
    v.is_empty() || v.eq_ignore_ascii_case("none") || v.eq_ignore_ascii_case("default")
}

fn parse_opt_u64(key: &str, value: &str) -> Result<Option<u64>, ScenarioError> {
    if is_none_word(value) {
        Ok(None)
    } else {
        parse_u64(key, value)
            .map(Some)
            .map_err(|_| bad_value(key, value, "a non-negative integer or `none`"))
    }
}

fn parse_f64(key: &str, value: &str) -> Result<f64, ScenarioError> {
    value
        .trim()
        .parse()
        .map_err(|_| bad_value(key, value, "a number"))
}

fn opt_to_string<T: ToString>(value: &Option<T>) -> String {
    value
        .as_ref()
        .map_or_else(|| "none".to_string(), T::to_string)
}

impl Scenario {
    /// Parses and validates a TOML document.
    pub fn from_toml_str(text: &str) -> Result<Self, ScenarioError> {
        let scenario: Self = toml::from_str(text)?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Renders the scenario as TOML (every field, defaults included) so a run can record the
    /// exact scenario it ran; [`Scenario::from_toml_str`] reads it back to an equal value.
    pub fn to_toml_string(&self) -> Result<String, ScenarioError> {
        Ok(toml::to_string(self)?)
    }

    /// The effective slot duration in ms (`slot_duration_ms`, or the chain default).
    pub fn slot_duration_ms(&self) -> u64 {
        self.slot_duration_ms
            .unwrap_or_else(|| ChainConfig::default().slot_duration_ms)
    }

    /// The chain configuration the nodes run: preset, active shards, validator count and
    /// slot duration from the scenario, everything else at its default.
    pub fn chain_config(&self) -> ChainConfig {
        ChainConfig {
            preset: self.preset,
            active_shard_count: self.active_shards,
            validator_count: self.validators,
            slot_duration_ms: self.slot_duration_ms(),
            ..ChainConfig::default()
        }
    }

    /// Slots in the run: `epochs * slots_per_epoch` (saturating).
    pub fn total_slots(&self, slots_per_epoch: u64) -> u64 {
        self.epochs.saturating_mul(slots_per_epoch)
    }

    /// The validator indices each node runs, one contiguous range per node, in node order.
    ///
    /// From `validators_per_node` if given, else an even split of `validators` with the
    /// remainder going to the first nodes. Meaningful on a validated scenario.
    pub fn validator_ranges(&self) -> Vec<Range<u64>> {
        let counts: Vec<u64> = match &self.validators_per_node {
            Some(counts) => counts.clone(),
            None => {
                let nodes = self.nodes.max(1);
                let base = self.validators / nodes;
                let extra = self.validators % nodes;
                (0..self.nodes)
                    .map(|i| base + u64::from(i < extra))
                    .collect()
            }
        };
        let mut start = 0u64;
        counts
            .into_iter()
            .map(|n| {
                let end = start.saturating_add(n);
                let range = start..end;
                start = end;
                range
            })
            .collect()
    }

    /// Checks every field against its allowed range and the fields against each other.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        check_u64("seed", self.seed, 0, MAX_TOML_INT)?;
        check_u64("nodes", self.nodes, 1, MAX_NODES)?;
        let preset = self.preset;
        let spe = preset.slots_per_epoch();
        check_u64_ctx(
            "validators",
            self.validators,
            spe,
            MAX_VALIDATOR_COUNT,
            &format!(" for the {preset} preset (every slot's committee needs a member)"),
        )?;
        if let Some(per_node) = &self.validators_per_node {
            if per_node.len() as u64 != self.nodes {
                return Err(ScenarioError::Invalid {
                    field: "validators_per_node".into(),
                    reason: Inconsistency::PerNodeCount {
                        entries: per_node.len(),
                        nodes: self.nodes,
                    },
                });
            }
            let sum = per_node
                .iter()
                .try_fold(0u64, |acc, &n| acc.checked_add(n))
                .unwrap_or(u64::MAX);
            if sum != self.validators {
                return Err(ScenarioError::Invalid {
                    field: "validators_per_node".into(),
                    reason: Inconsistency::PerNodeSum {
                        sum,
                        validators: self.validators,
                    },
                });
            }
        }
        check_u64_ctx(
            "active_shards",
            self.active_shards,
            1,
            preset.shard_count(),
            &format!(" for the {preset} preset (at most SHARD_COUNT)"),
        )?;
        if let Some(ms) = self.slot_duration_ms {
            check_u64("slot_duration_ms", ms, 100, 600_000)?;
        }
        check_u64("epochs", self.epochs, 1, MAX_EPOCHS)?;
        if let Some(k) = self.liveness_epochs {
            check_u64("liveness_epochs", k, 1, 1000)?;
        }
        check_u64("cpu.cores", self.cpu.cores, 1, 256)?;
        check_u64("network.gossip.degree", self.network.gossip.degree, 2, 64)?;
        check_f64(
            "network.gossip.duplication",
            self.network.gossip.duplication,
            0.0,
            1.0,
        )?;
        self.cpu.table()?;
        if let Some(threads) = self.threads {
            check_u64("threads", threads as u64, 1, MAX_THREADS as u64)?;
        }
        self.validate_network()?;
        self.validate_workload()?;
        self.validate_faults()?;
        self.validate_adversaries()?;
        // Backstop: the chain configuration's own checks (same ranges, its field names).
        self.chain_config()
            .validate()
            .map_err(|e| ScenarioError::Invalid {
                field: "chain configuration".into(),
                reason: Inconsistency::Chain(e),
            })
    }

    fn validate_network(&self) -> Result<(), ScenarioError> {
        let net = &self.network;
        check_f64("network.jitter_ms", net.jitter_ms, 0.0, MAX_LATENCY_MS)?;
        check_f64("network.loss", net.loss, 0.0, 1.0)?;
        net.latency.validate_at("network.latency")?;
        check_f64("network.bandwidth_mbps", net.bandwidth_mbps, 0.0, 1e6)?;
        check_f64(
            "network.clock_skew_ms",
            net.clock_skew_ms,
            0.0,
            self.slot_duration_ms() as f64 / 4.0,
        )?;
        if let Some(regions) = &net.regions {
            regions.validate(self.nodes)?;
        }
        let mut seen = BTreeSet::new();
        for (i, link) in net.links.iter().enumerate() {
            let field = format!("network.links[{i}]");
            check_node(&format!("{field}.from"), link.from, self.nodes)?;
            check_node(&format!("{field}.to"), link.to, self.nodes)?;
            if link.from == link.to {
                return Err(ScenarioError::Invalid {
                    field,
                    reason: Inconsistency::SelfLink { node: link.from },
                });
            }
            if !seen.insert((link.from, link.to)) {
                return Err(ScenarioError::Invalid {
                    field,
                    reason: Inconsistency::DuplicateLink {
                        from: link.from,
                        to: link.to,
                    },
                });
            }
            link.latency.validate_at(&format!("{field}.latency"))?;
        }
        for (i, p) in net.partitions.iter().enumerate() {
            let field = format!("network.partitions[{i}]");
            check_u64(&format!("{field}.start_slot"), p.start_slot, 0, MAX_SLOT)?;
            check_u64(
                &format!("{field}.heal_slot"),
                p.heal_slot,
                p.start_slot.saturating_add(1),
                MAX_SLOT,
            )?;
            let mut members = BTreeSet::new();
            for (g, group) in p.groups.iter().enumerate() {
                for (k, &node) in group.iter().enumerate() {
                    check_node(&format!("{field}.groups[{g}][{k}]"), node, self.nodes)?;
                    if !members.insert(node) {
                        return Err(ScenarioError::Invalid {
                            field: format!("{field}.groups"),
                            reason: Inconsistency::DuplicateNode { node },
                        });
                    }
                }
            }
        }
        Ok(())
    }

    fn validate_workload(&self) -> Result<(), ScenarioError> {
        let w = &self.workload;
        check_f64(
            "workload.tps_per_shard",
            w.tps_per_shard,
            0.0,
            MAX_TPS_PER_SHARD,
        )?;
        check_f64("workload.cross_shard", w.cross_shard, 0.0, 1.0)?;
        check_u64(
            "workload.accounts_per_shard",
            w.accounts_per_shard,
            1,
            MAX_ACCOUNTS_PER_SHARD,
        )?;
        check_u64(
            "workload.account_balance",
            w.account_balance,
            1,
            MAX_TOML_INT,
        )?;
        check_u64("workload.fee", w.fee, 0, MAX_TOML_INT)?;
        check_u64("workload.amount_max", w.amount_max, 1, MAX_TOML_INT)?;
        check_u64("workload.start_slot", w.start_slot, 0, MAX_SLOT)?;
        if let Some(stop) = w.stop_slot {
            check_u64(
                "workload.stop_slot",
                stop,
                w.start_slot.saturating_add(1),
                MAX_SLOT,
            )?;
        }
        Ok(())
    }

    fn validate_adversaries(&self) -> Result<(), ScenarioError> {
        check_u64("slashing_bound_epochs", self.slashing_bound_epochs, 1, 1000)?;
        let mut seen = BTreeSet::new();
        for (i, adversary) in self.adversaries.iter().enumerate() {
            let field = format!("adversaries[{i}]");
            adversary.validate(&field, self.nodes)?;
            for &node in &adversary.nodes {
                if !seen.insert(node) {
                    return Err(ScenarioError::Invalid {
                        field: format!("{field}.nodes"),
                        reason: Inconsistency::DuplicateNode { node },
                    });
                }
            }
        }
        Ok(())
    }

    /// The nodes an adversary holds.
    pub fn adversary_nodes(&self) -> BTreeSet<u64> {
        self.adversaries
            .iter()
            .flat_map(|a| a.nodes.iter().copied())
            .collect()
    }

    fn validate_faults(&self) -> Result<(), ScenarioError> {
        for (i, fault) in self.faults.iter().enumerate() {
            let field = format!("faults[{i}]");
            match fault {
                FaultSpec::Crash {
                    node,
                    at_slot,
                    restart_slot,
                } => {
                    check_node(&format!("{field}.node"), *node, self.nodes)?;
                    check_u64(&format!("{field}.at_slot"), *at_slot, 0, MAX_SLOT)?;
                    if let Some(r) = restart_slot {
                        check_u64(
                            &format!("{field}.restart_slot"),
                            *r,
                            at_slot.saturating_add(1),
                            MAX_SLOT,
                        )?;
                    }
                }
                FaultSpec::Offline {
                    nodes,
                    from_slot,
                    until_slot,
                } => {
                    if nodes.is_empty() {
                        return Err(ScenarioError::Invalid {
                            field: format!("{field}.nodes"),
                            reason: Inconsistency::NoNodes,
                        });
                    }
                    for (k, &node) in nodes.iter().enumerate() {
                        check_node(&format!("{field}.nodes[{k}]"), node, self.nodes)?;
                    }
                    check_u64(&format!("{field}.from_slot"), *from_slot, 0, MAX_SLOT)?;
                    if let Some(u) = until_slot {
                        check_u64(
                            &format!("{field}.until_slot"),
                            *u,
                            from_slot.saturating_add(1),
                            MAX_SLOT,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Applies one `key=value` override (from the command line or a sweep). Keys: see
    /// [`OVERRIDE_KEYS`]; network and workload keys may also be written with their section
    /// (`network.loss`, `workload.cross_shard`). Optional values take `none`. `latency` takes
    /// `constant:<ms>`, `uniform:<min>:<max>` or `lognormal:<median>:<sigma>`.
    ///
    /// Only parses: call [`Scenario::validate`] after the last override, since ranges can
    /// depend on several keys (e.g. `preset` and `active_shards`).
    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ScenarioError> {
        let v = value.trim();
        match canonical_key(key)? {
            "seed" => self.seed = parse_u64(key, v)?,
            "nodes" => self.nodes = parse_u64(key, v)?,
            "validators" => self.validators = parse_u64(key, v)?,
            "preset" => {
                self.preset = match v.to_ascii_lowercase().as_str() {
                    "minimal" => PresetName::Minimal,
                    "mainnet" => PresetName::Mainnet,
                    _ => return Err(bad_value(key, value, "`minimal` or `mainnet`")),
                }
            }
            "active_shards" => self.active_shards = parse_u64(key, v)?,
            "slot_duration_ms" => self.slot_duration_ms = parse_opt_u64(key, v)?,
            "crypto" => {
                self.crypto = match v.to_ascii_lowercase().as_str() {
                    "real" => CryptoMode::Real,
                    "fake" => CryptoMode::Fake,
                    _ => return Err(bad_value(key, value, "`real` or `fake`")),
                }
            }
            "epochs" => self.epochs = parse_u64(key, v)?,
            "threads" => {
                self.threads = match parse_opt_u64(key, v)? {
                    None => None,
                    Some(n) => Some(
                        usize::try_from(n)
                            .map_err(|_| bad_value(key, value, "a thread count or `none`"))?,
                    ),
                }
            }
            "latency" => {
                self.network.latency = v
                    .parse()
                    .map_err(|_| bad_value(key, value, LATENCY_FORMS))?
            }
            "jitter_ms" => self.network.jitter_ms = parse_f64(key, v)?,
            "loss" => self.network.loss = parse_f64(key, v)?,
            "tps_per_shard" => self.workload.tps_per_shard = parse_f64(key, v)?,
            "cross_shard" => self.workload.cross_shard = parse_f64(key, v)?,
            "accounts_per_shard" => self.workload.accounts_per_shard = parse_u64(key, v)?,
            "account_balance" => self.workload.account_balance = parse_u64(key, v)?,
            "fee" => self.workload.fee = parse_u64(key, v)?,
            "amount_max" => self.workload.amount_max = parse_u64(key, v)?,
            "start_slot" => self.workload.start_slot = parse_u64(key, v)?,
            "stop_slot" => self.workload.stop_slot = parse_opt_u64(key, v)?,
            "liveness_epochs" => self.liveness_epochs = parse_opt_u64(key, v)?,
            "slashing_bound_epochs" => self.slashing_bound_epochs = parse_u64(key, v)?,
            "adversary" => self.adversaries = adversary::parse_override(key, v, self.nodes)?,
            "cpu_model" => {
                self.cpu.model = match v.to_ascii_lowercase().as_str() {
                    "on" | "true" => true,
                    "off" | "false" => false,
                    _ => return Err(bad_value(key, value, "`on` or `off`")),
                }
            }
            "cores" => self.cpu.cores = parse_u64(key, v)?,
            "relay" => {
                self.network.gossip.relay = match v.to_ascii_lowercase().as_str() {
                    "on" | "true" => true,
                    "off" | "false" => false,
                    _ => return Err(bad_value(key, value, "`on` or `off`")),
                }
            }
            "mesh_degree" => self.network.gossip.degree = parse_u64(key, v)?,
            "duplication" => self.network.gossip.duplication = parse_f64(key, v)?,
            "bandwidth_mbps" => self.network.bandwidth_mbps = parse_f64(key, v)?,
            "clock_skew_ms" => self.network.clock_skew_ms = parse_f64(key, v)?,
            _ => return Err(unknown_key(key)),
        }
        Ok(())
    }

    /// The current value of an override key, in the form [`Scenario::set`] accepts (for
    /// sweep tables and CSV columns).
    pub fn get(&self, key: &str) -> Result<String, ScenarioError> {
        Ok(match canonical_key(key)? {
            "seed" => self.seed.to_string(),
            "nodes" => self.nodes.to_string(),
            "validators" => self.validators.to_string(),
            "preset" => self.preset.as_str().to_string(),
            "active_shards" => self.active_shards.to_string(),
            "slot_duration_ms" => opt_to_string(&self.slot_duration_ms),
            "crypto" => self.crypto.as_str().to_string(),
            "epochs" => self.epochs.to_string(),
            "threads" => opt_to_string(&self.threads),
            "latency" => self.network.latency.to_string(),
            "jitter_ms" => self.network.jitter_ms.to_string(),
            "loss" => self.network.loss.to_string(),
            "tps_per_shard" => self.workload.tps_per_shard.to_string(),
            "cross_shard" => self.workload.cross_shard.to_string(),
            "accounts_per_shard" => self.workload.accounts_per_shard.to_string(),
            "account_balance" => self.workload.account_balance.to_string(),
            "fee" => self.workload.fee.to_string(),
            "amount_max" => self.workload.amount_max.to_string(),
            "start_slot" => self.workload.start_slot.to_string(),
            "stop_slot" => opt_to_string(&self.workload.stop_slot),
            "liveness_epochs" => opt_to_string(&self.liveness_epochs),
            "slashing_bound_epochs" => self.slashing_bound_epochs.to_string(),
            "adversary" => adversary::render_override(&self.adversaries),
            "cpu_model" => if self.cpu.model { "on" } else { "off" }.to_string(),
            "cores" => self.cpu.cores.to_string(),
            "relay" => if self.network.gossip.relay {
                "on"
            } else {
                "off"
            }
            .to_string(),
            "mesh_degree" => self.network.gossip.degree.to_string(),
            "duplication" => self.network.gossip.duplication.to_string(),
            "bandwidth_mbps" => self.network.bandwidth_mbps.to_string(),
            "clock_skew_ms" => self.network.clock_skew_ms.to_string(),
            _ => return Err(unknown_key(key)),
        })
    }
}

fn unknown_key(key: &str) -> ScenarioError {
    ScenarioError::UnknownKey {
        key: key.to_string(),
        known: OVERRIDE_KEYS.join(", "),
    }
}

/// Maps `network.x` / `workload.x` to `x` when `x` belongs to that section.
fn canonical_key(key: &str) -> Result<&'static str, ScenarioError> {
    const NETWORK: &[&str] = &[
        "latency",
        "jitter_ms",
        "loss",
        "bandwidth_mbps",
        "clock_skew_ms",
    ];
    const WORKLOAD: &[&str] = &[
        "tps_per_shard",
        "cross_shard",
        "accounts_per_shard",
        "account_balance",
        "fee",
        "amount_max",
        "start_slot",
        "stop_slot",
    ];
    let key_trim = key.trim();
    let (section, name) = match key_trim.split_once('.') {
        Some((s, n)) => (Some(s), n),
        None => (None, key_trim),
    };
    let found = OVERRIDE_KEYS.iter().copied().find(|k| *k == name);
    match (section, found) {
        (None, Some(k)) => Ok(k),
        (Some("network"), Some(k)) if NETWORK.contains(&k) => Ok(k),
        (Some("workload"), Some(k)) if WORKLOAD.contains(&k) => Ok(k),
        _ => Err(unknown_key(key)),
    }
}

#[cfg(test)]
mod tests;
