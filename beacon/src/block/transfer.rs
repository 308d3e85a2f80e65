//! `process_transfer` (reference 6.4.6): a signed balance transfer from a validator that is not
//! (or no longer) at stake, with a fee to the block proposer and no dust left behind.
//! `MAX_TRANSFERS` is 0, so blocks carry none; the operation is reachable alone.

use super::context::BlockContext;
use crate::balances::{decrease_balance, increase_balance};
use crate::errors::{HelperError, TransferError};
use crate::signatures::{get_domain, signing_message, SignedObject};
use crate::util::to_usize;
use consensus::accessors::get_current_epoch;
use consensus::bls::Crypto;
use consensus::hash::hash;
use consensus::preset::{BLS_WITHDRAWAL_PREFIX, DOMAIN_TRANSFER, FAR_FUTURE_EPOCH};
use consensus::sszx::SigningRoot;
use consensus::{BeaconState, ChainConfig, Preset, Transfer};

/// `process_transfer(state, transfer)`, verifying the signature at once.
pub fn process_transfer<P: Preset>(
    state: &mut BeaconState<P>,
    transfer: &Transfer,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), TransferError> {
    BlockContext::run_alone(config, crypto, |ctx| {
        process_transfer_with(state, transfer, ctx, 0)
    })
}

pub(crate) fn process_transfer_with<P: Preset>(
    state: &mut BeaconState<P>,
    transfer: &Transfer,
    ctx: &mut BlockContext<'_>,
    operation: usize,
) -> Result<(), TransferError> {
    let sender = transfer.sender;
    let len = state.validators.len();
    let unknown = TransferError::UnknownSender { index: sender, len };
    let balance = *state
        .balances
        .get(to_usize(sender))
        .ok_or(unknown.clone())?;
    // Verify the balance covers amount and fee (with no uint64 overflow).
    let total = transfer
        .amount
        .checked_add(transfer.fee)
        .ok_or(HelperError::Overflow {
            rule: "process_transfer: amount + fee",
        })?;
    if balance < total {
        return Err(TransferError::InsufficientBalance {
            sender,
            balance,
            amount: transfer.amount,
            fee: transfer.fee,
        });
    }
    // A transfer is valid in only one slot.
    if state.slot != transfer.slot {
        return Err(TransferError::SlotMismatch {
            transfer_slot: transfer.slot,
            state_slot: state.slot,
        });
    }
    // The sender is not at stake: never eligible, withdrawable, or keeping a full stake.
    let validator = state.validators.get(to_usize(sender)).ok_or(unknown)?;
    let transferable = validator.activation_eligibility_epoch == FAR_FUTURE_EPOCH
        || get_current_epoch(state) >= validator.withdrawable_epoch
        || total
            .checked_add(P::MAX_EFFECTIVE_BALANCE)
            .ok_or(HelperError::Overflow {
                rule: "process_transfer: amount + fee + MAX_EFFECTIVE_BALANCE",
            })?
            <= balance;
    if !transferable {
        return Err(TransferError::NotTransferable { sender });
    }
    // The pubkey is the sender's withdrawal key.
    let mut credentials = hash(&transfer.pubkey.0);
    credentials.0[0] = BLS_WITHDRAWAL_PREFIX;
    if validator.withdrawal_credentials != credentials {
        return Err(TransferError::WithdrawalCredentialsMismatch { sender });
    }
    // Verify the signature.
    if ctx.signatures.is_checking() {
        let domain = get_domain(state, DOMAIN_TRANSFER, get_current_epoch(state));
        ctx.signatures.add_key(
            SignedObject::Transfer { operation },
            &transfer.pubkey,
            &transfer.signature,
            signing_message(&transfer.signing_root(), &domain),
        )?;
    }
    // Process the transfer.
    decrease_balance(state, sender, total)?;
    increase_balance(state, transfer.recipient, transfer.amount)?;
    let proposer = ctx.proposer(state)?;
    increase_balance(state, proposer, transfer.fee)?;
    // No dust for sender nor recipient.
    for (who, index) in [("sender", sender), ("recipient", transfer.recipient)] {
        let balance = state.balances.get(to_usize(index)).copied().unwrap_or(0);
        if 0 < balance && balance < P::MIN_DEPOSIT_AMOUNT {
            return Err(TransferError::DustBalance {
                who,
                index,
                balance,
            });
        }
    }
    Ok(())
}
