//! The second message an equivocating adversary signs: built with the node's own view and
//! the chain's public rules, signed with the validator's key, past slashing protection (the
//! adversary does not run it for these).

use beacon::node::Node;
use consensus::bls::{compute_signing_root, interop_secret_key, Crypto};
use consensus::preset::{DOMAIN_ATTESTATION, DOMAIN_BEACON_PROPOSER};
use consensus::primitives::{Root, ValidatorIndex};
use consensus::sszx::{hash_tree_root, SigningRoot};
use consensus::{
    Attestation, AttestationData, AttestationDataAndCustodyBit, BeaconBlock, ChainConfig, Preset,
};
use shard::execute::{BlockLimits, ExecutionContext};
use shard::produce::{produce_block_from, BlockTemplate};
use shard::receipt_proof::NoCrosslinks;
use shard::ShardBlock;

/// A second block for `block`'s slot and parent, with another graffiti (so another body,
/// post-state and signature); and its proposer.
pub fn equivocating_block<P: Preset>(
    node: &Node<P>,
    block: &BeaconBlock,
    chain: &ChainConfig,
    crypto: Crypto,
) -> Option<(BeaconBlock, ValidatorIndex)> {
    let mut state = node.block_state(&block.parent_root)?.clone();
    beacon::slots::process_slots(&mut state, block.slot, chain).ok()?;
    let proposer = consensus::committees::get_beacon_proposer_index(&state, chain).ok()?;
    let mut twin = block.clone();
    twin.body.graffiti = consensus::hash::hash(&block.signing_root().0);
    twin.signature = Default::default();
    beacon::block::process_block(&mut state, &twin, chain, Crypto::fake_for_simulation()).ok()?;
    twin.state_root = beacon::state_root::state_root(&state);
    let domain = beacon::signatures::get_domain(
        &state,
        DOMAIN_BEACON_PROPOSER,
        block.slot / P::SLOTS_PER_EPOCH,
    );
    let message = compute_signing_root(&twin.signing_root(), &domain);
    twin.signature = crypto.sign(&interop_secret_key(proposer), &message);
    Some((twin, proposer))
}

/// `original` re-signed by the same validators over `data`; and who they are.
pub fn resigned_attestation<P: Preset>(
    node: &Node<P>,
    original: &Attestation,
    data: AttestationData,
    chain: &ChainConfig,
    crypto: Crypto,
) -> Option<(Attestation, Vec<ValidatorIndex>)> {
    let state = node.head_state()?;
    let signers = beacon::attesting::get_attesting_indices(
        state,
        &original.data,
        &original.aggregation_bits,
        chain,
    )
    .ok()?;
    let domain = beacon::signatures::get_domain(state, DOMAIN_ATTESTATION, data.target.epoch);
    let message = compute_signing_root(
        &hash_tree_root(&AttestationDataAndCustodyBit {
            data: data.clone(),
            custody_bit: false,
        }),
        &domain,
    );
    let signatures: Vec<_> = signers
        .iter()
        .map(|v| crypto.sign(&interop_secret_key(*v), &message))
        .collect();
    let signature = crypto.aggregate(&signatures)?;
    Some((
        Attestation {
            data,
            signature,
            ..original.clone()
        },
        signers,
    ))
}

/// The data of a double vote against `data`: the same target, the head vote moved to the
/// voted block's parent (a block every peer holds).
pub fn double_vote_data<P: Preset>(
    node: &Node<P>,
    data: &AttestationData,
) -> Option<AttestationData> {
    let parent = node.beacon_block(&data.beacon_block_root)?.parent_root;
    node.block_state(&parent)?;
    let mut twin = data.clone();
    twin.beacon_block_root = parent;
    Some(twin)
}

/// The data of a vote that surrounds the previous epoch's, whose source was
/// `previous_source`: the source one epoch older than that, `data`'s target (one epoch later
/// than the previous vote's). `None` when the previous source was epoch 0.
pub fn surround_vote_data(data: &AttestationData, previous_source: u64) -> Option<AttestationData> {
    let mut twin = data.clone();
    twin.source.epoch = previous_source.checked_sub(1)?;
    twin.source.root = Root::zero();
    Some(twin)
}

/// A second shard block for `block`'s slot and parent without transactions or receipts
/// (`None` when the original is already empty, so no second body exists).
pub fn equivocating_shard_block<P: Preset>(
    node: &Node<P>,
    block: &ShardBlock,
    chain: &ChainConfig,
    crypto: Crypto,
) -> Option<ShardBlock> {
    if block.body.transactions.is_empty() && block.body.incoming_receipts.is_empty() {
        return None;
    }
    let mut state = node
        .shard_chain(block.shard)?
        .state_of(&block.parent_root)?;
    let template = BlockTemplate {
        slot: block.slot,
        beacon_block_root: block.beacon_block_root,
        proposer_index: block.proposer_index,
        incoming_receipts: Vec::new(),
    };
    let mut context = ExecutionContext::new(false, &NoCrosslinks);
    context.limits = BlockLimits::from_config(chain);
    let mut produced = produce_block_from(&mut state, Vec::new(), template, &context).ok()?;
    let fork_version = node.head_state()?.fork.current_version;
    shard::block::sign_shard_block_with(
        &mut produced.block,
        &produced.outcome.body_root,
        &interop_secret_key(block.proposer_index),
        fork_version,
        crypto,
    );
    Some(produced.block)
}
