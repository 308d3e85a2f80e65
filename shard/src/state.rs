//! Shard state: accounts, receipt bookkeeping, supply counters, and the state root.
//!
//! ## State root
//!
//! Accounts live in an indexed list in order of creation (an account is never removed); an
//! address -> index map finds them. The accounts root is the SSZ root of
//! `List[AccountLeaf, 2^32]` over that list, kept in an [`IncrementalTree`]: a block re-hashes
//! only the leaves it touched (once each, however many times they were touched) and their paths.
//! Receipts are numbered per (source shard, destination shard) pair, and credited in that
//! order: the state keeps, per other shard, the next index it will give a receipt to that shard
//! (`outgoing_counts`) and the next index it will credit from that shard (`incoming_counts`).
//! So "credited already" is `index < incoming_counts[source]`, and the receipt bookkeeping is a
//! fixed `2 × active_shard_count` counters, whatever the history. The state root is the SSZ
//! root of the container `{ shard, slot, accounts_root, outgoing_counts_root,
//! incoming_counts_root, burned_fees, receipts_sent_amount, receipts_credited_amount }` (the
//! counts are `List[uint64, MAX_SHARDS]`, the rest `uint64` but the accounts root).
//!
//! Every change made while a block executes is journaled, so a block that fails at any point
//! leaves the state exactly as it was ([`ShardState::rollback`]).

use crate::account::{account_leaf, Account};
use crate::merkle_tree::IncrementalTree;
use crate::types::{compute_home_shard, u64_chunk, Address, Amount, ACCOUNTS_TREE_DEPTH};
use consensus::hash::{merkleize_fields, mix_in_length, u64_list_root};
use consensus::primitives::{Root, Shard, Slot};
use ed25519_dalek::VerifyingKey;
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
    #[error("shard {shard} is not below the active shard count")]
    UnknownShard { shard: Shard },
    #[error("snapshot: receipt counters of length {got} for {shards} shards")]
    CountsLength { got: usize, shards: usize },
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
    outgoing_counts: Vec<u64>,
    incoming_counts: Vec<u64>,
    scalars: Scalars,
}

/// The `uint64` fields of the state root.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Scalars {
    slot: Slot,
    latest_block_root: Root,
    burned_fees: Amount,
    receipts_sent_amount: Amount,
    receipts_credited_amount: Amount,
}

/// The state of one shard.
#[derive(Clone, Debug)]
pub struct ShardState {
    shard: Shard,
    active_shard_count: u64,
    /// Shared by copies of the state until one of them changes it (copy on write: a block
    /// that touches no account copies nothing), as are `index` and `account_tree`.
    accounts: Arc<Vec<AccountEntry>>,
    /// `keys[i]`: the decompressed ed25519 key of account `i` once a signature from it has been
    /// checked (a cache, outside the root; always as long as `accounts`). Shared by copies of
    /// the state (an account's key never changes; a copy that creates or drops accounts copies
    /// the list first).
    keys: Arc<Vec<OnceLock<Option<VerifyingKey>>>>,
    index: Arc<AddressIndex>,
    account_tree: Arc<IncrementalTree>,
    dirty_accounts: Vec<u32>,
    /// Per destination shard: the index the next receipt to it gets.
    outgoing_counts: Vec<u64>,
    /// Per source shard: the index of the next receipt from it to credit.
    incoming_counts: Vec<u64>,
    scalars: Scalars,
    journal: Journal,
}

/// Shards the receipt counters can name at most (the largest `SHARD_COUNT`).
pub const MAX_SHARDS: usize = 1024;

/// Why a receipt cannot be credited now: receipts from a source are credited in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptOrder {
    /// Its index is below the next one expected: it was credited already.
    AlreadyCredited { expected: u64 },
    /// Its index is above the next one expected: an earlier receipt comes first.
    Gap { expected: u64 },
}

impl ShardState {
    /// An empty state of `shard` (no accounts), before any block.
    pub fn new(shard: Shard, active_shard_count: u64) -> Self {
        Self {
            shard,
            active_shard_count,
            accounts: Arc::new(Vec::new()),
            keys: Arc::new(Vec::new()),
            index: Arc::new(AddressIndex::new()),
            account_tree: Arc::new(IncrementalTree::new(ACCOUNTS_TREE_DEPTH)),
            dirty_accounts: Vec::new(),
            outgoing_counts: vec![0; active_shard_count as usize],
            incoming_counts: vec![0; active_shard_count as usize],
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

    /// The index the next receipt to `destination` will get.
    pub fn next_outgoing_index(&self, destination: Shard) -> u64 {
        self.outgoing_counts
            .get(destination as usize)
            .copied()
            .unwrap_or(0)
    }

    /// The index of the next receipt from `source` this shard will credit.
    pub fn next_incoming_index(&self, source: Shard) -> u64 {
        self.incoming_counts
            .get(source as usize)
            .copied()
            .unwrap_or(0)
    }

    /// Receipts emitted, per destination shard.
    pub fn outgoing_counts(&self) -> &[u64] {
        &self.outgoing_counts
    }

    /// Receipts credited, per source shard.
    pub fn incoming_counts(&self) -> &[u64] {
        &self.incoming_counts
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

    /// Whether receipt `index` from `source_shard` to this shard has been credited.
    pub fn is_receipt_credited(&self, source_shard: Shard, index: u64) -> bool {
        index < self.next_incoming_index(source_shard)
    }

    /// Receipts credited, from every shard.
    pub fn credited_receipt_count(&self) -> u64 {
        self.incoming_counts.iter().sum()
    }

    // ----- mutation (journaled while a block executes) -----

    /// Starts journaling: everything until [`Self::commit`] or [`Self::rollback`] can be undone.
    pub(crate) fn begin(&mut self) {
        self.journal.active = true;
        self.journal.writes.clear();
        self.journal.accounts_len = self.accounts.len();
        self.journal
            .outgoing_counts
            .clone_from(&self.outgoing_counts);
        self.journal
            .incoming_counts
            .clone_from(&self.incoming_counts);
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
            if let Some(entry) = Arc::make_mut(&mut self.accounts).get_mut(*index as usize) {
                entry.account = *previous;
                self.dirty_accounts.push(*index);
            }
        }
        let accounts_len = self.journal.accounts_len;
        if self.accounts.len() > accounts_len {
            let index = Arc::make_mut(&mut self.index);
            for (offset, entry) in Arc::make_mut(&mut self.accounts)
                .drain(accounts_len..)
                .enumerate()
            {
                let dropped = (accounts_len + offset) as u32;
                if let Ok(slot) = index.find_entry(address_hash(&entry.address), |&i| i == dropped)
                {
                    slot.remove();
                }
            }
        }
        if self.keys.len() > accounts_len {
            Arc::make_mut(&mut self.keys).truncate(accounts_len);
        }
        if self.account_tree.len() > accounts_len {
            Arc::make_mut(&mut self.account_tree).truncate(accounts_len);
        }
        self.dirty_accounts.retain(|i| (*i as usize) < accounts_len);
        self.outgoing_counts
            .clone_from(&self.journal.outgoing_counts);
        self.incoming_counts
            .clone_from(&self.journal.incoming_counts);
        self.scalars = self.journal.scalars;
        self.journal.writes = writes;
        self.journal.writes.clear();
        self.journal.active = false;
    }

    fn write_account(&mut self, index: u32, account: Account) {
        if let Some(entry) = Arc::make_mut(&mut self.accounts).get_mut(index as usize) {
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
        if !Arc::make_mut(&mut self.account_tree).push([0u8; 32]) {
            return Err(StateError::TooManyAccounts);
        }
        Arc::make_mut(&mut self.accounts).push(AccountEntry {
            address,
            account: Account::default(),
        });
        Arc::make_mut(&mut self.keys).push(OnceLock::new());
        let accounts = &self.accounts;
        Arc::make_mut(&mut self.index).insert_unique(address_hash(&address), index, |&i| {
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

    /// Credits receipt `index` from `source_shard`: it must be the next one expected.
    pub(crate) fn credit_receipt_index(
        &mut self,
        source_shard: Shard,
        index: u64,
    ) -> Result<Result<(), ReceiptOrder>, StateError> {
        let Some(next) = self.incoming_counts.get_mut(source_shard as usize) else {
            return Err(StateError::UnknownShard {
                shard: source_shard,
            });
        };
        let expected = *next;
        if index < expected {
            return Ok(Err(ReceiptOrder::AlreadyCredited { expected }));
        }
        if index > expected {
            return Ok(Err(ReceiptOrder::Gap { expected }));
        }
        *next = expected.checked_add(1).ok_or(StateError::CounterOverflow {
            counter: "incoming_counts",
        })?;
        Ok(Ok(()))
    }

    /// Takes the next index of a receipt to `destination`.
    pub(crate) fn take_receipt_index(&mut self, destination: Shard) -> Result<u64, StateError> {
        let Some(next) = self.outgoing_counts.get_mut(destination as usize) else {
            return Err(StateError::UnknownShard { shard: destination });
        };
        let index = *next;
        *next = index.checked_add(1).ok_or(StateError::CounterOverflow {
            counter: "outgoing_counts",
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

    /// The `uint64` fields of the root and the latest block root, for snapshots:
    /// `(slot, latest_block_root, burned_fees, receipts_sent_amount,
    /// receipts_credited_amount)`.
    pub(crate) fn scalars_parts(&self) -> (Slot, Root, Amount, Amount, Amount) {
        let s = &self.scalars;
        (
            s.slot,
            s.latest_block_root,
            s.burned_fees,
            s.receipts_sent_amount,
            s.receipts_credited_amount,
        )
    }

    /// Restores the fields of [`Self::scalars_parts`] and the receipt counters (outside a
    /// block); counters of another length than the shard count are refused.
    pub(crate) fn restore_scalars(
        &mut self,
        parts: (Slot, Root, Amount, Amount, Amount),
        outgoing_counts: Vec<u64>,
        incoming_counts: Vec<u64>,
    ) -> Result<(), StateError> {
        let shards = self.active_shard_count as usize;
        if outgoing_counts.len() != shards || incoming_counts.len() != shards {
            return Err(StateError::CountsLength {
                got: outgoing_counts.len().max(incoming_counts.len()),
                shards,
            });
        }
        let (slot, latest_block_root, burned_fees, sent, credited) = parts;
        self.scalars = Scalars {
            slot,
            latest_block_root,
            burned_fees,
            receipts_sent_amount: sent,
            receipts_credited_amount: credited,
        };
        self.outgoing_counts = outgoing_counts;
        self.incoming_counts = incoming_counts;
        Ok(())
    }

    /// Appends an account with its values as stored (outside a block); a repeated address is
    /// refused.
    pub(crate) fn restore_account(
        &mut self,
        address: Address,
        account: Account,
    ) -> Result<(), StateError> {
        let index = self.create_unique_account(address)?;
        self.write_account(index, account);
        Ok(())
    }

    /// Adds a genesis account (before any block).
    pub fn insert_genesis_account(
        &mut self,
        address: Address,
        balance: Amount,
    ) -> Result<(), StateError> {
        let index = self.create_unique_account(address)?;
        self.credit_index(index, &address, balance)
    }

    /// [`Self::create_account`] for an address not in the state yet (else refused).
    fn create_unique_account(&mut self, address: Address) -> Result<u32, StateError> {
        if self.index_of(&address).is_some() {
            return Err(StateError::DuplicateGenesisAccount { address });
        }
        self.create_account(address)
    }

    // ----- roots -----

    fn flush_accounts(&mut self) {
        if self.dirty_accounts.is_empty() {
            return;
        }
        let mut dirty = std::mem::take(&mut self.dirty_accounts);
        dirty.sort_unstable();
        dirty.dedup();
        let tree = Arc::make_mut(&mut self.account_tree);
        for &index in &dirty {
            if let Some(entry) = self.accounts.get(index as usize) {
                tree.set(index as usize, account_leaf(&entry.address, &entry.account));
            }
        }
        dirty.clear();
        self.dirty_accounts = dirty;
    }

    /// `hash_tree_root(List[AccountLeaf, 2^32])` of the accounts, incrementally.
    pub fn accounts_root(&mut self) -> Root {
        self.flush_accounts();
        let root = match self.account_tree.root_if_clean() {
            Some(root) => root,
            None => Arc::make_mut(&mut self.account_tree).root(),
        };
        mix_in_length(&root, self.accounts.len() as u64)
    }

    fn root_from(&self, accounts_root: Root) -> Root {
        let s = &self.scalars;
        merkleize_fields(&[
            u64_chunk(self.shard),
            u64_chunk(s.slot),
            accounts_root,
            u64_list_root(&self.outgoing_counts, MAX_SHARDS),
            u64_list_root(&self.incoming_counts, MAX_SHARDS),
            u64_chunk(s.burned_fees),
            u64_chunk(s.receipts_sent_amount),
            u64_chunk(s.receipts_credited_amount),
        ])
    }

    /// The state root, from the cached trees (only changed paths are hashed).
    pub fn state_root(&mut self) -> Root {
        let accounts_root = self.accounts_root();
        self.root_from(accounts_root)
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
        self.root_from(accounts_root)
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

    /// Copies share their accounts until one changes (copy on write): the change, a new
    /// account and a rollback in the copy leave the original untouched.
    #[test]
    fn copies_are_independent_after_a_write() {
        let mut original = ShardState::new(0, 4);
        for i in 1..=5 {
            original.insert_genesis_account(address(i), 100).unwrap();
        }
        let root = original.state_root();
        let mut copy = original.clone();
        assert_eq!(copy.state_root(), root);
        copy.credit(&address(2), 5).unwrap();
        copy.credit(&address(9), 7).unwrap();
        assert_ne!(copy.state_root(), root);
        assert_eq!(copy.recompute_root(), copy.state_root());
        assert_eq!(original.state_root(), root);
        assert_eq!(original.recompute_root(), root);
        assert_eq!(original.account_or_default(&address(2)).balance, 100);
        assert!(original.account(&address(9)).is_none());
        let mut second = original.clone();
        second.begin();
        second.credit(&address(10), 1).unwrap();
        second.rollback();
        assert_eq!(second.state_root(), root);
        assert_eq!(copy.account_or_default(&address(9)).balance, 7);
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
        assert_eq!(state.credit_receipt_index(3, 0).unwrap(), Ok(()));
        assert_eq!(state.take_receipt_index(1).unwrap(), 0);
        state.burn_fee(4).unwrap();
        assert_ne!(state.state_root(), before);
        state.rollback();
        assert_eq!(state.state_root(), before);
        assert_eq!(state.recompute_root(), before);
        assert!(state.account(&address(9)).is_none());
        assert!(!state.is_receipt_credited(3, 0));
        assert_eq!(state.next_outgoing_index(1), 0);
        assert_eq!(state.account_or_default(&address(2)).balance, 100);

        state.begin();
        state.credit(&address(9), 7).unwrap();
        assert_eq!(
            state.credit_receipt_index(3, 1).unwrap(),
            Err(ReceiptOrder::Gap { expected: 0 })
        );
        assert_eq!(state.credit_receipt_index(3, 0).unwrap(), Ok(()));
        assert_eq!(
            state.credit_receipt_index(3, 0).unwrap(),
            Err(ReceiptOrder::AlreadyCredited { expected: 1 })
        );
        assert!(state.is_receipt_credited(3, 0));
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
