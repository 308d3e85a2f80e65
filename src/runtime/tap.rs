//! What the node thread tells the API after each step: events for `/eth/v1/events` subscribers
//! and, for each shard block imported, where its transactions went (the transaction index and
//! the inclusion-latency histogram).
//!
//! Runs on the node's thread right after the step that produced the outputs, so it can read the
//! blocks the node just imported. **Must never** change the node: it only reads it.

use super::clock::WallClock;
use super::events::ApiEvents;
use super::tx_index::{Inclusion, Receipt, TxIndex, SEEN_CAPACITY};
use crate::metrics::NodeMetrics;
use crate::signing_journal::Journal;
use beacon::node::{CrossShardSent, Event, Node, Output};
use consensus::primitives::{Root, Shard, Slot};
use consensus::Preset;
use shard::ShardBlock;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// See the module documentation.
pub struct Tap {
    pub events: ApiEvents,
    pub txs: Arc<Mutex<TxIndex>>,
    pub metrics: NodeMetrics,
    pub clock: WallClock,
    /// Where signed messages are journaled, when the settings ask for it.
    pub journal: Option<Journal>,
}

impl Tap {
    pub fn new(metrics: NodeMetrics, clock: WallClock) -> Self {
        Self {
            events: ApiEvents::new(),
            txs: Arc::new(Mutex::new(TxIndex::default())),
            metrics,
            clock,
            journal: None,
        }
    }

    /// Fills the transaction index from the shard blocks a just-opened node holds: each
    /// shard's canonical chain in memory, then the finalized blocks below it in the store, up
    /// to that shard's share of [`SEEN_CAPACITY`]. A restarted node then answers for the
    /// transactions of its recent history (without the receipt a cross-shard transfer made,
    /// which only the block's execution knew). Returns how many it indexed.
    pub fn index_history<P: Preset>(&mut self, node: &Node<P>) -> usize {
        let shards = node.shard_chains().len().max(1);
        let per_shard = SEEN_CAPACITY / shards;
        let mut txs = self.txs.lock().unwrap_or_else(|e| e.into_inner());
        let before = txs.len();
        for chain in node.shard_chains() {
            let shard = chain.shard();
            let mut blocks: Vec<(Root, Arc<ShardBlock>)> = Vec::new();
            let mut at = chain.head_root();
            let mut held = 0;
            while let Some(entry) = chain.entry(&at) {
                if let Some(block) = &entry.block {
                    held += block.body.transactions.len();
                    blocks.push((entry.root, block.clone()));
                }
                if entry.root == chain.root() || held >= per_shard {
                    break;
                }
                at = entry.parent;
            }
            if held < per_shard {
                let stored = node.stored_shard_blocks_below(shard, per_shard - held);
                blocks.extend(stored.into_iter().map(|(root, b)| (root, Arc::new(b))));
            }
            // Oldest first, as they were imported.
            for (root, block) in blocks.iter().rev() {
                let inclusion = Inclusion {
                    shard,
                    slot: block.slot,
                    block_root: *root,
                };
                for tx in block.body.transactions.iter() {
                    txs.included(tx.root(), inclusion, None);
                }
            }
        }
        txs.len() - before
    }

    /// Reads what `outputs` (just produced by `node`) mean for the API.
    pub fn outputs<P: Preset>(&mut self, node: &Node<P>, outputs: &[Output]) {
        if let Some(journal) = self.journal.as_mut() {
            let signed = outputs.iter().filter_map(|output| match output {
                Output::Event(Event::Signed(message)) => Some(message),
                _ => None,
            });
            // Before the batch reaches the network (the caller sends it on after this).
            if let Err(e) = journal.append(signed) {
                tracing::error!(error = %e, "the signing journal could not be written");
            }
        }
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
