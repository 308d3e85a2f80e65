//! `shardnode capture`: the committee-capture measurement (`simulator::capture`): for each
//! committee size and adversarial stake share, the fraction of committees in which the
//! adversary holds at least 1/3 and at least 2/3 of the members, from the real shuffle over
//! many epochs, beside the hypergeometric law. Prints a table; `--out DIR` writes
//! `capture.csv` and the plots `capture-third` and `capture-two-thirds` (SVG and PNG).

use anyhow::{Context, Result};
use shardnode::plots::{write_chart, Chart, Series};
use simulator::capture::{measure, CaptureParams, CaptureRow};
use std::io::Write;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CaptureArgs {
    /// Validators in the registry (the committees partition them every epoch).
    #[arg(long, default_value_t = 16_384)]
    pub validators: u64,
    /// Committee sizes (comma-separated); the committee count is validators / size.
    #[arg(long, value_delimiter = ',', default_values_t = [16u64, 32, 64, 128, 256, 512])]
    pub sizes: Vec<u64>,
    /// Adversarial stake shares (comma-separated, each in (0, 1)).
    #[arg(long, value_delimiter = ',', default_values_t = [0.10f64, 0.20, 0.25, 0.30, 0.33])]
    pub shares: Vec<f64>,
    /// Epochs (independent shuffles) to measure.
    #[arg(long, default_value_t = 2_000)]
    pub epochs: u64,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Shuffle rounds (90 is mainnet's SHUFFLE_ROUND_COUNT, 10 minimal's).
    #[arg(long, default_value_t = 90)]
    pub rounds: u8,
    /// Write capture.csv into this directory.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// A probability as a short figure: `0`, `3.1e-7`, `0.0421`.
fn prob(p: f64) -> String {
    if p == 0.0 {
        "0".into()
    } else if p < 1e-3 {
        format!("{p:.1e}")
    } else {
        format!("{p:.4}")
    }
}

fn write_csv(rows: &[CaptureRow], out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "committee_size,share,adversarial_validators,committees,third_observed,third_fraction,\
         third_law,two_thirds_observed,two_thirds_fraction,two_thirds_law"
    )?;
    for r in rows {
        writeln!(
            out,
            "{},{},{},{},{},{:e},{:e},{},{:e},{:e}",
            r.committee_size,
            r.share,
            r.adversarial_validators,
            r.committees_observed,
            r.third_observed,
            r.third_fraction(),
            r.third_law,
            r.two_thirds_observed,
            r.two_thirds_fraction(),
            r.two_thirds_law
        )?;
    }
    Ok(())
}

/// Per share: the observed fraction (points) and the hypergeometric law (line) against the
/// committee size, on a log scale (observed zeros are left out).
fn capture_chart(
    params: &CaptureParams,
    rows: &[CaptureRow],
    fraction: fn(&CaptureRow) -> f64,
    law: fn(&CaptureRow) -> f64,
    what: &str,
) -> Chart {
    let mut series = Vec::new();
    for (color, &share) in params.shares.iter().enumerate() {
        let of_share: Vec<&CaptureRow> = rows.iter().filter(|r| r.share == share).collect();
        let points = |f: fn(&CaptureRow) -> f64| {
            of_share
                .iter()
                .map(|r| (r.committee_size as f64, f(r)))
                .collect()
        };
        series.push(Series {
            label: format!("{:.0}% observed", share * 100.0),
            points: points(fraction),
            color: Some(color),
            markers_only: true,
            ..Series::default()
        });
        series.push(Series {
            label: format!("{:.0}% law", share * 100.0),
            points: points(law),
            color: Some(color),
            ..Series::default()
        });
    }
    Chart {
        title: format!(
            "Committees where the adversary holds {what} ({} validators, {} epochs)",
            params.validators, params.epochs
        ),
        x_label: "committee size".into(),
        y_label: "fraction of committees (log10)".into(),
        series,
        log_y: true,
        ..Chart::default()
    }
}

pub fn run(args: CaptureArgs) -> Result<()> {
    let params = CaptureParams {
        validators: args.validators,
        committee_sizes: args.sizes,
        shares: args.shares,
        epochs: args.epochs,
        seed: args.seed,
        shuffle_rounds: args.rounds,
    };
    let rows = measure(&params)?;
    println!(
        "committee capture: {} validators, {} epochs, {} shuffle rounds, seed {}",
        params.validators, params.epochs, params.shuffle_rounds, params.seed
    );
    println!(
        "{:>5} {:>6} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "size", "share", "committees", ">=1/3 obs", ">=1/3 law", ">=2/3 obs", ">=2/3 law"
    );
    for r in &rows {
        println!(
            "{:>5} {:>6.2} {:>10} {:>10} {:>10} {:>10} {:>10}",
            r.committee_size,
            r.share,
            r.committees_observed,
            prob(r.third_fraction()),
            prob(r.third_law),
            prob(r.two_thirds_fraction()),
            prob(r.two_thirds_law)
        );
    }
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("capture.csv");
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(&path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        );
        write_csv(&rows, &mut file)
            .and_then(|()| file.flush())
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
        for (stem, fraction, law, what) in [
            (
                "capture-third",
                CaptureRow::third_fraction as fn(&CaptureRow) -> f64,
                (|r: &CaptureRow| r.third_law) as fn(&CaptureRow) -> f64,
                "at least 1/3",
            ),
            (
                "capture-two-thirds",
                CaptureRow::two_thirds_fraction,
                |r: &CaptureRow| r.two_thirds_law,
                "at least 2/3",
            ),
        ] {
            let chart = capture_chart(&params, &rows, fraction, law, what);
            let files = write_chart(dir, stem, &chart)?;
            println!(
                "wrote {}",
                files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(())
}
