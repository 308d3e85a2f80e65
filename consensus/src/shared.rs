//! [`Shared`]: an SSZ value behind a reference count, copied only when it is written.
//!
//! A beacon state is copied for every block (the fork choice keeps each post-state) and for
//! every slot a node advances, yet most of its bytes do not change between two states: at
//! 16,384 validators the registry is 2 MB and each of the three `EPOCHS_PER_HISTORICAL_VECTOR`
//! root vectors is 2 MB on mainnet, and blocks without deposits, exits or slashings write none
//! of them except the RANDAO mix. Fields of type `Shared<V>` share those bytes between copies
//! of a state; the first write to a shared value copies it (`Arc::make_mut`).
//!
//! The wrapper is invisible to SSZ and serde (same encoding, same root, same text), and it
//! dereferences to the same `Vec<T>` as `V`, so rules read and write the field exactly as they
//! would the plain vector or list.

use crate::sszx::{ListFull, SszList, SszValue, SszVector};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ssz_rs::prelude::{
    DeserializeError, List, MerkleizationError, Merkleized, Node, SerializeError, SimpleSerialize,
    Vector,
};
use std::any::Any;
use std::fmt;
use std::ops::{Deref, DerefMut, Index, IndexMut};
use std::sync::Arc;

/// `V`, shared between copies until one of them writes to it.
pub struct Shared<V>(Arc<V>);

impl<V> Shared<V> {
    pub fn new(value: V) -> Self {
        Self(Arc::new(value))
    }

    /// The wrapped value.
    pub fn inner(&self) -> &V {
        &self.0
    }

    /// The reference-counted value: holding a clone of it keeps the bytes from ever changing
    /// (a writer copies them first), so pointer equality with it means equal contents.
    pub fn arc(&self) -> &Arc<V> {
        &self.0
    }

    /// Whether `self` and `other` share the same bytes (then they are equal without looking).
    pub fn ptr_eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl<V: Clone> Shared<V> {
    /// The wrapped value for writing, copied first if another state shares it.
    pub fn make_mut(&mut self) -> &mut V {
        Arc::make_mut(&mut self.0)
    }
}

impl<V> Clone for Shared<V> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<V: Default> Default for Shared<V> {
    fn default() -> Self {
        Self::new(V::default())
    }
}

impl<V: fmt::Debug> fmt::Debug for Shared<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<V: PartialEq> PartialEq for Shared<V> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr_eq(other) || *self.0 == *other.0
    }
}

impl<V: Eq> Eq for Shared<V> {}

impl<V: Deref> Deref for Shared<V> {
    type Target = V::Target;

    fn deref(&self) -> &V::Target {
        self.0.deref()
    }
}

impl<V: DerefMut + Clone> DerefMut for Shared<V> {
    fn deref_mut(&mut self) -> &mut V::Target {
        self.make_mut().deref_mut()
    }
}

impl<V: Index<usize>> Index<usize> for Shared<V> {
    type Output = V::Output;

    fn index(&self, index: usize) -> &V::Output {
        self.0.index(index)
    }
}

impl<V: IndexMut<usize> + Clone> IndexMut<usize> for Shared<V> {
    fn index_mut(&mut self, index: usize) -> &mut V::Output {
        self.make_mut().index_mut(index)
    }
}

impl<V: Serialize> Serialize for Shared<V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Shared<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        V::deserialize(deserializer).map(Self::new)
    }
}

impl<V: ssz_rs::Sized> ssz_rs::Sized for Shared<V> {
    fn is_variable_size() -> bool {
        V::is_variable_size()
    }

    fn size_hint() -> usize {
        V::size_hint()
    }
}

impl<V: ssz_rs::Serialize> ssz_rs::Serialize for Shared<V> {
    fn serialize(&self, buffer: &mut Vec<u8>) -> Result<usize, SerializeError> {
        self.0.serialize(buffer)
    }
}

impl<V: ssz_rs::Deserialize> ssz_rs::Deserialize for Shared<V> {
    fn deserialize(encoding: &[u8]) -> Result<Self, DeserializeError> {
        V::deserialize(encoding).map(Self::new)
    }
}

impl<V: Merkleized + Clone> Merkleized for Shared<V> {
    /// `ssz_rs` hashes through `&mut self`; a shared value is copied first (the hot roots of
    /// the state are computed elsewhere, through `&self`).
    fn hash_tree_root(&mut self) -> Result<Node, MerkleizationError> {
        self.make_mut().hash_tree_root()
    }
}

impl<V: SimpleSerialize + Clone> SimpleSerialize for Shared<V> {}

impl<T: SszValue + Default + 'static, const N: usize> SszVector<T> for Shared<Vector<T, N>> {
    fn elements_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.make_mut().iter_mut()
    }

    fn share(&self) -> Option<Arc<dyn Any + Send + Sync>> {
        Some(self.0.clone())
    }
}

impl<T: SszValue + Default + 'static, const N: usize> SszList<T> for Shared<List<T, N>> {
    fn limit() -> usize {
        N
    }

    fn try_push(&mut self, value: T) -> Result<(), ListFull> {
        self.make_mut().try_push(value)
    }

    fn clear(&mut self) {
        SszList::clear(self.make_mut());
    }

    fn try_from_vec(values: Vec<T>) -> Result<Self, ListFull> {
        List::try_from_vec(values).map(Self::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::primitives::Root;
    use crate::sszx::{encode, hash_tree_root};

    type Roots = Vector<Root, 8>;

    #[test]
    fn copies_share_until_one_writes() {
        let mut a: Shared<Roots> = Shared::default();
        let b = a.clone();
        assert!(a.ptr_eq(&b));
        a[3] = Root::from_slice(&[7; 32]).unwrap_or_default();
        assert!(!a.ptr_eq(&b));
        assert_eq!(b[3], Root::zero());
        assert_ne!(a, b);
    }

    #[test]
    fn encoding_and_root_are_the_wrapped_values() -> Result<(), Box<dyn std::error::Error>> {
        let mut plain = Roots::default();
        plain[1] = Root::from_slice(&[1; 32]).unwrap_or_default();
        let shared = Shared::new(plain.clone());
        assert_eq!(encode(&shared)?, encode(&plain)?);
        assert_eq!(hash_tree_root(&shared), hash_tree_root(&plain));
        let decoded: Shared<Roots> = crate::sszx::decode(&encode(&plain)?)?;
        assert_eq!(decoded, shared);
        assert_eq!(
            serde_json::to_string(&shared)?,
            serde_json::to_string(&plain)?
        );
        Ok(())
    }
}
