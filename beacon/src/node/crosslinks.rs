//! Crosslinks as a node follows them: the `ShardCrosslinkData` it computed for each data root
//! it met, which data roots the beacon chain recorded (and which of those are finalized), and
//! the receipts that recorded crosslinks make claimable on their destination shards.
//!
//! Owns no rule: the data is built exactly as `shard::ShardCrosslinkData` says, proofs with
//! `shard::receipt_proof`, and acceptance is decided by the beacon states.

use super::shard_chain::ShardChain;
use consensus::primitives::{Root, Shard, Slot};
use consensus::Crosslink;
use shard::receipt::outgoing_receipt_branches;
use shard::receipt_proof::assemble_receipt_proof;
use shard::types::compute_home_shard;
use shard::{CrosslinkOracle, IncomingReceipt, ShardBlockHeader, ShardCrosslinkData, ShardState};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What a receipt's proof is built from on its source side: the block's header and its
/// outgoing receipts (kept here, so a claim outlives the source chain's pruned blocks).
#[derive(Debug)]
struct ClaimSource {
    header: ShardBlockHeader,
    outgoing: Arc<Vec<shard::Receipt>>,
}

/// A receipt a destination shard may claim, with everything its proof needs.
#[derive(Clone, Debug)]
struct Claim {
    data_root: Root,
    data: Arc<ShardCrosslinkData>,
    source: Arc<ClaimSource>,
    block_position: usize,
    receipt_position: usize,
}

/// What the node knows about crosslinks.
#[derive(Clone, Debug, Default)]
pub struct CrosslinkBook {
    /// Data this node built, by data root.
    data: BTreeMap<Root, Arc<ShardCrosslinkData>>,
    /// The block each known crosslink leaves its shard chain at, by data root.
    tips: BTreeMap<Root, Root>,
    /// Data roots recorded by a finalized beacon state, per shard.
    finalized: BTreeSet<(Shard, Root)>,
    /// Crosslinks already handled (receipts indexed).
    indexed: BTreeSet<(Shard, Root)>,
    /// Per destination shard: `(source_shard, index, data_root)` -> claim. Forks of a source
    /// shard may number different receipts alike: each crosslink's claims are kept apart.
    claimable: BTreeMap<Shard, BTreeMap<(Shard, u64, Root), Claim>>,
}

/// The slot range a crosslink covers: the blocks of epochs `start_epoch .. end_epoch`.
pub fn crosslink_slots(crosslink: &Crosslink, slots_per_epoch: u64) -> (Slot, Slot) {
    (
        crosslink.start_epoch.saturating_mul(slots_per_epoch),
        crosslink.end_epoch.saturating_mul(slots_per_epoch),
    )
}

/// `ShardCrosslinkData` of `chain` from `tip` for `start_slot .. end_slot`, with the block the
/// data leaves the chain at (the last one before `end_slot`).
pub fn build_crosslink_data(
    chain: &ShardChain,
    tip: &Root,
    start_slot: Slot,
    end_slot: Slot,
) -> Option<(ShardCrosslinkData, Root)> {
    let (blocks, last) = chain.chain_range_with_last(tip, start_slot, end_slot);
    let last = last?;
    let data = ShardCrosslinkData::new(
        chain.shard(),
        start_slot,
        end_slot,
        blocks.iter().map(|e| e.root).collect(),
        last.state_root,
    )?;
    Some((data, last.root))
}

impl CrosslinkBook {
    pub fn new() -> Self {
        Self::default()
    }

    /// Remembers data this node built (when attesting or checking a crosslink) and the block
    /// it leaves the chain at.
    pub fn remember(&mut self, data: ShardCrosslinkData, tip: Root) -> Root {
        let root = data.root();
        self.data.entry(root).or_insert_with(|| Arc::new(data));
        self.tips.entry(root).or_insert(tip);
        root
    }

    /// The block the crosslink with `data_root` leaves its shard chain at, if known.
    pub fn tip(&self, data_root: &Root) -> Option<Root> {
        self.tips.get(data_root).copied()
    }

    pub fn data(&self, root: &Root) -> Option<&Arc<ShardCrosslinkData>> {
        self.data.get(root)
    }

    /// Adds the crosslinks of a finalized state.
    pub fn add_finalized(&mut self, crosslinks: impl Iterator<Item = (Shard, Root)>) {
        self.finalized.extend(crosslinks);
    }

    /// Every data root a finalized state recorded.
    pub fn finalized(&self) -> impl Iterator<Item = (Shard, Root)> + '_ {
        self.finalized.iter().copied()
    }

    pub fn is_finalized(&self, shard: Shard, data_root: &Root) -> bool {
        self.finalized.contains(&(shard, *data_root))
    }

    pub fn is_indexed(&self, shard: Shard, data_root: &Root) -> bool {
        self.indexed.contains(&(shard, *data_root))
    }

    /// Indexes the receipts of a recorded crosslink whose data this node knows: each receipt
    /// of each covered block becomes claimable on its destination shard.
    pub fn index_receipts(
        &mut self,
        source: &ShardChain,
        data_root: &Root,
        active_shard_count: u64,
    ) -> bool {
        let shard = source.shard();
        if self.indexed.contains(&(shard, *data_root)) {
            return true;
        }
        let Some(data) = self.data.get(data_root).cloned() else {
            return false;
        };
        let mut sources = Vec::with_capacity(data.block_roots.len());
        for block_root in data.block_roots.iter() {
            let Some(header) = source.entry(block_root).and_then(|e| e.header.clone()) else {
                return false;
            };
            let outgoing = source
                .entry(block_root)
                .map(|e| e.outgoing.clone())
                .unwrap_or_default();
            sources.push(Arc::new(ClaimSource { header, outgoing }));
        }
        for (block_position, claim_source) in sources.into_iter().enumerate() {
            for (receipt_position, receipt) in claim_source.outgoing.iter().enumerate() {
                let destination = compute_home_shard(&receipt.to, active_shard_count);
                self.claimable.entry(destination).or_default().insert(
                    (receipt.source_shard, receipt.index, *data_root),
                    Claim {
                        data_root: *data_root,
                        data: data.clone(),
                        source: claim_source.clone(),
                        block_position,
                        receipt_position,
                    },
                );
            }
        }
        self.indexed.insert((shard, *data_root));
        true
    }

    /// Forgets the data, tips and index of crosslinks over blocks before `floor_slot`, except
    /// those in `named` (a head state still records them). Claims keep what their proofs need.
    pub fn prune_below(&mut self, floor_slot: Slot, named: &BTreeSet<Root>) {
        self.data
            .retain(|root, data| data.end_slot >= floor_slot || named.contains(root));
        let data = &self.data;
        self.tips.retain(|root, _| data.contains_key(root));
        self.indexed.retain(|(_, root)| data.contains_key(root));
    }

    /// Crosslink data held.
    pub fn data_count(&self) -> usize {
        self.data.len()
    }

    /// Receipts waiting to be claimed, on every shard.
    pub fn claimable_total(&self) -> usize {
        self.claimable.values().map(BTreeMap::len).sum()
    }

    /// How many receipts wait for `destination`.
    pub fn claimable_count(&self, destination: Shard) -> usize {
        self.claimable.get(&destination).map_or(0, |c| c.len())
    }

    /// Forgets the claims on `destination` that `state` has credited (their index is below the
    /// next one it will credit from their source).
    pub fn forget_credited(&mut self, destination: Shard, state: &ShardState) {
        if let Some(claims) = self.claimable.get_mut(&destination) {
            claims.retain(|(source, index, _), _| !state.is_receipt_credited(*source, *index));
        }
    }

    /// Up to `max` receipts for `destination`, with their proofs, whose crosslink `accepts`
    /// (the oracle of the beacon state the block will point at): from each source shard, the
    /// consecutive receipts from the next one `base` (the state the block executes on) will
    /// credit, since receipts of a (source, destination) pair are credited in order.
    pub fn claims_for(
        &self,
        destination: Shard,
        base: &ShardState,
        accepts: &dyn CrosslinkOracle,
        max: usize,
    ) -> Vec<IncomingReceipt> {
        let Some(claims) = self.claimable.get(&destination) else {
            return Vec::new();
        };
        // Group the chosen claims by source block so each block's receipt tree is built once.
        let mut chosen: BTreeMap<(Shard, Root, usize), Vec<&Claim>> = BTreeMap::new();
        let mut count = 0;
        // (source, index of the next receipt from it to take)
        let mut next: Option<(Shard, u64)> = None;
        for ((source, index, _), claim) in claims.iter() {
            if count >= max {
                break;
            }
            let expected = match next {
                Some((shard, expected)) if shard == *source => expected,
                _ => base.next_incoming_index(*source),
            };
            next = Some((*source, expected));
            // Below: credited already, or taken from another crosslink's copy. Above: a gap
            // (its predecessor is not claimable yet), so nothing more from this source.
            if *index != expected || !accepts.is_crosslinked(*source, &claim.data_root) {
                continue;
            }
            chosen
                .entry((*source, claim.data_root, claim.block_position))
                .or_default()
                .push(claim);
            next = Some((*source, expected.saturating_add(1)));
            count += 1;
        }
        let mut out = Vec::with_capacity(count);
        for ((_, data_root, block_position), claims) in chosen {
            let Some(first) = claims.first().copied() else {
                continue;
            };
            let Some(block_branch) = first.data.block_root_branch(block_position) else {
                continue;
            };
            let outgoing = &first.source.outgoing;
            let branches = outgoing_receipt_branches(outgoing);
            for claim in claims {
                let (Some(receipt), Some(branch)) = (
                    outgoing.get(claim.receipt_position),
                    branches.get(claim.receipt_position),
                ) else {
                    continue;
                };
                if let Some(incoming) = assemble_receipt_proof(
                    receipt.clone(),
                    claim.receipt_position,
                    branch.clone(),
                    &first.source.header,
                    block_position,
                    block_branch.clone(),
                    data_root,
                ) {
                    out.push(incoming);
                }
            }
        }
        // Credit in (source, index) order, as the claims were chosen.
        out.sort_by_key(|r| (r.receipt.source_shard, r.receipt.index));
        out
    }
}
