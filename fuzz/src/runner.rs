//! The run loop: replay the corpus, then mutate and run until the budget is spent. Each input
//! runs under `catch_unwind` (a panic is a finding, with its message and input), a watchdog
//! thread aborts the process with the input saved if one input runs past [`HANG_SECONDS`],
//! and the measuring allocator tells the largest single allocation and the peak of live heap
//! (an allocation over [`ALLOCATION_LIMIT`] is a finding). Inputs whose verdict class was not
//! seen before join the working corpus (the feedback of this mutator) and are returned so the
//! caller may save them.

use crate::corpus;
use crate::mutate::mutate;
use crate::rng::Rng;
use crate::target::{Target, Verdict};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// One input running longer than this is a hang.
pub const HANG_SECONDS: u64 = 10;

/// A single allocation larger than this, for inputs of at most 2 MiB, is a finding: every
/// decoder bounds what it allocates by its limit or by the bytes it actually has. The largest
/// legitimate buffer is a shard-block response (64 blocks of up to 1 MiB: 64 MiB and offsets).
pub const ALLOCATION_LIMIT: usize = 80 << 20;

/// Findings kept with their inputs, per target (the rest are counted).
pub const FINDINGS_KEPT: usize = 16;

/// How long a run goes.
#[derive(Clone, Copy, Debug)]
pub enum Budget {
    Inputs(u64),
    Seconds(f64),
}

/// What went wrong on one input.
#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: &'static str,
    pub detail: String,
    pub input: Vec<u8>,
}

/// A target's run.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub target: &'static str,
    pub inputs: u64,
    pub seconds: f64,
    pub accepted: u64,
    /// Refusals by class.
    pub refusals: BTreeMap<String, u64>,
    /// The first [`FINDINGS_KEPT`] findings.
    pub findings: Vec<Finding>,
    /// Every finding, kept or not.
    pub finding_count: u64,
    pub slowest: Duration,
    pub largest_allocation: usize,
    pub peak_heap: usize,
    /// Inputs that gave a verdict class not seen before.
    pub new_inputs: Vec<Vec<u8>>,
}

impl Report {
    fn found(&mut self, finding: Finding) {
        self.finding_count += 1;
        if self.findings.len() < FINDINGS_KEPT {
            self.findings.push(finding);
        }
    }
}

/// The working corpus grows by new verdict classes up to this many entries.
const WORKING_MAX: usize = 4096;

thread_local! {
    static LAST_PANIC: std::cell::RefCell<String> = const { std::cell::RefCell::new(String::new()) };
}

/// Installs a panic hook that keeps the message for the runner instead of printing it.
fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        LAST_PANIC.with(|p| *p.borrow_mut() = format!("{message}{at}"));
    }));
}

/// The watchdog: the input being run and when it started (ms since the run began, 0 idle).
struct Watch {
    input: RwLock<Vec<u8>>,
    started_ms: AtomicU64,
    done: AtomicU64,
}

fn spawn_watchdog(target: &'static str, watch: Arc<Watch>, findings_dir: PathBuf, epoch: Instant) {
    std::thread::spawn(move || loop {
        std::thread::sleep(Duration::from_millis(250));
        if watch.done.load(Ordering::Relaxed) == 1 {
            return;
        }
        let started = watch.started_ms.load(Ordering::Relaxed);
        let now = epoch.elapsed().as_millis() as u64;
        if started != 0 && now.saturating_sub(started) > HANG_SECONDS * 1000 {
            let input = watch.input.read().map(|i| i.clone()).unwrap_or_default();
            let saved = corpus::save(&findings_dir, &format!("{target}-hang"), &input);
            eprintln!(
                "HANG: target {target}: one input ran over {HANG_SECONDS} s; saved to {saved:?}"
            );
            std::process::abort();
        }
    });
}

/// Runs `target` from `seeds` for `budget`, with the mutator seeded by `seed`; hangs are
/// saved under `findings_dir` before the process aborts.
pub fn run(
    target: &Target,
    seeds: &[Vec<u8>],
    budget: Budget,
    seed: u64,
    findings_dir: PathBuf,
) -> Report {
    quiet_panics();
    let mut rng = Rng::new(seed ^ corpus::fnv64(target.name.as_bytes()));
    let mut report = Report {
        target: target.name,
        ..Report::default()
    };
    let epoch = Instant::now();
    let watch = Arc::new(Watch {
        input: RwLock::new(Vec::new()),
        started_ms: AtomicU64::new(0),
        done: AtomicU64::new(0),
    });
    spawn_watchdog(target.name, watch.clone(), findings_dir, epoch);
    let mut working: Vec<Vec<u8>> = if seeds.is_empty() {
        vec![Vec::new()]
    } else {
        seeds.to_vec()
    };
    let mut seen: BTreeMap<String, ()> = BTreeMap::new();
    let mut next_seed = 0usize;
    loop {
        let elapsed = epoch.elapsed().as_secs_f64();
        let spent = match budget {
            Budget::Inputs(n) => report.inputs >= n,
            Budget::Seconds(s) => elapsed >= s,
        };
        if spent {
            break;
        }
        // First every seed as it is, then mutations.
        let input = if next_seed < working.len() && next_seed < seeds.len().max(1) {
            next_seed += 1;
            working[next_seed - 1].clone()
        } else {
            let base = rng.below(working.len());
            let other = rng.below(working.len());
            let mut input = working[base].clone();
            mutate(&mut rng, target.encoding, &mut input, &working[other]);
            input
        };
        if let Ok(mut slot) = watch.input.write() {
            *slot = input;
        }
        let guard = match watch.input.read() {
            Ok(guard) => guard,
            Err(_) => break,
        };
        crate::alloc::reset();
        watch
            .started_ms
            .store(epoch.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
        let began = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| (target.run)(&guard)));
        let took = began.elapsed();
        watch.started_ms.store(0, Ordering::Relaxed);
        let largest = crate::alloc::largest();
        report.largest_allocation = report.largest_allocation.max(largest);
        report.peak_heap = report.peak_heap.max(crate::alloc::peak());
        report.slowest = report.slowest.max(took);
        report.inputs += 1;
        let class = match outcome {
            Ok(Verdict::Accepted) => {
                report.accepted += 1;
                "accepted".to_string()
            }
            Ok(Verdict::Refused(class)) => {
                *report.refusals.entry(class.clone()).or_insert(0) += 1;
                class
            }
            Ok(Verdict::Wrong(detail)) => {
                report.found(Finding {
                    kind: "wrong",
                    detail: detail.clone(),
                    input: guard.clone(),
                });
                format!("wrong: {detail}")
            }
            Err(_) => {
                let detail = LAST_PANIC.with(|p| p.borrow().clone());
                report.found(Finding {
                    kind: "panic",
                    detail: detail.clone(),
                    input: guard.clone(),
                });
                format!("panic: {detail}")
            }
        };
        if largest > ALLOCATION_LIMIT && guard.len() <= crate::mutate::MAX_INPUT {
            report.found(Finding {
                kind: "allocation",
                detail: format!(
                    "{largest} bytes in one allocation for {} input bytes",
                    guard.len()
                ),
                input: guard.clone(),
            });
        }
        if seen.insert(class, ()).is_none()
            && report.inputs > seeds.len() as u64
            && working.len() < WORKING_MAX
        {
            working.push(guard.clone());
            report.new_inputs.push(guard.clone());
        }
        drop(guard);
    }
    watch.done.store(1, Ordering::Relaxed);
    let _ = std::panic::take_hook();
    report.seconds = epoch.elapsed().as_secs_f64();
    report
}
