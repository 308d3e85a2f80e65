//! [`BlockContext`]: what the steps of one block (or one operation called alone) share — the
//! shufflings, the proposer index, the exit queue, the pubkey index for deposits, and the
//! signature batch that collects every signature for one verification at the end.
//!
//! Within one block nothing these depend on changes: slashings, exits and deposits never touch
//! the previous or current active sets, the seeds, the start shard or effective balances, so
//! the proposer and the committees are those of the block's state throughout.

use super::deposit::PubkeyIndex;
use crate::errors::HelperError;
use crate::errors::SignatureError;
use crate::shuffling_cache::{KeyedShufflings, ShufflingCache};
use crate::signatures::{PubkeyCache, SignatureBatch};
use crate::validator_exit::{churn_limit, ExitQueue};
use consensus::accessors::get_current_epoch;
use consensus::bls::Crypto;
use consensus::committees::EpochShuffling;
use consensus::primitives::{Epoch, ValidatorIndex};
use consensus::{BeaconState, ChainConfig, Preset};

/// Shared state of one block's processing.
#[derive(Debug)]
pub struct BlockContext<'c> {
    pub config: &'c ChainConfig,
    pub signatures: SignatureBatch,
    pub(crate) shufflings: ShufflingCache,
    proposer: Option<ValidatorIndex>,
    exit_queue: Option<ExitQueue>,
    pub(crate) pubkey_index: Option<PubkeyIndex>,
}

impl<'c> BlockContext<'c> {
    pub fn new(config: &'c ChainConfig, crypto: Crypto) -> Self {
        Self::with_pubkeys(config, crypto, PubkeyCache::new())
    }

    /// A context whose signature batch decodes keys through `pubkeys`.
    pub fn with_pubkeys(config: &'c ChainConfig, crypto: Crypto, pubkeys: PubkeyCache) -> Self {
        Self::with_caches(config, crypto, pubkeys, KeyedShufflings::new())
    }

    /// A context that decodes keys through `pubkeys` and finds shufflings in `shufflings`
    /// (caches the caller keeps across blocks; take them back with [`Self::into_caches`]).
    pub fn with_caches(
        config: &'c ChainConfig,
        crypto: Crypto,
        pubkeys: PubkeyCache,
        shufflings: KeyedShufflings,
    ) -> Self {
        Self {
            config,
            signatures: SignatureBatch::with_cache(crypto, pubkeys),
            shufflings: ShufflingCache::backed_by(shufflings),
            proposer: None,
            exit_queue: None,
            pubkey_index: None,
        }
    }

    /// The caches given to [`Self::with_caches`], with what this context added to them.
    pub fn into_caches(self) -> (PubkeyCache, KeyedShufflings) {
        (self.signatures.into_cache(), self.shufflings.into_backing())
    }

    /// Runs one step of block processing on its own (an operation handler called alone): a
    /// fresh context, the step, then the signatures it collected, verified.
    pub fn run_alone<E: From<SignatureError>>(
        config: &'c ChainConfig,
        crypto: Crypto,
        step: impl FnOnce(&mut Self) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut ctx = Self::new(config, crypto);
        step(&mut ctx)?;
        ctx.signatures.verify()?;
        Ok(())
    }

    /// The crypto the batch runs.
    pub fn crypto(&self) -> Crypto {
        self.signatures.crypto()
    }

    /// The shuffling of `epoch` (computed once).
    pub fn shuffling<P: Preset>(
        &mut self,
        state: &BeaconState<P>,
        epoch: Epoch,
    ) -> Result<&EpochShuffling, HelperError> {
        Ok(self.shufflings.ensure(state, epoch, self.config)?)
    }

    /// `get_beacon_proposer_index(state)` (computed once).
    pub fn proposer<P: Preset>(
        &mut self,
        state: &BeaconState<P>,
    ) -> Result<ValidatorIndex, HelperError> {
        if let Some(proposer) = self.proposer {
            return Ok(proposer);
        }
        let shuffling = self.shuffling(state, get_current_epoch(state))?;
        let proposer = shuffling.proposer::<P>(&state.validators, state.slot)?;
        self.proposer = Some(proposer);
        Ok(proposer)
    }

    /// The exit queue (built from the state on first use, then kept up to date by the exits).
    pub fn exit_queue<P: Preset>(
        &mut self,
        state: &BeaconState<P>,
    ) -> Result<&mut ExitQueue, HelperError> {
        let queue = match self.exit_queue {
            Some(queue) => queue,
            None => {
                let active = self
                    .shuffling(state, get_current_epoch(state))?
                    .shuffled
                    .len() as u64;
                ExitQueue::new(&state.validators, churn_limit::<P>(active))
            }
        };
        Ok(self.exit_queue.insert(queue))
    }
}
