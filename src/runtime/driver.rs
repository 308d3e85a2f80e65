//! The tokio driver: moves bytes and time between the libp2p service and the node's thread.
//!
//! - the wall clock becomes `Tick`s at each slot's start, a third in and two thirds in (the
//!   times of [`SlotClock`], which owns the duty offsets);
//! - network events become `Input`s (libp2p peer ids and request ids are mapped to the node's
//!   numbers); output batches become publishes, requests, responses and verdicts;
//! - events are counted for the status API and logged.
//!
//! No protocol rule lives here: what is valid, what to send and when is the node's.

use super::clock::WallClock;
use super::stats::RuntimeStats;
use super::worker::NodeHandle;
use crate::metrics::NodeMetrics;
use beacon::node::{Event, Input, Output, Verdict};
use consensus::primitives::Slot;
use consensus::Preset;
use networking::p2p::libp2p::gossipsub::MessageId;
use networking::p2p::libp2p::request_response::{InboundRequestId, OutboundRequestId};
use networking::p2p::libp2p::PeerId;
use networking::p2p::{Acceptance, Network, NetworkEvent};
use networking::Topic;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

/// Node peer numbers for libp2p peer ids, both ways.
#[derive(Default)]
struct PeerBook {
    numbers: HashMap<PeerId, u64>,
    peers: HashMap<u64, PeerId>,
    next: u64,
}

impl PeerBook {
    fn number(&mut self, peer: PeerId) -> u64 {
        if let Some(n) = self.numbers.get(&peer) {
            return *n;
        }
        self.next += 1;
        self.numbers.insert(peer, self.next);
        self.peers.insert(self.next, peer);
        self.next
    }

    fn peer(&self, number: u64) -> Option<PeerId> {
        self.peers.get(&number).copied()
    }
}

/// A gossip message the node is judging.
struct Judging {
    id: MessageId,
    from: PeerId,
    topic: Topic,
    arrived_ms: u64,
}

/// See the module documentation.
pub struct Driver<P: Preset> {
    network: Network,
    node: NodeHandle<P>,
    outputs: mpsc::UnboundedReceiver<Vec<Output>>,
    clock: WallClock,
    stats: Arc<Mutex<RuntimeStats>>,
    metrics: NodeMetrics,
    peers: PeerBook,
    judging: HashMap<u64, Judging>,
    next_message: u64,
    inbound: HashMap<u64, InboundRequestId>,
    next_inbound: u64,
    outbound: HashMap<OutboundRequestId, (u64, u64)>,
}

impl<P: Preset> Driver<P> {
    pub fn new(
        network: Network,
        node: NodeHandle<P>,
        outputs: mpsc::UnboundedReceiver<Vec<Output>>,
        clock: WallClock,
        stats: Arc<Mutex<RuntimeStats>>,
        metrics: NodeMetrics,
    ) -> Self {
        Self {
            network,
            node,
            outputs,
            clock,
            stats,
            metrics,
            peers: PeerBook::default(),
            judging: HashMap::new(),
            next_message: 0,
            inbound: HashMap::new(),
            next_inbound: 0,
            outbound: HashMap::new(),
        }
    }

    fn stats(&self) -> std::sync::MutexGuard<'_, RuntimeStats> {
        self.stats.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs until `shutdown` completes (a signal), then stops feeding the node.
    pub async fn run(mut self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut next_tick = self.clock.next_tick_ms(self.clock.now_ms());
        loop {
            let sleep = tokio::time::sleep(self.clock.until(next_tick));
            tokio::select! {
                _ = &mut shutdown => break,
                event = self.network.next_event() => self.on_network(event),
                Some(outputs) = self.outputs.recv() => self.on_outputs(outputs),
                _ = sleep => {
                    let now = self.clock.now_ms();
                    // Ticks must reach the node even when its queue is busy.
                    if self.node.input(Input::Tick { now_ms: now }).await.is_err() {
                        break;
                    }
                    next_tick = self.clock.next_tick_ms(now);
                }
            }
        }
    }

    fn on_network(&mut self, event: NetworkEvent) {
        let input = match event {
            NetworkEvent::Listening(addr) => {
                tracing::info!(%addr, "listening");
                self.stats().listen.push(addr.to_string());
                return;
            }
            NetworkEvent::PeerConnected(peer) => {
                tracing::info!(%peer, "peer connected");
                let connected = self.network.connected_peers();
                self.stats().connected_peers = connected;
                self.metrics.set_peers(connected);
                self.stats().peer_ids.insert(peer.to_string());
                Input::PeerConnected(self.peers.number(peer))
            }
            NetworkEvent::PeerDisconnected(peer) => {
                tracing::info!(%peer, "peer disconnected");
                let connected = self.network.connected_peers();
                self.stats().connected_peers = connected;
                self.metrics.set_peers(connected);
                self.stats().peer_ids.remove(&peer.to_string());
                Input::PeerDisconnected(self.peers.number(peer))
            }
            NetworkEvent::Banned { .. } => {
                self.stats().banned_peers += 1;
                self.metrics.peer_banned();
                return;
            }
            NetworkEvent::Gossip {
                from,
                id,
                topic,
                bytes,
            } => {
                self.next_message += 1;
                let message = self.next_message;
                let input = Input::Gossip {
                    from: self.peers.number(from),
                    topic,
                    bytes: bytes.into(),
                    message,
                };
                if self.node.try_input(input).is_err() {
                    // The node cannot keep up: the message is not judged, nor forwarded.
                    self.network
                        .report(&id, &from, Acceptance::Ignore, "node busy");
                    self.stats().verdict(topic.kind(), "node_busy");
                    self.metrics
                        .observe_verdict(topic.kind(), "ignore", "node_busy");
                    return;
                }
                self.judging.insert(
                    message,
                    Judging {
                        id,
                        from,
                        topic,
                        arrived_ms: self.clock.now_ms(),
                    },
                );
                return;
            }
            NetworkEvent::Request {
                from,
                id,
                protocol,
                bytes,
            } => {
                self.next_inbound += 1;
                self.inbound.insert(self.next_inbound, id);
                Input::Request {
                    from: self.peers.number(from),
                    id: self.next_inbound,
                    protocol,
                    bytes: bytes.into(),
                }
            }
            NetworkEvent::Response {
                from,
                id,
                protocol,
                bytes,
            } => {
                let Some((node_id, _)) = self.outbound.remove(&id) else {
                    return;
                };
                Input::Response {
                    from: self.peers.number(from),
                    id: node_id,
                    protocol,
                    bytes: bytes.into(),
                }
            }
            NetworkEvent::RequestFailed { peer, id } => {
                let Some((node_id, _)) = self.outbound.remove(&id) else {
                    return;
                };
                Input::RequestFailed {
                    peer: self.peers.number(peer),
                    id: node_id,
                }
            }
        };
        if self.node.try_input(input).is_err() {
            tracing::warn!("node input queue full: a network event was dropped");
        }
    }

    fn on_outputs(&mut self, outputs: Vec<Output>) {
        // The slot of the beacon block the node imported last in this batch: a gossip block's
        // verdict follows its import in the same batch.
        let mut imported_slot: Option<Slot> = None;
        for output in outputs {
            match output {
                Output::Publish { topic, bytes } => {
                    if let Err(e) = self.network.publish(topic, bytes.to_vec()) {
                        tracing::warn!(%topic, error = %e, "publish failed");
                    }
                }
                Output::SendRequest {
                    to,
                    id,
                    protocol,
                    bytes,
                } => match self.peers.peer(to) {
                    Some(peer) => {
                        let request = self.network.send_request(&peer, protocol, bytes.to_vec());
                        self.outbound.insert(request, (id, to));
                    }
                    None => {
                        let _ = self.node.try_input(Input::RequestFailed { peer: to, id });
                    }
                },
                Output::SendResponse {
                    to: _,
                    id,
                    protocol,
                    bytes,
                } => {
                    if let Some(request) = self.inbound.remove(&id) {
                        self.network
                            .send_response(request, protocol, bytes.to_vec());
                    }
                }
                Output::Verdict {
                    message,
                    verdict,
                    topic,
                    ..
                } => self.on_verdict(message, topic, &verdict, imported_slot),
                Output::Event(event) => {
                    if let Event::BeaconBlockImported { slot, .. } = &event {
                        imported_slot = Some(*slot);
                    }
                    self.on_event(event);
                }
            }
        }
    }

    fn on_verdict(
        &mut self,
        message: u64,
        topic: Topic,
        verdict: &Verdict,
        imported_slot: Option<Slot>,
    ) {
        self.stats().verdict(topic.kind(), verdict.label());
        self.metrics
            .observe_verdict(topic.kind(), verdict.kind(), verdict.label());
        let Some(judging) = self.judging.remove(&message) else {
            return;
        };
        let acceptance = match verdict {
            Verdict::Accept => Acceptance::Accept,
            Verdict::Ignore(_) => Acceptance::Ignore,
            Verdict::Reject(reason) => {
                tracing::info!(peer = %judging.from, %topic, %reason, "rejected gossip");
                Acceptance::Reject
            }
        };
        if acceptance == Acceptance::Accept && judging.topic == Topic::BeaconBlock {
            if let Some(slot) = imported_slot {
                let start = self.clock.slot_start_ms(slot);
                self.stats()
                    .block_arrived(judging.arrived_ms.saturating_sub(start));
            }
        }
        self.network
            .report(&judging.id, &judging.from, acceptance, verdict.label());
    }

    fn on_event(&mut self, event: Event) {
        self.metrics.observe_event(&event);
        match event {
            Event::Finalized(checkpoint) => {
                tracing::info!(epoch = checkpoint.epoch, root = %checkpoint.root, "finalized");
                let now = self.clock.now_ms();
                let mut stats = self.stats();
                if stats.first_finalized_epoch.is_none() && checkpoint.epoch > 0 {
                    stats.first_finalized_epoch = Some(checkpoint.epoch);
                    stats.first_finalized_at_ms = Some(now);
                    let since_genesis = now.saturating_sub(self.clock.slot_start_ms(0));
                    self.metrics
                        .first_finality(checkpoint.epoch, since_genesis as f64 / 1000.0);
                }
            }
            Event::Justified(checkpoint) => {
                tracing::info!(epoch = checkpoint.epoch, root = %checkpoint.root, "justified");
            }
            Event::Head {
                slot, reorg_depth, ..
            } => {
                if reorg_depth > 0 {
                    tracing::info!(slot, reorg_depth, "reorg");
                }
            }
            Event::Crosslinked { shard, .. } => {
                if let Some(count) = self.stats().crosslinks_per_shard.get_mut(shard as usize) {
                    *count += 1;
                }
            }
            Event::Proposed { slot, root } => {
                tracing::info!(slot, %root, "proposed a beacon block");
                self.stats().beacon_blocks_proposed += 1;
            }
            Event::ShardProposed { .. } => self.stats().shard_blocks_proposed += 1,
            Event::SlashingFound { kind, validators } => {
                tracing::warn!(
                    offence = kind.label(),
                    ?validators,
                    "slasher found an offence"
                );
            }
            Event::SigningRefused { validator, reason } => {
                tracing::warn!(validator, %reason, "slashing protection refused a signature");
                self.stats().signing_refused += 1;
            }
            Event::PeerMisbehaved { peer, reason } => {
                if let Some(peer) = self.peers.peer(peer) {
                    tracing::info!(%peer, %reason, "peer misbehaved");
                    self.network.penalize(&peer, reason.label());
                }
            }
            Event::BeaconBlockImported { .. }
            | Event::Signed(_)
            | Event::Attested { .. }
            | Event::ShardBlockImported { .. } => {}
        }
    }
}
