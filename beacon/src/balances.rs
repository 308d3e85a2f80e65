//! Balance helpers of reference 4.4–4.5: `increase_balance`, `decrease_balance`,
//! `get_total_balance`, `get_total_active_balance`.

use crate::errors::HelperError;
use crate::util::{get_mut, to_usize};
use consensus::accessors::validator_in;
use consensus::accessors::{get_active_validator_indices, get_current_epoch};
use consensus::primitives::{Gwei, ValidatorIndex};
use consensus::{BeaconState, Preset, Validator};

/// `increase_balance(state, index, delta)`: `balances[index] += delta`, refusing an unknown
/// index and a uint64 overflow.
pub fn increase_balance<P: Preset>(
    state: &mut BeaconState<P>,
    index: ValidatorIndex,
    delta: Gwei,
) -> Result<(), HelperError> {
    let balance = balance_mut(state, index, "increase_balance")?;
    *balance = balance.checked_add(delta).ok_or(HelperError::Overflow {
        rule: "increase_balance",
    })?;
    Ok(())
}

/// `decrease_balance(state, index, delta)`: subtracts, flooring at zero.
pub fn decrease_balance<P: Preset>(
    state: &mut BeaconState<P>,
    index: ValidatorIndex,
    delta: Gwei,
) -> Result<(), HelperError> {
    let balance = balance_mut(state, index, "decrease_balance")?;
    *balance = balance.saturating_sub(delta);
    Ok(())
}

/// `balances[index]` for `rule`, refusing an unknown index.
fn balance_mut<'s, P: Preset>(
    state: &'s mut BeaconState<P>,
    index: ValidatorIndex,
    rule: &'static str,
) -> Result<&'s mut Gwei, HelperError> {
    let len = state.balances.len();
    get_mut(&mut state.balances, to_usize(index)).ok_or(HelperError::UnknownBalance {
        rule,
        index,
        len,
    })
}

/// `get_total_balance(state, indices)` = `max(1, Σ effective_balance)`. `indices` is a set in
/// the reference: the caller passes distinct indices.
pub fn get_total_balance<P: Preset>(
    state: &BeaconState<P>,
    indices: impl IntoIterator<Item = ValidatorIndex>,
) -> Result<Gwei, HelperError> {
    total_balance(&state.validators, indices)
}

/// [`get_total_balance`] over a registry slice.
pub(crate) fn total_balance(
    validators: &[Validator],
    indices: impl IntoIterator<Item = ValidatorIndex>,
) -> Result<Gwei, HelperError> {
    let mut sum: u128 = 0;
    for index in indices {
        let validator = validator_in(validators, index).map_err(HelperError::Consensus)?;
        sum += u128::from(validator.effective_balance);
    }
    gwei_at_least_one(sum, "get_total_balance")
}

/// `max(1, sum)` as Gwei, refusing a sum beyond uint64.
pub(crate) fn gwei_at_least_one(sum: u128, rule: &'static str) -> Result<Gwei, HelperError> {
    Gwei::try_from(sum.max(1)).map_err(|_| HelperError::Overflow { rule })
}

/// `get_total_active_balance(state)`: the total effective balance of the current epoch's
/// active validators.
pub fn get_total_active_balance<P: Preset>(state: &BeaconState<P>) -> Result<Gwei, HelperError> {
    total_balance(
        &state.validators,
        get_active_validator_indices(state, get_current_epoch(state)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::Minimal;

    fn state_with(balances: &[u64]) -> BeaconState<Minimal> {
        let mut state = BeaconState::<Minimal>::default();
        for b in balances {
            state.validators.make_mut().push(Validator {
                effective_balance: *b,
                exit_epoch: u64::MAX,
                withdrawable_epoch: u64::MAX,
                ..Validator::default()
            });
            state.balances.make_mut().push(*b);
        }
        state
    }

    #[test]
    fn balance_rules() {
        let mut state = state_with(&[10, 20]);
        increase_balance(&mut state, 0, 5).unwrap();
        assert_eq!(state.balances[0], 15);
        decrease_balance(&mut state, 1, 50).unwrap();
        assert_eq!(state.balances[1], 0, "decrease floors at zero");
        assert!(matches!(
            increase_balance(&mut state, 2, 1),
            Err(HelperError::UnknownBalance { index: 2, .. })
        ));
        increase_balance(&mut state, 0, u64::MAX - 15).unwrap();
        assert!(matches!(
            increase_balance(&mut state, 0, 1),
            Err(HelperError::Overflow { .. })
        ));
        assert_eq!(get_total_balance(&state, []).unwrap(), 1, "floor of 1 Gwei");
        assert_eq!(get_total_balance(&state, [0, 1]).unwrap(), 30);
        assert_eq!(get_total_active_balance(&state).unwrap(), 30);
        assert!(get_total_balance(&state, [7]).is_err());
    }
}
