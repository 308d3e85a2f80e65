//! Beacon block import: through fork choice (which runs the state transition), then what
//! waited for the block (its children, shard blocks pointing at it).

use super::errors::Object;
use super::verdict::{IgnoreReason, Refusal, RejectReason};
use super::{Node, MAX_PENDING};
use crate::fork_choice::ForkChoiceError;
use consensus::bls::Crypto;
use consensus::primitives::Root;
use consensus::sszx::SigningRoot;
use consensus::{BeaconBlock, BeaconState, Preset};
use std::sync::Arc;

impl<P: Preset> Node<P> {
    /// Imports a beacon block and everything that waited for it.
    pub(super) fn import_beacon_block(
        &mut self,
        block: Arc<BeaconBlock>,
        crypto: Crypto,
    ) -> Result<Root, Refusal> {
        self.import_beacon_block_with(block, crypto, None)
    }

    /// Imports the node's own block, whose post-state it computed while building it (the
    /// transition is not run a second time).
    pub(super) fn import_own_beacon_block(
        &mut self,
        block: Arc<BeaconBlock>,
        post: BeaconState<P>,
    ) -> Result<Root, Refusal> {
        self.import_beacon_block_with(block, Crypto::fake_for_simulation(), Some(post))
    }

    fn import_beacon_block_with(
        &mut self,
        block: Arc<BeaconBlock>,
        crypto: Crypto,
        post: Option<BeaconState<P>>,
    ) -> Result<Root, Refusal> {
        let root = block.signing_root();
        if self.blocks.contains_key(&root) {
            return Err(IgnoreReason::Known {
                object: Object::BeaconBlock,
            }
            .into());
        }
        if !self.fork_choice.contains_block(&block.parent_root) {
            let finalized_slot = self.finalized.epoch.saturating_mul(P::SLOTS_PER_EPOCH);
            // A parent fork choice no longer holds (below finality), or a block no later than
            // the finalized slot, can never join the canonical chain: not worth fetching.
            if self.blocks.contains_key(&block.parent_root)
                || (self.finalized.epoch > 0 && block.slot <= finalized_slot)
            {
                return Err(IgnoreReason::ParentBelowFinalized {
                    object: Object::BeaconBlock,
                    parent: block.parent_root,
                }
                .into());
            }
            self.hold_block(block.clone());
            return Err(Refusal::Missing(block.parent_root));
        }
        let imported = match post {
            Some(post) => self.fork_choice.on_block_with_post_state(&block, post),
            None => self.fork_choice.on_block(&block, crypto),
        };
        if let Err(error) = imported {
            return Err(on_block_refusal(error, self.current_slot()));
        }
        // The block's attestations count for fork choice (verified with the block).
        self.absorb_block_attestations(&block);
        self.watch_block(root, &block);
        let _ = self.store.put_beacon_block(&root, &block);
        self.emit(super::Event::BeaconBlockImported {
            root,
            slot: block.slot,
            attestations: block.body.attestations.len(),
        });
        self.blocks.insert(root, block);
        // Children that waited for it.
        if let Some(children) = self.pending_blocks.remove(&root) {
            for child in children {
                let _ = self.import_beacon_block(child, crypto);
            }
        }
        // Shard blocks that waited for it.
        self.release_shard_blocks(&root);
        Ok(root)
    }

    fn hold_block(&mut self, block: Arc<BeaconBlock>) {
        let held: usize = self.pending_blocks.values().map(|v| v.len()).sum();
        if held < MAX_PENDING {
            let waiting = self.pending_blocks.entry(block.parent_root).or_default();
            if !waiting
                .iter()
                .any(|b| b.signing_root() == block.signing_root())
            {
                waiting.push(block);
            }
        }
    }
}

/// Fork choice's refusal of a block as the node's: a block from the future, one already held
/// or one on a fork below finality is ignored; anything else broke a rule.
fn on_block_refusal(error: ForkChoiceError, current: consensus::primitives::Slot) -> Refusal {
    match error {
        ForkChoiceError::BlockFromFuture { slot, .. } => IgnoreReason::FutureSlot {
            object: Object::BeaconBlock,
            slot,
            current,
        }
        .into(),
        ForkChoiceError::BlockAlreadyKnown { .. } => IgnoreReason::Known {
            object: Object::BeaconBlock,
        }
        .into(),
        e @ (ForkChoiceError::NotDescendantOfFinalized { .. }
        | ForkChoiceError::NotAfterFinalizedEpoch { .. }) => IgnoreReason::ForkChoice(e).into(),
        e => RejectReason::BeaconBlock(e).into(),
    }
}
