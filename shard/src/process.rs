//! `process_shard_block`: the full check of a block received from a peer: the expected
//! proposer, its BLS signature (skipped under fake cryptography), then execution.

use crate::block::{verify_shard_block_signature, ShardBlock};
use crate::execute::ExecutionOutcome;
use crate::execute::{check_block_header, execute_block_with, BlockError, ExecutionContext};
use crate::state::ShardState;
use consensus::bls::{Crypto, PublicKey};
use consensus::primitives::{ValidatorIndex, Version};

/// Who must have proposed the block, and how to check its signature.
#[derive(Clone, Copy, Debug)]
pub struct ProposerCheck<'a> {
    pub expected_proposer: ValidatorIndex,
    pub proposer_key: &'a PublicKey,
    pub fork_version: Version,
    pub crypto: Crypto,
}

/// `check_proposer` and `verify_shard_block_signature`, then [`execute_block_with`].
pub fn process_shard_block(
    state: &mut ShardState,
    block: &ShardBlock,
    proposer: &ProposerCheck<'_>,
    context: &ExecutionContext<'_>,
) -> Result<ExecutionOutcome, BlockError> {
    check_block_header(state, block)?;
    if block.proposer_index != proposer.expected_proposer {
        return Err(BlockError::WrongProposer {
            expected: proposer.expected_proposer,
            got: block.proposer_index,
        });
    }
    // The body root is hashed once: for the signature, and handed to execution.
    let header = block.header();
    verify_shard_block_signature(
        &header,
        proposer.proposer_key,
        proposer.fork_version,
        proposer.crypto,
    )?;
    let mut context = *context;
    if !context.verify_signatures {
        context.body_root = Some(header.body_root);
    }
    execute_block_with(state, block, &context)
}
