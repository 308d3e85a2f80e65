//! `process_eth1_data` (reference 6.3): record the block's eth1 vote; a strict majority of the
//! voting period adopts it.

use crate::errors::{BlockError, HelperError};
use consensus::sszx::SszList;
use consensus::{BeaconBlockBody, BeaconState, Preset};

/// `process_eth1_data(state, body)`.
pub fn process_eth1_data<P: Preset>(
    state: &mut BeaconState<P>,
    body: &BeaconBlockBody,
) -> Result<(), BlockError> {
    state
        .eth1_data_votes
        .try_push(body.eth1_data.clone())
        .map_err(|e| HelperError::ListFull {
            rule: "process_eth1_data",
            list: "eth1_data_votes",
            limit: e.limit,
        })?;
    let votes = state
        .eth1_data_votes
        .iter()
        .filter(|vote| **vote == body.eth1_data)
        .count() as u64;
    if votes * 2 > P::SLOTS_PER_ETH1_VOTING_PERIOD {
        state.eth1_data = body.eth1_data.clone();
    }
    Ok(())
}
