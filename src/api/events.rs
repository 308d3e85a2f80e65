//! `GET /eth/v1/events?topics=...`: the node's events as server-sent events, in the
//! beacon-API's shapes.
//!
//! Topics: `head`, `block`, `finalized_checkpoint`, `chain_reorg` (the beacon-API's), and
//! `shard_block` (shardnode's: a shard block this node imported, with its transaction count).
//! Topics are given comma-separated (`topics=head,block`) or repeated (`topics=head&topics=block`);
//! an unknown topic or none is a 400. A subscriber that falls more than `runtime::events::EVENT_BUFFER` events
//! behind misses the oldest and is told so in an SSE comment; it is never disconnected for it.
//!
//! The events are built on the node's thread (`crate::runtime::events`), right after the step
//! that produced them, so they can name state roots the node holds.

use super::error::ApiError;
use super::ApiState;
use crate::runtime::events::TOPICS;
use axum::extract::{RawQuery, State};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use consensus::Preset;
use std::convert::Infallible;
use tokio::sync::broadcast;

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
