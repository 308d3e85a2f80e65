//! Two libp2p services on 127.0.0.1: a 64-shard network's every topic is subscribed and seen
//! by the peer, gossip of the largest message size crosses, a request gets its response, and a
//! rejected sender is banned.
#![cfg(feature = "p2p")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use consensus::ChainConfig;
use networking::p2p::libp2p::identity::Keypair;
use networking::p2p::{Acceptance, Network, NetworkEvent, P2pConfig};
use networking::rpc::Protocol;
use networking::{Limits, Topic};
use std::time::Duration;
use tokio::time::{timeout, Instant};

const SHARDS: u64 = 64;

fn service(bootnodes: Vec<networking::p2p::libp2p::Multiaddr>) -> Network {
    let chain = ChainConfig::default();
    let mut config = P2pConfig::new(
        Keypair::generate_ed25519(),
        "/ip4/127.0.0.1/tcp/0".parse().expect("addr"),
        "0badc0de",
        SHARDS,
        Limits::from_config(&chain),
    );
    config.bootnodes = bootnodes;
    Network::new(config).expect("service")
}

/// Polls both services until `done` says so, or fails after `limit`.
async fn drive(
    a: &mut Network,
    b: &mut Network,
    limit: Duration,
    mut done: impl FnMut(&mut Network, &mut Network, Option<NetworkEvent>, Option<NetworkEvent>) -> bool,
) {
    let deadline = Instant::now() + limit;
    loop {
        assert!(Instant::now() < deadline, "timed out");
        let ea = timeout(Duration::from_millis(20), a.next_event())
            .await
            .ok();
        let eb = timeout(Duration::from_millis(20), b.next_event())
            .await
            .ok();
        if done(a, b, ea, eb) {
            return;
        }
    }
}

async fn listening(a: &mut Network) -> networking::p2p::libp2p::Multiaddr {
    loop {
        if let NetworkEvent::Listening(addr) = a.next_event().await {
            return addr;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_topic_of_64_shards_gossip_and_requests_cross() {
    let mut a = service(Vec::new());
    let addr = timeout(Duration::from_secs(10), listening(&mut a))
        .await
        .expect("listen");
    let mut b = service(vec![addr]);
    let topics = Topic::all(SHARDS).len();
    assert_eq!(topics, 5 + 3 * 64);
    assert_eq!(a.subscribed_topics(), topics);
    let (a_id, b_id) = (a.local_peer_id(), b.local_peer_id());
    // Each sees every one of the other's subscriptions (no subscription filter cuts them).
    drive(&mut a, &mut b, Duration::from_secs(20), |a, b, _, _| {
        a.peer_topics(&b_id) == topics && b.peer_topics(&a_id) == topics
    })
    .await;

    // The largest message a topic allows (a shard block at the chain's byte limit, as
    // incompressible as it gets) crosses.
    let limit = Limits::from_config(&ChainConfig::default()).shard_block;
    let mut payload = vec![0u8; limit];
    let mut x: u32 = 1;
    for byte in payload.iter_mut() {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *byte = x as u8;
    }
    let bytes = snap::raw::Encoder::new()
        .compress_vec(&payload)
        .expect("snappy");
    a.publish(Topic::ShardBlock(63), bytes.clone())
        .expect("publish");
    let mut received = None;
    drive(&mut a, &mut b, Duration::from_secs(20), |_, b, _, eb| {
        if let Some(NetworkEvent::Gossip {
            from,
            id,
            topic,
            bytes: got,
        }) = eb
        {
            b.report(&id, &from, Acceptance::Accept, "test");
            received = Some((topic, got));
            return true;
        }
        false
    })
    .await;
    assert_eq!(received, Some((Topic::ShardBlock(63), bytes)));

    // A request and its response.
    let request = a.send_request(&b_id, Protocol::Status, vec![7; 40]);
    let mut answered = None;
    drive(&mut a, &mut b, Duration::from_secs(20), |_, b, ea, eb| {
        if let Some(NetworkEvent::Request {
            id,
            protocol,
            bytes,
            ..
        }) = eb
        {
            assert_eq!((protocol, bytes.len()), (Protocol::Status, 40));
            b.send_response(id, protocol, vec![9; 30]);
        }
        if let Some(NetworkEvent::Response { id, bytes, .. }) = ea {
            answered = Some((id, bytes));
            return true;
        }
        false
    })
    .await;
    assert_eq!(answered, Some((request, vec![9; 30])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_whose_messages_keep_being_rejected_is_banned() {
    let mut a = service(Vec::new());
    let addr = timeout(Duration::from_secs(10), listening(&mut a))
        .await
        .expect("listen");
    let mut b = service(vec![addr]);
    let a_id = a.local_peer_id();
    drive(&mut a, &mut b, Duration::from_secs(20), |_, b, _, _| {
        b.peer_topics(&a_id) > 0
    })
    .await;
    let mut sent = 0u32;
    let mut banned = None;
    drive(&mut a, &mut b, Duration::from_secs(30), |a, b, _, eb| {
        if sent < 40 {
            let _ = a.publish(Topic::BeaconBlock, format!("garbage {sent}").into_bytes());
            sent += 1;
        }
        match eb {
            Some(NetworkEvent::Gossip { from, id, .. }) => {
                b.report(&id, &from, Acceptance::Reject, "test garbage")
            }
            Some(NetworkEvent::Banned { peer, reason }) => banned = Some((peer, reason)),
            _ => {}
        }
        banned.is_some()
    })
    .await;
    let (peer, reason) = banned.expect("ban");
    assert_eq!(peer, a_id);
    assert!(reason.contains("test garbage"), "{reason}");
    assert_eq!(b.banned_peers(), 1);
    // A banned peer is disconnected and its redials are refused.
    drive(&mut a, &mut b, Duration::from_secs(10), |a, b, _, _| {
        a.connected_peers() == 0 && b.connected_peers() == 0
    })
    .await;
}
