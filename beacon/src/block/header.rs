//! `process_block_header` (reference 6.3): slot and parent checks, the new latest header (zero
//! state root and signature), the proposer's slashed flag and signature.

use super::context::BlockContext;
use crate::errors::BlockError;
use crate::signatures::{get_domain, signing_message, SignedObject};
use consensus::accessors::{get_current_epoch, validator_at};
use consensus::bls::Crypto;
use consensus::hash::merkleize_fields;
use consensus::preset::DOMAIN_BEACON_PROPOSER;
use consensus::primitives::{BlsSignatureBytes, Root};
use consensus::sszx::{hash_tree_root, SigningRoot};
use consensus::{BeaconBlock, BeaconBlockHeader, BeaconState, ChainConfig, Preset};

/// `process_block_header(state, block)`, verifying the proposer's signature at once.
pub fn process_block_header<P: Preset>(
    state: &mut BeaconState<P>,
    block: &BeaconBlock,
    config: &ChainConfig,
    crypto: Crypto,
) -> Result<(), BlockError> {
    BlockContext::run_alone(config, crypto, |ctx| {
        process_block_header_with(state, block, ctx)
    })
}

/// `signing_root(block)` given the body root (so the body is hashed once).
fn block_signing_root(block: &BeaconBlock, body_root: Root) -> Root {
    let mut slot = [0u8; 32];
    slot[..8].copy_from_slice(&block.slot.to_le_bytes());
    merkleize_fields(&[
        Root::new(slot),
        block.parent_root,
        block.state_root,
        body_root,
    ])
}

pub(crate) fn process_block_header_with<P: Preset>(
    state: &mut BeaconState<P>,
    block: &BeaconBlock,
    ctx: &mut BlockContext<'_>,
) -> Result<(), BlockError> {
    if block.slot != state.slot {
        return Err(BlockError::SlotMismatch {
            block_slot: block.slot,
            state_slot: state.slot,
        });
    }
    let parent = state.latest_block_header.signing_root();
    if block.parent_root != parent {
        return Err(BlockError::ParentRootMismatch {
            got: block.parent_root,
            want: parent,
        });
    }
    let body_root = hash_tree_root(&block.body);
    state.latest_block_header = BeaconBlockHeader {
        slot: block.slot,
        parent_root: block.parent_root,
        state_root: Root::zero(),
        body_root,
        signature: BlsSignatureBytes::zero(),
    };
    let proposer = ctx.proposer(state)?;
    if validator_at(state, proposer)?.slashed {
        return Err(BlockError::ProposerSlashed { index: proposer });
    }
    if ctx.signatures.is_checking() {
        let domain = get_domain(state, DOMAIN_BEACON_PROPOSER, get_current_epoch(state));
        let message = signing_message(&block_signing_root(block, body_root), &domain);
        ctx.signatures.add_validators(
            SignedObject::Block,
            &state.validators,
            &[proposer],
            &block.signature,
            message,
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_signing_root_matches_container() {
        let mut block = BeaconBlock {
            slot: 12,
            parent_root: Root::new([1; 32]),
            state_root: Root::new([2; 32]),
            ..BeaconBlock::default()
        };
        block.body.graffiti = Root::new([3; 32]);
        assert_eq!(
            block_signing_root(&block, hash_tree_root(&block.body)),
            block.signing_root()
        );
    }
}
