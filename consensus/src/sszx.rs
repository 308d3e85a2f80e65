//! What this project adds on top of `ssz_rs`: bounded-collection traits that generic code can
//! name through a preset, `hash_tree_root` and `signing_root` that take `&self`, and typed
//! encode/decode errors.

use crate::primitives::Root;
use serde::{de::DeserializeOwned, Serialize};
use ssz_rs::{List, SimpleSerialize, Vector};
use std::fmt::Debug;
use std::ops::{Deref, IndexMut};

/// Bounds every SSZ value of this project satisfies.
pub trait SszValue:
    SimpleSerialize + Clone + Debug + PartialEq + Eq + Send + Sync + Serialize + DeserializeOwned
{
}

impl<T> SszValue for T where
    T: SimpleSerialize
        + Clone
        + Debug
        + PartialEq
        + Eq
        + Send
        + Sync
        + Serialize
        + DeserializeOwned
{
}

/// `Vector[T, N]` named through a preset's associated type.
pub trait SszVector<T: 'static>:
    SszValue + Deref<Target = Vec<T>> + IndexMut<usize, Output = T>
{
    /// Mutable access to every element in order.
    fn elements_mut(&mut self) -> impl Iterator<Item = &mut T>;

    /// For a vector whose bytes are shared between copies ([`crate::shared::Shared`]): the
    /// shared allocation, whose identity stands for its (then immutable) contents. Caches use
    /// it to skip comparing a vector they have already seen.
    fn share(&self) -> Option<std::sync::Arc<dyn std::any::Any + Send + Sync>> {
        None
    }
}

/// `List[T, N]` named through a preset's associated type.
pub trait SszList<T: 'static>:
    SszValue + Deref<Target = Vec<T>> + IndexMut<usize, Output = T>
{
    /// The list's limit `N`.
    fn limit() -> usize;
    /// Appends `value`, refusing to grow past the limit.
    fn try_push(&mut self, value: T) -> Result<(), ListFull>;
    /// Empties the list.
    fn clear(&mut self);
    /// Builds a list from `values`, refusing more than the limit.
    fn try_from_vec(values: Vec<T>) -> Result<Self, ListFull>;
}

/// A push or build past a list's limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("list is full: limit {limit}")]
pub struct ListFull {
    pub limit: usize,
}

impl<T: SszValue + Default + 'static, const N: usize> SszVector<T> for Vector<T, N> {
    fn elements_mut(&mut self) -> impl Iterator<Item = &mut T> {
        self.iter_mut()
    }
}

impl<T: SszValue + Default + 'static, const N: usize> SszList<T> for List<T, N> {
    fn limit() -> usize {
        N
    }

    fn try_push(&mut self, value: T) -> Result<(), ListFull> {
        if self.len() >= N {
            return Err(ListFull { limit: N });
        }
        self.push(value);
        Ok(())
    }

    fn clear(&mut self) {
        List::clear(self);
    }

    fn try_from_vec(values: Vec<T>) -> Result<Self, ListFull> {
        List::try_from(values).map_err(|_| ListFull { limit: N })
    }
}

/// `hash_tree_root(value)`. `ssz_rs` hashes through `&mut self`; this takes `&self` at the
/// price of one clone, which is what every small container wants. Large structures (the
/// registry, the beacon state) have dedicated, cached roots.
pub fn hash_tree_root<T: SimpleSerialize + Clone>(value: &T) -> Root {
    let mut copy = value.clone();
    match copy.hash_tree_root() {
        Ok(node) => Root::from(node),
        // Merkleization of a value that fits its type cannot fail; a value past its limit
        // (impossible through this crate's constructors) gets the zero root rather than a panic.
        Err(_) => Root::zero(),
    }
}

/// `signing_root(c)`: the root of a container without its final `signature` field.
pub trait SigningRoot {
    fn signing_root(&self) -> Root;
}

/// Why SSZ bytes did not decode or a value did not encode: `ssz_rs`'s errors, as values that
/// can be copied and compared.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SszFailure {
    #[error("expected at least {expected} bytes, got {provided}")]
    TooShort { provided: usize, expected: usize },
    #[error("{provided} bytes where at most {expected} fit")]
    TooLong { provided: usize, expected: usize },
    #[error("invalid byte {0:#04x}")]
    InvalidByte(u8),
    #[error("{provided} elements where exactly {required} are required")]
    WrongCount { required: usize, provided: usize },
    #[error("{provided} elements exceed the bound {bound}")]
    OverBound { bound: usize, provided: usize },
    #[error("the type is invalid with bound {0}")]
    InvalidBound(usize),
    #[error("offsets take {0} bytes, not a multiple of 4")]
    OffsetsLength(usize),
    #[error("an offset points to byte {end}, before byte {start}")]
    OffsetNotIncreasing { start: usize, end: usize },
    #[error("the encoding reaches {0} bytes, the 2^32 maximum")]
    MaximumLength(usize),
    #[error("an offset points past the end of its {len}-byte list")]
    OffsetOutOfBounds { len: usize },
    #[error("not the canonical encoding of the value it decodes to")]
    NotCanonical,
    #[error("the SSZ decoder panicked: {0}")]
    DecoderPanic(String),
}

impl From<ssz_rs::InstanceError> for SszFailure {
    fn from(error: ssz_rs::InstanceError) -> Self {
        match error {
            ssz_rs::InstanceError::Exact { required, provided } => {
                SszFailure::WrongCount { required, provided }
            }
            ssz_rs::InstanceError::Bounded { bound, provided } => {
                SszFailure::OverBound { bound, provided }
            }
        }
    }
}

impl From<ssz_rs::TypeError> for SszFailure {
    fn from(error: ssz_rs::TypeError) -> Self {
        match error {
            ssz_rs::TypeError::InvalidBound(bound) => SszFailure::InvalidBound(bound),
        }
    }
}

impl From<ssz_rs::DeserializeError> for SszFailure {
    fn from(error: ssz_rs::DeserializeError) -> Self {
        use ssz_rs::DeserializeError as E;
        match error {
            E::ExpectedFurtherInput { provided, expected } => {
                SszFailure::TooShort { provided, expected }
            }
            E::AdditionalInput { provided, expected } => SszFailure::TooLong { provided, expected },
            E::InvalidByte(byte) => SszFailure::InvalidByte(byte),
            E::InvalidInstance(e) => e.into(),
            E::InvalidType(e) => e.into(),
            E::InvalidOffsetsLength(len) => SszFailure::OffsetsLength(len),
            E::OffsetNotIncreasing { start, end } => SszFailure::OffsetNotIncreasing { start, end },
        }
    }
}

impl From<ssz_rs::SerializeError> for SszFailure {
    fn from(error: ssz_rs::SerializeError) -> Self {
        use ssz_rs::SerializeError as E;
        match error {
            E::MaximumEncodedLengthReached(len) => SszFailure::MaximumLength(len),
            E::InvalidInstance(e) => e.into(),
            E::InvalidType(e) => e.into(),
        }
    }
}

/// A decode failure, with the type that was being decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid SSZ for {type_name}: {reason}")]
pub struct DecodeError {
    pub type_name: &'static str,
    pub reason: SszFailure,
}

thread_local! {
    static DECODING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether this thread is inside [`decode`]: a process-wide panic hook asks, to stay quiet
/// about the ssz_rs panic that [`decode`] turns into [`SszFailure::OffsetOutOfBounds`].
pub fn decoding_now() -> bool {
    DECODING.with(|d| d.get())
}

/// Decodes `bytes` as a `T`, refusing malformed input with a typed error.
///
/// ssz_rs 0.9.0 (the latest release) slices a list of variable-size elements by the offsets
/// it reads without checking them against the end of the buffer, so an offset past the end
/// panics instead of failing (found by `fuzz/`: any list of attestations, slashings or blocks
/// on the wire; with overflow checks on, its derived container decoder also subtracts offsets
/// unchecked). Those panics, recognised by their messages, become the typed error they should
/// have been, [`SszFailure::OffsetOutOfBounds`]. Any other panic in a decoder is a bug of its
/// own: it becomes [`SszFailure::DecoderPanic`] with the message (a peer's bytes still never
/// take the node down), and the fuzz targets report that variant as a finding.
pub fn decode<T: SimpleSerialize>(bytes: &[u8]) -> Result<T, DecodeError> {
    let type_name = std::any::type_name::<T>();
    let was = DECODING.with(|d| d.replace(true));
    let outcome = std::panic::catch_unwind(|| T::deserialize(bytes));
    DECODING.with(|d| d.set(was));
    match outcome {
        Ok(Ok(value)) => {
            // ssz_rs also accepts some encodings the SSZ specification forbids (a first offset
            // past the fixed part, leaving bytes nobody reads; set padding bits): only the one
            // canonical encoding of a value is accepted, so bytes and value stay one-to-one.
            match encode(&value) {
                Ok(again) if again == bytes => Ok(value),
                _ => Err(DecodeError {
                    type_name,
                    reason: SszFailure::NotCanonical,
                }),
            }
        }
        Ok(Err(e)) => Err(DecodeError {
            type_name,
            reason: e.into(),
        }),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let known = [
                "out of range for slice",
                "slice index starts at",
                "with overflow",
            ];
            let reason = if known.iter().any(|k| message.contains(k)) {
                SszFailure::OffsetOutOfBounds { len: bytes.len() }
            } else {
                SszFailure::DecoderPanic(message)
            };
            Err(DecodeError { type_name, reason })
        }
    }
}

/// Encodes `value`. Values built through this crate always fit their limits; one that does not
/// is reported rather than encoded.
pub fn encode<T: SimpleSerialize>(value: &T) -> Result<Vec<u8>, ssz_rs::SerializeError> {
    let mut out = Vec::new();
    value.serialize(&mut out)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    type Nested = List<List<u8, 8>, 4>;

    fn two_lists() -> Vec<u8> {
        let value: Nested = vec![
            vec![1u8, 2].try_into().unwrap_or_default(),
            vec![3u8].try_into().unwrap_or_default(),
        ]
        .try_into()
        .unwrap_or_default();
        encode(&value).unwrap_or_default()
    }

    #[test]
    fn an_offset_past_the_end_is_a_typed_error_not_a_panic() {
        let mut bytes = two_lists();
        assert_eq!(bytes.len(), 11, "two offsets and three bytes");
        assert!(decode::<Nested>(&bytes).is_ok());
        // The second offset points past the end: ssz_rs itself panics on this.
        bytes[4..8].copy_from_slice(&200u32.to_le_bytes());
        let err = decode::<Nested>(&bytes).unwrap_err();
        assert_eq!(err.reason, SszFailure::OffsetOutOfBounds { len: 11 });
        assert!(!decoding_now(), "the flag is cleared after a caught panic");
    }

    #[test]
    fn whatever_decodes_is_the_canonical_encoding_of_its_value() {
        // ssz_rs alone accepts some non-canonical encodings of larger containers (the fuzzer
        // found them in beacon states within seconds); `decode` must not: every accepted
        // input is exactly the encoding of what it decoded to. Checked over single-byte
        // changes of every position of a block and an attestation.
        let block = crate::BeaconBlock::default();
        let attestation = crate::Attestation::default();
        for bytes in [
            encode(&block).unwrap_or_default(),
            encode(&attestation).unwrap_or_default(),
        ] {
            for at in 0..bytes.len() {
                for value in [0u8, 1, 0x80, 0xff] {
                    let mut changed = bytes.clone();
                    changed[at] = value;
                    if let Ok(v) = decode::<crate::BeaconBlock>(&changed) {
                        assert_eq!(encode(&v).ok(), Some(changed.clone()));
                    }
                    if let Ok(v) = decode::<crate::Attestation>(&changed) {
                        assert_eq!(encode(&v).ok(), Some(changed));
                    }
                }
            }
        }
    }
}
