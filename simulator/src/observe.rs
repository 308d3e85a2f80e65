//! What the run measured, from one node's view (the observer: the first node no fault
//! touches): per-slot samples while running, events as they happen, and the observer's
//! canonical chains, read as they become final.
//!
//! Nothing here grows with the number of transactions: the canonical chains are read
//! ("settled") slot by slot as finality reaches them (the node keeps a finalized block for an
//! epoch before letting it go, and the observer settles every slot), cross-shard receipts are
//! tracked only while in flight, latencies go into a [`Histogram`], and receipt ids into
//! [`IntervalSet`]s that grow with gaps only. What is left when the run ends is settled from
//! the observer's head at that moment.

use crate::checks::Checks;
use crate::histogram::Histogram;
use crate::interval_set::IntervalSet;
use crate::report::{ShardSlotRow, SlotRow};
use beacon::node::{Event, Node};
use consensus::primitives::{Root, Shard, Slot};
use consensus::Preset;
use shard::types::{compute_home_shard, Address};
use std::collections::{BTreeMap, VecDeque};

/// Crosslink data roots remembered per shard to count each crosslink once.
const RECENT_CROSSLINKS: usize = 8;

/// Epochs after which a receipt record that never became canonical is forgotten.
const FORGET_AFTER_EPOCHS: u64 = 8;

/// What one node did during the run (every node, not only the observer).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// Slots in which the node's validators attested.
    pub attested_slots: IntervalSet,
    /// Beacon blocks it proposed.
    pub proposed: u64,
    /// Shard blocks it proposed.
    pub shard_proposed: u64,
    /// Signatures slashing protection refused.
    pub signing_refused: u64,
    /// Its head slot and finalized epoch at the end (none if it was down).
    pub final_head_slot: Option<Slot>,
    pub final_finalized_epoch: Option<u64>,
    /// Each shard's head slot at the end (empty if it was down).
    pub final_shard_head_slots: Vec<Slot>,
}

/// A receipt: (source shard, destination shard, index within the pair).
type ReceiptId = (Shard, Shard, u64);

/// A canonical receipt not yet credited on the observer's canonical chains.
#[derive(Clone, Debug)]
struct InFlight {
    to: Address,
    amount: u64,
    /// The source block's slot.
    slot: Slot,
    /// When the workload submitted the transfer that made it.
    submitted_ms: Option<u64>,
}

/// A credit whose sending block had not settled yet.
#[derive(Debug)]
struct EarlyCredit {
    to: Address,
    amount: u64,
    /// The crediting block's shard and slot.
    shard: usize,
    slot: Slot,
}

/// Cross-shard receipts as the observer's canonical chains settle.
#[derive(Debug, Default)]
struct Receipts {
    /// From import events: which transfer `(from, nonce)` made a receipt, and the slot.
    origin: BTreeMap<ReceiptId, ((Address, u64), Slot)>,
    /// The observer's first import of a block crediting a receipt: (time, slot).
    credit_time: BTreeMap<ReceiptId, (u64, Slot)>,
    in_flight: BTreeMap<ReceiptId, InFlight>,
    /// Credits settled before the block that sent their receipt: each shard settles as far as
    /// its own finalized crosslink and the observer can name it, so a destination can settle
    /// ahead of its source (swarm seed 2446). Matched as the source settles; any left when
    /// the run ends is a violation.
    early_credits: BTreeMap<ReceiptId, EarlyCredit>,
    /// Per (source, destination) pair, at `source · shards + destination`: receipt indices
    /// sent, and credited, on the canonical chains.
    sent: Vec<IntervalSet>,
    credited: Vec<IntervalSet>,
    latency_ms: Histogram,
}

impl Receipts {
    /// A credit of receipt `id` (to `to`, `amount`) against what its source chain sent.
    fn match_credit(
        &mut self,
        id: ReceiptId,
        sent: &InFlight,
        to: Address,
        amount: u64,
        checks: &mut Checks,
    ) {
        if sent.to != to || sent.amount != amount {
            checks.violation(format!(
                "receipt {id:?} credited with another recipient or amount than sent"
            ));
            return;
        }
        let credit = self.credit_time.remove(&id);
        if let (Some(submitted), Some((credit_ms, _))) = (sent.submitted_ms, credit) {
            self.latency_ms.record(credit_ms.saturating_sub(submitted));
        }
    }

    /// Matches the credits settled ahead of their receipts' sending blocks with what has
    /// settled since; once the run is `finished`, a credit still unmatched was never sent on
    /// the canonical source chain.
    fn match_early_credits(&mut self, finished: bool, checks: &mut Checks) {
        let early = std::mem::take(&mut self.early_credits);
        for (id, credit) in early {
            match self.in_flight.remove(&id) {
                Some(sent) => self.match_credit(id, &sent, credit.to, credit.amount, checks),
                None if finished => checks.violation(format!(
                    "receipt {id:?} credited (shard {} slot {}) but never sent on the canonical \
                     source chain",
                    credit.shard, credit.slot
                )),
                None => {
                    self.early_credits.insert(id, credit);
                }
            }
        }
    }
}

/// Measurements of one run.
#[derive(Debug, Default)]
pub struct Observer {
    pub node: usize,
    shard_count: u64,
    spe: u64,
    slot_ms: u64,
    pub finalized_epoch: u64,
    pub justified_epoch: u64,
    pub first_finalized_epoch: Option<u64>,
    /// Slots from an epoch's start to the slot its finalization was seen (sum and count).
    finality_latency: (f64, u64),
    recent_crosslinks: Vec<VecDeque<Root>>,
    pub crosslinks_per_shard: Vec<u64>,
    /// Slots from the last block a crosslink covers to the head state that records it.
    crosslink_delay: (f64, u64),
    crosslink_delay_slots: Histogram,
    /// Submission to the slot of the canonical shard block that includes it, ms.
    inclusion_ms: Histogram,
    receipts: Receipts,
    pub slot_rows: Vec<SlotRow>,
    pub shard_rows: Vec<ShardSlotRow>,
    /// Beacon slots below this are settled.
    beacon_settled: Slot,
    /// Per shard: slots below this are settled.
    shard_settled: Vec<Slot>,
    pub transactions_per_shard: Vec<u64>,
    pub missed_beacon_slots: u64,
    pub missed_shard_slots: u64,
    /// Per node.
    pub nodes: Vec<NodeStats>,
}

fn mean_of((sum, count): (f64, u64)) -> Option<f64> {
    (count > 0).then(|| sum / count as f64)
}

impl Observer {
    pub fn new(
        node: usize,
        shard_count: u64,
        total_slots: Slot,
        slots_per_epoch: u64,
        slot_ms: u64,
    ) -> Self {
        let shards = shard_count as usize;
        Self {
            node,
            spe: slots_per_epoch,
            slot_ms,
            shard_count,
            recent_crosslinks: vec![VecDeque::new(); shards],
            crosslinks_per_shard: vec![0; shards],
            transactions_per_shard: vec![0; shards],
            slot_rows: Vec::with_capacity(total_slots as usize),
            shard_settled: vec![1; shards],
            beacon_settled: 1,
            receipts: Receipts {
                sent: vec![IntervalSet::new(); shards * shards],
                credited: vec![IntervalSet::new(); shards * shards],
                ..Receipts::default()
            },
            ..Self::default()
        }
    }

    pub fn finality_latency_slots_mean(&self) -> Option<f64> {
        mean_of(self.finality_latency)
    }

    pub fn crosslink_delay_slots_mean(&self) -> Option<f64> {
        mean_of(self.crosslink_delay)
    }

    pub fn cross_shard_sent(&self) -> u64 {
        self.receipts.sent.iter().map(IntervalSet::len).sum()
    }

    pub fn cross_shard_credited(&self) -> u64 {
        self.receipts.credited.iter().map(IntervalSet::len).sum()
    }

    /// Submission-to-credit latencies of the canonical credits.
    pub fn cross_shard_latency_ms(&self) -> &Histogram {
        &self.receipts.latency_ms
    }

    /// Transaction inclusion latency (submission to its canonical block's slot start), ms.
    pub fn inclusion_latency_ms(&self) -> &Histogram {
        &self.inclusion_ms
    }

    /// Crosslink delay (last covered shard block to the recording head state), slots.
    pub fn crosslink_delay_slots(&self) -> &Histogram {
        &self.crosslink_delay_slots
    }

    /// Canonical receipts sent before `cutoff` and not credited.
    pub fn uncredited_before(&self, cutoff: Slot) -> u64 {
        self.receipts
            .in_flight
            .values()
            .filter(|f| f.slot < cutoff)
            .count() as u64
    }

    /// Records kept for receipts and transfers (what tests bound).
    pub fn receipt_records(&self) -> usize {
        let r = &self.receipts;
        r.origin.len()
            + r.credit_time.len()
            + r.in_flight.len()
            + r.early_credits.len()
            + r.sent.iter().map(IntervalSet::runs).sum::<usize>()
            + r.credited.iter().map(IntervalSet::runs).sum::<usize>()
    }

    pub fn on_event(&mut self, node: usize, slot: Slot, now_ms: u64, event: &Event) {
        if self.nodes.len() <= node {
            self.nodes.resize(node + 1, NodeStats::default());
        }
        let stats = &mut self.nodes[node];
        match event {
            Event::Attested { slot, .. } => {
                stats.attested_slots.insert(*slot);
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
                self.finality_latency.0 += slot.saturating_sub(checkpoint.epoch * self.spe) as f64;
                self.finality_latency.1 += 1;
            }
            Event::Justified(checkpoint) => self.justified_epoch = checkpoint.epoch,
            Event::Crosslinked {
                shard,
                data_root,
                seen_at_slot,
                last_block_slot,
                ..
            } => {
                let Some(recent) = self.recent_crosslinks.get_mut(*shard as usize) else {
                    return;
                };
                if recent.contains(data_root) {
                    return;
                }
                if recent.len() == RECENT_CROSSLINKS {
                    recent.pop_front();
                }
                recent.push_back(*data_root);
                if let Some(count) = self.crosslinks_per_shard.get_mut(*shard as usize) {
                    *count += 1;
                }
                if let Some(last) = last_block_slot {
                    let delay = seen_at_slot.saturating_sub(*last);
                    self.crosslink_delay.0 += delay as f64;
                    self.crosslink_delay.1 += 1;
                    self.crosslink_delay_slots.record(delay);
                }
            }
            Event::ShardBlockImported {
                shard,
                sent,
                credited,
                ..
            } => {
                for s in sent {
                    self.receipts.origin.insert(
                        (*shard, s.destination, s.receipt_index),
                        ((s.from, s.nonce), slot),
                    );
                }
                for &(source, index) in credited {
                    self.receipts
                        .credit_time
                        .entry((source, *shard, index))
                        .or_insert((now_ms, slot));
                }
            }
            _ => {}
        }
    }

    /// The figures of `slot` that are only known while it runs; then whatever became final
    /// is settled.
    #[allow(clippy::too_many_arguments)]
    pub fn sample_slot<P: Preset>(
        &mut self,
        node: &Node<P>,
        slot: Slot,
        online: u64,
        delivered: u64,
        dropped: u64,
        submitted: &mut BTreeMap<(Address, u64), u64>,
        checks: &mut Checks,
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
        // What is final now: beacon slots before the finalized checkpoint, and each shard's
        // slots before its finalized crosslink's end.
        let beacon_final = status.finalized.epoch * P::SLOTS_PER_EPOCH;
        let shard_final: Vec<Slot> = (0..self.shard_count)
            .map(|s| node.finalized_crosslink_end_slot(s).unwrap_or(0))
            .collect();
        self.settle(node, beacon_final, &shard_final, false, submitted, checks);
        self.forget_stale(slot, submitted);
    }

    /// Reads the observer's canonical chains up to `beacon_until` (beacon slots) and
    /// `shard_until[s]` (shard `s`), never past the rows sampled so far: while the run goes
    /// on, each shard's from its finalized crosslink's last block; once `finished`, from the
    /// heads.
    fn settle<P: Preset>(
        &mut self,
        node: &Node<P>,
        beacon_until: Slot,
        shard_until: &[Slot],
        finished: bool,
        submitted: &mut BTreeMap<(Address, u64), u64>,
        checks: &mut Checks,
    ) {
        let rows = self.slot_rows.len() as Slot;
        let beacon_until = beacon_until.min(rows);
        for (slot, root) in node.canonical_range(self.beacon_settled, beacon_until) {
            if let (Some(row), Some(block)) = (
                self.slot_rows.get_mut(slot as usize),
                node.beacon_block(&root),
            ) {
                row.beacon_block = true;
                row.attestations_included = block.body.attestations.len() as u64;
            }
        }
        self.beacon_settled = self.beacon_settled.max(beacon_until);
        // Shard blocks in slot order across shards: within one pass a credit is settled after
        // the block that sent its receipt (which is in an earlier slot); a credit that
        // settles in an earlier pass than its source waits in `early_credits`.
        let mut blocks = Vec::new();
        for chain in node.shard_chains() {
            let shard = chain.shard() as usize;
            let (Some(from), Some(until)) = (
                self.shard_settled.get(shard).copied(),
                shard_until.get(shard).map(|u| (*u).min(rows)),
            ) else {
                continue;
            };
            if until <= from {
                continue;
            }
            // The finalized blocks are read back from the finalized crosslink's last block,
            // which a node back from a partition may hold before its head descends from it.
            // While the run goes on, a shard whose finalized blocks the node cannot name yet
            // (crosslink data or last block not held) waits: its head may be anywhere then
            // (swarm seed 1585: back from a partition, node 0's shard 6 head sat at slot 1
            // for a slot, and settling from it lost the receipts of blocks 2 to 7).
            let tip = if finished {
                chain.head_root()
            } else {
                match node.finalized_shard_block(shard as Shard) {
                    Some((slot, root)) if slot < until => root,
                    Some(_) => chain.head_root(),
                    None => continue,
                }
            };
            let (entries, _) = chain.chain_range(&tip, from, until);
            for entry in entries {
                if let Some(block) = &entry.block {
                    blocks.push((entry.slot, shard, block.clone(), entry.outgoing.clone()));
                }
            }
            self.shard_settled[shard] = until;
        }
        blocks.sort_by_key(|(slot, shard, _, _)| (*slot, *shard));
        for (slot, shard, block, outgoing) in blocks {
            self.settle_shard_block(slot, shard, &block, &outgoing, submitted, checks);
        }
        self.receipts.match_early_credits(finished, checks);
    }

    fn settle_shard_block(
        &mut self,
        slot: Slot,
        shard: usize,
        block: &shard::ShardBlock,
        outgoing: &[shard::Receipt],
        submitted: &mut BTreeMap<(Address, u64), u64>,
        checks: &mut Checks,
    ) {
        let txs = block.body.transactions.len() as u64;
        self.transactions_per_shard[shard] += txs;
        let included_ms = slot.saturating_mul(self.slot_ms);
        for tx in block.body.transactions.iter() {
            let key = (tx.from, tx.nonce);
            if let Some(&at) = submitted.get(&key) {
                self.inclusion_ms.record(included_ms.saturating_sub(at));
                // A cross-shard transfer stays until its receipt is matched below.
                if compute_home_shard(&tx.to, self.shard_count) == shard as u64 {
                    submitted.remove(&key);
                }
            }
        }
        let index = slot as usize * self.shard_count as usize + shard;
        if let Some(row) = self.shard_rows.get_mut(index) {
            row.block = true;
            row.transactions = txs;
            row.receipts_sent = outgoing.len() as u64;
            row.receipts_credited = block.body.incoming_receipts.len() as u64;
        }
        if let Some(row) = self.slot_rows.get_mut(slot as usize) {
            row.transactions += txs;
            row.shard_blocks += 1;
            row.cross_shard_sent += outgoing.len() as u64;
            row.cross_shard_credited += block.body.incoming_receipts.len() as u64;
        }
        let shards = self.shard_count;
        let pair = |source: Shard, destination: Shard| (source * shards + destination) as usize;
        let r = &mut self.receipts;
        for receipt in outgoing {
            let destination = compute_home_shard(&receipt.to, shards);
            let id = (receipt.source_shard, destination, receipt.index);
            if let Some(sent) = r.sent.get_mut(pair(receipt.source_shard, destination)) {
                sent.insert(receipt.index);
            }
            let submitted_ms = r
                .origin
                .remove(&id)
                .and_then(|(origin, _)| submitted.remove(&origin));
            r.in_flight.insert(
                id,
                InFlight {
                    to: receipt.to,
                    amount: receipt.amount,
                    slot,
                    submitted_ms,
                },
            );
        }
        for incoming in block.body.incoming_receipts.iter() {
            let receipt = &incoming.receipt;
            let id = (receipt.source_shard, shard as Shard, receipt.index);
            let Some(credited) = r
                .credited
                .get_mut(pair(receipt.source_shard, shard as Shard))
            else {
                continue;
            };
            if !credited.insert(receipt.index) {
                checks.violation(format!(
                    "receipt {id:?} credited twice (the second time on shard {shard} at slot {slot})"
                ));
                continue;
            }
            match r.in_flight.remove(&id) {
                Some(sent) => r.match_credit(id, &sent, receipt.to, receipt.amount, checks),
                None => {
                    r.early_credits.insert(
                        id,
                        EarlyCredit {
                            to: receipt.to,
                            amount: receipt.amount,
                            shard,
                            slot,
                        },
                    );
                }
            }
        }
    }

    /// Forgets records that never became canonical (forks) and transfers never included.
    fn forget_stale(&mut self, slot: Slot, submitted: &mut BTreeMap<(Address, u64), u64>) {
        let horizon = slot.saturating_sub(FORGET_AFTER_EPOCHS * self.spe);
        if horizon == 0 {
            return;
        }
        let r = &mut self.receipts;
        r.origin.retain(|_, (_, at)| *at >= horizon);
        r.credit_time.retain(|_, (_, at)| *at >= horizon);
        let horizon_ms = horizon.saturating_mul(self.slot_ms);
        submitted.retain(|_, at| *at >= horizon_ms);
    }

    /// Settles everything the run produced, from the observer's chains as they end.
    pub fn finish<P: Preset>(
        &mut self,
        node: &Node<P>,
        submitted: &mut BTreeMap<(Address, u64), u64>,
        checks: &mut Checks,
    ) {
        let slot_ms = node.chain_config().slot_duration_ms;
        let rows = self.slot_rows.len() as u64;
        let all = vec![rows; self.shard_count as usize];
        self.settle(node, rows, &all, true, submitted, checks);
        for row in self.slot_rows.iter_mut() {
            row.time_ms = row.slot * slot_ms;
        }
        self.missed_beacon_slots = self
            .slot_rows
            .iter()
            .skip(1)
            .filter(|row| !row.beacon_block)
            .count() as u64;
        self.missed_shard_slots = self
            .shard_rows
            .iter()
            .filter(|row| row.slot > 0 && !row.block)
            .count() as u64;
    }
}
