//! Custom types of the reference (section 1) and the fixed-size byte strings they rest on.
//!
//! `FixedBytes<N>` is `BytesN` = `Vector[uint8, N]`: stored inline (no heap), encoded as its raw
//! bytes, merkleized by packing into 32-byte chunks, and shown as `0x…` hex in Debug, Display
//! and serde (the vectors' YAML form). It implements the `ssz_rs` traits, so containers built
//! from it derive `SimpleSerialize` like any other field.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ssz_rs::{DeserializeError, Node, SerializeError};
use std::fmt;

pub type Slot = u64;
pub type Epoch = u64;
pub type Shard = u64;
pub type ValidatorIndex = u64;
pub type Gwei = u64;

/// Why text is not the hex of a `BytesN`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HexError {
    #[error("bad hex: {0}")]
    Digits(#[from] hex::FromHexError),
    #[error("expected {expected} bytes, got {got}")]
    Length { expected: usize, got: usize },
}

/// `Hash` / `Bytes32`: a 32-byte root.
pub type Root = FixedBytes<32>;
/// `Version` / `Bytes4`.
pub type Version = FixedBytes<4>;
/// `DomainType` / `Bytes4`.
pub type DomainType = FixedBytes<4>;
/// `BLSPubkey` / `Bytes48`: a compressed G1 point.
pub type BlsPublicKeyBytes = FixedBytes<48>;
/// `BLSSignature` / `Bytes96`: a compressed G2 point.
pub type BlsSignatureBytes = FixedBytes<96>;

/// `BytesN`: N bytes stored inline.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FixedBytes<const N: usize>(pub [u8; N]);

impl<const N: usize> FixedBytes<N> {
    pub const fn new(bytes: [u8; N]) -> Self {
        Self(bytes)
    }

    pub const fn zero() -> Self {
        Self([0u8; N])
    }

    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|b| *b == 0)
    }

    pub fn as_bytes(&self) -> &[u8; N] {
        &self.0
    }

    /// Copies `bytes` if it has exactly `N` bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; N]>::try_from(bytes).ok().map(Self)
    }

    /// Parses `0x`-prefixed (or bare) hex of exactly `N` bytes.
    pub fn from_hex(text: &str) -> Result<Self, HexError> {
        let digits = text.strip_prefix("0x").unwrap_or(text);
        let bytes = hex::decode(digits)?;
        Self::from_slice(&bytes).ok_or(HexError::Length {
            expected: N,
            got: bytes.len(),
        })
    }

    pub fn to_hex(&self) -> String {
        format!("0x{}", hex::encode(self.0))
    }
}

impl<const N: usize> Default for FixedBytes<N> {
    fn default() -> Self {
        Self::zero()
    }
}

impl<const N: usize> AsRef<[u8]> for FixedBytes<N> {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl<const N: usize> From<[u8; N]> for FixedBytes<N> {
    fn from(bytes: [u8; N]) -> Self {
        Self(bytes)
    }
}

impl From<Node> for FixedBytes<32> {
    fn from(node: Node) -> Self {
        let mut out = [0u8; 32];
        out.copy_from_slice(node.as_ref());
        Self(out)
    }
}

impl<const N: usize> fmt::Debug for FixedBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl<const N: usize> fmt::Display for FixedBytes<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl<const N: usize> Serialize for FixedBytes<N> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de, const N: usize> Deserialize<'de> for FixedBytes<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        if !text.starts_with("0x") {
            return Err(serde::de::Error::custom("byte strings are 0x-prefixed hex"));
        }
        Self::from_hex(&text).map_err(serde::de::Error::custom)
    }
}

impl<const N: usize> ssz_rs::Sized for FixedBytes<N> {
    fn is_variable_size() -> bool {
        false
    }

    fn size_hint() -> usize {
        N
    }
}

impl<const N: usize> ssz_rs::Serialize for FixedBytes<N> {
    fn serialize(&self, buffer: &mut Vec<u8>) -> Result<usize, SerializeError> {
        buffer.extend_from_slice(&self.0);
        Ok(N)
    }
}

impl<const N: usize> ssz_rs::Deserialize for FixedBytes<N> {
    fn deserialize(encoding: &[u8]) -> Result<Self, DeserializeError> {
        match encoding.len() {
            len if len < N => Err(DeserializeError::ExpectedFurtherInput {
                provided: len,
                expected: N,
            }),
            len if len > N => Err(DeserializeError::AdditionalInput {
                provided: len,
                expected: N,
            }),
            _ => Ok(Self::from_slice(encoding).unwrap_or_default()),
        }
    }
}

impl From<FixedBytes<32>> for Node {
    fn from(root: FixedBytes<32>) -> Node {
        Node::try_from(root.0.as_slice()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip_and_errors() {
        let root =
            Root::from_hex("0x0102030000000000000000000000000000000000000000000000000000000000")
                .unwrap();
        assert_eq!(root.0[..3], [1, 2, 3]);
        assert_eq!(Root::from_hex(&root.to_hex()).unwrap(), root);
        assert_eq!(
            Version::from_hex("0x0102"),
            Err(HexError::Length {
                expected: 4,
                got: 2
            })
        );
        assert!(matches!(
            Version::from_hex("0xzz000000"),
            Err(HexError::Digits(_))
        ));
    }

    #[test]
    fn decode_refuses_wrong_lengths() {
        use crate::sszx::decode;
        assert!(decode::<Version>(&[1, 2, 3]).is_err());
        assert!(decode::<Version>(&[1, 2, 3, 4, 5]).is_err());
        assert_eq!(decode::<Version>(&[1, 2, 3, 4]).unwrap().0, [1, 2, 3, 4]);
    }

    #[test]
    fn roots_of_byte_vectors() {
        // Bytes4 is right-padded to one chunk; Bytes32 is itself.
        let v = Version::new([9, 8, 7, 6]);
        let mut expected = [0u8; 32];
        expected[..4].copy_from_slice(&[9, 8, 7, 6]);
        assert_eq!(v.tree_root().0, expected);
        let r = Root::new([7u8; 32]);
        assert_eq!(r.tree_root(), r);
    }
}
