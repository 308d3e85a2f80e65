//! `process_operations` (reference 6.3): the deposit count rule, distinct transfers, then every
//! operation list in order, each operation against the state its predecessors left.

use super::attestation::process_attestation_with;
use super::attester_slashing::process_attester_slashing_with;
use super::context::BlockContext;
use super::deposit::process_deposit_with;
use super::proposer_slashing::process_proposer_slashing_with;
use super::transfer::process_transfer_with;
use super::voluntary_exit::process_voluntary_exit_with;
use crate::errors::{BlockError, HelperError};
use consensus::bls::Crypto;
use consensus::{BeaconBlockBody, BeaconState, ChainConfig, Preset};

/// `process_operations(state, body)`, verifying the operations' signatures in one batch.
pub fn process_operations<P: Preset>(
    state: &mut BeaconState<P>,
    body: &BeaconBlockBody,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), BlockError> {
    BlockContext::run_alone(config, crypto, |ctx| {
        process_operations_with(state, body, ctx)
    })
}

pub(crate) fn process_operations_with<P: Preset>(
    state: &mut BeaconState<P>,
    body: &BeaconBlockBody,
    ctx: &mut BlockContext<'_>,
) -> Result<(), BlockError> {
    // Verify that outstanding deposits are processed up to the maximum number of deposits.
    let outstanding = state
        .eth1_data
        .deposit_count
        .checked_sub(state.eth1_deposit_index)
        .ok_or(HelperError::Overflow {
            rule: "process_operations: deposit_count - eth1_deposit_index",
        })?;
    let expected = outstanding.min(P::MAX_DEPOSITS);
    if body.deposits.len() as u64 != expected {
        return Err(BlockError::DepositCount {
            got: body.deposits.len(),
            expected,
        });
    }
    // Verify that there are no duplicate transfers.
    for (index, transfer) in body.transfers.iter().enumerate() {
        if body.transfers[..index].contains(transfer) {
            return Err(BlockError::DuplicateTransfer { index });
        }
    }

    for (index, op) in body.proposer_slashings.iter().enumerate() {
        process_proposer_slashing_with(state, op, ctx, index)
            .map_err(|source| BlockError::ProposerSlashing { index, source })?;
    }
    for (index, op) in body.attester_slashings.iter().enumerate() {
        process_attester_slashing_with(state, op, ctx, index)
            .map_err(|source| BlockError::AttesterSlashing { index, source })?;
    }
    for (index, op) in body.attestations.iter().enumerate() {
        process_attestation_with(state, op, ctx, index)
            .map_err(|source| BlockError::Attestation { index, source })?;
    }
    let crypto: Crypto = ctx.crypto();
    for (index, op) in body.deposits.iter().enumerate() {
        process_deposit_with(state, op, crypto, &mut ctx.pubkey_index)
            .map_err(|source| BlockError::Deposit { index, source })?;
    }
    for (index, op) in body.voluntary_exits.iter().enumerate() {
        process_voluntary_exit_with(state, op, ctx, index)
            .map_err(|source| BlockError::VoluntaryExit { index, source })?;
    }
    for (index, op) in body.transfers.iter().enumerate() {
        process_transfer_with(state, op, ctx, index)
            .map_err(|source| BlockError::Transfer { index, source })?;
    }
    Ok(())
}
