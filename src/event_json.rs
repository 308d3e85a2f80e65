//! The JSONL event trace of a simulator run (`shardnode sim --trace-jsonl FILE`): one JSON
//! object per line for every event a node reports and every gossip message it rejects, with
//! the virtual time in ms: `{"t_ms":6012,"node":2,"event":"head","slot":1,...}`.

use crate::signing_journal::JournalEntry;
use beacon::node::{Event, Output};
use serde_json::{json, Value};

/// The line of one node output, or `None` for outputs the trace leaves out (messages sent,
/// accepted and ignored gossip verdicts).
pub fn output_json(t_ms: u64, node: usize, output: &Output) -> Option<Value> {
    let body = match output {
        Output::Event(event) => event_json(event),
        Output::Verdict {
            from,
            topic,
            verdict,
            ..
        } if verdict.is_reject() => json!({
            "event": "gossip_rejected",
            "from": from,
            "topic": topic.to_string(),
            "reason": verdict.label(),
        }),
        _ => return None,
    };
    let mut line = json!({ "t_ms": t_ms, "node": node });
    if let (Some(line), Value::Object(fields)) = (line.as_object_mut(), body) {
        line.extend(fields);
    }
    Some(line)
}

fn event_json(event: &Event) -> Value {
    match event {
        Event::BeaconBlockImported {
            root,
            slot,
            attestations,
        } => json!({"event": "beacon_block_imported", "root": root.to_hex(), "slot": slot,
                    "attestations": attestations}),
        Event::Head {
            root,
            slot,
            state_root,
            reorg_depth,
        } => json!({"event": "head", "root": root.to_hex(), "slot": slot,
                    "state_root": state_root.to_hex(), "reorg_depth": reorg_depth}),
        Event::Justified(c) => {
            json!({"event": "justified", "epoch": c.epoch, "root": c.root.to_hex()})
        }
        Event::Finalized(c) => {
            json!({"event": "finalized", "epoch": c.epoch, "root": c.root.to_hex()})
        }
        Event::Proposed { slot, root } => {
            json!({"event": "proposed", "slot": slot, "root": root.to_hex()})
        }
        Event::Attested {
            slot,
            shard,
            validators,
        } => json!({"event": "attested", "slot": slot, "shard": shard, "validators": validators}),
        Event::ShardBlockImported {
            shard,
            slot,
            root,
            transactions,
            sent,
            credited,
        } => json!({"event": "shard_block_imported", "shard": shard, "slot": slot,
                    "root": root.to_hex(), "transactions": transactions,
                    "receipts_sent": sent.len(), "receipts_credited": credited.len()}),
        Event::ShardProposed { shard, slot, root } => {
            json!({"event": "shard_proposed", "shard": shard, "slot": slot, "root": root.to_hex()})
        }
        Event::Crosslinked {
            shard,
            start_epoch,
            end_epoch,
            data_root,
            seen_at_slot,
            last_block_slot,
        } => json!({"event": "crosslinked", "shard": shard, "start_epoch": start_epoch,
                    "end_epoch": end_epoch, "data_root": data_root.to_hex(),
                    "seen_at_slot": seen_at_slot, "last_block_slot": last_block_slot}),
        Event::SlashingFound { kind, validators } => json!({"event": "slashing_found",
                    "offence": kind.label(), "validators": validators}),
        Event::SigningRefused { validator, reason } => json!({"event": "signing_refused",
                    "validator": validator, "reason": reason.to_string()}),
        Event::PeerMisbehaved { peer, reason } => json!({"event": "peer_misbehaved",
                    "peer": peer, "reason": format!("{reason:?}")}),
        Event::Signed(message) => {
            let mut line = serde_json::to_value(JournalEntry::from(message)).unwrap_or(Value::Null);
            if let Some(fields) = line.as_object_mut() {
                fields.insert("event".into(), json!("signed"));
            }
            line
        }
    }
}
