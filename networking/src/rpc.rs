//! Request/response kinds, so a lagging or restarted node can catch up: `status`,
//! `beacon_blocks_by_range`, `beacon_blocks_by_root`, `shard_blocks_by_range`.
//!
//! Each request and each response is one SSZ container, snappy-compressed like gossip. A
//! request asks for at most [`MAX_REQUEST_BLOCKS`] blocks; a response carries at most that many.

use crate::codec::{decode_message, encode_message, WireError};
use crate::limits::{Limits, MAX_REQUEST_BLOCKS};
use consensus::primitives::{Epoch, Root, Shard, Slot};
use consensus::BeaconBlock;
use shard::ShardBlock;
use ssz_rs::prelude::*;

/// Largest block count of one request or response (as an SSZ list limit).
const MAX_BLOCKS: usize = MAX_REQUEST_BLOCKS as usize;

/// What a node tells a peer about its chain when they connect.
#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct Status {
    /// Identifies the chain: the genesis block's root.
    pub genesis_root: Root,
    pub finalized_root: Root,
    pub finalized_epoch: Epoch,
    pub head_root: Root,
    pub head_slot: Slot,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct BlocksByRange {
    pub start_slot: Slot,
    pub count: u64,
    pub step: u64,
}

#[derive(
    Clone, Debug, Default, PartialEq, Eq, SimpleSerialize, serde::Serialize, serde::Deserialize,
)]
pub struct ShardBlocksByRange {
    pub shard: Shard,
    pub start_slot: Slot,
    pub count: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct BlocksByRoot {
    pub roots: List<Root, MAX_BLOCKS>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct BeaconBlocks {
    pub blocks: List<BeaconBlock, MAX_BLOCKS>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, SimpleSerialize)]
pub struct ShardBlocks {
    pub blocks: List<ShardBlock, MAX_BLOCKS>,
}

/// The protocol of a request, as named on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Status,
    BeaconBlocksByRange,
    BeaconBlocksByRoot,
    ShardBlocksByRange,
}

impl Protocol {
    /// Every protocol, in code order.
    pub const ALL: [Protocol; 4] = [
        Protocol::Status,
        Protocol::BeaconBlocksByRange,
        Protocol::BeaconBlocksByRoot,
        Protocol::ShardBlocksByRange,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Protocol::Status => "status",
            Protocol::BeaconBlocksByRange => "beacon_blocks_by_range",
            Protocol::BeaconBlocksByRoot => "beacon_blocks_by_root",
            Protocol::ShardBlocksByRange => "shard_blocks_by_range",
        }
    }

    /// The protocol's one-byte code on the wire (a frame names the protocol it belongs to).
    pub fn code(self) -> u8 {
        match self {
            Protocol::Status => 0,
            Protocol::BeaconBlocksByRange => 1,
            Protocol::BeaconBlocksByRoot => 2,
            Protocol::ShardBlocksByRange => 3,
        }
    }

    pub fn from_code(code: u8) -> Option<Protocol> {
        Protocol::ALL.into_iter().find(|p| p.code() == code)
    }

    /// The largest SSZ encoding of a request of this protocol.
    pub fn request_limit(self) -> usize {
        match self {
            Protocol::Status => STATUS_SIZE,
            // 64 roots and their offset.
            _ => REQUEST_LIMIT,
        }
    }

    /// The largest SSZ encoding of a response of this protocol under `limits`.
    pub fn response_limit(self, limits: &Limits) -> usize {
        let blocks = |each: usize| each.saturating_add(4).saturating_mul(MAX_BLOCKS);
        match self {
            Protocol::Status => STATUS_SIZE,
            Protocol::BeaconBlocksByRange | Protocol::BeaconBlocksByRoot => {
                blocks(limits.beacon_block)
            }
            Protocol::ShardBlocksByRange => blocks(limits.shard_block),
        }
    }
}

/// `Status` is fixed-size: three roots and two integers.
const STATUS_SIZE: usize = 3 * 32 + 2 * 8;

/// Requests are small: the largest is 64 roots and an offset (2,052 bytes).
const REQUEST_LIMIT: usize = 4 + 32 * MAX_BLOCKS;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Request {
    Status(Status),
    BeaconBlocksByRange(BlocksByRange),
    BeaconBlocksByRoot(BlocksByRoot),
    ShardBlocksByRange(ShardBlocksByRange),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Response {
    Status(Status),
    BeaconBlocks(BeaconBlocks),
    ShardBlocks(ShardBlocks),
}

fn check_count(count: u64) -> Result<(), WireError> {
    if count == 0 || count > MAX_REQUEST_BLOCKS {
        return Err(WireError::BlockCount {
            count,
            max: MAX_REQUEST_BLOCKS,
        });
    }
    Ok(())
}

impl Request {
    pub fn protocol(&self) -> Protocol {
        match self {
            Request::Status(_) => Protocol::Status,
            Request::BeaconBlocksByRange(_) => Protocol::BeaconBlocksByRange,
            Request::BeaconBlocksByRoot(_) => Protocol::BeaconBlocksByRoot,
            Request::ShardBlocksByRange(_) => Protocol::ShardBlocksByRange,
        }
    }

    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        match self {
            Request::Status(m) => encode_message("status", m),
            Request::BeaconBlocksByRange(m) => encode_message("beacon_blocks_by_range", m),
            Request::BeaconBlocksByRoot(m) => encode_message("beacon_blocks_by_root", m),
            Request::ShardBlocksByRange(m) => encode_message("shard_blocks_by_range", m),
        }
    }

    /// Decodes a request of `protocol`, refusing empty or oversized block counts and a zero step.
    pub fn decode(protocol: Protocol, bytes: &[u8]) -> Result<Request, WireError> {
        const LIMIT: usize = REQUEST_LIMIT;
        let request = match protocol {
            Protocol::Status => Request::Status(decode_message("status", bytes, STATUS_SIZE)?),
            Protocol::BeaconBlocksByRange => {
                let r: BlocksByRange = decode_message("beacon_blocks_by_range", bytes, LIMIT)?;
                check_count(r.count)?;
                if r.step == 0 {
                    return Err(WireError::ZeroStep);
                }
                Request::BeaconBlocksByRange(r)
            }
            Protocol::BeaconBlocksByRoot => {
                let r: BlocksByRoot = decode_message("beacon_blocks_by_root", bytes, LIMIT)?;
                check_count(r.roots.len() as u64)?;
                Request::BeaconBlocksByRoot(r)
            }
            Protocol::ShardBlocksByRange => {
                let r: ShardBlocksByRange = decode_message("shard_blocks_by_range", bytes, LIMIT)?;
                check_count(r.count)?;
                Request::ShardBlocksByRange(r)
            }
        };
        Ok(request)
    }
}

impl Response {
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        match self {
            Response::Status(m) => encode_message("status", m),
            Response::BeaconBlocks(m) => encode_message("beacon_blocks", m),
            Response::ShardBlocks(m) => encode_message("shard_blocks", m),
        }
    }

    /// Decodes the response to a request of `protocol`, within the limits of its blocks.
    pub fn decode(
        protocol: Protocol,
        bytes: &[u8],
        limits: &Limits,
    ) -> Result<Response, WireError> {
        let limit = protocol.response_limit(limits);
        Ok(match protocol {
            Protocol::Status => Response::Status(decode_message("status", bytes, limit)?),
            Protocol::BeaconBlocksByRange | Protocol::BeaconBlocksByRoot => {
                Response::BeaconBlocks(decode_message("beacon_blocks", bytes, limit)?)
            }
            Protocol::ShardBlocksByRange => {
                Response::ShardBlocks(decode_message("shard_blocks", bytes, limit)?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use consensus::ChainConfig;

    #[test]
    fn requests_round_trip_and_bad_counts_are_refused() {
        let requests = [
            Request::Status(Status {
                head_slot: 9,
                ..Status::default()
            }),
            Request::BeaconBlocksByRange(BlocksByRange {
                start_slot: 1,
                count: 64,
                step: 1,
            }),
            Request::BeaconBlocksByRoot(BlocksByRoot {
                roots: List::try_from(vec![Root::new([1; 32]); 3]).unwrap(),
            }),
            Request::ShardBlocksByRange(ShardBlocksByRange {
                shard: 2,
                start_slot: 0,
                count: 8,
            }),
        ];
        for request in requests {
            let bytes = request.encode().unwrap();
            assert_eq!(
                Request::decode(request.protocol(), &bytes,).unwrap(),
                request
            );
        }
        for (count, step) in [(0, 1), (65, 1), (4, 0)] {
            let bytes = Request::BeaconBlocksByRange(BlocksByRange {
                start_slot: 0,
                count,
                step,
            })
            .encode()
            .unwrap();
            assert!(Request::decode(Protocol::BeaconBlocksByRange, &bytes).is_err());
        }
        let empty = Request::BeaconBlocksByRoot(BlocksByRoot::default())
            .encode()
            .unwrap();
        assert!(Request::decode(Protocol::BeaconBlocksByRoot, &empty).is_err());
    }

    #[test]
    fn protocol_codes_and_limits() {
        for protocol in Protocol::ALL {
            assert_eq!(Protocol::from_code(protocol.code()), Some(protocol));
        }
        assert_eq!(Protocol::from_code(4), None);
        let status = Request::Status(Status::default()).encode().unwrap();
        let ssz = snap::raw::Decoder::new().decompress_vec(&status).unwrap();
        assert_eq!(ssz.len(), Protocol::Status.request_limit());
        let limits = Limits::from_config(&ChainConfig::default());
        assert!(Protocol::ShardBlocksByRange.response_limit(&limits) >= 64 * limits.shard_block);
    }

    #[test]
    fn responses_round_trip() {
        let limits = Limits::from_config(&ChainConfig::default());
        let mut blocks = BeaconBlocks::default();
        blocks.blocks.push(BeaconBlock {
            slot: 3,
            ..BeaconBlock::default()
        });
        let response = Response::BeaconBlocks(blocks);
        let bytes = response.encode().unwrap();
        assert_eq!(
            Response::decode(Protocol::BeaconBlocksByRange, &bytes, &limits).unwrap(),
            response
        );
    }
}
