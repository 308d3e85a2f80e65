//! SSZ then snappy (raw block format), with the size limit checked from the snappy header
//! before anything is decompressed.

use crate::topic::Topic;
use consensus::foreign::Foreign;
use consensus::primitives::Shard;
use consensus::sszx::{decode, encode, DecodeError, SszFailure};
use ssz_rs::SimpleSerialize;

/// Why bytes from the wire were refused (or a value could not be put on it). Each variant has
/// a stable [`WireError::label`] for metrics.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("message of {len} bytes exceeds the {limit}-byte limit of {kind}")]
    TooLarge {
        kind: &'static str,
        len: usize,
        limit: usize,
    },
    #[error("{kind}: a snappy header claims {len} bytes from {compressed} compressed bytes, more than snappy can expand")]
    ImplausibleLength {
        kind: &'static str,
        len: usize,
        compressed: usize,
    },
    #[error("{kind}: compressed frame of {len} bytes exceeds the {limit}-byte bound")]
    CompressedTooLarge {
        kind: &'static str,
        len: usize,
        limit: usize,
    },
    #[error("{kind}: bad snappy frame: {source}")]
    Snappy {
        kind: &'static str,
        source: Foreign<snap::Error>,
    },
    #[error(transparent)]
    Ssz(#[from] DecodeError),
    #[error("{kind}: cannot encode: {source}")]
    Encode {
        kind: &'static str,
        source: SszFailure,
    },
    #[error("a transaction message carries no transaction")]
    EmptyTransactionBatch,
    #[error("a transaction of shard {shard} arrived on topic {topic}")]
    TransactionOfOtherShard { shard: Shard, topic: Topic },
    #[error("a message for topic {actual} arrived on topic {topic}")]
    WrongTopic { actual: Topic, topic: Topic },
    #[error("block count {count} is outside 1..={max}")]
    BlockCount { count: u64, max: u64 },
    #[error("beacon_blocks_by_range with step 0")]
    ZeroStep,
}

impl WireError {
    /// A short stable name of the failure, for metric labels.
    pub fn label(&self) -> &'static str {
        match self {
            WireError::TooLarge { .. } => "too_large",
            WireError::CompressedTooLarge { .. } => "compressed_too_large",
            WireError::ImplausibleLength { .. } => "implausible_length",
            WireError::Snappy { .. } => "bad_snappy",
            WireError::Ssz(_) => "bad_ssz",
            WireError::Encode { .. } => "unencodable",
            WireError::EmptyTransactionBatch => "empty_transaction_batch",
            WireError::TransactionOfOtherShard { .. } => "transaction_of_other_shard",
            WireError::WrongTopic { .. } => "wrong_topic",
            WireError::BlockCount { .. } => "bad_block_count",
            WireError::ZeroStep => "zero_step",
        }
    }
}

/// No snappy block decompresses to more than this many times its size (see `decode_message`).
pub const MAX_SNAPPY_EXPANSION: usize = 32;

/// The bound on a snappy block of `limit` uncompressed bytes.
pub fn max_compressed_len(limit: usize) -> usize {
    snap::raw::max_compress_len(limit).max(32)
}

/// `snappy(ssz(value))`.
pub fn encode_message<T: SimpleSerialize>(
    kind: &'static str,
    value: &T,
) -> Result<Vec<u8>, WireError> {
    let ssz = encode(value).map_err(|e| WireError::Encode {
        kind,
        source: e.into(),
    })?;
    snap::raw::Encoder::new()
        .compress_vec(&ssz)
        .map_err(|e| WireError::Snappy {
            kind,
            source: Foreign::new(e),
        })
}

/// Decodes `snappy(ssz(T))`, refusing more than `limit` SSZ bytes before decompressing.
pub fn decode_message<T: SimpleSerialize>(
    kind: &'static str,
    bytes: &[u8],
    limit: usize,
) -> Result<T, WireError> {
    let bound = max_compressed_len(limit);
    if bytes.len() > bound {
        return Err(WireError::CompressedTooLarge {
            kind,
            len: bytes.len(),
            limit: bound,
        });
    }
    let len = snap::raw::decompress_len(bytes).map_err(|e| WireError::Snappy {
        kind,
        source: Foreign::new(e),
    })?;
    if len > limit {
        return Err(WireError::TooLarge { kind, len, limit });
    }
    // Snappy expands at most ~22 times (a 3-byte copy yields 64 bytes), so a header claiming
    // more than 32 times the bytes present is a lie: refused before the buffer is allocated.
    let plausible = bytes
        .len()
        .saturating_mul(MAX_SNAPPY_EXPANSION)
        .saturating_add(64);
    if len > plausible {
        return Err(WireError::ImplausibleLength {
            kind,
            len,
            compressed: bytes.len(),
        });
    }
    let ssz = snap::raw::Decoder::new()
        .decompress_vec(bytes)
        .map_err(|e| WireError::Snappy {
            kind,
            source: Foreign::new(e),
        })?;
    Ok(decode::<T>(&ssz)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::{Checkpoint, VoluntaryExit};
    use proptest::prelude::*;

    #[test]
    fn round_trip_and_limits() {
        let exit = VoluntaryExit {
            epoch: 7,
            validator_index: 3,
            ..VoluntaryExit::default()
        };
        let bytes = encode_message("voluntary_exit", &exit).unwrap();
        assert_eq!(
            decode_message::<VoluntaryExit>("voluntary_exit", &bytes, 112).unwrap(),
            exit
        );
        assert!(matches!(
            decode_message::<VoluntaryExit>("voluntary_exit", &bytes, 100),
            Err(WireError::TooLarge {
                len: 112,
                limit: 100,
                ..
            })
        ));
        // A frame that claims a huge length is refused from its header alone.
        let mut lying = vec![0xff, 0xff, 0xff, 0xff, 0x0f];
        lying.extend_from_slice(&[0u8; 16]);
        assert!(matches!(
            decode_message::<Checkpoint>("checkpoint", &lying, 40),
            Err(WireError::TooLarge { .. })
        ));
        assert!(matches!(
            decode_message::<Checkpoint>("checkpoint", &vec![0u8; 1 << 20], 40),
            Err(WireError::CompressedTooLarge { .. })
        ));
        // A 4-byte frame claiming 1 MiB (within the limit) is refused before the buffer is
        // allocated: snappy cannot expand 4 bytes that far (found by fuzz/).
        let mut claim = Vec::new();
        let mut n = 1usize << 20;
        while n >= 0x80 {
            claim.push((n as u8) | 0x80);
            n >>= 7;
        }
        claim.push(n as u8);
        claim.push(0);
        assert!(matches!(
            decode_message::<consensus::BeaconBlock>("beacon_block", &claim, 2 << 20),
            Err(WireError::ImplausibleLength {
                len: 1_048_576,
                compressed: 4,
                ..
            })
        ));
    }

    proptest! {
        /// Arbitrary bytes never panic the decoder: they decode or are refused with a reason.
        #[test]
        fn arbitrary_bytes_are_refused_not_panicked(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            let _ = decode_message::<consensus::Attestation>("attestation", &bytes, 2048);
            let _ = decode_message::<VoluntaryExit>("voluntary_exit", &bytes, 112);
        }
    }
}
