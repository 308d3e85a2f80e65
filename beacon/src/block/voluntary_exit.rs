//! `process_voluntary_exit` (reference 6.4.5): an active validator, not yet exiting, active for
//! at least `PERSISTENT_COMMITTEE_PERIOD`, signs its exit.

use super::context::BlockContext;
use crate::errors::VoluntaryExitError;
use crate::signatures::{get_domain, signing_message, SignedObject};
use crate::util::to_usize;
use crate::validator_exit::initiate_validator_exit_with;
use consensus::accessors::{get_current_epoch, is_active_validator};
use consensus::bls::Crypto;
use consensus::preset::{DOMAIN_VOLUNTARY_EXIT, FAR_FUTURE_EPOCH};
use consensus::sszx::SigningRoot;
use consensus::{BeaconState, ChainConfig, Preset, VoluntaryExit};

/// `process_voluntary_exit(state, exit)`, verifying the signature at once.
pub fn process_voluntary_exit<P: Preset>(
    state: &mut BeaconState<P>,
    exit: &VoluntaryExit,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), VoluntaryExitError> {
    BlockContext::run_alone(config, crypto, |ctx| {
        process_voluntary_exit_with(state, exit, ctx, 0)
    })
}

pub(crate) fn process_voluntary_exit_with<P: Preset>(
    state: &mut BeaconState<P>,
    exit: &VoluntaryExit,
    ctx: &mut BlockContext<'_>,
    operation: usize,
) -> Result<(), VoluntaryExitError> {
    let index = exit.validator_index;
    let len = state.validators.len();
    let validator = state
        .validators
        .get(to_usize(index))
        .ok_or(VoluntaryExitError::UnknownValidator { index, len })?;
    let current = get_current_epoch(state);
    // Verify the validator is active.
    if !is_active_validator(validator, current) {
        return Err(VoluntaryExitError::NotActive {
            index,
            epoch: current,
        });
    }
    // Verify the validator has not yet exited.
    if validator.exit_epoch != FAR_FUTURE_EPOCH {
        return Err(VoluntaryExitError::AlreadyExiting {
            index,
            exit_epoch: validator.exit_epoch,
        });
    }
    // Exits must specify an epoch when they become valid; they are not valid before then.
    if current < exit.epoch {
        return Err(VoluntaryExitError::FutureEpoch {
            exit_epoch: exit.epoch,
            current,
        });
    }
    // Verify the validator has been active long enough.
    let earliest = validator
        .activation_epoch
        .saturating_add(P::PERSISTENT_COMMITTEE_PERIOD);
    if validator
        .activation_epoch
        .checked_add(P::PERSISTENT_COMMITTEE_PERIOD)
        .is_none()
        || current < earliest
    {
        return Err(VoluntaryExitError::NotActiveLongEnough {
            index,
            activation_epoch: validator.activation_epoch,
            earliest,
            current,
        });
    }
    // Verify the signature.
    if ctx.signatures.is_checking() {
        let domain = get_domain(state, DOMAIN_VOLUNTARY_EXIT, exit.epoch);
        ctx.signatures.add_validators(
            SignedObject::VoluntaryExit { operation },
            &state.validators,
            &[index],
            &exit.signature,
            signing_message(&exit.signing_root(), &domain),
        )?;
    }
    // Initiate the exit.
    let queue = ctx.exit_queue(state)?;
    initiate_validator_exit_with(state, index, queue)?;
    Ok(())
}
