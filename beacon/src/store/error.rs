//! Why the store failed: the backend (redb or the disk under it), bytes that do not decode or
//! disagree with their key, a value that cannot be encoded, or a database of another schema.

use consensus::foreign::Foreign;
use consensus::sszx::{DecodeError, SszFailure};

/// A store failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// redb (or the disk under it) failed during `operation`.
    #[error("store: {operation} failed: {source}")]
    Backend {
        /// What the store was doing.
        operation: &'static str,
        /// redb's error.
        source: Foreign<redb::Error>,
    },
    /// Stored bytes do not decode, or disagree with their key.
    #[error("store: corrupt value in table `{table}` at key {key}: {reason}")]
    Corrupt {
        /// The table holding the value.
        table: &'static str,
        /// The key, as hex (or in decimal for validator indices).
        key: String,
        /// What is wrong with it.
        reason: Corruption,
    },
    /// A value could not be encoded (a list over its limit).
    #[error("store: cannot encode {what}: {source}")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's error.
        source: SszFailure,
    },
    /// Another process has the database open (redb's file lock): one node per data dir.
    #[error("store: the database is already open in another process (is another node running on this data dir?)")]
    InUse,
    /// The database was written by a schema this code does not read.
    #[error("store: schema version {found} is not the supported version {supported}")]
    Schema {
        /// The version in the database.
        found: u64,
        /// The version this code reads.
        supported: u64,
    },
}

/// What is wrong with a stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Corruption {
    #[error("malformed key")]
    MalformedKey,
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("the key says {field} {key}, the value has {value}")]
    KeyMismatch {
        field: &'static str,
        key: u64,
        value: u64,
    },
    #[error("indexed at slot {slot} but no block is stored there")]
    IndexedBlockMissing { slot: u64 },
    #[error("slashing-protection record: {0}")]
    Record(#[from] RecordError),
}

/// Why bytes are not a slashing-protection record (the layout is
/// [`crate::slashing_protection`]'s).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    #[error("empty record")]
    Empty,
    #[error("unknown record version {0}")]
    UnknownVersion(u8),
    #[error("truncated at byte {at}")]
    Truncated { at: usize },
    #[error("unknown flags {0:#04x}")]
    UnknownFlags(u8),
    #[error("absent {field} holds {value}")]
    AbsentFieldSet { field: &'static str, value: u64 },
    #[error("shard count {count} overflows")]
    CountOverflow { count: u32 },
    #[error("length {len} but {count} shard entries need {expected}")]
    Length {
        len: usize,
        count: u32,
        expected: usize,
    },
    #[error("shard {shard} out of order")]
    ShardOutOfOrder { shard: u64 },
}

/// Attaches the failed operation to a redb error.
pub(super) trait Context<T> {
    fn during(self, operation: &'static str) -> Result<T, StoreError>;
}

impl<T, E: Into<redb::Error>> Context<T> for Result<T, E> {
    fn during(self, operation: &'static str) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::Backend {
            operation,
            source: Foreign::new(e.into()),
        })
    }
}
