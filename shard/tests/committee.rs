//! Shard committees fall back to the latest epoch with a committee; proposers are members.

use consensus::committees::EpochShuffling;
use consensus::containers::Validator;
use consensus::primitives::Root;
use consensus::{Minimal, Preset};
use shard::committee::{get_shard_committee, shard_proposer, CommitteeError};
use std::collections::BTreeMap;

fn shuffling(epoch: u64, start_shard: u64, committee_count: u64) -> EpochShuffling {
    EpochShuffling {
        epoch,
        seed: Root::new([epoch as u8 + 1; 32]),
        start_shard,
        committee_count,
        active_shard_count: 8,
        committee_shard_count: 8,
        shuffled: (0..32).rev().collect(),
    }
}

#[test]
fn committee_falls_back_and_proposer_is_a_member() {
    let mut source = BTreeMap::new();
    // Epoch 0 covers shards 0..4, epoch 1 covers shards 4..8 (4 committees each).
    source.insert(0, shuffling(0, 0, 4));
    source.insert(1, shuffling(1, 4, 4));
    let own = get_shard_committee(&source, 1, 5).unwrap();
    assert_eq!(own.from_epoch, 1);
    let fallback = get_shard_committee(&source, 1, 2).unwrap();
    assert_eq!(fallback.from_epoch, 0);
    assert_eq!(fallback.members, source[&0].committee(2).unwrap().to_vec());
    assert!(matches!(
        get_shard_committee(&source, 1, 8),
        Err(CommitteeError::ShardOutOfRange { .. })
    ));
    let only_late: BTreeMap<u64, EpochShuffling> = [(1, shuffling(1, 4, 4))].into();
    assert!(matches!(
        get_shard_committee(&only_late, 1, 2),
        Err(CommitteeError::MissingShuffling { epoch: 0 })
    ));

    let validators: Vec<Validator> = (0..32)
        .map(|_| Validator {
            effective_balance: Minimal::MAX_EFFECTIVE_BALANCE,
            ..Validator::default()
        })
        .collect();
    let mut proposers = Vec::new();
    for slot in 8..16 {
        let p = shard_proposer::<Minimal, _>(&source, &validators, 2, slot).unwrap();
        assert!(fallback.members.contains(&p));
        assert_eq!(
            p,
            shard_proposer::<Minimal, _>(&source, &validators, 2, slot).unwrap()
        );
        proposers.push(p);
    }
    proposers.sort_unstable();
    proposers.dedup();
    assert!(proposers.len() > 1, "the seed varies with the slot");
}
