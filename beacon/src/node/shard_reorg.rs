//! What a shard reorg gives back: the transactions of the blocks the old head's branch had and
//! the new head's chain does not.
//!
//! The mempool forgets a transaction once the head state has used its nonce. When the head
//! then moves to a branch that never ran it, nothing would ever offer that nonce again, and
//! every later transaction of its sender waits behind the gap for good: swarm seed 0 ran shard
//! 3 with empty blocks for the last 55 slots while its mempool grew to 3,245 transactions.
//! Execution clients put a reorg's dropped transactions back into their pool; so does this.
//!
//! **Must never** admit a transaction whose signature nobody checked: every one comes from a
//! block this node imported, whose transactions were checked then.

use super::shard_chain::ShardChain;
use consensus::primitives::Root;
use shard::Transaction;

/// The transactions of the blocks from `old_head` back to (not including) the first block on
/// the chain's current head, oldest block first. Empty when the old head is an ancestor of the
/// new one (the head only grew).
pub fn orphaned_transactions(chain: &ShardChain, old_head: &Root) -> Vec<Transaction> {
    let head = chain.head_root();
    let mut blocks = Vec::new();
    let mut at = *old_head;
    while !chain.is_ancestor(&at, &head) {
        let Some(entry) = chain.entry(&at) else {
            break;
        };
        if let Some(block) = &entry.block {
            blocks.push(block.clone());
        }
        if at == chain.root() {
            break;
        }
        at = entry.parent;
    }
    blocks
        .iter()
        .rev()
        .flat_map(|block| block.body.transactions.iter().cloned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shard::execute::ExecutionContext;
    use shard::genesis::{genesis_keys, genesis_state_from_keys};
    use shard::transaction::address_of;
    use shard::{produce_block_from, BlockTemplate, NoCrosslinks};
    use std::sync::Arc;

    /// Builds a block at `slot` on `parent` with `transactions` and records it in `chain`.
    fn extend(
        chain: &mut ShardChain,
        parent: Root,
        slot: u64,
        transactions: Vec<Transaction>,
    ) -> Root {
        let mut state = chain.state_of(&parent).expect("parent state");
        let template = BlockTemplate {
            slot,
            beacon_block_root: Root::new([slot as u8; 32]),
            proposer_index: 0,
            incoming_receipts: Vec::new(),
        };
        let context = ExecutionContext::new(false, &NoCrosslinks);
        let produced = produce_block_from(&mut state, transactions, template, &context).unwrap();
        let root = produced.outcome.block_root;
        let header = produced.block.header_with(produced.outcome.body_root);
        let outgoing = produced.outcome.outgoing_receipts;
        assert!(chain.insert(Arc::new(produced.block), header, root, state, outgoing));
        root
    }

    /// A head on a branch that ran `a`'s nonces 0 and 1 moves to a branch that ran only
    /// `b`'s nonce 0: `a`'s two transactions come back, in nonce order, and are admitted
    /// against the new head; `b`'s, which the new head ran, would be refused as stale.
    #[test]
    fn a_reorg_gives_back_the_dropped_branch_transactions() {
        let keys = genesis_keys(0, 1, 2).unwrap();
        let genesis = genesis_state_from_keys(0, 1, &keys, 1_000_000).unwrap();
        let (a, b) = (&keys[0].1, &keys[1].1);
        let to = address_of(b);
        let mut chain = ShardChain::new(genesis);
        let base = chain.root();
        let a0 = Transaction::signed_transfer(a, to, 5, 1, 0);
        let a1 = Transaction::signed_transfer(a, to, 5, 1, 1);
        let b0 = Transaction::signed_transfer(b, address_of(a), 5, 1, 0);
        let first = extend(&mut chain, base, 1, vec![a0.clone()]);
        let old_head = extend(&mut chain, first, 2, vec![a1.clone()]);
        let other = extend(&mut chain, base, 3, vec![b0.clone()]);
        chain.set_head(old_head);
        assert!(orphaned_transactions(&chain, &old_head).is_empty());
        chain.set_head(other);
        let orphaned = orphaned_transactions(&chain, &old_head);
        assert_eq!(orphaned, vec![a0.clone(), a1.clone()]);
        assert_eq!(chain.readmit(orphaned), 2);
        assert_eq!(chain.mempool.get(&a0.from, 0), Some(&a0));
        assert_eq!(chain.mempool.get(&a1.from, 1), Some(&a1));
        assert_eq!(chain.readmit(vec![b0]), 0);
    }
}
