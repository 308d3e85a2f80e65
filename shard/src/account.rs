//! Accounts: an ed25519 public key holds a balance and the count of transactions it has sent.
//!
//! An account's leaf in the state's accounts tree is the SSZ root of
//! [`AccountLeaf`]` { address: Bytes32, balance_and_nonce: Vector[uint64, 2] }`, i.e.
//! `H(address ‖ le64(balance) ‖ le64(nonce) ‖ 0^16)`: one SHA-256 block per account.

use crate::types::{Address, Amount};
use consensus::hash::hash_64;
use ssz_rs::prelude::*;

/// What the state keeps per address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Account {
    pub balance: Amount,
    /// The nonce the next transaction from this account must carry.
    pub nonce: u64,
}

/// The SSZ form of one leaf of the accounts tree.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct AccountLeaf {
    pub address: Address,
    pub balance_and_nonce: Vector<u64, 2>,
}

/// `hash_tree_root(AccountLeaf { address, [balance, nonce] })`, in one hash.
pub fn account_leaf(address: &Address, account: &Account) -> [u8; 32] {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(&address.0);
    block[32..40].copy_from_slice(&account.balance.to_le_bytes());
    block[40..48].copy_from_slice(&account.nonce.to_le_bytes());
    hash_64(&block)
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::sszx::hash_tree_root;

    #[test]
    fn leaf_is_the_ssz_root_of_account_leaf() {
        let address = Address::new([7u8; 32]);
        let account = Account {
            balance: 123_456,
            nonce: 9,
        };
        let ssz = AccountLeaf {
            address,
            balance_and_nonce: Vector::try_from(vec![account.balance, account.nonce]).unwrap(),
        };
        assert_eq!(hash_tree_root(&ssz).0, account_leaf(&address, &account));
    }
}
