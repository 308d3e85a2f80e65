//! No panics on any input: hostile blocks, operations and states (random indices, extreme
//! integers, wrong lengths, inconsistent registries) must be refused with an error or
//! processed, never abort. A deterministic generator drives every run.

use beacon::block::{
    process_attestation, process_attester_slashing, process_block, process_deposit,
    process_proposer_slashing, process_transfer, process_voluntary_exit,
};
use beacon::epoch::process_epoch;
use beacon::genesis::genesis_from_config;
use beacon::slots::process_slots;
use beacon::transition::state_transition;
use consensus::bls::Crypto;
use consensus::primitives::{BlsPublicKeyBytes, BlsSignatureBytes, Root};
use consensus::sszx::SszList;
use consensus::{
    Attestation, AttestationData, AttesterSlashing, BeaconBlock, BeaconBlockHeader, BeaconState,
    ChainConfig, Checkpoint, CommitteeBits, Crosslink, Deposit, IndexedAttestation, Minimal,
    PendingAttestation, ProposerSlashing, Transfer, VoluntaryExit,
};
use std::panic::{catch_unwind, AssertUnwindSafe};

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Mostly small values, sometimes the extremes.
    fn int(&mut self) -> u64 {
        match self.next() % 8 {
            0 => u64::MAX,
            1 => u64::MAX - self.next() % 4,
            2 => 0,
            3 => self.next(),
            _ => self.next() % 80,
        }
    }

    fn root(&mut self) -> Root {
        Root::new([self.next() as u8; 32])
    }

    fn bits(&mut self) -> CommitteeBits {
        let len = (self.next() % 12) as usize;
        let bits: Vec<bool> = (0..len).map(|_| self.next().is_multiple_of(2)).collect();
        CommitteeBits::try_from(bits.as_slice()).unwrap_or_default()
    }

    fn data(&mut self) -> AttestationData {
        AttestationData {
            beacon_block_root: self.root(),
            source: Checkpoint {
                epoch: self.int(),
                root: self.root(),
            },
            target: Checkpoint {
                epoch: self.int() % 4,
                root: self.root(),
            },
            crosslink: Crosslink {
                shard: self.int() % 10,
                parent_root: self.root(),
                start_epoch: self.int(),
                end_epoch: self.int(),
                data_root: self.root(),
            },
        }
    }

    fn indexed(&mut self) -> IndexedAttestation {
        let mut indices: Vec<u64> = (0..self.next() % 6).map(|_| self.int()).collect();
        if self.next().is_multiple_of(2) {
            indices.sort_unstable();
        }
        IndexedAttestation {
            custody_bit_0_indices: indices.try_into().unwrap_or_default(),
            custody_bit_1_indices: Default::default(),
            data: self.data(),
            signature: BlsSignatureBytes::zero(),
        }
    }
}

fn config() -> ChainConfig {
    ChainConfig {
        validator_count: 64,
        ..ChainConfig::reference::<Minimal>()
    }
}

fn no_panic(what: &str, f: impl FnOnce()) {
    if catch_unwind(AssertUnwindSafe(f)).is_err() {
        panic!("{what} panicked");
    }
}

#[test]
fn hostile_operations_never_panic() {
    let config = config();
    let mut base = genesis_from_config::<Minimal>(&config).unwrap();
    process_slots(&mut base, 17, &config).unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for round in 0..300u64 {
        let mut state = base.clone();
        let crypto = if round.is_multiple_of(5) {
            Crypto::Real
        } else {
            Crypto::fake_for_simulation()
        };
        let attestation = Attestation {
            aggregation_bits: rng.bits(),
            data: rng.data(),
            custody_bits: rng.bits(),
            signature: BlsSignatureBytes::new([rng.next() as u8; 96]),
        };
        no_panic("process_attestation", || {
            let _ = process_attestation(&mut state, &attestation, &config, crypto);
        });
        let slashing = AttesterSlashing {
            attestation_1: rng.indexed(),
            attestation_2: rng.indexed(),
        };
        no_panic("process_attester_slashing", || {
            let _ = process_attester_slashing(&mut state, &slashing, &config, crypto);
        });
        let header = |rng: &mut Rng| BeaconBlockHeader {
            slot: rng.int(),
            parent_root: rng.root(),
            state_root: rng.root(),
            body_root: rng.root(),
            signature: BlsSignatureBytes::zero(),
        };
        let proposer_slashing = ProposerSlashing {
            proposer_index: rng.int(),
            header_1: header(&mut rng),
            header_2: header(&mut rng),
        };
        no_panic("process_proposer_slashing", || {
            let _ = process_proposer_slashing(&mut state, &proposer_slashing, &config, crypto);
        });
        let exit = VoluntaryExit {
            epoch: rng.int(),
            validator_index: rng.int(),
            signature: BlsSignatureBytes::zero(),
        };
        no_panic("process_voluntary_exit", || {
            let _ = process_voluntary_exit(&mut state, &exit, &config, crypto);
        });
        let transfer = Transfer {
            sender: rng.int(),
            recipient: rng.int(),
            amount: rng.int(),
            fee: rng.int(),
            slot: rng.int() % 20,
            pubkey: BlsPublicKeyBytes::new([rng.next() as u8; 48]),
            signature: BlsSignatureBytes::zero(),
        };
        no_panic("process_transfer", || {
            let _ = process_transfer(&mut state, &transfer, &config, crypto);
        });
        let mut deposit = Deposit::default();
        deposit.data.amount = rng.int();
        state.eth1_deposit_index = rng.int();
        no_panic("process_deposit", || {
            let _ = process_deposit(&mut state, &deposit, crypto);
        });
        let mut block = BeaconBlock {
            slot: rng.int() % 40,
            parent_root: rng.root(),
            ..BeaconBlock::default()
        };
        if rng.next().is_multiple_of(2) {
            block.parent_root = base.latest_block_header.state_root;
        }
        let _ = block.body.attestations.try_push(attestation.clone());
        let _ = block.body.voluntary_exits.try_push(exit.clone());
        no_panic("process_block", || {
            let _ = process_block(&mut state, &block, &config, crypto);
        });
        let mut fresh = base.clone();
        no_panic("state_transition", || {
            let _ = state_transition(&mut fresh, &block, true, &config, crypto);
        });
    }
}

#[test]
fn hostile_states_never_panic() {
    let config = config();
    let mut base = genesis_from_config::<Minimal>(&config).unwrap();
    process_slots(&mut base, 23, &config).unwrap();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..200 {
        let mut state = base.clone();
        for _ in 0..(rng.next() % 6) {
            let i = (rng.next() % 64) as usize;
            match rng.next() % 10 {
                0 => state.validators[i].effective_balance = rng.int(),
                1 => state.validators[i].exit_epoch = rng.int(),
                2 => state.validators[i].withdrawable_epoch = rng.int(),
                3 => {
                    let _ = state.balances.make_mut().pop();
                }
                4 => state.finalized_checkpoint.epoch = rng.int(),
                5 => state.slashings[i] = rng.int(),
                6 => state.validators[i].slashed = true,
                7 => state.start_shard = rng.int(),
                _ => {
                    let _ = state
                        .previous_epoch_attestations
                        .try_push(PendingAttestation {
                            aggregation_bits: rng.bits(),
                            data: rng.data(),
                            inclusion_delay: rng.int(),
                            proposer_index: rng.int(),
                        });
                }
            }
        }
        let mut epoch_state: BeaconState<Minimal> = state.clone();
        no_panic("process_epoch", || {
            let _ = process_epoch(&mut epoch_state, &config);
        });
        no_panic("process_slots", || {
            let _ = process_slots(&mut state, 40, &config);
        });
    }
    // A configuration nobody validated: zero or too many shards.
    for active_shard_count in [0, 9, u64::MAX] {
        let bad = ChainConfig {
            active_shard_count,
            ..config.clone()
        };
        let mut state = base.clone();
        no_panic("process_slots with a bad config", || {
            assert!(process_slots(&mut state, 40, &bad).is_err());
        });
    }
}
