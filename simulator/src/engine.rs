//! The engine: one event queue ordered by (virtual time, sequence), every node a
//! `beacon::Node` on its own crashable in-memory redb disk, messages carrying the real encoded
//! bytes through the network model, ticks at the three duty times of each slot, the workload,
//! and the faults of the scenario. No protocol logic lives here.

use crate::adversary::{Adversaries, Route};
use crate::checks::Checks;
use crate::cpu::{Cores, CostTable};
use crate::gossip::{build_mesh, message_id, SeenCache};
use crate::network::NetworkModel;
use crate::observe::Observer;
use crate::queue::EventQueue;
use crate::rng::SimRng;
use crate::scenario::{CryptoMode, FaultSpec, Scenario, ScenarioError};
use crate::slashing::SlashingLog;
use crate::trace::TraceHash;
use crate::verifier::SharedVerifier;
use crate::work::work_of;
use crate::workload::Workload;
use beacon::node::clock::SlotClock;
use beacon::node::{Bytes, Event, Genesis, Input, Node, NodeConfig, Output};
use beacon::store::{SimDisk, Store};
use consensus::bls::{interop_secret_key, Crypto};
use consensus::primitives::Slot;
use consensus::Preset;
use networking::rpc::Protocol;
use networking::Topic;
use rayon::prelude::*;
use shard::GenesisAccounts;
use std::sync::Arc;

/// Epochs of blocks below finality a simulated node's store keeps (a real node keeps all):
/// enough for a restarted or returning node to sync from its peers' stores, and a bound on
/// the in-memory disk.
pub const SIMULATED_HISTORY_EPOCHS: u64 = 4;

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("scenario: {0}")]
    Scenario(#[from] ScenarioError),
    #[error("beacon genesis: {0}")]
    BeaconGenesis(#[from] beacon::errors::GenesisError),
    #[error("shard genesis: {0}")]
    ShardGenesis(#[from] shard::genesis::GenesisError),
    #[error("cannot build a pool of the scenario's `threads`: {0}")]
    ThreadPool(String),
    #[error("node {node}: {source}")]
    Node {
        node: usize,
        source: beacon::node::NodeError,
    },
}

/// A message in flight.
#[derive(Clone, Debug)]
enum Message {
    Gossip(Topic, Bytes),
    Request(u64, Protocol, Bytes),
    Response(u64, Protocol, Bytes),
}

#[derive(Clone, Debug)]
enum SimEvent {
    SlotStart(Slot),
    Tick(usize),
    Deliver {
        to: usize,
        from: usize,
        message: Message,
    },
    Workload,
    Crash(usize),
    Restart(usize),
    Pause(usize),
    Resume(usize),
    Partition {
        start: bool,
        index: usize,
    },
    /// An output an adversary held back, now sent.
    Release {
        from: usize,
        output: Output,
    },
}

struct SimNode<P: Preset> {
    node: Option<Node<P>>,
    disk: SimDisk,
    paused: bool,
    config: NodeConfig<P>,
    /// The node's virtual cores (`crate::cpu`; unused with the model off).
    cores: Cores,
    /// The last epoch whose transition was charged to this node.
    epoch_charged: u64,
    /// Gossip message ids seen (with relaying on).
    seen: SeenCache,
    /// How far the node's clock is ahead of true time, ms (negative: behind).
    skew_ms: i64,
}

impl<P: Preset> SimNode<P> {
    fn live(&mut self) -> Option<&mut Node<P>> {
        if self.paused {
            None
        } else {
            self.node.as_mut()
        }
    }
}

/// The cost model's view of a run (`None` in the engine when the model is off).
struct CpuContext<'a> {
    table: &'a CostTable,
    validators: u64,
    slot_ms: u64,
    slots_per_epoch: u64,
}

/// What one node-local event did, to be replayed in order.
struct Effect {
    time_ms: u64,
    seq: u64,
    node: usize,
    /// Every core of the node was busy: the event runs again at this time.
    deferred: Option<(u64, SimEvent)>,
    /// When the event's work was done and what it sends leaves (its time without the model).
    done_ms: u64,
    /// A gossip copy the node had already seen (relaying on): suppressed, not delivered.
    duplicate: bool,
    /// The delivered gossip message, to forward if the node accepts it.
    gossip: Option<(Topic, Bytes)>,
    /// The node was down or paused: the message was lost.
    dropped: bool,
    /// A delivered message: `(from, kind, bytes)`, for the trace.
    delivered: Option<(usize, String, Bytes)>,
    outputs: Vec<Output>,
}

impl Effect {
    /// Nothing done yet for the event at `time_ms`, `seq` on `node`.
    fn new(node: usize, time_ms: u64, seq: u64) -> Self {
        Self {
            time_ms,
            seq,
            node,
            deferred: None,
            done_ms: time_ms,
            duplicate: false,
            gossip: None,
            dropped: false,
            delivered: None,
            outputs: Vec::new(),
        }
    }

    /// An event put back in the queue for `at` (or its own time, if later) untouched.
    fn held(node: usize, scheduled: crate::queue::Scheduled<SimEvent>, at: u64) -> Self {
        let mut effect = Self::new(node, scheduled.time_ms, scheduled.seq);
        effect.deferred = Some((at.max(scheduled.time_ms), scheduled.event));
        effect
    }
}

/// Runs one tick or delivery on its node (inside a parallel window).
fn run_local<P: Preset>(
    index: usize,
    sim: &mut SimNode<P>,
    scheduled: crate::queue::Scheduled<SimEvent>,
    cpu: Option<&CpuContext<'_>>,
    relay: bool,
) -> Effect {
    let mut effect = Effect::new(index, scheduled.time_ms, scheduled.seq);
    if cpu.is_some() && sim.live().is_some() {
        let start = sim.cores.start_ms(scheduled.time_ms);
        if start > scheduled.time_ms {
            effect.deferred = Some((start, scheduled.event));
            return effect;
        }
    }
    let is_tick = matches!(scheduled.event, SimEvent::Tick(_));
    let mut gossip_topic = None;
    let input = match scheduled.event {
        SimEvent::Tick(_) => Input::Tick {
            now_ms: scheduled.time_ms.saturating_add_signed(sim.skew_ms),
        },
        SimEvent::Deliver { from, message, .. } => {
            if sim.live().is_none() {
                effect.dropped = true;
                return effect;
            }
            let peer = from as u64;
            match message {
                Message::Gossip(topic, bytes) => {
                    if relay && !sim.seen.insert(message_id(&topic, &bytes)) {
                        effect.duplicate = true;
                        return effect;
                    }
                    gossip_topic = Some(topic);
                    effect.gossip = Some((topic, bytes.clone()));
                    effect.delivered = Some((from, topic.to_string(), bytes.clone()));
                    Input::Gossip {
                        from: peer,
                        topic,
                        bytes,
                        message: scheduled.seq,
                    }
                }
                Message::Request(id, protocol, bytes) => {
                    effect.delivered =
                        Some((from, format!("req:{}", protocol.name()), bytes.clone()));
                    Input::Request {
                        from: peer,
                        id,
                        protocol,
                        bytes,
                    }
                }
                Message::Response(id, protocol, bytes) => {
                    effect.delivered =
                        Some((from, format!("resp:{}", protocol.name()), bytes.clone()));
                    Input::Response {
                        from: peer,
                        id,
                        protocol,
                        bytes,
                    }
                }
            }
        }
        _ => return effect,
    };
    if let Some(node) = sim.live() {
        effect.outputs = node.handle(input);
    }
    if let Some(cpu) = cpu {
        let delivered = effect
            .delivered
            .as_ref()
            .map(|(_, _, bytes)| (gossip_topic, bytes.as_ref()));
        let mut work = work_of(delivered, 0, &effect.outputs);
        let epoch = scheduled.time_ms / cpu.slot_ms.max(1) / cpu.slots_per_epoch.max(1);
        if is_tick && epoch > sim.epoch_charged {
            work.epoch_transitions_validators = cpu.validators;
            sim.epoch_charged = epoch;
        }
        effect.done_ms = sim.cores.charge(scheduled.time_ms, work.cost_us(cpu.table));
    }
    effect
}

/// How the run is going, for a progress bar.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    pub slot: Slot,
    pub total_slots: Slot,
    pub finalized_epoch: u64,
    pub events: u64,
}

/// One simulation of preset `P`.
pub struct Simulation<P: Preset> {
    pub(crate) scenario: Scenario,
    pub(crate) slot_ms: u64,
    pub(crate) total_slots: Slot,
    nodes: Vec<SimNode<P>>,
    queue: EventQueue<SimEvent>,
    network: NetworkModel,
    net_rng: SimRng,
    pick_rng: SimRng,
    pub(crate) trace: TraceHash,
    pub(crate) workload: Workload,
    workload_interval_ms: u64,
    pub(crate) observer: Observer,
    pub(crate) checks: Checks,
    now_ms: u64,
    /// The cost table, `None` with the CPU model off.
    costs: Option<CostTable>,
    /// Each node's gossip mesh peers; `None`: publishers send to every node.
    mesh: Option<Vec<Vec<usize>>>,
    dup_rng: SimRng,
    pub(crate) duplicates_suppressed: u64,
    /// Each node's uplink: the virtual time (µs) at which it is free (bandwidth limits).
    uplink_free_us: Vec<u64>,
    pub(crate) dropped_down: u64,
    pub(crate) rejected: u64,
    output_tap: Option<OutputTap>,
    pub(crate) adversaries: Adversaries,
    pub(crate) slashing: SlashingLog,
    /// The pool the nodes run on in parallel (`threads` of the scenario), if given.
    pool: Option<rayon::ThreadPool>,
}

/// Reads every output of every node (`node index`, output) as the simulator dispatches it,
/// e.g. to feed each node's metrics. It only reads: the run and its trace are unchanged.
/// Called with (virtual time in ms, node index, output).
pub type OutputTap = Box<dyn FnMut(u64, usize, &Output) + Send>;

/// The node whose view the metrics report: the first one no fault touches and no adversary
/// holds.
fn observer_node(scenario: &Scenario) -> usize {
    let adversaries = scenario.adversary_nodes();
    (0..scenario.nodes as usize)
        .find(|n| {
            let n = *n as u64;
            !adversaries.contains(&n)
                && !scenario.faults.iter().any(|f| match f {
                    FaultSpec::Crash { node, .. } => *node == n,
                    FaultSpec::Offline { nodes, .. } => nodes.contains(&n),
                })
        })
        .unwrap_or(0)
}

impl<P: Preset> Simulation<P> {
    /// Builds the genesis, the nodes and the schedule of `scenario`.
    pub fn new(scenario: &Scenario) -> Result<Self, SimError> {
        scenario.validate()?;
        let chain = scenario.chain_config();
        let crypto = match scenario.crypto {
            CryptoMode::Real => Crypto::Real,
            CryptoMode::Fake => Crypto::fake_for_simulation(),
        };
        let beacon = beacon::genesis::genesis_from_config::<P>(&chain)?;
        let accounts = GenesisAccounts {
            accounts_per_shard: scenario.workload.accounts_per_shard,
            balance: scenario.workload.account_balance,
        };
        let root_rng = SimRng::new(scenario.seed);
        let workload = Workload::new(
            &scenario.workload,
            chain.active_shard_count,
            root_rng.fork("workload"),
            crypto.is_fake(),
        )?;
        let genesis = Genesis {
            beacon: Arc::new(beacon),
            shards: workload.genesis_states(),
            accounts,
        };
        let verifier: Arc<dyn beacon::node::TransactionVerifier> = match crypto {
            Crypto::Real => Arc::new(SharedVerifier::default()),
            Crypto::Fake => Arc::new(beacon::node::FakeTransactionVerifier::fake_for_simulation()),
        };
        let adversaries = Adversaries::new(scenario, &chain, crypto);
        let mut nodes = Vec::new();
        for (index, range) in scenario.validator_ranges().into_iter().enumerate() {
            let validators = range.map(|v| (v, interop_secret_key(v))).collect();
            let config = NodeConfig {
                chain: chain.clone(),
                genesis: genesis.clone(),
                validators,
                crypto,
                transaction_verifier: verifier.clone(),
                seed: root_rng.fork_u64(index as u64).next_u64(),
                max_receipts_per_block: 256,
                history_epochs: Some(SIMULATED_HISTORY_EPOCHS),
                conduct: adversaries.conduct(index),
            };
            let disk = SimDisk::new();
            let store = Store::open_sim(&disk).map_err(|e| SimError::Node {
                node: index,
                source: e.into(),
            })?;
            let node = Node::open(config.clone(), store, 0).map_err(|source| SimError::Node {
                node: index,
                source,
            })?;
            nodes.push(SimNode {
                node: Some(node),
                disk,
                paused: false,
                config,
                cores: Cores::new(scenario.cpu.cores),
                epoch_charged: 0,
                seen: SeenCache::default(),
                skew_ms: 0,
            });
        }
        let slot_ms = chain.slot_duration_ms;
        let skew = scenario.network.clock_skew_ms;
        if skew > 0.0 {
            let mut rng = root_rng.fork("clock-skew");
            for sim in nodes.iter_mut() {
                sim.skew_ms = ((2.0 * rng.uniform_f64() - 1.0) * skew).round() as i64;
            }
        }
        let total_slots = scenario.total_slots(P::SLOTS_PER_EPOCH);
        let network = NetworkModel::from_scenario(scenario)?;
        let mut queue = EventQueue::new();
        queue.push(0, SimEvent::SlotStart(0));
        let workload_interval_ms = (slot_ms / 12).max(1);
        queue.push(
            scenario.workload.start_slot.saturating_mul(slot_ms),
            SimEvent::Workload,
        );
        for fault in &scenario.faults {
            match fault {
                FaultSpec::Crash {
                    node,
                    at_slot,
                    restart_slot,
                } => {
                    queue.push(at_slot * slot_ms, SimEvent::Crash(*node as usize));
                    if let Some(restart) = restart_slot {
                        queue.push(restart * slot_ms, SimEvent::Restart(*node as usize));
                    }
                }
                FaultSpec::Offline {
                    nodes,
                    from_slot,
                    until_slot,
                } => {
                    for node in nodes {
                        queue.push(from_slot * slot_ms, SimEvent::Pause(*node as usize));
                        if let Some(until) = until_slot {
                            queue.push(until * slot_ms, SimEvent::Resume(*node as usize));
                        }
                    }
                }
            }
        }
        for (node, from_slot, until_slot) in adversaries.pauses(P::SLOTS_PER_EPOCH) {
            queue.push(from_slot * slot_ms, SimEvent::Pause(node));
            if let Some(until) = until_slot {
                queue.push(until * slot_ms, SimEvent::Resume(node));
            }
        }
        for (time, start, index) in network.partition_edges() {
            queue.push(time, SimEvent::Partition { start, index });
        }
        let observer = Observer::new(
            observer_node(scenario),
            chain.active_shard_count,
            total_slots,
            P::SLOTS_PER_EPOCH,
            chain.slot_duration_ms,
        );
        let checks = Checks::new(
            scenario.workload.accounts_per_shard as u128
                * scenario.workload.account_balance as u128,
        );
        Ok(Self {
            net_rng: root_rng.fork("network"),
            pick_rng: root_rng.fork("submit"),
            scenario: scenario.clone(),
            slot_ms,
            total_slots,
            nodes,
            queue,
            network,
            trace: TraceHash::new(),
            workload,
            workload_interval_ms,
            observer,
            checks,
            now_ms: 0,
            costs: scenario.cpu.table()?,
            mesh: scenario.network.gossip.relay.then(|| {
                build_mesh(
                    scenario.nodes as usize,
                    scenario.network.gossip.degree,
                    &mut root_rng.fork("gossip-mesh"),
                )
            }),
            dup_rng: root_rng.fork("duplication"),
            duplicates_suppressed: 0,
            uplink_free_us: vec![0; scenario.nodes as usize],
            dropped_down: 0,
            rejected: 0,
            output_tap: None,
            adversaries,
            slashing: SlashingLog::default(),
            pool: match scenario.threads {
                Some(threads) => Some(
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(threads)
                        .build()
                        .map_err(|e| SimError::ThreadPool(e.to_string()))?,
                ),
                None => None,
            },
        })
    }

    /// Runs to the end of the last slot. `progress` is called at every slot start.
    pub fn run(&mut self, progress: &mut dyn FnMut(Progress)) {
        // Every node connects to every other at genesis.
        for a in 0..self.nodes.len() {
            for b in 0..self.nodes.len() {
                if a != b {
                    self.input(a, Input::PeerConnected(b as u64));
                }
            }
        }
        let end_ms = self.total_slots.saturating_mul(self.slot_ms);
        let lookahead = self.network.min_delay_ms();
        while let Some(first) = self.queue.peek_time() {
            if first > end_ms {
                break;
            }
            // A window of node-local events (ticks, deliveries) shorter than the smallest
            // network delay: nothing one of them causes can land inside it, so the nodes run
            // in parallel and their outputs are replayed in (time, sequence) order, exactly
            // as a one-by-one run would have produced them.
            let window_end = first.saturating_add(lookahead);
            let mut window: Vec<crate::queue::Scheduled<SimEvent>> = Vec::new();
            while let Some(next) = self.queue.peek() {
                let local = matches!(next.event, SimEvent::Tick(_) | SimEvent::Deliver { .. });
                if next.time_ms >= window_end || next.time_ms > end_ms || !local {
                    break;
                }
                if let Some(event) = self.queue.pop() {
                    window.push(event);
                }
            }
            if !window.is_empty() {
                self.run_window(window);
                continue;
            }
            let Some(scheduled) = self.queue.pop() else {
                break;
            };
            self.now_ms = scheduled.time_ms;
            match scheduled.event {
                SimEvent::SlotStart(slot) => {
                    if slot > 0 {
                        self.end_of_slot(slot - 1);
                    }
                    progress(Progress {
                        slot,
                        total_slots: self.total_slots,
                        finalized_epoch: self.observer.finalized_epoch,
                        events: self.queue.popped_total(),
                    });
                    if slot >= self.total_slots {
                        break;
                    }
                    let start = self.now_ms;
                    if self.scenario.network.clock_skew_ms > 0.0 {
                        // Each node ticks when its own clock reads the duty times: the next
                        // slot's ticks are scheduled now (a clock ahead ticks before the slot
                        // starts in true time); slot 0's at the start.
                        if slot == 0 {
                            self.push_skewed_ticks(0);
                        }
                        self.push_skewed_ticks(slot + 1);
                    } else {
                        let clock = SlotClock::new(0, self.slot_ms);
                        for node in 0..self.nodes.len() {
                            self.queue.push(start, SimEvent::Tick(node));
                            self.queue
                                .push(start + clock.attestation_offset_ms(), SimEvent::Tick(node));
                            self.queue
                                .push(start + clock.aggregation_offset_ms(), SimEvent::Tick(node));
                        }
                    }
                    self.queue
                        .push(start + self.slot_ms, SimEvent::SlotStart(slot + 1));
                }
                SimEvent::Tick(_) | SimEvent::Deliver { .. } => {}
                SimEvent::Workload => self.workload_round(),
                SimEvent::Crash(node) => self.crash(node),
                SimEvent::Restart(node) => self.restart(node),
                SimEvent::Pause(node) => self.set_paused(node, true),
                SimEvent::Resume(node) => self.set_paused(node, false),
                SimEvent::Partition { start, index } => self.partition(start, index),
                SimEvent::Release { from, output } => {
                    if self.nodes[from].live().is_some() {
                        self.route(from, output, Route::All);
                    }
                }
            }
        }
        self.finish();
    }

    /// Runs a window of node-local events: each node its own events in order, the nodes in
    /// parallel; then every effect (trace records, outputs) in (time, sequence) order.
    fn run_window(&mut self, window: Vec<crate::queue::Scheduled<SimEvent>>) {
        let mut per_node: Vec<Vec<crate::queue::Scheduled<SimEvent>>> =
            (0..self.nodes.len()).map(|_| Vec::new()).collect();
        for event in window {
            let node = match &event.event {
                SimEvent::Tick(node) => *node,
                SimEvent::Deliver { to, .. } => *to,
                _ => continue,
            };
            if let Some(list) = per_node.get_mut(node) {
                list.push(event);
            }
        }
        let cpu = self.costs.as_ref().map(|table| CpuContext {
            table,
            validators: self.scenario.validators,
            slot_ms: self.slot_ms,
            slots_per_epoch: P::SLOTS_PER_EPOCH,
        });
        let relay = self.mesh.is_some();
        let nodes = &mut self.nodes;
        let window_work = move || -> Vec<Effect> {
            nodes
                .par_iter_mut()
                .zip(per_node)
                .enumerate()
                .flat_map_iter(|(index, (sim, events))| {
                    // Once one event waits for a core, the node's later events of the window wait
                    // behind it, so the node still handles its events in order.
                    let mut held_until: Option<u64> = None;
                    events
                        .into_iter()
                        .map(|event| {
                            if let Some(at) = held_until {
                                return Effect::held(index, event, at);
                            }
                            let effect = run_local(index, sim, event, cpu.as_ref(), relay);
                            held_until = effect.deferred.as_ref().map(|(at, _)| *at);
                            effect
                        })
                        .collect::<Vec<_>>()
                })
                .collect()
        };
        // The scenario's `threads`, when given; else rayon's global pool.
        let mut effects = match self.pool.as_ref() {
            Some(pool) => pool.install(window_work),
            None => window_work(),
        };
        effects.sort_by_key(|e| (e.time_ms, e.seq));
        for effect in effects {
            self.now_ms = effect.time_ms;
            if let Some((at, event)) = effect.deferred {
                self.queue.push(at, event);
                continue;
            }
            if effect.dropped {
                self.dropped_down += 1;
                continue;
            }
            if effect.duplicate {
                self.duplicates_suppressed += 1;
                continue;
            }
            if let Some((from, kind, bytes)) = &effect.delivered {
                self.trace.message(
                    effect.time_ms,
                    *from as u64,
                    effect.node as u64,
                    kind,
                    bytes,
                );
            }
            // What the event sends leaves when its work is done.
            self.now_ms = effect.done_ms;
            let accepted = effect.outputs.iter().any(
                |o| matches!(o, Output::Verdict { verdict, .. } if verdict.kind() == "accept"),
            );
            self.dispatch(effect.node, effect.outputs);
            if let (true, Some((topic, bytes)), Some((from, _, _))) =
                (accepted, effect.gossip, effect.delivered)
            {
                self.forward(effect.node, from, topic, bytes);
            }
        }
    }

    /// The duty ticks of `slot` for every node, at the true times its skewed clock reads them
    /// (never before now).
    fn push_skewed_ticks(&mut self, slot: Slot) {
        let clock = SlotClock::new(0, self.slot_ms);
        let start = slot.saturating_mul(self.slot_ms);
        for node in 0..self.nodes.len() {
            let skew = self.nodes[node].skew_ms;
            for offset in [
                0,
                clock.attestation_offset_ms(),
                clock.aggregation_offset_ms(),
            ] {
                let at = (start + offset)
                    .saturating_add_signed(-skew)
                    .max(self.now_ms);
                self.queue.push(at, SimEvent::Tick(node));
            }
        }
    }

    /// Relaying: `node` accepted a gossip message from `from`; it goes on to the node's other
    /// mesh peers.
    fn forward(&mut self, node: usize, from: usize, topic: Topic, bytes: Bytes) {
        let Some(peers) = self.mesh.as_ref().and_then(|m| m.get(node)).cloned() else {
            return;
        };
        for peer in peers.into_iter().filter(|p| *p != from) {
            self.send(node, peer, Message::Gossip(topic, bytes.clone()));
        }
    }

    /// Sets the tap every node output passes through (see [`OutputTap`]).
    pub fn set_output_tap(&mut self, tap: OutputTap) {
        self.output_tap = Some(tap);
    }

    /// Node `index`, if it is up (for tests and tools that inspect a finished run).
    pub fn node(&self, index: usize) -> Option<&Node<P>> {
        self.nodes.get(index).and_then(|n| n.node.as_ref())
    }

    /// Records the simulator keeps for cross-shard accounting (the observer's per-receipt
    /// records and interval runs, and the submitted cross-shard transfers not yet matched),
    /// which tests bound.
    pub fn accounting_records(&self) -> usize {
        self.observer.receipt_records() + self.workload.submitted.len()
    }

    pub(crate) fn events_processed(&self) -> u64 {
        self.queue.popped_total()
    }

    pub(crate) fn network_counters(&self) -> crate::network::NetworkCounters {
        self.network.counters()
    }

    /// Feeds `input` to `node` (if it is up) and carries out what it answers.
    fn input(&mut self, node: usize, input: Input) {
        let Some(sim) = self.nodes.get_mut(node) else {
            return;
        };
        let submitted = match &input {
            Input::SubmitTransactions(batch) => batch.len(),
            _ => 0,
        };
        let Some(live) = sim.live() else {
            return;
        };
        let outputs = live.handle(input);
        let Some(table) = self.costs.as_ref() else {
            self.dispatch(node, outputs);
            return;
        };
        // Not deferred (these inputs come from outside the node's queue), but charged: what
        // it sends leaves when a core has done the work.
        let cost = work_of(None, submitted, &outputs).cost_us(table);
        let start = sim.cores.start_ms(self.now_ms);
        let done = sim.cores.charge(start, cost);
        let now = self.now_ms;
        self.now_ms = done;
        self.dispatch(node, outputs);
        self.now_ms = now;
    }

    /// Each node's CPU busy fraction over the run (busy core time over cores × run time);
    /// `None` with the model off.
    pub fn cpu_utilization(&self) -> Option<Vec<f64>> {
        self.costs.as_ref()?;
        let run_us = (self.total_slots * self.slot_ms)
            .saturating_mul(1000)
            .max(1) as f64;
        Some(
            self.nodes
                .iter()
                .map(|n| n.cores.busy_us as f64 / (run_us * self.scenario.cpu.cores.max(1) as f64))
                .collect(),
        )
    }

    fn dispatch(&mut self, from: usize, outputs: Vec<Output>) {
        if let Some(tap) = self.output_tap.as_mut() {
            for output in &outputs {
                tap(self.now_ms, from, output);
            }
        }
        let routed = if self.adversaries.is_adversary(from) {
            let node = self.nodes.get(from).and_then(|n| n.node.as_ref());
            self.adversaries.route(from, node, self.now_ms, outputs)
        } else {
            outputs.into_iter().map(|o| (o, Route::All)).collect()
        };
        for (output, route) in routed {
            self.route(from, output, route);
        }
    }

    /// Carries out one output of `from`, sent where `route` says.
    fn route(&mut self, from: usize, output: Output, route: Route) {
        match route {
            Route::All | Route::Half(_) => {}
            Route::Drop => return,
            Route::Later(ms) => {
                self.queue.push(
                    self.now_ms.saturating_add(ms),
                    SimEvent::Release { from, output },
                );
                return;
            }
        }
        match output {
            Output::Publish { topic, bytes } => {
                let mut targets: Vec<usize> = match self.mesh.as_ref() {
                    Some(mesh) => {
                        if let Some(sim) = self.nodes.get_mut(from) {
                            sim.seen.insert(message_id(&topic, &bytes));
                        }
                        mesh.get(from).cloned().unwrap_or_default()
                    }
                    None => (0..self.nodes.len()).filter(|to| *to != from).collect(),
                };
                if let Route::Half(half) = route {
                    targets = targets
                        .into_iter()
                        .enumerate()
                        .filter(|(position, _)| position % 2 == usize::from(half))
                        .map(|(_, to)| to)
                        .collect();
                }
                for to in targets {
                    self.send(from, to, Message::Gossip(topic, bytes.clone()));
                }
            }
            Output::SendRequest {
                to,
                id,
                protocol,
                bytes,
            } => self.send(from, to as usize, Message::Request(id, protocol, bytes)),
            Output::SendResponse {
                to,
                id,
                protocol,
                bytes,
            } => self.send(from, to as usize, Message::Response(id, protocol, bytes)),
            Output::Verdict { verdict, .. } => {
                if verdict.is_reject() {
                    self.rejected += 1;
                }
            }
            Output::Event(event) => self.on_event(from, event),
        }
    }

    fn send(&mut self, from: usize, to: usize, message: Message) {
        if to >= self.nodes.len() {
            return;
        }
        let depart_ms = self.uplink(from, &message);
        let duplication = self.scenario.network.gossip.duplication;
        if duplication > 0.0 && self.dup_rng.bernoulli(duplication) {
            // The network delivers a second copy, with its own delay.
            self.carry(from, to, depart_ms, message.clone());
        }
        self.carry(from, to, depart_ms, message);
    }

    /// One copy of `message` across the link `from -> to`, leaving at `depart_ms`: delivered
    /// after the link's delay, or lost.
    fn carry(&mut self, from: usize, to: usize, depart_ms: u64, message: Message) {
        if let Some(delay) =
            self.network
                .delay_ms(&mut self.net_rng, from as u64, to as u64, self.now_ms)
        {
            self.queue
                .push(depart_ms + delay, SimEvent::Deliver { to, from, message });
        }
    }

    /// When `message` leaves `from`: now, or with a bandwidth limit once the uplink has sent
    /// what was queued before it and the message itself (`bytes × 8 / Mbit/s`).
    fn uplink(&mut self, from: usize, message: &Message) -> u64 {
        let mbps = self.scenario.network.bandwidth_mbps;
        let Some(free) = self.uplink_free_us.get_mut(from).filter(|_| mbps > 0.0) else {
            return self.now_ms;
        };
        let bytes = match message {
            Message::Gossip(_, b) | Message::Request(_, _, b) | Message::Response(_, _, b) => {
                b.len()
            }
        };
        let wire_us = ((bytes as f64 * 8.0) / mbps).ceil() as u64;
        let start = (*free).max(self.now_ms.saturating_mul(1000));
        *free = start.saturating_add(wire_us);
        free.div_ceil(1000)
    }

    fn on_event(&mut self, node: usize, event: Event) {
        let slot = self.now_ms / self.slot_ms;
        if let Event::Head {
            slot: head_slot,
            state_root,
            ..
        } = &event
        {
            self.trace
                .state_root(self.now_ms, node as u64, *head_slot, &state_root.0);
        }
        if let Event::Finalized(checkpoint) = &event {
            if !self.adversaries.is_adversary(node) {
                self.checks.on_finalized(node, checkpoint);
            }
        }
        if let Event::SlashingFound { validators, .. } = &event {
            if !self.adversaries.is_adversary(node) {
                self.slashing.found(validators, slot);
            }
        }
        self.observer.on_event(node, slot, self.now_ms, &event);
    }

    fn workload_round(&mut self) {
        let stop = self
            .scenario
            .workload
            .stop_slot
            .unwrap_or(self.total_slots)
            .saturating_mul(self.slot_ms);
        if self.now_ms >= stop {
            return;
        }
        let batches = self.workload.round(self.now_ms, self.workload_interval_ms);
        let up: Vec<usize> = (0..self.nodes.len())
            .filter(|n| self.nodes[*n].live().is_some())
            .collect();
        if !up.is_empty() {
            for batch in batches {
                if batch.is_empty() {
                    continue;
                }
                let node = up[self.pick_rng.range_u64(0, up.len() as u64) as usize];
                self.input(node, Input::SubmitTransactions(batch));
            }
        }
        self.queue
            .push(self.now_ms + self.workload_interval_ms, SimEvent::Workload);
    }

    /// Tells `node` and every reachable peer that they are connected (or not).
    fn set_links(&mut self, node: usize, up: bool) {
        for other in 0..self.nodes.len() {
            if other == node
                || !self
                    .network
                    .connected(node as u64, other as u64, self.now_ms)
            {
                continue;
            }
            let (a, b) = if up {
                (
                    Input::PeerConnected(other as u64),
                    Input::PeerConnected(node as u64),
                )
            } else {
                (
                    Input::PeerDisconnected(other as u64),
                    Input::PeerDisconnected(node as u64),
                )
            };
            self.input(node, a);
            self.input(other, b);
        }
    }

    fn crash(&mut self, node: usize) {
        if self.nodes[node].node.is_none() {
            return;
        }
        self.set_links(node, false);
        self.nodes[node].disk.crash();
        self.nodes[node].node = None;
    }

    fn restart(&mut self, node: usize) {
        if self.nodes[node].node.is_some() {
            return;
        }
        let reopened = Store::open_sim(&self.nodes[node].disk)
            .map_err(|e| e.to_string())
            .and_then(|store| {
                Node::open(self.nodes[node].config.clone(), store, self.now_ms)
                    .map_err(|e| e.to_string())
            });
        match reopened {
            Ok(reopened) => {
                self.nodes[node].node = Some(reopened);
                self.nodes[node].cores.reset();
                self.nodes[node].seen.clear();
                self.set_links(node, true);
                let now_ms = self.now_ms;
                self.input(node, Input::Tick { now_ms });
            }
            Err(error) => self.checks.violation(format!(
                "node {node} could not restart from its store: {error}"
            )),
        }
    }

    fn set_paused(&mut self, node: usize, paused: bool) {
        if paused {
            self.set_links(node, false);
            self.nodes[node].paused = true;
        } else {
            self.nodes[node].paused = false;
            self.set_links(node, true);
            let now_ms = self.now_ms;
            self.input(node, Input::Tick { now_ms });
        }
    }

    fn partition(&mut self, start: bool, index: usize) {
        let Some(partition) = self.network.partitions().get(index).cloned() else {
            return;
        };
        let separated = |a: u64, b: u64| match (partition.group_of(a), partition.group_of(b)) {
            (Some(x), Some(y)) => x != y,
            _ => true,
        };
        for a in 0..self.nodes.len() {
            for b in 0..self.nodes.len() {
                if a == b || !separated(a as u64, b as u64) {
                    continue;
                }
                let input = if start {
                    Input::PeerDisconnected(b as u64)
                } else {
                    Input::PeerConnected(b as u64)
                };
                self.input(a, input);
            }
        }
    }

    /// Samples the slot that just ended, and runs the safety checks once per epoch.
    fn end_of_slot(&mut self, slot: Slot) {
        let online = self
            .nodes
            .iter()
            .filter(|n| n.node.is_some() && !n.paused)
            .count() as u64;
        let counters = self.network.counters();
        let observer = self.observer.node;
        if let Some(node) = self.nodes[observer].node.as_ref() {
            self.observer.sample_slot(
                node,
                slot,
                online,
                counters.delivered,
                counters.lost + counters.partitioned + self.dropped_down,
                &mut self.workload.submitted,
                &mut self.checks,
            );
        }
        if !self.scenario.adversaries.is_empty() {
            if let Some(node) = self.nodes[observer].node.as_ref() {
                self.slashing.sample(node, slot);
                if let Some(state) = node.head_state() {
                    self.checks.check_crosslinks(state);
                }
            }
        }
        if (slot + 1).is_multiple_of(P::SLOTS_PER_EPOCH) {
            self.run_checks(false);
        }
    }

    /// The safety checks over every honest node that is up, and the slashing check (`last`:
    /// the run's end).
    fn run_checks(&mut self, last: bool) {
        for (index, sim) in self.nodes.iter().enumerate() {
            if self.adversaries.is_adversary(index) {
                continue;
            }
            if let Some(node) = sim.node.as_ref() {
                self.checks.check_node(index, node);
            }
        }
        let slot = self.now_ms / self.slot_ms;
        let bound = self
            .scenario
            .slashing_bound_epochs
            .saturating_mul(P::SLOTS_PER_EPOCH);
        self.slashing.check(
            &self.adversaries.offences,
            slot,
            bound,
            P::MAX_ATTESTER_SLASHINGS,
            last,
            &mut self.checks,
        );
    }

    fn finish(&mut self) {
        self.run_checks(true);
        for (index, sim) in self.nodes.iter().enumerate() {
            if self.observer.nodes.len() <= index {
                self.observer.nodes.resize(index + 1, Default::default());
            }
            if let Some(node) = sim.node.as_ref() {
                let status = node.status();
                self.observer.nodes[index].final_head_slot = Some(status.head_slot);
                self.observer.nodes[index].final_finalized_epoch = Some(status.finalized.epoch);
                self.observer.nodes[index].final_shard_head_slots =
                    node.shard_chains().iter().map(|c| c.head().slot).collect();
            }
        }
        let observer = self.observer.node;
        if let Some(node) = self.nodes[observer].node.as_ref() {
            self.observer
                .finish(node, &mut self.workload.submitted, &mut self.checks);
        }
    }
}
