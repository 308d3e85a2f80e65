//! `shardnode keys`: the interop validator keys of design D3.

use beacon::genesis::bls_withdrawal_credentials;
use consensus::bls::interop_keypair;
use std::io::Write;

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
            bls_withdrawal_credentials(pubkey)
        )?;
        if secret {
            write!(out, "\t0x{}", hex::encode(sk.to_bytes()))?;
        }
        writeln!(out)?;
    }
    Ok(())
}
