//! A data dir belongs to one chain: the node claims an empty store for its genesis at the
//! first open, reopens its own, and refuses another chain's with both genesis roots named.

mod support;

use beacon::node::{Node, NodeError};
use beacon::store::{SimDisk, Store};
use consensus::bls::Crypto;

#[test]
fn a_store_of_another_chain_is_refused_and_its_own_reopens() {
    let disk = SimDisk::new();
    let first = Node::open(
        support::config(64, 0..4, Crypto::Fake),
        Store::open_sim(&disk).expect("store"),
        0,
    )
    .expect("an empty store is claimed");
    let ours = first.genesis_root();
    assert_eq!(ours, support::node(0..1, Crypto::Fake).genesis_root());
    drop(first);
    // The same chain reopens its store.
    let again = Node::open(
        support::config(64, 0..4, Crypto::Fake),
        Store::open_sim(&disk).expect("store"),
        0,
    )
    .expect("its own store reopens");
    assert_eq!(again.genesis_root(), ours);
    drop(again);
    // Another validator count is another genesis: refused before anything is read.
    let err = Node::open(
        support::config(32, 0..4, Crypto::Fake),
        Store::open_sim(&disk).expect("store"),
        0,
    )
    .err()
    .expect("another chain's store is refused");
    assert!(matches!(err, NodeError::OtherChain { .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.contains(&format!("0x{}", hex::encode(ours.0))),
        "{text}"
    );
    assert!(text.contains("another chain"), "{text}");
}
