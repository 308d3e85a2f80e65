//! Which chain a store holds: the genesis block root, written at the first open and checked at
//! every later one, so a data dir of another chain (another genesis time, validator count,
//! shard count or preset) is refused before a block of it is read, with both roots named.

use super::NodeError;
use crate::store::tables::GENESIS_ROOT_KEY;
use crate::store::Store;
use consensus::primitives::Root;

/// Claims an empty store for the chain of `genesis_root` (durably), or checks that the store
/// already belongs to it.
pub fn claim_store(store: &mut Store, genesis_root: &Root) -> Result<(), NodeError> {
    match store.meta(GENESIS_ROOT_KEY)? {
        Some(stored) if stored.as_slice() == genesis_root.0.as_slice() => Ok(()),
        Some(stored) => Err(NodeError::OtherChain {
            stored: Root::from_slice(&stored)
                .map(|r| r.to_string())
                .unwrap_or_else(|| format!("of {} bytes", stored.len())),
            ours: genesis_root.to_string(),
        }),
        None => {
            store.put_meta(GENESIS_ROOT_KEY, &genesis_root.0)?;
            store.flush()?;
            Ok(())
        }
    }
}
