//! The liveness check: finality resumes after a 2|2 partition heals, and a partition that
//! never heals fails the check (no side holds 2/3 of the stake).

mod support;

use simulator::liveness::Liveness;
use support::{assert_safe, fast, partition, run};

#[test]
fn finality_resumes_after_a_healed_split_and_a_permanent_split_fails() {
    let mut s = fast(4, 256, 14);
    s.liveness_epochs = Some(4);
    s.network.partitions = vec![partition(&[&[0, 1], &[2, 3]], 16, 32)];
    let healed = run("2|2 split for two epochs", &s);
    assert_safe("healed split", &healed);
    assert!(
        matches!(
            healed.liveness,
            Liveness::Held {
                from_slot: 64,
                k: 4
            }
        ),
        "{:?}",
        healed.liveness
    );

    s.network.partitions = vec![partition(&[&[0, 1], &[2, 3]], 16, 10_000)];
    let permanent = run("2|2 split for good", &s);
    assert_safe("permanent split", &permanent);
    assert!(
        matches!(permanent.liveness, Liveness::Failed { .. }),
        "{:?}",
        permanent.liveness
    );
    assert!(permanent.summary.liveness.starts_with("FAILED"));
}
