//! The validity rules of a transaction on its sender's home shard (design 3.2), one function
//! per rule, each failing with the [`TransactionError`] that names it.

use crate::account::Account;
use crate::transaction::Transaction;
use crate::types::{compute_home_shard, Address, Amount};
use consensus::primitives::Shard;
use consensus::sszx::SigningRoot;
use ed25519_dalek::{Signature, VerifyingKey};

/// Why a transaction is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransactionError {
    #[error("check_sender_shard: sender {from} lives on shard {home}, not on shard {shard}")]
    SenderNotOnShard {
        from: Address,
        home: Shard,
        shard: Shard,
    },
    #[error("check_amount_nonzero: transfer of zero from {from}")]
    ZeroAmount { from: Address },
    #[error("compute_total_cost: amount {amount} + fee {fee} overflows u64")]
    AmountPlusFeeOverflow { amount: Amount, fee: Amount },
    #[error("check_nonce: {from} must use nonce {expected}, got {got}")]
    WrongNonce {
        from: Address,
        expected: u64,
        got: u64,
    },
    #[error("check_nonce: nonce of {from} cannot advance past {nonce}")]
    NonceExhausted { from: Address, nonce: u64 },
    #[error("check_balance: {from} holds {balance}, needs amount + fee = {needed}")]
    InsufficientBalance {
        from: Address,
        balance: Amount,
        needed: Amount,
    },
    #[error("verify_transaction_signature: sender {from} is not a valid ed25519 public key")]
    InvalidSenderKey { from: Address },
    #[error(
        "verify_transaction_signature: the signature of {from} (nonce {nonce}) does not verify"
    )]
    BadSignature { from: Address, nonce: u64 },
}

/// `check_sender_shard`: the sender's home shard is this shard.
pub fn check_sender_shard(
    tx: &Transaction,
    shard: Shard,
    active_shard_count: u64,
) -> Result<(), TransactionError> {
    let home = compute_home_shard(&tx.from, active_shard_count);
    if home != shard {
        return Err(TransactionError::SenderNotOnShard {
            from: tx.from,
            home,
            shard,
        });
    }
    Ok(())
}

/// `check_amount_nonzero`: a transfer moves something (zero transfers would only burn fees
/// and, across shards, create receipts worth nothing).
pub fn check_amount_nonzero(tx: &Transaction) -> Result<(), TransactionError> {
    if tx.amount == 0 {
        return Err(TransactionError::ZeroAmount { from: tx.from });
    }
    Ok(())
}

/// `compute_total_cost` = `amount + fee`, checked.
pub fn compute_total_cost(tx: &Transaction) -> Result<Amount, TransactionError> {
    tx.amount
        .checked_add(tx.fee)
        .ok_or(TransactionError::AmountPlusFeeOverflow {
            amount: tx.amount,
            fee: tx.fee,
        })
}

/// `check_nonce`: the transaction carries the sender's next nonce, which can still advance.
pub fn check_nonce(tx: &Transaction, sender: &Account) -> Result<(), TransactionError> {
    if tx.nonce != sender.nonce {
        return Err(TransactionError::WrongNonce {
            from: tx.from,
            expected: sender.nonce,
            got: tx.nonce,
        });
    }
    if sender.nonce == u64::MAX {
        return Err(TransactionError::NonceExhausted {
            from: tx.from,
            nonce: sender.nonce,
        });
    }
    Ok(())
}

/// `check_balance`: the sender's balance covers `amount + fee`.
pub fn check_balance(
    tx: &Transaction,
    sender: &Account,
    total_cost: Amount,
) -> Result<(), TransactionError> {
    if sender.balance < total_cost {
        return Err(TransactionError::InsufficientBalance {
            from: tx.from,
            balance: sender.balance,
            needed: total_cost,
        });
    }
    Ok(())
}

/// Every rule but the signature, against the sender's current account; returns the total cost.
pub fn check_transaction(
    tx: &Transaction,
    sender: &Account,
    shard: Shard,
    active_shard_count: u64,
) -> Result<Amount, TransactionError> {
    check_sender_shard(tx, shard, active_shard_count)?;
    check_amount_nonzero(tx)?;
    let total = compute_total_cost(tx)?;
    check_nonce(tx, sender)?;
    check_balance(tx, sender, total)?;
    Ok(total)
}

/// `verify_transaction_signature`: one signature on its own (the mempool's check; blocks use
/// the batch of [`crate::signatures`]).
pub fn verify_transaction_signature(tx: &Transaction) -> Result<(), TransactionError> {
    let key = VerifyingKey::from_bytes(&tx.from.0)
        .map_err(|_| TransactionError::InvalidSenderKey { from: tx.from })?;
    verify_with_key(tx, &key, &tx.signing_root())
}

pub(crate) fn verify_with_key(
    tx: &Transaction,
    key: &VerifyingKey,
    message: &consensus::primitives::Root,
) -> Result<(), TransactionError> {
    let signature = Signature::from_bytes(&tx.signature.0);
    key.verify_strict(&message.0, &signature)
        .map_err(|_| TransactionError::BadSignature {
            from: tx.from,
            nonce: tx.nonce,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::SigningKey;

    #[test]
    fn each_rule_names_itself() {
        let key = SigningKey::from_bytes(&[1u8; 32]);
        let tx = Transaction::signed_transfer(&key, Address::new([2u8; 32]), 10, 1, 0);
        verify_transaction_signature(&tx).unwrap();
        let mut forged = tx.clone();
        forged.amount = 11;
        assert!(verify_transaction_signature(&forged)
            .unwrap_err()
            .to_string()
            .contains("verify_transaction_signature"));
        let home = compute_home_shard(&tx.from, 4);
        assert!(check_sender_shard(&tx, home, 4).is_ok());
        let err = check_sender_shard(&tx, (home + 1) % 4, 4).unwrap_err();
        assert!(err.to_string().contains("check_sender_shard"));
        let rich = Account {
            balance: 100,
            nonce: 0,
        };
        assert_eq!(check_transaction(&tx, &rich, home, 4), Ok(11));
        let poor = Account {
            balance: 10,
            nonce: 0,
        };
        assert_eq!(
            check_transaction(&tx, &poor, home, 4),
            Err(TransactionError::InsufficientBalance {
                from: tx.from,
                balance: 10,
                needed: 11
            })
        );
        let later = Account {
            balance: 100,
            nonce: 3,
        };
        assert!(
            check_transaction(&tx, &later, home, 4)
                .unwrap_err()
                .to_string()
                .contains("expected 3, got 0")
                || check_transaction(&tx, &later, home, 4)
                    .unwrap_err()
                    .to_string()
                    .contains("must use nonce 3, got 0")
        );
        let mut huge = tx.clone();
        huge.amount = u64::MAX;
        assert!(matches!(
            check_transaction(&huge, &rich, home, 4),
            Err(TransactionError::AmountPlusFeeOverflow { .. })
        ));
        let mut zero = tx;
        zero.amount = 0;
        assert!(matches!(
            check_transaction(&zero, &rich, home, 4),
            Err(TransactionError::ZeroAmount { .. })
        ));
    }
}
