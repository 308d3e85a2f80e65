//! Safety checks (design 6) over every node that is up: no two conflicting finalized
//! checkpoints, no finalized shard block reverted, supply conserved on every shard. The
//! receipt checks (none credited twice, none credited that was never sent, recipient and
//! amount as sent) run as the observer settles its canonical chains (`observe`).

use beacon::node::Node;
use consensus::primitives::{Epoch, Root, Shard, Slot};
use consensus::{Checkpoint, Preset};
use std::collections::{BTreeMap, BTreeSet};

/// What the checks have seen, and the violations found.
#[derive(Debug, Default)]
pub struct Checks {
    supply_per_shard: u128,
    finalized: BTreeMap<Epoch, (Root, usize)>,
    /// `(shard, slot)` -> root of a finalized shard block, as first reported.
    finalized_shard_blocks: BTreeMap<(Shard, Slot), (Root, usize)>,
    /// Per node and shard: the latest finalized shard block it reported.
    node_finalized: BTreeMap<(usize, Shard), (Slot, Root)>,
    violations: Vec<String>,
    reported: BTreeSet<String>,
}

impl Checks {
    pub fn new(supply_per_shard: u128) -> Self {
        Self {
            supply_per_shard,
            ..Self::default()
        }
    }

    pub fn violation(&mut self, text: String) {
        if self.reported.insert(text.clone()) {
            self.violations.push(text);
        }
    }

    pub fn violations(&self) -> &[String] {
        &self.violations
    }

    /// A node finalized `checkpoint`: no other node may have finalized another block at the
    /// same epoch.
    pub fn on_finalized(&mut self, node: usize, checkpoint: &Checkpoint) {
        match self.finalized.get(&checkpoint.epoch) {
            Some((root, other)) if *root != checkpoint.root => {
                let text = format!(
                    "conflicting finalized checkpoints at epoch {}: node {other} has {}, node {node} has {}",
                    checkpoint.epoch, root, checkpoint.root
                );
                self.violation(text);
            }
            Some(_) => {}
            None => {
                self.finalized
                    .insert(checkpoint.epoch, (checkpoint.root, node));
            }
        }
    }

    /// No crosslink in `state` (the observer's head) carries the data root an
    /// `invalid_crosslink` adversary votes for: honest committees never gave it 2/3.
    pub fn check_crosslinks<P: Preset>(&mut self, state: &consensus::BeaconState<P>) {
        for crosslink in state.current_crosslinks.iter() {
            if crosslink.data_root == consensus::primitives::Root::zero() {
                continue;
            }
            let forged = beacon::node::invalid_data_root(
                crosslink.shard,
                crosslink.start_epoch,
                crosslink.end_epoch,
            );
            if crosslink.data_root == forged {
                self.violation(format!(
                    "shard {} was crosslinked to data no shard chain has (epochs {}..{}): an invalid crosslink won",
                    crosslink.shard, crosslink.start_epoch, crosslink.end_epoch
                ));
            }
        }
    }

    /// Supply and finalized shard blocks of one node.
    pub fn check_node<P: Preset>(&mut self, index: usize, node: &Node<P>) {
        for chain in node.shard_chains() {
            let shard = chain.shard();
            if let Some(state) = node.shard_head_state(shard) {
                let held = state.total_balance()
                    + state.burned_fees() as u128
                    + state.receipts_sent_amount() as u128;
                let total = held.checked_sub(state.receipts_credited_amount() as u128);
                if total != Some(self.supply_per_shard) {
                    self.violation(format!(
                        "supply of shard {shard} at node {index} is {total:?}, genesis gave {}",
                        self.supply_per_shard
                    ));
                }
            }
            let Some((slot, root)) = node.finalized_shard_block(shard) else {
                continue;
            };
            match self.finalized_shard_blocks.get(&(shard, slot)) {
                Some((other_root, other)) if *other_root != root => {
                    let text = format!(
                        "finalized shard blocks conflict on shard {shard} slot {slot}: node {other} has {other_root}, node {index} has {root}"
                    );
                    self.violation(text);
                }
                Some(_) => {}
                None => {
                    self.finalized_shard_blocks
                        .insert((shard, slot), (root, index));
                }
            }
            if let Some((old_slot, old_root)) = self.node_finalized.get(&(index, shard)).copied() {
                if old_slot <= slot
                    && !chain.is_ancestor(&old_root, &root)
                    && chain.contains(&old_root)
                {
                    self.violation(format!(
                        "finalized shard block {old_root} (shard {shard}, slot {old_slot}) reverted at node {index}"
                    ));
                }
            }
            self.node_finalized.insert((index, shard), (slot, root));
        }
    }
}
