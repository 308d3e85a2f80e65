//! The largest SSZ encoding each message type may have. A message over its limit is refused
//! before it is decompressed or decoded.
//!
//! Fixed-size types are limited to their exact size; variable-size ones to their SSZ bound
//! (every list at its limit), rounded up to a power of two. The shard block's limit is the
//! chain configuration's `shard_block_max_bytes`.

use consensus::ChainConfig;

/// `Attestation` at its SSZ bound: 304 fixed bytes and two full `Bitlist[4096]` (513 bytes).
pub const MAX_ATTESTATION: usize = 2_048;
/// `VoluntaryExit`: fixed, 112 bytes.
pub const MAX_VOLUNTARY_EXIT: usize = 112;
/// `ProposerSlashing`: fixed, 408 bytes.
pub const MAX_PROPOSER_SLASHING: usize = 408;
/// `AttesterSlashing` at its bound: two indexed attestations of 4096 + 4096 indices
/// (2 × 65,840 bytes + offsets).
pub const MAX_ATTESTER_SLASHING: usize = 1 << 18;
/// `BeaconBlock` at its bound: 16 proposer slashings, 1 attester slashing, 128 attestations,
/// 16 deposits, 16 exits (about 331 KB).
pub const MAX_BEACON_BLOCK: usize = 1 << 19;
/// `Transaction`: fixed, 152 bytes.
pub const MAX_TRANSACTION: usize = shard::transaction::TRANSACTION_SIZE;
/// Most transactions one `shard_transaction_{shard}` message carries.
pub const MAX_TRANSACTIONS_PER_MESSAGE: usize = 1024;
/// A `TransactionBatch` at its bound.
pub const MAX_TRANSACTIONS_MESSAGE: usize = 4 + MAX_TRANSACTION * MAX_TRANSACTIONS_PER_MESSAGE;
/// Most blocks one `*_blocks_by_range` or `beacon_blocks_by_root` request may ask for.
pub const MAX_REQUEST_BLOCKS: u64 = 64;

/// The limits in force for one chain configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub beacon_block: usize,
    pub attestation: usize,
    pub voluntary_exit: usize,
    pub proposer_slashing: usize,
    pub attester_slashing: usize,
    pub shard_block: usize,
    pub transactions: usize,
}

impl Limits {
    pub fn from_config(config: &ChainConfig) -> Self {
        Self {
            beacon_block: MAX_BEACON_BLOCK,
            attestation: MAX_ATTESTATION,
            voluntary_exit: MAX_VOLUNTARY_EXIT,
            proposer_slashing: MAX_PROPOSER_SLASHING,
            attester_slashing: MAX_ATTESTER_SLASHING,
            shard_block: usize::try_from(config.shard_block_max_bytes).unwrap_or(usize::MAX),
            transactions: MAX_TRANSACTIONS_MESSAGE,
        }
    }

    /// The largest of all limits: the most a single framed message may carry.
    pub fn largest(&self) -> usize {
        [
            self.beacon_block,
            self.attestation,
            self.voluntary_exit,
            self.proposer_slashing,
            self.attester_slashing,
            self.shard_block,
            self.transactions,
        ]
        .into_iter()
        .max()
        .unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::sszx::encode;
    use consensus::{Attestation, BeaconBlock, CommitteeBits, ProposerSlashing, VoluntaryExit};

    #[test]
    fn limits_cover_the_largest_encodings() {
        let full = CommitteeBits::try_from(vec![true; 4096].as_slice()).unwrap();
        let attestation = Attestation {
            aggregation_bits: full.clone(),
            custody_bits: full,
            ..Attestation::default()
        };
        let bytes = encode(&attestation).unwrap().len();
        assert_eq!(bytes, 304 + 2 * 513);
        assert!(bytes <= MAX_ATTESTATION);
        let mut block = BeaconBlock::default();
        for _ in 0..128 {
            block.body.attestations.push(attestation.clone());
        }
        for _ in 0..16 {
            block
                .body
                .proposer_slashings
                .push(ProposerSlashing::default());
            block.body.voluntary_exits.push(VoluntaryExit::default());
        }
        assert!(encode(&block).unwrap().len() <= MAX_BEACON_BLOCK);
        assert_eq!(
            encode(&VoluntaryExit::default()).unwrap().len(),
            MAX_VOLUNTARY_EXIT
        );
        assert_eq!(
            encode(&ProposerSlashing::default()).unwrap().len(),
            MAX_PROPOSER_SLASHING
        );
    }
}
