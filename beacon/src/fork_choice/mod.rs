//! Fork choice (reference 7, v0.8.4): LMD-GHOST from the justified block, on a proto-array.
//!
//! **Owns** the choice of the head among the imported blocks: the block tree with its subtree
//! weights, the latest message of each validator, the post-states of blocks and checkpoints
//! that the handlers need, and the queue of attestations waiting for a block. It does not
//! own block production, gossip validation or the queue of blocks waiting for their parent
//! (the node keeps those; `on_block` reports an unknown parent with a typed error).
//!
//! - [`proto_array`]: the tree as a flat array, weights applied in one backward pass, head
//!   finding, pruning below the finalized block;
//! - [`votes`]: latest messages and the weight deltas they produce;
//! - [`queue`]: the bounded queue of attestations waiting for their target or head block;
//! - [`store`]: [`ForkChoice`], the reference's `Store` and its handlers;
//! - [`pull_up`]: the justification a block's state reaches at its epoch's end (D10);
//! - [`errors`]: [`ForkChoiceError`], naming the failed rule.
//!
//! v0.8.4 semantics: the head is found from the justified block, stepping only to children
//! whose slot is after the justified epoch's start; ties go to the higher root bytes; no
//! `SAFE_SLOTS_TO_UPDATE_JUSTIFIED`. Two rules of later specifications are added, each
//! because v0.8.4 deadlocked with slashing protection in the swarm (`docs/protocol.md`): viable
//! heads first (D9, `filter_block_tree` as a sibling order) and unrealized justification
//! (D10, "pull-up tips").

pub mod errors;
pub mod proto_array;
pub mod pull_up;
pub mod queue;
pub mod store;
pub mod votes;

pub use errors::ForkChoiceError;
pub use proto_array::{ProtoArray, ProtoArrayError, ProtoNode};
pub use queue::{AttestationQueue, DEFAULT_QUEUE_CAPACITY};
pub use store::{AttestationOutcome, BlockImport, ForkChoice};
pub use votes::{Vote, VoteTracker};
