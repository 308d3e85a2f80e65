//! Mempool: typed refusals, replacement, eviction, ordering and production from it.

mod support;

use shard::execute::ExecutionContext;
use shard::mempool::{Inserted, MempoolError};
use shard::transaction::{address_of, TRANSACTION_SIZE};
use shard::validity::TransactionError;
use shard::{BlockTemplate, Mempool, MempoolLimits, NoCrosslinks, Transaction};
use support::*;

#[test]
fn refusals_replacement_and_eviction() {
    let keys = keys();
    let world = World::new();
    let state = &world.states[0];
    let (a, b) = (&keys[0][0], &keys[0][1]);
    let to = address_of(&keys[0][2]);
    let mut pool = Mempool::new(MempoolLimits {
        max_transactions: 3,
        max_bytes: 10 * TRANSACTION_SIZE,
        max_nonce_gap: 4,
    });
    assert_eq!(
        pool.insert(Transaction::signed_transfer(a, to, 5, 2, 0), state, true),
        Ok(Inserted::Added)
    );
    // Same (sender, nonce): only a higher fee replaces.
    assert!(matches!(
        pool.insert(Transaction::signed_transfer(a, to, 5, 2, 0), state, true),
        Err(MempoolError::ReplacementUnderpriced {
            existing_fee: 2,
            offered_fee: 2,
            ..
        })
    ));
    assert_eq!(
        pool.insert(Transaction::signed_transfer(a, to, 5, 3, 0), state, true),
        Ok(Inserted::Replaced { previous_fee: 2 })
    );
    // Bad signature, sender elsewhere, nonce too far, balance too small.
    let mut forged = Transaction::signed_transfer(a, to, 5, 9, 1);
    forged.amount = 6;
    assert!(matches!(
        pool.insert(forged, state, true),
        Err(MempoolError::Invalid(TransactionError::BadSignature { .. }))
    ));
    assert!(matches!(
        pool.insert(
            Transaction::signed_transfer(&keys[1][0], to, 5, 9, 0),
            state,
            true
        ),
        Err(MempoolError::Invalid(
            TransactionError::SenderNotOnShard { .. }
        ))
    ));
    assert!(matches!(
        pool.insert(Transaction::signed_transfer(a, to, 5, 9, 9), state, true),
        Err(MempoolError::NonceTooFarAhead {
            next: 0,
            got: 9,
            ..
        })
    ));
    assert!(matches!(
        pool.insert(
            Transaction::signed_transfer(a, to, 2_000_000, 9, 1),
            state,
            true
        ),
        Err(MempoolError::Invalid(
            TransactionError::InsufficientBalance { .. }
        ))
    ));
    pool.insert(Transaction::signed_transfer(a, to, 5, 1, 1), state, true)
        .unwrap();
    pool.insert(Transaction::signed_transfer(b, to, 5, 4, 0), state, true)
        .unwrap();
    assert_eq!(pool.len(), 3);
    // Full: a fee that does not beat the cheapest (1) is refused, a higher one evicts it.
    assert!(matches!(
        pool.insert(Transaction::signed_transfer(b, to, 5, 1, 1), state, true),
        Err(MempoolError::PoolFull {
            lowest_fee: 1,
            offered_fee: 1
        })
    ));
    let evicted = pool
        .insert(Transaction::signed_transfer(b, to, 5, 6, 1), state, true)
        .unwrap();
    assert_eq!(
        evicted,
        Inserted::AddedEvicting {
            from: address_of(a),
            nonce: 1,
            fee: 1
        }
    );
    assert_eq!(pool.len(), 3);
    assert_eq!(pool.bytes(), 3 * TRANSACTION_SIZE);
}

#[test]
fn production_takes_fee_first_then_nonce_and_prunes() {
    let keys = keys();
    let mut world = World::new();
    let to = address_of(&keys[3][5]);
    let mut pool = Mempool::new(MempoolLimits::default());
    let state = world.states[3].clone();
    // Sender 0: fees 1 then 50 (nonce order forces 1 first); sender 1: fee 10.
    for tx in [
        Transaction::signed_transfer(&keys[3][0], to, 5, 1, 0),
        Transaction::signed_transfer(&keys[3][0], to, 5, 50, 1),
        Transaction::signed_transfer(&keys[3][1], to, 5, 10, 0),
        Transaction::signed_transfer(&keys[3][2], to, 5, 20, 1), // gap: not runnable
    ] {
        pool.insert(tx, &state, true).unwrap();
    }
    let chosen = pool.select(&state, 10, usize::MAX);
    let order: Vec<(u64, u64)> = chosen.iter().map(|t| (t.fee, t.nonce)).collect();
    assert_eq!(order, vec![(10, 0), (1, 0), (50, 1)]);
    assert_eq!(pool.select(&state, 2, usize::MAX).len(), 2);

    let context = ExecutionContext::new(true, &NoCrosslinks);
    let template = BlockTemplate {
        slot: 1,
        ..BlockTemplate::default()
    };
    let produced = shard::produce_block(&mut world.states[3], &pool, template, &context).unwrap();
    assert_eq!(produced.block.body.transactions.len(), 3);
    pool.prune(&world.states[3]);
    assert_eq!(pool.len(), 1);
    assert_eq!(world.supply(), world.genesis_supply);
}
