//! [`SimDisk`]: a crashable in-memory disk for redb, used by the simulator and the tests.
//!
//! **Owns** the bytes of one simulated database file, the undo log of every change since the
//! last `sync_data`, and the crash model: [`SimDisk::crash`] is a power loss that rolls back
//! exactly the unsynced changes, so a reopened database sees exactly its last durable commit.
//!
//! **Must never** copy the whole buffer on a sync, touch a real file, read the clock, or panic:
//! every out-of-range access is an `io::Error`, as from a real disk.
//!
//! Each [`SimDisk::handle`] (one per opened database) gets a fresh generation. A handle whose
//! generation is stale (the disk crashed, or a newer handle was opened, as when a process dies
//! and restarts) silently ignores writes, syncs and length changes and returns `Ok`, like a dead
//! process whose writes never reach the disk; its reads fail, so it never sees rolled-back bytes.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// One change since the last sync, enough to undo it: the bytes that stood at `offset` before it
/// (only those inside the old length) and the length before it.
#[derive(Debug)]
struct Undo {
    offset: usize,
    old_bytes: Vec<u8>,
    old_len: usize,
}

/// The size of one page of [`Pages`].
const PAGE: usize = 1 << 16;

/// The disk's bytes in fixed pages, allocated on first write: growing the disk never moves
/// what is already on it, and a region never written reads as zeros.
#[derive(Debug, Default)]
struct Pages {
    pages: Vec<Option<Box<[u8]>>>,
    len: usize,
}

impl Pages {
    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The bytes of `start..end` (which must lie within the length).
    fn get(&self, start: usize, end: usize) -> Option<Vec<u8>> {
        if start > end || end > self.len {
            return None;
        }
        let mut out = vec![0u8; end - start];
        let mut at = start;
        while at < end {
            let (page, offset) = (at / PAGE, at % PAGE);
            let take = (PAGE - offset).min(end - at);
            if let Some(Some(bytes)) = self.pages.get(page) {
                out[at - start..at - start + take].copy_from_slice(&bytes[offset..offset + take]);
            }
            at += take;
        }
        Some(out)
    }

    /// Writes `data` at `start`, growing the length to cover it.
    fn put(&mut self, start: usize, data: &[u8]) {
        let end = start + data.len();
        if end > self.len {
            self.resize(end);
        }
        let mut at = start;
        while at < end {
            let (page, offset) = (at / PAGE, at % PAGE);
            let take = (PAGE - offset).min(end - at);
            let bytes = self.pages[page].get_or_insert_with(|| vec![0u8; PAGE].into_boxed_slice());
            bytes[offset..offset + take].copy_from_slice(&data[at - start..at - start + take]);
            at += take;
        }
    }

    /// Sets the length; bytes past a shrunk length are zeroed, so growing again reads zeros.
    fn resize(&mut self, len: usize) {
        if len < self.len {
            let keep = len.div_ceil(PAGE);
            self.pages.truncate(keep);
            if let Some(Some(last)) = self.pages.get_mut(len / PAGE) {
                last[len % PAGE..].fill(0);
            }
        } else {
            self.pages.resize_with(len.div_ceil(PAGE), || None);
        }
        self.len = len;
    }
}

/// The disk's state, shared by every clone and handle.
#[derive(Debug, Default)]
struct DiskState {
    data: Pages,
    undo: Vec<Undo>,
    generation: u64,
    crashes: u64,
    syncs: u64,
    failing: bool,
    crash_after: Option<u64>,
}

impl DiskState {
    /// Rolls back every change since the last sync, newest first, and retires every handle.
    fn crash(&mut self) {
        while let Some(undo) = self.undo.pop() {
            self.data.put(undo.offset, &undo.old_bytes);
            self.data.resize(undo.old_len);
        }
        self.generation = self.generation.wrapping_add(1);
        self.crashes = self.crashes.wrapping_add(1);
        self.crash_after = None;
    }

    /// Decides the fate of a mutating call from the handle of `generation`: `Ok(true)` to apply
    /// it, `Ok(false)` to ignore it (stale handle, or the armed crash fires now), `Err` when
    /// the disk is set to fail.
    fn admit(&mut self, generation: u64) -> io::Result<bool> {
        if generation != self.generation {
            return Ok(false);
        }
        if self.failing {
            return Err(io::Error::other("simulated disk failure"));
        }
        if let Some(left) = self.crash_after {
            if left == 0 {
                self.crash();
                return Ok(false);
            }
            self.crash_after = Some(left - 1);
        }
        Ok(true)
    }
}

/// A crashable in-memory disk holding one redb database. Clones share the same bytes.
///
/// Open a database on it with [`crate::store::Store::open_sim`] (or redb's
/// `Builder::create_with_backend(disk.handle())`); drop the database, or [`crash`](Self::crash)
/// the disk, and open it again to see what survived.
#[derive(Clone, Debug, Default)]
pub struct SimDisk {
    state: Arc<Mutex<DiskState>>,
}

impl SimDisk {
    /// An empty disk.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, DiskState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A backend for one database open: a fresh generation, which retires every earlier handle
    /// (their writes are ignored from now on; their unsynced writes stay, as after a process
    /// kill without power loss, until the next sync or crash).
    pub fn handle(&self) -> SimDiskHandle {
        let mut state = self.lock();
        state.generation = state.generation.wrapping_add(1);
        SimDiskHandle {
            state: Arc::clone(&self.state),
            generation: state.generation,
        }
    }

    /// A power loss now: every write and length change since the last `sync_data` is undone,
    /// and every open handle goes stale (its later writes and syncs are ignored).
    pub fn crash(&self) {
        self.lock().crash();
    }

    /// Arms a crash that happens in place of the `ops`-th next mutating call (write, length
    /// change or sync) from the live handle: that call and everything after it is lost. `0`
    /// crashes at the very next one. Lets tests crash in the middle of a commit.
    pub fn crash_after(&self, ops: u64) {
        self.lock().crash_after = Some(ops);
    }

    /// While `failing`, every write, length change and sync from the live handle returns an
    /// `io::Error` and changes nothing (a disk that refuses writes).
    pub fn set_failing(&self, failing: bool) {
        self.lock().failing = failing;
    }

    /// The current length in bytes, including unsynced changes.
    pub fn len(&self) -> u64 {
        self.lock().data.len() as u64
    }

    /// Whether the disk holds no bytes.
    pub fn is_empty(&self) -> bool {
        self.lock().data.is_empty()
    }

    /// How many crashes this disk has been through (including armed ones that fired).
    pub fn crash_count(&self) -> u64 {
        self.lock().crashes
    }

    /// How many syncs from a live handle have completed (a measure of durable commits).
    pub fn sync_count(&self) -> u64 {
        self.lock().syncs
    }
}

/// The backend of one database open on a [`SimDisk`]; see [`SimDisk::handle`].
#[derive(Debug)]
pub struct SimDiskHandle {
    state: Arc<Mutex<DiskState>>,
    generation: u64,
}

impl SimDiskHandle {
    fn lock(&self) -> MutexGuard<'_, DiskState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn to_usize(value: u64) -> io::Result<usize> {
    usize::try_from(value).map_err(|_| io::Error::other("offset does not fit in memory"))
}

fn stale() -> io::Error {
    io::Error::other("stale disk handle: the disk crashed or was reopened")
}

impl redb::StorageBackend for SimDiskHandle {
    fn len(&self) -> Result<u64, io::Error> {
        let state = self.lock();
        if state.generation != self.generation {
            return Err(stale());
        }
        Ok(state.data.len() as u64)
    }

    fn read(&self, offset: u64, len: usize) -> Result<Vec<u8>, io::Error> {
        let state = self.lock();
        if state.generation != self.generation {
            return Err(stale());
        }
        let start = to_usize(offset)?;
        let end = start
            .checked_add(len)
            .ok_or_else(|| io::Error::other("read range overflows"))?;
        state
            .data
            .get(start, end)
            .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "read past end of disk"))
    }

    fn set_len(&self, len: u64) -> Result<(), io::Error> {
        let new_len = to_usize(len)?;
        let mut state = self.lock();
        if !state.admit(self.generation)? {
            return Ok(());
        }
        let old_len = state.data.len();
        let old_bytes = state.data.get(new_len, old_len).unwrap_or_default();
        state.undo.push(Undo {
            offset: new_len.min(old_len),
            old_bytes,
            old_len,
        });
        state.data.resize(new_len);
        Ok(())
    }

    fn sync_data(&self, _eventual: bool) -> Result<(), io::Error> {
        // An eventual sync is treated as a full one: a stronger barrier than redb asks for.
        let mut state = self.lock();
        if !state.admit(self.generation)? {
            return Ok(());
        }
        state.undo.clear();
        state.syncs = state.syncs.wrapping_add(1);
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> Result<(), io::Error> {
        let start = to_usize(offset)?;
        let end = start
            .checked_add(data.len())
            .ok_or_else(|| io::Error::other("write range overflows"))?;
        let mut state = self.lock();
        if !state.admit(self.generation)? {
            return Ok(());
        }
        let old_len = state.data.len();
        let old_bytes = state
            .data
            .get(start.min(old_len), end.min(old_len))
            .unwrap_or_default();
        state.undo.push(Undo {
            offset: start,
            old_bytes,
            old_len,
        });
        state.data.put(start, data);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use redb::StorageBackend;

    #[test]
    fn crash_undoes_exactly_the_unsynced_changes() -> io::Result<()> {
        let disk = SimDisk::new();
        let h = disk.handle();
        h.write(0, &[1, 2, 3, 4])?;
        h.sync_data(false)?;
        h.write(2, &[9, 9, 9, 9])?; // overwrites and extends
        h.set_len(3)?; // shrinks
        h.set_len(10)?; // grows
        h.write(8, &[7])?;
        assert_eq!(disk.len(), 10);
        disk.crash();
        let h2 = disk.handle();
        assert_eq!(h2.read(0, 4)?, vec![1, 2, 3, 4]);
        assert_eq!(disk.len(), 4);
        // The old handle is dead: its writes vanish, its reads fail.
        h.write(0, &[0; 4])?;
        h.sync_data(false)?;
        assert!(h.read(0, 1).is_err());
        assert_eq!(h2.read(0, 4)?, vec![1, 2, 3, 4]);
        assert!(h2.read(2, 3).is_err());
        Ok(())
    }

    #[test]
    fn armed_crash_fires_in_place_of_the_chosen_call() -> io::Result<()> {
        let disk = SimDisk::new();
        let h = disk.handle();
        h.write(0, &[1])?;
        h.sync_data(false)?;
        disk.crash_after(1);
        h.write(0, &[2])?; // applied, then undone by the crash
        h.sync_data(false)?; // the crash happens here instead
        h.write(0, &[3])?; // stale
        assert_eq!(disk.crash_count(), 1);
        assert_eq!(disk.handle().read(0, 1)?, vec![1]);
        Ok(())
    }

    #[test]
    fn a_failing_disk_changes_nothing() -> io::Result<()> {
        let disk = SimDisk::new();
        let h = disk.handle();
        h.write(0, &[1])?;
        disk.set_failing(true);
        assert!(h.write(0, &[2]).is_err());
        assert!(h.sync_data(false).is_err());
        disk.set_failing(false);
        assert_eq!(h.read(0, 1)?, vec![1]);
        Ok(())
    }
}
