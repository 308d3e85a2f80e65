//! The node on a thread of its own: inputs and queries arrive over a bounded channel, output
//! batches leave over an unbounded one, after the [`Tap`] has read them. Block imports, epoch processing and signature batches
//! run here, so the network reactor never waits behind them.

use super::tap::Tap;
use beacon::node::{Input, Node, Output};
use consensus::Preset;
use networking::Topic;
use tokio::sync::{mpsc, oneshot};

/// Inputs waiting for the node at most; past that, gossip is dropped (and ignored).
pub const QUEUE_CAPACITY: usize = 8192;

/// A query: runs on the node's thread between two inputs.
pub type Query<P> = Box<dyn FnOnce(&mut Node<P>) + Send>;

enum Work<P: Preset> {
    Input(Input),
    Query(Query<P>),
}

/// A handle to the node's thread; cheap to clone. The thread ends (after a durable flush of
/// the store) when every handle is dropped.
pub struct NodeHandle<P: Preset> {
    work: mpsc::Sender<Work<P>>,
}

impl<P: Preset> Clone for NodeHandle<P> {
    fn clone(&self) -> Self {
        Self {
            work: self.work.clone(),
        }
    }
}

/// The node's queue is full (or its thread is gone).
#[derive(Debug, thiserror::Error)]
#[error("the node is busy: its input queue is full")]
pub struct Busy;

impl<P: Preset> NodeHandle<P> {
    /// Queues `input`, or refuses at once when the queue is full.
    pub fn try_input(&self, input: Input) -> Result<(), Busy> {
        self.work.try_send(Work::Input(input)).map_err(|_| Busy)
    }

    /// Queues `input`, waiting for room.
    pub async fn input(&self, input: Input) -> Result<(), Busy> {
        self.work.send(Work::Input(input)).await.map_err(|_| Busy)
    }

    /// Runs `f` on the node between two inputs and returns its answer (`None` if the node
    /// thread is gone).
    pub async fn query<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Node<P>) -> R + Send + 'static,
    ) -> Option<R> {
        let (tx, rx) = oneshot::channel();
        let query: Query<P> = Box::new(move |node| {
            let _ = tx.send(f(node));
        });
        self.work.send(Work::Query(query)).await.ok()?;
        rx.await.ok()
    }
}

/// A started node thread: its handle, the receiver of its output batches, and the thread,
/// which hands the node back when it ends.
pub struct Started<P: Preset> {
    pub handle: NodeHandle<P>,
    pub outputs: mpsc::UnboundedReceiver<Vec<Output>>,
    pub thread: std::thread::JoinHandle<Node<P>>,
}

/// Starts the node's thread.
pub fn spawn<P: Preset>(node: Node<P>, mut tap: Tap) -> std::io::Result<Started<P>> {
    let (work_tx, mut work_rx) = mpsc::channel::<Work<P>>(QUEUE_CAPACITY);
    let (out_tx, out_rx) = mpsc::unbounded_channel();
    let thread = std::thread::Builder::new()
        .name("node".into())
        .spawn(move || {
            let mut node = node;
            while let Some(work) = work_rx.blocking_recv() {
                match work {
                    Work::Input(input) => {
                        let timed = match &input {
                            Input::Gossip { topic, .. } => match topic {
                                Topic::BeaconBlock => Some(true),
                                Topic::ShardBlock(_) => Some(false),
                                _ => None,
                            },
                            _ => None,
                        };
                        let started = std::time::Instant::now();
                        let outputs = node.handle(input);
                        let seconds = started.elapsed().as_secs_f64();
                        match timed {
                            Some(true) => tap.metrics.observe_beacon_block_import(seconds),
                            Some(false) => tap.metrics.observe_shard_block_import(seconds),
                            None => {}
                        }
                        tap.outputs(&node, &outputs);
                        if !outputs.is_empty() && out_tx.send(outputs).is_err() {
                            break;
                        }
                    }
                    Work::Query(query) => {
                        query(&mut node);
                        // A query may have produced outputs (submitted transactions to gossip).
                        let outputs = node.take_outputs();
                        tap.outputs(&node, &outputs);
                        if !outputs.is_empty() && out_tx.send(outputs).is_err() {
                            break;
                        }
                    }
                }
            }
            if let Err(e) = node.store_mut().flush() {
                tracing::error!(error = %e, "final store flush failed");
            }
            node
        })?;
    Ok(Started {
        handle: NodeHandle { work: work_tx },
        outputs: out_rx,
        thread,
    })
}
