//! Fork choice (reference 7, v0.8.4) on real blocks: interop genesis, blocks built and run
//! through `state_transition`, attestations from the real committees, fake cryptography so
//! nothing is signed. Every test asserts concrete heads and weights.

use beacon::fork_choice::{AttestationOutcome, ForkChoice, ForkChoiceError, ProtoArrayError};
use beacon::genesis::genesis_from_config;
use beacon::slots::process_slots;
use beacon::state_root::state_root;
use beacon::transition::state_transition;
use consensus::bls::Crypto;
use consensus::committees::EpochShuffling;
use consensus::primitives::{Root, Slot, ValidatorIndex};
use consensus::sszx::{hash_tree_root, SigningRoot, SszList};
use consensus::{
    Attestation, AttestationData, BeaconBlock, BeaconBlockBody, BeaconState, ChainConfig,
    Checkpoint, CommitteeBits, Crosslink, Minimal, Preset,
};
use std::collections::BTreeMap;

type P = Minimal;
const SPE: u64 = <P as Preset>::SLOTS_PER_EPOCH;
const BALANCE: u64 = <P as Preset>::MAX_EFFECTIVE_BALANCE;
/// Far enough in the future for every block and attestation of these tests.
const LATE_MS: u64 = 1 << 40;

fn crypto() -> Crypto {
    Crypto::fake_for_simulation()
}

/// Builds blocks and attestations on the real state transition, remembering each block's
/// post-state.
struct Harness {
    config: ChainConfig,
    genesis_root: Root,
    states: BTreeMap<Root, BeaconState<P>>,
}

impl Harness {
    fn new(config: ChainConfig) -> (Self, ForkChoice<P>) {
        let genesis = genesis_from_config::<P>(&config).unwrap();
        let genesis_root = BeaconBlock {
            state_root: state_root(&genesis),
            ..BeaconBlock::default()
        }
        .signing_root();
        let fork_choice = ForkChoice::new(genesis.clone(), config.clone()).unwrap();
        assert_eq!(fork_choice.justified_checkpoint().root, genesis_root);
        let mut states = BTreeMap::new();
        states.insert(genesis_root, genesis);
        (
            Self {
                config,
                genesis_root,
                states,
            },
            fork_choice,
        )
    }

    /// The post-state of `root` advanced to `slot`.
    fn state_at(&self, root: Root, slot: Slot) -> BeaconState<P> {
        let mut state = self.states[&root].clone();
        process_slots(&mut state, slot, &self.config).unwrap();
        state
    }

    /// A valid block at `slot` on `parent`, carrying `attestations`; `graffiti` tells siblings
    /// apart.
    fn block(
        &mut self,
        parent: Root,
        slot: Slot,
        attestations: Vec<Attestation>,
        graffiti: u8,
    ) -> BeaconBlock {
        let pre = self.state_at(parent, slot);
        assert_eq!(pre.latest_block_header.signing_root(), parent);
        let mut block = BeaconBlock {
            slot,
            parent_root: parent,
            state_root: Root::zero(),
            body: BeaconBlockBody {
                eth1_data: pre.eth1_data.clone(),
                graffiti: Root::new([graffiti; 32]),
                attestations: SszList::try_from_vec(attestations).unwrap(),
                ..BeaconBlockBody::default()
            },
            signature: Default::default(),
        };
        let mut post = self.states[&parent].clone();
        state_transition(&mut post, &block, false, &self.config, crypto()).unwrap();
        block.state_root = state_root(&post);
        self.states.insert(block.signing_root(), post);
        block
    }

    /// Attestations of the committees of `target.epoch` (from the checkpoint state), with the
    /// bits of the validators `voters` selects, voting `head`. Committees with no voter are
    /// left out. Each comes with its attestation slot.
    fn votes(
        &self,
        target: &Checkpoint,
        head: Root,
        voters: impl Fn(ValidatorIndex) -> bool,
    ) -> Vec<(Slot, Attestation)> {
        let state = self.state_at(target.root, target.epoch * SPE);
        self.committee_attestations(&state, target, head, None, &voters)
    }

    /// The full attestations of the committees at `slot` on the chain of `head`, as a block at
    /// `slot + 1` includes them.
    fn included(&self, head: Root, slot: Slot) -> Vec<Attestation> {
        let state = self.state_at(head, slot);
        let epoch = slot / SPE;
        let start = epoch * SPE;
        let target_root = if start == slot {
            head
        } else {
            state.block_roots[(start % <P as Preset>::SLOTS_PER_HISTORICAL_ROOT) as usize]
        };
        let target = Checkpoint {
            epoch,
            root: target_root,
        };
        self.committee_attestations(&state, &target, head, Some(slot), &|_| true)
            .into_iter()
            .map(|(_, a)| a)
            .collect()
    }

    fn committee_attestations(
        &self,
        state: &BeaconState<P>,
        target: &Checkpoint,
        head: Root,
        only_slot: Option<Slot>,
        voters: &dyn Fn(ValidatorIndex) -> bool,
    ) -> Vec<(Slot, Attestation)> {
        let shuffling = EpochShuffling::new(state, target.epoch, &self.config).unwrap();
        let per_slot = shuffling.committee_count / SPE;
        let mut out = Vec::new();
        for (k, shard) in shuffling.shards().enumerate() {
            let slot = target.epoch * SPE + k as u64 / per_slot;
            if only_slot.is_some_and(|s| s != slot) {
                continue;
            }
            let committee = shuffling.committee(shard).unwrap();
            let bits: Vec<bool> = committee.iter().map(|v| voters(*v)).collect();
            if !bits.contains(&true) {
                continue;
            }
            let parent = &state.current_crosslinks[shard as usize];
            let data = AttestationData {
                beacon_block_root: head,
                source: state.current_justified_checkpoint.clone(),
                target: target.clone(),
                crosslink: Crosslink {
                    shard,
                    parent_root: hash_tree_root(parent),
                    start_epoch: parent.end_epoch,
                    end_epoch: target
                        .epoch
                        .min(parent.end_epoch + <P as Preset>::MAX_EPOCHS_PER_CROSSLINK),
                    data_root: Root::zero(),
                },
            };
            out.push((
                slot,
                Attestation {
                    aggregation_bits: CommitteeBits::try_from(bits.as_slice()).unwrap(),
                    data,
                    custody_bits: CommitteeBits::try_from(vec![false; committee.len()].as_slice())
                        .unwrap(),
                    signature: Default::default(),
                },
            ));
        }
        out
    }
}

fn import(fork_choice: &mut ForkChoice<P>, block: &BeaconBlock) -> Root {
    fork_choice.on_block(block, crypto()).unwrap().root
}

fn attest(
    fork_choice: &mut ForkChoice<P>,
    votes: &[(Slot, Attestation)],
) -> Vec<AttestationOutcome> {
    votes
        .iter()
        .map(|(_, a)| fork_choice.on_attestation(a, crypto()).unwrap())
        .collect()
}

fn weight(fork_choice: &ForkChoice<P>, root: &Root) -> u64 {
    fork_choice.proto_array().node(root).unwrap().weight
}

/// The effective balance of the validators `pick` selects in the justified checkpoint state:
/// what their votes weigh.
fn stake(fork_choice: &ForkChoice<P>, pick: impl Fn(u64) -> bool) -> u64 {
    let justified = fork_choice.justified_checkpoint().clone();
    let state = fork_choice.checkpoint_state(&justified).unwrap();
    (0..state.validators.len() as u64)
        .filter(|v| pick(*v))
        .map(|v| state.validators[v as usize].effective_balance)
        .sum()
}

fn applied(outcomes: &[AttestationOutcome]) -> usize {
    outcomes
        .iter()
        .map(|o| match o {
            AttestationOutcome::Applied { updated } => *updated,
            AttestationOutcome::Queued { .. } => panic!("queued: {o:?}"),
        })
        .sum()
}

#[test]
fn heavier_branch_wins_ties_go_to_the_higher_root_and_votes_move() {
    let (mut h, mut fc) = Harness::new(ChainConfig::default());
    fc.on_tick(LATE_MS);
    let g = h.genesis_root;
    let a = h.block(g, 1, vec![], 1);
    let b = h.block(g, 1, vec![], 2);
    let (a, b) = (import(&mut fc, &a), import(&mut fc, &b));
    let higher = a.max(b);
    // No votes: both weigh 0, the higher root wins.
    assert_eq!(fc.get_head().unwrap(), higher);

    let epoch0 = Checkpoint { epoch: 0, root: g };
    // 100 validators for A, 60 for B: A wins.
    assert_eq!(
        applied(&attest(&mut fc, &h.votes(&epoch0, a, |v| v < 100))),
        100
    );
    assert_eq!(
        applied(&attest(
            &mut fc,
            &h.votes(&epoch0, b, |v| (100..160).contains(&v))
        )),
        60
    );
    assert_eq!(fc.get_head().unwrap(), a);
    assert_eq!(weight(&fc, &a), 100 * BALANCE);
    assert_eq!(weight(&fc, &b), 60 * BALANCE);
    assert_eq!(weight(&fc, &g), 160 * BALANCE);
    assert_eq!(fc.latest_message(7), Some((0, a)));

    // 40 more for B: a tie at 100 validators each, the higher root wins.
    assert_eq!(
        applied(&attest(
            &mut fc,
            &h.votes(&epoch0, b, |v| (160..200).contains(&v))
        )),
        40
    );
    assert_eq!(fc.get_head().unwrap(), higher);
    assert_eq!(weight(&fc, &a), weight(&fc, &b));

    // A message of the same epoch does not replace the latest one.
    assert_eq!(
        applied(&attest(&mut fc, &h.votes(&epoch0, b, |v| v < 100))),
        0
    );
    assert_eq!(weight(&fc, &a), 100 * BALANCE);

    // Reorg: half of A's voters move to B with an epoch-1 message; B leads 150 to 50.
    let b9 = h.block(b, 9, vec![], 3);
    let b9 = import(&mut fc, &b9);
    let epoch1_on_b = Checkpoint { epoch: 1, root: b };
    assert_eq!(
        applied(&attest(&mut fc, &h.votes(&epoch1_on_b, b9, |v| v < 50))),
        50
    );
    assert_eq!(fc.get_head().unwrap(), b9);
    assert_eq!(weight(&fc, &a), 50 * BALANCE);
    assert_eq!(weight(&fc, &b), 150 * BALANCE);
    assert_eq!(weight(&fc, &b9), 50 * BALANCE);
    assert_eq!(fc.latest_message(7), Some((1, b9)));
    // And back: all 256 move to A with epoch-2 messages targeting A.
    let epoch2_on_a = Checkpoint { epoch: 2, root: a };
    assert_eq!(
        applied(&attest(&mut fc, &h.votes(&epoch2_on_a, a, |_| true))),
        256
    );
    assert_eq!(fc.get_head().unwrap(), a);
    assert_eq!(weight(&fc, &a), 256 * BALANCE);
    assert_eq!(weight(&fc, &b), 0);
}

#[test]
fn late_blocks_and_attestations_for_unknown_blocks_are_queued() {
    let (mut h, mut fc) = Harness::new(ChainConfig::default());
    fc.on_tick(LATE_MS);
    let g = h.genesis_root;
    let b1 = h.block(g, 1, vec![], 0);
    let b2 = h.block(b1.signing_root(), 2, vec![], 0);
    let b3 = h.block(b2.signing_root(), 3, vec![], 0);
    let b4 = h.block(b3.signing_root(), 4, vec![], 0);
    let c2 = h.block(b1.signing_root(), 2, vec![], 9);
    let d8 = h.block(b4.signing_root(), 8, vec![], 0);
    let (r1, r2, r4) = (b1.signing_root(), b2.signing_root(), b4.signing_root());
    let (rc2, rd8) = (c2.signing_root(), d8.signing_root());

    // Blocks arrive out of order; the caller keeps the orphans until their parent arrives.
    let mut pending: Vec<BeaconBlock> = Vec::new();
    let deliver = |fc: &mut ForkChoice<P>, block: &BeaconBlock, pending: &mut Vec<BeaconBlock>| {
        match fc.on_block(block, crypto()) {
            Err(ForkChoiceError::UnknownParent { parent, .. }) => {
                assert_eq!(parent, block.parent_root);
                pending.push(block.clone());
            }
            other => {
                other.unwrap();
                // Retry the orphans until nothing more imports.
                loop {
                    let before = pending.len();
                    let waiting = std::mem::take(pending);
                    for orphan in waiting {
                        match fc.on_block(&orphan, crypto()) {
                            Err(ForkChoiceError::UnknownParent { .. }) => pending.push(orphan),
                            other => {
                                other.unwrap();
                            }
                        }
                    }
                    if pending.len() == before {
                        break;
                    }
                }
            }
        }
    };
    deliver(&mut fc, &b4, &mut pending);
    deliver(&mut fc, &b3, &mut pending);
    assert_eq!(pending.len(), 2);
    assert_eq!(fc.get_head().unwrap(), g);
    deliver(&mut fc, &b2, &mut pending);
    assert_eq!(pending.len(), 3);
    deliver(&mut fc, &b1, &mut pending);
    assert!(pending.is_empty());
    assert_eq!(fc.get_head().unwrap(), r4);

    // 64 validators vote for c2, which is not known yet: validated and queued.
    let epoch0 = Checkpoint { epoch: 0, root: g };
    let for_c2 = h.votes(&epoch0, rc2, |v| v < 64);
    let outcomes = attest(&mut fc, &for_c2);
    assert!(outcomes
        .iter()
        .all(|o| *o == AttestationOutcome::Queued { missing: rc2 }));
    assert_eq!(fc.attestations_waiting_for(&rc2), for_c2.len());
    assert_eq!(fc.latest_message(0), None);
    assert_eq!(fc.get_head().unwrap(), r4);

    // 96 validators target epoch 1 at d8, not known yet either.
    let epoch1 = Checkpoint {
        epoch: 1,
        root: rd8,
    };
    let for_d8: Vec<(Slot, Attestation)> = {
        // Built from d8's state, which the harness knows.
        h.votes(&epoch1, rd8, |v| (64..160).contains(&v))
    };
    let outcomes = attest(&mut fc, &for_d8);
    assert!(outcomes
        .iter()
        .all(|o| *o == AttestationOutcome::Queued { missing: rd8 }));
    assert_eq!(fc.queued_attestations(), for_c2.len() + for_d8.len());

    // c2 arrives late, after blocks of later slots: its votes count at once and it leads.
    let import_c2 = fc.on_block(&c2, crypto()).unwrap();
    assert_eq!(import_c2.attestations_applied, for_c2.len());
    assert!(import_c2.attestations_rejected.is_empty());
    assert_eq!(fc.latest_message(0).map(|m| m.1), Some(rc2));
    assert_eq!(fc.get_head().unwrap(), rc2);
    assert_eq!(weight(&fc, &rc2), 64 * BALANCE);
    assert_eq!(weight(&fc, &r2), 0);

    // d8 arrives: 96 validators now outweigh c2's 64.
    let import_d8 = fc.on_block(&d8, crypto()).unwrap();
    assert_eq!(import_d8.attestations_applied, for_d8.len());
    assert_eq!(fc.queued_attestations(), 0);
    assert_eq!(fc.get_head().unwrap(), rd8);
    assert_eq!(weight(&fc, &rd8), 96 * BALANCE);
    assert_eq!(weight(&fc, &r2), 96 * BALANCE);
    assert_eq!(weight(&fc, &r1), 160 * BALANCE);

    // The same inputs in order give the same head and weights.
    let (_, mut in_order) = Harness::new(ChainConfig::default());
    in_order.on_tick(LATE_MS);
    for block in [&b1, &b2, &b3, &b4, &c2, &d8] {
        import(&mut in_order, block);
    }
    attest(&mut in_order, &for_c2);
    attest(&mut in_order, &for_d8);
    assert_eq!(in_order.get_head().unwrap(), rd8);
    for root in [r1, r2, rc2, rd8] {
        assert_eq!(weight(&in_order, &root), weight(&fc, &root));
    }

    // A known block again is reported, not re-imported.
    assert_eq!(
        fc.on_block(&b2, crypto()),
        Err(ForkChoiceError::BlockAlreadyKnown { root: r2 })
    );
}

#[test]
fn the_attestation_queue_is_bounded() {
    let config = ChainConfig::default();
    let (mut h, _) = Harness::new(config.clone());
    let genesis = h.states[&h.genesis_root].clone();
    let mut fc = ForkChoice::<P>::with_queue_capacity(genesis, config, 2).unwrap();
    fc.on_tick(LATE_MS);
    let unknown = h.block(h.genesis_root, 8, vec![], 5);
    let target = Checkpoint {
        epoch: 1,
        root: unknown.signing_root(),
    };
    let votes = h.votes(&target, target.root, |_| true);
    assert!(votes.len() >= 3);
    for (_, vote) in &votes[..2] {
        assert_eq!(
            fc.on_attestation(vote, crypto()),
            Ok(AttestationOutcome::Queued {
                missing: target.root
            })
        );
    }
    assert_eq!(
        fc.on_attestation(&votes[2].1, crypto()),
        Err(ForkChoiceError::AttestationQueueFull { capacity: 2 })
    );
    // Once the block arrives the queue drains and takes new attestations again.
    let import = fc.on_block(&unknown, crypto()).unwrap();
    assert_eq!(import.attestations_applied, 2);
    assert_eq!(fc.queued_attestations(), 0);
    assert!(matches!(
        fc.on_attestation(&votes[2].1, crypto()),
        Ok(AttestationOutcome::Applied { updated }) if updated > 0
    ));
}

#[test]
fn time_rules_of_blocks_and_attestations() {
    // Genesis at 1000 s.
    let config = ChainConfig {
        genesis_time: 1_000,
        ..ChainConfig::default()
    };
    let (mut h, mut fc) = Harness::new(config);
    assert_eq!(fc.time_ms(), 1_000_000);
    let g = h.genesis_root;
    let b2 = h.block(g, 2, vec![], 0);
    assert_eq!(
        fc.on_block(&b2, crypto()),
        Err(ForkChoiceError::BlockFromFuture {
            root: b2.signing_root(),
            slot: 2,
            slot_start_ms: 1_012_000,
            now_ms: 1_000_000
        })
    );
    fc.on_tick(1_012_000);
    let r2 = import(&mut fc, &b2);
    // Target epoch 1 starts at 1_048_000 ms.
    let epoch1 = Checkpoint { epoch: 1, root: r2 };
    let (_, early) = h.votes(&epoch1, r2, |_| true).remove(0);
    assert_eq!(
        fc.on_attestation(&early, crypto()),
        Err(ForkChoiceError::TargetEpochInFuture {
            epoch: 1,
            epoch_start_ms: 1_048_000,
            now_ms: 1_012_000
        })
    );
    // v0.8.4 quirk, reproduced: `time >= (slot + 1) · SECONDS_PER_SLOT` omits genesis_time, so
    // with a late genesis an attestation of slot 2 already counts at slot 2's start.
    let epoch0 = Checkpoint { epoch: 0, root: g };
    let (slot, at_slot_2) = h
        .votes(&epoch0, r2, |_| true)
        .into_iter()
        .find(|(slot, _)| *slot == 2)
        .unwrap();
    assert_eq!(slot, 2);
    assert!(matches!(
        fc.on_attestation(&at_slot_2, crypto()),
        Ok(AttestationOutcome::Applied { updated: 32 })
    ));

    // With genesis at 0 the same rule refuses it until slot 3 starts (18 s).
    let (mut h0, mut fc0) = Harness::new(ChainConfig::default());
    fc0.on_tick(12_000);
    let b2 = h0.block(h0.genesis_root, 2, vec![], 0);
    let r2 = import(&mut fc0, &b2);
    let epoch0 = Checkpoint {
        epoch: 0,
        root: h0.genesis_root,
    };
    let (_, at_slot_2) = h0
        .votes(&epoch0, r2, |_| true)
        .into_iter()
        .find(|(slot, _)| *slot == 2)
        .unwrap();
    assert_eq!(
        fc0.on_attestation(&at_slot_2, crypto()),
        Err(ForkChoiceError::AttestationSlotInFuture {
            slot: 2,
            earliest_ms: 18_000,
            now_ms: 12_000
        })
    );
    fc0.on_tick(18_000);
    assert!(fc0.on_attestation(&at_slot_2, crypto()).is_ok());
    assert_eq!(fc0.get_head().unwrap(), r2);
    assert_eq!(weight(&fc0, &r2), 32 * BALANCE);
}

#[test]
fn get_ancestor_and_invalid_inputs() {
    let (mut h, mut fc) = Harness::new(ChainConfig::default());
    fc.on_tick(LATE_MS);
    let g = h.genesis_root;
    let b1 = h.block(g, 1, vec![], 0);
    let r1 = import(&mut fc, &b1);
    let b3 = h.block(r1, 3, vec![], 0);
    let r3 = import(&mut fc, &b3);
    assert_eq!(fc.get_ancestor(&r3, 3), Ok(Some(r3)));
    assert_eq!(fc.get_ancestor(&r3, 2), Ok(None), "skipped slot: Z");
    assert_eq!(fc.get_ancestor(&r3, 1), Ok(Some(r1)));
    assert_eq!(fc.get_ancestor(&r3, 0), Ok(Some(g)));
    assert_eq!(fc.get_ancestor(&r3, 4), Ok(None));
    assert_eq!(
        fc.get_ancestor(&Root::new([1; 32]), 0),
        Err(ForkChoiceError::UnknownBlock {
            rule: "get_ancestor",
            root: Root::new([1; 32])
        })
    );

    // A block whose state transition fails is refused and never becomes a head candidate
    // (v0.8.4 would keep it in `blocks`).
    let mut bad = b3.clone();
    bad.body.graffiti = Root::new([7; 32]);
    bad.slot = 1; // slot 1 on a parent at slot 1
    bad.parent_root = r1;
    let bad_root = bad.signing_root();
    assert!(matches!(
        fc.on_block(&bad, crypto()),
        Err(ForkChoiceError::Transition { root, .. }) if root == bad_root
    ));
    assert!(!fc.contains_block(&bad_root));
    assert_eq!(fc.get_head().unwrap(), r3);

    // Attestations naming a shard outside the active ones, or more bits than the registry
    // allows, are typed errors, not panics.
    let epoch0 = Checkpoint { epoch: 0, root: g };
    let (_, mut vote) = h.votes(&epoch0, r3, |_| true).remove(0);
    vote.data.crosslink.shard = 1_000;
    assert!(matches!(
        fc.on_attestation(&vote, crypto()),
        Err(ForkChoiceError::AttestationSlot(_))
    ));
    let (_, mut vote) = h.votes(&epoch0, r3, |_| true).remove(0);
    vote.aggregation_bits = CommitteeBits::try_from(&[true][..]).unwrap();
    assert!(matches!(
        fc.on_attestation(&vote, crypto()),
        Err(ForkChoiceError::IndexedAttestation(_))
    ));
    let (_, mut vote) = h.votes(&epoch0, r3, |_| true).remove(0);
    let len = vote.custody_bits.len();
    let mut custody = vec![false; len];
    custody[0] = true;
    vote.custody_bits = CommitteeBits::try_from(custody.as_slice()).unwrap();
    assert!(matches!(
        fc.on_attestation(&vote, crypto()),
        Err(ForkChoiceError::InvalidIndexedAttestation(_))
    ));
    // A target epoch far before its block cannot have a checkpoint state.
    let (_, mut vote) = h.votes(&epoch0, r3, |_| true).remove(0);
    vote.data.target = Checkpoint { epoch: 0, root: r3 };
    assert!(matches!(
        fc.on_attestation(&vote, crypto()),
        Err(ForkChoiceError::CheckpointState { epoch: 0, .. })
    ));
    // Overflowing slots and epochs are typed errors.
    let mut huge = b3.clone();
    huge.slot = u64::MAX;
    assert!(matches!(
        fc.on_block(&huge, crypto()),
        Err(ForkChoiceError::Overflow { .. })
    ));
    let (_, mut vote) = h.votes(&epoch0, r3, |_| true).remove(0);
    vote.data.target = Checkpoint {
        epoch: u64::MAX,
        root: r3,
    };
    assert!(matches!(
        fc.on_attestation(&vote, crypto()),
        Err(ForkChoiceError::Overflow { .. })
    ));
    // A genesis store needs a genesis state.
    let mut late = h.states[&r3].clone();
    late.slot = 5;
    assert_eq!(
        ForkChoice::<P>::new(late, ChainConfig::default()).err(),
        Some(ForkChoiceError::NotGenesis { slot: 5 })
    );
}

/// Builds the main chain with full participation (attestations of slot `s - 1` in block `s`)
/// so justification and finalization advance, plus a heavy fork that does not descend from
/// the later justified block.
#[test]
fn a_new_justified_checkpoint_restricts_the_head_and_pruning_keeps_it() {
    let (mut h, mut fc) = Harness::new(ChainConfig::default());
    let slot_ms = |slot: u64| slot * ChainConfig::default().slot_duration_ms;
    // The clock at slot 23: the blocks of epochs 0 and 1 arrive late and are pulled up (D10),
    // which justifies nothing before epoch 2.
    fc.on_tick(slot_ms(23));
    let g = h.genesis_root;
    let mut chain = vec![g]; // chain[s] = main-chain block at slot s
    let mut blocks = vec![BeaconBlock::default()];
    for slot in 1..=32 {
        let parent = chain[slot as usize - 1];
        let attestations = if slot >= 2 {
            h.included(parent, slot - 1)
        } else {
            vec![]
        };
        let block = h.block(parent, slot, attestations, 0);
        chain.push(block.signing_root());
        blocks.push(block);
    }
    // Fork: f8 at slot 8 on b2.
    let f8 = h.block(chain[2], 8, vec![], 0xf8);
    let rf8 = f8.signing_root();

    for block in &blocks[1..=23] {
        let import = fc.on_block(block, crypto()).unwrap();
        assert!(!import.justified_updated, "slot {}", block.slot);
    }
    assert_eq!(import(&mut fc, &f8), rf8);
    // Every validator votes for f8 (target epoch 1 is f8 itself). Justified is still genesis:
    // the fork is the head.
    let on_f8 = Checkpoint {
        epoch: 1,
        root: rf8,
    };
    assert_eq!(
        applied(&attest(&mut fc, &h.votes(&on_f8, rf8, |_| true))),
        256
    );
    assert_eq!(fc.justified_checkpoint().epoch, 0);
    assert_eq!(fc.get_head().unwrap(), rf8);
    assert_eq!(weight(&fc, &rf8), 256 * BALANCE);

    // Once epoch 2 is over (the clock at slot 24), get_head pulls the leaf b23 up (D10): its
    // state justifies epochs 1 and 2, the store adopts {2, b16} before block 24 arrives (which
    // then realizes it), and the head must descend from b16, whatever the votes say.
    fc.on_tick(slot_ms(24));
    assert_eq!(fc.justified_checkpoint().epoch, 0, "not before get_head");
    assert_eq!(fc.get_head().unwrap(), chain[23]);
    assert_eq!(
        fc.justified_checkpoint(),
        &Checkpoint {
            epoch: 2,
            root: chain[16]
        }
    );
    assert_eq!(
        fc.proto_array()
            .node(&chain[23])
            .unwrap()
            .unrealized_justified_epoch,
        Some(2)
    );
    assert_eq!(
        fc.proto_array()
            .node(&rf8)
            .unwrap()
            .unrealized_justified_epoch,
        Some(0)
    );
    let import24 = fc.on_block(&blocks[24], crypto()).unwrap();
    assert!(!import24.justified_updated, "adopted at the tick already");
    assert!(!import24.finalized_updated);
    assert_eq!(fc.get_head().unwrap(), chain[24]);
    // Balances now come from the justified checkpoint state, where the validators that missed
    // epoch 0 lost some effective balance.
    let total = stake(&fc, |_| true);
    assert!(total < 256 * BALANCE);
    assert_eq!(weight(&fc, &rf8), total, "the fork keeps its votes");
    assert_eq!(weight(&fc, &chain[16]), 0);
    let head = fc.get_head().unwrap();
    assert_eq!(fc.get_ancestor(&head, 16), Ok(Some(chain[16])));

    // Votes inside the justified subtree move the head between its branches: a sibling of
    // b24 with 10 votes beats b24 with none.
    let s24 = h.block(chain[23], 24, vec![], 0x24);
    let rs24 = import(&mut fc, &s24);
    let on_b16 = Checkpoint {
        epoch: 2,
        root: chain[16],
    };
    assert_eq!(
        applied(&attest(&mut fc, &h.votes(&on_b16, rs24, |v| v < 10))),
        10
    );
    assert_eq!(fc.get_head().unwrap(), rs24);
    assert_eq!(weight(&fc, &rs24), stake(&fc, |v| v < 10));

    // Epochs 3 and 4: block 32 processes the end of epoch 3, justifying epoch 3 and
    // finalizing epoch 2.
    for block in &blocks[25..=32] {
        fc.on_tick(slot_ms(block.slot));
        fc.on_block(block, crypto()).unwrap();
    }
    assert_eq!(
        fc.justified_checkpoint(),
        &Checkpoint {
            epoch: 3,
            root: chain[24]
        }
    );
    assert_eq!(
        fc.finalized_checkpoint(),
        &Checkpoint {
            epoch: 2,
            root: chain[16]
        }
    );
    let head = fc.get_head().unwrap();
    assert_eq!(head, chain[32], "rs24 is not a descendant of b24");
    fc.on_tick(LATE_MS);

    // Blocks that do not descend from the finalized block are refused.
    let on_fork = h.block(rf8, 33, vec![], 0);
    assert_eq!(
        fc.on_block(&on_fork, crypto()),
        Err(ForkChoiceError::NotDescendantOfFinalized {
            root: on_fork.signing_root(),
            finalized_root: chain[16],
            finalized_slot: 16,
            ancestor: None
        })
    );
    let sibling16 = h.block(chain[15], 16, vec![], 0x16);
    assert!(matches!(
        fc.on_block(&sibling16, crypto()),
        Err(ForkChoiceError::NotDescendantOfFinalized { ancestor: Some(a), .. }) if a == sibling16.signing_root()
    ));
    // Attestations waiting for a block before the finalized epoch can never be served.
    let ghost = Root::new([0x99; 32]);
    let (_, mut vote) = h.votes(&on_f8, rf8, |_| true).remove(0);
    vote.data.target.root = ghost;
    assert_eq!(
        fc.on_attestation(&vote, crypto()),
        Err(ForkChoiceError::UnknownTargetBeforeFinalized {
            root: ghost,
            epoch: 1,
            finalized_epoch: 2
        })
    );

    // Pruning drops genesis, b1..b15 and the fork (17 blocks) and keeps the head.
    let before = fc.proto_array().len();
    assert_eq!(fc.prune().unwrap(), 17);
    assert_eq!(fc.proto_array().len(), before - 17);
    assert_eq!(fc.get_head().unwrap(), head);
    assert!(!fc.contains_block(&rf8) && !fc.contains_block(&g));
    assert!(fc.block_state(&chain[2]).is_none());
    assert_eq!(fc.proto_array().nodes()[0].root, chain[16]);
    assert_eq!(fc.get_ancestor(&head, 24), Ok(Some(chain[24])));
    assert_eq!(
        fc.get_ancestor(&head, 8),
        Err(ForkChoiceError::ProtoArray(
            ProtoArrayError::AncestorPruned {
                root: head,
                slot: 8
            }
        ))
    );
    // The chain continues after pruning, votes included.
    let b33 = h.block(chain[32], 33, h.included(chain[32], 32), 0);
    let r33 = import(&mut fc, &b33);
    let on_b32 = Checkpoint {
        epoch: 4,
        root: chain[32],
    };
    assert_eq!(
        applied(&attest(&mut fc, &h.votes(&on_b32, r33, |_| true))),
        256
    );
    assert_eq!(fc.get_head().unwrap(), r33);
    assert_eq!(weight(&fc, &r33), stake(&fc, |_| true));
    assert_eq!(weight(&fc, &chain[16]), stake(&fc, |_| true));
}

#[test]
fn state_roots_are_checked_when_asked_and_a_proposers_post_state_is_adopted() {
    let (mut h, mut fc) = Harness::new(ChainConfig::default());
    fc.on_tick(LATE_MS);
    let g = h.genesis_root;
    let b1 = h.block(g, 1, vec![], 0);
    let mut forged = b1.clone();
    forged.state_root = Root::new([9; 32]);

    // v0.8.4 does not look at the state root...
    let mut reference = fc.clone();
    assert!(reference.on_block(&forged, crypto()).is_ok());
    // ...a node does.
    fc.set_validate_state_roots(true);
    assert!(matches!(
        fc.on_block(&forged, crypto()),
        Err(ForkChoiceError::Transition { root, .. }) if root == forged.signing_root()
    ));
    assert!(!fc.contains_block(&forged.signing_root()));

    // A proposer's own post-state is adopted as is, and equals the transition's.
    let post = h.states[&b1.signing_root()].clone();
    let mut own = fc.clone();
    let r1 = own
        .on_block_with_post_state(&b1, post.clone())
        .unwrap()
        .root;
    assert_eq!(own.block_state(&r1), Some(&post));
    let r1_again = import(&mut fc, &b1);
    assert_eq!(r1_again, r1);
    assert_eq!(fc.block_state(&r1), own.block_state(&r1));

    // A post-state that does not match the block's state root is refused.
    let b2 = h.block(r1, 2, vec![], 0);
    let mut wrong = h.states[&b2.signing_root()].clone();
    wrong.eth1_deposit_index += 1;
    let mut own = fc.clone();
    assert!(matches!(
        own.on_block_with_post_state(&b2, wrong),
        Err(ForkChoiceError::Transition { .. })
    ));
}
