//! `process_deposit` (reference 6.4.4): a Merkle-proven deposit either creates a validator
//! (when its proof of possession verifies; otherwise it is consumed and ignored) or tops up
//! the validator with that public key.

use crate::balances::increase_balance;
use crate::errors::{DepositError, HelperError};
use crate::signatures::is_valid_deposit_signature;
use consensus::bls::Crypto;
use consensus::hash::is_valid_merkle_branch;
use consensus::preset::{DEPOSIT_CONTRACT_TREE_DEPTH, FAR_FUTURE_EPOCH};
use consensus::primitives::{BlsPublicKeyBytes, ValidatorIndex};
use consensus::sszx::{hash_tree_root, SszList};
use consensus::{BeaconState, Deposit, Preset, Validator};
use std::collections::BTreeMap;

/// Registry position of each public key (the first one, as the reference's `list.index`).
#[derive(Clone, Debug, Default)]
pub struct PubkeyIndex(BTreeMap<BlsPublicKeyBytes, ValidatorIndex>);

impl PubkeyIndex {
    pub fn of_state<P: Preset>(state: &BeaconState<P>) -> Self {
        let mut map = BTreeMap::new();
        for (i, v) in state.validators.iter().enumerate() {
            map.entry(v.pubkey).or_insert(i as ValidatorIndex);
        }
        Self(map)
    }

    pub fn get(&self, pubkey: &BlsPublicKeyBytes) -> Option<ValidatorIndex> {
        self.0.get(pubkey).copied()
    }

    fn insert(&mut self, pubkey: BlsPublicKeyBytes, index: ValidatorIndex) {
        self.0.entry(pubkey).or_insert(index);
    }
}

/// `process_deposit(state, deposit)`. `crypto` decides whether the proof of possession of a
/// new validator is checked (under fake cryptography every deposit is accepted).
pub fn process_deposit<P: Preset>(
    state: &mut BeaconState<P>,
    deposit: &Deposit,
    crypto: Crypto,
) -> Result<(), DepositError> {
    let mut index = None;
    process_deposit_with(state, deposit, crypto, &mut index)
}

/// [`process_deposit`] with the pubkey index kept by the caller (built on first use).
pub fn process_deposit_with<P: Preset>(
    state: &mut BeaconState<P>,
    deposit: &Deposit,
    crypto: Crypto,
    pubkey_index: &mut Option<PubkeyIndex>,
) -> Result<(), DepositError> {
    // Verify the Merkle branch (32 levels plus the length mix-in).
    let leaf = hash_tree_root(&deposit.data);
    if !is_valid_merkle_branch(
        &leaf,
        &deposit.proof,
        DEPOSIT_CONTRACT_TREE_DEPTH + 1,
        state.eth1_deposit_index,
        &state.eth1_data.deposit_root,
    ) {
        return Err(DepositError::InvalidProof {
            deposit_index: state.eth1_deposit_index,
            root: state.eth1_data.deposit_root,
        });
    }
    // Deposits must be processed in order.
    state.eth1_deposit_index =
        state
            .eth1_deposit_index
            .checked_add(1)
            .ok_or(HelperError::Overflow {
                rule: "process_deposit: eth1_deposit_index",
            })?;

    let data = &deposit.data;
    let index = pubkey_index.get_or_insert_with(|| PubkeyIndex::of_state(state));
    match index.get(&data.pubkey) {
        Some(existing) => increase_balance(state, existing, data.amount)?,
        None => {
            // Verify the proof of possession; a bad one consumes the deposit silently.
            if !is_valid_deposit_signature(crypto, data) {
                return Ok(());
            }
            let new_index = state.validators.len() as ValidatorIndex;
            let validator = Validator {
                pubkey: data.pubkey,
                withdrawal_credentials: data.withdrawal_credentials,
                effective_balance: (data.amount - data.amount % P::EFFECTIVE_BALANCE_INCREMENT)
                    .min(P::MAX_EFFECTIVE_BALANCE),
                slashed: false,
                activation_eligibility_epoch: FAR_FUTURE_EPOCH,
                activation_epoch: FAR_FUTURE_EPOCH,
                exit_epoch: FAR_FUTURE_EPOCH,
                withdrawable_epoch: FAR_FUTURE_EPOCH,
            };
            let full = |limit| HelperError::ListFull {
                rule: "process_deposit",
                list: "validators",
                limit,
            };
            state
                .validators
                .try_push(validator)
                .map_err(|e| full(e.limit))?;
            state
                .balances
                .try_push(data.amount)
                .map_err(|e| full(e.limit))?;
            index.insert(data.pubkey, new_index);
        }
    }
    Ok(())
}
