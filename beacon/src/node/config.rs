//! What a node is started with: the chain, its validators' keys, how to check signatures.

use consensus::bls::{Crypto, SecretKey};
use consensus::primitives::{Epoch, ValidatorIndex};
use consensus::{BeaconState, ChainConfig, Preset};
use shard::{GenesisAccounts, ShardState, Transaction};
use std::sync::Arc;

/// How a node checks the ed25519 signatures of transactions it has not seen before.
///
/// A real node checks every one itself ([`DirectTransactionVerifier`]). The simulator runs
/// many nodes in one process and may hand them one shared memo of verdicts, so that each
/// distinct transaction's curve arithmetic is done once per run; the verdict is the same by
/// construction.
pub trait TransactionVerifier: Send + Sync {
    /// The position of the first transaction whose signature (or sender key) is invalid, or
    /// `None` when all are valid.
    fn first_invalid(&self, transactions: &[Transaction]) -> Option<usize>;
}

/// Checks every signature: one ed25519 batch, then one by one only if the batch fails.
#[derive(Clone, Copy, Debug, Default)]
pub struct DirectTransactionVerifier;

impl TransactionVerifier for DirectTransactionVerifier {
    fn first_invalid(&self, transactions: &[Transaction]) -> Option<usize> {
        shard::signatures::first_invalid_signature(transactions)
    }
}

/// Accepts every transaction signature without looking: the transaction side of
/// `Crypto::Fake`, for very large simulations only (reports say FAKE CRYPTO).
#[derive(Clone, Copy, Debug)]
pub struct FakeTransactionVerifier(());

impl FakeTransactionVerifier {
    /// The only way to obtain it, named like [`consensus::bls::Crypto::fake_for_simulation`].
    pub fn fake_for_simulation() -> Self {
        Self(())
    }
}

impl TransactionVerifier for FakeTransactionVerifier {
    fn first_invalid(&self, _transactions: &[Transaction]) -> Option<usize> {
        None
    }
}

/// The genesis a node starts from: the beacon state and every shard's state.
#[derive(Clone, Debug)]
pub struct Genesis<P: Preset> {
    pub beacon: Arc<BeaconState<P>>,
    pub shards: Arc<Vec<ShardState>>,
    pub accounts: GenesisAccounts,
}

/// Why a genesis could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisBuildError {
    #[error("beacon genesis: {0}")]
    Beacon(#[from] crate::errors::GenesisError),
    #[error("shard genesis: {0}")]
    Shards(#[from] shard::genesis::GenesisError),
}

impl<P: Preset> Genesis<P> {
    /// The genesis of `chain` (design D3) with `accounts` on every shard: what every node of a
    /// network builds alike from the same configuration.
    pub fn build(
        chain: &ChainConfig,
        accounts: GenesisAccounts,
    ) -> Result<Self, GenesisBuildError> {
        let beacon = crate::genesis::genesis_from_config::<P>(chain)?;
        let shards = shard::genesis_states(chain.active_shard_count, &accounts)?;
        Ok(Self {
            beacon: Arc::new(beacon),
            shards: Arc::new(shards),
            accounts,
        })
    }
}

/// A node's start-up parameters.
#[derive(Clone)]
pub struct NodeConfig<P: Preset> {
    pub chain: ChainConfig,
    pub genesis: Genesis<P>,
    /// The validators this node signs for, with their secret keys.
    pub validators: Vec<(ValidatorIndex, SecretKey)>,
    pub crypto: Crypto,
    pub transaction_verifier: Arc<dyn TransactionVerifier>,
    /// Seed of the node's own randomness (the node's rules need none today; kept so a
    /// runtime hands every node its own deterministic stream).
    pub seed: u64,
    /// Incoming receipts a shard proposer puts in one block at most.
    pub max_receipts_per_block: usize,
    /// How many epochs of blocks below the finalized checkpoint the store keeps (`None`: all
    /// of them, as a real node serving history does; the simulator keeps a few, so that its
    /// in-memory store stays bounded). A restart needs only what is above the last anchor.
    pub history_epochs: Option<u64>,
    /// How this node's validators depart from the protocol: [`Conduct::honest`] for every
    /// real node; the simulator's adversaries set the rest.
    pub conduct: Conduct,
}

/// Epochs `from ..` (up to `until`, exclusive, if set).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EpochWindow {
    pub from: Epoch,
    pub until: Option<Epoch>,
}

impl EpochWindow {
    pub fn contains(&self, epoch: Epoch) -> bool {
        epoch >= self.from && self.until.is_none_or(|until| epoch < until)
    }
}

/// Departures from the protocol that only the node itself can make (it decides what goes
/// into what it signs). The adversaries that sign extra messages, withhold or go silent live
/// in the simulator, outside the node; these two change what the node builds, so they are
/// here, off unless set, and never set by `shardnode node` or the cluster.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Conduct {
    /// In these epochs the node's validators attest to crosslink data no shard chain holds
    /// (a data root derived from the vote, never the one the blocks give).
    pub invalid_crosslinks: Option<EpochWindow>,
    /// In these epochs the node's shard proposers leave every incoming cross-shard receipt
    /// out of their blocks.
    pub censor_receipts: Option<EpochWindow>,
}

impl Conduct {
    /// The protocol as written.
    pub fn honest() -> Self {
        Self::default()
    }

    fn active(window: Option<EpochWindow>, epoch: Epoch) -> bool {
        window.is_some_and(|w| w.contains(epoch))
    }

    pub fn invalid_crosslink_at(&self, epoch: Epoch) -> bool {
        Self::active(self.invalid_crosslinks, epoch)
    }

    pub fn censors_receipts_at(&self, epoch: Epoch) -> bool {
        Self::active(self.censor_receipts, epoch)
    }
}

impl<P: Preset> std::fmt::Debug for NodeConfig<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NodeConfig")
            .field("chain", &self.chain)
            .field("validators", &self.validators.len())
            .field("crypto", &self.crypto)
            .field("seed", &self.seed)
            .field("conduct", &self.conduct)
            .finish()
    }
}
