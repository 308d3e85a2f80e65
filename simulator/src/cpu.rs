//! The virtual CPU cost model: each simulated node has `cores` cores, and what it does takes
//! virtual time from a cost table. Costs are data (the table, never a measurement during a
//! run), so the trace hash stays deterministic.
//!
//! **What is charged** is read from what the node reports doing, never guessed from wall time:
//! the bytes it decodes (every delivered message) and encodes (every message it publishes or
//! sends), one BLS verification per accepted or rejected unaggregated attestation, two
//! verifications and a committee's fast-aggregate verification per aggregate, a beacon block's
//! import (`BeaconBlockImported`: a base, per attestation its processing and one batch
//! signature set, and the state root), the epoch transition once per node per epoch (per
//! validator), a shard block's import (`ShardBlockImported`: per transaction an ed25519 batch
//! share and its execution), the ed25519 checks of transactions gossiped or submitted to it,
//! and one BLS signature per validator duty (`Attested`, `Proposed`, `ShardProposed`).
//!
//! **How time passes**: an event for a node starts on its earliest free core, at the event's
//! time or later; a node with every core busy handles it when one frees up (so a saturated
//! node handles its duty ticks late, misses duties and falls behind, as a real one would).
//! What the event sends leaves when its work is done (start + cost).

use serde::{Deserialize, Serialize};

/// The table shipped with the repository: measured on the 2-core development machine
/// (`shardnode calibrate` writes the same form).
pub const DEFAULT_TABLE: &str = include_str!("../costs/dev-2core.toml");

/// Costs in microseconds (per unit named in the key).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CostTable {
    /// One BLS signature.
    pub bls_sign_us: f64,
    /// One BLS verification (one key, one message).
    pub bls_verify_us: f64,
    /// `fast_aggregate_verify` of one committee's aggregate.
    pub bls_fast_aggregate_verify_us: f64,
    /// One signature set inside a block's batch verification.
    pub bls_batch_per_set_us: f64,
    /// A beacon block's processing apart from its attestations and signatures.
    pub beacon_block_base_us: f64,
    /// An attestation's processing inside a block, apart from its signature.
    pub beacon_block_per_attestation_us: f64,
    /// The beacon state root after a block (incremental).
    pub state_root_us: f64,
    /// The epoch transition, per validator in the registry.
    pub epoch_per_validator_us: f64,
    /// A shard block's processing apart from its transactions (header, roots, receipts).
    pub shard_block_base_us: f64,
    /// One transaction's share of an ed25519 batch verification.
    pub ed25519_batch_per_tx_us: f64,
    /// Executing one transaction (balances, nonce, account root update).
    pub transaction_execute_us: f64,
    /// Decoding (snappy + SSZ) per byte received.
    pub decode_per_byte_us: f64,
    /// Encoding (SSZ + snappy) per byte sent.
    pub encode_per_byte_us: f64,
}

impl CostTable {
    /// The shipped table.
    pub fn shipped() -> Result<Self, toml::de::Error> {
        toml::from_str(DEFAULT_TABLE)
    }

    /// Every entry by key, in table order, for reading and setting.
    fn slots(&mut self) -> [(&'static str, &mut f64); 13] {
        [
            ("bls_sign_us", &mut self.bls_sign_us),
            ("bls_verify_us", &mut self.bls_verify_us),
            (
                "bls_fast_aggregate_verify_us",
                &mut self.bls_fast_aggregate_verify_us,
            ),
            ("bls_batch_per_set_us", &mut self.bls_batch_per_set_us),
            ("beacon_block_base_us", &mut self.beacon_block_base_us),
            (
                "beacon_block_per_attestation_us",
                &mut self.beacon_block_per_attestation_us,
            ),
            ("state_root_us", &mut self.state_root_us),
            ("epoch_per_validator_us", &mut self.epoch_per_validator_us),
            ("shard_block_base_us", &mut self.shard_block_base_us),
            ("ed25519_batch_per_tx_us", &mut self.ed25519_batch_per_tx_us),
            ("transaction_execute_us", &mut self.transaction_execute_us),
            ("decode_per_byte_us", &mut self.decode_per_byte_us),
            ("encode_per_byte_us", &mut self.encode_per_byte_us),
        ]
    }

    /// Every entry as `(key, value)`, in table order.
    pub fn entries(&self) -> Vec<(&'static str, f64)> {
        self.clone()
            .slots()
            .into_iter()
            .map(|(key, value)| (key, *value))
            .collect()
    }

    /// Sets one entry by key; `false` if the key is unknown.
    pub fn set(&mut self, key: &str, value: f64) -> bool {
        match self.slots().into_iter().find(|(k, _)| *k == key) {
            Some((_, slot)) => {
                *slot = value;
                true
            }
            None => false,
        }
    }

    /// The table as TOML (what `shardnode calibrate` writes).
    pub fn to_toml(&self) -> String {
        self.entries()
            .into_iter()
            .map(|(k, v)| format!("{k} = {v}\n"))
            .collect()
    }
}

/// What one handled event did, as far as costs go (counted by the engine from the input and
/// the node's outputs).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Work {
    pub bytes_decoded: u64,
    pub bytes_encoded: u64,
    pub bls_signs: u64,
    pub bls_verifies: u64,
    pub bls_fast_aggregates: u64,
    pub beacon_blocks: u64,
    pub block_attestations: u64,
    pub epoch_transitions_validators: u64,
    pub shard_blocks: u64,
    pub transactions_verified: u64,
    pub transactions_executed: u64,
}

impl Work {
    /// The work's cost in microseconds, rounded up.
    pub fn cost_us(&self, t: &CostTable) -> u64 {
        let us = self.bytes_decoded as f64 * t.decode_per_byte_us
            + self.bytes_encoded as f64 * t.encode_per_byte_us
            + self.bls_signs as f64 * t.bls_sign_us
            + self.bls_verifies as f64 * t.bls_verify_us
            + self.bls_fast_aggregates as f64 * t.bls_fast_aggregate_verify_us
            + self.beacon_blocks as f64 * (t.beacon_block_base_us + t.state_root_us)
            + self.block_attestations as f64
                * (t.beacon_block_per_attestation_us + t.bls_batch_per_set_us)
            + self.epoch_transitions_validators as f64 * t.epoch_per_validator_us
            + self.shard_blocks as f64 * t.shard_block_base_us
            + self.transactions_verified as f64 * t.ed25519_batch_per_tx_us
            + self.transactions_executed as f64 * t.transaction_execute_us;
        if us.is_finite() && us > 0.0 {
            us.ceil() as u64
        } else {
            0
        }
    }
}

/// One node's cores: the virtual time (µs) at which each becomes free.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cores {
    free_at_us: Vec<u64>,
    /// Total busy time charged, µs (for the summary's per-node CPU figure).
    pub busy_us: u64,
}

impl Cores {
    pub fn new(cores: u64) -> Self {
        Self {
            free_at_us: vec![0; cores.max(1) as usize],
            busy_us: 0,
        }
    }

    /// When an event arriving at `time_ms` can start, in ms (the earliest free core).
    pub fn start_ms(&self, time_ms: u64) -> u64 {
        let free = self.free_at_us.iter().copied().min().unwrap_or(0);
        time_ms.max(free.div_ceil(1000))
    }

    /// Charges `cost_us` on the earliest free core, starting at `start_ms`; returns the time
    /// (ms, rounded up) at which the work is done.
    pub fn charge(&mut self, start_ms: u64, cost_us: u64) -> u64 {
        let start_us = start_ms.saturating_mul(1000);
        let Some(core) = self.free_at_us.iter_mut().min_by_key(|free| **free) else {
            return start_ms;
        };
        let begin = (*core).max(start_us);
        let end = begin.saturating_add(cost_us);
        *core = end;
        self.busy_us = self.busy_us.saturating_add(cost_us);
        end.div_ceil(1000)
    }

    /// A crash or restart frees every core.
    pub fn reset(&mut self) {
        self.free_at_us.iter_mut().for_each(|f| *f = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_table_parses_and_round_trips() {
        let table = CostTable::shipped().unwrap();
        assert!(table.bls_verify_us > 100.0);
        let back: CostTable = toml::from_str(&table.to_toml()).unwrap();
        assert_eq!(back, table);
        let mut t = table.clone();
        assert!(t.set("bls_verify_us", 1.0));
        assert_eq!(t.bls_verify_us, 1.0);
        assert!(!t.set("nope", 1.0));
    }

    #[test]
    fn busy_cores_delay_work_and_one_core_serialises() {
        let mut one = Cores::new(1);
        assert_eq!(one.start_ms(10), 10);
        assert_eq!(one.charge(10, 2_500), 13);
        // The core is busy until 12.5 ms: an event at 11 starts at 13.
        assert_eq!(one.start_ms(11), 13);
        let mut two = Cores::new(2);
        two.charge(10, 2_500);
        assert_eq!(two.start_ms(11), 11, "the second core is free");
        two.charge(11, 5_000);
        assert_eq!(two.start_ms(11), 13);
        assert_eq!(two.busy_us, 7_500);
        let work = Work {
            bls_verifies: 2,
            ..Work::default()
        };
        let t = CostTable::shipped().unwrap();
        assert_eq!(work.cost_us(&t), (2.0 * t.bls_verify_us).ceil() as u64);
    }
}
