//! What a validator signs (design D1): `hash_tree_root(SigningData { object_root, domain })`
//! with `domain = domain_type ‖ fork_version ‖ 24 zero bytes`.

use crate::hash::hash_roots;
use crate::primitives::{DomainType, Root, Version};

/// A 32-byte signing domain.
pub type Domain = Root;

/// `SigningData { object_root, domain }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SigningData {
    pub object_root: Root,
    pub domain: Domain,
}

impl SigningData {
    /// Its `hash_tree_root`: a two-field container, so `H(object_root ‖ domain)`.
    pub fn root(&self) -> Root {
        hash_roots(&self.object_root, &self.domain)
    }
}

/// `compute_domain(domain_type, fork_version)` = `domain_type ‖ fork_version ‖ 0^24`.
pub fn compute_domain(domain_type: DomainType, fork_version: Version) -> Domain {
    let mut bytes = [0u8; 32];
    bytes[..4].copy_from_slice(&domain_type.0);
    bytes[4..8].copy_from_slice(&fork_version.0);
    Root::new(bytes)
}

/// The message a signature covers: the root of `SigningData`.
pub fn compute_signing_root(object_root: &Root, domain: &Domain) -> Root {
    SigningData {
        object_root: *object_root,
        domain: *domain,
    }
    .root()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::hash;

    #[test]
    fn domain_layout_and_signing_root() {
        let domain = compute_domain(DomainType::new([2, 0, 0, 0]), Version::new([1, 2, 3, 4]));
        assert_eq!(&domain.0[..8], &[2, 0, 0, 0, 1, 2, 3, 4]);
        assert!(domain.0[8..].iter().all(|b| *b == 0));
        let object = Root::new([9u8; 32]);
        let mut both = [0u8; 64];
        both[..32].copy_from_slice(&object.0);
        both[32..].copy_from_slice(&domain.0);
        assert_eq!(compute_signing_root(&object, &domain), hash(&both));
    }
}
