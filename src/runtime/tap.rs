//! What the node thread tells the API after each step: events for `/eth/v1/events` subscribers
//! and, for each shard block imported, where its transactions went (the transaction index and
//! the inclusion-latency histogram).
//!
//! Runs on the node's thread right after the step that produced the outputs, so it can read the
//! blocks the node just imported. **Must never** change the node: it only reads it.

use super::clock::WallClock;
use super::events::ApiEvents;
use super::tx_index::{Inclusion, Receipt, TxIndex};
use crate::metrics::NodeMetrics;
use beacon::node::{CrossShardSent, Event, Node, Output};
use consensus::primitives::{Root, Shard, Slot};
use consensus::Preset;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// See the module documentation.
pub struct Tap {
    pub events: ApiEvents,
    pub txs: Arc<Mutex<TxIndex>>,
    pub metrics: NodeMetrics,
    pub clock: WallClock,
}

impl Tap {
    pub fn new(metrics: NodeMetrics, clock: WallClock) -> Self {
        Self {
            events: ApiEvents::new(),
            txs: Arc::new(Mutex::new(TxIndex::default())),
            metrics,
            clock,
        }
    }

    /// Reads what `outputs` (just produced by `node`) mean for the API.
    pub fn outputs<P: Preset>(&mut self, node: &Node<P>, outputs: &[Output]) {
        for output in outputs {
            let Output::Event(event) = output else {
                continue;
            };
            self.events.observe(node, event);
            if let Event::ShardBlockImported {
                shard,
                slot,
                root,
                sent,
                ..
            } = event
            {
                self.shard_block(node, *shard, *slot, *root, sent);
            }
        }
    }

    fn shard_block<P: Preset>(
        &mut self,
        node: &Node<P>,
        shard: Shard,
        slot: Slot,
        root: Root,
        sent: &[CrossShardSent],
    ) {
        let Some(block) = node
            .shard_chain(shard)
            .and_then(|chain| chain.entry(&root))
            .and_then(|entry| entry.block.clone())
        else {
            return;
        };
        let inclusion = Inclusion {
            shard,
            slot,
            block_root: root,
        };
        // The receipt each cross-shard transfer of the block became, by (sender, nonce).
        let receipts: HashMap<_, _> = sent
            .iter()
            .map(|s| {
                let receipt = Receipt {
                    destination: s.destination,
                    index: s.receipt_index,
                };
                ((s.from, s.nonce), receipt)
            })
            .collect();
        let now_ms = self.clock.now_ms();
        let mut latencies = Vec::new();
        {
            let mut txs = self.txs.lock().unwrap_or_else(|e| e.into_inner());
            for tx in block.body.transactions.iter() {
                let receipt = receipts.get(&(tx.from, tx.nonce)).copied();
                if let Some(submitted_ms) = txs.included(tx.root(), inclusion, receipt) {
                    latencies.push(now_ms.saturating_sub(submitted_ms));
                }
            }
        }
        for ms in latencies {
            self.metrics.observe_inclusion(ms as f64 / 1000.0);
        }
    }
}
