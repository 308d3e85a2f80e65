//! End to end: transfers within and across shards, blocks re-executed by a validator,
//! crosslinks, receipt proofs, double-credit refusal and supply conservation.

mod support;

use consensus::primitives::Root;
use shard::execute::{execute_block_with, ExecutionContext};
use shard::receipt_proof::ReceiptError;
use shard::transaction::address_of;
use shard::{compute_home_shard, BlockError, Transaction};
use support::*;

#[test]
fn cross_shard_transfer_is_debited_proven_and_credited_once() {
    let keys = keys();
    let mut world = World::new();
    let validator_states = world.states.clone();
    let sender = &keys[0][0];
    let local_to = address_of(&keys[0][1]);
    let remote_to = address_of(&keys[2][3]);
    assert_eq!(compute_home_shard(&remote_to, SHARDS), 2);
    let txs = vec![
        Transaction::signed_transfer(sender, local_to, 100, 3, 0),
        Transaction::signed_transfer(sender, remote_to, 500, 7, 1),
    ];
    let produced = world.produce(0, 1, txs).unwrap();
    assert_eq!(produced.outcome.outgoing_receipts.len(), 1);
    assert_eq!(produced.outcome.fees_burned, 10);
    let receipt = &produced.outcome.outgoing_receipts[0];
    assert_eq!(
        (receipt.source_shard, receipt.index, receipt.amount),
        (0, 0, 500)
    );
    assert_eq!(world.supply(), world.genesis_supply);
    assert_eq!(
        world.states[0]
            .account(&address_of(sender))
            .unwrap()
            .balance,
        1_000_000 - 610
    );

    // A validator re-executes the block from its own copy and reaches the same state.
    let mut replica = validator_states[0].clone();
    let outcome = shard::execute_block(&mut replica, &produced.block, true).unwrap();
    assert_eq!(outcome, produced.outcome);
    assert_eq!(replica.state_root(), world.states[0].state_root());
    assert_eq!(replica.recompute_root(), outcome.state_root);

    // Not crosslinked yet: the receipt cannot be credited.
    world.crosslink_all();
    let inbox = world.inbox.get(&2).cloned().unwrap();
    assert_eq!(inbox.len(), 1);
    let before = world.states[2].account(&remote_to).unwrap().balance;
    world.produce(2, 1, vec![]).unwrap();
    assert_eq!(
        world.states[2].account(&remote_to).unwrap().balance,
        before + 500
    );
    assert!(world.states[2].is_receipt_credited(0, 0));
    assert_eq!(world.supply(), world.genesis_supply);

    // The same receipt again: refused by name, state untouched.
    let root = world.states[2].state_root();
    world.inbox.insert(2, inbox.clone());
    let err = world.produce(2, 2, vec![]).unwrap_err();
    assert!(matches!(
        err,
        BlockError::Receipt {
            position: 0,
            error: ReceiptError::AlreadyCredited {
                source_shard: 0,
                index: 0,
                expected: 1
            }
        }
    ));
    assert_eq!(world.states[2].state_root(), root);
    assert_eq!(world.states[2].recompute_root(), root);

    // A tampered amount breaks the proof; an unknown crosslink is refused.
    let mut forged = inbox[0].clone();
    forged.receipt.amount += 1;
    let no_crosslinks = shard::NoCrosslinks;
    let err = shard::receipt_proof::verify_receipt_proof(&forged, &world.crosslinks).unwrap_err();
    assert!(matches!(err, ReceiptError::BadReceiptBranch { .. }));
    let err = shard::receipt_proof::verify_receipt_proof(&inbox[0], &no_crosslinks).unwrap_err();
    assert!(matches!(err, ReceiptError::UnknownCrosslink { .. }));
    let mut wrong_block = inbox[0].clone();
    wrong_block.proof.block_header.slot += 1;
    assert!(matches!(
        shard::receipt_proof::verify_receipt_proof(&wrong_block, &world.crosslinks),
        Err(ReceiptError::BadBlockBranch { .. })
    ));
    // A receipt delivered to the wrong shard.
    assert!(matches!(
        shard::execute::process_incoming_receipt(
            &mut world.states[1],
            0,
            &inbox[0],
            &world.crosslinks
        ),
        Err(BlockError::Receipt {
            error: ReceiptError::NotForThisShard { .. },
            ..
        })
    ));
}

#[test]
fn receipts_of_a_pair_are_numbered_per_destination_and_credited_in_order() {
    let keys = keys();
    let mut world = World::new();
    let sender = &keys[0][0];
    let to_two = address_of(&keys[2][3]);
    let to_one = address_of(&keys[1][2]);
    let txs = vec![
        Transaction::signed_transfer(sender, to_two, 5, 1, 0),
        Transaction::signed_transfer(sender, to_one, 6, 1, 1),
        Transaction::signed_transfer(sender, to_two, 7, 1, 2),
    ];
    let produced = world.produce(0, 1, txs).unwrap();
    let ids: Vec<(u64, u64)> = produced
        .outcome
        .outgoing_receipts
        .iter()
        .map(|r| (r.index, r.amount))
        .collect();
    // Each destination numbers its receipts from 0.
    assert_eq!(ids, vec![(0, 5), (0, 6), (1, 7)]);
    assert_eq!(world.states[0].outgoing_counts(), &[0, 1, 2, 0][..]);
    world.crosslink_all();

    // Receipt 1 to shard 2 before receipt 0: refused by name, nothing changes.
    let inbox = world.inbox.get(&2).cloned().unwrap();
    assert_eq!(inbox.len(), 2);
    let root = world.states[2].state_root();
    world.inbox.insert(2, vec![inbox[1].clone()]);
    let err = world.produce(2, 1, vec![]).unwrap_err();
    assert!(matches!(
        err,
        BlockError::Receipt {
            position: 0,
            error: ReceiptError::OutOfOrder {
                source_shard: 0,
                index: 1,
                expected: 0
            }
        }
    ));
    assert_eq!(world.states[2].state_root(), root);
    // In order, both are credited.
    world.inbox.insert(2, inbox);
    world.produce(2, 1, vec![]).unwrap();
    assert_eq!(world.states[2].incoming_counts(), &[2, 0, 0, 0][..]);
    assert_eq!(world.supply(), world.genesis_supply);
}

#[test]
fn invalid_blocks_are_refused_by_rule_and_leave_state_unchanged() {
    let keys = keys();
    let world = World::new();
    let mut state = world.states[1].clone();
    let root = state.state_root();
    let sender = &keys[1][0];
    let to = address_of(&keys[1][1]);
    let good = vec![Transaction::signed_transfer(sender, to, 10, 1, 0)];
    let block = shard::workload::build_block(&state, good.clone(), 1).unwrap();

    // Wrong nonce, named with expected/got.
    let bad = vec![
        Transaction::signed_transfer(sender, to, 10, 1, 0),
        Transaction::signed_transfer(sender, to, 10, 1, 5),
    ];
    let err = shard::workload::build_block(&state, bad, 1).unwrap_err();
    assert!(err.to_string().contains("must use nonce 1, got 5"), "{err}");

    // A forged signature inside a block: the batch fails and names the transaction.
    let mut forged = block.clone();
    forged.body.transactions[0].amount = 11;
    let err = shard::execute_block(&mut state, &forged, true).unwrap_err();
    assert!(matches!(
        err,
        BlockError::Signatures(shard::signatures::SignatureBatchError::BadSignature {
            position: 0,
            ..
        })
    ));
    // Without signature checks, the changed body still changes the state root.
    let err = shard::execute_block(&mut state, &forged, false).unwrap_err();
    assert!(matches!(err, BlockError::StateRootMismatch { .. }));
    assert_eq!(state.state_root(), root);
    assert_eq!(state.recompute_root(), root);

    // Wrong parent, old slot, wrong shard.
    let mut orphan = block.clone();
    orphan.parent_root = Root::new([1; 32]);
    assert!(matches!(
        shard::execute_block(&mut state, &orphan, true),
        Err(BlockError::WrongParent { .. })
    ));
    let mut other = block.clone();
    other.shard = 2;
    assert!(matches!(
        shard::execute_block(&mut state, &other, true),
        Err(BlockError::WrongShard { .. })
    ));

    // Sender on another shard.
    let foreign = vec![Transaction::signed_transfer(&keys[2][0], to, 10, 1, 0)];
    let err = shard::workload::build_block(&state, foreign, 1).unwrap_err();
    assert!(err.to_string().contains("check_sender_shard"), "{err}");
    // Insufficient balance.
    let broke = vec![Transaction::signed_transfer(sender, to, 1_000_000, 1, 0)];
    let err = shard::workload::build_block(&state, broke, 1).unwrap_err();
    assert!(err.to_string().contains("check_balance"), "{err}");

    // The good block applies; then the same slot again is refused.
    shard::execute_block(&mut state, &block, true).unwrap();
    assert!(matches!(
        shard::execute_block(&mut state, &block, true),
        Err(BlockError::SlotNotAfterParent { .. }) | Err(BlockError::WrongParent { .. })
    ));
    // Limits from the configuration.
    let config = consensus::ChainConfig {
        shard_block_max_transactions: 1,
        ..consensus::ChainConfig::default()
    };
    let two = shard::workload::build_simple_transfers(&state, &keys[1], 2, true);
    let next = shard::workload::build_block(&state, two, 2).unwrap();
    let mut context = ExecutionContext::new(true, &shard::NoCrosslinks);
    context.limits = shard::BlockLimits::from_config(&config);
    assert!(matches!(
        execute_block_with(&mut state, &next, &context),
        Err(BlockError::TooManyTransactions { count: 2, max: 1 })
    ));
}
