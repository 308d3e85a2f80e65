//! Genesis tests: the pyspec test genesis against the reference's known answers (5.2), then
//! the interop genesis of design D3 for internal consistency.

use super::*;
use crate::slots::process_slots;
use crate::state_root::state_root;
use consensus::accessors::get_seed;
use consensus::bls::SecretKey;
use consensus::committees::EpochShuffling;
use consensus::hash::{merkleize_chunks, mix_in_length};
use consensus::Minimal;

/// `create_genesis_state` of the pyspec test helpers: privkey of validator `i` is `i + 1`.
fn pyspec_test_genesis(count: u64, balance: u64) -> BeaconState<Minimal> {
    let mut state = BeaconState::<Minimal> {
        eth1_deposit_index: count,
        eth1_data: Eth1Data {
            deposit_root: Root::new([0x42; 32]),
            deposit_count: count,
            block_hash: Root::zero(),
        },
        ..BeaconState::default()
    };
    state.latest_block_header.body_root = hash_tree_root(&BeaconBlockBody::default());
    for i in 0..count {
        let mut secret = [0u8; 32];
        secret[24..].copy_from_slice(&(i + 1).to_be_bytes());
        let pubkey = *SecretKey::from_bytes(&secret)
            .unwrap()
            .public_key()
            .as_bytes();
        let effective_balance = (balance - balance % 1_000_000_000).min(32_000_000_000);
        let activated = effective_balance >= 32_000_000_000;
        let epoch = if activated { 0 } else { FAR_FUTURE_EPOCH };
        state.validators.make_mut().push(Validator {
            pubkey,
            withdrawal_credentials: bls_withdrawal_credentials(&pubkey),
            effective_balance,
            slashed: false,
            activation_eligibility_epoch: epoch,
            activation_epoch: epoch,
            exit_epoch: FAR_FUTURE_EPOCH,
            withdrawable_epoch: FAR_FUTURE_EPOCH,
        });
        state.balances.make_mut().push(balance);
    }
    let active = get_active_validator_indices(&state, 0);
    let root = u64_list_root(&active, 1 << 40);
    // Quirk of the test helper: the compact-committees roots get the active-index root too.
    state.active_index_roots.fill(root);
    state.compact_committees_roots.fill(root);
    state
}

#[test]
fn pyspec_test_genesis_known_answers() {
    let config = ChainConfig::reference::<Minimal>();
    let state = pyspec_test_genesis(64, 32_000_000_000);
    assert!(state.validators[0]
        .pubkey
        .to_hex()
        .starts_with("0x97f1d3a7"));
    assert!(state.validators[0].pubkey.to_hex().ends_with("db22c6bb"));
    assert_eq!(
        state_root(&state).to_hex(),
        "0x14f7ff5c3587ba9755cbba9b6b59082e4b7c8a76c6165b9230059b1ec09b1c38"
    );
    assert_eq!(
        get_seed(&state, 0).to_hex(),
        "0x89219436d4039700b3ab05602bd5782705ddd538786a071cf2a6444d767044cc"
    );
    let shuffling = EpochShuffling::new(&state, 0, &config).unwrap();
    assert_eq!(
        shuffling.committee(0).unwrap(),
        &[9, 18, 2, 1, 61, 5, 41, 24]
    );
    let proposers: Vec<u64> = (0..8)
        .map(|slot| {
            shuffling
                .proposer::<Minimal>(&state.validators, slot)
                .unwrap()
        })
        .collect();
    assert_eq!(proposers, [9, 4, 52, 16, 19, 57, 48, 38]);

    let mut one = state.clone();
    process_slots(&mut one, 1, &config).unwrap();
    assert_eq!(
        state_root(&one).to_hex(),
        "0xa919bf0140f380c732afb86300d0a5598b7541420a4c8df064723653aa2e88d0"
    );
    let mut eight = state;
    process_slots(&mut eight, 8, &config).unwrap();
    assert_eq!(eight.start_shard, 7);
    assert_eq!(
        state_root(&eight).to_hex(),
        "0xf6884b700206092a74802beaf427889da73615dcb0fef858ee490f860a6e3d6c"
    );
}

#[test]
fn interop_genesis_is_consistent() {
    let config = ChainConfig {
        validator_count: 256,
        genesis_time: 1_600_000_000,
        ..ChainConfig::reference::<Minimal>()
    };
    let state = genesis_from_config::<Minimal>(&config).unwrap();
    assert_eq!(state.validators.len(), 256);
    assert_eq!(state.genesis_time, 1_600_000_000);
    assert!(is_valid_genesis_state(&state));
    // Published interop keys (design D3) give the registry's first keys.
    assert_eq!(state.validators[0].pubkey, *interop_keypair(0).1.as_bytes());
    assert_eq!(state.validators[1].pubkey, *interop_keypair(1).1.as_bytes());
    for (v, b) in state.validators.iter().zip(state.balances.iter()) {
        assert_eq!(v.activation_epoch, 0);
        assert_eq!(v.effective_balance, 32_000_000_000);
        assert_eq!(*b, 32_000_000_000);
        assert_eq!(v.withdrawal_credentials.0[0], 0);
        assert_eq!(
            v.withdrawal_credentials.0[1..],
            hash(&v.pubkey.0).0[1..],
            "credentials commit to the key"
        );
    }
    // Every validator sits in exactly one committee of epoch 0.
    let shuffling = EpochShuffling::new(&state, 0, &config).unwrap();
    let mut seen = vec![0u32; 256];
    for shard in shuffling.shards() {
        for &i in shuffling.committee(shard).unwrap() {
            seen[i as usize] += 1;
        }
    }
    assert!(
        seen.iter().all(|&n| n == 1),
        "committees cover everyone once"
    );
    // The deposit root commits to the registry.
    let leaves: Vec<[u8; 32]> = state
        .validators
        .iter()
        .map(|v| hash_tree_root(&interop_deposit_data::<Minimal>(v.pubkey)).0)
        .collect();
    assert_eq!(
        state.eth1_data.deposit_root,
        mix_in_length(&merkleize_chunks(&leaves, 1 << 32), 256)
    );
    assert_eq!(state.eth1_data.deposit_count, 256);
    assert_eq!(state.eth1_deposit_index, 256);
    assert_eq!(
        state.compact_committees_roots[5],
        get_compact_committees_root_at_genesis(&state, &config)
    );
    // Slots and an epoch transition run on it.
    let mut next = state.clone();
    process_slots(&mut next, 9, &config).unwrap();
    assert_eq!(next.slot, 9);
}

/// The compact-committees root §5.1 computes: with zero active-index roots and mixes.
fn get_compact_committees_root_at_genesis(
    state: &BeaconState<Minimal>,
    config: &ChainConfig,
) -> Root {
    let mut bare = state.clone();
    bare.active_index_roots.fill(Root::zero());
    get_compact_committees_root(&bare, 0, config).unwrap()
}

/// Siblings of leaf `index` in the depth-32 tree of `leaves`, then the length: the 33-element
/// proof `process_deposit` checks.
fn deposit_proof(leaves: &[[u8; 32]], index: usize) -> Vec<Root> {
    let mut proof = Vec::new();
    for height in 0..32u32 {
        let width = 1usize << height;
        let sibling = (index >> height) ^ 1;
        let start = sibling.saturating_mul(width);
        let slice: &[[u8; 32]] = if start >= leaves.len() {
            &[]
        } else {
            &leaves[start..(start + width).min(leaves.len())]
        };
        proof.push(merkleize_chunks(slice, width));
    }
    let mut length = [0u8; 32];
    length[..8].copy_from_slice(&(leaves.len() as u64).to_le_bytes());
    proof.push(Root::new(length));
    proof
}

#[test]
fn interop_genesis_equals_genesis_from_deposits() {
    let config = ChainConfig {
        validator_count: 64,
        genesis_time: 1_234,
        ..ChainConfig::reference::<Minimal>()
    };
    let direct = genesis_from_config::<Minimal>(&config).unwrap();
    let data: Vec<DepositData> = interop_pubkeys(64)
        .into_iter()
        .map(interop_deposit_data::<Minimal>)
        .collect();
    let leaves: Vec<[u8; 32]> = data.iter().map(|d| hash_tree_root(d).0).collect();
    // Deposit j is proven against the tree of deposits 0..=j.
    let deposits: Vec<Deposit> = data
        .iter()
        .enumerate()
        .map(|(j, d)| Deposit {
            proof: deposit_proof(&leaves[..=j], j).try_into().unwrap(),
            data: d.clone(),
        })
        .collect();
    let mut from_eth1 = initialize_beacon_state_from_eth1::<Minimal>(
        INTEROP_ETH1_BLOCK_HASH,
        1 << 40,
        &deposits,
        &config,
        Crypto::fake_for_simulation(),
    )
    .unwrap();
    assert_eq!(
        from_eth1.genesis_time,
        (1u64 << 40) - (1 << 40) % 86_400 + 2 * 86_400
    );
    from_eth1.genesis_time = config.genesis_time;
    assert_eq!(from_eth1, direct);

    // A wrong proof is refused, naming the deposit.
    let mut bad = deposits.clone();
    bad[3].proof[0] = Root::new([1; 32]);
    let err = initialize_beacon_state_from_eth1::<Minimal>(
        INTEROP_ETH1_BLOCK_HASH,
        0,
        &bad,
        &config,
        Crypto::fake_for_simulation(),
    )
    .unwrap_err();
    assert!(
        matches!(err, GenesisError::Deposit { index: 3, .. }),
        "{err}"
    );
}

#[test]
fn genesis_validity_rules() {
    let mut state = pyspec_test_genesis(64, 32_000_000_000);
    assert!(
        !is_valid_genesis_state(&state),
        "genesis_time 0 is too early"
    );
    state.genesis_time = Minimal::MIN_GENESIS_TIME;
    assert!(is_valid_genesis_state(&state));
    let few = BeaconState::<Minimal> {
        genesis_time: Minimal::MIN_GENESIS_TIME,
        ..pyspec_test_genesis(63, 32_000_000_000)
    };
    assert!(!is_valid_genesis_state(&few));
    // A configuration for another preset is refused.
    let mainnet = ChainConfig::reference::<consensus::Mainnet>();
    assert!(genesis_from_config::<Minimal>(&mainnet).is_err());
}

/// Design D7: with fewer active shards than slots per epoch, every slot keeps a committee,
/// every validator still sits in exactly one committee per epoch, each active shard has a
/// committee every epoch, and only committees below the active shard count crosslink data.
#[test]
fn fewer_shards_than_slots_keep_one_committee_per_slot() {
    for active in [1u64, 2, 5] {
        let config = ChainConfig {
            active_shard_count: active,
            validator_count: 256,
            ..ChainConfig::reference::<Minimal>()
        };
        let mut state = genesis_from_config::<Minimal>(&config).unwrap();
        for epoch in 0..4u64 {
            if epoch > 0 {
                process_slots(&mut state, epoch * 8, &config).unwrap();
            }
            let shuffling = EpochShuffling::new(&state, epoch, &config).unwrap();
            assert_eq!(shuffling.committee_shard_count, 8);
            assert_eq!(shuffling.committee_count, 8, "one committee per slot");
            let mut seen = vec![0u32; 256];
            let mut slots = Vec::new();
            for shard in shuffling.shards() {
                slots.push(shuffling.committee_slot::<Minimal>(shard).unwrap());
                for &i in shuffling.committee(shard).unwrap() {
                    seen[i as usize] += 1;
                }
            }
            slots.sort_unstable();
            assert_eq!(slots, (epoch * 8..epoch * 8 + 8).collect::<Vec<_>>());
            assert!(seen.iter().all(|&n| n == 1), "everyone attests once");
            let crosslinking: Vec<_> = shuffling
                .shards()
                .filter(|&s| shuffling.crosslinks_data(s))
                .collect();
            let mut sorted = crosslinking.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..active).collect::<Vec<_>>(), "epoch {epoch}");
        }
    }
}
