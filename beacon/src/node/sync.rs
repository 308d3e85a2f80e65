//! Request/response (design 5): `status` on connect and once per epoch; a peer whose head
//! this node does not know is asked for its chain from our finalized slot on, 64 blocks at a
//! time, then for the shard blocks past our shard heads; `beacon_blocks_by_root` fetches a
//! missing parent. Requests are answered from the canonical chains.

use super::errors::Misbehaviour;
use super::io::{Output, PeerId};
use super::verdict::{IgnoreReason, Refusal};
use super::{Node, Pending};
use consensus::primitives::Slot;
use consensus::Preset;
use networking::limits::MAX_REQUEST_BLOCKS;
use networking::rpc::{BeaconBlocks, BlocksByRange, Protocol, ShardBlocks, ShardBlocksByRange};
use networking::{Request, Response, Status};
use std::sync::Arc;

/// Most stored blocks one walk back from memory reads.
const MAX_STORE_WALK: usize = 8192;

/// Most bytes of shard blocks one response carries.
const MAX_SHARD_RESPONSE_BYTES: usize = 16 << 20;

impl<P: Preset> Node<P> {
    pub(super) fn send_status(&mut self, peer: PeerId) {
        let status = self.protocol_status();
        self.send(peer, Request::Status(status), Pending::Status);
    }

    fn respond(&mut self, to: PeerId, id: u64, protocol: Protocol, response: Response) {
        if let Ok(bytes) = response.encode() {
            self.out.push(Output::SendResponse {
                to,
                id,
                protocol,
                bytes: bytes.into(),
            });
        }
    }

    pub(super) fn on_request(&mut self, from: PeerId, id: u64, protocol: Protocol, bytes: &[u8]) {
        let request = match Request::decode(protocol, bytes) {
            Ok(request) => request,
            Err(e) => {
                self.emit(super::Event::PeerMisbehaved {
                    peer: from,
                    reason: Misbehaviour::BadRequest {
                        protocol,
                        source: e,
                    },
                });
                return;
            }
        };
        let response = match request {
            Request::Status(status) => {
                // A peer of another chain is answered (so it learns) but never recorded: its
                // head would otherwise drive range requests into a chain that is not ours.
                if status.genesis_root == self.genesis_root {
                    self.peers.insert(from, Some(status));
                } else {
                    if let Some(known) = self.peers.get_mut(&from) {
                        *known = None;
                    }
                    self.emit(super::Event::PeerMisbehaved {
                        peer: from,
                        reason: Misbehaviour::OtherGenesis {
                            theirs: status.genesis_root,
                            ours: self.genesis_root,
                        },
                    });
                }
                Response::Status(self.protocol_status())
            }
            Request::BeaconBlocksByRange(range) => {
                let step = range.step.max(1);
                let end = range
                    .start_slot
                    .saturating_add(range.count.saturating_mul(step));
                let mut blocks: Vec<consensus::BeaconBlock> =
                    self.canonical_from_store(range.start_slot, end);
                blocks.extend(
                    self.canonical
                        .range(range.start_slot..end)
                        .filter_map(|(_, root)| self.blocks.get(root))
                        .map(|b| b.as_ref().clone()),
                );
                blocks.retain(|b| (b.slot - range.start_slot) % step == 0);
                blocks.truncate(MAX_REQUEST_BLOCKS as usize);
                Response::BeaconBlocks(BeaconBlocks {
                    blocks: blocks.try_into().unwrap_or_default(),
                })
            }
            Request::BeaconBlocksByRoot(by_root) => {
                let blocks: Vec<consensus::BeaconBlock> = by_root
                    .roots
                    .iter()
                    .filter_map(|root| match self.blocks.get(root) {
                        Some(block) => Some(block.as_ref().clone()),
                        None => self.store.beacon_block(root).ok().flatten(),
                    })
                    .collect();
                Response::BeaconBlocks(BeaconBlocks {
                    blocks: blocks.try_into().unwrap_or_default(),
                })
            }
            Request::ShardBlocksByRange(range) => {
                let mut blocks = Vec::new();
                let mut size = 0usize;
                if let Some(chain) = self.shards.get(range.shard as usize) {
                    let older = self.shard_blocks_from_store(
                        range.shard,
                        range.start_slot,
                        range.start_slot.saturating_add(range.count),
                    );
                    let newer = chain.canonical_blocks(range.start_slot, range.count);
                    for block in older.into_iter().map(Arc::new).chain(newer) {
                        size = size.saturating_add(block.encoded_len());
                        if size > MAX_SHARD_RESPONSE_BYTES && !blocks.is_empty() {
                            break;
                        }
                        blocks.push(block.as_ref().clone());
                    }
                }
                Response::ShardBlocks(ShardBlocks {
                    blocks: blocks.try_into().unwrap_or_default(),
                })
            }
        };
        self.respond(from, id, protocol, response);
    }

    /// `shard`'s finalized blocks from the store below the oldest block its chain holds in
    /// memory, newest first, until they carry `max_transactions` transactions (or the walk
    /// ends): what a runtime reindexes after a restart. Reads 64 slots at a time.
    pub fn stored_shard_blocks_below(
        &self,
        shard: u64,
        max_transactions: usize,
    ) -> Vec<(consensus::primitives::Root, shard::ShardBlock)> {
        let Some(chain) = self.shards.get(shard as usize) else {
            return Vec::new();
        };
        let Some(oldest) = chain.entry(&chain.root()) else {
            return Vec::new();
        };
        let mut at = if oldest.block.is_some() {
            oldest.parent
        } else {
            oldest.root
        };
        let mut high = oldest.slot;
        let mut out = Vec::new();
        let mut transactions = 0;
        // A window of 64 slots without the next block (a gap that long, or the start of the
        // chain) ends the walk.
        while transactions < max_transactions && out.len() < MAX_STORE_WALK {
            let low = high.saturating_sub(63);
            let Ok(mut stored) = self.store.shard_blocks_by_root(shard, low..=high) else {
                break;
            };
            let before = out.len();
            while let Some((root, block)) = stored.remove_entry(&at) {
                at = block.parent_root;
                transactions += block.body.transactions.len();
                out.push((root, block));
                if transactions >= max_transactions {
                    break;
                }
            }
            if out.len() == before || low == 0 {
                break;
            }
            high = low - 1;
        }
        out
    }

    /// `shard`'s blocks of `start .. end` below the oldest block its chain holds in memory, from
    /// the store (walking back from that block's parent: the chain finality let go). A node
    /// that restarted from an older anchor than its peers keep in memory catches up from here.
    fn shard_blocks_from_store(
        &self,
        shard: u64,
        start: Slot,
        end: Slot,
    ) -> Vec<shard::ShardBlock> {
        let Some(chain) = self.shards.get(shard as usize) else {
            return Vec::new();
        };
        let Some(oldest) = chain.entry(&chain.root()) else {
            return Vec::new();
        };
        if start >= oldest.slot {
            return Vec::new();
        }
        let Ok(stored) = self.store.shard_blocks_by_root(shard, start..=oldest.slot) else {
            return Vec::new();
        };
        // The oldest entry's own block is served from memory when held, else from here.
        let mut at = if oldest.block.is_some() {
            oldest.parent
        } else {
            oldest.root
        };
        let mut out = Vec::new();
        for _ in 0..MAX_STORE_WALK {
            let Some(block) = stored.get(&at) else {
                break;
            };
            if block.slot < start {
                break;
            }
            at = block.parent_root;
            if block.slot < end {
                out.push(block.clone());
            }
        }
        out.reverse();
        out
    }

    /// Canonical blocks of `start .. end` older than what the node holds in memory, from the
    /// store (walking back from the oldest canonical block held; finality let them go).
    fn canonical_from_store(&self, start: Slot, end: Slot) -> Vec<consensus::BeaconBlock> {
        let Some((&oldest, &root)) = self.canonical.iter().next() else {
            return Vec::new();
        };
        if start >= oldest {
            return Vec::new();
        }
        let Some(mut at) = self.blocks.get(&root).map(|b| b.parent_root) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for _ in 0..MAX_STORE_WALK {
            let Ok(Some(block)) = self.store.beacon_block(&at) else {
                break;
            };
            if block.slot < start {
                break;
            }
            at = block.parent_root;
            if block.slot < end {
                out.push(block);
            }
        }
        out.reverse();
        out
    }

    pub(super) fn on_response(&mut self, from: PeerId, id: u64, protocol: Protocol, bytes: &[u8]) {
        let Some((peer, pending)) = self.requests.remove(&id) else {
            return;
        };
        if peer != from {
            return;
        }
        let response = match Response::decode(protocol, bytes, &self.limits) {
            Ok(response) => response,
            Err(e) => {
                self.emit(super::Event::PeerMisbehaved {
                    peer: from,
                    reason: Misbehaviour::BadResponse {
                        protocol,
                        source: e,
                    },
                });
                return;
            }
        };
        match (pending, response) {
            (Pending::Status, Response::Status(status)) => self.on_status(from, status),
            (Pending::BeaconRange { start, count }, Response::BeaconBlocks(blocks)) => {
                let received = blocks.blocks.len();
                let last = blocks.blocks.iter().map(|b| b.slot).max();
                for block in blocks.blocks.iter() {
                    let _ = self.import_beacon_block(Arc::new(block.clone()), self.config.crypto);
                }
                self.update_head();
                let peer_head = self
                    .peers
                    .get(&from)
                    .and_then(|s| s.as_ref())
                    .map_or(0, |s| s.head_slot);
                let next = start.saturating_add(count);
                if received > 0 && next <= peer_head && last.is_some() {
                    self.request_beacon_range(from, next, peer_head);
                } else {
                    self.request_shard_ranges(from);
                }
            }
            (Pending::BeaconRoots, Response::BeaconBlocks(blocks)) => {
                for block in blocks.blocks.iter() {
                    let parent = block.parent_root;
                    if let Err(Refusal::Missing(_)) =
                        self.import_beacon_block(Arc::new(block.clone()), self.config.crypto)
                    {
                        self.request_blocks_by_root(from, vec![parent]);
                    }
                }
                self.update_head();
            }
            (
                Pending::ShardRange {
                    shard,
                    start,
                    count,
                },
                Response::ShardBlocks(blocks),
            ) => {
                let received = blocks.blocks.len();
                // Beacon blocks the shard blocks point at and this node lacks (blocks of a fork
                // it never saw): asked for, so the held shard blocks can follow.
                let mut missing_beacon = std::collections::BTreeSet::new();
                let mut below_finality = false;
                for block in blocks.blocks.iter() {
                    let beacon_root = block.beacon_block_root;
                    match self.import_shard_block(Arc::new(block.clone())) {
                        Err(Refusal::Missing(root)) if root == beacon_root => {
                            missing_beacon.insert(beacon_root);
                        }
                        Err(Refusal::Ignore(IgnoreReason::ParentBelowFinalized { .. })) => {
                            below_finality = true;
                        }
                        _ => {}
                    }
                }
                if below_finality {
                    // Blocks this node missed before the beacon blocks they name were
                    // finalized: accepted when a recorded crosslink commits to them.
                    self.import_crosslinked_range(shard, &blocks.blocks);
                }
                if !missing_beacon.is_empty() {
                    self.request_blocks_by_root(from, missing_beacon.into_iter().collect());
                }
                let next = start.saturating_add(count);
                if received > 0 && next < self.current_slot() {
                    self.request_shard_range(from, shard, next);
                }
            }
            _ => self.emit(super::Event::PeerMisbehaved {
                peer: from,
                reason: Misbehaviour::WrongResponseKind { protocol },
            }),
        }
    }

    fn on_status(&mut self, from: PeerId, status: Status) {
        if status.genesis_root != self.genesis_root {
            self.emit(super::Event::PeerMisbehaved {
                peer: from,
                reason: Misbehaviour::OtherGenesis {
                    theirs: status.genesis_root,
                    ours: self.genesis_root,
                },
            });
            return;
        }
        let head_slot = status.head_slot;
        let unknown_head =
            !self.blocks.contains_key(&status.head_root) && status.head_root != self.genesis_root;
        self.peers.insert(from, Some(status));
        if unknown_head {
            let start = (self.finalized.epoch * P::SLOTS_PER_EPOCH).saturating_add(1);
            self.request_beacon_range(from, start, head_slot);
        }
    }

    fn request_beacon_range(&mut self, peer: PeerId, start: Slot, peer_head: Slot) {
        let count = peer_head
            .saturating_sub(start)
            .saturating_add(1)
            .clamp(1, MAX_REQUEST_BLOCKS);
        self.send(
            peer,
            Request::BeaconBlocksByRange(BlocksByRange {
                start_slot: start,
                count,
                step: 1,
            }),
            Pending::BeaconRange { start, count },
        );
    }

    /// Asks `peer` for every shard's blocks after what this node's shard fork choice starts
    /// from (the latest crosslinked block it knows).
    fn request_shard_ranges(&mut self, peer: PeerId) {
        for shard in 0..self.chain.active_shard_count {
            let start = self.shard_sync_start(shard);
            self.request_shard_range(peer, shard, start);
        }
    }

    fn request_shard_range(&mut self, peer: PeerId, shard: u64, start: Slot) {
        if start > self.current_slot() {
            return;
        }
        self.request_shard_range_from(peer, shard, start, MAX_REQUEST_BLOCKS);
    }

    /// Asks `peer` for its canonical blocks of `shard` in `start .. start + count`.
    pub(super) fn request_shard_range_from(
        &mut self,
        peer: PeerId,
        shard: u64,
        start: Slot,
        count: u64,
    ) {
        let count = count.clamp(1, MAX_REQUEST_BLOCKS);
        self.send(
            peer,
            Request::ShardBlocksByRange(ShardBlocksByRange {
                shard,
                start_slot: start,
                count,
            }),
            Pending::ShardRange {
                shard,
                start,
                count,
            },
        );
    }
}
