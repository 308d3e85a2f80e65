//! Where the node stands, in one value a runtime can report (the cluster's status line and
//! summary, the HTTP API): the head and checkpoints, how many slots of the canonical chains
//! hold a block, and every finalized checkpoint's root so that runs can compare nodes.

use super::Node;
use consensus::primitives::{Epoch, Root, Shard, Slot};
use consensus::{Checkpoint, Preset};

/// Finalized epochs before the latest whose checkpoint roots a summary repeats.
pub const RECENT_CHECKPOINTS: u64 = 16;

/// One shard chain as the node sees it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ShardSummary {
    pub shard: Shard,
    pub head_slot: Slot,
    pub head_root: Root,
    /// Blocks on the canonical shard chain (genesis not counted).
    pub blocks: u64,
    pub mempool: usize,
}

/// One shard's supply in its head state: `total()` must equal what genesis gave the shard.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ShardSupply {
    pub shard: Shard,
    /// The sum of every account's balance.
    pub total_balance: u128,
    pub burned_fees: u64,
    /// Cross-shard transfers sent from this shard (receipts created).
    pub receipts_sent: u64,
    /// Cross-shard transfers credited here (receipts from other shards).
    pub receipts_credited: u64,
}

impl ShardSupply {
    /// `total_balance + burned_fees + receipts_sent - receipts_credited`: constant per shard
    /// (`None` if it would be negative).
    pub fn total(&self) -> Option<u128> {
        (self.total_balance + self.burned_fees as u128 + self.receipts_sent as u128)
            .checked_sub(self.receipts_credited as u128)
    }
}

/// See the module documentation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NodeSummary {
    pub genesis_root: Root,
    pub current_slot: Slot,
    pub head_slot: Slot,
    pub head_root: Root,
    pub justified: Checkpoint,
    pub finalized: Checkpoint,
    pub peers: usize,
    /// Blocks on the canonical beacon chain (genesis not counted).
    pub canonical_blocks: u64,
    pub shards: Vec<ShardSummary>,
    /// The canonical chain's checkpoint root of the recent finalized epochs (the last
    /// [`RECENT_CHECKPOINTS`] and the finalized one): two nodes that finalized conflicting
    /// checkpoints disagree on one of these (a watcher that polls keeps the older ones).
    pub finalized_checkpoints: Vec<(Epoch, Root)>,
}

impl<P: Preset> Node<P> {
    /// The root of the genesis block: the chain's identity.
    pub fn genesis_root(&self) -> Root {
        self.genesis_root
    }

    /// The canonical checkpoint root of `epoch`: the block at or before its first slot.
    pub fn checkpoint_root(&self, epoch: Epoch) -> Option<Root> {
        let start = epoch.checked_mul(P::SLOTS_PER_EPOCH)?;
        self.canonical
            .range(..=start)
            .next_back()
            .map(|(_, root)| *root)
    }

    /// See [`NodeSummary`].
    pub fn summary(&self) -> NodeSummary {
        let shards = self
            .shards
            .iter()
            .map(|chain| {
                let head = chain.head();
                ShardSummary {
                    shard: chain.shard(),
                    head_slot: head.slot,
                    head_root: head.root,
                    blocks: head.height,
                    mempool: chain.mempool.len(),
                }
            })
            .collect();
        NodeSummary {
            genesis_root: self.genesis_root,
            current_slot: self.current_slot(),
            head_slot: self.head_slot,
            head_root: self.head,
            justified: self.justified.clone(),
            finalized: self.finalized.clone(),
            peers: self.peers.len(),
            canonical_blocks: self.canonical.range(1..).count() as u64
                + self.pruned_canonical_blocks,
            shards,
            finalized_checkpoints: (self.finalized.epoch.saturating_sub(RECENT_CHECKPOINTS)
                ..=self.finalized.epoch)
                .filter_map(|epoch| Some((epoch, self.checkpoint_root(epoch)?)))
                .collect(),
        }
    }
}

impl<P: Preset> Node<P> {
    /// Every shard's [`ShardSupply`] at its head (sums every account: not for every step).
    pub fn supply(&self) -> Vec<ShardSupply> {
        self.shards
            .iter()
            .filter_map(|chain| {
                let state = chain.head_state()?;
                Some(ShardSupply {
                    shard: chain.shard(),
                    total_balance: state.total_balance(),
                    burned_fees: state.burned_fees(),
                    receipts_sent: state.receipts_sent_amount(),
                    receipts_credited: state.receipts_credited_amount(),
                })
            })
            .collect()
    }
}

/// Figures of the head state a metrics exporter reports beside the [`NodeSummary`].
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct HeadGauges {
    pub previous_justified_epoch: Epoch,
    /// Validators active in the head state's current epoch.
    pub active_validators: u64,
    /// Deposits the chain has processed (`eth1_deposit_index`).
    pub deposits_processed: u64,
    /// Per shard: the end epoch of the head state's current crosslink.
    pub crosslink_end_epochs: Vec<Epoch>,
}

impl<P: Preset> Node<P> {
    /// See [`HeadGauges`] (all zero before the head state is known).
    pub fn head_gauges(&self) -> HeadGauges {
        let Some(state) = self.head_state() else {
            return HeadGauges::default();
        };
        let epoch = consensus::accessors::get_current_epoch(state);
        HeadGauges {
            previous_justified_epoch: state.previous_justified_checkpoint.epoch,
            active_validators: state
                .validators
                .iter()
                .filter(|v| consensus::accessors::is_active_validator(v, epoch))
                .count() as u64,
            deposits_processed: state.eth1_deposit_index,
            crosslink_end_epochs: state
                .current_crosslinks
                .iter()
                .take(self.shards.len())
                .map(|c| c.end_epoch)
                .collect(),
        }
    }
}
