//! The head and what follows it: the canonical chain index, justification and finality (with
//! the pruning finality allows), crosslinks, and the shard heads.

use super::Node;
use consensus::primitives::{Root, Shard, Slot};
use consensus::{BeaconBlock, Preset};
use std::collections::BTreeMap;
use std::sync::Arc;

impl<P: Preset> Node<P> {
    /// Recomputes the head and follows it: canonical chain, checkpoints, crosslinks, shard
    /// heads.
    pub(super) fn update_head(&mut self) {
        let Ok(head) = self.fork_choice.get_head() else {
            return;
        };
        if head != self.head {
            let reorg_depth = self.set_canonical(head);
            if reorg_depth > 0 {
                self.beacon_reorganised = true;
            }
            self.head = head;
            let (slot, state_root) = match self.blocks.get(&head) {
                Some(b) => (b.slot, b.state_root),
                None => (0, Root::zero()),
            };
            self.head_slot = slot;
            self.advanced = None;
            self.emit(super::Event::Head {
                root: head,
                slot,
                state_root,
                reorg_depth,
            });
            self.follow_crosslinks();
        }
        let justified = self.fork_choice.justified_checkpoint().clone();
        if justified.epoch > self.justified.epoch {
            self.justified = justified.clone();
            self.emit(super::Event::Justified(justified));
        }
        let finalized = self.fork_choice.finalized_checkpoint().clone();
        if finalized.epoch > self.finalized.epoch {
            self.finalized = finalized.clone();
            // Finality is durable before anyone hears of it: the blocks that finalized it are
            // flushed now, not at the next slot, so a crash cannot take a reported finalized
            // checkpoint back (the restart replays them).
            let _ = self.store.flush();
            if let Some(state) = self.finalized_state() {
                let recorded: Vec<(Shard, Root)> = state
                    .current_crosslinks
                    .iter()
                    .chain(state.previous_crosslinks.iter())
                    .map(|c| (c.shard, c.data_root))
                    .collect();
                self.crosslinks.add_finalized(recorded.into_iter());
            }
            let _ = self.fork_choice.prune();
            self.op_pool.prune(finalized.epoch);
            let finalized_slot = finalized.epoch * P::SLOTS_PER_EPOCH;
            self.seen_shard_blocks
                .retain(|(_, slot, _)| *slot + P::SLOTS_PER_EPOCH >= finalized_slot);
            self.shufflings.prune(finalized.epoch.saturating_sub(1));
            self.emit(super::Event::Finalized(finalized));
        }
        self.update_shard_heads();
    }

    /// Makes `head`'s chain the canonical index; returns how many blocks of the old chain left
    /// it.
    fn set_canonical(&mut self, head: Root) -> u64 {
        let mut new_chain: Vec<(Slot, Root)> = Vec::new();
        let mut at = head;
        let fork_slot = loop {
            let Some(block) = self.blocks.get(&at) else {
                // The genesis block (or a block below the finalized one that is not held).
                break if at == self.genesis_root {
                    0
                } else {
                    Slot::MAX
                };
            };
            if self.canonical.get(&block.slot) == Some(&at) {
                break block.slot;
            }
            new_chain.push((block.slot, at));
            at = block.parent_root;
        };
        if fork_slot == Slot::MAX {
            return 0;
        }
        let removed: Vec<Slot> = self
            .canonical
            .range(fork_slot.saturating_add(1)..)
            .map(|(s, _)| *s)
            .collect();
        for slot in &removed {
            self.canonical.remove(slot);
        }
        for (slot, root) in new_chain {
            self.canonical.insert(slot, root);
        }
        removed.len() as u64
    }

    /// Whether the beacon block `root` is on this node's canonical chain.
    pub(super) fn is_canonical(&self, root: &Root) -> bool {
        beacon_block_is_canonical(
            &self.blocks,
            &self.canonical,
            &self.settled_beacon,
            self.genesis_root,
            root,
        )
    }
}

/// Whether the beacon block `root` is on the canonical chain `canonical` (slot -> root) or
/// among the canonical blocks finality let go (`settled`); the genesis block always is. A free
/// function so callers can hold it while a shard chain is borrowed mutably.
pub(super) fn beacon_block_is_canonical(
    blocks: &BTreeMap<Root, Arc<BeaconBlock>>,
    canonical: &BTreeMap<Slot, Root>,
    settled: &super::settled_beacon::SettledBeacon,
    genesis: Root,
    root: &Root,
) -> bool {
    *root == genesis
        || blocks
            .get(root)
            .is_some_and(|b| canonical.get(&b.slot) == Some(root))
        || settled.contains(root)
}
