//! # `beacon::Node`: the sans-I/O node (design 4)
//!
//! **Owns** everything a node decides: the beacon chain and its fork choice, the shard chains
//! it tracks with their mempools, crosslinks and claimable receipts, the operation pool, the
//! validator duties (beacon proposal, attestation with the crosslink of its shard, aggregation,
//! shard proposal), slashing protection, the store, gossip validation with its verdicts, and
//! the request/response protocol that lets a lagging node catch up.
//!
//! **Must never**: read the clock (time is [`Input::Tick`]), touch a socket (bytes come in as
//! inputs and leave as [`Output`]s), draw OS randomness (a seed comes with the config), or do
//! I/O except through [`crate::store::Store`]. The simulator and the real runtime drive the
//! same code with the same rules and verdicts.
//!
//! - [`io`]: inputs, outputs, verdicts, events; [`config`]: start-up parameters;
//! - [`clock`]: slots from milliseconds; [`shufflings`]: committees computed once;
//! - [`shard_chain`]: one shard's block tree, fork choice and mempool; [`crosslinks`]:
//!   crosslink data and claimable receipts; [`op_pool`]: attestations by data;
//!   [`slashing_pool`]: slashings and exits; [`slasher`]: the offences it watches for;
//! - [`verdict`]: gossip verdicts and their typed reasons; [`errors`]: why the node refused
//!   something;
//! - `beacon_import`, `shard_import`: block import; `head`: the head, the canonical chain,
//!   finality and pruning; `follow_crosslinks`: the head state's crosslinks; `shard_heads`:
//!   the shard fork choice as the node runs it; `oracle`: which crosslink roots a receipt may
//!   prove against; `lookups`: committees and proposers on any fork; `replay`: restart from
//!   the store;
//! - `attestations`: attestations and their votes; `duties`: what the node's validators do in
//!   a slot; `gossip`: validation and verdicts; `sync`: status and block requests;
//!   `slashings`: slashings and exits from gossip, the slasher's findings, and proposals.

pub mod anchor;
mod attestations;
mod beacon_import;
pub mod clock;
pub mod config;
mod crosslinked_range;
pub mod crosslinks;
mod duties;
mod early;
pub mod errors;
mod follow_crosslinks;
mod gossip;
mod head;
pub mod io;
mod lookups;
pub mod op_pool;
mod oracle;
mod prune;
mod replay;
mod settled_beacon;
pub mod shard_chain;
mod shard_heads;
mod shard_import;
mod shard_reorg;
pub mod shufflings;
pub mod slasher;
mod slashing_merge;
pub mod slashing_pool;
mod slashings;
mod store_chain;
pub use store_chain::claim_store;
pub mod submit;
pub mod summary;
mod sync;
pub mod verdict;

pub use config::{
    Conduct, DirectTransactionVerifier, EpochWindow, FakeTransactionVerifier, Genesis, NodeConfig,
    TransactionVerifier,
};
pub use duties::invalid_data_root;
pub use errors::NodeError;
pub use io::{Bytes, CrossShardSent, Event, Input, Output, PeerId, SignedMessage};
pub use prune::Retained;
pub use settled_beacon::SETTLED_BEACON_BLOCKS;
pub use slashings::{block_header, Offence};
pub use submit::SubmitError;
pub use summary::{HeadGauges, NodeSummary, ShardSummary, ShardSupply};
pub use verdict::{IgnoreReason, RejectReason, Verdict};

use crate::fork_choice::ForkChoice;
use crate::shuffling_cache::KeyedShufflings;
use crate::signatures::PubkeyCache;
use crate::slashing_protection::SlashingProtection;
use crate::state_root_cache::StateRootCache;
use crate::store::Store;
use clock::SlotClock;
use consensus::bls::SecretKey;
use consensus::primitives::{Epoch, Root, Shard, Slot, ValidatorIndex};
use consensus::{BeaconBlock, BeaconState, ChainConfig, Checkpoint, Preset};
use crosslinks::CrosslinkBook;
use networking::rpc::Protocol;
use networking::{Limits, Status};
use op_pool::OpPool;
use shard::{ShardBlock, ShardState};
use shard_chain::ShardChain;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Blocks waiting for something (a parent, a beacon block) at most, per kind.
const MAX_PENDING: usize = 1024;

/// What the node has done in the current slot.
#[derive(Clone, Copy, Debug, Default)]
struct DutyLog {
    slot: Slot,
    proposed: bool,
    attested: bool,
    aggregated: bool,
}

/// What a request in flight asked for.
#[derive(Clone, Debug)]
enum Pending {
    Status,
    BeaconRange {
        start: Slot,
        count: u64,
    },
    BeaconRoots,
    ShardRange {
        shard: Shard,
        start: Slot,
        count: u64,
    },
}

/// A summary of where the node stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeStatus {
    pub head_root: Root,
    pub head_slot: Slot,
    pub justified: Checkpoint,
    pub finalized: Checkpoint,
    pub peers: usize,
    pub current_slot: Slot,
}

/// The sans-I/O node for preset `P`. See the module documentation.
pub struct Node<P: Preset> {
    config: NodeConfig<P>,
    chain: ChainConfig,
    limits: Limits,
    clock: SlotClock,
    now_ms: u64,
    genesis_root: Root,
    fork_choice: ForkChoice<P>,
    blocks: BTreeMap<Root, Arc<BeaconBlock>>,
    /// The canonical chain: slot -> block root (slots with a block only).
    canonical: BTreeMap<Slot, Root>,
    /// Canonical blocks finality let go, by root (`settled_beacon`).
    settled_beacon: settled_beacon::SettledBeacon,
    head: Root,
    head_slot: Slot,
    justified: Checkpoint,
    finalized: Checkpoint,
    /// Beacon blocks waiting for their parent, by parent root.
    pending_blocks: BTreeMap<Root, Vec<Arc<BeaconBlock>>>,
    shards: Vec<ShardChain>,
    /// Each shard's fork-choice anchor when its head was last chosen.
    shard_anchors: Vec<Root>,
    /// The canonical beacon chain lost blocks since the shard heads were last chosen.
    beacon_reorganised: bool,
    /// Crosslinks whose data this node could not build, already asked for.
    missing_crosslinks: std::collections::BTreeSet<(Shard, Root)>,
    /// Shard blocks imported, by `(shard, slot, signature)` (pruned with finality).
    seen_shard_blocks:
        std::collections::BTreeSet<(Shard, Slot, consensus::primitives::BlsSignatureBytes)>,
    /// Shard blocks waiting for a parent or a beacon block, by the missing root.
    pending_shard_blocks: BTreeMap<Root, Vec<Arc<ShardBlock>>>,
    /// Gossip blocks that arrived a little before their slot.
    early: early::EarlyBlocks,
    /// What finality allowed at the last epoch start, pruned at the next.
    prune_next: Option<prune::PrunePoint>,
    /// Canonical blocks (after genesis) already pruned from `canonical`.
    pruned_canonical_blocks: u64,
    /// The epoch of the last restart anchor written (or restored).
    anchor_epoch: u64,
    /// That anchor's beacon block slot and shard tip slots.
    anchor_slots: Option<(Slot, Vec<Slot>)>,
    crosslinks: CrosslinkBook,
    op_pool: OpPool,
    slashing_pool: slashing_pool::SlashingPool,
    slasher: slasher::Slasher,
    store: Store,
    protection: SlashingProtection,
    keys: BTreeMap<ValidatorIndex, SecretKey>,
    duties: DutyLog,
    peers: BTreeMap<PeerId, Option<Status>>,
    next_request_id: u64,
    requests: BTreeMap<u64, (PeerId, Pending)>,
    pubkeys: PubkeyCache,
    shufflings: KeyedShufflings,
    roots: StateRootCache,
    /// The head state advanced to a slot, for duties: `(head, slot, state)`.
    advanced: Option<(Root, Slot, Arc<BeaconState<P>>)>,
    /// The latest epoch whose start the node has handled (status round, store flush).
    epoch_handled: Option<Epoch>,
    /// Fork-choice votes waiting for their slot to pass.
    deferred_votes: Vec<attestations::DeferredVotes>,
    /// Data roots of this slot's attestations whose committee this node aggregates.
    aggregating: Vec<Root>,
    /// Stands in for a proposer key under fake cryptography (never checked).
    fake_key: consensus::bls::PublicKey,
    out: Vec<Output>,
}

impl<P: Preset> Node<P> {
    /// Starts a node on `store`: from genesis, then every block the store holds (a restart
    /// resumes where its last durable write left it; slashing protection comes back with it).
    pub fn open(config: NodeConfig<P>, mut store: Store, now_ms: u64) -> Result<Self, NodeError> {
        let chain = config.chain.clone();
        if config.genesis.shards.len() as u64 != chain.active_shard_count {
            return Err(NodeError::ShardCount {
                got: config.genesis.shards.len(),
                expected: chain.active_shard_count,
            });
        }
        let mut fork_choice =
            ForkChoice::get_genesis_store(config.genesis.beacon.as_ref().clone(), chain.clone())?;
        fork_choice.set_validate_state_roots(true);
        let genesis_root = fork_choice.justified_checkpoint().root;
        store_chain::claim_store(&mut store, &genesis_root)?;
        let protection = SlashingProtection::load(&store)?;
        let shards = config
            .genesis
            .shards
            .iter()
            .map(|s: &ShardState| ShardChain::new(s.clone()))
            .collect();
        let clock = SlotClock::new(chain.genesis_time, chain.slot_duration_ms);
        fork_choice.on_tick(now_ms.max(clock.genesis_ms));
        let genesis_checkpoint = Checkpoint {
            epoch: 0,
            root: genesis_root,
        };
        let keys = config.validators.iter().cloned().collect();
        let mut canonical = BTreeMap::new();
        canonical.insert(0, genesis_root);
        let mut node = Self {
            limits: Limits::from_config(&chain),
            chain,
            clock,
            now_ms,
            genesis_root,
            fork_choice,
            blocks: BTreeMap::new(),
            canonical,
            head: genesis_root,
            head_slot: 0,
            justified: genesis_checkpoint.clone(),
            finalized: genesis_checkpoint,
            pending_blocks: BTreeMap::new(),
            shards,
            pending_shard_blocks: BTreeMap::new(),
            early: early::EarlyBlocks::default(),
            prune_next: None,
            pruned_canonical_blocks: 0,
            settled_beacon: settled_beacon::SettledBeacon::default(),
            anchor_epoch: 0,
            anchor_slots: None,
            seen_shard_blocks: Default::default(),
            missing_crosslinks: Default::default(),
            shard_anchors: vec![
                shard_chain::GENESIS_PARENT;
                config.chain.active_shard_count as usize
            ],
            beacon_reorganised: false,
            crosslinks: CrosslinkBook::new(),
            op_pool: OpPool::new(),
            slashing_pool: slashing_pool::SlashingPool::new(),
            slasher: slasher::Slasher::new(),
            store,
            protection,
            keys,
            duties: DutyLog::default(),
            peers: BTreeMap::new(),
            next_request_id: 0,
            requests: BTreeMap::new(),
            pubkeys: PubkeyCache::new(),
            shufflings: KeyedShufflings::new(),
            roots: StateRootCache::new(),
            advanced: None,
            epoch_handled: None,
            aggregating: Vec::new(),
            deferred_votes: Vec::new(),
            fake_key: consensus::bls::interop_keypair(0).1,
            out: Vec::new(),
            config,
        };
        node.replay_store()?;
        node.out.clear();
        Ok(node)
    }

    /// Handles one input and returns what the node wants done.
    pub fn handle(&mut self, input: Input) -> Vec<Output> {
        match input {
            Input::Tick { now_ms } => self.on_tick(now_ms),
            Input::Gossip {
                from,
                topic,
                bytes,
                message,
            } => self.on_gossip(from, topic, &bytes, message),
            Input::Request {
                from,
                id,
                protocol,
                bytes,
            } => self.on_request(from, id, protocol, &bytes),
            Input::Response {
                from,
                id,
                protocol,
                bytes,
            } => self.on_response(from, id, protocol, &bytes),
            Input::RequestFailed { peer: _, id } => {
                self.requests.remove(&id);
            }
            Input::PeerConnected(peer) => {
                self.peers.insert(peer, None);
                self.send_status(peer);
            }
            Input::PeerDisconnected(peer) => {
                self.peers.remove(&peer);
                self.requests.retain(|_, (p, _)| *p != peer);
            }
            Input::SubmitTransactions(transactions) => self.on_submitted(transactions),
        }
        std::mem::take(&mut self.out)
    }

    fn emit(&mut self, event: Event) {
        self.out.push(Output::Event(event));
    }

    fn current_slot(&self) -> Slot {
        self.clock.slot_and_offset(self.now_ms).0
    }

    fn next_id(&mut self) -> u64 {
        self.next_request_id = self.next_request_id.wrapping_add(1);
        self.next_request_id
    }

    // ----- queries -------------------------------------------------------------------------

    pub fn status(&self) -> NodeStatus {
        NodeStatus {
            head_root: self.head,
            head_slot: self.head_slot,
            justified: self.justified.clone(),
            finalized: self.finalized.clone(),
            peers: self.peers.len(),
            current_slot: self.current_slot(),
        }
    }

    pub fn chain_config(&self) -> &ChainConfig {
        &self.chain
    }

    /// The head block's post-state.
    pub fn head_state(&self) -> Option<&BeaconState<P>> {
        self.fork_choice.block_state(&self.head)
    }

    /// The post-state of block `root`, while fork choice holds it (from the finalized block
    /// up).
    pub fn block_state(&self, root: &Root) -> Option<&BeaconState<P>> {
        self.fork_choice.block_state(root)
    }

    /// The canonical block at exactly `slot`, while it is in memory.
    pub fn canonical_root_at(&self, slot: Slot) -> Option<Root> {
        self.canonical.get(&slot).copied()
    }

    /// The canonical beacon chain: `(slot, root)` of each block, oldest first.
    pub fn canonical_blocks(&self) -> Vec<(Slot, Root)> {
        self.canonical.iter().map(|(s, r)| (*s, *r)).collect()
    }

    /// The canonical chain's blocks with `start <= slot < end`, oldest first (only what is
    /// still in memory: finality lets older blocks go, see `prune`).
    pub fn canonical_range(&self, start: Slot, end: Slot) -> Vec<(Slot, Root)> {
        if start >= end {
            return Vec::new();
        }
        self.canonical
            .range(start..end)
            .map(|(s, r)| (*s, *r))
            .collect()
    }

    /// The first slot after the blocks `shard`'s finalized crosslink covers (its end epoch's
    /// start): the shard's canonical chain before it is final.
    pub fn finalized_crosslink_end_slot(&self, shard: Shard) -> Option<Slot> {
        let state = self.finalized_state()?;
        let crosslink = state.current_crosslinks.get(shard as usize)?;
        crosslink.end_epoch.checked_mul(P::SLOTS_PER_EPOCH)
    }

    /// Block `root`, copied, the genesis block included (the node never stores that one as a
    /// block: it is implied by the genesis state).
    pub fn beacon_block_or_genesis(&self, root: &Root) -> Option<BeaconBlock> {
        if let Some(block) = self.blocks.get(root) {
            return Some(block.as_ref().clone());
        }
        if *root != self.genesis_root {
            return None;
        }
        let state = self.fork_choice.block_state(root)?;
        Some(BeaconBlock {
            state_root: crate::state_root::state_root(state),
            ..BeaconBlock::default()
        })
    }

    pub fn beacon_block(&self, root: &Root) -> Option<&BeaconBlock> {
        self.blocks.get(root).map(|b| b.as_ref())
    }

    pub fn shard_chain(&self, shard: Shard) -> Option<&ShardChain> {
        self.shards.get(shard as usize)
    }

    pub fn shard_chains(&self) -> &[ShardChain] {
        &self.shards
    }

    /// The head state of `shard`.
    pub fn shard_head_state(&self, shard: Shard) -> Option<ShardState> {
        let chain = self.shards.get(shard as usize)?;
        chain.state_of(&chain.head_root())
    }

    /// The latest shard block of `shard` a finalized beacon state crosslinks, when this node
    /// knows the crosslink's data: `(slot, root)`.
    pub fn finalized_shard_block(&self, shard: Shard) -> Option<(Slot, Root)> {
        let state = self.finalized_state()?;
        let crosslink = state.current_crosslinks.get(shard as usize)?;
        let data = self.crosslinks.data(&crosslink.data_root)?;
        let last = data.block_roots.last()?;
        let entry = self.shards.get(shard as usize)?.entry(last)?;
        Some((entry.slot, *last))
    }

    fn finalized_state(&self) -> Option<&BeaconState<P>> {
        self.fork_choice
            .checkpoint_state(&self.finalized)
            .or_else(|| self.fork_choice.block_state(&self.finalized.root))
    }

    /// The crosslink data this node built for `data_root`, if any.
    pub fn crosslink_data(&self, data_root: &Root) -> Option<&shard::ShardCrosslinkData> {
        self.crosslinks.data(data_root).map(|d| d.as_ref())
    }

    /// Transactions waiting in `shard`'s mempool.
    pub fn mempool_len(&self, shard: Shard) -> usize {
        self.shards
            .get(shard as usize)
            .map_or(0, |c| c.mempool.len())
    }

    /// The validators this node signs for.
    pub fn validators(&self) -> impl Iterator<Item = ValidatorIndex> + '_ {
        self.keys.keys().copied()
    }

    /// The store, to read.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The store (the simulator flushes it, tests inspect it).
    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    fn protocol_status(&self) -> Status {
        Status {
            genesis_root: self.genesis_root,
            finalized_root: self.finalized.root,
            finalized_epoch: self.finalized.epoch,
            head_root: self.head,
            head_slot: self.head_slot,
        }
    }

    fn send(&mut self, to: PeerId, request: networking::Request, pending: Pending) {
        let Ok(bytes) = request.encode() else {
            return;
        };
        let id = self.next_id();
        let protocol: Protocol = request.protocol();
        self.requests.insert(id, (to, pending));
        self.out.push(Output::SendRequest {
            to,
            id,
            protocol,
            bytes: bytes.into(),
        });
    }
}
