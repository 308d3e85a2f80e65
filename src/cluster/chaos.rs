//! Crashes and the checks that prove a crash lost nothing (`shardnode cluster --chaos-kills N`,
//! `docs/reliability.md`): random `kill -9` moments; per node, a finalized checkpoint that
//! never goes back; per node and shard, the supply genesis gave; every transaction an API
//! called finalized still finalized, in the same block, at every node at the end; and the
//! offline audit of every node's signing journal.

use super::plan::Plan;
use crate::load::Accepted;
use crate::signing_journal::{self, Audit};
use beacon::node::ShardSupply;
use consensus::primitives::Root;
use serde::Serialize;
use serde_json::Value;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Random crashes: `kills` SIGKILLs of random nodes at random moments, from `seed`.
#[derive(Clone, Copy, Debug)]
pub struct Chaos {
    pub kills: u64,
    pub seed: u64,
}

/// One crash: SIGKILL node `node` at `at_ms` (Unix ms), then restart it from its data dir.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Crash {
    pub node: usize,
    pub at_ms: u64,
}

/// SplitMix64: a fixed sequence from the seed, so a chaos run can be repeated.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        if bound == 0 {
            0
        } else {
            self.next() % bound
        }
    }
}

/// `chaos.kills` crashes of random nodes (of `nodes`) at random ms in `window` (Unix ms), in
/// time order.
pub fn random_crashes(chaos: Chaos, nodes: usize, window: std::ops::Range<u64>) -> Vec<Crash> {
    let mut rng = SplitMix(chaos.seed);
    let span = window.end.saturating_sub(window.start);
    let mut crashes: Vec<Crash> = (0..chaos.kills)
        .map(|_| Crash {
            node: rng.below(nodes as u64) as usize,
            at_ms: window.start + rng.below(span),
        })
        .collect();
    crashes.sort_by_key(|c| (c.at_ms, c.node));
    crashes
}

/// Per node, the highest finalized checkpoint it has reported: a lower epoch later, after a
/// restart or not, is a finalized checkpoint that went back.
#[derive(Default)]
pub struct FinalityFloor {
    best: Vec<Option<(u64, String)>>,
}

impl FinalityFloor {
    /// Records what node `index` reports now; the violation, if it went back.
    pub fn record(&mut self, index: usize, epoch: u64, root: &str) -> Option<String> {
        if self.best.len() <= index {
            self.best.resize(index + 1, None);
        }
        match &self.best[index] {
            Some((best, best_root)) if epoch < *best => Some(format!(
                "node {index}'s finalized checkpoint went back from epoch {best} ({best_root}) to epoch {epoch} ({root})"
            )),
            Some((best, _)) if epoch == *best => None,
            _ => {
                self.best[index] = Some((epoch, root.to_string()));
                None
            }
        }
    }
}

/// The shards of node `index` whose supply is not what genesis gave (`per_shard`).
pub fn supply_violations(index: usize, supply: &[ShardSupply], per_shard: u128) -> Vec<String> {
    supply
        .iter()
        .filter(|s| s.total() != Some(per_shard))
        .map(|s| {
            format!(
                "supply of shard {} at node {index} is {:?} (balances {}, burned {}, sent {}, credited {}); genesis gave {per_shard}",
                s.shard, s.total(), s.total_balance, s.burned_fees, s.receipts_sent, s.receipts_credited
            )
        })
        .collect()
}

/// A transaction an API answered `finalized` for, with the block it said included it.
#[derive(Clone, Debug, Serialize)]
pub struct FinalizedTx {
    pub hash: String,
    pub node: usize,
    pub shard: u64,
    pub slot: u64,
    pub block_root: String,
}

/// What the transaction check found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct TxCheck {
    /// Accepted transactions whose status was followed.
    pub followed: u64,
    /// Of those, answered `finalized` by the node that accepted them during the run.
    pub finalized: usize,
    /// Never answered `finalized` within [`GIVE_UP`] (not an error: a node killed before
    /// gossiping a transaction loses it from its mempool; the sender's nonce moves on).
    pub never_finalized: u64,
    /// Lookups at the end: every finalized transaction at every node.
    pub rechecked: u64,
    /// Finalized transactions some node, at the end, did not call finalized in the same block.
    pub lost: Vec<String>,
}

/// How long after acceptance a transaction may take to be finalized before it is no longer
/// followed.
pub const GIVE_UP: Duration = Duration::from_secs(90);

/// Follows accepted transactions on a thread: each is asked at the node that accepted it once
/// it is `first_ask` old, then every `again` until it is finalized or [`GIVE_UP`] passes.
pub struct TxFollower {
    pub sender: mpsc::Sender<Accepted>,
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<(Vec<FinalizedTx>, u64, u64)>,
}

impl TxFollower {
    pub fn start(apis: Vec<SocketAddr>, first_ask: Duration, again: Duration) -> Self {
        let (sender, receiver) = mpsc::channel::<Accepted>();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::spawn(move || {
            let agent = agent();
            let mut pending: VecDeque<(Instant, Instant, Accepted)> = VecDeque::new();
            let mut finalized = Vec::new();
            let (mut followed, mut never) = (0u64, 0u64);
            loop {
                let last_round = stopping.load(Ordering::SeqCst);
                let now = Instant::now();
                for accepted in receiver.try_iter() {
                    followed += 1;
                    pending.push_back((now, now + first_ask, accepted));
                }
                let mut keep = VecDeque::with_capacity(pending.len());
                while let Some((since, due, tx)) = pending.pop_front() {
                    if due > now && !last_round {
                        keep.push_back((since, due, tx));
                        continue;
                    }
                    match lookup(&agent, apis[tx.api], &tx.hash) {
                        Some(found) if found.status == "finalized" => {
                            finalized.push(FinalizedTx {
                                hash: tx.hash.to_hex(),
                                node: tx.api,
                                shard: found.shard,
                                slot: found.slot,
                                block_root: found.block_root,
                            });
                        }
                        _ if now.duration_since(since) >= GIVE_UP || last_round => never += 1,
                        _ => keep.push_back((since, now + again, tx)),
                    }
                }
                pending = keep;
                if last_round {
                    break;
                }
                std::thread::sleep(Duration::from_millis(250));
            }
            (finalized, followed, never)
        });
        Self {
            sender,
            stop,
            thread,
        }
    }

    /// Asks what is still pending once more and returns what was seen finalized.
    pub fn finish(self) -> (Vec<FinalizedTx>, u64, u64) {
        drop(self.sender);
        self.stop.store(true, Ordering::SeqCst);
        self.thread.join().unwrap_or_default()
    }
}

/// What `GET /shardnode/v1/transactions/{hash}` said.
struct Lookup {
    status: String,
    shard: u64,
    slot: u64,
    block_root: String,
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(2))
        .build()
}

fn lookup(agent: &ureq::Agent, api: SocketAddr, hash: &Root) -> Option<Lookup> {
    let url = format!("http://{api}/shardnode/v1/transactions/{}", hash.to_hex());
    let body: Value = agent.get(&url).call().ok()?.into_json().ok()?;
    let data = &body["data"];
    let number = |v: &Value| v.as_str().and_then(|s| s.parse::<u64>().ok());
    Some(Lookup {
        status: data["status"].as_str()?.to_string(),
        shard: number(&data["shard"])?,
        slot: number(&data["included"]["slot"]).unwrap_or(0),
        block_root: data["included"]["block_root"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    })
}

/// Asks every node for every transaction seen finalized: each must answer `finalized` in the
/// same block. A node may still be catching up after a late restart, so what is missing is
/// asked again for up to `patience`.
pub fn recheck(
    apis: &[SocketAddr],
    finalized: Vec<FinalizedTx>,
    followed: u64,
    never_finalized: u64,
    patience: Duration,
) -> TxCheck {
    let agent = agent();
    let mut check = TxCheck {
        followed,
        finalized: finalized.len(),
        never_finalized,
        ..TxCheck::default()
    };
    let deadline = Instant::now() + patience;
    let mut todo: Vec<(usize, &FinalizedTx)> = apis
        .iter()
        .enumerate()
        .flat_map(|(i, _)| finalized.iter().map(move |tx| (i, tx)))
        .collect();
    check.rechecked = todo.len() as u64;
    loop {
        let mut failed = Vec::new();
        for (node, tx) in todo {
            let hash = parse_root(&tx.hash);
            let answer = hash.and_then(|h| lookup(&agent, apis[node], &h));
            let ok = answer
                .as_ref()
                .is_some_and(|a| a.status == "finalized" && a.block_root == tx.block_root);
            if !ok {
                failed.push((node, tx, answer));
            }
        }
        if failed.is_empty() || Instant::now() >= deadline {
            check.lost = failed
                .iter()
                .map(|(node, tx, answer)| {
                    let said = answer.as_ref().map_or("no answer".to_string(), |a| {
                        format!("{} in {} (slot {})", a.status, a.block_root, a.slot)
                    });
                    format!(
                        "transaction {} (node {} said finalized in {} at shard {} slot {}): node {node} says {said}",
                        tx.hash, tx.node, tx.block_root, tx.shard, tx.slot
                    )
                })
                .collect();
            return check;
        }
        std::thread::sleep(Duration::from_secs(1));
        todo = failed.into_iter().map(|(n, tx, _)| (n, tx)).collect();
    }
}

fn parse_root(text: &str) -> Option<Root> {
    Root::from_slice(&hex::decode(text.strip_prefix("0x")?).ok()?)
}

/// The offline audit of every node's signing journal.
pub fn audit_journals(plan: &Plan) -> anyhow::Result<Audit> {
    let mut entries = Vec::new();
    for node in &plan.nodes {
        let path = node.dir.join(signing_journal::JOURNAL_FILE);
        if path.exists() {
            entries.extend(signing_journal::read(&path)?);
        }
    }
    Ok(signing_journal::audit(&entries))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crashes_are_random_in_the_window_repeatable_and_sorted() {
        let chaos = Chaos { kills: 50, seed: 7 };
        let a = random_crashes(chaos, 4, 1_000..9_000);
        assert_eq!(a, random_crashes(chaos, 4, 1_000..9_000));
        assert_eq!(a.len(), 50);
        assert!(a.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));
        assert!(a
            .iter()
            .all(|c| (1_000..9_000).contains(&c.at_ms) && c.node < 4));
        let nodes: std::collections::BTreeSet<_> = a.iter().map(|c| c.node).collect();
        assert_eq!(nodes.len(), 4, "every node gets killed in 50 draws");
        let other = random_crashes(Chaos { kills: 50, seed: 8 }, 4, 1_000..9_000);
        assert_ne!(a, other);
    }

    #[test]
    fn a_finalized_checkpoint_going_back_is_caught() {
        let mut floor = FinalityFloor::default();
        assert!(floor.record(1, 3, "0xa").is_none());
        assert!(floor.record(1, 3, "0xa").is_none());
        assert!(floor.record(1, 5, "0xb").is_none());
        let back = floor.record(1, 4, "0xc").expect("went back");
        assert!(back.contains("from epoch 5"), "{back}");
        assert!(
            floor.record(0, 0, "0x0").is_none(),
            "another node has its own floor"
        );
    }

    #[test]
    fn supply_off_by_one_is_caught() {
        let right = ShardSupply {
            shard: 2,
            total_balance: 990,
            burned_fees: 5,
            receipts_sent: 10,
            receipts_credited: 5,
        };
        assert!(supply_violations(0, std::slice::from_ref(&right), 1_000).is_empty());
        let wrong = ShardSupply {
            burned_fees: 6,
            ..right
        };
        let found = supply_violations(3, &[wrong], 1_000);
        assert_eq!(found.len(), 1);
        assert!(found[0].contains("shard 2 at node 3"), "{}", found[0]);
    }
}
