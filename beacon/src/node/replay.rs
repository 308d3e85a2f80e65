//! Restart: the node rebuilt from its store.

use super::{Node, NodeError};
use consensus::bls::Crypto;
use consensus::primitives::{Shard, Slot};
use consensus::Preset;
use shard::ShardBlock;
use std::collections::BTreeMap;
use std::sync::Arc;

impl<P: Preset> Node<P> {
    /// Rebuilds the node from its store after a restart: from the restart anchor if one was
    /// written (else from genesis), then every block stored above it. Blocks were checked
    /// before they were stored, so they are replayed without signature checks.
    pub(super) fn replay_store(&mut self) -> Result<(), NodeError> {
        let anchor = self.restore_anchor()?;
        let beacon_from = anchor.as_ref().map_or(0, |(slot, _)| *slot);
        let shard_from = |shard: Shard| {
            anchor
                .as_ref()
                .and_then(|(_, slots)| slots.get(shard as usize).copied())
                .unwrap_or(0)
        };
        let mut blocks = self.store.beacon_blocks()?;
        blocks.retain(|b| b.slot > beacon_from);
        blocks.sort_by_key(|b| b.slot);
        for block in blocks {
            let _ = self.import_beacon_block(Arc::new(block), Crypto::fake_for_simulation());
        }
        self.update_head();
        let mut shard_blocks: BTreeMap<(Slot, Shard), Vec<ShardBlock>> = BTreeMap::new();
        for shard in 0..self.chain.active_shard_count {
            let from = shard_from(shard);
            for block in self.store.shard_blocks(shard)? {
                if block.slot <= from {
                    continue;
                }
                shard_blocks
                    .entry((block.slot, shard))
                    .or_default()
                    .push(block);
            }
        }
        for (_, blocks) in shard_blocks {
            for block in blocks {
                let _ = self.import_shard_block(Arc::new(block));
            }
        }
        self.update_head();
        Ok(())
    }
}
