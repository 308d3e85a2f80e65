//! A finished run: the summary, the per-slot and per-(slot, shard) rows, and the scenario
//! parameters every row repeats.

use crate::engine::Simulation;
use crate::histogram::Histogram;
use crate::liveness::{check_liveness, Liveness};
use crate::report::{RunParams, ShardSlotRow, SlotRow, Summary};
use crate::scenario::{FaultSpec, Scenario};
use consensus::Preset;

/// What a run produced. `summary.wall_seconds` and the rates per wall second are filled in
/// by whoever timed the run (the simulator never reads the clock).
#[derive(Clone, Debug)]
pub struct RunResult {
    pub summary: Summary,
    pub slots: Vec<SlotRow>,
    pub shards: Vec<ShardSlotRow>,
    pub scenario: Scenario,
    /// What each node did.
    pub nodes: Vec<crate::observe::NodeStats>,
    /// The liveness check's outcome.
    pub liveness: Liveness,
    /// The observer's latency distributions (for CDF plots).
    pub latencies: Latencies,
    /// Every offender and every slashed validator (`slashings.csv`).
    pub slashings: Vec<crate::slashing::SlashingRow>,
}

/// The observer's latency histograms at the end of the run.
#[derive(Clone, Debug, Default)]
pub struct Latencies {
    /// Transaction submission to the slot start of its canonical shard block, ms.
    pub inclusion_ms: Histogram,
    /// Last shard block a crosslink covers to the head state recording it, slots.
    pub crosslink_delay_slots: Histogram,
    /// Cross-shard transfer submission to the observer's first import of its credit, ms.
    pub cross_shard_ms: Histogram,
}

impl RunResult {
    pub fn safe(&self) -> bool {
        self.summary.safety_violations.is_empty()
    }

    /// False only when the liveness check ran and failed.
    pub fn live(&self) -> bool {
        !self.liveness.failed()
    }

    /// Fills in the wall-clock figures.
    /// `wall_seconds` for the whole run, of which `setup_seconds` came before the first slot.
    pub fn set_wall_seconds(&mut self, wall_seconds: f64, setup_seconds: f64) {
        let s = &mut self.summary;
        s.wall_seconds = wall_seconds;
        s.setup_seconds = setup_seconds;
        if wall_seconds > 0.0 {
            s.sim_seconds_per_wall_second = s.simulated_seconds / wall_seconds;
            s.events_per_wall_second = s.events_processed as f64 / wall_seconds;
        }
        if wall_seconds > setup_seconds {
            s.sim_seconds_per_run_second = s.simulated_seconds / (wall_seconds - setup_seconds);
        }
    }
}

/// The scenario's parameters as the flat row prefix.
pub fn run_params(scenario: &Scenario) -> RunParams {
    let latency = match &scenario.network.latency {
        crate::latency::LatencyModel::Constant { ms } => format!("constant:{ms}"),
        crate::latency::LatencyModel::Uniform { min_ms, max_ms } => {
            format!("uniform:{min_ms}:{max_ms}")
        }
        crate::latency::LatencyModel::LogNormal { median_ms, sigma } => {
            format!("lognormal:{median_ms}:{sigma}")
        }
    };
    let mut faults: Vec<String> = scenario
        .faults
        .iter()
        .map(|f| match f {
            FaultSpec::Crash {
                node,
                at_slot,
                restart_slot,
            } => match restart_slot {
                Some(r) => format!("crash({node}@{at_slot}-{r})"),
                None => format!("crash({node}@{at_slot})"),
            },
            FaultSpec::Offline {
                nodes,
                from_slot,
                until_slot,
            } => {
                let ids: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
                match until_slot {
                    Some(u) => format!("offline({}@{from_slot}-{u})", ids.join(" ")),
                    None => format!("offline({}@{from_slot})", ids.join(" ")),
                }
            }
        })
        .collect();
    for p in &scenario.network.partitions {
        let groups: Vec<String> = p
            .groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        faults.push(format!(
            "partition({}@{}-{})",
            groups.join("|"),
            p.start_slot,
            p.heal_slot
        ));
    }
    for a in &scenario.adversaries {
        let ids: Vec<String> = a.nodes.iter().map(|n| n.to_string()).collect();
        let until = a.until_epoch.map_or(String::new(), |u| u.to_string());
        faults.push(format!(
            "{}({}@epoch {}-{until})",
            a.kind.as_str(),
            ids.join(" "),
            a.from_epoch
        ));
    }
    RunParams {
        seed: scenario.seed,
        nodes: scenario.nodes,
        validators: scenario.validators,
        preset: format!("{:?}", scenario.preset).to_lowercase(),
        active_shards: scenario.active_shards,
        slot_duration_ms: scenario.slot_duration_ms(),
        crypto: scenario.crypto.as_str().to_string(),
        epochs: scenario.epochs,
        tps_per_shard: scenario.workload.tps_per_shard,
        cross_shard: scenario.workload.cross_shard,
        latency,
        jitter_ms: scenario.network.jitter_ms,
        loss: scenario.network.loss,
        faults: if faults.is_empty() {
            "none".into()
        } else {
            faults.join(";")
        },
    }
}

impl<P: Preset> Simulation<P> {
    /// The result of a finished run.
    pub fn result(&self) -> RunResult {
        let o = &self.observer;
        let simulated_seconds = (self.total_slots * self.slot_ms) as f64 / 1000.0;
        let per_second = |count: u64| {
            if simulated_seconds > 0.0 {
                count as f64 / simulated_seconds
            } else {
                0.0
            }
        };
        let transactions: u64 = o.transactions_per_shard.iter().sum();
        // Cross-shard latency: submission to the observer's first import of the credit.
        let latency = o.cross_shard_latency_ms();
        let cutoff = self.total_slots.saturating_sub(3 * P::SLOTS_PER_EPOCH);
        let uncredited_early = o.uncredited_before(cutoff);
        let counters = self.network_counters();
        let cpu = self.cpu_utilization();
        let liveness = check_liveness(&self.scenario, &o.slot_rows, P::SLOTS_PER_EPOCH);
        let summary = Summary {
            seed: self.scenario.seed,
            trace_hash: self.trace.hex(),
            slots_run: self.total_slots,
            first_finalized_epoch: o.first_finalized_epoch,
            finalized_epoch: o.finalized_epoch,
            justified_epoch: o.justified_epoch,
            tps_total: per_second(transactions),
            tps_per_shard: o
                .transactions_per_shard
                .iter()
                .map(|t| per_second(*t))
                .collect(),
            transactions_included: transactions,
            crosslinks_per_shard: o.crosslinks_per_shard.clone(),
            crosslink_inclusion_delay_slots_mean: o.crosslink_delay_slots_mean(),
            finality_latency_slots_mean: o.finality_latency_slots_mean(),
            cross_shard_sent: o.cross_shard_sent(),
            cross_shard_credited: o.cross_shard_credited(),
            cross_shard_uncredited_early: uncredited_early,
            cross_shard_latency_ms_p50: latency.percentile(50.0).map(|v| v as f64),
            cross_shard_latency_ms_p99: latency.percentile(99.0).map(|v| v as f64),
            inclusion_latency_ms_p50: o.inclusion_latency_ms().percentile(50.0).map(|v| v as f64),
            inclusion_latency_ms_p99: o.inclusion_latency_ms().percentile(99.0).map(|v| v as f64),
            cpu_utilization_mean: cpu
                .as_ref()
                .filter(|u| !u.is_empty())
                .map(|u| u.iter().sum::<f64>() / u.len() as f64),
            cpu_utilization_max: cpu
                .as_ref()
                .and_then(|u| u.iter().copied().reduce(f64::max)),
            missed_beacon_slots: o.missed_beacon_slots,
            missed_shard_slots: o.missed_shard_slots,
            safety_violations: self.checks.violations().to_vec(),
            liveness: liveness.describe(),
            events_processed: self.events_processed(),
            messages_delivered: counters.delivered,
            messages_dropped: counters.lost + counters.partitioned + self.dropped_down,
            duplicates_suppressed: self.duplicates_suppressed,
            offenders: self.adversaries.offences.len() as u64,
            slashed: self.slashing.slashed() as u64,
            slashing_delay_slots_max: self.slashing.max_delay_slots(&self.adversaries.offences),
            simulated_seconds,
            wall_seconds: 0.0,
            setup_seconds: 0.0,
            sim_seconds_per_run_second: 0.0,
            sim_seconds_per_wall_second: 0.0,
            events_per_wall_second: 0.0,
            params: run_params(&self.scenario),
        };
        RunResult {
            summary,
            slots: o.slot_rows.clone(),
            shards: o.shard_rows.clone(),
            scenario: self.scenario.clone(),
            nodes: o.nodes.clone(),
            liveness,
            slashings: self.slashing.rows(&self.adversaries.offences),
            latencies: Latencies {
                inclusion_ms: o.inclusion_latency_ms().clone(),
                crosslink_delay_slots: o.crosslink_delay_slots().clone(),
                cross_shard_ms: o.cross_shard_latency_ms().clone(),
            },
        }
    }
}
