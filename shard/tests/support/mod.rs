//! Shared helpers of the shard integration tests: a small multi-shard world that produces,
//! executes, crosslinks and routes receipts.
#![allow(dead_code)]

use consensus::primitives::Root;
use ed25519_dalek::SigningKey;
use shard::execute::ExecutionContext;
use shard::genesis::{genesis_keys, genesis_states, genesis_supply, GenesisAccounts};
use shard::receipt_proof::build_receipt_proof;
use shard::{
    BlockTemplate, IncomingReceipt, ProducedBlock, Receipt, ShardBlock, ShardCrosslinkData,
    ShardState,
};
use std::collections::{BTreeMap, BTreeSet};

pub const SHARDS: u64 = 4;

pub fn accounts() -> GenesisAccounts {
    GenesisAccounts {
        accounts_per_shard: 6,
        balance: 1_000_000,
    }
}

pub fn keys() -> Vec<Vec<SigningKey>> {
    (0..SHARDS)
        .map(|s| {
            genesis_keys(s, SHARDS, accounts().accounts_per_shard)
                .unwrap()
                .into_iter()
                .map(|(_, k)| k)
                .collect()
        })
        .collect()
}

/// A set of crosslink data roots, as the beacon chain would record them.
#[derive(Default, Clone)]
pub struct Crosslinks(pub BTreeSet<(u64, Root)>);

impl shard::CrosslinkOracle for Crosslinks {
    fn is_crosslinked(&self, shard: u64, data_root: &Root) -> bool {
        self.0.contains(&(shard, *data_root))
    }
}

/// Everything a test world keeps per shard.
pub struct World {
    pub states: Vec<ShardState>,
    /// Blocks since the last crosslink, with their outgoing receipts.
    pub pending: Vec<Vec<(ShardBlock, Vec<Receipt>)>>,
    pub crosslinks: Crosslinks,
    /// Proven receipts waiting for their destination shard.
    pub inbox: BTreeMap<u64, Vec<IncomingReceipt>>,
    pub genesis_supply: u128,
}

impl World {
    pub fn new() -> Self {
        Self {
            states: genesis_states(SHARDS, &accounts()).unwrap(),
            pending: vec![Vec::new(); SHARDS as usize],
            crosslinks: Crosslinks::default(),
            inbox: BTreeMap::new(),
            genesis_supply: genesis_supply(SHARDS, &accounts()),
        }
    }

    /// `Σ balances + Σ burned + receipts in flight`, where in flight = sent - credited.
    pub fn supply(&self) -> u128 {
        let balances: u128 = self.states.iter().map(|s| s.total_balance()).sum();
        let burned: u128 = self
            .states
            .iter()
            .map(|s| u128::from(s.burned_fees()))
            .sum();
        let sent: u128 = self
            .states
            .iter()
            .map(|s| u128::from(s.receipts_sent_amount()))
            .sum();
        let credited: u128 = self
            .states
            .iter()
            .map(|s| u128::from(s.receipts_credited_amount()))
            .sum();
        balances + burned + sent - credited
    }

    /// Crosslinks every shard's pending blocks: records the data root and proves every receipt.
    pub fn crosslink_all(&mut self) {
        for shard in 0..SHARDS as usize {
            let blocks = std::mem::take(&mut self.pending[shard]);
            if blocks.is_empty() {
                continue;
            }
            let roots: Vec<Root> = blocks
                .iter()
                .map(|(b, _)| b.header().signing_root_())
                .collect();
            let start = blocks.first().map(|(b, _)| b.slot).unwrap_or(0);
            let end = blocks.last().map(|(b, _)| b.slot + 1).unwrap_or(0);
            let head = blocks.last().map(|(b, _)| b.state_root).unwrap_or_default();
            let data = ShardCrosslinkData::new(shard as u64, start, end, roots, head).unwrap();
            self.crosslinks.0.insert((shard as u64, data.root()));
            for (position, (block, receipts)) in blocks.iter().enumerate() {
                let header = block.header();
                for i in 0..receipts.len() {
                    let proven =
                        build_receipt_proof(receipts, i, &header, &data, position).unwrap();
                    let dest = shard::compute_home_shard(&proven.receipt.to, SHARDS);
                    self.inbox.entry(dest).or_default().push(proven);
                }
            }
        }
    }

    /// Produces and applies the block of `shard` at `slot` with `transactions` and the shard's
    /// whole inbox; records it for the next crosslink.
    pub fn produce(
        &mut self,
        shard: u64,
        slot: u64,
        transactions: Vec<shard::Transaction>,
    ) -> Result<ProducedBlock, shard::BlockError> {
        let incoming = self.inbox.remove(&shard).unwrap_or_default();
        let context = ExecutionContext::new(true, &self.crosslinks);
        let template = BlockTemplate {
            slot,
            incoming_receipts: incoming.clone(),
            ..BlockTemplate::default()
        };
        let result = shard::produce_block_from(
            &mut self.states[shard as usize],
            transactions,
            template,
            &context,
        );
        match &result {
            Ok(produced) => self.pending[shard as usize].push((
                produced.block.clone(),
                produced.outcome.outgoing_receipts.clone(),
            )),
            Err(_) => {
                self.inbox.insert(shard, incoming);
            }
        }
        result
    }
}

/// `signing_root` through the trait, under a name that does not need the import.
pub trait RootOf {
    fn signing_root_(&self) -> Root;
}

impl RootOf for shard::ShardBlockHeader {
    fn signing_root_(&self) -> Root {
        consensus::sszx::SigningRoot::signing_root(self)
    }
}
