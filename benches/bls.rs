//! BLS: our layer (`consensus::bls`) against raw blst calls, in the same run.
//! sign, verify, fast_aggregate_verify (128/512/2048 keys), batch verification (64/512 sets).

mod common;

use blst::{blst_scalar, min_pk, BLST_ERROR};
use consensus::bls::{self, interop_keypair, PublicKey, SecretKey, Signature, SignatureSet, DST};
use consensus::primitives::Root;
use criterion::{black_box, criterion_group, BenchmarkId, Criterion, Throughput};
use std::time::Duration;

fn keys(n: usize) -> Vec<(SecretKey, PublicKey)> {
    (0..n as u64).map(interop_keypair).collect()
}

fn raw_pk(pk: &PublicKey) -> min_pk::PublicKey {
    min_pk::PublicKey::from_bytes(&pk.as_bytes().0).expect("valid key")
}

fn raw_sig(sig: &Signature) -> min_pk::Signature {
    min_pk::Signature::from_bytes(&sig.as_bytes().0).expect("valid signature")
}

fn single(c: &mut Criterion) {
    let (sk, pk) = interop_keypair(1);
    let raw_sk = min_pk::SecretKey::from_bytes(&sk.to_bytes()).expect("valid key");
    let msg = [7u8; 32];
    let sig = sk.sign(&msg);
    let (rpk, rsig) = (raw_pk(&pk), raw_sig(&sig));

    let mut g = c.benchmark_group("bls_sign");
    g.throughput(Throughput::Elements(1));
    g.bench_function("shardnode", |b| {
        b.iter(|| black_box(sk.sign(black_box(&msg))))
    });
    g.bench_function("raw_blst", |b| {
        b.iter(|| black_box(raw_sk.sign(black_box(&msg), DST, &[])))
    });
    g.finish();

    let mut g = c.benchmark_group("bls_verify");
    g.throughput(Throughput::Elements(1));
    g.bench_function("shardnode", |b| {
        b.iter(|| assert!(bls::verify(&pk, black_box(&msg), &sig)))
    });
    g.bench_function("raw_blst", |b| {
        b.iter(|| {
            assert_eq!(
                rsig.verify(false, black_box(&msg), DST, &[], &rpk, false),
                BLST_ERROR::BLST_SUCCESS
            )
        })
    });
    g.finish();
}

fn fast_aggregate(c: &mut Criterion) {
    let all = keys(2048);
    let msg = [9u8; 32];
    let mut g = c.benchmark_group("bls_fast_aggregate_verify");
    g.sample_size(60).measurement_time(Duration::from_secs(8));
    for n in [128usize, 512, 2048] {
        let sigs: Vec<Signature> = all[..n].iter().map(|(sk, _)| sk.sign(&msg)).collect();
        let agg = bls::AggregateSignature::aggregate(&sigs)
            .expect("non-empty")
            .to_signature();
        let pks: Vec<&PublicKey> = all[..n].iter().map(|(_, pk)| pk).collect();
        let raw_pks: Vec<min_pk::PublicKey> = pks.iter().map(|pk| raw_pk(pk)).collect();
        let raw_refs: Vec<&min_pk::PublicKey> = raw_pks.iter().collect();
        let raw_agg = raw_sig(&agg);
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("shardnode", n), &n, |b, _| {
            b.iter(|| assert!(bls::fast_aggregate_verify(&pks, &msg, &agg)))
        });
        g.bench_with_input(BenchmarkId::new("raw_blst", n), &n, |b, _| {
            b.iter(|| {
                assert_eq!(
                    raw_agg.fast_aggregate_verify(false, &msg, DST, &raw_refs),
                    BLST_ERROR::BLST_SUCCESS
                )
            })
        });
    }
    g.finish();
}

fn batch(c: &mut Criterion) {
    let all = keys(512);
    let mut g = c.benchmark_group("bls_batch_verify");
    g.sample_size(10).measurement_time(Duration::from_secs(6));
    for n in [64usize, 512] {
        let msgs: Vec<Root> = (0..n).map(|i| Root::new([(i % 251) as u8; 32])).collect();
        let sigs: Vec<Signature> = (0..n).map(|i| all[i].0.sign(&msgs[i].0)).collect();
        let sets: Vec<SignatureSet<'_>> = (0..n)
            .map(|i| SignatureSet::single(sigs[i], &all[i].1, msgs[i]))
            .collect();
        assert!(bls::verify_signature_sets(&sets));
        let raw_pks: Vec<min_pk::PublicKey> = (0..n).map(|i| raw_pk(&all[i].1)).collect();
        let raw_sigs: Vec<min_pk::Signature> = sigs.iter().map(raw_sig).collect();
        let pk_refs: Vec<&min_pk::PublicKey> = raw_pks.iter().collect();
        let sig_refs: Vec<&min_pk::Signature> = raw_sigs.iter().collect();
        let msg_refs: Vec<&[u8]> = msgs.iter().map(|m| m.0.as_slice()).collect();
        let rands: Vec<blst_scalar> = (0..n as u64)
            .map(|i| {
                let mut s = blst_scalar::default();
                s.b[..8]
                    .copy_from_slice(&(i.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1).to_le_bytes());
                s
            })
            .collect();
        g.throughput(Throughput::Elements(n as u64));
        g.bench_with_input(BenchmarkId::new("shardnode", n), &n, |b, _| {
            b.iter(|| assert!(bls::verify_signature_sets(&sets)))
        });
        g.bench_with_input(BenchmarkId::new("raw_blst", n), &n, |b, _| {
            b.iter(|| {
                assert_eq!(
                    min_pk::Signature::verify_multiple_aggregate_signatures(
                        &msg_refs, DST, &pk_refs, false, &sig_refs, false, &rands, 64
                    ),
                    BLST_ERROR::BLST_SUCCESS
                )
            })
        });
    }
    g.finish();
}

criterion_group!(benches, single, fast_aggregate, batch);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    common::print_against_limits(
        "BLS",
        &[
            ("bls_sign", "shardnode", "raw_blst"),
            ("bls_verify", "shardnode", "raw_blst"),
            ("bls_fast_aggregate_verify", "shardnode/128", "raw_blst/128"),
            ("bls_fast_aggregate_verify", "shardnode/512", "raw_blst/512"),
            (
                "bls_fast_aggregate_verify",
                "shardnode/2048",
                "raw_blst/2048",
            ),
            ("bls_batch_verify", "shardnode/64", "raw_blst/64"),
            ("bls_batch_verify", "shardnode/512", "raw_blst/512"),
        ],
    );
}
