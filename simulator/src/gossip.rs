//! Gossip relaying, gossipsub-style (`[network.gossip]`, off by default): instead of sending a
//! published message straight to every node, the publisher sends it to its mesh peers; a node
//! that accepts a message forwards it to its own mesh peers (all but the one it came from);
//! each node keeps a cache of the message ids it has seen and drops a copy it has seen before
//! without handing it to the node ("duplicates suppressed"). Every hop pays the link's latency
//! and, with the CPU model, the forwarding node's processing time.
//!
//! The mesh: one graph for every topic (every node subscribes to every topic), built once from
//! the seed: each node adds `ceil(D / 2)` distinct random peers, every edge is two-way, and a
//! ring `i <-> i + 1` keeps the graph connected, so degrees are about `D` (at least 2).
//! Peers do not re-mesh when one goes down: a partition or a crash can cut a node off from
//! gossip until it heals, and sync catches it up, as in a real network with a stale mesh.

use crate::rng::SimRng;
use networking::Topic;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, VecDeque};

/// The `[network.gossip]` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GossipSpec {
    /// Relay through a mesh (true) or send from the publisher to every node (false, default).
    pub relay: bool,
    /// Mesh degree `D`, `2 ..= 64` (default 6; capped at `nodes - 1`).
    pub degree: u64,
    /// Probability that the network delivers a message twice, `0 ..= 1` (default 0). With
    /// relaying the second copy is suppressed at the receiver; without, the node sees it twice.
    pub duplication: f64,
}

impl Default for GossipSpec {
    fn default() -> Self {
        Self {
            relay: false,
            degree: 6,
            duplication: 0.0,
        }
    }
}

/// Message ids a node has seen, the oldest forgotten first beyond `capacity`.
#[derive(Clone, Debug)]
pub struct SeenCache {
    ids: BTreeSet<[u8; 32]>,
    order: VecDeque<[u8; 32]>,
    capacity: usize,
}

/// Ids a node remembers: about four minimal epochs of a busy network's messages.
pub const SEEN_CAPACITY: usize = 1 << 16;

impl Default for SeenCache {
    fn default() -> Self {
        Self {
            ids: BTreeSet::new(),
            order: VecDeque::new(),
            capacity: SEEN_CAPACITY,
        }
    }
}

impl SeenCache {
    /// Records `id`; `true` if it was not seen before.
    pub fn insert(&mut self, id: [u8; 32]) -> bool {
        if !self.ids.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > self.capacity {
            if let Some(old) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
        true
    }

    pub fn clear(&mut self) {
        self.ids.clear();
        self.order.clear();
    }
}

/// A message's id: `SHA-256(topic name ‖ bytes)`.
pub fn message_id(topic: &Topic, bytes: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(topic.to_string().as_bytes());
    hasher.update(bytes);
    hasher.finalize().into()
}

/// The mesh: each node's peers, sorted (see the module documentation).
pub fn build_mesh(nodes: usize, degree: u64, rng: &mut SimRng) -> Vec<Vec<usize>> {
    let mut peers: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); nodes];
    if nodes < 2 {
        return vec![Vec::new(); nodes];
    }
    for i in 0..nodes {
        let next = (i + 1) % nodes;
        if next != i {
            peers[i].insert(next);
            peers[next].insert(i);
        }
    }
    let picks = degree.div_ceil(2).min(nodes as u64 - 1) as usize;
    for i in 0..nodes {
        let mut chosen = 0;
        let mut attempts = 0;
        while chosen < picks && attempts < 64 * nodes {
            attempts += 1;
            let j = rng.range_u64(0, nodes as u64) as usize;
            if j != i && peers[i].insert(j) {
                peers[j].insert(i);
                chosen += 1;
            }
        }
    }
    peers.into_iter().map(|p| p.into_iter().collect()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mesh_is_symmetric_connected_and_about_d() {
        let mesh = build_mesh(64, 6, &mut SimRng::new(5));
        for (i, peers) in mesh.iter().enumerate() {
            assert!(!peers.contains(&i));
            assert!(
                peers.len() >= 2 && peers.len() <= 16,
                "node {i}: {}",
                peers.len()
            );
            for &p in peers {
                assert!(mesh[p].contains(&i), "edge {i}-{p} is one-way");
            }
        }
        // Connected: a walk from node 0 reaches everyone.
        let mut seen = [false; 64];
        let mut stack = vec![0];
        while let Some(n) = stack.pop() {
            if !std::mem::replace(&mut seen[n], true) {
                stack.extend(mesh[n].iter().copied());
            }
        }
        assert!(seen.iter().all(|s| *s));
        assert_eq!(mesh, build_mesh(64, 6, &mut SimRng::new(5)));
    }

    #[test]
    fn seen_cache_suppresses_and_forgets_the_oldest() {
        let mut cache = SeenCache {
            capacity: 2,
            ..SeenCache::default()
        };
        assert!(cache.insert([1; 32]));
        assert!(!cache.insert([1; 32]));
        assert!(cache.insert([2; 32]));
        assert!(cache.insert([3; 32]));
        assert!(cache.insert([1; 32]), "the oldest was forgotten");
    }
}
