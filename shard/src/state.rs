//! Shard state: accounts, receipt bookkeeping, supply counters, and the state root.
//!
//! ## State root
//!
//! Accounts live in an indexed list in order of creation (an account is never removed); an
//! address -> index map finds them. The accounts root is the SSZ root of
//! `List[AccountLeaf, 2^32]` over that list, kept in an [`IncrementalTree`]: a block re-hashes
//! only the leaves it touched (once each, however many times they were touched) and their paths.
//! Credited receipts are an append-only log `List[Vector[uint64, 2], 2^40]` of
//! `(source_shard, index)` (one packed chunk each) in the same kind of tree, with a `BTreeSet`
//! beside it for the lookups. The state root is the SSZ root of the container
//! `{ shard, slot, accounts_root, credited_receipts_root, next_receipt_index, burned_fees,
//! receipts_sent_amount, receipts_credited_amount }` (all `uint64` but the two list roots).
//!
//! Every change made while a block executes is journaled, so a block that fails at any point
//! leaves the state exactly as it was ([`ShardState::rollback`]).

use crate::account::{account_leaf, Account};
use crate::merkle_tree::IncrementalTree;
use crate::types::{
    compute_home_shard, u64_chunk, Address, Amount, ACCOUNTS_TREE_DEPTH,
    CREDITED_RECEIPTS_TREE_DEPTH,
};
use consensus::hash::{merkleize_fields, mix_in_length};
use consensus::primitives::{Root, Shard, Slot};
use ed25519_dalek::VerifyingKey;
use std::collections::BTreeSet;
use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
use std::sync::{Arc, OnceLock};

/// Address -> account index: a hashbrown table of indices into the accounts list, hashed with
/// SipHash under the fixed zero key (deterministic; not randomly seeded) and compared through
/// the indexed account's address. A bucket is 4 bytes, and a lookup's second memory access is
/// the account entry the caller reads next. Iteration is never used for consensus.
type AddressIndex = hashbrown::HashTable<u32>;

fn address_hash(address: &Address) -> u64 {
    BuildHasherDefault::<DefaultHasher>::default().hash_one(address)
}

/// A change to the state that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("credit: balance of {address} would overflow ({balance} + {amount})")]
    BalanceOverflow {
        address: Address,
        balance: Amount,
        amount: Amount,
    },
    #[error("create_account: the accounts list is full (2^32 accounts)")]
    TooManyAccounts,
    #[error("credited receipts log is full")]
    TooManyCreditedReceipts,
    #[error("counter `{counter}` would overflow")]
    CounterOverflow { counter: &'static str },
    #[error("genesis: account {address} is listed twice")]
    DuplicateGenesisAccount { address: Address },
}

/// One account slot: its address and its values (48 bytes, so that execution walks compact
/// entries; the decompressed keys, 200 bytes each, live apart in `ShardState::keys`).
#[derive(Clone, Debug)]
struct AccountEntry {
    address: Address,
    account: Account,
}

/// What a block may undo.
#[derive(Clone, Debug, Default)]
struct Journal {
    active: bool,
    writes: Vec<(u32, Account)>,
    accounts_len: usize,
    credited_len: usize,
    scalars: Scalars,
}

/// The `uint64` fields of the state root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Scalars {
    slot: Slot,
    latest_block_root: Root,
    next_receipt_index: u64,
    burned_fees: Amount,
    receipts_sent_amount: Amount,
    receipts_credited_amount: Amount,
}

/// The state of one shard.
#[derive(Clone, Debug)]
pub struct ShardState {
    shard: Shard,
    active_shard_count: u64,
    accounts: Vec<AccountEntry>,
    /// `keys[i]`: the decompressed ed25519 key of account `i` once a signature from it has been
    /// checked (a cache, outside the root; always as long as `accounts`). Shared by copies of
    /// the state (an account's key never changes; a copy that creates or drops accounts copies
    /// the list first).
    keys: Arc<Vec<OnceLock<Option<VerifyingKey>>>>,
    index: AddressIndex,
    account_tree: IncrementalTree,
    dirty_accounts: Vec<u32>,
    credited: BTreeSet<(Shard, u64)>,
    credited_tree: IncrementalTree,
    scalars: Scalars,
    journal: Journal,
}

/// The packed chunk of a credited receipt id: `le64(source_shard) ‖ le64(index) ‖ 0^16`.
fn receipt_id_chunk(source_shard: Shard, index: u64) -> [u8; 32] {
    let mut chunk = [0u8; 32];
    chunk[..8].copy_from_slice(&source_shard.to_le_bytes());
    chunk[8..16].copy_from_slice(&index.to_le_bytes());
    chunk
}

fn receipt_id_of_chunk(chunk: &[u8; 32]) -> (Shard, u64) {
    let mut shard = [0u8; 8];
    let mut index = [0u8; 8];
    shard.copy_from_slice(&chunk[..8]);
    index.copy_from_slice(&chunk[8..16]);
    (u64::from_le_bytes(shard), u64::from_le_bytes(index))
}

impl ShardState {
    /// An empty state of `shard` (no accounts), before any block.
    pub fn new(shard: Shard, active_shard_count: u64) -> Self {
        Self {
            shard,
            active_shard_count,
            accounts: Vec::new(),
            keys: Arc::new(Vec::new()),
            index: AddressIndex::new(),
            account_tree: IncrementalTree::new(ACCOUNTS_TREE_DEPTH),
            dirty_accounts: Vec::new(),
            credited: BTreeSet::new(),
            credited_tree: IncrementalTree::new(CREDITED_RECEIPTS_TREE_DEPTH),
            scalars: Scalars::default(),
            journal: Journal::default(),
        }
    }

    pub fn shard(&self) -> Shard {
        self.shard
    }

    pub fn active_shard_count(&self) -> u64 {
        self.active_shard_count
    }

    /// Slot of the latest block applied (0 before any block).
    pub fn slot(&self) -> Slot {
        self.scalars.slot
    }

    /// Root of the latest block applied (the genesis parent is zero). Not part of the state
    /// root: a block's root depends on its state root.
    pub fn latest_block_root(&self) -> Root {
        self.scalars.latest_block_root
    }

    pub fn next_receipt_index(&self) -> u64 {
        self.scalars.next_receipt_index
    }

    pub fn burned_fees(&self) -> Amount {
        self.scalars.burned_fees
    }

    /// Value of every receipt this shard has emitted.
    pub fn receipts_sent_amount(&self) -> Amount {
        self.scalars.receipts_sent_amount
    }

    /// Value of every receipt this shard has credited.
    pub fn receipts_credited_amount(&self) -> Amount {
        self.scalars.receipts_credited_amount
    }

    /// `compute_home_shard(address) == self.shard`.
    pub fn is_home_of(&self, address: &Address) -> bool {
        compute_home_shard(address, self.active_shard_count) == self.shard
    }

    pub fn account_count(&self) -> usize {
        self.accounts.len()
    }

    pub(crate) fn index_of(&self, address: &Address) -> Option<u32> {
        let accounts = &self.accounts;
        self.index
            .find(address_hash(address), |&i| {
                accounts
                    .get(i as usize)
                    .is_some_and(|entry| entry.address == *address)
            })
            .copied()
    }

    /// The account at `address`, if it exists.
    pub fn account(&self, address: &Address) -> Option<Account> {
        self.index_of(address)
            .and_then(|i| self.accounts.get(i as usize))
            .map(|e| e.account)
    }

    /// The account at `address`, or an empty one.
    pub fn account_or_default(&self, address: &Address) -> Account {
        self.account(address).unwrap_or_default()
    }

    pub(crate) fn account_at(&self, index: u32) -> Option<Account> {
        self.accounts.get(index as usize).map(|e| e.account)
    }

    /// Every account in index order.
    pub fn accounts(&self) -> impl Iterator<Item = (Address, Account)> + '_ {
        self.accounts.iter().map(|e| (e.address, e.account))
    }

    /// Sum of all balances, widened so it cannot overflow.
    pub fn total_balance(&self) -> u128 {
        self.accounts
            .iter()
            .map(|e| u128::from(e.account.balance))
            .sum()
    }

    /// The cached decompressed key of `address`, decompressing (and caching, when the account
    /// exists) on first use. `None` when the address is not a valid ed25519 point.
    pub(crate) fn verifying_key(&mut self, address: &Address) -> Option<VerifyingKey> {
        match self.index_of(address) {
            Some(i) => *self
                .keys
                .get(i as usize)?
                .get_or_init(|| VerifyingKey::from_bytes(&address.0).ok()),
            None => VerifyingKey::from_bytes(&address.0).ok(),
        }
    }

    /// Decompresses and caches every account's ed25519 key now (a node may do it at start so
    /// that the first blocks do not pay for it; the cache is not part of the state root).
    pub fn warm_key_cache(&mut self) {
        for (entry, key) in self.accounts.iter().zip(self.keys.iter()) {
            key.get_or_init(|| VerifyingKey::from_bytes(&entry.address.0).ok());
        }
    }

    /// Whether `(source_shard, index)` has been credited.
    pub fn is_receipt_credited(&self, source_shard: Shard, index: u64) -> bool {
        self.credited.contains(&(source_shard, index))
    }

    pub fn credited_receipt_count(&self) -> usize {
        self.credited.len()
    }

    // ----- mutation (journaled while a block executes) -----

    /// Starts journaling: everything until [`Self::commit`] or [`Self::rollback`] can be undone.
    pub(crate) fn begin(&mut self) {
        self.journal.active = true;
        self.journal.writes.clear();
        self.journal.accounts_len = self.accounts.len();
        self.journal.credited_len = self.credited_tree.len();
        self.journal.scalars = self.scalars;
    }

    /// Keeps every change since [`Self::begin`].
    pub(crate) fn commit(&mut self) {
        self.journal.active = false;
        self.journal.writes.clear();
    }

    /// Undoes every change since [`Self::begin`].
    pub(crate) fn rollback(&mut self) {
        if !self.journal.active {
            return;
        }
        let writes = std::mem::take(&mut self.journal.writes);
        for (index, previous) in writes.iter().rev() {
            if let Some(entry) = self.accounts.get_mut(*index as usize) {
                entry.account = *previous;
                self.dirty_accounts.push(*index);
            }
        }
        let accounts_len = self.journal.accounts_len;
        for (offset, entry) in self.accounts.drain(accounts_len..).enumerate() {
            let dropped = (accounts_len + offset) as u32;
            if let Ok(slot) = self
                .index
                .find_entry(address_hash(&entry.address), |&i| i == dropped)
            {
                slot.remove();
            }
        }
        if self.keys.len() > accounts_len {
            Arc::make_mut(&mut self.keys).truncate(accounts_len);
        }
        self.account_tree.truncate(accounts_len);
        self.dirty_accounts.retain(|i| (*i as usize) < accounts_len);
        let credited_len = self.journal.credited_len;
        let undone: Vec<[u8; 32]> = self
            .credited_tree
            .leaves()
            .get(credited_len..)
            .map(<[[u8; 32]]>::to_vec)
            .unwrap_or_default();
        for chunk in &undone {
            self.credited.remove(&receipt_id_of_chunk(chunk));
        }
        self.credited_tree.truncate(credited_len);
        self.scalars = self.journal.scalars;
        self.journal.writes = writes;
        self.journal.writes.clear();
        self.journal.active = false;
    }

    fn write_account(&mut self, index: u32, account: Account) {
        if let Some(entry) = self.accounts.get_mut(index as usize) {
            if self.journal.active {
                self.journal.writes.push((index, entry.account));
            }
            entry.account = account;
            self.dirty_accounts.push(index);
        }
    }

    /// `create_account(address)`: a zero account at the next index.
    fn create_account(&mut self, address: Address) -> Result<u32, StateError> {
        let index = u32::try_from(self.accounts.len()).map_err(|_| StateError::TooManyAccounts)?;
        if !self.account_tree.push([0u8; 32]) {
            return Err(StateError::TooManyAccounts);
        }
        self.accounts.push(AccountEntry {
            address,
            account: Account::default(),
        });
        Arc::make_mut(&mut self.keys).push(OnceLock::new());
        let accounts = &self.accounts;
        self.index
            .insert_unique(address_hash(&address), index, |&i| {
                accounts
                    .get(i as usize)
                    .map_or(0, |entry| address_hash(&entry.address))
            });
        self.dirty_accounts.push(index);
        Ok(index)
    }

    /// Adds `amount` to `address`, creating the account if needed.
    pub(crate) fn credit(&mut self, address: &Address, amount: Amount) -> Result<(), StateError> {
        let index = match self.index_of(address) {
            Some(i) => i,
            None => self.create_account(*address)?,
        };
        self.credit_index(index, address, amount)
    }

    pub(crate) fn credit_index(
        &mut self,
        index: u32,
        address: &Address,
        amount: Amount,
    ) -> Result<(), StateError> {
        let mut account = self.account_at(index).unwrap_or_default();
        account.balance =
            account
                .balance
                .checked_add(amount)
                .ok_or(StateError::BalanceOverflow {
                    address: *address,
                    balance: account.balance,
                    amount,
                })?;
        self.write_account(index, account);
        Ok(())
    }

    /// Replaces the account at `index` (the caller has checked the rules).
    pub(crate) fn set_account(&mut self, index: u32, account: Account) {
        self.write_account(index, account);
    }

    /// Records `(source_shard, index)` as credited; false if it already was.
    pub(crate) fn record_credited_receipt(
        &mut self,
        source_shard: Shard,
        index: u64,
    ) -> Result<bool, StateError> {
        if self.credited.contains(&(source_shard, index)) {
            return Ok(false);
        }
        if !self
            .credited_tree
            .push(receipt_id_chunk(source_shard, index))
        {
            return Err(StateError::TooManyCreditedReceipts);
        }
        self.credited.insert((source_shard, index));
        Ok(true)
    }

    /// Takes the next outgoing receipt index.
    pub(crate) fn take_receipt_index(&mut self) -> Result<u64, StateError> {
        let index = self.scalars.next_receipt_index;
        self.scalars.next_receipt_index =
            index.checked_add(1).ok_or(StateError::CounterOverflow {
                counter: "next_receipt_index",
            })?;
        Ok(index)
    }

    fn add_counter(value: &mut u64, amount: u64, counter: &'static str) -> Result<(), StateError> {
        *value = value
            .checked_add(amount)
            .ok_or(StateError::CounterOverflow { counter })?;
        Ok(())
    }

    pub(crate) fn burn_fee(&mut self, fee: Amount) -> Result<(), StateError> {
        Self::add_counter(&mut self.scalars.burned_fees, fee, "burned_fees")
    }

    pub(crate) fn add_receipt_sent(&mut self, amount: Amount) -> Result<(), StateError> {
        Self::add_counter(
            &mut self.scalars.receipts_sent_amount,
            amount,
            "receipts_sent_amount",
        )
    }

    pub(crate) fn add_receipt_credited(&mut self, amount: Amount) -> Result<(), StateError> {
        Self::add_counter(
            &mut self.scalars.receipts_credited_amount,
            amount,
            "receipts_credited_amount",
        )
    }

    pub(crate) fn set_slot(&mut self, slot: Slot) {
        self.scalars.slot = slot;
    }

    pub(crate) fn set_latest_block_root(&mut self, root: Root) {
        self.scalars.latest_block_root = root;
    }

    /// Adds a genesis account (before any block).
    pub fn insert_genesis_account(
        &mut self,
        address: Address,
        balance: Amount,
    ) -> Result<(), StateError> {
        if self.index_of(&address).is_some() {
            return Err(StateError::DuplicateGenesisAccount { address });
        }
        let index = self.create_account(address)?;
        self.credit_index(index, &address, balance)
    }

    // ----- roots -----

    fn flush_accounts(&mut self) {
        if self.dirty_accounts.is_empty() {
            return;
        }
        let mut dirty = std::mem::take(&mut self.dirty_accounts);
        dirty.sort_unstable();
        dirty.dedup();
        for &index in &dirty {
            if let Some(entry) = self.accounts.get(index as usize) {
                self.account_tree
                    .set(index as usize, account_leaf(&entry.address, &entry.account));
            }
        }
        dirty.clear();
        self.dirty_accounts = dirty;
    }

    /// `hash_tree_root(List[AccountLeaf, 2^32])` of the accounts, incrementally.
    pub fn accounts_root(&mut self) -> Root {
        self.flush_accounts();
        mix_in_length(&self.account_tree.root(), self.accounts.len() as u64)
    }

    fn credited_receipts_root(&mut self) -> Root {
        mix_in_length(&self.credited_tree.root(), self.credited_tree.len() as u64)
    }

    fn root_from(&self, accounts_root: Root, credited_root: Root) -> Root {
        let s = &self.scalars;
        merkleize_fields(&[
            u64_chunk(self.shard),
            u64_chunk(s.slot),
            accounts_root,
            credited_root,
            u64_chunk(s.next_receipt_index),
            u64_chunk(s.burned_fees),
            u64_chunk(s.receipts_sent_amount),
            u64_chunk(s.receipts_credited_amount),
        ])
    }

    /// The state root, from the cached trees (only changed paths are hashed).
    pub fn state_root(&mut self) -> Root {
        let accounts_root = self.accounts_root();
        let credited_root = self.credited_receipts_root();
        self.root_from(accounts_root, credited_root)
    }

    /// The state root recomputed from scratch (every leaf hashed, no cached node used).
    pub fn recompute_root(&self) -> Root {
        let leaves: Vec<[u8; 32]> = self
            .accounts
            .iter()
            .map(|e| account_leaf(&e.address, &e.account))
            .collect();
        let accounts_root = mix_in_length(
            &IncrementalTree::from_leaves(ACCOUNTS_TREE_DEPTH, leaves).recompute_root(),
            self.accounts.len() as u64,
        );
        let credited_root = mix_in_length(
            &self.credited_tree.recompute_root(),
            self.credited_tree.len() as u64,
        );
        self.root_from(accounts_root, credited_root)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(i: u8) -> Address {
        let mut a = [i; 32];
        a[..8].copy_from_slice(&0u64.to_le_bytes());
        Address::new(a)
    }

    #[test]
    fn rollback_restores_root_and_lookups() {
        let mut state = ShardState::new(0, 4);
        for i in 1..=5 {
            state.insert_genesis_account(address(i), 100).unwrap();
        }
        let before = state.state_root();
        assert_eq!(before, state.recompute_root());
        state.begin();
        state.credit(&address(2), 5).unwrap();
        state.credit(&address(9), 7).unwrap();
        state.record_credited_receipt(3, 1).unwrap();
        state.burn_fee(4).unwrap();
        assert_ne!(state.state_root(), before);
        state.rollback();
        assert_eq!(state.state_root(), before);
        assert_eq!(state.recompute_root(), before);
        assert!(state.account(&address(9)).is_none());
        assert!(!state.is_receipt_credited(3, 1));
        assert_eq!(state.account_or_default(&address(2)).balance, 100);

        state.begin();
        state.credit(&address(9), 7).unwrap();
        assert!(state.record_credited_receipt(3, 1).unwrap());
        assert!(!state.record_credited_receipt(3, 1).unwrap());
        state.commit();
        assert_eq!(state.state_root(), state.recompute_root());
        assert_eq!(state.account_or_default(&address(9)).balance, 7);
        assert!(state
            .insert_genesis_account(address(9), 1)
            .unwrap_err()
            .to_string()
            .contains("twice"));
    }

    #[test]
    fn index_survives_growth_and_rollback() {
        let wide = |i: u32| {
            let mut a = [0u8; 32];
            a[8..12].copy_from_slice(&i.to_le_bytes());
            a[31] = 1;
            Address::new(a)
        };
        let mut state = ShardState::new(0, 1);
        for i in 0..1_000 {
            state.insert_genesis_account(wide(i), 1).unwrap();
        }
        let root = state.state_root();
        state.begin();
        for i in 1_000..3_000 {
            state.credit(&wide(i), 2).unwrap();
        }
        assert_eq!(state.index_of(&wide(2_999)), Some(2_999));
        state.rollback();
        assert_eq!(state.account_count(), 1_000);
        assert_eq!(state.state_root(), root);
        for i in 0..3_000 {
            let expected = (i < 1_000).then_some(i);
            assert_eq!(state.index_of(&wide(i)), expected, "address {i}");
        }
        state.credit(&wide(5_000), 3).unwrap();
        assert_eq!(state.index_of(&wide(5_000)), Some(1_000));
        assert_eq!(state.state_root(), state.recompute_root());
    }

    #[test]
    fn credit_overflow_is_refused() {
        let mut state = ShardState::new(0, 1);
        state.insert_genesis_account(address(1), u64::MAX).unwrap();
        assert!(matches!(
            state.credit(&address(1), 1),
            Err(StateError::BalanceOverflow { .. })
        ));
    }
}
