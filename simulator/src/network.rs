//! The simulated network between nodes.
//!
//! **Owns**: [`NetworkModel`]: per directed link latency (one default model, optional per-link
//! overrides), jitter, random loss, and scheduled [`Partition`]s; it decides for each message
//! whether it arrives and after how many virtual milliseconds. It moves no bytes itself: the
//! engine asks [`NetworkModel::delay_ms`] and schedules the delivery.
//!
//! Virtual time: slot `s` starts at `s * slot_duration_ms` ms (genesis at time 0), which is how
//! the scenario's partition slots become [`Partition::start_ms`] / [`Partition::heal_ms`].
//!
//! Determinism: every directed link `(from, to)` draws from its own stream forked from the
//! network's root stream, and every message draws the same count of numbers whatever happens
//! to it, so one link's results never depend on traffic on other links, on the loss rate, or
//! on partitions.

use crate::latency::{LatencyModel, MAX_LATENCY_MS};
use crate::rng::SimRng;
use crate::scenario::error::{check_f64, ScenarioError};
use crate::scenario::{NetworkSpec, Scenario};
use std::collections::BTreeMap;

/// A partition in virtual time: during `[start_ms, heal_ms)` a message between nodes in
/// different groups is dropped; a node in no group is alone (cut off from everyone else).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// Groups of node ids that can still reach each other.
    pub groups: Vec<Vec<u64>>,
    /// Virtual time at which the partition starts, in ms.
    pub start_ms: u64,
    /// Virtual time at which it heals, in ms.
    pub heal_ms: u64,
}

impl Partition {
    /// Whether the partition is in force at `now_ms` (`start_ms <= now_ms < heal_ms`).
    pub fn active_at(&self, now_ms: u64) -> bool {
        self.start_ms <= now_ms && now_ms < self.heal_ms
    }

    /// The index of the group holding `node`, if any (first match).
    pub fn group_of(&self, node: u64) -> Option<usize> {
        self.groups.iter().position(|g| g.contains(&node))
    }
}

/// Node id -> group index for one partition (precomputed for fast lookups).
type GroupIndex = BTreeMap<u64, usize>;

fn index_groups(p: &Partition) -> GroupIndex {
    let mut index = GroupIndex::new();
    for (g, group) in p.groups.iter().enumerate() {
        for &node in group {
            index.entry(node).or_insert(g);
        }
    }
    index
}

/// Counters of what the network did with the messages it was asked about.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NetworkCounters {
    /// Messages asked about.
    pub sent: u64,
    /// Messages given a delivery delay.
    pub delivered: u64,
    /// Messages dropped by random loss.
    pub lost: u64,
    /// Messages dropped by a partition.
    pub partitioned: u64,
}

/// The network: latency, jitter, loss and partitions between numbered nodes.
#[derive(Clone, Debug)]
pub struct NetworkModel {
    latency: LatencyModel,
    links: BTreeMap<(u64, u64), LatencyModel>,
    jitter_ms: f64,
    loss: f64,
    partitions: Vec<Partition>,
    group_index: Vec<GroupIndex>,
    streams: BTreeMap<(u64, u64), SimRng>,
    counters: NetworkCounters,
}

impl NetworkModel {
    /// A network with one latency model for all links, no partitions. Checks the parameters
    /// (jitter and loss ranges as in the scenario: `0 ..= 60000`, `0 ..= 1`).
    pub fn new(latency: LatencyModel, jitter_ms: f64, loss: f64) -> Result<Self, ScenarioError> {
        latency.validate_at("network.latency")?;
        check_f64("network.jitter_ms", jitter_ms, 0.0, MAX_LATENCY_MS)?;
        check_f64("network.loss", loss, 0.0, 1.0)?;
        Ok(Self {
            latency,
            links: BTreeMap::new(),
            jitter_ms,
            loss,
            partitions: Vec::new(),
            group_index: Vec::new(),
            streams: BTreeMap::new(),
            counters: NetworkCounters::default(),
        })
    }

    /// The network a scenario's `[network]` section describes, with partition slots turned
    /// into virtual ms by `slot_duration_ms`. Node ids are checked by
    /// [`Scenario::validate`], not here.
    pub fn from_spec(spec: &NetworkSpec, slot_duration_ms: u64) -> Result<Self, ScenarioError> {
        let mut model = Self::new(spec.latency, spec.jitter_ms, spec.loss)?;
        for (i, link) in spec.links.iter().enumerate() {
            link.latency
                .validate_at(&format!("network.links[{i}].latency"))?;
            model.set_link(link.from, link.to, link.latency);
        }
        for p in &spec.partitions {
            model.add_partition(Partition {
                groups: p.groups.clone(),
                start_ms: p.start_slot.saturating_mul(slot_duration_ms),
                heal_ms: p.heal_slot.saturating_mul(slot_duration_ms),
            });
        }
        Ok(model)
    }

    /// The network of a scenario (its `[network]` section and effective slot duration).
    pub fn from_scenario(scenario: &Scenario) -> Result<Self, ScenarioError> {
        let mut model = Self::from_spec(&scenario.network, scenario.slot_duration_ms())?;
        // Regions give every pair its latency, except the pairs `links` set.
        if let Some(regions) = &scenario.network.regions {
            regions.validate(scenario.nodes)?;
            for from in 0..scenario.nodes {
                for to in 0..scenario.nodes {
                    if from != to && !model.links.contains_key(&(from, to)) {
                        model.set_link(from, to, regions.latency(from, to));
                    }
                }
            }
        }
        Ok(model)
    }

    /// Overrides the latency of the directed link `from -> to`.
    pub fn set_link(&mut self, from: u64, to: u64, latency: LatencyModel) {
        self.links.insert((from, to), latency);
    }

    /// Adds a scheduled partition; its index is the number of partitions added before it.
    pub fn add_partition(&mut self, partition: Partition) {
        self.group_index.push(index_groups(&partition));
        self.partitions.push(partition);
    }

    /// The scheduled partitions, in the order added.
    pub fn partitions(&self) -> &[Partition] {
        &self.partitions
    }

    /// The latency model of the directed link `from -> to`.
    pub fn link_latency(&self, from: u64, to: u64) -> &LatencyModel {
        self.links.get(&(from, to)).unwrap_or(&self.latency)
    }

    /// A lower bound of every delay this network can draw, in whole ms (at least 1): the
    /// engine's lookahead — nothing a node sends at `t` arrives before `t + min_delay_ms()`.
    pub fn min_delay_ms(&self) -> u64 {
        let bound = |model: &LatencyModel| match *model {
            LatencyModel::Constant { ms } => ms,
            LatencyModel::Uniform { min_ms, .. } => min_ms,
            LatencyModel::LogNormal { .. } => 0.0,
        };
        let lowest = self
            .links
            .values()
            .map(bound)
            .fold(bound(&self.latency), f64::min);
        (lowest.floor().max(1.0)) as u64
    }

    /// What happened to the messages asked about so far.
    pub fn counters(&self) -> NetworkCounters {
        self.counters
    }

    /// Whether a message sent from `from` to `to` at `now_ms` passes every partition.
    /// A node is always connected to itself.
    pub fn connected(&self, from: u64, to: u64, now_ms: u64) -> bool {
        if from == to {
            return true;
        }
        self.partitions
            .iter()
            .zip(&self.group_index)
            .filter(|(p, _)| p.active_at(now_ms))
            .all(|(_, index)| match (index.get(&from), index.get(&to)) {
                (Some(a), Some(b)) => a == b,
                _ => false,
            })
    }

    /// The delivery delay of a message sent from `from` to `to` at `now_ms`, in whole ms
    /// (rounded, at least 1), or `None` if it is lost or cut off by a partition.
    ///
    /// `rng` is the network's root stream: the directed link's own stream is forked from it
    /// on the link's first use (forks depend on the root's identity, not its position, so pass
    /// the same root every call). Each message draws: one number for loss, the latency
    /// model's numbers, one number for jitter — whether or not it is delivered.
    pub fn delay_ms(&mut self, rng: &mut SimRng, from: u64, to: u64, now_ms: u64) -> Option<u64> {
        self.counters.sent += 1;
        let latency = *self.link_latency(from, to);
        let stream = self
            .streams
            .entry((from, to))
            .or_insert_with(|| rng.fork("network-link").fork_pair(from, to));
        let lost = stream.bernoulli(self.loss);
        let base = latency.sample_ms(stream);
        let jitter = self.jitter_ms * stream.uniform_f64();
        if !self.connected(from, to, now_ms) {
            self.counters.partitioned += 1;
            return None;
        }
        if lost {
            self.counters.lost += 1;
            return None;
        }
        self.counters.delivered += 1;
        // Both terms are finite and in [0, 60000], so the cast cannot saturate.
        Some(((base + jitter).round() as u64).max(1))
    }

    /// Every partition start and heal as `(time_ms, is_start, partition_index)`, sorted by
    /// time, then heals before starts at the same time, then index — so the engine can
    /// schedule peer-down / peer-up events.
    pub fn partition_edges(&self) -> Vec<(u64, bool, usize)> {
        let mut edges: Vec<(u64, bool, usize)> = self
            .partitions
            .iter()
            .enumerate()
            .flat_map(|(i, p)| [(p.start_ms, true, i), (p.heal_ms, false, i)])
            .collect();
        edges.sort_unstable();
        edges
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{LinkSpec, PartitionSpec};

    fn constant(ms: f64) -> LatencyModel {
        LatencyModel::Constant { ms }
    }

    #[test]
    fn constant_latency_with_jitter() {
        let mut net = NetworkModel::new(constant(50.0), 10.0, 0.0).unwrap();
        let mut rng = SimRng::new(1);
        for i in 0..1000 {
            let d = net.delay_ms(&mut rng, i % 4, (i + 1) % 4, 0).unwrap();
            assert!((50..=60).contains(&d), "{d}");
        }
        let mut zero = NetworkModel::new(constant(0.0), 0.0, 0.0).unwrap();
        assert_eq!(zero.delay_ms(&mut rng, 0, 1, 0), Some(1));
    }

    #[test]
    fn partition_drops_only_cross_group_inside_window() {
        let mut net = NetworkModel::new(constant(10.0), 0.0, 0.0).unwrap();
        net.add_partition(Partition {
            groups: vec![vec![0, 1], vec![2, 3]],
            start_ms: 1000,
            heal_ms: 2000,
        });
        let mut rng = SimRng::new(2);
        for now in [0, 999, 2000, 5000] {
            for a in 0..5 {
                for b in 0..5 {
                    assert!(net.connected(a, b, now));
                    assert_eq!(net.delay_ms(&mut rng, a, b, now), Some(10));
                }
            }
        }
        for now in [1000, 1500, 1999] {
            for a in 0..5u64 {
                for b in 0..5u64 {
                    let same =
                        a == b || (a < 2 && b < 2) || ((2..4).contains(&a) && (2..4).contains(&b));
                    assert_eq!(net.connected(a, b, now), same, "{a}->{b} at {now}");
                    assert_eq!(net.delay_ms(&mut rng, a, b, now).is_some(), same);
                }
            }
        }
        assert_eq!(
            net.partition_edges(),
            vec![(1000, true, 0), (2000, false, 0)]
        );
        let c = net.counters();
        assert_eq!(c.sent, c.delivered + c.partitioned + c.lost);
        assert!(c.partitioned > 0 && c.lost == 0);
    }

    #[test]
    fn loss_rate_roughly_right() {
        let mut net = NetworkModel::new(LatencyModel::default(), 10.0, 0.2).unwrap();
        let mut rng = SimRng::new(3);
        let delivered = (0..20_000)
            .filter(|i| net.delay_ms(&mut rng, i % 8, (i + 3) % 8, 0).is_some())
            .count();
        assert!((15_600..16_400).contains(&delivered), "{delivered}");
        let c = net.counters();
        assert_eq!(c.lost + c.delivered, 20_000);
        let mut all_lost = NetworkModel::new(LatencyModel::default(), 0.0, 1.0).unwrap();
        assert!((0..100).all(|i| all_lost.delay_ms(&mut rng, 0, 1, i).is_none()));
    }

    #[test]
    fn links_use_own_streams_and_overrides() {
        let spec = NetworkSpec {
            links: vec![LinkSpec {
                from: 0,
                to: 3,
                latency: constant(500.0),
            }],
            ..NetworkSpec::default()
        };
        let root = SimRng::new(4);
        // Link 1->2 alone.
        let mut a = NetworkModel::from_spec(&spec, 1000).unwrap();
        let mut rng = root.clone();
        let alone: Vec<_> = (0..50).map(|t| a.delay_ms(&mut rng, 1, 2, t)).collect();
        // Link 1->2 interleaved with heavy traffic on other links.
        let mut b = NetworkModel::from_spec(&spec, 1000).unwrap();
        let mut rng = root.clone();
        let mut mixed = Vec::new();
        for t in 0..50 {
            for _ in 0..3 {
                b.delay_ms(&mut rng, 2, 1, t);
                b.delay_ms(&mut rng, 0, 2, t);
            }
            mixed.push(b.delay_ms(&mut rng, 1, 2, t));
        }
        assert_eq!(alone, mixed);
        assert!(b.delay_ms(&mut rng, 0, 3, 0).unwrap() >= 500);
        assert!(b.delay_ms(&mut rng, 3, 0, 0).unwrap() < 100);
        // Deterministic across instances.
        let mut c = NetworkModel::from_spec(&spec, 1000).unwrap();
        let mut rng = root.clone();
        let again: Vec<_> = (0..50).map(|t| c.delay_ms(&mut rng, 1, 2, t)).collect();
        assert_eq!(alone, again);
    }

    #[test]
    fn loss_does_not_shift_latencies() {
        let root = SimRng::new(5);
        let mut clean = NetworkModel::new(LatencyModel::default(), 10.0, 0.0).unwrap();
        let mut lossy = NetworkModel::new(LatencyModel::default(), 10.0, 0.5).unwrap();
        let (mut r1, mut r2) = (root.clone(), root.clone());
        for t in 0..200 {
            let d1 = clean.delay_ms(&mut r1, 0, 1, t);
            if let Some(d2) = lossy.delay_ms(&mut r2, 0, 1, t) {
                assert_eq!(d1, Some(d2));
            }
        }
    }

    #[test]
    fn spec_partitions_in_slots_and_lonely_nodes() {
        let spec = NetworkSpec {
            partitions: vec![
                PartitionSpec {
                    groups: vec![vec![0, 1]],
                    start_slot: 3,
                    heal_slot: 5,
                },
                PartitionSpec {
                    groups: vec![vec![0], vec![1]],
                    start_slot: 1,
                    heal_slot: 3,
                },
            ],
            ..NetworkSpec::default()
        };
        let net = NetworkModel::from_spec(&spec, 100).unwrap();
        assert_eq!(
            net.partition_edges(),
            vec![
                (100, true, 1),
                (300, false, 1),
                (300, true, 0),
                (500, false, 0)
            ]
        );
        // Node 2 is in no group of partition 0: alone during [300, 500).
        assert!(net.connected(0, 1, 300));
        assert!(!net.connected(0, 2, 300));
        assert!(!net.connected(2, 1, 499));
        assert!(net.connected(2, 1, 500));
        assert!(!net.connected(0, 1, 100));
        // Partition 1 lists 0 and 1 apart; node 2, in no group, is alone too.
        assert!(!net.connected(0, 2, 100));
        assert!(!net.connected(1, 2, 299));
        assert!(net.connected(0, 0, 100));
        assert!(NetworkModel::new(LatencyModel::default(), 0.0, 1.5).is_err());
        assert!(NetworkModel::new(LatencyModel::default(), -1.0, 0.0).is_err());
    }
}
