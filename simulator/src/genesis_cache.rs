//! The genesis every run of one process shares: the grinded account keys of every shard and
//! the genesis shard states built from them, kept per `(active shards, accounts per shard,
//! balance)`. Grinding the keys (one ed25519 public key per candidate) and hashing the
//! genesis account trees cost a few hundred milliseconds per run; a swarm or a sweep runs
//! thousands of runs over the same few genesis shapes. The values are pure functions of the
//! key, so a run gets the same genesis whether it was cached or not.
//!
//! Bounded: the newest [`CACHED_GENESES`] shapes are kept. Nothing is computed while the lock is
//! held (the computation runs on the thread pool, and a pool thread waiting on it may pick up
//! another run that asks for a genesis): two runs that miss together both compute, and the
//! first to finish is kept.

use ed25519_dalek::SigningKey;
use rayon::prelude::*;
use shard::genesis::{genesis_keys_all, genesis_state_from_keys, GenesisError};
use shard::types::Amount;
use shard::ShardState;
use std::sync::{Arc, Mutex};

/// Genesis shapes kept at once.
pub const CACHED_GENESES: usize = 4;

/// `(active shards, accounts per shard, balance)`.
type Shape = (u64, u64, Amount);

/// Every shard's genesis keys and genesis state.
pub struct GenesisAccountsKit {
    pub keys: Arc<Vec<Vec<SigningKey>>>,
    pub states: Arc<Vec<ShardState>>,
}

static CACHE: Mutex<Vec<(Shape, Arc<GenesisAccountsKit>)>> = Mutex::new(Vec::new());

/// The genesis keys and states of `active_shards` shards with `accounts_per_shard` accounts of
/// `balance` each: from the cache, or derived (keys in parallel, then each shard's state).
pub fn genesis_accounts(
    active_shards: u64,
    accounts_per_shard: u64,
    balance: Amount,
) -> Result<Arc<GenesisAccountsKit>, GenesisError> {
    let shape = (active_shards, accounts_per_shard, balance);
    if let Some(kit) = cached(&shape) {
        return Ok(kit);
    }
    let kit = Arc::new(derive(shape)?);
    let mut cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, first)) = cache.iter().find(|(s, _)| *s == shape) {
        return Ok(first.clone());
    }
    if cache.len() >= CACHED_GENESES {
        cache.remove(0);
    }
    cache.push((shape, kit.clone()));
    Ok(kit)
}

fn cached(shape: &Shape) -> Option<Arc<GenesisAccountsKit>> {
    let cache = CACHE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    cache
        .iter()
        .find(|(s, _)| s == shape)
        .map(|(_, kit)| kit.clone())
}

fn derive(
    (active_shards, accounts_per_shard, balance): Shape,
) -> Result<GenesisAccountsKit, GenesisError> {
    let keys: Vec<Vec<SigningKey>> = genesis_keys_all(active_shards, accounts_per_shard)?
        .into_iter()
        .map(|keys| keys.into_iter().map(|(_, key)| key).collect())
        .collect();
    let states = keys
        .par_iter()
        .enumerate()
        .map(|(shard, keys)| {
            let keys: Vec<(u64, SigningKey)> = keys.iter().map(|k| (0, k.clone())).collect();
            genesis_state_from_keys(shard as u64, active_shards, &keys, balance)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(GenesisAccountsKit {
        keys: Arc::new(keys),
        states: Arc::new(states),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shard::genesis::{genesis_states, GenesisAccounts};

    #[test]
    fn a_cached_genesis_equals_a_fresh_one_and_the_cache_stays_bounded() {
        let fresh = genesis_states(
            3,
            &GenesisAccounts {
                accounts_per_shard: 5,
                balance: 77,
            },
        )
        .unwrap();
        let first = genesis_accounts(3, 5, 77).unwrap();
        let again = genesis_accounts(3, 5, 77).unwrap();
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second call is served from the cache"
        );
        for kit in [&first, &again] {
            assert_eq!(kit.states.len(), 3);
            for (cached, fresh) in kit.states.iter().zip(&fresh) {
                assert_eq!(cached.clone().state_root(), fresh.clone().state_root());
            }
        }
        for balance in 0..(CACHED_GENESES as Amount + 2) {
            genesis_accounts(2, 1, balance).unwrap();
        }
        assert!(CACHE.lock().unwrap().len() <= CACHED_GENESES);
        assert!(matches!(
            genesis_accounts(0, 1, 1),
            Err(GenesisError::NoShards)
        ));
    }
}
