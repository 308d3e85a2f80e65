//! `shardnode keys`: the interop validator keys of design D3.

use consensus::bls::interop_keypair;
use consensus::hash::hash;
use std::io::Write;

/// `0x00 ‖ sha256(pubkey)[1..]`.
fn withdrawal_credentials(pubkey: &[u8]) -> String {
    let mut credentials = hash(pubkey).0;
    credentials[0] = 0x00;
    format!("0x{}", hex::encode(credentials))
}

pub fn run(count: u64, secret: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    anyhow::ensure!(
        count <= 1 << 20,
        "--count {count} is too large (at most 1048576)"
    );
    for index in 0..count {
        let (sk, pk) = interop_keypair(index);
        let pubkey = pk.as_bytes();
        write!(
            out,
            "{index}\t{pubkey}\t{}",
            withdrawal_credentials(&pubkey.0)
        )?;
        if secret {
            write!(out, "\t0x{}", hex::encode(sk.to_bytes()))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
