//! Genesis: `initialize_beacon_state_from_eth1` and `is_valid_genesis_state` (reference 5.1),
//! and [`genesis_from_config`], the interop genesis of design D3.
//!
//! The interop genesis is the state §5.1 builds from one `MAX_EFFECTIVE_BALANCE` deposit per
//! interop key (eth1 block hash `0x42…42`), with the configured genesis time. There is no
//! deposit contract, so the deposits carry no proof-of-possession signature (zero bytes); the
//! eth1 fields keep the values those deposits give (`deposit_root` commits to the registry).

use crate::block::{process_deposit_with, PubkeyIndex};
use crate::compact_committees::get_compact_committees_root;
use crate::deposit_tree::DepositTree;
use crate::errors::{GenesisError, HelperError};
use crate::parallel::map_ordered;
use consensus::accessors::get_active_validator_indices;
use consensus::bls::{interop_keypair, Crypto};
use consensus::chunked_roots::RootVector;
use consensus::hash::hash;
use consensus::hash::u64_list_root;
use consensus::preset::{BLS_WITHDRAWAL_PREFIX, FAR_FUTURE_EPOCH, GENESIS_EPOCH, SECONDS_PER_DAY};
use consensus::primitives::{BlsPublicKeyBytes, BlsSignatureBytes, Root};
use consensus::sszx::{hash_tree_root, SszList};
use consensus::{
    BeaconBlockBody, BeaconState, ChainConfig, Deposit, DepositData, Eth1Data, Preset, Validator,
};

/// The eth1 block hash of the interop genesis.
pub const INTEROP_ETH1_BLOCK_HASH: Root = Root::new([0x42; 32]);

/// `initialize_beacon_state_from_eth1(eth1_block_hash, eth1_timestamp, deposits)`. `crypto`
/// decides whether the deposits' proofs of possession are checked.
pub fn initialize_beacon_state_from_eth1<P: Preset>(
    eth1_block_hash: Root,
    eth1_timestamp: u64,
    deposits: &[Deposit],
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<BeaconState<P>, GenesisError> {
    let overflow = |rule| GenesisError::Helper(HelperError::Overflow { rule });
    let genesis_time = (eth1_timestamp - eth1_timestamp % SECONDS_PER_DAY)
        .checked_add(2 * SECONDS_PER_DAY)
        .ok_or_else(|| overflow("initialize_beacon_state_from_eth1: genesis_time"))?;
    let mut state = BeaconState::<P> {
        genesis_time,
        eth1_data: Eth1Data {
            deposit_root: Root::zero(),
            deposit_count: deposits.len() as u64,
            block_hash: eth1_block_hash,
        },
        ..BeaconState::default()
    };
    state.latest_block_header.body_root = hash_tree_root(&BeaconBlockBody::default());

    // Process deposits, each against the tree of the deposits up to and including it.
    let mut tree = DepositTree::new();
    let mut pubkey_index: Option<PubkeyIndex> = None;
    for (index, deposit) in deposits.iter().enumerate() {
        tree.push(hash_tree_root(&deposit.data))
            .map_err(|_| GenesisError::TooManyDeposits {
                count: deposits.len(),
            })?;
        state.eth1_data.deposit_root = tree.root();
        process_deposit_with(&mut state, deposit, crypto, &mut pubkey_index)
            .map_err(|source| GenesisError::Deposit { index, source })?;
    }
    finish_genesis(&mut state, config)?;
    Ok(state)
}

/// Steps 3–5 of reference 5.1: activate full-balance validators, then fill the active-index
/// and compact-committees roots (the latter computed before the former are filled).
fn finish_genesis<P: Preset>(
    state: &mut BeaconState<P>,
    config: &ChainConfig,
) -> Result<(), GenesisError> {
    for (validator, &balance) in state
        .validators
        .make_mut()
        .iter_mut()
        .zip(state.balances.iter())
    {
        validator.effective_balance =
            (balance - balance % P::EFFECTIVE_BALANCE_INCREMENT).min(P::MAX_EFFECTIVE_BALANCE);
        if validator.effective_balance == P::MAX_EFFECTIVE_BALANCE {
            validator.activation_eligibility_epoch = GENESIS_EPOCH;
            validator.activation_epoch = GENESIS_EPOCH;
        }
    }
    let active = get_active_validator_indices(state, GENESIS_EPOCH);
    let active_index_root = u64_list_root(&active, P::VALIDATOR_REGISTRY_LIMIT as usize);
    let committee_root = get_compact_committees_root(state, GENESIS_EPOCH, config)?;
    state.active_index_roots.fill(active_index_root);
    state.compact_committees_roots.fill(committee_root);
    Ok(())
}

/// `is_valid_genesis_state(state)`: late enough and with enough active validators.
pub fn is_valid_genesis_state<P: Preset>(state: &BeaconState<P>) -> bool {
    state.genesis_time >= P::MIN_GENESIS_TIME
        && get_active_validator_indices(state, GENESIS_EPOCH).len() as u64
            >= P::MIN_GENESIS_ACTIVE_VALIDATOR_COUNT
}

/// `0x00 ‖ sha256(pubkey)[1..]`: BLS withdrawal credentials of `pubkey`.
pub fn bls_withdrawal_credentials(pubkey: &BlsPublicKeyBytes) -> Root {
    let mut credentials = hash(&pubkey.0);
    credentials.0[0] = BLS_WITHDRAWAL_PREFIX;
    credentials
}

/// The public keys of interop validators `0..count`, derived on all available cores (the
/// result does not depend on the thread count).
pub fn interop_pubkeys(count: u64) -> Vec<BlsPublicKeyBytes> {
    let blocks: Vec<u64> = (0..count.div_ceil(1024)).collect();
    map_ordered(blocks, count as usize, |block| {
        (block * 1024..((block + 1) * 1024).min(count))
            .map(|i| *interop_keypair(i).1.as_bytes())
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

/// The deposit data of interop validator key `pubkey`: `MAX_EFFECTIVE_BALANCE`, BLS withdrawal
/// credentials, no signature.
pub fn interop_deposit_data<P: Preset>(pubkey: BlsPublicKeyBytes) -> DepositData {
    DepositData {
        pubkey,
        withdrawal_credentials: bls_withdrawal_credentials(&pubkey),
        amount: P::MAX_EFFECTIVE_BALANCE,
        signature: BlsSignatureBytes::zero(),
    }
}

/// The interop genesis of design D3 for `config`: `config.validator_count` validators with the
/// interop keys, all active at genesis, `config.genesis_time`.
pub fn genesis_from_config<P: Preset>(
    config: &ChainConfig,
) -> Result<BeaconState<P>, GenesisError> {
    config.validate()?;
    config.check_preset::<P>()?;
    let pubkeys = interop_pubkeys(config.validator_count);
    let mut state = BeaconState::<P> {
        genesis_time: config.genesis_time,
        eth1_deposit_index: pubkeys.len() as u64,
        ..BeaconState::default()
    };
    state.latest_block_header.body_root = hash_tree_root(&BeaconBlockBody::default());
    let mut tree = DepositTree::new();
    for pubkey in pubkeys {
        let data = interop_deposit_data::<P>(pubkey);
        tree.push(hash_tree_root(&data))
            .map_err(|e| GenesisError::TooManyDeposits {
                count: e.count as usize,
            })?;
        let full = |limit| HelperError::ListFull {
            rule: "genesis_from_config",
            list: "validators",
            limit,
        };
        state
            .validators
            .try_push(Validator {
                pubkey: data.pubkey,
                withdrawal_credentials: data.withdrawal_credentials,
                effective_balance: P::MAX_EFFECTIVE_BALANCE,
                slashed: false,
                activation_eligibility_epoch: FAR_FUTURE_EPOCH,
                activation_epoch: FAR_FUTURE_EPOCH,
                exit_epoch: FAR_FUTURE_EPOCH,
                withdrawable_epoch: FAR_FUTURE_EPOCH,
            })
            .map_err(|e| full(e.limit))?;
        state
            .balances
            .try_push(data.amount)
            .map_err(|e| full(e.limit))?;
    }
    state.eth1_data = Eth1Data {
        deposit_root: tree.root(),
        deposit_count: tree.len(),
        block_hash: INTEROP_ETH1_BLOCK_HASH,
    };
    finish_genesis(&mut state, config)?;
    Ok(state)
}

#[cfg(test)]
mod tests;
