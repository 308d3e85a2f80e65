//! Slashing protection (design 3.3): every signature a validator makes passes here first, and
//! is allowed only once a persisted record says it cannot be slashable.
//!
//! **Owns** the per-validator [`SlashingRecord`] (low watermarks, as EIP-3076's minimal form),
//! its byte layout in the store, and the rules:
//!
//! - a beacon block only at `slot > last_block_slot`;
//! - a shard block only at `slot > shard_block_slots[shard]`;
//! - an attestation only if `source <= target`, `target > max_target_epoch` (refuses double
//!   votes and anything older) and `source >= max_source_epoch` (refuses surrounding votes; a
//!   surrounded vote has an old target and is refused by the previous rule).
//!
//! On approval the watermarks move up, and the new record is committed durably to the
//! [`Store`] *before* the approval returns: the caller signs only after `Ok`.
//!
//! **Must never** approve a signature whose record is not durable, or move an in-memory record
//! when the durable write failed (so the memory never allows what the disk would not remember
//! after a restart), or panic on stored bytes (a bad record is [`StoreError::Corrupt`]).
//! One `SlashingProtection` per store: it keeps the records in memory, loaded at start.
//!
//! ## Record layout (version 1), all integers little-endian
//!
//! | bytes       | field                                                              |
//! |-------------|--------------------------------------------------------------------|
//! | 0           | layout version, `1`                                                |
//! | 1           | flags: bit 0 `last_block_slot` present, bit 1 the attestation watermarks (`max_source_epoch` and `max_target_epoch`, always together) present; other bits 0 |
//! | 2..10       | `last_block_slot` (0 when absent)                                  |
//! | 10..18      | `max_source_epoch` (0 when absent)                                 |
//! | 18..26      | `max_target_epoch` (0 when absent)                                 |
//! | 26..30      | `n`, the number of shard entries (u32)                             |
//! | 30..30+16n  | `n` × (shard u64, last signed slot u64), shards strictly ascending |
//!
//! Decoding is strict: any other length, version, flag, a non-zero absent field or unsorted
//! shards is corrupt.

mod merge;

pub use merge::MergeOutcome;

use crate::store::tables::SLASHING_PROTECTION_NAME;
use crate::store::{RecordError, Store, StoreError};
use std::collections::BTreeMap;

/// The record layout version written by [`SlashingRecord::to_bytes`].
pub const RECORD_VERSION: u8 = 1;

const FLAG_BLOCK: u8 = 0b01;
const FLAG_ATTESTATION: u8 = 0b10;
const HEADER_LEN: usize = 30;
const SHARD_ENTRY_LEN: usize = 16;

/// What one validator has signed so far: the high-water marks that later signatures must pass.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlashingRecord {
    /// The slot of the last beacon block signed.
    pub last_block_slot: Option<u64>,
    /// The highest source epoch of any attestation signed.
    pub max_source_epoch: Option<u64>,
    /// The highest target epoch of any attestation signed.
    pub max_target_epoch: Option<u64>,
    /// The slot of the last block signed, per shard.
    pub shard_block_slots: BTreeMap<u64, u64>,
}

/// Why a signature is refused (or could not be approved).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlashingRefusal {
    /// A beacon block at or before the last signed one (a second block at a slot, or older).
    #[error("validator {validator}: beacon block at slot {slot} is not after the last signed slot {last}")]
    BlockNotAfterLastSigned {
        /// The validator.
        validator: u64,
        /// The slot asked for.
        slot: u64,
        /// The last slot signed.
        last: u64,
    },
    /// A shard block at or before the last one signed on that shard.
    #[error("validator {validator}: shard {shard} block at slot {slot} is not after the last signed slot {last}")]
    ShardBlockNotAfterLastSigned {
        /// The validator.
        validator: u64,
        /// The shard.
        shard: u64,
        /// The slot asked for.
        slot: u64,
        /// The last slot signed on that shard.
        last: u64,
    },
    /// An attestation whose target is not after the highest signed target (a double vote, a
    /// vote surrounded by a signed one, or simply older).
    #[error("validator {validator}: target epoch {target} is not after the last signed target {last_target}")]
    TargetNotAfterLastSigned {
        /// The validator.
        validator: u64,
        /// The target asked for.
        target: u64,
        /// The highest target signed.
        last_target: u64,
    },
    /// An attestation whose source is before the highest signed source (it would surround a
    /// signed vote).
    #[error("validator {validator}: source epoch {source_epoch} is before the last signed source {last_source}")]
    SourceBeforeLastSigned {
        /// The validator.
        validator: u64,
        /// The source asked for (not named `source`: thiserror reserves that name for the
        /// underlying error).
        source_epoch: u64,
        /// The highest source signed.
        last_source: u64,
    },
    /// An attestation whose source is after its target: never valid.
    #[error("validator {validator}: source epoch {source_epoch} is after target epoch {target}")]
    SourceAfterTarget {
        /// The validator.
        validator: u64,
        /// The source asked for.
        source_epoch: u64,
        /// The target asked for.
        target: u64,
    },
    /// The record could not be written durably: nothing was approved.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SlashingRecord {
    /// The record in the version-1 layout of the module documentation.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(HEADER_LEN + SHARD_ENTRY_LEN * self.shard_block_slots.len());
        out.push(RECORD_VERSION);
        let attested = self.max_source_epoch.is_some() || self.max_target_epoch.is_some();
        let flags = if self.last_block_slot.is_some() {
            FLAG_BLOCK
        } else {
            0
        } | if attested { FLAG_ATTESTATION } else { 0 };
        out.push(flags);
        out.extend_from_slice(&self.last_block_slot.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.max_source_epoch.unwrap_or(0).to_le_bytes());
        out.extend_from_slice(&self.max_target_epoch.unwrap_or(0).to_le_bytes());
        // A validator signs on a handful of shards; saturate rather than fail on the absurd.
        let count = u32::try_from(self.shard_block_slots.len()).unwrap_or(u32::MAX);
        out.extend_from_slice(&count.to_le_bytes());
        for (shard, slot) in self.shard_block_slots.iter().take(count as usize) {
            out.extend_from_slice(&shard.to_le_bytes());
            out.extend_from_slice(&slot.to_le_bytes());
        }
        out
    }

    /// Parses the version-1 layout, strictly; the error says what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<SlashingRecord, RecordError> {
        let u64_at = |at: usize| -> Result<u64, RecordError> {
            bytes
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
                .ok_or(RecordError::Truncated { at })
        };
        match bytes.first() {
            Some(&RECORD_VERSION) => {}
            Some(other) => return Err(RecordError::UnknownVersion(*other)),
            None => return Err(RecordError::Empty),
        }
        let flags = *bytes.get(1).ok_or(RecordError::Truncated { at: 1 })?;
        if flags & !(FLAG_BLOCK | FLAG_ATTESTATION) != 0 {
            return Err(RecordError::UnknownFlags(flags));
        }
        let present =
            |flag: u8, value: u64, field: &'static str| -> Result<Option<u64>, RecordError> {
                match (flags & flag != 0, value) {
                    (true, v) => Ok(Some(v)),
                    (false, 0) => Ok(None),
                    (false, value) => Err(RecordError::AbsentFieldSet { field, value }),
                }
            };
        let last_block_slot = present(FLAG_BLOCK, u64_at(2)?, "last_block_slot")?;
        let max_source_epoch = present(FLAG_ATTESTATION, u64_at(10)?, "max_source_epoch")?;
        let max_target_epoch = present(FLAG_ATTESTATION, u64_at(18)?, "max_target_epoch")?;
        let count = bytes
            .get(26..30)
            .and_then(|b| b.try_into().ok())
            .map(u32::from_le_bytes)
            .ok_or(RecordError::Truncated { at: 26 })?;
        let expected = usize::try_from(count)
            .ok()
            .and_then(|n| n.checked_mul(SHARD_ENTRY_LEN))
            .and_then(|n| n.checked_add(HEADER_LEN))
            .ok_or(RecordError::CountOverflow { count })?;
        if bytes.len() != expected {
            return Err(RecordError::Length {
                len: bytes.len(),
                count,
                expected,
            });
        }
        let mut shard_block_slots = BTreeMap::new();
        let mut previous: Option<u64> = None;
        for at in (HEADER_LEN..expected).step_by(SHARD_ENTRY_LEN) {
            let shard = u64_at(at)?;
            if previous.is_some_and(|p| p >= shard) {
                return Err(RecordError::ShardOutOfOrder { shard });
            }
            previous = Some(shard);
            shard_block_slots.insert(shard, u64_at(at + 8)?);
        }
        Ok(SlashingRecord {
            last_block_slot,
            max_source_epoch,
            max_target_epoch,
            shard_block_slots,
        })
    }

    fn check_block(&self, validator: u64, slot: u64) -> Result<SlashingRecord, SlashingRefusal> {
        if let Some(last) = self.last_block_slot.filter(|last| slot <= *last) {
            return Err(SlashingRefusal::BlockNotAfterLastSigned {
                validator,
                slot,
                last,
            });
        }
        Ok(SlashingRecord {
            last_block_slot: Some(slot),
            ..self.clone()
        })
    }

    fn check_shard_block(
        &self,
        validator: u64,
        shard: u64,
        slot: u64,
    ) -> Result<SlashingRecord, SlashingRefusal> {
        if let Some(&last) = self.shard_block_slots.get(&shard).filter(|l| slot <= **l) {
            return Err(SlashingRefusal::ShardBlockNotAfterLastSigned {
                validator,
                shard,
                slot,
                last,
            });
        }
        let mut next = self.clone();
        next.shard_block_slots.insert(shard, slot);
        Ok(next)
    }

    fn check_attestation(
        &self,
        validator: u64,
        source: u64,
        target: u64,
    ) -> Result<SlashingRecord, SlashingRefusal> {
        if source > target {
            return Err(SlashingRefusal::SourceAfterTarget {
                validator,
                source_epoch: source,
                target,
            });
        }
        if let Some(last_target) = self.max_target_epoch.filter(|last| target <= *last) {
            return Err(SlashingRefusal::TargetNotAfterLastSigned {
                validator,
                target,
                last_target,
            });
        }
        if let Some(last_source) = self.max_source_epoch.filter(|last| source < *last) {
            return Err(SlashingRefusal::SourceBeforeLastSigned {
                validator,
                source_epoch: source,
                last_source,
            });
        }
        Ok(SlashingRecord {
            max_source_epoch: Some(self.max_source_epoch.map_or(source, |s| s.max(source))),
            max_target_epoch: Some(target),
            ..self.clone()
        })
    }
}

/// The records of every validator this node signs for, in memory, mirrored durably in the
/// store.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlashingProtection {
    records: BTreeMap<u64, SlashingRecord>,
}

impl SlashingProtection {
    /// Loads every record from `store`; a record that does not parse is
    /// [`StoreError::Corrupt`].
    pub fn load(store: &Store) -> Result<Self, StoreError> {
        let mut records = BTreeMap::new();
        for (validator, bytes) in store.slashing_records()? {
            let record =
                SlashingRecord::from_bytes(&bytes).map_err(|reason| StoreError::Corrupt {
                    table: SLASHING_PROTECTION_NAME,
                    key: validator.to_string(),
                    reason: reason.into(),
                })?;
            records.insert(validator, record);
        }
        Ok(SlashingProtection { records })
    }

    /// The record of `validator`, if it has signed anything.
    pub fn record(&self, validator: u64) -> Option<&SlashingRecord> {
        self.records.get(&validator)
    }

    /// Writes `next` for `validator` durably, then adopts it in memory.
    fn commit(
        &mut self,
        store: &mut Store,
        validator: u64,
        next: SlashingRecord,
    ) -> Result<(), SlashingRefusal> {
        store.put_slashing_records(&[(validator, next.to_bytes())])?;
        self.records.insert(validator, next);
        Ok(())
    }

    fn current(&self, validator: u64) -> SlashingRecord {
        self.records.get(&validator).cloned().unwrap_or_default()
    }

    /// Approves a beacon block at `slot` by `validator`: checks the rule and, if allowed,
    /// writes the new record durably to `store` before returning `Ok`; the caller signs only
    /// after `Ok`.
    pub fn approve_block(
        &mut self,
        store: &mut Store,
        validator: u64,
        slot: u64,
    ) -> Result<(), SlashingRefusal> {
        let next = self.current(validator).check_block(validator, slot)?;
        self.commit(store, validator, next)
    }

    /// Approves a block of `shard` at `slot` by `validator`, as [`approve_block`](Self::approve_block).
    pub fn approve_shard_block(
        &mut self,
        store: &mut Store,
        validator: u64,
        shard: u64,
        slot: u64,
    ) -> Result<(), SlashingRefusal> {
        let next = self
            .current(validator)
            .check_shard_block(validator, shard, slot)?;
        self.commit(store, validator, next)
    }

    /// Approves an attestation from `source_epoch` to `target_epoch` by `validator`, as
    /// [`approve_block`](Self::approve_block).
    pub fn approve_attestation(
        &mut self,
        store: &mut Store,
        validator: u64,
        source_epoch: u64,
        target_epoch: u64,
    ) -> Result<(), SlashingRefusal> {
        let next =
            self.current(validator)
                .check_attestation(validator, source_epoch, target_epoch)?;
        self.commit(store, validator, next)
    }

    /// Approves many attestations `(validator, source, target)` in ONE durable commit (a node
    /// signs for many validators per slot): returns one verdict per vote, in order, and writes
    /// every approved record in a single transaction before returning. Votes of the same
    /// validator within the batch are checked against each other, in order. If the commit
    /// fails, nothing is approved, nothing moves in memory, and the error is returned.
    pub fn approve_attestations(
        &mut self,
        store: &mut Store,
        votes: &[(u64, u64, u64)],
    ) -> Result<Vec<Result<(), SlashingRefusal>>, StoreError> {
        self.approve_batch(store, votes, |record, &(validator, source, target)| {
            record.check_attestation(validator, source, target)
        })
    }

    /// Approves many shard blocks `(validator, shard, slot)` in ONE durable commit, as
    /// [`approve_attestations`](Self::approve_attestations) (a node proposes on many shards
    /// per slot).
    pub fn approve_shard_blocks(
        &mut self,
        store: &mut Store,
        proposals: &[(u64, u64, u64)],
    ) -> Result<Vec<Result<(), SlashingRefusal>>, StoreError> {
        self.approve_batch(store, proposals, |record, &(validator, shard, slot)| {
            record.check_shard_block(validator, shard, slot)
        })
    }

    /// The batch rule shared by the `approve_*s` methods: items are `(validator, _, _)`, and
    /// `check` judges one against its validator's record (as updated by earlier items).
    fn approve_batch(
        &mut self,
        store: &mut Store,
        items: &[(u64, u64, u64)],
        check: impl Fn(&SlashingRecord, &(u64, u64, u64)) -> Result<SlashingRecord, SlashingRefusal>,
    ) -> Result<Vec<Result<(), SlashingRefusal>>, StoreError> {
        let mut pending: BTreeMap<u64, SlashingRecord> = BTreeMap::new();
        let mut verdicts = Vec::with_capacity(items.len());
        for item in items {
            let validator = item.0;
            let current = match pending.get(&validator) {
                Some(record) => record.clone(),
                None => self.current(validator),
            };
            match check(&current, item) {
                Ok(next) => {
                    pending.insert(validator, next);
                    verdicts.push(Ok(()));
                }
                Err(refusal) => verdicts.push(Err(refusal)),
            }
        }
        if !pending.is_empty() {
            let rows: Vec<(u64, Vec<u8>)> = pending
                .iter()
                .map(|(validator, record)| (*validator, record.to_bytes()))
                .collect();
            store.put_slashing_records(&rows)?;
            self.records.extend(pending);
        }
        Ok(verdicts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SimDisk;

    fn open() -> Result<(SimDisk, Store), StoreError> {
        let disk = SimDisk::new();
        let store = Store::open_sim(&disk)?;
        Ok((disk, store))
    }

    #[test]
    fn slashing_record_layout_round_trips_and_is_strict() {
        let empty = SlashingRecord::default();
        assert_eq!(empty.to_bytes().len(), HEADER_LEN);
        assert_eq!(SlashingRecord::from_bytes(&empty.to_bytes()), Ok(empty));
        let full = SlashingRecord {
            last_block_slot: Some(0),
            max_source_epoch: Some(3),
            max_target_epoch: Some(u64::MAX),
            shard_block_slots: [(0, 5), (7, 9), (u64::MAX, 1)].into_iter().collect(),
        };
        let bytes = full.to_bytes();
        assert_eq!(bytes.len(), HEADER_LEN + 3 * SHARD_ENTRY_LEN);
        assert_eq!(SlashingRecord::from_bytes(&bytes), Ok(full));
        // Every truncation, a bad version, unknown flags, a value under an absent flag and
        // unsorted shards are all refused.
        for len in 0..bytes.len() {
            assert!(
                SlashingRecord::from_bytes(&bytes[..len]).is_err(),
                "len {len}"
            );
        }
        let mut bad = bytes.clone();
        bad[0] = 2;
        assert!(SlashingRecord::from_bytes(&bad).is_err());
        let mut bad = bytes.clone();
        bad[1] = 0b100;
        assert!(SlashingRecord::from_bytes(&bad).is_err());
        let mut bad = bytes.clone();
        bad[1] = FLAG_ATTESTATION;
        bad[2] = 1; // last_block_slot = 1 but absent
        assert!(SlashingRecord::from_bytes(&bad).is_err());
        let mut bad = bytes;
        bad[HEADER_LEN..HEADER_LEN + 8].copy_from_slice(&8u64.to_le_bytes()); // 8 before 7
        assert!(SlashingRecord::from_bytes(&bad).is_err());
    }

    #[test]
    fn slashing_rules_refuse_with_the_right_variant() -> Result<(), SlashingRefusal> {
        let (_disk, mut store) = open()?;
        let mut sp = SlashingProtection::default();
        sp.approve_block(&mut store, 1, 10)?;
        assert_eq!(
            sp.approve_block(&mut store, 1, 10),
            Err(SlashingRefusal::BlockNotAfterLastSigned {
                validator: 1,
                slot: 10,
                last: 10
            })
        );
        assert!(sp.approve_block(&mut store, 1, 9).is_err());
        sp.approve_block(&mut store, 2, 10)?; // another validator is independent
        sp.approve_block(&mut store, 1, 11)?;

        sp.approve_shard_block(&mut store, 1, 3, 10)?;
        sp.approve_shard_block(&mut store, 1, 4, 10)?; // another shard is independent
        assert_eq!(
            sp.approve_shard_block(&mut store, 1, 3, 10),
            Err(SlashingRefusal::ShardBlockNotAfterLastSigned {
                validator: 1,
                shard: 3,
                slot: 10,
                last: 10
            })
        );

        sp.approve_attestation(&mut store, 1, 2, 3)?;
        assert!(matches!(
            sp.approve_attestation(&mut store, 1, 2, 3),
            Err(SlashingRefusal::TargetNotAfterLastSigned {
                target: 3,
                last_target: 3,
                ..
            })
        ));
        // New surrounds old: (1, 4) around (2, 3).
        assert!(matches!(
            sp.approve_attestation(&mut store, 1, 1, 4),
            Err(SlashingRefusal::SourceBeforeLastSigned {
                source_epoch: 1,
                last_source: 2,
                ..
            })
        ));
        assert!(matches!(
            sp.approve_attestation(&mut store, 1, 4, 3),
            Err(SlashingRefusal::SourceAfterTarget { .. })
        ));
        sp.approve_attestation(&mut store, 1, 3, 5)?;
        assert_eq!(sp.record(1).and_then(|r| r.max_source_epoch), Some(3));
        assert_eq!(sp.record(1).and_then(|r| r.max_target_epoch), Some(5));
        Ok(())
    }
}
