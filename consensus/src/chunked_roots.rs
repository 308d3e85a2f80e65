//! [`ChunkedRoots`]: `Vector[Root, N]` kept as chunks that copies of a state share.
//!
//! The beacon state's root vectors are large (`EPOCHS_PER_HISTORICAL_VECTOR` = 65,536 roots, 2
//! MiB, for each of `randao_mixes`, `active_index_roots` and `compact_committees_roots`;
//! `SLOTS_PER_HISTORICAL_ROOT` = 8,192 for `block_roots` and `state_roots`), and every block or
//! slot writes one root of some of them. Fork choice keeps a post-state per block, so a plain
//! vector costs a whole copy per block; here a copy shares every chunk of
//! [`CHUNK_ROOTS`] roots, and a write copies one chunk (2 KiB) and the list of chunk pointers
//! (8 KiB for 65,536 roots). A state therefore costs what changed, not a copy.
//!
//! Each chunk caches its Merkle root (the root of a subtree of depth 6), so a chunk is hashed
//! once however many states share it; [`ChunkedRoots::chunks`] exposes the chunks so that a
//! cache of the levels above (`beacon::state_root_cache`) can find the chunks that changed by
//! pointer. The whole vector's root is cached too, for copies that share the list of chunks.
//!
//! SSZ, serde and `hash_tree_root` see exactly a `Vector[Root, N]` (tested against `ssz_rs`).

use crate::hash::{merkleize_in_place, tree_depth};
use crate::primitives::Root;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ssz_rs::prelude::{
    DeserializeError, MerkleizationError, Merkleized, Node, SerializeError, SimpleSerialize,
};
use std::fmt;
use std::ops::{Index, IndexMut};
use std::sync::{Arc, OnceLock};

/// Roots per chunk: 2 KiB, a subtree of depth 6.
pub const CHUNK_ROOTS: usize = 64;

/// `CHUNK_ROOTS` consecutive roots and their cached subtree root.
#[derive(Debug)]
pub struct RootChunk {
    roots: Vec<Root>,
    root: OnceLock<[u8; 32]>,
}

impl Clone for RootChunk {
    /// A chunk is cloned to be written: the copy starts without a cached root.
    fn clone(&self) -> Self {
        Self {
            roots: self.roots.clone(),
            root: OnceLock::new(),
        }
    }
}

impl RootChunk {
    fn new(roots: Vec<Root>) -> Self {
        Self {
            roots,
            root: OnceLock::new(),
        }
    }

    /// The root of the chunk's subtree (computed once).
    pub fn root(&self) -> [u8; 32] {
        *self.root.get_or_init(|| {
            let mut layer: Vec<[u8; 32]> = self.roots.iter().map(|r| r.0).collect();
            merkleize_in_place(&mut layer, tree_depth(self.roots.len())).0
        })
    }

    pub fn roots(&self) -> &[Root] {
        &self.roots
    }
}

/// The list of chunks, shared by copies until one writes, with the vector's cached root.
#[derive(Debug)]
struct Spine {
    chunks: Vec<Arc<RootChunk>>,
    root: OnceLock<Root>,
}

impl Clone for Spine {
    fn clone(&self) -> Self {
        Self {
            chunks: self.chunks.clone(),
            root: OnceLock::new(),
        }
    }
}

/// `Vector[Root, N]` (`N` a power of two). See the module documentation.
pub struct ChunkedRoots<const N: usize> {
    spine: Arc<Spine>,
}

impl<const N: usize> ChunkedRoots<N> {
    const CHUNK: usize = if N < CHUNK_ROOTS { N } else { CHUNK_ROOTS };

    /// Every root equal to `value`: one chunk, shared by every position.
    pub fn filled(value: Root) -> Self {
        const { assert!(N.is_power_of_two()) };
        let chunk = Arc::new(RootChunk::new(vec![value; Self::CHUNK]));
        Self {
            spine: Arc::new(Spine {
                chunks: vec![chunk; N / Self::CHUNK],
                root: OnceLock::new(),
            }),
        }
    }

    /// The vector holding `roots` (exactly `N` of them).
    pub fn from_roots(roots: &[Root]) -> Option<Self> {
        const { assert!(N.is_power_of_two()) };
        if roots.len() != N {
            return None;
        }
        let chunks = roots
            .chunks(Self::CHUNK)
            .map(|c| Arc::new(RootChunk::new(c.to_vec())))
            .collect();
        Some(Self {
            spine: Arc::new(Spine {
                chunks,
                root: OnceLock::new(),
            }),
        })
    }

    pub fn len(&self) -> usize {
        N
    }

    pub fn is_empty(&self) -> bool {
        N == 0
    }

    pub fn get(&self, index: usize) -> Option<&Root> {
        self.spine
            .chunks
            .get(index / Self::CHUNK)
            .and_then(|c| c.roots.get(index % Self::CHUNK))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Root> {
        self.spine.chunks.iter().flat_map(|c| c.roots.iter())
    }

    /// The chunks, in order (for caches of the levels above them).
    pub fn chunks(&self) -> &[Arc<RootChunk>] {
        &self.spine.chunks
    }

    /// Sets every root to `value` (sharing one chunk).
    pub fn fill(&mut self, value: Root) {
        *self = Self::filled(value);
    }

    /// Whether `self` and `other` share their list of chunks (then they are equal).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.spine, &other.spine)
    }

    /// `hash_tree_root(Vector[Root, N])`: the chunks' roots merkleized (cached).
    pub fn root(&self) -> Root {
        *self.spine.root.get_or_init(|| {
            let mut layer: Vec<[u8; 32]> = self.spine.chunks.iter().map(|c| c.root()).collect();
            merkleize_in_place(&mut layer, tree_depth(N / Self::CHUNK))
        })
    }

    /// Tree depth of the levels above the chunks.
    pub fn upper_depth() -> usize {
        tree_depth(N / Self::CHUNK)
    }
}

/// A preset's root vector (`P::HistoricalRoots`, `P::EpochRoots`): what generic code may do
/// with it. Implemented by [`ChunkedRoots`] of every length.
pub trait RootVector:
    crate::sszx::SszValue + Default + Index<usize, Output = Root> + IndexMut<usize>
{
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn iter(&self) -> impl Iterator<Item = &Root>;
    /// The chunks, in order, for caches of the levels above them.
    fn chunks(&self) -> &[Arc<RootChunk>];
    /// `hash_tree_root` (cached).
    fn root(&self) -> Root;
    /// Depth of the tree above the chunks.
    fn upper_depth(&self) -> usize;
    /// Sets every root to `value`.
    fn fill(&mut self, value: Root);
}

impl<const N: usize> RootVector for ChunkedRoots<N> {
    fn len(&self) -> usize {
        N
    }

    fn iter(&self) -> impl Iterator<Item = &Root> {
        ChunkedRoots::iter(self)
    }

    fn chunks(&self) -> &[Arc<RootChunk>] {
        ChunkedRoots::chunks(self)
    }

    fn root(&self) -> Root {
        ChunkedRoots::root(self)
    }

    fn upper_depth(&self) -> usize {
        Self::upper_depth()
    }

    fn fill(&mut self, value: Root) {
        ChunkedRoots::fill(self, value)
    }
}

impl<const N: usize> Clone for ChunkedRoots<N> {
    fn clone(&self) -> Self {
        Self {
            spine: Arc::clone(&self.spine),
        }
    }
}

impl<const N: usize> Default for ChunkedRoots<N> {
    fn default() -> Self {
        Self::filled(Root::zero())
    }
}

impl<const N: usize> Index<usize> for ChunkedRoots<N> {
    type Output = Root;

    fn index(&self, index: usize) -> &Root {
        &self.spine.chunks[index / Self::CHUNK].roots[index % Self::CHUNK]
    }
}

impl<const N: usize> IndexMut<usize> for ChunkedRoots<N> {
    /// Copies the list of chunks and the written chunk first if other states share them.
    fn index_mut(&mut self, index: usize) -> &mut Root {
        let spine = Arc::make_mut(&mut self.spine);
        spine.root = OnceLock::new();
        let chunk = Arc::make_mut(&mut spine.chunks[index / Self::CHUNK]);
        chunk.root = OnceLock::new();
        &mut chunk.roots[index % Self::CHUNK]
    }
}

impl<const N: usize> PartialEq for ChunkedRoots<N> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other)
            || self
                .spine
                .chunks
                .iter()
                .zip(other.spine.chunks.iter())
                .all(|(a, b)| Arc::ptr_eq(a, b) || a.roots == b.roots)
    }
}

impl<const N: usize> Eq for ChunkedRoots<N> {}

impl<const N: usize> fmt::Debug for ChunkedRoots<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<const N: usize> Serialize for ChunkedRoots<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de, const N: usize> Deserialize<'de> for ChunkedRoots<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let roots = Vec::<Root>::deserialize(deserializer)?;
        let len = roots.len();
        Self::from_roots(&roots).ok_or_else(|| {
            serde::de::Error::invalid_length(len, &format!("exactly {N} roots").as_str())
        })
    }
}

impl<const N: usize> ssz_rs::Sized for ChunkedRoots<N> {
    fn is_variable_size() -> bool {
        false
    }

    fn size_hint() -> usize {
        N * 32
    }
}

impl<const N: usize> ssz_rs::Serialize for ChunkedRoots<N> {
    fn serialize(&self, buffer: &mut Vec<u8>) -> Result<usize, SerializeError> {
        buffer.reserve(N * 32);
        for root in self.iter() {
            buffer.extend_from_slice(&root.0);
        }
        Ok(N * 32)
    }
}

impl<const N: usize> ssz_rs::Deserialize for ChunkedRoots<N> {
    fn deserialize(encoding: &[u8]) -> Result<Self, DeserializeError> {
        let expected = N * 32;
        if encoding.len() < expected {
            return Err(DeserializeError::ExpectedFurtherInput {
                provided: encoding.len(),
                expected,
            });
        }
        if encoding.len() > expected {
            return Err(DeserializeError::AdditionalInput {
                provided: encoding.len(),
                expected,
            });
        }
        let roots: Vec<Root> = encoding
            .chunks_exact(32)
            .map(|b| Root::from_slice(b).unwrap_or_default())
            .collect();
        Ok(Self::from_roots(&roots).unwrap_or_default())
    }
}

impl<const N: usize> Merkleized for ChunkedRoots<N> {
    fn hash_tree_root(&mut self) -> Result<Node, MerkleizationError> {
        Ok(Node::from(self.root()))
    }
}

impl<const N: usize> SimpleSerialize for ChunkedRoots<N> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sszx::{decode, encode, hash_tree_root};
    use ssz_rs::Vector;

    fn sample<const N: usize>() -> (ChunkedRoots<N>, Vector<Root, N>) {
        let mut chunked = ChunkedRoots::<N>::default();
        let mut plain = Vector::<Root, N>::default();
        for i in (0..N).step_by(7) {
            let root = Root::new([(i % 251) as u8 + 1; 32]);
            chunked[i] = root;
            plain[i] = root;
        }
        (chunked, plain)
    }

    fn same_as_plain<const N: usize>() {
        let (chunked, plain) = sample::<N>();
        assert_eq!(hash_tree_root(&chunked), hash_tree_root(&plain));
        assert_eq!(encode(&chunked).unwrap(), encode(&plain).unwrap());
        let decoded: ChunkedRoots<N> = decode(&encode(&plain).unwrap()).unwrap();
        assert_eq!(decoded, chunked);
        assert_eq!(
            serde_json::to_string(&chunked).unwrap(),
            serde_json::to_string(&plain).unwrap()
        );
        let back: ChunkedRoots<N> =
            serde_json::from_str(&serde_json::to_string(&plain).unwrap()).unwrap();
        assert_eq!(back, chunked);
        assert!(chunked.iter().eq(plain.iter()));
    }

    #[test]
    fn ssz_serde_and_root_are_a_plain_vector() {
        same_as_plain::<64>();
        same_as_plain::<8192>();
        same_as_plain::<65536>();
        assert_eq!(
            hash_tree_root(&ChunkedRoots::<65536>::default()),
            hash_tree_root(&Vector::<Root, 65536>::default())
        );
        assert!(decode::<ChunkedRoots<64>>(&[0u8; 63 * 32]).is_err());
        assert!(decode::<ChunkedRoots<64>>(&[0u8; 65 * 32]).is_err());
    }

    #[test]
    fn a_copy_shares_everything_until_one_root_is_written() {
        let (mut a, _) = sample::<8192>();
        let root_before = a.root();
        let b = a.clone();
        assert!(a.ptr_eq(&b));
        a[100] = Root::new([9; 32]);
        assert!(!a.ptr_eq(&b));
        // Only the written chunk is new; the others are the same allocations.
        let shared = a
            .chunks()
            .iter()
            .zip(b.chunks())
            .filter(|(x, y)| Arc::ptr_eq(x, y))
            .count();
        assert_eq!(shared, 8192 / CHUNK_ROOTS - 1);
        assert_eq!(b.root(), root_before);
        assert_ne!(a.root(), root_before);
        assert_eq!(b[100], Root::zero());
        let mut plain: Vec<Root> = b.iter().copied().collect();
        plain[100] = Root::new([9; 32]);
        let plain = Vector::<Root, 8192>::try_from(plain).unwrap();
        assert_eq!(a.root(), hash_tree_root(&plain));
    }
}
