//! Genesis allocation from configuration: `accounts_per_shard` funded accounts on every shard,
//! with ed25519 keys anyone (a load generator) can re-derive.
//!
//! Key derivation: the `j`-th genesis account of shard `s` is the `j`-th counter `i = 0, 1, ...`
//! whose seed `sha256("shardnode-account" ‖ le64(s) ‖ le64(i))`, used as the ed25519 secret
//! key, gives an address whose home shard is `s` (about `active_shard_count` tries per
//! account).

use crate::state::{ShardState, StateError};
use crate::transaction::address_of;
use crate::types::{compute_home_shard, Amount};
use consensus::primitives::Shard;
use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use sha2::{Digest, Sha256};

/// The domain tag of genesis account seeds.
pub const ACCOUNT_SEED_TAG: &[u8] = b"shardnode-account";

/// Genesis accounts of every shard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GenesisAccounts {
    pub accounts_per_shard: u64,
    pub balance: Amount,
}

/// A genesis that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    #[error("genesis: no address for shard {shard} after {tries} tries")]
    GrindingExhausted { shard: Shard, tries: u64 },
    #[error("genesis: active_shard_count must be positive")]
    NoShards,
    #[error(transparent)]
    State(#[from] StateError),
}

/// `sha256("shardnode-account" ‖ le64(shard) ‖ le64(counter))`.
pub fn account_seed(shard: Shard, counter: u64) -> [u8; 32] {
    Sha256::new()
        .chain_update(ACCOUNT_SEED_TAG)
        .chain_update(shard.to_le_bytes())
        .chain_update(counter.to_le_bytes())
        .finalize()
        .into()
}

/// The first `count` genesis keys of `shard`, with their counters.
pub fn genesis_keys(
    shard: Shard,
    active_shard_count: u64,
    count: u64,
) -> Result<Vec<(u64, SigningKey)>, GenesisError> {
    if active_shard_count == 0 {
        return Err(GenesisError::NoShards);
    }
    let max_tries = count
        .saturating_add(1)
        .saturating_mul(active_shard_count)
        .saturating_mul(64);
    let mut keys = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    let mut counter = 0u64;
    while (keys.len() as u64) < count {
        if counter >= max_tries {
            return Err(GenesisError::GrindingExhausted {
                shard,
                tries: counter,
            });
        }
        let key = SigningKey::from_bytes(&account_seed(shard, counter));
        if compute_home_shard(&address_of(&key), active_shard_count) == shard {
            keys.push((counter, key));
        }
        counter += 1;
    }
    Ok(keys)
}

/// The genesis state of `shard`.
pub fn genesis_state(
    shard: Shard,
    active_shard_count: u64,
    accounts: &GenesisAccounts,
) -> Result<ShardState, GenesisError> {
    let mut state = ShardState::new(shard, active_shard_count);
    for (_, key) in genesis_keys(shard, active_shard_count, accounts.accounts_per_shard)? {
        state.insert_genesis_account(address_of(&key), accounts.balance)?;
    }
    // Hash the genesis tree once so the first block pays only for what it touches.
    state.state_root();
    Ok(state)
}

/// The genesis state of `shard` from its genesis keys already derived (see [`genesis_keys`]):
/// the same state as [`genesis_state`], without grinding the keys again.
pub fn genesis_state_from_keys(
    shard: Shard,
    active_shard_count: u64,
    keys: &[(u64, SigningKey)],
    balance: Amount,
) -> Result<ShardState, GenesisError> {
    let mut state = ShardState::new(shard, active_shard_count);
    for (_, key) in keys {
        state.insert_genesis_account(address_of(key), balance)?;
    }
    state.state_root();
    Ok(state)
}

/// The genesis states of every active shard, built in parallel (same result on any pool).
pub fn genesis_states(
    active_shard_count: u64,
    accounts: &GenesisAccounts,
) -> Result<Vec<ShardState>, GenesisError> {
    (0..active_shard_count)
        .into_par_iter()
        .map(|shard| genesis_state(shard, active_shard_count, accounts))
        .collect()
}

/// Total genesis supply: `active_shard_count · accounts_per_shard · balance`.
pub fn genesis_supply(active_shard_count: u64, accounts: &GenesisAccounts) -> u128 {
    u128::from(active_shard_count)
        * u128::from(accounts.accounts_per_shard)
        * u128::from(accounts.balance)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_from_derived_keys_equal_the_genesis_states() {
        let accounts = GenesisAccounts {
            accounts_per_shard: 5,
            balance: 77,
        };
        for shard in 0..4 {
            let keys = genesis_keys(shard, 4, 5).unwrap();
            let mut a = genesis_state_from_keys(shard, 4, &keys, 77).unwrap();
            let mut b = genesis_state(shard, 4, &accounts).unwrap();
            assert_eq!(a.state_root(), b.state_root());
        }
    }

    #[test]
    fn keys_land_on_their_shard_and_are_reproducible() {
        let keys = genesis_keys(3, 4, 5).unwrap();
        assert_eq!(keys.len(), 5);
        for (counter, key) in &keys {
            assert_eq!(compute_home_shard(&address_of(key), 4), 3);
            assert_eq!(key.to_bytes(), account_seed(3, *counter));
        }
        assert_eq!(
            genesis_keys(3, 4, 5).unwrap()[4].1.to_bytes(),
            keys[4].1.to_bytes()
        );
        let accounts = GenesisAccounts {
            accounts_per_shard: 5,
            balance: 1_000,
        };
        let mut state = genesis_state(3, 4, &accounts).unwrap();
        assert_eq!(state.total_balance(), 5_000);
        assert_eq!(state.state_root(), state.recompute_root());
        assert!(matches!(genesis_keys(0, 0, 1), Err(GenesisError::NoShards)));
    }
}
