//! Which crosslink data roots a shard block may prove receipts against: one acceptance rule
//! for the receipts a proposer chooses and for the execution of every shard block.

use super::crosslinks::CrosslinkBook;
use consensus::primitives::{Root, Shard};
use consensus::{BeaconState, Preset};

/// The roots the beacon state a shard block points at records (current or previous), and
/// those a finalized state recorded.
pub(super) struct Oracle<'a, P: Preset> {
    pub state: &'a BeaconState<P>,
    pub finalized: &'a CrosslinkBook,
}

impl<P: Preset> shard::CrosslinkOracle for Oracle<'_, P> {
    fn is_crosslinked(&self, shard: Shard, data_root: &Root) -> bool {
        let i = shard as usize;
        *data_root != Root::zero()
            && (self
                .state
                .current_crosslinks
                .get(i)
                .is_some_and(|c| c.data_root == *data_root)
                || self
                    .state
                    .previous_crosslinks
                    .get(i)
                    .is_some_and(|c| c.data_root == *data_root)
                || self.finalized.is_finalized(shard, data_root))
    }
}
