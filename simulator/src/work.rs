//! What a handled event cost the node, counted from the input and the node's outputs (see
//! `crate::cpu` for what is charged and why). Deterministic: counts only.

use crate::cpu::Work;
use beacon::node::{Event, Output};
use networking::Topic;
use shard::transaction::TRANSACTION_SIZE;

/// Transactions in a gossiped batch: the SSZ container is a 4-byte offset and the fixed-size
/// transactions; the length comes from the snappy header without decompressing.
fn batch_transactions(bytes: &[u8]) -> u64 {
    snap::raw::decompress_len(bytes)
        .map(|len| (len.saturating_sub(4) / TRANSACTION_SIZE) as u64)
        .unwrap_or(0)
}

/// The work of one event: `delivered` is the received message (topic if gossip, bytes),
/// `submitted` the transactions handed in by a user, `outputs` what the node answered.
pub fn work_of(
    delivered: Option<(Option<Topic>, &[u8])>,
    submitted: usize,
    outputs: &[Output],
) -> Work {
    let mut work = Work {
        transactions_verified: submitted as u64,
        ..Work::default()
    };
    if let Some((_, bytes)) = delivered {
        work.bytes_decoded = bytes.len() as u64;
    }
    let own_shard_blocks: Vec<_> = outputs
        .iter()
        .filter_map(|o| match o {
            Output::Event(Event::ShardProposed { root, .. }) => Some(*root),
            _ => None,
        })
        .collect();
    for output in outputs {
        match output {
            Output::Publish { topic, bytes } => {
                work.bytes_encoded += bytes.len() as u64;
                if *topic == Topic::BeaconAggregate {
                    // The selection proof and the aggregate-and-proof signature.
                    work.bls_signs += 2;
                }
            }
            Output::SendRequest { bytes, .. } | Output::SendResponse { bytes, .. } => {
                work.bytes_encoded += bytes.len() as u64;
            }
            Output::Verdict { topic, verdict, .. } if verdict.kind() != "ignore" => match topic {
                Topic::BeaconAttestation(_) => work.bls_verifies += 1,
                Topic::BeaconAggregate => {
                    work.bls_verifies += 2;
                    work.bls_fast_aggregates += 1;
                }
                Topic::ShardTransaction(_) => {
                    if let Some((_, bytes)) = delivered {
                        work.transactions_verified += batch_transactions(bytes);
                    }
                }
                _ => {}
            },
            Output::Verdict { .. } => {}
            Output::Event(event) => match event {
                Event::BeaconBlockImported { attestations, .. } => {
                    work.beacon_blocks += 1;
                    work.block_attestations += *attestations as u64;
                }
                Event::ShardBlockImported {
                    root, transactions, ..
                } => {
                    work.shard_blocks += 1;
                    work.transactions_executed += transactions;
                    // A peer's block: its signatures are checked; the node's own block holds
                    // transactions it checked when they were admitted.
                    if !own_shard_blocks.contains(root) {
                        work.transactions_verified += transactions;
                    }
                }
                Event::Attested { validators, .. } => work.bls_signs += *validators as u64,
                // The block and its RANDAO reveal.
                Event::Proposed { .. } => work.bls_signs += 2,
                Event::ShardProposed { .. } => work.bls_signs += 1,
                _ => {}
            },
        }
    }
    work
}
