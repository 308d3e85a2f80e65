//! # p2p: the libp2p service (cargo feature `p2p`)
//!
//! **Owns** the sockets of a real node: TCP + noise + yamux transports, gossipsub for the
//! topics of [`crate::topic`] (messages forwarded only once the node's verdict is reported,
//! content-hash message ids, one size bound from the largest per-type limit), request/response
//! framing ([`rpc_codec`]), identify and ping, static bootnodes (re-dialled while they are
//! away), the network key ([`identity`]), and peer penalties and bans ([`peers`]).
//!
//! **Must never** judge a message: the node's verdict comes back through
//! [`Network::report`], so the simulator and the network apply the same rules. This module is
//! the runtime's socket side, so it (alone in this crate) may read the clock and do I/O.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod identity;
pub mod peers;
pub mod rpc_codec;
pub mod topics;

use crate::codec::max_compressed_len;
use crate::limits::Limits;
use crate::rpc::Protocol;
use crate::topic::Topic;
use futures::StreamExt;
use libp2p::gossipsub::{self, MessageAcceptance, MessageId};
use libp2p::request_response::{self, InboundRequestId, OutboundRequestId, ResponseChannel};
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{
    allow_block_list, connection_limits, identify, noise, ping, tcp, yamux, Multiaddr, PeerId,
    Swarm,
};
use peers::{PeerPolicy, PeerScores, Penalty};
use rpc_codec::{Frame, FrameCodec, RPC_PROTOCOL};
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};
use topics::TopicNames;

pub use libp2p;

/// The identify protocol version: peers of another version are not ours.
pub const PROTOCOL_VERSION: &str = "/shardnode/1";

/// How often each connection is pinged, and how long an answer may take. libp2p reports a
/// connection's second consecutive failure (the first is forgiven), when it is closed: a cut
/// link is noticed within about 12 s.
pub const PING_INTERVAL: Duration = Duration::from_secs(2);
pub const PING_TIMEOUT: Duration = Duration::from_secs(4);

/// What the service is started with.
#[derive(Clone, Debug)]
pub struct P2pConfig {
    pub keypair: libp2p::identity::Keypair,
    pub listen: Multiaddr,
    /// Dialled at start and again whenever they are not connected.
    pub bootnodes: Vec<Multiaddr>,
    /// Names the chain in topic names (the runtime passes the genesis root's first bytes).
    pub network: String,
    pub active_shard_count: u64,
    pub limits: Limits,
    /// How long a request waits for its response.
    pub request_timeout: Duration,
    /// Concurrent request streams per connection (in and out together).
    pub max_streams_per_connection: usize,
    /// Connections per peer.
    pub max_connections_per_peer: u32,
    pub policy: PeerPolicy,
    /// How often bootnodes are re-dialled and bans lifted.
    pub maintenance_interval: Duration,
}

impl P2pConfig {
    /// Defaults for everything but the key, the addresses and the chain.
    pub fn new(
        keypair: libp2p::identity::Keypair,
        listen: Multiaddr,
        network: &str,
        active_shard_count: u64,
        limits: Limits,
    ) -> Self {
        Self {
            keypair,
            listen,
            bootnodes: Vec::new(),
            network: network.to_string(),
            active_shard_count,
            limits,
            request_timeout: Duration::from_secs(10),
            max_streams_per_connection: 32,
            max_connections_per_peer: 2,
            policy: PeerPolicy::default(),
            maintenance_interval: Duration::from_secs(2),
        }
    }
}

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum P2pError {
    #[error("transport: {0}")]
    Transport(#[from] noise::Error),
    #[error("behaviour: {0}")]
    Behaviour(String),
    #[error("cannot listen on {addr}: {reason}")]
    Listen { addr: Multiaddr, reason: String },
    #[error("cannot subscribe to {topic}: {reason}")]
    Subscribe { topic: Topic, reason: String },
}

/// How the node judged a gossip message, for gossipsub.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acceptance {
    Accept,
    Ignore,
    Reject,
}

/// Something that happened on the network.
#[derive(Debug)]
pub enum NetworkEvent {
    Listening(Multiaddr),
    PeerConnected(PeerId),
    PeerDisconnected(PeerId),
    /// A gossip message to judge; report the verdict with [`Network::report`] and `id`.
    Gossip {
        from: PeerId,
        id: MessageId,
        topic: Topic,
        bytes: Vec<u8>,
    },
    /// A request to answer with [`Network::send_response`] and `id`.
    Request {
        from: PeerId,
        id: InboundRequestId,
        protocol: Protocol,
        bytes: Vec<u8>,
    },
    Response {
        from: PeerId,
        id: OutboundRequestId,
        protocol: Protocol,
        bytes: Vec<u8>,
    },
    RequestFailed {
        peer: PeerId,
        id: OutboundRequestId,
    },
    Banned {
        peer: PeerId,
        reason: String,
    },
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    gossipsub: gossipsub::Behaviour,
    rpc: request_response::Behaviour<FrameCodec>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    blocked: allow_block_list::Behaviour<allow_block_list::BlockedPeers>,
    limits: connection_limits::Behaviour,
}

/// `addr` without a trailing `/p2p/<peer id>`.
fn without_peer_id(addr: &Multiaddr) -> Multiaddr {
    addr.iter()
        .filter(|p| !matches!(p, libp2p::multiaddr::Protocol::P2p(_)))
        .collect()
}

/// The libp2p service of one node. Drive it by awaiting [`Network::next_event`] in a loop.
pub struct Network {
    swarm: Swarm<Behaviour>,
    names: TopicNames,
    channels: HashMap<InboundRequestId, ResponseChannel<Frame>>,
    scores: PeerScores,
    bootnodes: Vec<Multiaddr>,
    connected: HashSet<PeerId>,
    /// The peer each bootnode address turned out to be.
    bootnode_peers: HashMap<Multiaddr, PeerId>,
    maintenance: tokio::time::Interval,
    pending: VecDeque<NetworkEvent>,
    listening: Vec<Multiaddr>,
}

fn gossipsub_config(limits: &Limits) -> Result<gossipsub::Config, P2pError> {
    // The largest message of any topic, compressed, plus room for the protobuf envelope.
    let max_transmit = max_compressed_len(limits.largest()) + (64 << 10);
    gossipsub::ConfigBuilder::default()
        .validate_messages()
        .validation_mode(gossipsub::ValidationMode::Strict)
        .message_id_fn(|message: &gossipsub::Message| {
            let mut preimage = message.topic.as_str().as_bytes().to_vec();
            preimage.extend_from_slice(&message.data);
            MessageId::new(&consensus::hash::hash(&preimage).0[..20])
        })
        .max_transmit_size(max_transmit)
        .heartbeat_interval(Duration::from_millis(700))
        .build()
        .map_err(|e| P2pError::Behaviour(e.to_string()))
}

/// Gossipsub's scores count rejected messages (P4) on every topic and nothing else, and do not
/// penalise many peers on one address (a local cluster is all on 127.0.0.1). P4 is gentle
/// (graylisting after about 13 rejected messages), so that the node's own ban (after 10, see
/// [`PeerPolicy`]) comes first and is logged with its reason.
fn score_params(topics: &[gossipsub::TopicHash]) -> gossipsub::PeerScoreParams {
    let topic = gossipsub::TopicScoreParams {
        topic_weight: 1.0,
        time_in_mesh_weight: 0.0,
        first_message_deliveries_weight: 0.0,
        mesh_message_deliveries_weight: 0.0,
        mesh_failure_penalty_weight: 0.0,
        invalid_message_deliveries_weight: -0.5,
        invalid_message_deliveries_decay: gossipsub::score_parameter_decay(Duration::from_secs(
            300,
        )),
        ..Default::default()
    };
    gossipsub::PeerScoreParams {
        topics: topics.iter().map(|t| (t.clone(), topic.clone())).collect(),
        ip_colocation_factor_weight: 0.0,
        ..Default::default()
    }
}

impl Network {
    /// Builds the swarm, subscribes to every topic of the chain, listens and dials the
    /// bootnodes.
    pub fn new(config: P2pConfig) -> Result<Self, P2pError> {
        let names = TopicNames::new(&config.network, config.active_shard_count);
        let topics = names.all();
        let hashes: Vec<gossipsub::TopicHash> = topics.iter().map(|t| names.hash(*t)).collect();
        let gossip_config = gossipsub_config(&config.limits)?;
        let rpc_config = request_response::Config::default()
            .with_request_timeout(config.request_timeout)
            .with_max_concurrent_streams(config.max_streams_per_connection);
        let limits = config.limits;
        let per_peer = config.max_connections_per_peer;
        let mut swarm = libp2p::SwarmBuilder::with_existing_identity(config.keypair.clone())
            .with_tokio()
            .with_tcp(
                tcp::Config::default(),
                noise::Config::new,
                yamux::Config::default,
            )?
            .with_behaviour(
                |key| -> Result<Behaviour, Box<dyn std::error::Error + Send + Sync>> {
                    let mut gossipsub = gossipsub::Behaviour::new(
                        gossipsub::MessageAuthenticity::Signed(key.clone()),
                        gossip_config,
                    )?;
                    gossipsub.with_peer_score(
                        score_params(&hashes),
                        gossipsub::PeerScoreThresholds::default(),
                    )?;
                    Ok(Behaviour {
                        gossipsub,
                        rpc: request_response::Behaviour::with_codec(
                            FrameCodec::new(limits),
                            [(RPC_PROTOCOL, request_response::ProtocolSupport::Full)],
                            rpc_config,
                        ),
                        identify: identify::Behaviour::new(identify::Config::new(
                            PROTOCOL_VERSION.to_string(),
                            key.public(),
                        )),
                        ping: ping::Behaviour::new(
                            ping::Config::new()
                                .with_interval(PING_INTERVAL)
                                .with_timeout(PING_TIMEOUT),
                        ),
                        blocked: allow_block_list::Behaviour::default(),
                        limits: connection_limits::Behaviour::new(
                            connection_limits::ConnectionLimits::default()
                                .with_max_established_per_peer(Some(per_peer)),
                        ),
                    })
                },
            )
            .map_err(|e| P2pError::Behaviour(e.to_string()))?
            .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(300)))
            .build();
        for topic in &topics {
            swarm
                .behaviour_mut()
                .gossipsub
                .subscribe(&names.topic(*topic))
                .map_err(|e| P2pError::Subscribe {
                    topic: *topic,
                    reason: e.to_string(),
                })?;
        }
        swarm
            .listen_on(config.listen.clone())
            .map_err(|e| P2pError::Listen {
                addr: config.listen.clone(),
                reason: e.to_string(),
            })?;
        let mut network = Self {
            swarm,
            names,
            channels: HashMap::new(),
            scores: PeerScores::new(config.policy),
            bootnodes: config.bootnodes,
            connected: HashSet::new(),
            bootnode_peers: HashMap::new(),
            maintenance: tokio::time::interval(config.maintenance_interval),
            pending: VecDeque::new(),
            listening: Vec::new(),
        };
        network.dial_bootnodes();
        Ok(network)
    }

    pub fn local_peer_id(&self) -> PeerId {
        *self.swarm.local_peer_id()
    }

    /// The addresses the service listens on, once known.
    pub fn listen_addrs(&self) -> &[Multiaddr] {
        &self.listening
    }

    pub fn connected_peers(&self) -> usize {
        self.connected.len()
    }

    pub fn banned_peers(&self) -> usize {
        self.scores.banned_count(Instant::now())
    }

    /// The gossipsub topics this node is subscribed to.
    pub fn subscribed_topics(&self) -> usize {
        self.swarm.behaviour().gossipsub.topics().count()
    }

    /// Topics `peer` has told us it subscribes to.
    pub fn peer_topics(&self, peer: &PeerId) -> usize {
        self.swarm
            .behaviour()
            .gossipsub
            .all_peers()
            .find(|(p, _)| *p == peer)
            .map_or(0, |(_, topics)| topics.len())
    }

    /// Publishes `bytes` on `topic`. Having no peer yet, or having published the same bytes
    /// before, is not an error worth reporting: the message simply goes nowhere new.
    pub fn publish(&mut self, topic: Topic, bytes: Vec<u8>) -> Result<(), gossipsub::PublishError> {
        match self
            .swarm
            .behaviour_mut()
            .gossipsub
            .publish(self.names.hash(topic), bytes)
        {
            Ok(_)
            | Err(gossipsub::PublishError::Duplicate)
            | Err(gossipsub::PublishError::NoPeersSubscribedToTopic) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Reports the node's verdict on gossip message `id` from `from`: accepted messages are
    /// forwarded, rejected ones count against every peer that sent them and against `from`'s
    /// score here (`reason` is logged if that bans it).
    pub fn report(&mut self, id: &MessageId, from: &PeerId, acceptance: Acceptance, reason: &str) {
        let acceptance_gs = match acceptance {
            Acceptance::Accept => MessageAcceptance::Accept,
            Acceptance::Ignore => MessageAcceptance::Ignore,
            Acceptance::Reject => MessageAcceptance::Reject,
        };
        self.swarm
            .behaviour_mut()
            .gossipsub
            .report_message_validation_result(id, from, acceptance_gs);
        if acceptance == Acceptance::Reject {
            let penalty = self.scores.policy().reject_penalty;
            self.penalize_by(*from, penalty, &format!("rejected gossip: {reason}"));
        }
    }

    /// Penalises `peer` for a bad request or response.
    pub fn penalize(&mut self, peer: &PeerId, reason: &str) {
        let penalty = self.scores.policy().misbehaviour_penalty;
        self.penalize_by(*peer, penalty, reason);
    }

    fn penalize_by(&mut self, peer: PeerId, penalty: f64, reason: &str) {
        let now = Instant::now();
        if self.scores.is_banned(&peer, now) {
            return;
        }
        match self.scores.penalize(peer, penalty, now) {
            Penalty::Scored(score) => {
                tracing::debug!(%peer, score, reason, "peer penalised");
            }
            Penalty::Ban => self.ban(peer, reason),
        }
    }

    /// Disconnects `peer` and refuses it for the policy's ban duration.
    pub fn ban(&mut self, peer: PeerId, reason: &str) {
        let now = Instant::now();
        self.scores.ban(peer, now);
        let behaviour = self.swarm.behaviour_mut();
        behaviour.blocked.block_peer(peer);
        behaviour.gossipsub.blacklist_peer(&peer);
        let _ = self.swarm.disconnect_peer_id(peer);
        tracing::warn!(
            %peer,
            reason,
            for_secs = self.scores.policy().ban_duration.as_secs(),
            "peer banned"
        );
        self.pending.push_back(NetworkEvent::Banned {
            peer,
            reason: reason.to_string(),
        });
    }

    /// Sends a request; its answer comes back as [`NetworkEvent::Response`] or
    /// [`NetworkEvent::RequestFailed`] with the returned id.
    pub fn send_request(
        &mut self,
        peer: &PeerId,
        protocol: Protocol,
        bytes: Vec<u8>,
    ) -> OutboundRequestId {
        self.swarm
            .behaviour_mut()
            .rpc
            .send_request(peer, Frame { protocol, bytes })
    }

    /// Answers request `id` (nothing happens if it timed out or its peer left).
    pub fn send_response(&mut self, id: InboundRequestId, protocol: Protocol, bytes: Vec<u8>) {
        if let Some(channel) = self.channels.remove(&id) {
            let _ = self
                .swarm
                .behaviour_mut()
                .rpc
                .send_response(channel, Frame { protocol, bytes });
        }
    }

    /// Drops a request the node will not answer.
    pub fn drop_request(&mut self, id: InboundRequestId) {
        self.channels.remove(&id);
    }

    fn dial_bootnodes(&mut self) {
        let now = Instant::now();
        for addr in self.bootnodes.clone() {
            let known = self.bootnode_peers.get(&addr).copied().or_else(|| {
                addr.iter().find_map(|p| match p {
                    libp2p::multiaddr::Protocol::P2p(peer) => Some(peer),
                    _ => None,
                })
            });
            if let Some(peer) = known {
                if self.connected.contains(&peer) || self.scores.is_banned(&peer, now) {
                    continue;
                }
            }
            if let Err(e) = self.swarm.dial(addr.clone()) {
                tracing::debug!(%addr, error = %e, "cannot dial bootnode");
            }
        }
    }

    fn maintain(&mut self) {
        for peer in self.scores.expired(Instant::now()) {
            let behaviour = self.swarm.behaviour_mut();
            behaviour.blocked.unblock_peer(peer);
            behaviour.gossipsub.remove_blacklisted_peer(&peer);
            tracing::info!(%peer, "ban lifted");
        }
        self.dial_bootnodes();
    }

    /// The next event. Cancel-safe: a select that drops it loses nothing.
    pub async fn next_event(&mut self) -> NetworkEvent {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return event;
            }
            tokio::select! {
                event = self.swarm.select_next_some() => self.on_swarm_event(event),
                _ = self.maintenance.tick() => self.maintain(),
            }
        }
    }

    fn on_swarm_event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::NewListenAddr { address, .. } => {
                self.listening.push(address.clone());
                self.pending.push_back(NetworkEvent::Listening(address));
            }
            SwarmEvent::ConnectionEstablished {
                peer_id, endpoint, ..
            } => {
                if endpoint.is_dialer() {
                    let addr = without_peer_id(endpoint.get_remote_address());
                    if let Some(bootnode) =
                        self.bootnodes.iter().find(|b| without_peer_id(b) == addr)
                    {
                        self.bootnode_peers.insert(bootnode.clone(), peer_id);
                    }
                }
                if self.connected.insert(peer_id) {
                    self.pending.push_back(NetworkEvent::PeerConnected(peer_id));
                }
            }
            SwarmEvent::ConnectionClosed {
                peer_id,
                num_established: 0,
                ..
            } if self.connected.remove(&peer_id) => {
                self.scores.forget(&peer_id);
                self.pending
                    .push_back(NetworkEvent::PeerDisconnected(peer_id));
            }
            SwarmEvent::OutgoingConnectionError { peer_id, error, .. } => {
                tracing::debug!(?peer_id, %error, "outgoing connection failed");
            }
            SwarmEvent::Behaviour(event) => self.on_behaviour_event(event),
            _ => {}
        }
    }

    fn on_behaviour_event(&mut self, event: BehaviourEvent) {
        match event {
            BehaviourEvent::Gossipsub(gossipsub::Event::Message {
                propagation_source,
                message_id,
                message,
            }) => match self.names.parse(&message.topic) {
                Some(topic) => self.pending.push_back(NetworkEvent::Gossip {
                    from: propagation_source,
                    id: message_id,
                    topic,
                    bytes: message.data,
                }),
                None => {
                    self.report(
                        &message_id,
                        &propagation_source,
                        Acceptance::Reject,
                        "a topic of another chain",
                    );
                }
            },
            BehaviourEvent::Rpc(request_response::Event::Message { peer, message, .. }) => {
                match message {
                    request_response::Message::Request {
                        request_id,
                        request,
                        channel,
                    } => {
                        self.channels.insert(request_id, channel);
                        self.pending.push_back(NetworkEvent::Request {
                            from: peer,
                            id: request_id,
                            protocol: request.protocol,
                            bytes: request.bytes,
                        });
                    }
                    request_response::Message::Response {
                        request_id,
                        response,
                    } => self.pending.push_back(NetworkEvent::Response {
                        from: peer,
                        id: request_id,
                        protocol: response.protocol,
                        bytes: response.bytes,
                    }),
                }
            }
            BehaviourEvent::Rpc(request_response::Event::OutboundFailure {
                peer,
                request_id,
                error,
                ..
            }) => {
                if let request_response::OutboundFailure::Io(e) = &error {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        self.penalize(&peer, &format!("bad response frame: {e}"));
                    }
                }
                tracing::debug!(%peer, %error, "request failed");
                self.pending.push_back(NetworkEvent::RequestFailed {
                    peer,
                    id: request_id,
                });
            }
            BehaviourEvent::Rpc(request_response::Event::InboundFailure {
                peer,
                request_id,
                error,
                ..
            }) => {
                self.channels.remove(&request_id);
                if let request_response::InboundFailure::Io(e) = &error {
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        self.penalize(&peer, &format!("bad request frame: {e}"));
                    }
                }
            }
            BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. }) => {
                if info.protocol_version != PROTOCOL_VERSION {
                    tracing::info!(
                        peer = %peer_id,
                        version = %info.protocol_version,
                        "disconnecting a peer of another protocol"
                    );
                    let _ = self.swarm.disconnect_peer_id(peer_id);
                    return;
                }
                for addr in info.listen_addrs {
                    self.swarm.add_peer_address(peer_id, addr);
                }
            }
            // A connection that stops answering pings is dead (a cut link, a frozen peer):
            // closed, so the peer counts as away and is re-dialled on a fresh connection
            // once it can be reached, instead of waiting out TCP's retransmission backoff.
            BehaviourEvent::Ping(ping::Event {
                peer,
                connection,
                result: Err(failure @ (ping::Failure::Timeout | ping::Failure::Other { .. })),
            }) => {
                tracing::info!(%peer, %failure, "closing a connection that stopped answering pings");
                self.swarm.close_connection(connection);
            }
            _ => {}
        }
    }
}
