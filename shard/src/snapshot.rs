//! [`ShardStateSnapshot`]: a shard state as SSZ bytes, so that a node can keep a finalized
//! shard state in its store and restart from it instead of replaying from genesis.
//!
//! It holds exactly what the state root commits to (the accounts in index order, the receipt
//! counters per shard, the amounts) and the latest block root; the
//! trees, the address index and the key cache are rebuilt. A restored state has the same root
//! (checked by [`ShardState::from_snapshot`]'s callers against the block that named it).

use crate::account::Account;
use crate::state::{ShardState, StateError, MAX_SHARDS};
use crate::types::{Address, ACCOUNTS_TREE_DEPTH};
use consensus::primitives::Root;
use ssz_rs::prelude::*;

/// `2^ACCOUNTS_TREE_DEPTH` accounts at most.
pub const MAX_ACCOUNTS: usize = 1 << ACCOUNTS_TREE_DEPTH;

/// One account of a snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct AccountRecord {
    pub address: Address,
    pub balance: u64,
    pub nonce: u64,
}

/// See the module documentation.
#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct ShardStateSnapshot {
    pub shard: u64,
    pub active_shard_count: u64,
    pub slot: u64,
    pub latest_block_root: Root,
    pub burned_fees: u64,
    pub receipts_sent_amount: u64,
    pub receipts_credited_amount: u64,
    pub accounts: List<AccountRecord, MAX_ACCOUNTS>,
    /// Per destination shard, the index of the next receipt to it.
    pub outgoing_counts: List<u64, MAX_SHARDS>,
    /// Per source shard, the index of the next receipt from it to credit.
    pub incoming_counts: List<u64, MAX_SHARDS>,
}

impl ShardState {
    /// The state as a snapshot.
    pub fn snapshot(&self) -> ShardStateSnapshot {
        let (slot, latest_block_root, burned_fees, sent, credited) = self.scalars_parts();
        let accounts: Vec<AccountRecord> = self
            .accounts()
            .map(|(address, account)| AccountRecord {
                address,
                balance: account.balance,
                nonce: account.nonce,
            })
            .collect();
        ShardStateSnapshot {
            shard: self.shard(),
            active_shard_count: self.active_shard_count(),
            slot,
            latest_block_root,
            burned_fees,
            receipts_sent_amount: sent,
            receipts_credited_amount: credited,
            accounts: List::try_from(accounts).unwrap_or_default(),
            outgoing_counts: List::try_from(self.outgoing_counts().to_vec()).unwrap_or_default(),
            incoming_counts: List::try_from(self.incoming_counts().to_vec()).unwrap_or_default(),
        }
    }

    /// The state a snapshot describes; a snapshot with a repeated account or receipt counters
    /// of another length than its shard count is refused.
    pub fn from_snapshot(snapshot: &ShardStateSnapshot) -> Result<ShardState, StateError> {
        let mut state = ShardState::new(snapshot.shard, snapshot.active_shard_count);
        for record in snapshot.accounts.iter() {
            state.restore_account(
                record.address,
                Account {
                    balance: record.balance,
                    nonce: record.nonce,
                },
            )?;
        }
        state.restore_scalars(
            (
                snapshot.slot,
                snapshot.latest_block_root,
                snapshot.burned_fees,
                snapshot.receipts_sent_amount,
                snapshot.receipts_credited_amount,
            ),
            snapshot.outgoing_counts.to_vec(),
            snapshot.incoming_counts.to_vec(),
        )?;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::sszx::{decode, encode};

    #[test]
    fn a_state_round_trips_through_its_snapshot() {
        let mut state = ShardState::new(1, 4);
        for i in 1u8..=6 {
            let mut a = [i; 32];
            a[..8].copy_from_slice(&(1u64 + 4 * u64::from(i)).to_le_bytes());
            state
                .insert_genesis_account(Address::new(a), 1000 + u64::from(i))
                .unwrap();
        }
        assert_eq!(state.credit_receipt_index(3, 0).unwrap(), Ok(()));
        assert_eq!(state.credit_receipt_index(3, 1).unwrap(), Ok(()));
        assert_eq!(state.take_receipt_index(2).unwrap(), 0);
        state.set_slot(17);
        let root = state.state_root();
        let bytes = encode(&state.snapshot()).unwrap();
        let mut restored = ShardState::from_snapshot(&decode(&bytes).unwrap()).unwrap();
        assert_eq!(restored.state_root(), root);
        assert_eq!(restored.recompute_root(), root);
        assert!(restored.is_receipt_credited(3, 1));
        assert!(!restored.is_receipt_credited(3, 2));
        assert_eq!(restored.next_outgoing_index(2), 1);
        assert_eq!(restored.slot(), 17);
        let mut twice = state.snapshot();
        twice.incoming_counts.push(0);
        assert!(matches!(
            ShardState::from_snapshot(&twice),
            Err(StateError::CountsLength { got: 5, shards: 4 })
        ));
    }
}
