//! The operation pool (design 3.3): attestations aggregated by their data, and the slashings
//! and exits waiting for a block. Everything here was checked before it entered (gossip
//! validation or block import); the proposer still re-checks each operation against the state
//! it builds on and drops what no longer applies.

use consensus::bls::{AggregateSignature, Crypto, Signature};
use consensus::primitives::{Epoch, Root, Slot};
use consensus::sszx::hash_tree_root;
use consensus::{Attestation, AttestationData, CommitteeBits};
use std::collections::BTreeMap;

/// Attestations with the same data, merged where their bits do not overlap.
#[derive(Clone, Debug)]
struct Group {
    data: AttestationData,
    /// The data's attestation slot (for pruning and inclusion windows).
    slot: Slot,
    aggregates: Vec<(CommitteeBits, consensus::primitives::BlsSignatureBytes)>,
}

/// Attestations waiting for a block, by data root.
#[derive(Clone, Debug, Default)]
pub struct OpPool {
    groups: BTreeMap<Root, Group>,
    /// Bits already included in a block, by data root (with the target epoch, for pruning).
    included: BTreeMap<Root, (Epoch, CommitteeBits)>,
}

fn overlaps(a: &CommitteeBits, b: &CommitteeBits) -> bool {
    a.len() == b.len() && a.iter().zip(b.iter()).any(|(x, y)| *x && *y)
}

fn is_subset(a: &CommitteeBits, b: &CommitteeBits) -> bool {
    a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| !*x || *y)
}

fn union(a: &CommitteeBits, b: &CommitteeBits) -> Option<CommitteeBits> {
    let bits: Vec<bool> = a.iter().zip(b.iter()).map(|(x, y)| *x || *y).collect();
    CommitteeBits::try_from(bits.as_slice()).ok()
}

impl OpPool {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether every bit of `attestation` is already held for its data (nothing to add).
    pub fn covers(&self, attestation: &Attestation) -> bool {
        let root = hash_tree_root(&attestation.data);
        let bits = &attestation.aggregation_bits;
        let included = self.included.get(&root).map(|(_, b)| b);
        let group = self.groups.get(&root);
        (0..bits.len()).all(|i| {
            !bits[i]
                || included.is_some_and(|held| held.len() == bits.len() && held[i])
                || group.is_some_and(|g| {
                    g.aggregates
                        .iter()
                        .any(|(held, _)| held.len() == bits.len() && held[i])
                })
        })
    }

    /// Adds a checked attestation whose data is for `slot`, merging it into an aggregate it
    /// does not overlap. `crypto` is how signatures are aggregated (under fake cryptography a
    /// merged aggregate keeps a placeholder): it must be the scheme the chain checks.
    pub fn insert(&mut self, attestation: &Attestation, slot: Slot, crypto: Crypto) {
        let root = hash_tree_root(&attestation.data);
        let group = self.groups.entry(root).or_insert_with(|| Group {
            data: attestation.data.clone(),
            slot,
            aggregates: Vec::new(),
        });
        let bits = &attestation.aggregation_bits;
        if group
            .aggregates
            .iter()
            .any(|(held, _)| is_subset(bits, held))
        {
            return;
        }
        for (held, signature) in group.aggregates.iter_mut() {
            if held.len() != bits.len() || overlaps(held, bits) {
                continue;
            }
            let Some(merged_bits) = union(held, bits) else {
                continue;
            };
            let merged_signature = match crypto {
                Crypto::Fake => Some(*signature),
                Crypto::Real => aggregate_two(signature, &attestation.signature),
            };
            if let Some(merged_signature) = merged_signature {
                *held = merged_bits;
                *signature = merged_signature;
                return;
            }
        }
        group.aggregates.push((bits.clone(), attestation.signature));
    }

    /// The best aggregate of each data for slots in `from ..= to`, most bits first.
    pub fn candidates(&self, from: Slot, to: Slot) -> Vec<Attestation> {
        let mut out: Vec<(usize, Slot, Attestation)> = Vec::new();
        for (root, group) in &self.groups {
            if group.slot < from || group.slot > to {
                continue;
            }
            for (bits, signature) in &group.aggregates {
                if !self.adds_to_included(root, bits) {
                    continue;
                }
                let count = bits.iter().filter(|b| **b).count();
                out.push((
                    count,
                    group.slot,
                    Attestation {
                        aggregation_bits: bits.clone(),
                        data: group.data.clone(),
                        custody_bits: CommitteeBits::try_from(vec![false; bits.len()].as_slice())
                            .unwrap_or_default(),
                        signature: *signature,
                    },
                ));
            }
        }
        // Most attesters first; newer slots first among equals (deterministic by data root).
        out.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.cmp(&a.1))
                .then_with(|| hash_tree_root(&a.2.data).cmp(&hash_tree_root(&b.2.data)))
        });
        out.into_iter().map(|(_, _, a)| a).collect()
    }

    /// The attestations of `slot` for the data `root`, merged as far as they go (for the
    /// aggregation duty).
    pub fn aggregate_of(&self, data_root: &Root) -> Option<Attestation> {
        let group = self.groups.get(data_root)?;
        let (bits, signature) = group
            .aggregates
            .iter()
            .max_by_key(|(bits, _)| bits.iter().filter(|b| **b).count())?;
        Some(Attestation {
            aggregation_bits: bits.clone(),
            data: group.data.clone(),
            custody_bits: CommitteeBits::try_from(vec![false; bits.len()].as_slice())
                .unwrap_or_default(),
            signature: *signature,
        })
    }

    /// Remembers what a block included, so the same attesters are not offered again.
    pub fn mark_included(&mut self, attestation: &Attestation) {
        let root = hash_tree_root(&attestation.data);
        let bits = &attestation.aggregation_bits;
        let merged = match self.included.get(&root) {
            Some((_, held)) if held.len() == bits.len() => union(held, bits),
            _ => Some(bits.clone()),
        };
        if let Some(merged) = merged {
            self.included
                .insert(root, (attestation.data.target.epoch, merged));
        }
    }

    fn adds_to_included(&self, root: &Root, bits: &CommitteeBits) -> bool {
        match self.included.get(root) {
            Some((_, held)) => !is_subset(bits, held),
            None => true,
        }
    }

    /// Drops attestations whose target epoch is before `epoch`.
    pub fn prune(&mut self, epoch: Epoch) {
        self.groups.retain(|_, g| g.data.target.epoch >= epoch);
        self.included.retain(|_, (e, _)| *e >= epoch);
    }

    pub fn len(&self) -> usize {
        self.groups.values().map(|g| g.aggregates.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }
}

fn aggregate_two(
    a: &consensus::primitives::BlsSignatureBytes,
    b: &consensus::primitives::BlsSignatureBytes,
) -> Option<consensus::primitives::BlsSignatureBytes> {
    let a = Signature::from_bytes(&a.0).ok()?;
    let b = Signature::from_bytes(&b.0).ok()?;
    let aggregate = AggregateSignature::aggregate(&[a, b]).ok()?;
    Some(*aggregate.to_signature().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::bls::{fast_aggregate_verify, interop_keypair};

    fn attestation(member: usize, data: &AttestationData) -> Attestation {
        let mut bits = vec![false; 4];
        bits[member] = true;
        let (secret, _) = interop_keypair(member as u64);
        Attestation {
            aggregation_bits: CommitteeBits::try_from(bits.as_slice()).unwrap(),
            data: data.clone(),
            custody_bits: CommitteeBits::try_from(vec![false; 4].as_slice()).unwrap(),
            signature: *secret.sign(b"the same message").as_bytes(),
        }
    }

    /// Whatever order a node's own attestation and a peer's arrive in, the merged aggregate
    /// verifies for both signers (a node's own attestation once merged with a placeholder when
    /// a peer's came first: blocks carrying it were invalid).
    #[test]
    fn merged_aggregates_verify_in_either_order() {
        let data = AttestationData::default();
        let keys: Vec<_> = (0..2).map(|i| interop_keypair(i).1).collect();
        for order in [[0usize, 1], [1, 0]] {
            let mut pool = OpPool::new();
            for member in order {
                pool.insert(&attestation(member, &data), 1, Crypto::Real);
            }
            let aggregate = pool.aggregate_of(&hash_tree_root(&data)).unwrap();
            assert_eq!(aggregate.aggregation_bits.iter().filter(|b| **b).count(), 2);
            let signature = Signature::from_bytes(&aggregate.signature.0).unwrap();
            assert!(fast_aggregate_verify(
                &keys.iter().collect::<Vec<_>>(),
                b"the same message",
                &signature
            ));
        }
    }
}
