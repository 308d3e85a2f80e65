//! Sample values shared by the writers' tests.

use super::schema::{RunParams, ShardSlotRow, SlotRow, Summary};

/// Parameters with a comma and a quote in the text fields, to exercise CSV quoting.
pub(crate) fn params() -> RunParams {
    RunParams {
        seed: 42,
        nodes: 16,
        validators: 64,
        preset: "minimal".into(),
        active_shards: 4,
        slot_duration_ms: 6000,
        crypto: "fake".into(),
        epochs: 8,
        tps_per_shard: 12.5,
        cross_shard: 0.1,
        latency: "uniform:20:80".into(),
        jitter_ms: 5.0,
        loss: 0.01,
        faults: "crash(3@40-64);offline(5,6@16-40);note(\"x\")".into(),
    }
}

/// A summary with every optional figure missing.
pub(crate) fn summary() -> Summary {
    Summary {
        seed: 42,
        trace_hash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        slots_run: 64,
        first_finalized_epoch: None,
        finalized_epoch: 0,
        justified_epoch: 1,
        tps_total: 49.75,
        tps_per_shard: vec![12.0, 12.5, 12.25, 13.0],
        transactions_included: 19104,
        crosslinks_per_shard: vec![7, 8, 8, 6],
        crosslink_inclusion_delay_slots_mean: None,
        finality_latency_slots_mean: None,
        cross_shard_sent: 1900,
        cross_shard_credited: 1870,
        cross_shard_uncredited_early: 0,
        cross_shard_latency_ms_p50: None,
        inclusion_latency_ms_p50: None,
        inclusion_latency_ms_p99: None,
        cpu_utilization_mean: None,
        cpu_utilization_max: None,
        cross_shard_latency_ms_p99: None,
        missed_beacon_slots: 2,
        missed_shard_slots: 5,
        safety_violations: vec![],
        liveness: "not checked".to_string(),
        events_processed: 123_456,
        messages_delivered: 100_000,
        messages_dropped: 1000,
        duplicates_suppressed: 0,
        offenders: 0,
        slashed: 0,
        slashing_delay_slots_max: None,
        simulated_seconds: 384.0,
        wall_seconds: 2.5,
        setup_seconds: 0.5,
        sim_seconds_per_run_second: 192.0,
        sim_seconds_per_wall_second: 153.6,
        events_per_wall_second: 49_382.4,
        params: params(),
    }
}

/// Slot rows with distinct values in every column.
pub(crate) fn slot_rows() -> Vec<SlotRow> {
    (0..3u64)
        .map(|i| SlotRow {
            slot: i,
            epoch: 100 + i,
            time_ms: 200 + i,
            beacon_block: i % 2 == 0,
            head_slot: 300 + i,
            justified_epoch: 400 + i,
            finalized_epoch: 500 + i,
            transactions: 600 + i,
            shard_blocks: 700 + i,
            cross_shard_sent: 800 + i,
            cross_shard_credited: 900 + i,
            attestations_included: 1000 + i,
            online_nodes: 1100 + i,
            messages_delivered: 1200 + i,
            messages_dropped: 1300 + i,
        })
        .collect()
}

/// Shard rows with distinct values in every column, one without a crosslink.
pub(crate) fn shard_rows() -> Vec<ShardSlotRow> {
    (0..3u64)
        .map(|i| ShardSlotRow {
            slot: i,
            shard: 100 + i,
            block: i % 2 == 1,
            transactions: 200 + i,
            receipts_sent: 300 + i,
            receipts_credited: 400 + i,
            mempool_len: 500 + i,
            crosslinked_slot: if i == 0 { None } else { Some(600 + i) },
        })
        .collect()
}
