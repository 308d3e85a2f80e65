//! The report types and the data dictionary: every column and field a run writes, with its
//! meaning (the docs are generated from and checked against these lists).

use serde::{Deserialize, Serialize};

/// The scenario's parameters, flat, repeated on every CSV row (so rows from many runs
/// concatenate into one tidy table).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunParams {
    /// The run's RNG seed.
    pub seed: u64,
    /// Number of simulated nodes.
    pub nodes: u64,
    /// Number of validators, spread over the nodes.
    pub validators: u64,
    /// Name of the protocol preset (e.g. `minimal`).
    pub preset: String,
    /// Number of shards with a running shard chain.
    pub active_shards: u64,
    /// Slot duration, in milliseconds.
    pub slot_duration_ms: u64,
    /// Signature scheme in use (e.g. `bls`, `fake`).
    pub crypto: String,
    /// Length of the run, in epochs.
    pub epochs: u64,
    /// Offered workload, in transactions per second per shard.
    pub tps_per_shard: f64,
    /// Share of the workload that is cross-shard transfers, in `[0, 1]`.
    pub cross_shard: f64,
    /// Latency model, compact text (e.g. `uniform:20:80`).
    pub latency: String,
    /// Per-message latency jitter, in milliseconds.
    pub jitter_ms: f64,
    /// Per-message loss probability, in `[0, 1]`.
    pub loss: f64,
    /// Fault schedule, compact text (e.g. `crash(3@40-64);offline(5,6@16-40)`), or `none`.
    pub faults: String,
}

/// The run's headline figures: `summary.json` and the human table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// The run's RNG seed.
    pub seed: u64,
    /// Trace hash (hex SHA-256 chain over every delivered message and state root).
    pub trace_hash: String,
    /// Number of slots simulated.
    pub slots_run: u64,
    /// First epoch to become finalized at the observer, if any did.
    pub first_finalized_epoch: Option<u64>,
    /// Last finalized epoch at the observer at the end of the run.
    pub finalized_epoch: u64,
    /// Last justified epoch at the observer at the end of the run.
    pub justified_epoch: u64,
    /// Transactions per simulated second, all shards together.
    pub tps_total: f64,
    /// Transactions per simulated second, one entry per shard.
    pub tps_per_shard: Vec<f64>,
    /// Transactions included in canonical shard blocks.
    pub transactions_included: u64,
    /// Crosslinks recorded in the beacon state, one entry per shard.
    pub crosslinks_per_shard: Vec<u64>,
    /// Mean slots from a shard block's slot to the beacon state recording its crosslink.
    pub crosslink_inclusion_delay_slots_mean: Option<f64>,
    /// Mean slots from the start of an epoch to the slot it becomes finalized.
    pub finality_latency_slots_mean: Option<f64>,
    /// Cross-shard transfers sent.
    pub cross_shard_sent: u64,
    /// Cross-shard transfers credited on the destination shard.
    pub cross_shard_credited: u64,
    /// Cross-shard transfers sent at least three epochs before the end and not credited.
    pub cross_shard_uncredited_early: u64,
    /// Median cross-shard latency (send to credit), in milliseconds.
    pub cross_shard_latency_ms_p50: Option<f64>,
    pub inclusion_latency_ms_p50: Option<f64>,
    pub inclusion_latency_ms_p99: Option<f64>,
    /// Mean over nodes of the busy fraction of their virtual cores; `None` with the CPU model off.
    pub cpu_utilization_mean: Option<f64>,
    /// The busiest node's busy fraction; `None` with the CPU model off.
    pub cpu_utilization_max: Option<f64>,
    /// 99th-percentile cross-shard latency (send to credit), in milliseconds.
    pub cross_shard_latency_ms_p99: Option<f64>,
    /// Slots with no canonical beacon block at the observer.
    pub missed_beacon_slots: u64,
    /// (slot, shard) pairs with no canonical shard block at the observer.
    pub missed_shard_slots: u64,
    /// Safety violations found by the checks; empty means none.
    pub safety_violations: Vec<String>,
    /// The liveness check's outcome (`crate::liveness`), one line.
    pub liveness: String,
    /// Validators an adversary made sign a slashable pair or two shard blocks of one slot.
    pub offenders: u64,
    /// Validators slashed in the observer's head state by the end.
    pub slashed: u64,
    /// The longest time from an offence to its slashing (or, for a shard proposer, to an
    /// honest slasher finding it), in slots; `None` if nothing was punished.
    pub slashing_delay_slots_max: Option<u64>,
    /// Simulator events processed.
    pub events_processed: u64,
    /// Network messages delivered.
    pub messages_delivered: u64,
    /// Network messages dropped (loss, partitions, offline receivers).
    pub messages_dropped: u64,
    /// Gossip copies a node had already seen, dropped before it (relaying on).
    pub duplicates_suppressed: u64,
    /// Simulated (virtual) time covered, in seconds.
    pub simulated_seconds: f64,
    /// Wall-clock duration of the run, in seconds (filled in by the binary).
    pub wall_seconds: f64,
    /// Wall-clock seconds before the first slot: keys, genesis, nodes (filled in by the binary).
    pub setup_seconds: f64,
    /// Simulated seconds per wall-clock second after setup: the rate a longer run approaches
    /// (filled in by the binary).
    pub sim_seconds_per_run_second: f64,
    /// Simulated seconds per wall-clock second (filled in by the binary).
    pub sim_seconds_per_wall_second: f64,
    /// Events processed per wall-clock second (filled in by the binary).
    pub events_per_wall_second: f64,
    /// The scenario's parameters.
    pub params: RunParams,
}

/// One row per slot: beacon-level figures, as seen by the observer node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotRow {
    /// Slot number.
    pub slot: u64,
    /// Epoch of the slot.
    pub epoch: u64,
    /// Virtual time at the start of the slot, in milliseconds since genesis.
    pub time_ms: u64,
    /// Whether the observer's canonical chain has a beacon block at this slot.
    pub beacon_block: bool,
    /// Slot of the observer's head block.
    pub head_slot: u64,
    /// Justified epoch at the observer.
    pub justified_epoch: u64,
    /// Finalized epoch at the observer.
    pub finalized_epoch: u64,
    /// Transactions in canonical shard blocks of this slot, all shards.
    pub transactions: u64,
    /// Canonical shard blocks at this slot, all shards.
    pub shard_blocks: u64,
    /// Cross-shard transfers sent in this slot.
    pub cross_shard_sent: u64,
    /// Cross-shard transfers credited in this slot.
    pub cross_shard_credited: u64,
    /// Attestations included in the beacon block of this slot.
    pub attestations_included: u64,
    /// Nodes online during this slot.
    pub online_nodes: u64,
    /// Network messages delivered during this slot.
    pub messages_delivered: u64,
    /// Network messages dropped during this slot.
    pub messages_dropped: u64,
}

/// One row per (slot, shard): shard-level figures, as seen by the observer node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSlotRow {
    /// Slot number.
    pub slot: u64,
    /// Shard number.
    pub shard: u64,
    /// Whether the shard's canonical chain has a block at this slot.
    pub block: bool,
    /// Transactions in the shard's canonical block at this slot.
    pub transactions: u64,
    /// Cross-shard receipts emitted by this shard in this slot.
    pub receipts_sent: u64,
    /// Cross-shard receipts credited on this shard in this slot.
    pub receipts_credited: u64,
    /// Pending transactions in the shard's mempool at the end of the slot.
    pub mempool_len: u64,
    /// Highest shard slot covered by the shard's crosslink in the observer's head state.
    pub crosslinked_slot: Option<u64>,
}

/// Data dictionary for [`RunParams`]: (CSV column, meaning with unit). These columns come
/// first on every CSV row, in this order.
pub const PARAM_COLUMNS: &[(&str, &str)] = &[
    ("seed", "RNG seed of the run"),
    ("nodes", "number of simulated nodes"),
    ("validators", "number of validators, spread over the nodes"),
    ("preset", "protocol preset name (text)"),
    (
        "active_shards",
        "number of shards with a running shard chain",
    ),
    ("slot_duration_ms", "slot duration, milliseconds"),
    ("crypto", "signature scheme in use (text)"),
    ("epochs", "length of the run, epochs"),
    (
        "tps_per_shard",
        "offered workload, transactions per second per shard",
    ),
    (
        "cross_shard",
        "share of the workload that is cross-shard, fraction in [0, 1]",
    ),
    (
        "latency",
        "latency model, compact text (e.g. uniform:20:80, milliseconds)",
    ),
    ("jitter_ms", "per-message latency jitter, milliseconds"),
    ("loss", "per-message loss probability, fraction in [0, 1]"),
    (
        "faults",
        "fault schedule, compact text (e.g. crash(3@40-64)), or none",
    ),
];

/// Data dictionary for [`SlotRow`] (`slots.csv`, after [`PARAM_COLUMNS`]): (CSV column,
/// meaning with unit), in column order.
pub const SLOT_COLUMNS: &[(&str, &str)] = &[
    ("slot", "slot number"),
    ("epoch", "epoch of the slot"),
    (
        "time_ms",
        "virtual time at the start of the slot, milliseconds since genesis",
    ),
    (
        "beacon_block",
        "canonical beacon block at this slot at the observer, true/false",
    ),
    ("head_slot", "slot of the observer's head block"),
    ("justified_epoch", "justified epoch at the observer"),
    ("finalized_epoch", "finalized epoch at the observer"),
    (
        "transactions",
        "transactions in canonical shard blocks of this slot, all shards, count",
    ),
    (
        "shard_blocks",
        "canonical shard blocks at this slot, all shards, count",
    ),
    (
        "cross_shard_sent",
        "cross-shard transfers sent in this slot, count",
    ),
    (
        "cross_shard_credited",
        "cross-shard transfers credited in this slot, count",
    ),
    (
        "attestations_included",
        "attestations included in this slot's beacon block, count",
    ),
    ("online_nodes", "nodes online during this slot, count"),
    (
        "messages_delivered",
        "network messages delivered during this slot, count",
    ),
    (
        "messages_dropped",
        "network messages dropped during this slot, count",
    ),
];

/// Data dictionary for [`ShardSlotRow`] (`shards.csv`, after [`PARAM_COLUMNS`]): (CSV column,
/// meaning with unit), in column order.
pub const SHARD_COLUMNS: &[(&str, &str)] = &[
    ("slot", "slot number"),
    ("shard", "shard number"),
    ("block", "canonical shard block at this slot at the observer, true/false"),
    ("transactions", "transactions in the shard's canonical block at this slot, count"),
    ("receipts_sent", "cross-shard receipts emitted by this shard in this slot, count"),
    ("receipts_credited", "cross-shard receipts credited on this shard in this slot, count"),
    ("mempool_len", "pending transactions in the shard's mempool at the end of the slot, count"),
    (
        "crosslinked_slot",
        "highest shard slot covered by the shard's crosslink in the observer's head state, empty if none",
    ),
];

/// Data dictionary for [`Summary`] (`summary.json`): (top-level key, meaning with unit).
pub const SUMMARY_FIELDS: &[(&str, &str)] = &[
    ("seed", "RNG seed of the run"),
    ("trace_hash", "trace hash, hex SHA-256 chain over delivered messages and state roots"),
    ("slots_run", "slots simulated, count"),
    ("first_finalized_epoch", "first epoch finalized at the observer, null if none"),
    ("finalized_epoch", "last finalized epoch at the observer at the end of the run"),
    ("justified_epoch", "last justified epoch at the observer at the end of the run"),
    ("tps_total", "included transactions per simulated second, all shards"),
    ("tps_per_shard", "included transactions per simulated second, list by shard"),
    ("transactions_included", "transactions included in canonical shard blocks, count"),
    ("crosslinks_per_shard", "crosslinks recorded in the beacon state, list by shard, count"),
    (
        "crosslink_inclusion_delay_slots_mean",
        "mean delay from a shard block's slot to the beacon state recording its crosslink, slots, null if none",
    ),
    (
        "finality_latency_slots_mean",
        "mean delay from the start of an epoch to the slot it becomes finalized, slots, null if none",
    ),
    ("cross_shard_sent", "cross-shard transfers sent, count"),
    ("cross_shard_credited", "cross-shard transfers credited on the destination shard, count"),
    (
        "cross_shard_uncredited_early",
        "cross-shard transfers sent at least three epochs before the end of the run and still not credited at the end, count (0 = every transfer that had time completed)",
    ),
    (
        "cross_shard_latency_ms_p50",
        "median cross-shard latency from send to credit, milliseconds, null if none",
    ),
    (
        "cross_shard_latency_ms_p99",
        "99th-percentile cross-shard latency from send to credit, milliseconds, null if none",
    ),
    (
        "inclusion_latency_ms_p50",
        "median transaction inclusion latency, from submission to the start of the slot of the canonical shard block including it, milliseconds, null if none",
    ),
    (
        "inclusion_latency_ms_p99",
        "99th-percentile transaction inclusion latency, milliseconds, null if none",
    ),
    (
        "cpu_utilization_mean",
        "mean over nodes of the busy fraction of their virtual cores (busy core time / (cores x run time)), 0..1, null with the CPU model off",
    ),
    (
        "cpu_utilization_max",
        "the busiest node's busy fraction of its virtual cores, 0..1, null with the CPU model off",
    ),
    ("missed_beacon_slots", "slots with no canonical beacon block at the observer, count"),
    ("missed_shard_slots", "(slot, shard) pairs with no canonical shard block at the observer, count"),
    ("safety_violations", "safety violations found by the checks, list of text, empty if none"),
    (
        "liveness",
        "the liveness check (scenario liveness_epochs): `not checked`, `not reached ...`, `held ...` or `FAILED at slot ...`, text",
    ),
    (
        "offenders",
        "validators an adversary made sign a slashable pair (or two shard blocks of one slot), count",
    ),
    ("slashed", "validators slashed in the observer's head state by the end, count"),
    (
        "slashing_delay_slots_max",
        "longest time from an offence to its slashing (shard proposers: to an honest slasher finding it), slots, null if none",
    ),
    ("events_processed", "simulator events processed, count"),
    ("messages_delivered", "network messages delivered, count"),
    ("messages_dropped", "network messages dropped, count"),
    (
        "duplicates_suppressed",
        "gossip copies a node had already seen, dropped before reaching it (relaying on), count",
    ),
    ("simulated_seconds", "simulated (virtual) time covered, seconds"),
    ("wall_seconds", "wall-clock duration of the run, seconds, null if not measured"),
    ("setup_seconds", "wall-clock seconds before the first slot (keys, genesis, nodes)"),
    ("sim_seconds_per_wall_second", "simulated seconds per wall-clock second, null if undefined"),
    ("sim_seconds_per_run_second", "simulated seconds per wall-clock second after setup, null if undefined"),
    ("events_per_wall_second", "events processed per wall-clock second, null if undefined"),
    ("params", "the scenario's parameters, an object with the keys of PARAM_COLUMNS"),
];
