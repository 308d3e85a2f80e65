//! Finality and safety under faults: offline stake below and above one third, a healed
//! 50/50 partition, and a crashed node that restarts.
//!
//! Expectations follow the protocol rule (see [`support::ideal_finalized_at`]) and the
//! observed fault-free run, not fixed numbers.

mod support;

use simulator::scenario::FaultSpec;
use simulator::{RunResult, Scenario};
use support::*;

/// Checks a fault-free run against the protocol rule at every slot.
fn assert_ideal(label: &str, result: &RunResult, s: &Scenario) {
    let spe = spe(s);
    for r in &result.slots {
        assert_eq!(
            r.finalized_epoch,
            ideal_finalized_at(r.slot, spe),
            "{label}: slot {} is off the ideal finality rule\nrows:\n{}",
            r.slot,
            rows_text(&result.slots)
        );
    }
    assert_eq!(
        result.summary.first_finalized_epoch,
        Some(IDEAL_FIRST_FINALIZED_EPOCH),
        "{label}"
    );
    assert_eq!(
        result.summary.finalized_epoch,
        ideal_finalized_at(result.summary.slots_run - 1, spe),
        "{label}"
    );
}

/// Over `[from, until)` the observer's finalized epoch never rises above its value at the end
/// of slot `from`.
fn assert_stalled(label: &str, result: &RunResult, from: u64, until: u64) {
    let stalled = finalized_at(result, from);
    for slot in from..until {
        assert_eq!(
            finalized_at(result, slot),
            stalled,
            "{label}: finality moved at slot {slot} while it should stall over [{from}, {until})\nrows:\n{}",
            rows_text(&result.slots)
        );
    }
}

/// Finality rises again within 3 epochs of `back` (the first slot with the fault gone).
fn assert_resumes(label: &str, result: &RunResult, back: u64, spe: u64) -> u64 {
    let limit = back + 3 * spe;
    assert!(
        (result.slots.len() as u64) > limit,
        "{label}: the run must last past slot {limit}"
    );
    let resumed = first_finality_increase(result, back);
    eprintln!("[{label}] finality resumed at slot {resumed:?} (fault gone at slot {back})");
    match resumed {
        Some(slot) if slot <= limit => slot,
        _ => panic!(
            "{label}: finality did not resume within 3 epochs of slot {back} (by slot {limit}): first increase at {resumed:?}\nrows:\n{}",
            rows_text(&result.slots)
        ),
    }
}

/// How many epochs finality may trail the fault-free run when only `online` of the stake
/// attests, by the protocol rule. Attestations are included one slot late at the earliest
/// (`MIN_ATTESTATION_INCLUSION_DELAY` = 1), so an epoch's own blocks can carry at most
/// `(spe - 1) / spe` of its votes: if `online * (spe - 1) / spe < 2/3` no epoch is justified
/// on time, each is justified one epoch late from the previous-epoch votes, and finality then
/// comes by the "2nd/3rd/4th most recent justified" rule, two epochs behind the ideal. Else
/// one epoch of slack covers proposals missed by the offline nodes.
fn allowed_finality_lag(online: f64, spe: u64) -> u64 {
    if online * (spe - 1) as f64 / spe as f64 >= 2.0 / 3.0 {
        1
    } else {
        2
    }
}

#[test]
fn finality_holds_with_30_percent_offline() {
    // 10 nodes x 32 validators: nodes 7, 8, 9 hold 30% of the stake.
    let base = fast(10, 320, 8);
    let spe = spe(&base);
    let ideal = run("30% offline: fault-free reference", &base);
    assert_safe("fault-free reference", &ideal);
    assert_ideal("fault-free reference", &ideal, &base);

    let mut s = base.clone();
    s.faults = vec![offline(&[7, 8, 9], 0, None)];
    let result = run("30% offline", &s);
    assert_safe("30% offline", &result);
    assert_eq!(
        row(&result, 4).online_nodes,
        7,
        "three nodes should be offline"
    );
    // 70% online: 0.7 * 7/8 < 2/3, so the rule allows two epochs of lag (not one).
    let lag = allowed_finality_lag(0.7, spe);
    let finalized = result.summary.finalized_epoch;
    let reference = ideal.summary.finalized_epoch;
    assert!(
        finalized + lag >= reference && finalized > 0,
        "30% offline: finalized epoch {finalized} is more than {lag} behind the fault-free \
         {reference}\nrows:\n{}",
        rows_text(&result.slots)
    );
    assert!(
        result.summary.justified_epoch + 1 >= ideal.summary.justified_epoch,
        "30% offline: justified epoch {} is more than one behind the fault-free {}",
        result.summary.justified_epoch,
        ideal.summary.justified_epoch
    );
    // It keeps finalizing: at the end of every epoch from the one the lag allows on, the
    // finalized epoch trails the ideal by at most the lag, and it rises every epoch.
    let mut last = None;
    for r in result
        .slots
        .iter()
        .filter(|r| r.slot % spe == spe - 1 && r.epoch >= 4 + lag)
    {
        let want = ideal_finalized_at(r.slot, spe);
        assert!(
            r.finalized_epoch + lag >= want,
            "30% offline: at slot {} finalized {} vs ideal {want} (lag {lag} allowed)\nrows:\n{}",
            r.slot,
            r.finalized_epoch,
            rows_text(&result.slots)
        );
        if let Some(previous) = last {
            assert!(
                r.finalized_epoch > previous,
                "30% offline: finality stuck at {previous} by slot {}\nrows:\n{}",
                r.slot,
                rows_text(&result.slots)
            );
        }
        last = Some(r.finalized_epoch);
    }
}

#[test]
fn finality_stops_with_40_percent_offline_and_resumes_after() {
    // Nodes 6..=9 hold 40% of the stake: below 2/3 remain.
    let mut s = fast(10, 320, 11);
    let spe = spe(&s);
    // Go offline at an epoch boundary once finality is established (epoch 4), for 3 epochs.
    let from = 4 * spe;
    let back = from + 3 * spe;
    s.faults = vec![offline(&[6, 7, 8, 9], from, Some(back))];
    let result = run("40% offline", &s);
    assert_safe("40% offline", &result);
    assert_eq!(
        finalized_at(&result, from),
        ideal_finalized_at(from, spe),
        "40% offline: finality was not established when the nodes left\nrows:\n{}",
        rows_text(&result.slots)
    );
    assert_eq!(row(&result, from).online_nodes, 6);
    assert_eq!(row(&result, back).online_nodes, 10);
    assert_stalled("40% offline", &result, from, back);
    assert_resumes("40% offline", &result, back, spe);
}

/// A 50/50 partition over epochs 4, 5 and 6 (slots 32 .. 56), healed at slot 56.
fn partitioned(s: &mut Scenario) -> (u64, u64) {
    let spe = spe(s);
    let start = 4 * spe;
    let heal = start + 3 * spe;
    s.network.partitions = vec![partition(&[&[0, 1, 2, 3], &[4, 5, 6, 7]], start, heal)];
    (start, heal)
}

fn check_partition_finality(label: &str, s: &Scenario, result: &RunResult, start: u64, heal: u64) {
    let spe = spe(s);
    assert_eq!(
        finalized_at(result, start),
        ideal_finalized_at(start, spe),
        "{label}: finality was not established when the partition started\nrows:\n{}",
        rows_text(&result.slots)
    );
    assert_stalled(label, result, start, heal);
    assert_resumes(label, result, heal, spe);
    // Both sides converge on one chain.
    let heads: Vec<_> = result.nodes.iter().map(|n| n.final_head_slot).collect();
    let finalized: Vec<_> = result
        .nodes
        .iter()
        .map(|n| n.final_finalized_epoch)
        .collect();
    assert!(
        finalized.iter().all(|f| *f == finalized[0]),
        "{label}: nodes end on different finalized epochs {finalized:?} (heads {heads:?})"
    );
}

/// The partition with no transactions: the consensus part alone.
#[test]
fn finality_stalls_in_a_50_50_partition_and_resumes_after_heal_no_transactions() {
    let mut s = fast(8, 256, 11);
    s.workload.tps_per_shard = 0.0;
    let (start, heal) = partitioned(&mut s);
    let label = "50/50 partition, no transactions";
    let result = run(label, &s);
    assert_safe(label, &result);
    check_partition_finality(label, &s, &result, start, heal);
}

/// The partition with the usual light workload (10 tx/s/shard, 10% cross-shard).
#[test]
fn finality_stalls_in_a_50_50_partition_and_resumes_after_heal() {
    let mut s = fast(8, 256, 11);
    let (start, heal) = partitioned(&mut s);
    let label = "50/50 partition";
    let result = run(label, &s);
    check_partition_finality(label, &s, &result, start, heal);
    assert_safe(label, &result);
}

#[test]
fn crashed_node_restarts_catches_up_and_attests() {
    let crashed = 3usize;
    // It crashes after finality (epoch 2 by slot 24), so its restart anchor is a finalized
    // checkpoint above some shard chains' restart points: the shard blocks between must be
    // replayed against beacon blocks below the anchor (a node that skipped them stayed at its
    // shard restart points for the rest of the run).
    let (at_slot, restart_slot) = (44, 52);
    let mut s = fast(8, 256, 10);
    s.faults = vec![FaultSpec::Crash {
        node: crashed as u64,
        at_slot,
        restart_slot: Some(restart_slot),
    }];
    let result = run("crash and restart", &s);
    assert_safe("crash and restart", &result);
    let node = &result.nodes[crashed];
    let observer_head = result.slots.last().expect("rows").head_slot;
    eprintln!(
        "[crash and restart] node {crashed}: head {:?} finalized {:?}, observer head {observer_head}, \
         {} slots attested ({} after restart), signing refused {}",
        node.final_head_slot,
        node.final_finalized_epoch,
        node.attested_slots.len(),
        node.attested_slots.iter().filter(|s| *s >= restart_slot).count(),
        node.signing_refused,
    );
    let head = node
        .final_head_slot
        .unwrap_or_else(|| panic!("node {crashed} is not up at the end"));
    assert!(
        head.abs_diff(observer_head) <= 1,
        "node {crashed} ends at head {head}, the observer at {observer_head}"
    );
    // Its shard chains came back too: a restart replays the shard blocks above each shard's
    // restart point, whose beacon blocks are below the beacon restart point.
    let shard_heads = &node.final_shard_head_slots;
    let others = &result.nodes[0].final_shard_head_slots;
    assert_eq!(shard_heads.len(), others.len());
    for (shard, (mine, theirs)) in shard_heads.iter().zip(others).enumerate() {
        assert!(
            mine.abs_diff(*theirs) <= 1,
            "node {crashed}'s shard {shard} ends at slot {mine}, node 0's at {theirs}"
        );
    }
    assert!(
        node.attested_slots.iter().any(|s| s > restart_slot),
        "node {crashed} never attested after its restart at slot {restart_slot}: attested {:?}",
        node.attested_slots
    );
    assert!(
        !node
            .attested_slots
            .iter()
            .any(|s| (at_slot..restart_slot).contains(&s)),
        "node {crashed} attested while down: {:?}",
        node.attested_slots
    );
    // The cluster kept finalizing with one node in eight down.
    assert!(
        result.summary.finalized_epoch + 1
            >= ideal_finalized_at(result.summary.slots_run - 1, spe(&s)),
        "crash: finality fell behind\nrows:\n{}",
        rows_text(&result.slots)
    );
}

/// Swarm seed 71: node 0 is cut off alone for two epochs while the others finalize, so the
/// finalized beacon chain it returns to names shard blocks it never saw. It must take them from
/// its peers (the crosslinks the beacon chain recorded vouch for them) and follow every shard
/// again; it used to stay below the gap on one shard for good, and the receipts credited from
/// that shard looked unsent (845 safety violations).
#[test]
fn isolated_node_takes_the_shard_blocks_finalized_without_it() {
    let (label, s, result) = swarm_seed(71);
    let ends: Vec<&Vec<u64>> = result
        .nodes
        .iter()
        .map(|n| &n.final_shard_head_slots)
        .collect();
    let last = s.epochs * spe(&s) - 1;
    for (node, heads) in ends.iter().enumerate() {
        for (shard, head) in heads.iter().enumerate() {
            assert!(
                last - head <= 2,
                "{label}: node {node}'s shard {shard} ends at slot {head}, the run at {last}"
            );
        }
    }
}

/// Swarm seed 266: node 0, the observer, is cut off alone for 20 slots; when it comes back
/// its shard heads briefly sit below blocks it already holds and that finality has just
/// covered. The run's accounting reads the finalized shard blocks back from the finalized
/// crosslink's last block, not from the head: it used to settle that range as empty and then
/// count 146 credits of its receipts as never sent.
#[test]
fn the_observer_settles_finalized_shard_blocks_its_head_has_yet_to_reach() {
    let (label, _, result) = swarm_seed(266);
    assert!(
        result.summary.cross_shard_credited > 4_000,
        "{label}: only {} receipts credited",
        result.summary.cross_shard_credited
    );
}

/// Swarm seed 1973: a three-way partition (1 | 0 3 | 2) with crashes of 3 and 0. Nodes 1 and
/// 2, each alone, justified epoch 4 on their own forks and signed votes with that source; the
/// heavier fork of 0 and 3 still had source 3 in its state. Under v0.8.4's fork choice every
/// node kept that head, so 1 and 2 were asked for votes their slashing protection must refuse
/// (source 3 around their source-4 votes): half the stake never voted again and finality
/// stayed at epoch 3 to the end. The viability filter makes them all follow a fork whose
/// state has the store's justified checkpoint.
#[test]
fn nodes_whose_votes_would_surround_their_own_follow_a_viable_head() {
    let (label, s, result) = support::swarm_seed(1973);
    assert!(
        matches!(result.liveness, simulator::liveness::Liveness::Held { .. }),
        "{label}: {:?}",
        result.liveness
    );
    let last = s.epochs * spe(&s) - 1;
    for node in [1, 2] {
        let stats = &result.nodes[node];
        assert!(
            stats.attested_slots.contains(last) || stats.attested_slots.contains(last - 1),
            "{label}: node {node} stopped attesting: {stats:?}"
        );
    }
}

/// Swarm seed 1585: node 0, the observer, is on the small side of a 5 | 2 partition. When it
/// heals, its shard 6 head sits at slot 1 for one slot while shard 6's finalized crosslink
/// (whose blocks it does not hold yet) ends at slot 8; the run's accounting settled slots 1 to
/// 7 from that head and lost the receipts of blocks 2 to 7, so 41 credits looked unsent. A
/// shard whose finalized blocks the observer cannot name waits for them now.
#[test]
fn the_observer_waits_for_finalized_shard_blocks_it_does_not_hold() {
    let (label, _, result) = support::swarm_seed(1585);
    assert!(
        result.summary.cross_shard_credited > 3_000,
        "{label}: only {} receipts credited",
        result.summary.cross_shard_credited
    );
}

/// Swarm seed 2785: three nodes alone from slot 24 to 40 had no block after slot 30; carried
/// into epoch 4, their head state justified epoch 2 and they signed source 2 all epoch. The
/// other five never saw a block with epoch 2 justified; after the heal all eight followed the
/// heavier chain (justified epoch 1), slashing protection refused every vote of the three
/// (source 1 would surround (2, 4)), five of eight is below two thirds, and nothing was
/// finalized again (finalized epoch 0 at the end). Fork choice now adopts the justification a
/// block's epoch reached (design D10), so all eight move onto the chain of the three.
#[test]
fn nodes_that_signed_a_source_only_their_empty_slots_justified_are_followed() {
    let (label, s, result) = support::swarm_seed(2785);
    assert!(result.live(), "{label}: {}", result.summary.liveness);
    assert!(
        result.summary.finalized_epoch + 4 >= s.epochs,
        "{label}: finalized epoch {} of {}",
        result.summary.finalized_epoch,
        s.epochs
    );
}

/// Swarm seed 2446: node 0, the observer, back from being offline, cannot name shard 6's
/// finalized blocks for eight slots (its crosslink ends at slot 8) and waits on that shard,
/// while shard 1 settles to slot 32, crediting at slot 25 receipts shard 6 sent at slot 2.
/// The accounting matched each credit only against receipts settled before it and called 18
/// of them "never sent on the canonical source chain" (and their receipts, once settled,
/// "not credited"). A credit that settles ahead of its source is matched once the source
/// settles now.
#[test]
fn a_credit_settled_before_its_source_block_is_matched_when_the_source_settles() {
    let (label, _, result) = support::swarm_seed(2446);
    assert_eq!(
        result.summary.cross_shard_uncredited_early, 0,
        "{label}: receipts sent 3+ epochs before the end and not credited"
    );
}

/// Swarm seed 0: shard 3's crosslink stalled at slot 23 while beacon finality moved on, and
/// finality let go of the beacon blocks its next shard blocks point at. The shard fork
/// choice, which follows only shard blocks of canonical beacon blocks, then took every block
/// from slot 24 for non-canonical: the shard kept no canonical block from slot 24 to 65, and
/// when a later reorg dropped blocks its mempool had already forgotten, every sender waited
/// behind a nonce gap and the shard's blocks stayed empty to the end (422 receipts never
/// credited). Finalized canonical roots are remembered now (`settled_beacon`), and a shard
/// reorg puts the dropped blocks' transactions back into the mempool (`shard_reorg`).
#[test]
fn every_shard_keeps_its_blocks_and_transactions_when_its_crosslink_lags() {
    let (label, s, result) = support::swarm_seed(0);
    let spe = spe(&s);
    for shard in 0..s.active_shards {
        let rows: Vec<_> = result.shards.iter().filter(|r| r.shard == shard).collect();
        for epoch in 3..s.epochs - 1 {
            let in_epoch = || rows.iter().filter(|r| r.slot / spe == epoch);
            let blocks = in_epoch().filter(|r| r.block).count();
            let transactions: u64 = in_epoch().map(|r| r.transactions).sum();
            assert!(
                blocks > 0 && transactions > 0,
                "{label}: shard {shard} epoch {epoch}: {blocks} canonical blocks, {transactions} transactions"
            );
        }
    }
}
