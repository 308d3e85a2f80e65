//! The proto-array against a naive, recursive v0.8.4 LMD-GHOST (reference 7's `get_head` with
//! `get_latest_attesting_balance` through `get_ancestor`) over random trees, random votes and
//! balances, blocks inserted between score updates, justified checkpoints that move, and
//! pruning. Two drivers share one case: a sweep of seeded cases (reproducible from the printed
//! seed) and a proptest whose random words become every choice of the case, so a failure
//! shrinks to a small tree.

use beacon::fork_choice::{ProtoArray, ProtoArrayError, Vote, VoteTracker};
use consensus::primitives::{Root, Slot};
use consensus::Checkpoint;
use proptest::prelude::*;

fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The source of every choice of a case: a SplitMix64 stream from a seed, or a tape of words
/// from proptest (zeros once it runs out, the simplest choices).
enum Rng {
    Seeded(u64),
    Tape(Vec<u64>, usize),
}

impl Rng {
    fn next(&mut self) -> u64 {
        match self {
            Rng::Seeded(state) => {
                *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                splitmix(*state)
            }
            Rng::Tape(words, position) => {
                let word = words.get(*position).copied().unwrap_or(0);
                *position += 1;
                word
            }
        }
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    /// A root unique to block `n` (its last bytes), in a random order (its first bytes).
    fn root(&mut self, n: usize) -> Root {
        let mut bytes = [0u8; 32];
        bytes[..8].copy_from_slice(&splitmix(self.next()).to_be_bytes());
        bytes[24..].copy_from_slice(&(n as u64).to_be_bytes());
        Root::new(bytes)
    }
}

const SLOTS_PER_EPOCH: u64 = 4;

/// The naive model: the tree, each validator's latest message root and its balance.
#[derive(Clone)]
struct Model {
    roots: Vec<Root>,
    parents: Vec<Option<usize>>,
    slots: Vec<Slot>,
    votes: Vec<Option<Root>>,
    balances: Vec<u64>,
}

impl Model {
    fn index(&self, root: &Root) -> Option<usize> {
        self.roots.iter().position(|r| r == root)
    }

    /// Reference 7 `get_ancestor`, recursively.
    fn get_ancestor(&self, root: Root, slot: Slot) -> Option<Root> {
        let index = self.index(&root)?;
        if self.slots[index] > slot {
            self.get_ancestor(self.roots[self.parents[index]?], slot)
        } else if self.slots[index] == slot {
            Some(root)
        } else {
            None
        }
    }

    /// Reference 7 `get_latest_attesting_balance`.
    fn balance(&self, root: Root) -> u64 {
        let slot = self.slots[self.index(&root).unwrap()];
        self.votes
            .iter()
            .zip(&self.balances)
            .filter(|(vote, _)| vote.is_some_and(|v| self.get_ancestor(v, slot) == Some(root)))
            .map(|(_, balance)| *balance)
            .sum()
    }

    /// Reference 7 `get_head`.
    fn head(&self, justified: &Checkpoint) -> Root {
        let start = justified.epoch * SLOTS_PER_EPOCH;
        let mut head = justified.root;
        loop {
            let head_index = self.index(&head).unwrap();
            let best = (0..self.roots.len())
                .filter(|&i| self.parents[i] == Some(head_index) && self.slots[i] > start)
                .map(|i| (self.balance(self.roots[i]), self.roots[i]))
                .max();
            match best {
                None => return head,
                Some((_, root)) => head = root,
            }
        }
    }

    fn ancestors(&self, mut index: usize) -> Vec<usize> {
        let mut out = vec![index];
        while let Some(parent) = self.parents[index] {
            out.push(parent);
            index = parent;
        }
        out
    }

    fn add_block(&mut self, rng: &mut Rng, array: &mut ProtoArray) {
        let parent = rng.index(self.roots.len());
        let slot = self.slots[parent] + 1 + rng.below(3);
        let root = rng.root(self.roots.len());
        array
            .insert(root, self.roots[parent], slot, 0, 0)
            .expect("insert");
        self.roots.push(root);
        self.parents.push(Some(parent));
        self.slots.push(slot);
    }

    /// A justified checkpoint on a random block, with an epoch near the block's (its start may
    /// fall before or after the block's slot), and a finalized ancestor of it.
    fn checkpoints(&self, rng: &mut Rng) -> (Checkpoint, Checkpoint) {
        let j = rng.index(self.roots.len());
        let epoch = rng.below(self.slots[j] / SLOTS_PER_EPOCH + 3);
        let ancestors = self.ancestors(j);
        let f = ancestors[rng.index(ancestors.len())];
        (
            Checkpoint {
                epoch,
                root: self.roots[j],
            },
            Checkpoint {
                epoch: epoch.min(self.slots[f] / SLOTS_PER_EPOCH),
                root: self.roots[f],
            },
        )
    }
}

fn random_balance(rng: &mut Rng) -> u64 {
    // Few distinct values, so equal weights (and the root tie-break) are common.
    [0, 1, 2, 3, 32][rng.index(5)]
}

fn check_weights(model: &Model, array: &ProtoArray, seed: &str) {
    for root in &model.roots {
        let node = array.node(root).expect("node");
        assert_eq!(
            node.weight,
            model.balance(*root),
            "{seed}: weight of {root}"
        );
        let parent_root = node.parent.map(|p| array.nodes()[p].root);
        let model_parent = model.parents[model.index(root).unwrap()].map(|p| model.roots[p]);
        assert_eq!(parent_root, model_parent, "{seed}: parent of {root}");
    }
}

fn run_case(rng: &mut Rng, seed: &str) {
    let anchor = rng.root(0);
    let anchor_slot = rng.below(3);
    let mut array = ProtoArray::new(SLOTS_PER_EPOCH, anchor, anchor_slot, 0);
    let mut model = Model {
        roots: vec![anchor],
        parents: vec![None],
        slots: vec![anchor_slot],
        votes: Vec::new(),
        balances: Vec::new(),
    };
    let blocks = 1 + rng.index(40);
    for _ in 1..blocks {
        model.add_block(rng, &mut array);
    }
    let validators = rng.index(30);
    model.votes = vec![None; validators];
    model.balances = vec![0; validators];
    let mut tracker = VoteTracker::new();
    let mut applied: Vec<u64> = Vec::new();
    let mut epoch = 0;
    let mut justified = Checkpoint {
        epoch: 0,
        root: anchor,
    };
    for _round in 0..1 + rng.index(6) {
        // New latest messages (each with a newer epoch) and new balances.
        epoch += 1;
        for v in 0..validators {
            if rng.chance(60) {
                let root = model.roots[rng.index(model.roots.len())];
                assert!(tracker.record_latest_message(v as u64, root, epoch));
                model.votes[v] = Some(root);
            } else if rng.chance(10) {
                // An older message never replaces a newer one.
                let root = model.roots[rng.index(model.roots.len())];
                let had = model.votes[v].is_some();
                let changed = tracker.record_latest_message(v as u64, root, 0);
                assert_eq!(changed, !had, "{seed}");
                if !had {
                    model.votes[v] = Some(root);
                }
            }
            if rng.chance(50) {
                model.balances[v] = random_balance(rng);
            }
        }
        let (j, f) = model.checkpoints(rng);
        justified = j.clone();
        let deltas = tracker
            .compute_deltas(&array, &applied, &model.balances)
            .unwrap();
        array.apply_score_changes(deltas, j, f).unwrap();
        tracker.mark_applied();
        applied = model.balances.clone();
        check_weights(&model, &array, seed);
        assert_eq!(
            array.find_head(&justified.root).unwrap(),
            model.head(&justified),
            "{seed}: head after apply_score_changes"
        );
        // Blocks arriving between updates keep find_head exact (weight zero for now).
        for _ in 0..rng.index(4) {
            model.add_block(rng, &mut array);
            assert_eq!(
                array.find_head(&justified.root).unwrap(),
                model.head(&justified),
                "{seed}: head after insert"
            );
        }
    }
    // Pruning at an ancestor of the justified block keeps the head and every survivor's
    // weight; the model drops the same blocks.
    let head = array.find_head(&justified.root).unwrap();
    let j = model.index(&justified.root).unwrap();
    let ancestors = model.ancestors(j);
    let f = ancestors[rng.index(ancestors.len())];
    let finalized = Checkpoint {
        epoch: 0,
        root: model.roots[f],
    };
    let removed = array.prune(finalized.clone()).unwrap();
    let mut keep = vec![false; model.roots.len()];
    for i in 0..model.roots.len() {
        keep[i] = i == f || model.parents[i].is_some_and(|p| keep[p]);
    }
    let expected_removed: Vec<Root> = (0..model.roots.len())
        .filter(|&i| !keep[i])
        .map(|i| model.roots[i])
        .collect();
    assert_eq!(removed, expected_removed, "{seed}: pruned blocks");
    assert_eq!(array.find_head(&justified.root).unwrap(), head, "{seed}");
    for root in &removed {
        assert!(!array.contains(root));
    }
    for (index, node) in array.nodes().iter().enumerate() {
        assert_eq!(array.index_of(&node.root), Some(index), "{seed}");
        if let Some(parent) = node.parent {
            assert!(parent < index, "{seed}: parents stay before children");
        }
        let m = model.index(&node.root).unwrap();
        if m == f {
            assert_eq!(node.parent, None);
        } else {
            let parent = model.roots[model.parents[m].unwrap()];
            assert_eq!(array.nodes()[node.parent.unwrap()].root, parent);
        }
        // The subtree weights of survivors are unchanged by pruning.
        assert_eq!(node.weight, model.balance(node.root), "{seed}");
    }
    // The votes keep working after pruning: move every vote once more and compare again,
    // with the model restricted to the survivors (votes for pruned blocks count nowhere).
    let mut survivors = model.clone();
    survivors.roots.retain(|r| array.contains(r));
    survivors.slots = survivors
        .roots
        .iter()
        .map(|r| array.node(r).unwrap().slot)
        .collect();
    survivors.parents = survivors
        .roots
        .iter()
        .map(|r| {
            array.node(r).unwrap().parent.map(|p| {
                survivors
                    .roots
                    .iter()
                    .position(|x| *x == array.nodes()[p].root)
                    .unwrap()
            })
        })
        .collect();
    epoch += 1;
    for v in 0..validators {
        if rng.chance(50) {
            let root = survivors.roots[rng.index(survivors.roots.len())];
            tracker.record_latest_message(v as u64, root, epoch);
            survivors.votes[v] = Some(root);
        }
    }
    // Votes still on pruned blocks count nowhere in the model either.
    for vote in &mut survivors.votes {
        if vote.is_some_and(|r| !array.contains(&r)) {
            *vote = None;
        }
    }
    let deltas = tracker
        .compute_deltas(&array, &applied, &survivors.balances)
        .unwrap();
    array
        .apply_score_changes(deltas, justified.clone(), finalized)
        .unwrap();
    tracker.mark_applied();
    check_weights(&survivors, &array, seed);
    assert_eq!(
        array.find_head(&justified.root).unwrap(),
        survivors.head(&justified),
        "{seed}: head after pruning and new votes"
    );
}

#[test]
fn proto_array_matches_naive_lmd_ghost_on_seeded_random_trees() {
    for seed in 0..3_000 {
        run_case(&mut Rng::Seeded(seed), &format!("{seed}"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn proto_array_matches_naive_lmd_ghost(words in proptest::collection::vec(any::<u64>(), 0..600)) {
        run_case(&mut Rng::Tape(words, 0), "proptest case");
    }
}

fn root(byte: u8) -> Root {
    Root::new([byte; 32])
}

fn checkpoint(epoch: u64, root: Root) -> Checkpoint {
    Checkpoint { epoch, root }
}

#[test]
fn heavier_branch_wins_and_ties_go_to_the_higher_root() {
    // 0 ─ 1 ─ 3
    //   └ 2
    let mut array = ProtoArray::new(SLOTS_PER_EPOCH, root(0), 0, 0);
    array.insert(root(1), root(0), 1, 0, 0).unwrap();
    array.insert(root(2), root(0), 1, 0, 0).unwrap();
    array.insert(root(3), root(1), 2, 0, 0).unwrap();
    let genesis = checkpoint(0, root(0));
    // No votes: tie at weight 0 between 1 and 2; root 2 is higher.
    assert_eq!(array.find_head(&root(0)).unwrap(), root(2));
    let mut votes = VoteTracker::new();
    votes.record_latest_message(0, root(3), 1);
    votes.record_latest_message(1, root(2), 1);
    let balances = [10, 10];
    let deltas = votes.compute_deltas(&array, &[], &balances).unwrap();
    array
        .apply_score_changes(deltas, genesis.clone(), genesis.clone())
        .unwrap();
    votes.mark_applied();
    // Tie 10 / 10: root 2 wins.
    assert_eq!(array.find_head(&root(0)).unwrap(), root(2));
    assert_eq!(array.node(&root(1)).unwrap().weight, 10);
    assert_eq!(array.node(&root(0)).unwrap().weight, 20);
    // A heavier balance for the voter of 3 makes branch 1 win.
    let deltas = votes.compute_deltas(&array, &balances, &[11, 10]).unwrap();
    array
        .apply_score_changes(deltas, genesis.clone(), genesis)
        .unwrap();
    votes.mark_applied();
    assert_eq!(array.find_head(&root(0)).unwrap(), root(3));
    assert_eq!(array.node(&root(0)).unwrap().weight, 21);
}

/// The viability filter (later specs' `filter_block_tree`; v0.8.4 has none): a branch whose
/// leaf's state justified less than the store loses to a lighter branch whose leaf is viable,
/// a viable leaf inserted under the heavier branch wins it back at once, and with no viable
/// leaf at all the plain weight order stands. Swarm seed 1973 lost finality for good without
/// it (`ProtoArray::is_viable`).
#[test]
fn a_head_whose_state_justified_less_than_the_store_loses_to_a_viable_one() {
    // 0(slot 0) ─ 1(slot 9, justified 0) ─ 3(slot 11, justified 0)   two votes
    //           └ 2(slot 10, justified 1) ─ 4(slot 12, justified 1)  one vote
    let mut array = ProtoArray::new(SLOTS_PER_EPOCH, root(0), 0, 0);
    array.insert(root(1), root(0), 9, 0, 0).unwrap();
    array.insert(root(2), root(0), 10, 1, 0).unwrap();
    array.insert(root(3), root(1), 11, 0, 0).unwrap();
    array.insert(root(4), root(2), 12, 1, 0).unwrap();
    let mut votes = VoteTracker::new();
    votes.record_latest_message(0, root(3), 1);
    votes.record_latest_message(1, root(3), 1);
    votes.record_latest_message(2, root(4), 1);
    let balances = [10, 10, 10];
    let deltas = votes.compute_deltas(&array, &[], &balances).unwrap();
    let justified = checkpoint(1, root(0));
    array
        .apply_score_changes(deltas, justified.clone(), checkpoint(0, root(0)))
        .unwrap();
    votes.mark_applied();
    assert_eq!(array.node(&root(1)).unwrap().weight, 20);
    assert_eq!(array.find_head(&root(0)).unwrap(), root(4));
    // A viable leaf under the heavier branch: it leads again, without new votes.
    array.insert(root(5), root(3), 13, 1, 0).unwrap();
    assert_eq!(array.find_head(&root(0)).unwrap(), root(5));
    // No leaf viable (the store has justified epoch 2): the weights decide, as in v0.8.4.
    let deltas = votes.compute_deltas(&array, &balances, &balances).unwrap();
    array
        .apply_score_changes(deltas, checkpoint(2, root(0)), checkpoint(0, root(0)))
        .unwrap();
    assert_eq!(array.find_head(&root(0)).unwrap(), root(5));
    let deltas = votes.compute_deltas(&array, &balances, &balances).unwrap();
    array
        .apply_score_changes(deltas, justified, checkpoint(1, root(0)))
        .unwrap();
    // Store finalized epoch 1: no leaf finalized it, so the weights decide again.
    assert_eq!(array.find_head(&root(0)).unwrap(), root(5));
}

/// D10 (unrealized justification): a leaf whose own state justified less than the store, but
/// whose epoch's justification reaches the store's checkpoint, is viable once that is
/// recorded; the leaves still to pull up are the childless blocks before the given slot.
/// Swarm seed 2785 lost finality for good without it (`fork_choice::pull_up`).
#[test]
fn a_leaf_is_viable_by_the_justification_its_epoch_reached() {
    // 0(slot 0) ─ 1(slot 9, justified 0) ─ 3(slot 17, justified 1)  two votes
    //           └ 2(slot 14, justified 0)                          one vote
    let mut array = ProtoArray::new(SLOTS_PER_EPOCH, root(0), 0, 0);
    array.insert(root(1), root(0), 9, 0, 0).unwrap();
    array.insert(root(2), root(0), 14, 0, 0).unwrap();
    array.insert(root(3), root(1), 17, 1, 0).unwrap();
    assert_eq!(array.leaves_to_pull_up(16), vec![root(2)]);
    assert_eq!(array.leaves_to_pull_up(18), vec![root(2), root(3)]);
    let mut votes = VoteTracker::new();
    votes.record_latest_message(0, root(3), 2);
    votes.record_latest_message(1, root(3), 2);
    votes.record_latest_message(2, root(2), 2);
    let balances = [10, 10, 10];
    let deltas = votes.compute_deltas(&array, &[], &balances).unwrap();
    // The store has justified epoch 2 (pulled up from leaf 2's epoch): no leaf is viable by
    // its own state, so the weights decide.
    array
        .apply_score_changes(deltas, checkpoint(2, root(0)), checkpoint(0, root(0)))
        .unwrap();
    votes.mark_applied();
    assert_eq!(array.find_head(&root(0)).unwrap(), root(3));
    // Leaf 2's epoch justified epoch 2: it is viable, and leads against the heavier branch.
    array.set_unrealized_justified_epoch(&root(2), 2);
    assert_eq!(array.leaves_to_pull_up(18), vec![root(3)]);
    let deltas = votes.compute_deltas(&array, &balances, &balances).unwrap();
    array
        .apply_score_changes(deltas, checkpoint(2, root(0)), checkpoint(0, root(0)))
        .unwrap();
    assert_eq!(array.find_head(&root(0)).unwrap(), root(2));
}

#[test]
fn children_of_the_justified_block_at_or_before_its_epoch_start_are_not_candidates() {
    // 0(slot 0) ─ 1(slot 3) ─ 3(slot 9)
    //           └ 2(slot 5)
    // Justified {epoch 1, root 0}: epoch start 4, so child 1 (slot 3) and its subtree are out
    // even though its descendant 3 is after slot 4 and all the votes sit there.
    let mut array = ProtoArray::new(SLOTS_PER_EPOCH, root(0), 0, 0);
    array.insert(root(1), root(0), 3, 0, 0).unwrap();
    array.insert(root(2), root(0), 5, 0, 0).unwrap();
    array.insert(root(3), root(1), 9, 0, 0).unwrap();
    let mut votes = VoteTracker::new();
    votes.record_latest_message(0, root(3), 1);
    let deltas = votes.compute_deltas(&array, &[], &[5]).unwrap();
    let justified = checkpoint(1, root(0));
    array
        .apply_score_changes(deltas, justified, checkpoint(0, root(0)))
        .unwrap();
    votes.mark_applied();
    assert_eq!(array.find_head(&root(0)).unwrap(), root(2));
    // With justified epoch 0 the heavier child 1 leads to 3.
    let deltas = votes.compute_deltas(&array, &[5], &[5]).unwrap();
    array
        .apply_score_changes(deltas, checkpoint(0, root(0)), checkpoint(0, root(0)))
        .unwrap();
    assert_eq!(array.find_head(&root(0)).unwrap(), root(3));
    // find_head refuses a justified root other than the one the links were built for.
    assert_eq!(
        array.find_head(&root(1)),
        Err(ProtoArrayError::JustifiedMismatch {
            asked: root(1),
            applied: root(0)
        })
    );
}

#[test]
fn bad_inputs_are_typed_errors() {
    let mut array = ProtoArray::new(SLOTS_PER_EPOCH, root(0), 5, 0);
    assert_eq!(
        array.insert(root(1), root(9), 6, 0, 0),
        Err(ProtoArrayError::UnknownParent {
            root: root(1),
            parent: root(9)
        })
    );
    assert_eq!(
        array.insert(root(1), root(0), 5, 0, 0),
        Err(ProtoArrayError::SlotNotAfterParent {
            root: root(1),
            slot: 5,
            parent_slot: 5
        })
    );
    array.insert(root(1), root(0), 6, 0, 0).unwrap();
    assert_eq!(
        array.insert(root(1), root(0), 7, 0, 0),
        Err(ProtoArrayError::DuplicateBlock { root: root(1) })
    );
    let genesis = checkpoint(0, root(0));
    assert_eq!(
        array.apply_score_changes(vec![0], genesis.clone(), genesis.clone()),
        Err(ProtoArrayError::DeltasLength {
            deltas: 1,
            nodes: 2
        })
    );
    // A weight below zero is refused and leaves the weights unchanged.
    assert_eq!(
        array.apply_score_changes(vec![0, -1], genesis.clone(), genesis.clone()),
        Err(ProtoArrayError::WeightOutOfRange { root: root(1) })
    );
    assert_eq!(
        array.apply_score_changes(
            vec![0, i128::from(u64::MAX)],
            genesis.clone(),
            genesis.clone()
        ),
        Ok(())
    );
    assert_eq!(
        array.apply_score_changes(vec![1, 0], genesis.clone(), genesis.clone()),
        Err(ProtoArrayError::WeightOutOfRange { root: root(0) })
    );
    assert_eq!(array.node(&root(1)).unwrap().weight, u64::MAX);
    assert_eq!(
        array.apply_score_changes(vec![0, 0], checkpoint(0, root(7)), genesis.clone()),
        Err(ProtoArrayError::UnknownCheckpointRoot {
            which: "justified",
            root: root(7)
        })
    );
    assert_eq!(
        array.apply_score_changes(vec![0, 0], checkpoint(u64::MAX, root(0)), genesis),
        Err(ProtoArrayError::EpochStartOverflow { epoch: u64::MAX })
    );
    // get_ancestor: exact slot, Z for a skipped slot or a later slot, pruned history.
    assert_eq!(array.get_ancestor(&root(1), 6), Ok(Some(root(1))));
    assert_eq!(array.get_ancestor(&root(1), 5), Ok(Some(root(0))));
    assert_eq!(array.get_ancestor(&root(1), 7), Ok(None));
    assert_eq!(
        array.get_ancestor(&root(1), 4),
        Err(ProtoArrayError::AncestorPruned {
            root: root(1),
            slot: 4
        })
    );
    // Pruning at a block the justified block does not descend from is refused.
    array.insert(root(2), root(0), 7, 0, 0).unwrap();
    let justified = checkpoint(0, root(2));
    let deltas = vec![0; array.len()];
    array
        .apply_score_changes(deltas, justified, checkpoint(0, root(0)))
        .unwrap();
    assert_eq!(
        array.prune(checkpoint(0, root(1))),
        Err(ProtoArrayError::JustifiedNotDescendant {
            justified: root(2),
            finalized: root(1)
        })
    );
    assert_eq!(array.len(), 3);
}

#[test]
fn vote_tracker_keeps_the_newest_epoch() {
    let mut votes = VoteTracker::new();
    assert!(votes.record_latest_message(3, root(1), 2));
    assert!(!votes.record_latest_message(3, root(2), 2));
    assert!(!votes.record_latest_message(3, root(2), 1));
    assert!(votes.record_latest_message(3, root(2), 3));
    assert_eq!(votes.latest_message(3), Some((3, root(2))));
    assert_eq!(votes.latest_message(0), None);
    assert_eq!(votes.votes().len(), 4);
    assert_eq!(votes.votes()[0], Vote::default());
}
