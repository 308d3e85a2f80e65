//! # load: signed transfers pushed into running nodes through their HTTP API
//!
//! **Owns** the load generator of `shardnode load` (and `shardnode cluster --tps`): senders are
//! the first `accounts` genesis accounts of every shard (their keys derive from the genesis
//! file, as every node's do), nonces are kept per sender (and re-read from the API when a node
//! says one is stale or too far ahead), recipients are on the sender's shard or, for the
//! `cross_shard` share, on another. Every `TICK_MS` it submits the transfers due, as one SSZ
//! body, round-robin over the nodes' APIs.
//!
//! What it measures, from outside the nodes, by polling their API:
//! - **inclusion latency**: for a sample of senders, from submission until the sender's nonce
//!   at its shard's head has passed the transaction's (the poll interval is the resolution);
//! - **cross-shard credit latency**: probe transfers to fresh addresses that nothing else pays,
//!   from submission until the destination balance shows them; at the end, each probe's status
//!   as `GET /shardnode/v1/transactions/{hash}` reports it (finalized, credited).
//!
//! **Must never** hold a protocol rule: it only signs what a wallet would and reads the API.

use crate::runtime::genesis_file::GenesisFile;
use anyhow::{bail, Context, Result};
use consensus::primitives::Root;
use ed25519_dalek::SigningKey;
use serde::Serialize;
use serde_json::Value;
use shard::transaction::address_of;
use shard::types::{compute_home_shard, Address};
use shard::Transaction;
use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

/// Submission interval.
pub const TICK_MS: u64 = 100;
/// How often the sampled senders and probes are polled.
pub const POLL_MS: u64 = 250;
/// Senders whose inclusion is timed.
pub const SAMPLED_SENDERS: usize = 16;
/// Transfers one round sends at most (a request carries at most 4,096).
pub const MAX_PER_ROUND: u64 = 2048;
/// Probe transfers (cross-shard credit latency) per second at most.
pub const PROBES_PER_SECOND: u64 = 2;

/// What to run.
#[derive(Clone, Debug)]
pub struct LoadPlan {
    /// Base URLs of the nodes' APIs (`http://127.0.0.1:5052`).
    pub apis: Vec<String>,
    pub genesis: GenesisFile,
    /// Transactions per second in all.
    pub tps: f64,
    /// Share of transfers to another shard, `0 ..= 1`.
    pub cross_shard: f64,
    pub duration: Duration,
    /// Senders per shard (the first genesis accounts of each).
    pub accounts: u64,
    /// Stop after this long waiting for the last inclusions once the load ends.
    pub drain: Duration,
    /// Where every accepted transaction is announced (the cluster's chaos checks follow them).
    pub accepted: Option<std::sync::mpsc::Sender<Accepted>>,
}

/// A transaction the generator submitted and an API accepted.
#[derive(Clone, Copy, Debug)]
pub struct Accepted {
    pub hash: Root,
    /// The API (index into [`LoadPlan::apis`]) that accepted it.
    pub api: usize,
}

/// Percentiles of one latency.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Latency {
    pub samples: usize,
    pub p50_ms: Option<u64>,
    pub p99_ms: Option<u64>,
    pub p50_slots: Option<f64>,
    pub p99_slots: Option<f64>,
}

impl Latency {
    fn from(mut ms: Vec<u64>, slot_ms: u64) -> Self {
        ms.sort_unstable();
        let at = |q: f64| {
            let last = ms.len().checked_sub(1)?;
            ms.get(((last as f64) * q).round() as usize).copied()
        };
        let slots = |v: Option<u64>| v.map(|v| v as f64 / slot_ms.max(1) as f64);
        Self {
            samples: ms.len(),
            p50_ms: at(0.5),
            p99_ms: at(0.99),
            p50_slots: slots(at(0.5)),
            p99_slots: slots(at(0.99)),
        }
    }
}

/// What a run did (printed, and written with `--json`).
#[derive(Clone, Debug, Default, Serialize)]
pub struct LoadReport {
    pub seconds: f64,
    pub submitted: u64,
    pub accepted: u64,
    pub accepted_tps: f64,
    pub target_tps: f64,
    /// Transfers the rate owed but the generator did not send: rounds that fell more than
    /// `MAX_PER_ROUND` behind (the generator, not the nodes, was the bound).
    pub not_sent_behind: u64,
    /// Sampled transactions whose inclusion was seen, of those sampled.
    pub sampled_included: usize,
    pub sampled: usize,
    pub inclusion: Latency,
    pub probes_sent: usize,
    pub probes_credited: usize,
    pub cross_shard_credit: Latency,
    /// What `GET /shardnode/v1/transactions/{hash}` on the node that accepted it answered for
    /// each probe transfer: when it was seen credited, or at the end if never, by status (`finalized+credited`, `included+not_credited`, ...).
    pub probe_statuses: BTreeMap<String, u64>,
    /// Refusals by class (the API's failure labels, HTTP statuses, transport errors).
    pub errors: BTreeMap<String, u64>,
}

struct Sender {
    key: SigningKey,
    address: Address,
    shard: u64,
    nonce: u64,
    /// Sampled senders: `(nonce, submitted at)` not yet seen included.
    pending: Option<VecDeque<(u64, Instant)>>,
}

struct Probe {
    address: Address,
    shard: u64,
    /// Probe transfers (1 unit each) not yet seen credited: submission time, hash, and the API
    /// (index) that accepted it, which is asked for its status.
    pending: VecDeque<(Instant, Root, usize)>,
    credited: u64,
}

/// A blocking client over the nodes' APIs.
struct Client {
    apis: Vec<String>,
    next: usize,
    agent: ureq::Agent,
}

impl Client {
    fn new(apis: Vec<String>) -> Self {
        let agent = ureq::AgentBuilder::new()
            .timeout(Duration::from_secs(10))
            .build();
        Self {
            apis,
            next: 0,
            agent,
        }
    }

    fn api(&mut self) -> String {
        self.next = (self.next + 1) % self.apis.len().max(1);
        self.apis[self.next].clone()
    }

    fn account(&mut self, address: &Address) -> Result<(u64, u64)> {
        let url = format!(
            "{}/shardnode/v1/accounts/0x{}",
            self.api(),
            hex::encode(address.0)
        );
        let body: Value = self
            .agent
            .get(&url)
            .call()
            .with_context(|| format!("GET {url}"))?
            .into_json()
            .with_context(|| format!("GET {url}: not JSON"))?;
        let number = |field: &str| -> Result<u64> {
            body["data"][field]
                .as_str()
                .and_then(|s| s.parse().ok())
                .with_context(|| format!("GET {url}: no {field} in {body}"))
        };
        Ok((number("balance")?, number("nonce")?))
    }

    /// `GET /shardnode/v1/transactions/{hash}` of API `api`: the status, and for a cross-shard transfer
    /// whether it is credited (`status+credited` or `status+not_credited`).
    fn transaction_status(&mut self, api: usize, hash: &Root) -> String {
        let url = format!(
            "{}/shardnode/v1/transactions/0x{}",
            self.apis[api % self.apis.len().max(1)],
            hex::encode(hash.0)
        );
        match self.agent.get(&url).call() {
            Ok(response) => {
                let body: Value = response.into_json().unwrap_or(Value::Null);
                let status = body["data"]["status"].as_str().unwrap_or("unreadable");
                match body["data"]["cross_shard"]["credited"].as_bool() {
                    Some(true) => format!("{status}+credited"),
                    Some(false) => format!("{status}+not_credited"),
                    None => status.to_string(),
                }
            }
            Err(ureq::Error::Status(code, _)) => format!("http_{code}"),
            Err(ureq::Error::Transport(_)) => "transport".to_string(),
        }
    }

    /// Submits `txs`; answers per transaction `Ok` or the failure label, or the whole
    /// request's error class.
    fn submit(&mut self, txs: &[Transaction]) -> Result<Vec<Result<(), String>>, String> {
        // SSZ: the transactions' fixed-size encodings back to back (docs/api.md).
        let mut body = Vec::with_capacity(txs.len() * shard::transaction::TRANSACTION_SIZE);
        for tx in txs {
            match consensus::sszx::encode(tx) {
                Ok(bytes) => body.extend_from_slice(&bytes),
                Err(_) => return Err("encode".to_string()),
            }
        }
        let url = format!("{}/shardnode/v1/transactions", self.api());
        match self
            .agent
            .post(&url)
            .set("Content-Type", "application/octet-stream")
            .send_bytes(&body)
        {
            Ok(_) => Ok(vec![Ok(()); txs.len()]),
            Err(ureq::Error::Status(code, response)) => {
                let body: Value = response.into_json().unwrap_or(Value::Null);
                let Some(failures) = body["failures"].as_array() else {
                    return Err(format!("http_{code}"));
                };
                let mut answers = vec![Ok(()); txs.len()];
                for failure in failures {
                    let index = failure["index"]
                        .as_str()
                        .and_then(|i| i.parse::<usize>().ok());
                    let label = failure["message"]
                        .as_str()
                        .and_then(|m| m.split(':').next())
                        .unwrap_or("unknown")
                        .to_string();
                    if let Some(slot) = index.and_then(|i| answers.get_mut(i)) {
                        *slot = Err(label);
                    }
                }
                Ok(answers)
            }
            Err(ureq::Error::Transport(_)) => Err("transport".to_string()),
        }
    }
}

/// A fresh address (no genesis account uses it) whose home shard is `shard`.
fn probe_address(shard: u64, active_shard_count: u64, index: u64) -> Address {
    let mut counter = 0u64;
    loop {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(b"probe-ld");
        seed[8..16].copy_from_slice(&index.to_le_bytes());
        seed[16..24].copy_from_slice(&counter.to_le_bytes());
        let address = address_of(&SigningKey::from_bytes(&seed));
        if compute_home_shard(&address, active_shard_count) == shard {
            return address;
        }
        counter += 1;
    }
}

/// Runs the load; `progress` is called after each tick with (elapsed, accepted).
pub fn run(plan: &LoadPlan, progress: &mut dyn FnMut(Duration, u64)) -> Result<LoadReport> {
    if plan.apis.is_empty() {
        bail!("no node API to send to");
    }
    if !(0.0..=1.0).contains(&plan.cross_shard) {
        bail!("--cross-shard {} is not within 0 ..= 1", plan.cross_shard);
    }
    if !(plan.tps > 0.0 && plan.tps <= 1_000_000.0) {
        bail!("--tps {} is not within (0, 1000000]", plan.tps);
    }
    let chain = &plan.genesis.chain;
    let asc = chain.active_shard_count;
    let per_shard = plan.accounts.min(plan.genesis.accounts.accounts_per_shard);
    if per_shard < 2 {
        bail!("--accounts must be at least 2 (and the genesis must fund as many per shard)");
    }
    let keys = shard::genesis::genesis_keys_all(asc, per_shard).context("genesis keys")?;
    let mut client = Client::new(plan.apis.clone());
    let mut senders: Vec<Sender> = Vec::new();
    for (shard, shard_keys) in keys.into_iter().enumerate() {
        for (_, key) in shard_keys {
            let address = address_of(&key);
            senders.push(Sender {
                key,
                address,
                shard: shard as u64,
                nonce: 0,
                pending: None,
            });
        }
    }
    for sender in senders.iter_mut() {
        sender.nonce = client.account(&sender.address)?.1;
    }
    let stride = (senders.len() / SAMPLED_SENDERS).max(1);
    for sender in senders.iter_mut().step_by(stride).take(SAMPLED_SENDERS) {
        sender.pending = Some(VecDeque::new());
    }
    let mut probes: Vec<Probe> = (0..asc.max(2))
        .map(|i| {
            let shard = i % asc;
            Probe {
                address: probe_address(shard, asc, i),
                shard,
                pending: VecDeque::new(),
                credited: 0,
            }
        })
        .collect();
    let mut report = LoadReport {
        target_tps: plan.tps,
        ..LoadReport::default()
    };
    let mut inclusion_ms = Vec::new();
    let mut credit_ms = Vec::new();
    let mut rng: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next_random = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let start = Instant::now();
    let mut scheduled = 0u64;
    let mut stale = std::collections::BTreeSet::new();
    let mut cursor = 0usize;
    let mut last_poll = start;
    let mut last_probe = start;
    let mut probe_cursor = 0usize;
    loop {
        let now = Instant::now();
        let elapsed = now - start;
        let loading = elapsed < plan.duration;
        let pending_left = senders
            .iter()
            .filter_map(|s| s.pending.as_ref())
            .any(|p| !p.is_empty())
            || probes.iter().any(|p| !p.pending.is_empty());
        if !loading && (!pending_left || elapsed >= plan.duration + plan.drain) {
            break;
        }
        if loading {
            // What the rate owes by now, so that a slow round is made up in the next.
            let owed = (plan.tps * elapsed.as_secs_f64()).floor() as u64;
            // A round that fell far behind sends at most `MAX_PER_ROUND` and counts the rest
            // as not sent, rather than growing batches past what one request may carry.
            let behind = owed.saturating_sub(scheduled);
            let count = behind.min(MAX_PER_ROUND) as usize;
            report.not_sent_behind += behind - count as u64;
            scheduled = owed;
            let mut batch = Vec::with_capacity(count + 1);
            let mut who = Vec::with_capacity(count + 1);
            for _ in 0..count {
                let index = cursor % senders.len();
                cursor += 1;
                let sender = &senders[index];
                let cross = (next_random() % 10_000) as f64 / 10_000.0 < plan.cross_shard;
                let target_shard = if cross && asc > 1 {
                    (sender.shard + 1 + next_random() % (asc - 1)) % asc
                } else {
                    sender.shard
                };
                let base = (target_shard * per_shard) as usize;
                let mut to = senders[base + (next_random() % per_shard) as usize].address;
                if to == sender.address {
                    to = senders
                        [base + ((next_random() % per_shard) as usize + 1) % per_shard as usize]
                        .address;
                }
                batch.push(Transaction::signed_transfer(
                    &sender.key,
                    to,
                    1,
                    1,
                    sender.nonce,
                ));
                who.push((index, None));
            }
            if now.duration_since(last_probe) >= Duration::from_millis(1000 / PROBES_PER_SECOND) {
                last_probe = now;
                let probe_index = probe_cursor % probes.len();
                probe_cursor += 1;
                let probe_shard = probes[probe_index].shard;
                // A sender on another shard than the probe's.
                if let Some(index) = (0..senders.len())
                    .map(|i| (cursor + i) % senders.len())
                    .find(|i| senders[*i].shard != probe_shard)
                {
                    cursor = index + 1;
                    let sender = &senders[index];
                    batch.push(Transaction::signed_transfer(
                        &sender.key,
                        probes[probe_index].address,
                        1,
                        1,
                        sender.nonce,
                    ));
                    who.push((index, Some(probe_index)));
                }
            }
            // Nonces: consecutive per sender within the batch.
            for (tx, (index, _)) in batch.iter_mut().zip(who.iter()) {
                let sender = &mut senders[*index];
                if tx.nonce != sender.nonce {
                    *tx = Transaction::signed_transfer(
                        &sender.key,
                        tx.to,
                        tx.amount,
                        tx.fee,
                        sender.nonce,
                    );
                }
                sender.nonce += 1;
            }
            if !batch.is_empty() {
                report.submitted += batch.len() as u64;
                let submitted_at = Instant::now();
                let answers = client.submit(&batch);
                let used_api = client.next;
                match answers {
                    Ok(answers) => {
                        for ((answer, (index, probe)), tx) in
                            answers.iter().zip(who.iter()).zip(batch.iter())
                        {
                            match answer {
                                Ok(()) => {
                                    report.accepted += 1;
                                    if let Some(sink) = &plan.accepted {
                                        let _ = sink.send(Accepted {
                                            hash: tx.root(),
                                            api: used_api,
                                        });
                                    }
                                    if let Some(pending) = senders[*index].pending.as_mut() {
                                        pending.push_back((tx.nonce, submitted_at));
                                    }
                                    if let Some(p) = probe {
                                        probes[*p].pending.push_back((
                                            submitted_at,
                                            tx.root(),
                                            used_api,
                                        ));
                                        report.probes_sent += 1;
                                    }
                                }
                                Err(label) => {
                                    *report.errors.entry(label.clone()).or_default() += 1;
                                    stale.insert(*index);
                                }
                            }
                        }
                    }
                    Err(class) => {
                        *report.errors.entry(class).or_default() += batch.len() as u64;
                        stale.extend(who.iter().map(|(index, _)| *index));
                    }
                }
                // Each sender refused in this round is re-read once.
                for index in std::mem::take(&mut stale) {
                    resync(&mut client, &mut senders[index]);
                }
            }
        }
        if now.duration_since(last_poll) >= Duration::from_millis(POLL_MS) {
            last_poll = now;
            poll(
                &mut client,
                &mut senders,
                &mut probes,
                &mut inclusion_ms,
                &mut credit_ms,
                &mut report,
            );
        }
        progress(elapsed, report.accepted);
        let next = start
            + Duration::from_millis(TICK_MS) * ((elapsed.as_millis() as u64 / TICK_MS) as u32 + 1);
        std::thread::sleep(next.saturating_duration_since(Instant::now()));
    }
    // The probes never seen credited: what their node says of them.
    for (_, hash, api) in probes.iter().flat_map(|p| p.pending.iter()) {
        let status = client.transaction_status(*api, hash);
        *report.probe_statuses.entry(status).or_default() += 1;
    }
    report.seconds = plan.duration.as_secs_f64();
    report.accepted_tps = report.accepted as f64 / report.seconds.max(1e-9);
    report.sampled = inclusion_ms.len()
        + senders
            .iter()
            .filter_map(|s| s.pending.as_ref())
            .map(VecDeque::len)
            .sum::<usize>();
    report.sampled_included = inclusion_ms.len();
    report.probes_credited = credit_ms.len();
    report.inclusion = Latency::from(inclusion_ms, chain.slot_duration_ms);
    report.cross_shard_credit = Latency::from(credit_ms, chain.slot_duration_ms);
    Ok(report)
}

/// Re-reads a sender's nonce after a refusal (the node's view wins).
fn resync(client: &mut Client, sender: &mut Sender) {
    if let Ok((_, nonce)) = client.account(&sender.address) {
        sender.nonce = nonce;
        if let Some(pending) = sender.pending.as_mut() {
            pending.retain(|(n, _)| *n < nonce);
        }
    }
}

/// Reads the sampled senders' nonces and the probes' balances.
fn poll(
    client: &mut Client,
    senders: &mut [Sender],
    probes: &mut [Probe],
    inclusion_ms: &mut Vec<u64>,
    credit_ms: &mut Vec<u64>,
    report: &mut LoadReport,
) {
    let now = Instant::now();
    for sender in senders.iter_mut() {
        let Some(pending) = sender.pending.as_mut() else {
            continue;
        };
        if pending.is_empty() {
            continue;
        }
        match client.account(&sender.address) {
            Ok((_, nonce)) => {
                while pending.front().is_some_and(|(n, _)| *n < nonce) {
                    if let Some((_, at)) = pending.pop_front() {
                        inclusion_ms.push(now.duration_since(at).as_millis() as u64);
                    }
                }
            }
            Err(_) => *report.errors.entry("poll".into()).or_default() += 1,
        }
    }
    for probe in probes.iter_mut() {
        if probe.pending.is_empty() {
            continue;
        }
        match client.account(&probe.address) {
            Ok((balance, _)) => {
                while probe.credited < balance {
                    probe.credited += 1;
                    if let Some((at, hash, api)) = probe.pending.pop_front() {
                        credit_ms.push(now.duration_since(at).as_millis() as u64);
                        // What the node that accepted it says, now that it is credited.
                        let status = client.transaction_status(api, &hash);
                        *report.probe_statuses.entry(status).or_default() += 1;
                    }
                }
            }
            Err(_) => *report.errors.entry("poll".into()).or_default() += 1,
        }
    }
}

/// The report as the table `shardnode load` prints.
pub fn render(report: &LoadReport) -> String {
    let mut out = String::new();
    out += &format!("duration                    {:.1} s\n", report.seconds);
    out += &format!(
        "submitted / accepted        {} / {}\n",
        report.submitted, report.accepted
    );
    out += &format!(
        "TPS accepted / target       {:.1} / {:.1}\n",
        report.accepted_tps, report.target_tps
    );
    if report.not_sent_behind > 0 {
        out += &format!("not sent (generator behind) {}\n", report.not_sent_behind);
    }
    out += &latency_line(
        "inclusion p50 / p99        ",
        &report.inclusion,
        format!(
            "{} of {} sampled seen included",
            report.sampled_included, report.sampled
        ),
    );
    out += &latency_line(
        "cross-shard credit p50/p99 ",
        &report.cross_shard_credit,
        format!(
            "{} of {} probes credited",
            report.probes_credited, report.probes_sent
        ),
    );
    let statuses: Vec<String> = report
        .probe_statuses
        .iter()
        .map(|(status, n)| format!("{status} {n}"))
        .collect();
    out += &format!(
        "probe status (API)          {}\n",
        if statuses.is_empty() {
            "none".to_string()
        } else {
            statuses.join(", ")
        }
    );
    if report.errors.is_empty() {
        out += "errors                      none\n";
    } else {
        for (class, count) in &report.errors {
            out += &format!("errors: {class:<20} {count}\n");
        }
    }
    out
}

/// One latency row: `label p50 / p99 ms (p50 / p99 slots; what)`.
fn latency_line(label: &str, latency: &Latency, what: String) -> String {
    let ms = |v: Option<u64>| v.map_or("n/a".to_string(), |v| v.to_string());
    let slots = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.2}"));
    format!(
        "{label} {} / {} ms ({} / {} slots; {what})\n",
        ms(latency.p50_ms),
        ms(latency.p99_ms),
        slots(latency.p50_slots),
        slots(latency.p99_slots),
    )
}
