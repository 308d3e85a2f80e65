//! `GET /eth/v1/events?topics=...`: the node's events as server-sent events, in the
//! beacon-API's shapes.
//!
//! Topics: `head`, `block`, `finalized_checkpoint`, `chain_reorg` (the beacon-API's), and
//! `shard_block` (shardnode's: a shard block this node imported, with its transaction count).
//! Topics are given comma-separated (`topics=head,block`) or repeated (`topics=head&topics=block`);
//! an unknown topic or none is a 400. A subscriber that falls more than [`EVENT_BUFFER`] events
//! behind misses the oldest and is told so in an SSE comment; it is never disconnected for it.
//!
//! The events are built on the node's thread ([`ApiEvents::observe`]), right after the step
//! that produced them, so they can name state roots the node holds.

use super::error::ApiError;
use super::ids::hex0x;
use super::ApiState;
use axum::extract::{RawQuery, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use beacon::node::{Event, Node};
use consensus::primitives::Root;
use consensus::Preset;
use serde_json::{json, Value};
use std::convert::Infallible;
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

/// The topics asked for in `query` (`topics=a,b` and/or `topics=a&topics=b`).
pub fn parse_topics(query: Option<&str>) -> Result<Vec<&'static str>, ApiError> {
    let mut topics = Vec::new();
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "topics" {
            return Err(ApiError::bad_request(format!(
                "unknown query parameter {key:?}: only `topics` is taken"
            )));
        }
        let value = value.replace("%2C", ",").replace("%2c", ",");
        for name in value.split(',').filter(|t| !t.is_empty()) {
            let Some(topic) = TOPICS.iter().find(|t| **t == name) else {
                return Err(ApiError::bad_request(format!(
                    "unknown event topic {name:?}; the topics are {}",
                    TOPICS.join(", ")
                )));
            };
            if !topics.contains(topic) {
                topics.push(*topic);
            }
        }
    }
    if topics.is_empty() {
        return Err(ApiError::bad_request(format!(
            "`topics` is required: one or more of {}",
            TOPICS.join(", ")
        )));
    }
    Ok(topics)
}

/// `GET /eth/v1/events`.
pub async fn events<P: Preset>(
    State(state): State<ApiState<P>>,
    RawQuery(query): RawQuery,
) -> Response {
    let topics = match parse_topics(query.as_deref()) {
        Ok(topics) => topics,
        Err(error) => return error.into_response(),
    };
    let receiver = state.events.subscribe();
    let stream = futures::stream::unfold(receiver, move |mut receiver| {
        let topics = topics.clone();
        async move {
            loop {
                match receiver.recv().await {
                    Ok(event) if topics.contains(&event.topic) => {
                        let sse = SseEvent::default()
                            .event(event.topic)
                            .data(event.data.to_string());
                        return Some((Ok::<_, Infallible>(sse), receiver));
                    }
                    Ok(_) => continue,
                    Err(broadcast::error::RecvError::Lagged(missed)) => {
                        let sse = SseEvent::default()
                            .comment(format!("fell behind: {missed} events missed"));
                        return Some((Ok(sse), receiver));
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            }
        }
    });
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_are_parsed_both_ways_and_unknown_ones_refused() {
        assert_eq!(
            parse_topics(Some("topics=head,block&topics=finalized_checkpoint")).unwrap(),
            vec!["head", "block", "finalized_checkpoint"]
        );
        assert_eq!(
            parse_topics(Some("topics=chain_reorg%2Chead")).unwrap(),
            vec!["chain_reorg", "head"]
        );
        assert!(parse_topics(None).is_err());
        assert!(parse_topics(Some("topics=")).is_err());
        assert!(parse_topics(Some("topics=heads")).is_err());
        assert!(parse_topics(Some("topic=head")).is_err());
    }
}
