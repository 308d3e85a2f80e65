//! SHA-256 and the Merkle helpers of SSZ (reference 2.3 and 4.2): `hash`, the zero-subtree
//! ladder, `merkleize` with a limit, `mix_in_length`, `is_valid_merkle_branch`, and the root
//! of `BytesN` (so that `primitives` needs nothing from here).
//!
//! These are the hot loops behind every root, so they work on fixed 32-byte chunks in place,
//! hash exactly one 64-byte block per parent, and never allocate per node.

use crate::primitives::{FixedBytes, Root};
use sha2::{Digest, Sha256};
use ssz_rs::{MerkleizationError, Merkleized, Node, SimpleSerialize};
use std::sync::OnceLock;

/// Depth of the deepest tree any container needs (`List[Validator, 2^40]` mixes in at 41).
pub const MAX_TREE_DEPTH: usize = 64;

/// `hash(data)`: SHA-256.
pub fn hash(data: &[u8]) -> Root {
    Root::new(Sha256::digest(data).into())
}

/// SHA-256 initial state.
const SHA256_IV: [u32; 8] = [
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
];

/// The padding block of a 64-byte message: `0x80`, zeros, and the bit length 512.
const PAD_64: [u8; 64] = {
    let mut block = [0u8; 64];
    block[0] = 0x80;
    block[62] = 0x02;
    block
};

/// SHA-256 of exactly 64 bytes: two calls of the compression function and nothing else
/// (no buffering), the floor every Merkle node pays.
#[inline]
pub fn hash_64(block: &[u8; 64]) -> [u8; 32] {
    hash_two_chunks(block.as_slice())
}

/// SHA-256 of two adjacent 32-byte chunks, read in place.
#[inline]
pub fn hash_chunk_pair(pair: &[[u8; 32]; 2]) -> [u8; 32] {
    hash_two_chunks(pair.as_flattened())
}

#[inline]
fn hash_two_chunks(message: &[u8]) -> [u8; 32] {
    use sha2::digest::generic_array::GenericArray;
    debug_assert_eq!(message.len(), 64);
    let mut state = SHA256_IV;
    sha2::compress256(
        &mut state,
        &[
            *GenericArray::from_slice(message),
            *GenericArray::from_slice(&PAD_64),
        ],
    );
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// `H(left ‖ right)`: one parent node.
#[inline]
pub fn hash_pair(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(left);
    block[32..].copy_from_slice(right);
    hash_64(&block)
}

/// `Z0 = Z`, `Z(k+1) = H(Zk ‖ Zk)`.
pub fn zero_hashes() -> &'static [[u8; 32]; MAX_TREE_DEPTH + 1] {
    static ZEROS: OnceLock<[[u8; 32]; MAX_TREE_DEPTH + 1]> = OnceLock::new();
    ZEROS.get_or_init(|| {
        let mut zeros = [[0u8; 32]; MAX_TREE_DEPTH + 1];
        for depth in 1..=MAX_TREE_DEPTH {
            zeros[depth] = hash_pair(&zeros[depth - 1], &zeros[depth - 1]);
        }
        zeros
    })
}

/// Depth of a tree with `leaves` leaves (`next_pow2(leaves)` = `2^depth`, `next_pow2(0) = 1`).
pub fn tree_depth(leaves: usize) -> usize {
    leaves.max(1).next_power_of_two().trailing_zeros() as usize
}

/// `merkleize(chunks, limit)`: the root of the tree of width `next_pow2(limit)` whose first
/// leaves are `chunks`, padded virtually with zero chunks. `chunks.len() <= limit` is the
/// caller's contract (checked in debug builds; a longer input is hashed at its own width).
///
/// Works in place over one buffer: each layer halves it, and an odd tail pairs with the zero
/// subtree of its height, so the cost is one hash per real parent plus the depth.
pub fn merkleize_chunks(chunks: &[[u8; 32]], limit: usize) -> Root {
    debug_assert!(chunks.len() <= limit.max(1));
    let depth = tree_depth(limit.max(chunks.len()));
    if chunks.is_empty() {
        return Root::new(zero_hashes()[depth]);
    }
    let mut layer: Vec<[u8; 32]> = chunks.to_vec();
    merkleize_in_place(&mut layer, depth)
}

/// Like [`merkleize_chunks`] but consumes a buffer the caller no longer needs.
pub fn merkleize_in_place(layer: &mut Vec<[u8; 32]>, depth: usize) -> Root {
    let zeros = zero_hashes();
    if layer.is_empty() {
        return Root::new(zeros[depth]);
    }
    for zero in zeros.iter().take(depth) {
        let len = layer.len();
        let full = len / 2;
        for i in 0..full {
            let parent = hash_two_chunks(layer[2 * i..2 * i + 2].as_flattened());
            layer[i] = parent;
        }
        if len % 2 == 1 {
            layer[full] = hash_pair(&layer[len - 1], zero);
        }
        layer.truncate(len.div_ceil(2));
    }
    Root::new(layer[0])
}

/// Packs `bytes` into zero-padded 32-byte chunks and merkleizes them under `limit` chunks.
pub fn merkleize_padded(bytes: &[u8], limit: usize) -> Root {
    if bytes.len() <= 32 && limit <= 1 {
        let mut chunk = [0u8; 32];
        chunk[..bytes.len()].copy_from_slice(bytes);
        return Root::new(chunk);
    }
    let mut chunks: Vec<[u8; 32]> = bytes
        .chunks(32)
        .map(|part| {
            let mut chunk = [0u8; 32];
            chunk[..part.len()].copy_from_slice(part);
            chunk
        })
        .collect();
    let depth = tree_depth(limit.max(chunks.len()));
    merkleize_in_place(&mut chunks, depth)
}

/// `mix_in_length(root, n) = H(root ‖ LE256(n))`.
pub fn mix_in_length(root: &Root, length: u64) -> Root {
    let mut len = [0u8; 32];
    len[..8].copy_from_slice(&length.to_le_bytes());
    Root::new(hash_pair(&root.0, &len))
}

/// The data root of `values` packed four per chunk, under a limit of `limit` values.
pub fn packed_u64_root(values: &[u64], limit: usize) -> Root {
    let mut layer: Vec<[u8; 32]> = values
        .chunks(4)
        .map(|four| {
            let mut chunk = [0u8; 32];
            for (i, v) in four.iter().enumerate() {
                chunk[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
            }
            chunk
        })
        .collect();
    merkleize_in_place(&mut layer, tree_depth(limit.div_ceil(4)))
}

/// `hash_tree_root(List[uint64, limit](values))`.
pub fn u64_list_root(values: &[u64], limit: usize) -> Root {
    mix_in_length(&packed_u64_root(values, limit), values.len() as u64)
}

/// The root of a container whose field roots are `fields` (one leaf per field).
pub fn merkleize_fields(fields: &[Root]) -> Root {
    let chunks: Vec<[u8; 32]> = fields.iter().map(|r| r.0).collect();
    merkleize_chunks(&chunks, chunks.len())
}

/// `is_valid_merkle_branch(leaf, branch, depth, index, root)`.
pub fn is_valid_merkle_branch(
    leaf: &Root,
    branch: &[Root],
    depth: u64,
    index: u64,
    root: &Root,
) -> bool {
    if (branch.len() as u64) < depth {
        return false;
    }
    let mut value = leaf.0;
    for (i, sibling) in branch.iter().take(depth as usize).enumerate() {
        let bit_set = i < 64 && (index >> i) & 1 == 1;
        value = if bit_set {
            hash_pair(&sibling.0, &value)
        } else {
            hash_pair(&value, &sibling.0)
        };
    }
    value == root.0
}

/// `H(a ‖ b)` over 32-byte values, as a `Root`.
pub fn hash_roots(a: &Root, b: &Root) -> Root {
    Root::new(hash_pair(&a.0, &b.0))
}

impl<const N: usize> FixedBytes<N> {
    /// `hash_tree_root(BytesN)`: the bytes packed into chunks and merkleized with the chunk
    /// count as limit. Bytes32 is its own root; Bytes48 is `H(c0 ‖ c1)`.
    pub fn tree_root(&self) -> Root {
        merkleize_padded(&self.0, N.div_ceil(32))
    }
}

impl<const N: usize> Merkleized for FixedBytes<N> {
    fn hash_tree_root(&mut self) -> Result<Node, MerkleizationError> {
        Ok(Node::from(self.tree_root()))
    }
}

impl<const N: usize> SimpleSerialize for FixedBytes<N> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex32(text: &str) -> [u8; 32] {
        Root::from_hex(text).unwrap().0
    }

    #[test]
    fn hash_64_is_sha256() {
        for seed in 0u8..8 {
            let block: [u8; 64] =
                std::array::from_fn(|i| (i as u8).wrapping_mul(seed).wrapping_add(seed));
            let expected: [u8; 32] = Sha256::digest(block).into();
            assert_eq!(hash_64(&block), expected);
        }
    }

    #[test]
    fn zero_ladder_matches_reference() {
        let z = zero_hashes();
        assert_eq!(
            z[1],
            hex32("f5a5fd42d16a20302798ef6ed309979b43003d2320d9f0e8ea9831a92759fb4b")
        );
        assert_eq!(
            z[2],
            hex32("db56114e00fdd4c1f85c892bf35ac9a89289aaecb1ebd0a96cde606a748b5d71")
        );
    }

    #[test]
    fn merkleize_pads_to_limit() {
        let a = [1u8; 32];
        let b = [2u8; 32];
        let c = [3u8; 32];
        let expected = hash_pair(&hash_pair(&a, &b), &hash_pair(&c, &zero_hashes()[0]));
        assert_eq!(merkleize_chunks(&[a, b, c], 4).0, expected);
        // A limit of 8 adds one more level with a zero subtree of height 2.
        let wide = hash_pair(&expected, &zero_hashes()[2]);
        assert_eq!(merkleize_chunks(&[a, b, c], 8).0, wide);
        // A single chunk is its own root; nothing under a limit of 2^k is the zero subtree.
        assert_eq!(merkleize_chunks(&[a], 1).0, a);
        assert_eq!(merkleize_chunks(&[], 16).0, zero_hashes()[4]);
    }

    #[test]
    fn empty_u64_list_root_matches_reference() {
        // htr(List[uint64, 2^40]()) from the reference's known answers.
        let root = mix_in_length(&merkleize_chunks(&[], (1usize << 40) * 8 / 32), 0);
        assert_eq!(
            root.0,
            hex32("acff3e632bf8ff27b783ac48086a544d1e920512add91817790d355e09846cd0")
        );
        let mut chunk = [0u8; 32];
        for (i, v) in [0u64, 1, 2].iter().enumerate() {
            chunk[i * 8..i * 8 + 8].copy_from_slice(&v.to_le_bytes());
        }
        let root = mix_in_length(&merkleize_chunks(&[chunk], (1usize << 40) * 8 / 32), 3);
        assert_eq!(
            root.0,
            hex32("9e536b1cdd6ada1e485e2c8e33a6fe4c936df2afe06d8aec39c95234cb95ff99")
        );
    }

    #[test]
    fn merkle_branch_round_trip() {
        let leaves: Vec<[u8; 32]> = (0u8..8).map(|i| [i; 32]).collect();
        let root = merkleize_chunks(&leaves, 8);
        // Branch for index 5: sibling 4, then H(6,7), then H(H(0,1),H(2,3)).
        let branch = [
            Root::new(leaves[4]),
            Root::new(hash_pair(&leaves[6], &leaves[7])),
            Root::new(hash_pair(
                &hash_pair(&leaves[0], &leaves[1]),
                &hash_pair(&leaves[2], &leaves[3]),
            )),
        ];
        assert!(is_valid_merkle_branch(
            &Root::new(leaves[5]),
            &branch,
            3,
            5,
            &root
        ));
        assert!(!is_valid_merkle_branch(
            &Root::new(leaves[5]),
            &branch,
            3,
            4,
            &root
        ));
        assert!(!is_valid_merkle_branch(
            &Root::new(leaves[5]),
            &branch[..2],
            3,
            5,
            &root
        ));
    }
}
