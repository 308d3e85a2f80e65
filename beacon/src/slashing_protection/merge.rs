//! Merging signing histories from elsewhere (an EIP-3076 interchange file, another node's
//! records) into this node's slashing protection.
//!
//! **Owns** the merge rule of a minimal database, as EIP-3076 advises: every watermark becomes
//! the maximum of the record's and the import's, field by field, so an import can only raise
//! what a validator is refused, never lower it. A record imported with a source epoch above its
//! target epoch is kept as it is (the two maxima are taken separately, like the interchange test
//! suite's "minified" reading): it refuses more, never less.
//!
//! **Must never** write a merged record that refuses less than the one it replaces, or adopt a
//! merge in memory before it is durable.

use super::{SlashingProtection, SlashingRecord};
use crate::store::{Store, StoreError};
use std::collections::BTreeMap;

/// What an import did to one validator's record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The import raised or added a watermark: the record now refuses more.
    Raised,
    /// The record already refused everything the import would have it refuse.
    Unchanged,
}

fn max_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl SlashingRecord {
    /// The record that refuses everything `self` or `other` refuses: the field-wise maximum.
    pub fn merge(&self, other: &SlashingRecord) -> SlashingRecord {
        let mut shard_block_slots = self.shard_block_slots.clone();
        for (&shard, &slot) in &other.shard_block_slots {
            let entry = shard_block_slots.entry(shard).or_insert(slot);
            *entry = (*entry).max(slot);
        }
        SlashingRecord {
            last_block_slot: max_opt(self.last_block_slot, other.last_block_slot),
            max_source_epoch: max_opt(self.max_source_epoch, other.max_source_epoch),
            max_target_epoch: max_opt(self.max_target_epoch, other.max_target_epoch),
            shard_block_slots,
        }
    }

    /// Whether `self` refuses at least everything `other` refuses (every watermark of `other`
    /// is present in `self` and not above it).
    pub fn covers(&self, other: &SlashingRecord) -> bool {
        let at_least = |mine: Option<u64>, theirs: Option<u64>| match (mine, theirs) {
            (_, None) => true,
            (Some(m), Some(t)) => m >= t,
            (None, Some(_)) => false,
        };
        at_least(self.last_block_slot, other.last_block_slot)
            && at_least(self.max_source_epoch, other.max_source_epoch)
            && at_least(self.max_target_epoch, other.max_target_epoch)
            && other
                .shard_block_slots
                .iter()
                .all(|(shard, slot)| self.shard_block_slots.get(shard) >= Some(slot))
    }
}

impl SlashingProtection {
    /// Every validator's record, by validator index.
    pub fn records(&self) -> &BTreeMap<u64, SlashingRecord> {
        &self.records
    }

    /// Merges `imported` into the records: each validator's record becomes
    /// [`SlashingRecord::merge`] of the two, all written in ONE durable commit before any is
    /// adopted in memory. Returns what happened to each imported validator. If the commit
    /// fails, nothing changes.
    pub fn import(
        &mut self,
        store: &mut Store,
        imported: &BTreeMap<u64, SlashingRecord>,
    ) -> Result<BTreeMap<u64, MergeOutcome>, StoreError> {
        let mut outcomes = BTreeMap::new();
        let mut rows = Vec::new();
        let mut merged = BTreeMap::new();
        for (&validator, incoming) in imported {
            let current = self.current(validator);
            if current.covers(incoming) {
                outcomes.insert(validator, MergeOutcome::Unchanged);
                continue;
            }
            let next = current.merge(incoming);
            rows.push((validator, next.to_bytes()));
            merged.insert(validator, next);
            outcomes.insert(validator, MergeOutcome::Raised);
        }
        if !rows.is_empty() {
            store.put_slashing_records(&rows)?;
            self.records.extend(merged);
        }
        Ok(outcomes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SimDisk;

    fn record(block: Option<u64>, source: Option<u64>, target: Option<u64>) -> SlashingRecord {
        SlashingRecord {
            last_block_slot: block,
            max_source_epoch: source,
            max_target_epoch: target,
            shard_block_slots: BTreeMap::new(),
        }
    }

    #[test]
    fn merge_takes_each_maximum_and_covers_both() {
        let mut a = record(Some(9), Some(3), Some(4));
        a.shard_block_slots.insert(1, 7);
        let mut b = record(Some(5), Some(6), None);
        b.shard_block_slots.insert(1, 2);
        b.shard_block_slots.insert(2, 11);
        let m = a.merge(&b);
        assert_eq!(m.last_block_slot, Some(9));
        assert_eq!((m.max_source_epoch, m.max_target_epoch), (Some(6), Some(4)));
        assert_eq!(
            m.shard_block_slots.into_iter().collect::<Vec<_>>(),
            vec![(1, 7), (2, 11)]
        );
        let m = a.merge(&b);
        assert!(m.covers(&a) && m.covers(&b));
        assert!(!a.covers(&b), "a has no shard 2 and a lower source");
        assert!(a.covers(&SlashingRecord::default()));
    }

    #[test]
    fn import_raises_only_and_survives_a_reload() -> Result<(), Box<dyn std::error::Error>> {
        let disk = SimDisk::new();
        let mut store = Store::open_sim(&disk)?;
        let mut protection = SlashingProtection::load(&store)?;
        protection.approve_attestation(&mut store, 3, 4, 5)?;
        let imported = BTreeMap::from([
            (3, record(None, Some(2), Some(4))),
            (8, record(Some(12), None, None)),
        ]);
        let outcomes = protection.import(&mut store, &imported)?;
        assert_eq!(outcomes[&3], MergeOutcome::Unchanged);
        assert_eq!(outcomes[&8], MergeOutcome::Raised);
        drop(store);
        let store = Store::open_sim(&disk)?;
        let reloaded = SlashingProtection::load(&store)?;
        assert_eq!(reloaded, protection);
        assert_eq!(reloaded.record(3), Some(&record(None, Some(4), Some(5))));
        assert_eq!(reloaded.record(8), Some(&record(Some(12), None, None)));
        Ok(())
    }
}
