//! The same seed gives the same run (trace hash, summary, rows, node statistics); another seed
//! gives another trace.

mod support;

use simulator::scenario::FaultSpec;
use simulator::{RunResult, Scenario};
use support::{assert_safe, fast, partition, run};

/// A short run (through the first finalization) with transactions and cross-shard traffic, a lossy network, a crash with a
/// restart and a partition, so the trace covers every source of randomness and every fault.
fn busy(seed: u64) -> Scenario {
    let mut s = fast(8, 256, 5);
    s.seed = seed;
    s.workload.tps_per_shard = 20.0;
    s.workload.cross_shard = 0.3;
    s.network.loss = 0.01;
    s.faults = vec![FaultSpec::Crash {
        node: 5,
        at_slot: 10,
        restart_slot: Some(14),
    }];
    s.network.partitions = vec![partition(&[&[0, 1, 2, 3, 4, 5], &[6, 7]], 18, 22)];
    s
}

fn assert_same_run(label: &str, a: &RunResult, b: &RunResult) {
    assert_eq!(
        a.summary.trace_hash, b.summary.trace_hash,
        "{label}: same seed, different trace hash"
    );
    assert_eq!(
        a.summary, b.summary,
        "{label}: same seed, different summary"
    );
    assert_eq!(a.slots, b.slots, "{label}: same seed, different slot rows");
    assert_eq!(
        a.shards, b.shards,
        "{label}: same seed, different shard rows"
    );
    assert_eq!(
        a.nodes, b.nodes,
        "{label}: same seed, different node statistics"
    );
}

#[test]
fn same_seed_same_trace_other_seed_other_trace() {
    let scenario = fast(8, 256, 5);
    let first = run("seed 1, first run", &scenario);
    let second = run("seed 1, second run", &scenario);
    assert_same_run("fault-free", &first, &second);
    assert_safe("fault-free", &first);
    assert!(
        first.summary.transactions_included > 0,
        "the run carried no transactions"
    );

    let mut other = scenario.clone();
    other.seed = scenario.seed + 1;
    let third = run("seed 2", &other);
    assert_ne!(
        first.summary.trace_hash, third.summary.trace_hash,
        "seeds {} and {} gave the same trace hash",
        scenario.seed, other.seed
    );
}

#[test]
fn same_seed_same_trace_with_loss_crash_and_partition() {
    let scenario = busy(7);
    let first = run("busy seed 7, first run", &scenario);
    let second = run("busy seed 7, second run", &scenario);
    assert_same_run("busy", &first, &second);
    assert!(
        first.summary.messages_dropped > 0,
        "loss and partition dropped nothing"
    );
}

/// `threads` sizes the pool the nodes run on; the run does not depend on it.
#[test]
fn the_thread_count_does_not_change_the_run() {
    let mut one = busy(7);
    one.threads = Some(1);
    let mut three = busy(7);
    three.threads = Some(3);
    let a = run("busy seed 7, one thread", &one);
    let b = run("busy seed 7, three threads", &three);
    assert_same_run("threads", &a, &b);
}
