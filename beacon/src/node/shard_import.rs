//! Shard block import: its beacon block and parent must be known (else it waits for them);
//! its proposer, signature and execution are `shard`'s rules; then the block is kept, reported
//! and the shard's head follows.

use super::errors::{LookupError, Object, ProposerLookupError, ShardBlockRejection};
use super::io::{CrossShardSent, Event};
use super::oracle::Oracle;
use super::shard_chain::RECENT_STATE_SLOTS;
use super::verdict::{IgnoreReason, Refusal};
use super::{Node, MAX_PENDING};
use consensus::bls::Crypto;
use consensus::primitives::Root;
use consensus::Preset;
use shard::execute::{BlockLimits, ExecutionContext};
use shard::process::{process_shard_block, ProposerCheck};
use shard::types::compute_home_shard;
use shard::{ShardBlock, ShardState};
use std::sync::Arc;

impl<P: Preset> Node<P> {
    /// Shard blocks that waited for `root` (a beacon block or a shard block) try again.
    pub(super) fn release_shard_blocks(&mut self, root: &Root) {
        let Some(waiting) = self.pending_shard_blocks.remove(root) else {
            return;
        };
        for block in waiting {
            let _ = self.import_shard_block(block);
        }
    }

    fn hold_shard_block(&mut self, missing: Root, block: Arc<ShardBlock>) {
        let held: usize = self.pending_shard_blocks.values().map(|v| v.len()).sum();
        if held < MAX_PENDING {
            let waiting = self.pending_shard_blocks.entry(missing).or_default();
            if !waiting.iter().any(|b| b.as_ref() == block.as_ref()) {
                waiting.push(block);
            }
        }
    }

    /// Checks and imports a shard block: its beacon block and parent must be known; the
    /// proposer, its signature and execution are `shard`'s rules.
    pub(super) fn import_shard_block(&mut self, block: Arc<ShardBlock>) -> Result<Root, Refusal> {
        let shard = block.shard;
        let asc = self.chain.active_shard_count;
        if shard >= asc {
            return Err(ShardBlockRejection::ShardOutOfRange { shard, active: asc }.into());
        }
        // Seen before? (By its signature, which commits to the block, instead of hashing
        // every transaction for the root.)
        let chain = &self.shards[shard as usize];
        let seen_key = (shard, block.slot, block.signature);
        if self.seen_shard_blocks.contains(&seen_key) {
            return Err(IgnoreReason::Known {
                object: Object::ShardBlock,
            }
            .into());
        }
        if !self.fork_choice.contains_block(&block.beacon_block_root) {
            if self.blocks.contains_key(&block.beacon_block_root) {
                return Err(IgnoreReason::ParentBelowFinalized {
                    object: Object::ShardBlock,
                    parent: block.beacon_block_root,
                }
                .into());
            }
            self.hold_shard_block(block.beacon_block_root, block.clone());
            return Err(Refusal::Missing(block.beacon_block_root));
        }
        if !chain.contains(&block.parent_root) {
            self.hold_shard_block(block.parent_root, block.clone());
            return Err(Refusal::Missing(block.parent_root));
        }
        let Some(mut state) = chain.state_of(&block.parent_root) else {
            return Err(IgnoreReason::StateUnavailable {
                object: Object::ShardBlock,
                root: block.parent_root,
            }
            .into());
        };
        // Transactions this node has not checked yet get their signatures checked now.
        let unseen: Vec<shard::Transaction> = block
            .body
            .transactions
            .iter()
            .filter(|tx| chain.mempool.get(&tx.from, tx.nonce) != Some(*tx))
            .cloned()
            .collect();
        if let Some(position) = self.config.transaction_verifier.first_invalid(&unseen) {
            return Err(ShardBlockRejection::TransactionSignature { position }.into());
        }
        let proposer = self
            .shard_proposer(&block.beacon_block_root, shard, block.slot)
            .map_err(lookup_refusal)?;
        let beacon_state = self
            .fork_choice
            .block_state(&block.beacon_block_root)
            .ok_or(IgnoreReason::StateUnavailable {
                object: Object::ShardBlock,
                root: block.beacon_block_root,
            })?;
        let fork_version = beacon_state.fork.current_version;
        let key_bytes = beacon_state
            .validators
            .get(proposer as usize)
            .map(|v| v.pubkey)
            .ok_or(ShardBlockRejection::ProposerNotInRegistry {
                index: proposer,
                len: beacon_state.validators.len(),
            })?;
        let crypto = self.config.crypto;
        let key = match crypto {
            Crypto::Real => self.pubkeys.get(proposer, &key_bytes).map_err(|source| {
                ShardBlockRejection::ProposerKey {
                    index: proposer,
                    source,
                }
            })?,
            Crypto::Fake => self.fake_key,
        };
        let oracle = Oracle {
            state: beacon_state,
            finalized: &self.crosslinks,
        };
        let mut context = ExecutionContext::new(false, &oracle);
        context.limits = BlockLimits::from_config(&self.chain);
        let check = ProposerCheck {
            expected_proposer: proposer,
            proposer_key: &key,
            fork_version,
            crypto,
        };
        let outcome = process_shard_block(&mut state, &block, &check, &context)
            .map_err(ShardBlockRejection::Execution)?;
        let root = outcome.block_root;
        self.record_shard_block(block, outcome, state);
        Ok(root)
    }

    /// Keeps an executed shard block (ours or a peer's) and reports it.
    pub(super) fn record_shard_block(
        &mut self,
        block: Arc<ShardBlock>,
        outcome: shard::ExecutionOutcome,
        state: ShardState,
    ) {
        let shard = block.shard;
        let root = outcome.block_root;
        let asc = self.chain.active_shard_count;
        self.watch_shard_block(&block, root);
        self.seen_shard_blocks
            .insert((shard, block.slot, block.signature));
        // Which transaction made which receipt: cross-shard transactions in order.
        let mut receipts = outcome.outgoing_receipts.iter();
        let mut sent = Vec::new();
        for tx in block.body.transactions.iter() {
            if compute_home_shard(&tx.to, asc) != shard {
                if let Some(receipt) = receipts.next() {
                    sent.push(CrossShardSent {
                        from: tx.from,
                        nonce: tx.nonce,
                        destination: compute_home_shard(&receipt.to, asc),
                        receipt_index: receipt.index,
                        amount: receipt.amount,
                    });
                }
            }
        }
        let credited = block
            .body
            .incoming_receipts
            .iter()
            .map(|r| (r.receipt.source_shard, r.receipt.index))
            .collect();
        let _ = self.store.put_shard_block(&root, &block);
        self.emit(Event::ShardBlockImported {
            shard,
            slot: block.slot,
            root,
            transactions: block.body.transactions.len() as u64,
            sent,
            credited,
        });
        let header = block.header_with(outcome.body_root);
        let extends_head = block.parent_root == self.shards[shard as usize].head_root()
            && self.is_canonical(&block.beacon_block_root);
        let anchor = self
            .shard_anchors
            .get(shard as usize)
            .copied()
            .unwrap_or_else(|| self.shards[shard as usize].root());
        let senders: Vec<shard::Address> = if extends_head {
            block.body.transactions.iter().map(|tx| tx.from).collect()
        } else {
            Vec::new()
        };
        let chain = &mut self.shards[shard as usize];
        chain.insert(block, header, root, state, outcome.outgoing_receipts);
        if extends_head {
            // The longest chain grew by this block: no need to search the tree, and only the
            // block's senders have new nonces.
            chain.set_head(root);
            chain.prune_mempool_senders(&senders);
            chain.prune_states(RECENT_STATE_SLOTS, &[anchor]);
        } else {
            self.update_shard_head(shard);
        }
        self.release_shard_blocks(&root);
    }
}

/// A proposer look-up that failed, as the shard block's refusal: without the state or the
/// shuffling the node cannot judge (ignore); a committee rule that fails is the block's fault.
fn lookup_refusal(error: ProposerLookupError) -> Refusal {
    match error {
        ProposerLookupError::Lookup(LookupError::UnknownBlock { root }) => {
            IgnoreReason::StateUnavailable {
                object: Object::ShardBlock,
                root,
            }
            .into()
        }
        ProposerLookupError::Lookup(LookupError::Shuffling(source)) => IgnoreReason::Shuffling {
            object: Object::ShardBlock,
            source,
        }
        .into(),
        ProposerLookupError::Committee(error) => ShardBlockRejection::Proposer(error).into(),
    }
}
