//! Unrealized justification (design D10, later specifications' "pull-up tips"): the justified
//! checkpoint a block's post-state reaches once its epoch's justification runs, with no
//! further block. v0.8.4 has validators take their vote's source from the head state carried
//! through empty slots to the attestation slot, so across an epoch boundary with no block they
//! sign a source that only that virtual state has justified; fork choice, which knows only
//! the justification of real post-states, may then keep them on a chain where every vote asked
//! of them would surround one they signed. Swarm seed 2785: three nodes alone from slot 24
//! to 40 had no block after slot 30; carried into epoch 4 their head state justified epoch 2,
//! and they signed source 2 for all of epoch 4. The other five, whose chain had justified
//! epoch 1 only, never saw a block with epoch 2 justified; after the heal all eight followed
//! the heavier chain, the three were refused every vote (source 1 would surround (2, 4)), five
//! of eight is below two thirds, and nothing was finalized again.
//!
//! The store therefore computes, for each leaf of the tree whose epoch is over (at `get_head`,
//! once per leaf), the justification its state reaches, adopts it as the store's justified
//! checkpoint when higher, and judges the leaf's viability by it (`ProtoArray::is_viable`).
//!
//! **Must never**: change a stored post-state (it works on a copy) or finalize anything.

use crate::epoch::process_justification_and_finalization;
use consensus::{BeaconState, ChainConfig, Checkpoint, Preset};

/// The justified checkpoint `state` (a block's post-state) reaches when the justification of
/// its epoch runs on it as it is; `None` if that justification cannot be computed.
pub fn unrealized_justified_checkpoint<P: Preset>(
    state: &BeaconState<P>,
    config: &ChainConfig,
) -> Option<Checkpoint> {
    let mut copy = state.clone();
    process_justification_and_finalization(&mut copy, config).ok()?;
    Some(copy.current_justified_checkpoint)
}
