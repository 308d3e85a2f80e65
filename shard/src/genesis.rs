//! Genesis allocation from configuration: `accounts_per_shard` funded accounts on every shard,
//! with ed25519 keys anyone (a load generator) can re-derive.
//!
//! Key derivation: counters `i = 0, 1, ...` give seeds `sha256("shardnode-account" ‖ le64(i))`;
//! each seed, used as the ed25519 secret key, gives an address with a home shard, and the key
//! becomes that shard's next genesis account unless the shard already has enough. One pass
//! serves every shard, so a genesis of `S` shards × `n` accounts derives little more than
//! `S · n` keys (a per-shard search would derive about `S` times as many).

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
#[serde(deny_unknown_fields)]
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
    #[error("genesis: shard {shard} is not below the active shard count {active_shard_count}")]
    NoSuchShard {
        shard: Shard,
        active_shard_count: u64,
    },
    #[error(transparent)]
    State(#[from] StateError),
}

/// `sha256("shardnode-account" ‖ le64(counter))`.
pub fn account_seed(counter: u64) -> [u8; 32] {
    Sha256::new()
        .chain_update(ACCOUNT_SEED_TAG)
        .chain_update(counter.to_le_bytes())
        .finalize()
        .into()
}

/// How many counters are derived (in parallel) before they are handed out in order.
const DERIVE_BATCH: u64 = 1024;

/// The first `count` genesis keys of every shard, with their counters: `keys[s]` is shard
/// `s`'s, in counter order. More than `(count + 1) · active_shard_count · 64` counters is
/// `GrindingExhausted`, naming the first shard still short.
pub fn genesis_keys_all(
    active_shard_count: u64,
    count: u64,
) -> Result<Vec<Vec<(u64, SigningKey)>>, GenesisError> {
    if active_shard_count == 0 {
        return Err(GenesisError::NoShards);
    }
    let shards = usize::try_from(active_shard_count).map_err(|_| GenesisError::NoShards)?;
    let per_shard = usize::try_from(count).unwrap_or(usize::MAX);
    let max_tries = count
        .saturating_add(1)
        .saturating_mul(active_shard_count)
        .saturating_mul(64);
    let mut keys: Vec<Vec<(u64, SigningKey)>> = vec![Vec::new(); shards];
    let mut short = if count == 0 { 0 } else { shards };
    let mut next = 0u64;
    while short > 0 {
        if next >= max_tries {
            let shard = keys.iter().position(|k| k.len() < per_shard).unwrap_or(0);
            return Err(GenesisError::GrindingExhausted {
                shard: shard as Shard,
                tries: next,
            });
        }
        let end = next.saturating_add(DERIVE_BATCH).min(max_tries);
        let derived: Vec<(u64, SigningKey, u64)> = (next..end)
            .into_par_iter()
            .map(|counter| {
                let key = SigningKey::from_bytes(&account_seed(counter));
                let home = compute_home_shard(&address_of(&key), active_shard_count);
                (counter, key, home)
            })
            .collect();
        for (counter, key, home) in derived {
            let Some(list) = usize::try_from(home).ok().and_then(|h| keys.get_mut(h)) else {
                continue;
            };
            if list.len() < per_shard {
                list.push((counter, key));
                if list.len() == per_shard {
                    short -= 1;
                }
            }
        }
        next = end;
    }
    Ok(keys)
}

/// The first `count` genesis keys of `shard`, with their counters.
/// (Derives every shard's keys; use [`genesis_keys_all`] when more than one is needed.)
pub fn genesis_keys(
    shard: Shard,
    active_shard_count: u64,
    count: u64,
) -> Result<Vec<(u64, SigningKey)>, GenesisError> {
    if active_shard_count > 0 && shard >= active_shard_count {
        return Err(GenesisError::NoSuchShard {
            shard,
            active_shard_count,
        });
    }
    let mut all = genesis_keys_all(active_shard_count, count)?;
    Ok(std::mem::take(&mut all[shard as usize]))
}

/// The genesis state of `shard`.
pub fn genesis_state(
    shard: Shard,
    active_shard_count: u64,
    accounts: &GenesisAccounts,
) -> Result<ShardState, GenesisError> {
    let keys = genesis_keys(shard, active_shard_count, accounts.accounts_per_shard)?;
    genesis_state_from_keys(shard, active_shard_count, &keys, accounts.balance)
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
    // Hash the genesis tree once so the first block pays only for what it touches.
    state.state_root();
    Ok(state)
}

/// The genesis states of every active shard, built in parallel (same result on any pool).
pub fn genesis_states(
    active_shard_count: u64,
    accounts: &GenesisAccounts,
) -> Result<Vec<ShardState>, GenesisError> {
    let keys = genesis_keys_all(active_shard_count, accounts.accounts_per_shard)?;
    keys.par_iter()
        .enumerate()
        .map(|(shard, keys)| {
            genesis_state_from_keys(shard as Shard, active_shard_count, keys, accounts.balance)
        })
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
            assert_eq!(key.to_bytes(), account_seed(*counter));
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

    #[test]
    fn one_pass_hands_out_counters_in_order_to_their_home_shards() {
        let all = genesis_keys_all(8, 6).unwrap();
        assert_eq!(all.len(), 8);
        let mut last_needed = 0;
        for (shard, keys) in all.iter().enumerate() {
            assert_eq!(keys.len(), 6);
            assert!(keys.windows(2).all(|w| w[0].0 < w[1].0));
            for (counter, key) in keys {
                assert_eq!(compute_home_shard(&address_of(key), 8), shard as u64);
                last_needed = last_needed.max(*counter);
            }
        }
        // Every counter up to the last one used went to a shard that was still short.
        for counter in 0..=last_needed {
            let key = SigningKey::from_bytes(&account_seed(counter));
            let home = compute_home_shard(&address_of(&key), 8) as usize;
            let taken = all[home].iter().any(|(c, _)| *c == counter);
            let earlier_full = all[home].last().is_some_and(|(c, _)| *c < counter);
            assert!(taken || earlier_full, "counter {counter} skipped");
        }
    }
}
