//! Gossip validation (design 4): decode within the type's size limit, then the checks of each
//! kind, with one verdict per message. The same rules run under the simulator and libp2p.
//!
//! - beacon block: not from a future slot, not known, after the finalized slot; a missing
//!   parent is fetched (ignore); the state transition decides accept or reject.
//! - attestation and aggregate: target epoch current or previous; nothing new (every bit
//!   already held) is ignored before any signature check; otherwise fork choice's
//!   `on_attestation` checks it, signature included.
//! - shard block: not from a future slot, not known; a missing beacon block or parent is
//!   fetched (ignore); proposer, signature and execution decide.
//! - transactions: every signature not already checked, then the mempool's rules; a message
//!   with one bad signature is rejected.
//! - slashings and exits: see `slashings` (already pooled or applied is ignored, otherwise the
//!   state transition's rule on a copy of the head state decides).

use super::early::Timing;
use super::errors::Object;
use super::io::{Output, PeerId};
use super::verdict::{IgnoreReason, Refusal, RejectReason, Verdict};
use super::Node;
use consensus::primitives::Slot;
use consensus::{Attestation, Preset};
use networking::rpc::{BlocksByRoot, ShardBlocksByRange};
use networking::{GossipMessage, Request, Topic, TransactionBatch};
use shard::types::compute_home_shard;
use shard::Transaction;
use std::sync::Arc;

impl<P: Preset> Node<P> {
    fn verdict(&mut self, from: PeerId, topic: Topic, message: u64, verdict: Verdict) {
        self.out.push(Output::Verdict {
            from,
            topic,
            message,
            verdict,
        });
    }

    pub(super) fn on_gossip(&mut self, from: PeerId, topic: Topic, bytes: &[u8], id: u64) {
        let message = match GossipMessage::decode(
            topic,
            bytes,
            &self.limits,
            self.chain.active_shard_count,
        ) {
            Ok(message) => message,
            Err(e) => return self.verdict(from, topic, id, Verdict::Reject(e.into())),
        };
        let verdict = match message {
            GossipMessage::BeaconBlock(block) => self.gossip_beacon_block(from, *block),
            GossipMessage::Attestation(a) | GossipMessage::Aggregate(a) => {
                self.gossip_attestation(from, *a)
            }
            GossipMessage::ShardBlock(block) => self.gossip_shard_block(from, *block),
            GossipMessage::Transactions(batch) => self.gossip_transactions(*batch),
            GossipMessage::VoluntaryExit(exit) => self.gossip_voluntary_exit(*exit),
            GossipMessage::ProposerSlashing(s) => self.gossip_proposer_slashing(*s),
            GossipMessage::AttesterSlashing(s) => self.gossip_attester_slashing(*s),
        };
        self.verdict(from, topic, id, verdict);
    }

    /// The ignore verdict for a message of `slot` if that slot has not begun here yet.
    fn future(&self, object: Object, slot: Slot) -> Verdict {
        Verdict::Ignore(IgnoreReason::FutureSlot {
            object,
            slot,
            current: self.current_slot(),
        })
    }

    fn gossip_beacon_block(&mut self, from: PeerId, block: consensus::BeaconBlock) -> Verdict {
        match self.timing(block.slot) {
            Timing::Due => {}
            Timing::Early => {
                let verdict = self.future(Object::BeaconBlock, block.slot);
                self.hold_early_beacon_block(from, block);
                return verdict;
            }
            Timing::Future => return self.future(Object::BeaconBlock, block.slot),
        }
        let finalized_slot = self.finalized.epoch * P::SLOTS_PER_EPOCH;
        if block.slot <= finalized_slot && self.finalized.epoch > 0 {
            return Verdict::Ignore(IgnoreReason::NotAfterFinalized {
                object: Object::BeaconBlock,
                slot: block.slot,
                finalized_slot,
            });
        }
        let parent = block.parent_root;
        match self.import_beacon_block(Arc::new(block), self.config.crypto) {
            Ok(_) => {
                self.update_head();
                Verdict::Accept
            }
            Err(refusal) => {
                if refusal == Refusal::Missing(parent) {
                    self.request_blocks_by_root(from, vec![parent]);
                }
                refusal.verdict(Object::BeaconBlock)
            }
        }
    }

    pub(super) fn request_blocks_by_root(
        &mut self,
        peer: PeerId,
        roots: Vec<consensus::primitives::Root>,
    ) {
        let Ok(roots) = roots.try_into() else {
            return;
        };
        self.send(
            peer,
            Request::BeaconBlocksByRoot(BlocksByRoot { roots }),
            super::Pending::BeaconRoots,
        );
    }

    fn gossip_attestation(&mut self, from: PeerId, attestation: Attestation) -> Verdict {
        let current = self.current_slot() / P::SLOTS_PER_EPOCH;
        let target = attestation.data.target.epoch;
        if target > current || target.saturating_add(1) < current {
            return Verdict::Ignore(IgnoreReason::TargetEpochOutOfRange { target, current });
        }
        if self.op_pool.covers(&attestation) {
            return Verdict::Ignore(IgnoreReason::AttestersKnown);
        }
        let target = attestation.data.target.root;
        let head_vote = attestation.data.beacon_block_root;
        for needed in [target, head_vote] {
            if !self.fork_choice.contains_block(&needed) {
                self.request_blocks_by_root(from, vec![needed]);
                return Refusal::Missing(needed).verdict(Object::Attestation);
            }
        }
        match self.accept_attestation(&attestation) {
            Ok(()) => Verdict::Accept,
            Err(refusal) => refusal.verdict(Object::Attestation),
        }
    }

    fn gossip_shard_block(&mut self, from: PeerId, block: shard::ShardBlock) -> Verdict {
        match self.timing(block.slot) {
            Timing::Due => {}
            Timing::Early => {
                let verdict = self.future(Object::ShardBlock, block.slot);
                self.hold_early_shard_block(from, block);
                return verdict;
            }
            Timing::Future => return self.future(Object::ShardBlock, block.slot),
        }
        let shard = block.shard;
        let beacon_root = block.beacon_block_root;
        match self.import_shard_block(Arc::new(block)) {
            Ok(_) => Verdict::Accept,
            Err(Refusal::Missing(root)) => {
                if root == beacon_root {
                    self.request_blocks_by_root(from, vec![root]);
                } else {
                    // From just after the latest crosslinked block this node knows: the
                    // parent may be on another fork than the local head.
                    let start = self.shard_sync_start(shard);
                    self.send(
                        from,
                        Request::ShardBlocksByRange(ShardBlocksByRange {
                            shard,
                            start_slot: start,
                            count: networking::limits::MAX_REQUEST_BLOCKS,
                        }),
                        super::Pending::ShardRange {
                            shard,
                            start,
                            count: networking::limits::MAX_REQUEST_BLOCKS,
                        },
                    );
                }
                Refusal::Missing(root).verdict(Object::ShardBlock)
            }
            Err(refusal) => refusal.verdict(Object::ShardBlock),
        }
    }

    /// Checks transactions not seen before and admits them to their shard's mempool; returns
    /// those that were new, or the reason to reject the message.
    fn admit_transactions(
        &mut self,
        transactions: Vec<Transaction>,
    ) -> Result<Vec<Transaction>, RejectReason> {
        let asc = self.chain.active_shard_count;
        let unseen: Vec<Transaction> = transactions
            .into_iter()
            .filter(|tx| {
                let shard = compute_home_shard(&tx.from, asc) as usize;
                self.shards[shard].mempool.get(&tx.from, tx.nonce) != Some(tx)
            })
            .collect();
        if let Some(position) = self.config.transaction_verifier.first_invalid(&unseen) {
            return Err(RejectReason::TransactionSignature { position });
        }
        let mut admitted = Vec::new();
        for tx in unseen {
            let shard = compute_home_shard(&tx.from, asc) as usize;
            if self.shards[shard].admit(tx.clone()) {
                admitted.push(tx);
            }
        }
        Ok(admitted)
    }

    fn gossip_transactions(&mut self, batch: TransactionBatch) -> Verdict {
        match self.admit_transactions(batch.transactions.to_vec()) {
            Err(reason) => Verdict::Reject(reason),
            Ok(admitted) if admitted.is_empty() => Verdict::Ignore(IgnoreReason::NoNewTransactions),
            Ok(_) => Verdict::Accept,
        }
    }

    /// Transactions submitted by a user: each admitted on its own, then gossiped per shard
    /// (see [`Node::submit_transactions`], which also answers for each).
    pub(super) fn on_submitted(&mut self, transactions: Vec<Transaction>) {
        let _ = self.submit_transactions(transactions);
    }
}
