//! What goes into a [`super::Node`] and what comes out: the whole boundary between the protocol
//! and the world (design 4). A runtime (the simulator, or tokio with libp2p) turns its own
//! events into [`Input`]s and carries out the [`Output`]s; the node never sees a socket, a
//! clock or an OS random source.

use super::errors::Misbehaviour;
use super::verdict::Verdict;
use crate::slashing_protection::SlashingRefusal;
use consensus::primitives::{Epoch, Root, Shard, Slot, ValidatorIndex};
use consensus::Checkpoint;
use networking::rpc::Protocol;
use networking::Topic;
use shard::types::Address;
use shard::Transaction;
use std::sync::Arc;

/// A peer, as the runtime numbers it.
pub type PeerId = u64;

/// Encoded bytes shared between the many receivers of one message.
pub type Bytes = Arc<[u8]>;

/// One input.
#[derive(Clone, Debug)]
pub enum Input {
    /// The time is now `now_ms` (milliseconds of the clock `genesis_time` is in). Duties whose
    /// time has come run on the tick.
    Tick {
        now_ms: u64,
    },
    /// A gossip message from `from` on `topic`. The node answers with exactly one
    /// [`Output::Verdict`] for it, carrying the same `message` (the runtime's handle of the
    /// message, such as an index into its gossipsub message ids), at once or a little later
    /// for batched checks.
    Gossip {
        from: PeerId,
        topic: Topic,
        bytes: Bytes,
        message: u64,
    },
    /// A request from a peer; the node answers with [`Output::SendResponse`] carrying `id`.
    Request {
        from: PeerId,
        id: u64,
        protocol: Protocol,
        bytes: Bytes,
    },
    /// The response to the node's request `id`.
    Response {
        from: PeerId,
        id: u64,
        protocol: Protocol,
        bytes: Bytes,
    },
    /// The request `id` failed (peer gone, timeout, refused).
    RequestFailed {
        peer: PeerId,
        id: u64,
    },
    PeerConnected(PeerId),
    PeerDisconnected(PeerId),
    /// A transaction a user submitted to this node (API or load generator).
    SubmitTransactions(Vec<Transaction>),
}

/// One output.
#[derive(Clone, Debug)]
pub enum Output {
    /// Publish `bytes` on `topic` to the node's peers.
    Publish { topic: Topic, bytes: Bytes },
    /// Send a request to `to`; its response comes back as [`Input::Response`] with `id`.
    SendRequest {
        to: PeerId,
        id: u64,
        protocol: Protocol,
        bytes: Bytes,
    },
    /// Answer request `id` of `to`.
    SendResponse {
        to: PeerId,
        id: u64,
        protocol: Protocol,
        bytes: Bytes,
    },
    /// The verdict on gossip message `message` received from `from` on `topic`.
    Verdict {
        from: PeerId,
        topic: Topic,
        message: u64,
        verdict: Verdict,
    },
    /// Something happened, for metrics, traces and the simulator's checks.
    Event(Event),
}

/// A transaction that left its shard as a receipt: which receipt it became.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrossShardSent {
    pub from: Address,
    pub nonce: u64,
    pub destination: Shard,
    pub receipt_index: u64,
    pub amount: u64,
}

/// A slashable message one of this node's validators signed and the node is about to publish
/// (a runtime may journal it for an offline audit: two of these are slashable together when
/// the rules of `docs/reliability.md` say so).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignedMessage {
    /// A beacon block: `root` is its signing root.
    BeaconBlock {
        validator: ValidatorIndex,
        slot: Slot,
        root: Root,
    },
    /// An attestation vote: `root` is the hash tree root of its data.
    Attestation {
        validator: ValidatorIndex,
        source: Epoch,
        target: Epoch,
        root: Root,
    },
    /// A shard block: `root` is its block root.
    ShardBlock {
        validator: ValidatorIndex,
        shard: Shard,
        slot: Slot,
        root: Root,
    },
}

/// Events a node reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// One of this node's validators signed `0`, which the node publishes next.
    Signed(SignedMessage),
    /// A beacon block was imported (from a peer, from sync, or produced here).
    BeaconBlockImported {
        root: Root,
        slot: Slot,
        attestations: usize,
    },
    /// The head changed. `state_root` is the head block's state root.
    Head {
        root: Root,
        slot: Slot,
        state_root: Root,
        /// Blocks of the old head's chain that are no longer on the canonical chain.
        reorg_depth: u64,
    },
    Justified(Checkpoint),
    Finalized(Checkpoint),
    /// This node proposed a beacon block.
    Proposed {
        slot: Slot,
        root: Root,
    },
    /// This node's validators attested (one aggregate per committee).
    Attested {
        slot: Slot,
        shard: Shard,
        validators: usize,
    },
    /// A shard block was imported.
    ShardBlockImported {
        shard: Shard,
        slot: Slot,
        root: Root,
        transactions: u64,
        sent: Vec<CrossShardSent>,
        /// `(source_shard, index)` of each receipt the block credited (the index counts the
        /// receipts from that source to this shard).
        credited: Vec<(Shard, u64)>,
    },
    /// This node proposed a shard block.
    ShardProposed {
        shard: Shard,
        slot: Slot,
        root: Root,
    },
    /// A crosslink of `shard` appeared in the head state, covering its blocks of
    /// `start_epoch .. end_epoch`.
    Crosslinked {
        shard: Shard,
        start_epoch: Epoch,
        end_epoch: Epoch,
        data_root: Root,
        /// The head state's slot when it was first seen.
        seen_at_slot: Slot,
        /// The highest shard-block slot it covers, when this node knows the data.
        last_block_slot: Option<Slot>,
    },
    /// This node's slasher found an offence by `validators` and pooled and published the
    /// slashing.
    SlashingFound {
        kind: super::Offence,
        validators: Vec<ValidatorIndex>,
    },
    /// Slashing protection refused a signature (the node did not sign).
    SigningRefused {
        validator: ValidatorIndex,
        reason: SlashingRefusal,
    },
    /// A peer sent something it should not have.
    PeerMisbehaved {
        peer: PeerId,
        reason: Misbehaviour,
    },
}
