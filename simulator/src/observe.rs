//! What the run measured, from one node's view (the observer: the first node no fault
//! touches): per-slot samples while running, events as they happen, and the canonical chains
//! read at the end.

use crate::report::{ShardSlotRow, SlotRow};
use beacon::node::{Event, Node};
use consensus::primitives::{Root, Shard, Slot};
use consensus::Preset;
use shard::types::Address;
use std::collections::{BTreeMap, BTreeSet};

/// What one node did during the run (every node, not only the observer).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Slots in which the node's validators attested.
    pub attested_slots: Vec<Slot>,
    /// Beacon blocks it proposed.
    pub proposed: u64,
    /// Shard blocks it proposed.
    pub shard_proposed: u64,
    /// Signatures slashing protection refused.
    pub signing_refused: u64,
    /// Its head slot and finalized epoch at the end (none if it was down).
    pub final_head_slot: Option<Slot>,
    pub final_finalized_epoch: Option<u64>,
}

/// Measurements of one run.
#[derive(Debug, Default)]
pub struct Observer {
    pub node: usize,
    shard_count: u64,
    pub finalized_epoch: u64,
    pub justified_epoch: u64,
    pub first_finalized_epoch: Option<u64>,
    /// Slots from an epoch's start to the slot its finalization was seen.
    pub finality_latency_slots: Vec<f64>,
    crosslinks: BTreeSet<(Shard, Root)>,
    pub crosslinks_per_shard: Vec<u64>,
    /// Slots from the last block a crosslink covers to the head state that records it.
    pub crosslink_delay_slots: Vec<f64>,
    /// `(source_shard, index)` -> when the observer first imported a block crediting it.
    pub credit_time_ms: BTreeMap<(Shard, u64), u64>,
    /// `(source_shard, index)` -> the transfer `(from, nonce)` that emitted it.
    pub receipt_origin: BTreeMap<(Shard, u64), (Address, u64)>,
    pub slot_rows: Vec<SlotRow>,
    pub shard_rows: Vec<ShardSlotRow>,
    /// Canonical receipts: `(source_shard, index)` -> source block slot, and credited ones.
    pub canonical_sent: BTreeMap<(Shard, u64), Slot>,
    pub canonical_credited: BTreeSet<(Shard, u64)>,
    pub transactions_per_shard: Vec<u64>,
    pub missed_beacon_slots: u64,
    pub missed_shard_slots: u64,
    /// Per node.
    pub nodes: Vec<NodeStats>,
    spe: u64,
}

impl Observer {
    pub fn new(node: usize, shard_count: u64, total_slots: Slot, slots_per_epoch: u64) -> Self {
        Self {
            node,
            spe: slots_per_epoch,
            shard_count,
            crosslinks_per_shard: vec![0; shard_count as usize],
            transactions_per_shard: vec![0; shard_count as usize],
            slot_rows: Vec::with_capacity(total_slots as usize),
            ..Self::default()
        }
    }

    pub fn on_event(&mut self, node: usize, slot: Slot, now_ms: u64, event: &Event) {
        if self.nodes.len() <= node {
            self.nodes.resize(node + 1, NodeStats::default());
        }
        let stats = &mut self.nodes[node];
        match event {
            Event::Attested { slot, .. } if stats.attested_slots.last() != Some(slot) => {
                stats.attested_slots.push(*slot);
            }
            Event::Proposed { .. } => stats.proposed += 1,
            Event::ShardProposed { .. } => stats.shard_proposed += 1,
            Event::SigningRefused { .. } => stats.signing_refused += 1,
            _ => {}
        }
        if node != self.node {
            return;
        }
        match event {
            Event::Finalized(checkpoint) => {
                self.finalized_epoch = checkpoint.epoch;
                if self.first_finalized_epoch.is_none() && checkpoint.epoch > 0 {
                    self.first_finalized_epoch = Some(checkpoint.epoch);
                }
                self.finality_latency_slots
                    .push(slot.saturating_sub(checkpoint.epoch * self.slots_per_epoch()) as f64);
            }
            Event::Justified(checkpoint) => self.justified_epoch = checkpoint.epoch,
            Event::Crosslinked {
                shard,
                data_root,
                seen_at_slot,
                last_block_slot,
                ..
            } if self.crosslinks.insert((*shard, *data_root)) => {
                if let Some(count) = self.crosslinks_per_shard.get_mut(*shard as usize) {
                    *count += 1;
                }
                if let Some(last) = last_block_slot {
                    self.crosslink_delay_slots
                        .push(seen_at_slot.saturating_sub(*last) as f64);
                }
            }
            Event::ShardBlockImported {
                shard,
                sent,
                credited,
                ..
            } => {
                for s in sent {
                    self.receipt_origin
                        .insert((*shard, s.receipt_index), (s.from, s.nonce));
                }
                for id in credited {
                    self.credit_time_ms.entry(*id).or_insert(now_ms);
                }
            }
            _ => {}
        }
    }

    fn slots_per_epoch(&self) -> u64 {
        self.spe
    }

    /// The figures of `slot` that are only known while it runs.
    pub fn sample_slot<P: Preset>(
        &mut self,
        node: &Node<P>,
        slot: Slot,
        online: u64,
        delivered: u64,
        dropped: u64,
    ) {
        let status = node.status();
        self.slot_rows.push(SlotRow {
            slot,
            epoch: slot / P::SLOTS_PER_EPOCH,
            time_ms: 0,
            beacon_block: false,
            head_slot: status.head_slot,
            justified_epoch: status.justified.epoch,
            finalized_epoch: status.finalized.epoch,
            transactions: 0,
            shard_blocks: 0,
            cross_shard_sent: 0,
            cross_shard_credited: 0,
            attestations_included: 0,
            online_nodes: online,
            messages_delivered: delivered,
            messages_dropped: dropped,
        });
        let crosslinks: Vec<Option<Slot>> = match node.head_state() {
            Some(state) => state
                .current_crosslinks
                .iter()
                .take(self.shard_count as usize)
                .map(|c| (c.end_epoch * P::SLOTS_PER_EPOCH).checked_sub(1))
                .collect(),
            None => vec![None; self.shard_count as usize],
        };
        for shard in 0..self.shard_count {
            self.shard_rows.push(ShardSlotRow {
                slot,
                shard,
                block: false,
                transactions: 0,
                receipts_sent: 0,
                receipts_credited: 0,
                mempool_len: node.mempool_len(shard) as u64,
                crosslinked_slot: crosslinks.get(shard as usize).copied().flatten(),
            });
        }
    }

    /// Reads the canonical chains at the end of the run into the rows and totals.
    pub fn finish<P: Preset>(&mut self, node: &Node<P>) {
        let slot_ms = node.chain_config().slot_duration_ms;
        let rows = self.slot_rows.len() as u64;
        let mut beacon_slots = BTreeSet::new();
        for (slot, root) in node.canonical_blocks() {
            if slot == 0 {
                continue;
            }
            beacon_slots.insert(slot);
            if let (Some(row), Some(block)) = (
                self.slot_rows.get_mut(slot as usize),
                node.beacon_block(&root),
            ) {
                row.beacon_block = true;
                row.attestations_included = block.body.attestations.len() as u64;
            }
        }
        for row in self.slot_rows.iter_mut() {
            row.time_ms = row.slot * slot_ms;
        }
        self.missed_beacon_slots = (1..rows).filter(|s| !beacon_slots.contains(s)).count() as u64;
        let mut shard_slots = 0u64;
        for chain in node.shard_chains() {
            let shard = chain.shard();
            let head = chain.head_root();
            let (entries, _) = chain.chain_range(&head, 1, Slot::MAX);
            for entry in entries {
                let Some(block) = &entry.block else { continue };
                if entry.slot >= rows {
                    continue;
                }
                shard_slots += 1;
                let txs = block.body.transactions.len() as u64;
                self.transactions_per_shard[shard as usize] += txs;
                for receipt in entry.outgoing.iter() {
                    self.canonical_sent
                        .insert((receipt.source_shard, receipt.index), entry.slot);
                }
                for incoming in block.body.incoming_receipts.iter() {
                    self.canonical_credited
                        .insert((incoming.receipt.source_shard, incoming.receipt.index));
                }
                let index = (entry.slot * self.shard_count + shard) as usize;
                if let Some(row) = self.shard_rows.get_mut(index) {
                    row.block = true;
                    row.transactions = txs;
                    row.receipts_sent = entry.outgoing.len() as u64;
                    row.receipts_credited = block.body.incoming_receipts.len() as u64;
                }
                if let Some(row) = self.slot_rows.get_mut(entry.slot as usize) {
                    row.transactions += txs;
                    row.shard_blocks += 1;
                    row.cross_shard_sent += entry.outgoing.len() as u64;
                    row.cross_shard_credited += block.body.incoming_receipts.len() as u64;
                }
            }
        }
        self.missed_shard_slots = rows.saturating_sub(1) * self.shard_count
            - shard_slots.min(rows.saturating_sub(1) * self.shard_count);
    }
}
