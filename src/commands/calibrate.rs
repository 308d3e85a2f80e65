//! `shardnode calibrate`: measures the CPU cost table (`shardnode::calibrate`) and prints it
//! beside the shipped one; `--out FILE` writes it as TOML, usable as a scenario's
//! `[cpu.costs]`.

use anyhow::{Context, Result};
use shardnode::calibrate::calibrate;
use simulator::cpu::CostTable;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CalibrateArgs {
    /// Write the measured table here (TOML).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn run(args: CalibrateArgs) -> Result<()> {
    let shipped = CostTable::shipped().context("the shipped cost table")?;
    let shipped_entries = shipped.entries();
    println!(
        "{:<34} {:>14} {:>14}",
        "entry (us per unit)", "this machine", "shipped"
    );
    let calibration = calibrate(&mut |key, value| {
        let before = shipped_entries
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(f64::NAN, |(_, v)| *v);
        println!("{key:<34} {value:>14.4} {before:>14.4}");
    })?;
    for key in &calibration.carried {
        println!(
            "{key:<34} {:>14} (carried from the shipped table, not measured)",
            "-"
        );
    }
    if let Some(path) = &args.out {
        let mut text = String::from(
            "# Measured by `shardnode calibrate` (microseconds per unit); entries not measured \
             are carried from the shipped table:\n",
        );
        for key in &calibration.carried {
            text.push_str(&format!("# carried: {key}\n"));
        }
        text.push_str(&calibration.table.to_toml());
        std::fs::write(path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
