//! The node-thread side of `GET /eth/v1/events`: node events turned into the beacon-API's
//! event shapes and broadcast to subscribers (the HTTP side is `crate::api::events`).
//!
//! Built on the node's thread ([`ApiEvents::observe`]), right after the step that produced
//! them, so they can name state roots the node holds. **Must never** change the node.

use crate::api::ids::hex0x;
use beacon::node::{Event, Node};
use consensus::primitives::Root;
use consensus::Preset;
use serde_json::{json, Value};
use tokio::sync::broadcast;

/// Events buffered per subscriber before the oldest are dropped.
pub const EVENT_BUFFER: usize = 4096;

/// The topics a subscriber may ask for.
pub const TOPICS: [&str; 5] = [
    "head",
    "block",
    "finalized_checkpoint",
    "chain_reorg",
    "shard_block",
];

/// One event for subscribers: its topic and its JSON `data`.
#[derive(Clone, Debug)]
pub struct ApiEvent {
    pub topic: &'static str,
    pub data: Value,
}

/// The sending side, kept with the node: turns node events into API events.
pub struct ApiEvents {
    sender: broadcast::Sender<ApiEvent>,
    /// The head last reported (block root, state root), the "old head" of a reorg.
    head: Option<(Root, Root)>,
}

impl ApiEvents {
    pub fn new() -> Self {
        let (sender, _) = broadcast::channel(EVENT_BUFFER);
        Self { sender, head: None }
    }

    /// A handle the API subscribes through.
    pub fn sender(&self) -> broadcast::Sender<ApiEvent> {
        self.sender.clone()
    }

    /// Publishes what `event` means to subscribers (nothing is built when there are none;
    /// the head is tracked either way).
    pub fn observe<P: Preset>(&mut self, node: &Node<P>, event: &Event) {
        let listening = self.sender.receiver_count() > 0;
        let execution_optimistic = false;
        match event {
            Event::Head {
                root,
                slot,
                state_root,
                reorg_depth,
            } => {
                let old = self.head.replace((*root, *state_root));
                if !listening {
                    return;
                }
                let slots_per_epoch = P::SLOTS_PER_EPOCH;
                let epoch_transition = old.is_some() && slot % slots_per_epoch == 0;
                self.send(
                    "head",
                    json!({
                        "slot": slot.to_string(),
                        "block": hex0x(&root.0),
                        "state": hex0x(&state_root.0),
                        "epoch_transition": epoch_transition,
                        "execution_optimistic": execution_optimistic,
                    }),
                );
                if let (Some((old_block, old_state)), true) = (old, *reorg_depth > 0) {
                    self.send(
                        "chain_reorg",
                        json!({
                            "slot": slot.to_string(),
                            "depth": reorg_depth.to_string(),
                            "old_head_block": hex0x(&old_block.0),
                            "new_head_block": hex0x(&root.0),
                            "old_head_state": hex0x(&old_state.0),
                            "new_head_state": hex0x(&state_root.0),
                            "epoch": (slot / slots_per_epoch).to_string(),
                            "execution_optimistic": execution_optimistic,
                        }),
                    );
                }
            }
            _ if !listening => {}
            Event::BeaconBlockImported { root, slot, .. } => self.send(
                "block",
                json!({
                    "slot": slot.to_string(),
                    "block": hex0x(&root.0),
                    "execution_optimistic": execution_optimistic,
                }),
            ),
            Event::Finalized(checkpoint) => {
                let state = node
                    .beacon_block_or_genesis(&checkpoint.root)
                    .map(|block| hex0x(&block.state_root.0));
                self.send(
                    "finalized_checkpoint",
                    json!({
                        "block": hex0x(&checkpoint.root.0),
                        "state": state,
                        "epoch": checkpoint.epoch.to_string(),
                        "execution_optimistic": execution_optimistic,
                    }),
                );
            }
            Event::ShardBlockImported {
                shard,
                slot,
                root,
                transactions,
                sent,
                credited,
            } => self.send(
                "shard_block",
                json!({
                    "shard": shard.to_string(),
                    "slot": slot.to_string(),
                    "block": hex0x(&root.0),
                    "transactions": transactions.to_string(),
                    "receipts_sent": sent.len().to_string(),
                    "receipts_credited": credited.len().to_string(),
                }),
            ),
            _ => {}
        }
    }

    fn send(&self, topic: &'static str, data: Value) {
        // No subscriber is not an error.
        let _ = self.sender.send(ApiEvent { topic, data });
    }
}

impl Default for ApiEvents {
    fn default() -> Self {
        Self::new()
    }
}
