//! The node's store (design 4): one redb database, a file for real nodes and a crashable
//! in-memory [`SimDisk`] in the simulator, so a simulated crash reopens the same database and
//! loses exactly the writes that were not yet durable.
//!
//! **Owns** the database handle, the tables of [`tables`] (beacon blocks, shard blocks, meta,
//! slashing-protection records as bytes), the durability policy and the decoding of stored
//! bytes.
//!
//! **Must never** panic on stored bytes (a value that does not decode, or disagrees with its key,
//! is [`StoreError::Corrupt`]), do I/O other than through redb, or decide slashing rules (that
//! is [`crate::slashing_protection`], which owns the record layout).
//!
//! Durability: block and meta writes are committed with `Durability::None`: cheap, visible to
//! later reads at once, and lost on a crash until the next [`Store::flush`] (or any durable
//! commit) makes them durable. Slashing-protection writes are durable (`Durability::Immediate`)
//! before their method returns. Dropping a `Store` without `flush` may lose non-durable writes.
//! Flush often (once per slot): redb frees pages only at durable commits, so a long run of
//! non-durable ones grows the database (measured on a [`SimDisk`]: 2,000 empty beacon blocks
//! take 3.0 MB flushed after each, 3.7 MB flushed every 10, 17 MB every 100, 136 MB never).
//!
//! The database is created in redb's v3 file format (opt-in in redb 2.6; the format of redb 3),
//! so moving to a newer redb should need no file migration.

pub mod disk;
mod error;
pub mod tables;

pub use disk::{SimDisk, SimDiskHandle};
use error::Context;
pub use error::{Corruption, RecordError, StoreError};

use consensus::primitives::Root;
use consensus::sszx;
use consensus::BeaconBlock;
use redb::{Database, Durability, ReadableTable, ReadableTableMetadata};
use shard::ShardBlock;
use std::path::Path;
use tables::{
    beacon_block_key, key_hex, key_numbers, shard_block_key, ANCHOR_KEY, BEACON_BLOCKS,
    BEACON_BLOCK_SLOTS, META, SCHEMA_VERSION, SCHEMA_VERSION_KEY, SHARD_BLOCKS,
    SLASHING_PROTECTION, STORE_INFO,
};

/// redb's page cache per database: small, since a simulation holds many nodes in one process.
const SIM_CACHE_BYTES: usize = 16 * 1024 * 1024;

/// redb's page cache for a real node's file.
const FILE_CACHE_BYTES: usize = 256 * 1024 * 1024;

/// Told of every commit, so that a runtime can time them: the store itself never reads a
/// clock. [`CommitHook::around`] must call `commit` exactly once and return its result.
pub trait CommitHook: Send {
    fn around(
        &self,
        durable: bool,
        commit: &mut dyn FnMut() -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
}

/// The node's store: one redb database with the tables of [`tables`].
pub struct Store {
    db: Database,
    hook: Option<Box<dyn CommitHook>>,
    /// Whether a non-durable commit happened since the last durable one.
    unflushed: bool,
    /// Shard blocks written since the last flush, `(key, encoded block)`: written to redb in
    /// one transaction by [`Store::flush`] (a node imports many per slot). Like a non-durable
    /// commit, they are lost if the process dies before the flush.
    pending_shard_blocks: Vec<(Vec<u8>, Vec<u8>)>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("unflushed", &self.unflushed)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Creates the store on an empty `disk`, or reopens the database on it (repairing it if a
    /// crash left it mid-commit), seeing exactly its last durable commit. Any database handle
    /// still open on `disk` goes stale (its writes are ignored).
    pub fn open_sim(disk: &SimDisk) -> Result<Store, StoreError> {
        let db = redb::Builder::new()
            .set_cache_size(SIM_CACHE_BYTES)
            .create_with_file_format_v3(true)
            .create_with_backend(disk.handle())
            .during("open the simulated database")?;
        Self::init(db)
    }

    /// Creates the store as a redb file at `path`, or reopens (and if needed repairs) it.
    pub fn open_file(path: &Path) -> Result<Store, StoreError> {
        let db = match redb::Builder::new()
            .set_cache_size(FILE_CACHE_BYTES)
            .create_with_file_format_v3(true)
            .create(path)
        {
            Err(redb::DatabaseError::DatabaseAlreadyOpen) => return Err(StoreError::InUse),
            other => other.during("open the database file")?,
        };
        Self::init(db)
    }

    /// Creates every table and checks (or, in a new database, records) the schema version,
    /// in one durable commit.
    fn init(db: Database) -> Result<Store, StoreError> {
        let txn = db.begin_write().during("begin the schema transaction")?;
        {
            let mut info = txn.open_table(STORE_INFO).during("open store_info")?;
            let found = info
                .get(SCHEMA_VERSION_KEY)
                .during("read the schema version")?
                .map(|v| v.value());
            match found {
                Some(found) if found != SCHEMA_VERSION => {
                    return Err(StoreError::Schema {
                        found,
                        supported: SCHEMA_VERSION,
                    })
                }
                Some(_) => {}
                None => {
                    info.insert(SCHEMA_VERSION_KEY, SCHEMA_VERSION)
                        .during("write the schema version")?;
                }
            }
            txn.open_table(BEACON_BLOCKS)
                .during("create beacon_blocks")?;
            txn.open_table(BEACON_BLOCK_SLOTS)
                .during("create beacon_block_slots")?;
            txn.open_table(SHARD_BLOCKS).during("create shard_blocks")?;
            txn.open_table(META).during("create meta")?;
            txn.open_table(SLASHING_PROTECTION)
                .during("create slashing_protection")?;
        }
        txn.commit().during("commit the schema")?;
        Ok(Store {
            db,
            hook: None,
            unflushed: false,
            pending_shard_blocks: Vec::new(),
        })
    }

    /// Runs `write` in one write transaction committed with `durability`.
    fn write<F>(&mut self, durability: Durability, write: F) -> Result<(), StoreError>
    where
        F: FnOnce(&redb::WriteTransaction) -> Result<(), StoreError>,
    {
        let mut txn = self.db.begin_write().during("begin a write")?;
        txn.set_durability(durability);
        write(&txn)?;
        let mut txn = Some(txn);
        let mut commit = || match txn.take() {
            Some(txn) => txn.commit().during("commit"),
            None => Ok(()),
        };
        match &self.hook {
            Some(hook) => hook.around(!matches!(durability, Durability::None), &mut commit)?,
            None => commit()?,
        }
        match durability {
            Durability::None => self.unflushed = true,
            _ => self.unflushed = false,
        }
        Ok(())
    }

    /// Has `hook` told of every later commit (a runtime times them for its metrics).
    pub fn set_commit_hook(&mut self, hook: Box<dyn CommitHook>) {
        self.hook = Some(hook);
    }

    /// Stores a beacon block under its `root` (non-durable until [`flush`](Self::flush)).
    pub fn put_beacon_block(&mut self, root: &Root, block: &BeaconBlock) -> Result<(), StoreError> {
        let bytes = sszx::encode(block).map_err(|e| StoreError::Encode {
            what: "beacon block",
            source: e.into(),
        })?;
        let key = beacon_block_key(block.slot, root);
        self.write(Durability::None, |txn| {
            let mut slots = txn
                .open_table(BEACON_BLOCK_SLOTS)
                .during("open beacon_block_slots")?;
            let previous = slots
                .insert(root.as_bytes().as_slice(), block.slot)
                .during("index a beacon block")?
                .map(|v| v.value());
            drop(slots);
            let mut blocks = txn.open_table(BEACON_BLOCKS).during("open beacon_blocks")?;
            if let Some(previous) = previous.filter(|slot| *slot != block.slot) {
                blocks
                    .remove(beacon_block_key(previous, root).as_slice())
                    .during("remove a re-slotted beacon block")?;
            }
            blocks
                .insert(key.as_slice(), bytes.as_slice())
                .during("write a beacon block")?;
            Ok(())
        })
    }

    /// The beacon block stored under `root`, if any.
    pub fn beacon_block(&self, root: &Root) -> Result<Option<BeaconBlock>, StoreError> {
        let txn = self.db.begin_read().during("begin a read")?;
        let slots = txn
            .open_table(BEACON_BLOCK_SLOTS)
            .during("open beacon_block_slots")?;
        let Some(slot) = slots
            .get(root.as_bytes().as_slice())
            .during("look up a beacon block")?
            .map(|v| v.value())
        else {
            return Ok(None);
        };
        let blocks = txn.open_table(BEACON_BLOCKS).during("open beacon_blocks")?;
        let key = beacon_block_key(slot, root);
        let value = blocks
            .get(key.as_slice())
            .during("read a beacon block")?
            .ok_or_else(|| StoreError::Corrupt {
                table: tables::BEACON_BLOCK_SLOTS_NAME,
                key: key_hex(root.as_bytes()),
                reason: Corruption::IndexedBlockMissing { slot },
            })?;
        decode_beacon_block(&key, value.value()).map(Some)
    }

    /// Every stored beacon block, by slot, then root.
    pub fn beacon_blocks(&self) -> Result<Vec<BeaconBlock>, StoreError> {
        let txn = self.db.begin_read().during("begin a read")?;
        let blocks = txn.open_table(BEACON_BLOCKS).during("open beacon_blocks")?;
        let mut out = Vec::with_capacity(usize::try_from(blocks.len().unwrap_or(0)).unwrap_or(0));
        for entry in blocks.iter().during("scan beacon_blocks")? {
            let (key, value) = entry.during("read beacon_blocks")?;
            out.push(decode_beacon_block(key.value(), value.value())?);
        }
        Ok(out)
    }

    /// Stores a shard block under its `root` (non-durable until [`flush`](Self::flush)).
    pub fn put_shard_block(&mut self, root: &Root, block: &ShardBlock) -> Result<(), StoreError> {
        let bytes = sszx::encode(block).map_err(|e| StoreError::Encode {
            what: "shard block",
            source: e.into(),
        })?;
        let key = shard_block_key(block.shard, block.slot, root);
        self.pending_shard_blocks.push((key.to_vec(), bytes));
        Ok(())
    }

    /// Every stored block of `shard`, by slot, then root.
    pub fn shard_blocks(&self, shard: u64) -> Result<Vec<ShardBlock>, StoreError> {
        Ok(self
            .shard_block_entries(shard, 0..=u64::MAX)?
            .into_values()
            .collect())
    }

    /// The stored blocks of `shard` with a slot in `slots`, by root (the root each key was
    /// written under).
    pub fn shard_blocks_by_root(
        &self,
        shard: u64,
        slots: std::ops::RangeInclusive<u64>,
    ) -> Result<std::collections::BTreeMap<Root, ShardBlock>, StoreError> {
        Ok(self
            .shard_block_entries(shard, slots)?
            .into_iter()
            .filter_map(|(key, block)| Some((Root::from_slice(key.get(16..)?)?, block)))
            .collect())
    }

    /// The stored blocks of `shard` with a slot in `slots` under their keys, the pending ones
    /// included.
    fn shard_block_entries(
        &self,
        shard: u64,
        slots: std::ops::RangeInclusive<u64>,
    ) -> Result<std::collections::BTreeMap<Vec<u8>, ShardBlock>, StoreError> {
        let txn = self.db.begin_read().during("begin a read")?;
        let blocks = txn.open_table(SHARD_BLOCKS).during("open shard_blocks")?;
        let first = shard_block_key(shard, *slots.start(), &Root::zero());
        let last = shard_block_key(shard, *slots.end(), &Root::new([0xff; 32]));
        let mut found: std::collections::BTreeMap<Vec<u8>, ShardBlock> =
            std::collections::BTreeMap::new();
        let range = blocks
            .range(first.as_slice()..=last.as_slice())
            .during("scan shard_blocks")?;
        for entry in range {
            let (key, value) = entry.during("read shard_blocks")?;
            found.insert(
                key.value().to_vec(),
                decode_shard_block(key.value(), value.value())?,
            );
        }
        for (key, bytes) in &self.pending_shard_blocks {
            if key.as_slice() >= first.as_slice() && key.as_slice() <= last.as_slice() {
                found.insert(key.clone(), decode_shard_block(key, bytes)?);
            }
        }
        Ok(found)
    }

    /// Stores `value` under `key` in the meta table (non-durable until [`flush`](Self::flush)).
    pub fn put_meta(&mut self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.write(Durability::None, |txn| {
            let mut meta = txn.open_table(META).during("open meta")?;
            meta.insert(key, value).during("write meta")?;
            Ok(())
        })
    }

    /// The meta value under `key`, if any.
    pub fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let txn = self.db.begin_read().during("begin a read")?;
        let meta = txn.open_table(META).during("open meta")?;
        let value = meta.get(key).during("read meta")?;
        Ok(value.map(|v| v.value().to_vec()))
    }

    /// Makes every write so far durable (one durable commit; nothing to do if there is none
    /// since the last durable commit).
    pub fn flush(&mut self) -> Result<(), StoreError> {
        if !self.unflushed && self.pending_shard_blocks.is_empty() {
            return Ok(());
        }
        self.durable_commit(None)
    }

    /// Writes the restart anchor (the caller's bytes, under `meta["anchor"]`) together with
    /// every pending write, in one durable commit: a restart finds the anchor and every block
    /// above it, or the previous anchor.
    pub fn put_anchor(&mut self, anchor: &[u8]) -> Result<(), StoreError> {
        self.durable_commit(Some(anchor))
    }

    /// One durable commit of the pending shard blocks and, if given, the anchor; on failure
    /// the blocks stay pending.
    fn durable_commit(&mut self, anchor: Option<&[u8]>) -> Result<(), StoreError> {
        let pending = std::mem::take(&mut self.pending_shard_blocks);
        let written = self.write(Durability::Immediate, |txn| {
            if !pending.is_empty() {
                let mut blocks = txn.open_table(SHARD_BLOCKS).during("open shard_blocks")?;
                for (key, bytes) in &pending {
                    blocks
                        .insert(key.as_slice(), bytes.as_slice())
                        .during("write a shard block")?;
                }
            }
            if let Some(anchor) = anchor {
                let mut meta = txn.open_table(META).during("open meta")?;
                meta.insert(ANCHOR_KEY, anchor)
                    .during("write the restart anchor")?;
            }
            Ok(())
        });
        if written.is_err() {
            self.pending_shard_blocks = pending;
        }
        written
    }

    /// The restart anchor's bytes, if one was written.
    pub fn anchor(&self) -> Result<Option<Vec<u8>>, StoreError> {
        self.meta(ANCHOR_KEY)
    }

    /// Deletes the beacon blocks of slots before `beacon_slot` and, for each `(shard, slot)`,
    /// that shard's blocks before `slot` (one commit, made durable with the next flush).
    pub fn delete_blocks_below(
        &mut self,
        beacon_slot: u64,
        shard_slots: &[(u64, u64)],
    ) -> Result<usize, StoreError> {
        let mut deleted = 0usize;
        let counted = &mut deleted;
        self.write(Durability::None, |txn| {
            let mut blocks = txn.open_table(BEACON_BLOCKS).during("open beacon_blocks")?;
            let end = beacon_block_key(beacon_slot, &Root::zero());
            let keys: Vec<Vec<u8>> = blocks
                .range(..end.as_slice())
                .during("scan beacon_blocks")?
                .filter_map(|entry| entry.ok().map(|(k, _)| k.value().to_vec()))
                .collect();
            let mut slots = txn
                .open_table(BEACON_BLOCK_SLOTS)
                .during("open beacon_block_slots")?;
            for key in &keys {
                blocks
                    .remove(key.as_slice())
                    .during("delete a beacon block")?;
                if let Some(root) = key.get(8..) {
                    slots.remove(root).during("delete a beacon block index")?;
                }
            }
            *counted += keys.len();
            let mut shard_blocks = txn.open_table(SHARD_BLOCKS).during("open shard_blocks")?;
            for &(shard, slot) in shard_slots {
                let start = shard_block_key(shard, 0, &Root::zero());
                let end = shard_block_key(shard, slot, &Root::zero());
                let keys: Vec<Vec<u8>> = shard_blocks
                    .range(start.as_slice()..end.as_slice())
                    .during("scan shard_blocks")?
                    .filter_map(|entry| entry.ok().map(|(k, _)| k.value().to_vec()))
                    .collect();
                for key in &keys {
                    shard_blocks
                        .remove(key.as_slice())
                        .during("delete a shard block")?;
                }
                *counted += keys.len();
            }
            Ok(())
        })?;
        Ok(deleted)
    }

    /// Beacon blocks and shard blocks stored (pending shard blocks included).
    pub fn block_counts(&self) -> Result<(u64, u64), StoreError> {
        let txn = self.db.begin_read().during("begin a read")?;
        let beacon = txn
            .open_table(BEACON_BLOCKS)
            .during("open beacon_blocks")?
            .len()
            .during("count beacon_blocks")?;
        let shard = txn
            .open_table(SHARD_BLOCKS)
            .during("open shard_blocks")?
            .len()
            .during("count shard_blocks")?;
        Ok((beacon, shard + self.pending_shard_blocks.len() as u64))
    }

    /// Whether non-durable writes are waiting for a [`flush`](Self::flush).
    pub fn has_unflushed_writes(&self) -> bool {
        self.unflushed || !self.pending_shard_blocks.is_empty()
    }

    /// Every slashing-protection record, as stored bytes, by validator index.
    pub(crate) fn slashing_records(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let txn = self.db.begin_read().during("begin a read")?;
        let table = txn
            .open_table(SLASHING_PROTECTION)
            .during("open slashing_protection")?;
        let mut out = Vec::new();
        for entry in table.iter().during("scan slashing_protection")? {
            let (key, value) = entry.during("read slashing_protection")?;
            out.push((key.value(), value.value().to_vec()));
        }
        Ok(out)
    }

    /// Writes slashing-protection records in one durable commit; returns only once it is
    /// durable (this commit also makes every earlier non-durable write durable).
    pub(crate) fn put_slashing_records(
        &mut self,
        records: &[(u64, Vec<u8>)],
    ) -> Result<(), StoreError> {
        self.write(Durability::Immediate, |txn| {
            let mut table = txn
                .open_table(SLASHING_PROTECTION)
                .during("open slashing_protection")?;
            for (validator, bytes) in records {
                table
                    .insert(*validator, bytes.as_slice())
                    .during("write a slashing-protection record")?;
            }
            Ok(())
        })
    }
}

fn decode_beacon_block(key: &[u8], value: &[u8]) -> Result<BeaconBlock, StoreError> {
    let corrupt = |reason: Corruption| StoreError::Corrupt {
        table: tables::BEACON_BLOCKS_NAME,
        key: key_hex(key),
        reason,
    };
    let [slot] = key_numbers::<1>(key)
        .filter(|_| key.len() == tables::BEACON_BLOCK_KEY_LEN)
        .ok_or_else(|| corrupt(Corruption::MalformedKey))?;
    let block: BeaconBlock = sszx::decode(value).map_err(|e| corrupt(e.into()))?;
    if block.slot != slot {
        return Err(corrupt(Corruption::KeyMismatch {
            field: "slot",
            key: slot,
            value: block.slot,
        }));
    }
    Ok(block)
}

fn decode_shard_block(key: &[u8], value: &[u8]) -> Result<ShardBlock, StoreError> {
    let corrupt = |reason: Corruption| StoreError::Corrupt {
        table: tables::SHARD_BLOCKS_NAME,
        key: key_hex(key),
        reason,
    };
    let [shard, slot] = key_numbers::<2>(key)
        .filter(|_| key.len() == tables::SHARD_BLOCK_KEY_LEN)
        .ok_or_else(|| corrupt(Corruption::MalformedKey))?;
    let block: ShardBlock = sszx::decode(value).map_err(|e| corrupt(e.into()))?;
    if block.shard != shard || block.slot != slot {
        let field = if block.shard != shard {
            "shard"
        } else {
            "slot"
        };
        return Err(corrupt(Corruption::KeyMismatch {
            field,
            key: if block.shard != shard { shard } else { slot },
            value: if block.shard != shard {
                block.shard
            } else {
                block.slot
            },
        }));
    }
    Ok(block)
}
