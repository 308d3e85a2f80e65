//! The identifiers of the beacon-API paths: `block_id` and `state_id` (`head`, `genesis`,
//! `finalized`, `justified`, a decimal slot or a `0x` root) and `validator_id` (a decimal
//! index or a `0x` BLS public key), and the hex forms of roots and addresses.

use super::error::ApiError;
use consensus::primitives::{FixedBytes, Root, Slot};

/// A block (or the state after it) named in a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlockId {
    Head,
    Genesis,
    Finalized,
    Justified,
    Slot(Slot),
    Root(Root),
}

impl BlockId {
    /// Parses a `block_id` or `state_id`. For a state, a root names the block whose
    /// post-state it is (this node indexes states by block).
    pub fn parse(text: &str, what: &str) -> Result<Self, ApiError> {
        match text {
            "head" => Ok(Self::Head),
            "genesis" => Ok(Self::Genesis),
            "finalized" => Ok(Self::Finalized),
            "justified" => Ok(Self::Justified),
            _ if text.starts_with("0x") => Ok(Self::Root(parse_bytes::<32>(text, what)?)),
            _ => text.parse::<Slot>().map(Self::Slot).map_err(|_| {
                ApiError::bad_request(format!(
                    "invalid {what} {text:?}: expected head, genesis, finalized, justified, a decimal slot or a 0x-prefixed 32-byte root"
                ))
            }),
        }
    }
}

/// A validator named in a path: its index or its public key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidatorId {
    Index(u64),
    Pubkey(FixedBytes<48>),
}

impl ValidatorId {
    pub fn parse(text: &str) -> Result<Self, ApiError> {
        if text.starts_with("0x") {
            return Ok(Self::Pubkey(parse_bytes::<48>(text, "validator_id")?));
        }
        text.parse::<u64>().map(Self::Index).map_err(|_| {
            ApiError::bad_request(format!(
                "invalid validator_id {text:?}: expected a decimal index or a 0x-prefixed 48-byte public key"
            ))
        })
    }
}

/// `0x` followed by exactly `2 × N` hex digits.
pub fn parse_bytes<const N: usize>(text: &str, what: &str) -> Result<FixedBytes<N>, ApiError> {
    let digits = text.strip_prefix("0x").ok_or_else(|| {
        ApiError::bad_request(format!("invalid {what} {text:?}: expected a 0x prefix"))
    })?;
    let bytes = hex::decode(digits)
        .map_err(|e| ApiError::bad_request(format!("invalid {what} {text:?}: not hex ({e})")))?;
    let array: [u8; N] = bytes.try_into().map_err(|b: Vec<u8>| {
        ApiError::bad_request(format!(
            "invalid {what} {text:?}: {} bytes, expected {N}",
            b.len()
        ))
    })?;
    Ok(FixedBytes(array))
}

/// `0x`-hex of bytes.
pub fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_and_refuse_with_reasons() {
        assert_eq!(BlockId::parse("head", "block_id").unwrap(), BlockId::Head);
        assert_eq!(BlockId::parse("12", "block_id").unwrap(), BlockId::Slot(12));
        let root = format!("0x{}", "ab".repeat(32));
        assert!(matches!(
            BlockId::parse(&root, "block_id").unwrap(),
            BlockId::Root(_)
        ));
        let err = BlockId::parse("tip", "block_id").unwrap_err();
        assert!(err.message.contains("expected head"), "{}", err.message);
        let err = BlockId::parse("0xabc", "block_id").unwrap_err();
        assert!(err.message.contains("not hex"), "{}", err.message);
        let err = BlockId::parse("0xabcd", "block_id").unwrap_err();
        assert!(
            err.message.contains("2 bytes, expected 32"),
            "{}",
            err.message
        );
        assert_eq!(ValidatorId::parse("7").unwrap(), ValidatorId::Index(7));
        assert!(ValidatorId::parse("-1").is_err());
    }
}
