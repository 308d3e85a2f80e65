//! Following the crosslinks of the head state: build (or fetch the blocks for) each new
//! crosslink's data, index the receipts it makes claimable, report it.

use super::crosslinks::{build_crosslink_data, crosslink_slots};
use super::shard_chain::ShardChain;
use super::Node;
use consensus::primitives::{Root, Slot};
use consensus::Preset;

impl<P: Preset> Node<P> {
    /// New crosslinks in the head state: build or check their data, index their receipts,
    /// report them. A crosslink over blocks this node does not hold makes it ask its peers for
    /// that range (once per crosslink).
    pub(super) fn follow_crosslinks(&mut self) {
        let Some(state) = self.fork_choice.block_state(&self.head) else {
            return;
        };
        let seen_at_slot = state.slot;
        let recorded: Vec<consensus::Crosslink> = state
            .previous_crosslinks
            .iter()
            .chain(state.current_crosslinks.iter())
            .filter(|c| c.data_root != Root::zero())
            .cloned()
            .collect();
        let asc = self.chain.active_shard_count;
        for crosslink in recorded {
            let shard = crosslink.shard;
            if shard >= asc || self.crosslinks.is_indexed(shard, &crosslink.data_root) {
                continue;
            }
            if self.crosslinks.data(&crosslink.data_root).is_none() {
                let (start, end) = crosslink_slots(&crosslink, P::SLOTS_PER_EPOCH);
                let chain = &self.shards[shard as usize];
                if let Some((data, tip)) =
                    find_crosslink_data(chain, start, end, &crosslink.data_root)
                {
                    self.crosslinks.remember(data, tip);
                } else if self.missing_crosslinks.insert((shard, crosslink.data_root)) {
                    let peers: Vec<_> = self.peers.keys().copied().collect();
                    for peer in peers {
                        self.request_shard_range_from(
                            peer,
                            shard,
                            start,
                            end.saturating_sub(start),
                        );
                    }
                }
            }
            let chain = &self.shards[shard as usize];
            if self
                .crosslinks
                .index_receipts(chain, &crosslink.data_root, asc)
            {
                let last_block_slot = self
                    .crosslinks
                    .data(&crosslink.data_root)
                    .and_then(|d| d.block_roots.last().copied())
                    .and_then(|r| chain.entry(&r).map(|e| e.slot));
                self.emit(super::Event::Crosslinked {
                    shard,
                    start_epoch: crosslink.start_epoch,
                    end_epoch: crosslink.end_epoch,
                    data_root: crosslink.data_root,
                    seen_at_slot,
                    last_block_slot,
                });
            }
        }
    }
}

/// The `ShardCrosslinkData` of `start .. end` whose root is `data_root`, from whichever fork of
/// `chain` it was built on: the head's first, then every block in the range as a tip (after a
/// partition the beacon chain may have crosslinked another fork than the local head).
fn find_crosslink_data(
    chain: &ShardChain,
    start: Slot,
    end: Slot,
    data_root: &Root,
) -> Option<(shard::ShardCrosslinkData, Root)> {
    let head = chain.head_root();
    let mut tips = vec![head];
    let mut in_range: Vec<(Slot, Root)> = chain
        .entries()
        .filter(|e| e.slot >= start && e.slot < end && e.root != head)
        .map(|e| (e.slot, e.root))
        .collect();
    in_range.sort_by(|a, b| b.cmp(a));
    tips.extend(in_range.into_iter().take(256).map(|(_, r)| r));
    tips.into_iter()
        .filter_map(|tip| build_crosslink_data(chain, &tip, start, end))
        .find(|(data, _)| data.root() == *data_root)
}
