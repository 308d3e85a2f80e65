//! `swarm.csv`: one row per seed, appended and flushed as each seed finishes (a stopped or
//! killed swarm keeps every seed it finished), rewritten in seed order when the run ends.
//! `--resume` reads the rows back so a long campaign can be run in pieces.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const HEADER: &str = "seed,safe,live,finalized_epoch,trace_hash,wall_seconds,scenario,liveness";

/// One seed's outcome.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub seed: u64,
    pub safe: bool,
    pub live: bool,
    pub finalized: u64,
    pub trace_hash: String,
    pub wall: f64,
    pub description: String,
    pub liveness: String,
}

impl Row {
    pub fn passed(&self) -> bool {
        self.safe && self.live
    }

    fn to_line(&self) -> String {
        format!(
            "{},{},{},{},{},{:.3},{},{}",
            self.seed,
            self.safe,
            self.live,
            self.finalized,
            self.trace_hash,
            self.wall,
            quoted(&self.description),
            quoted(&self.liveness)
        )
    }

    fn from_line(line: &str) -> Result<Self> {
        let fields = split_line(line)?;
        let [seed, safe, live, finalized, trace_hash, wall, description, liveness] =
            <[String; 8]>::try_from(fields)
                .map_err(|f| anyhow::anyhow!("{} fields, want 8", f.len()))?;
        Ok(Self {
            seed: seed.parse().context("seed")?,
            safe: safe.parse().context("safe")?,
            live: live.parse().context("live")?,
            finalized: finalized.parse().context("finalized_epoch")?,
            trace_hash,
            wall: wall.parse().context("wall_seconds")?,
            description,
            liveness,
        })
    }
}

/// A field in double quotes, inner quotes doubled, line breaks flattened.
fn quoted(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace(['\n', '\r'], " ").replace('"', "\"\"")
    )
}

/// Splits one CSV line (fields optionally in double quotes, `""` inside them is a quote).
fn split_line(line: &str) -> Result<Vec<String>> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut in_quotes = false;
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => in_quotes = false,
            ('"', false) if field.is_empty() => in_quotes = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    if in_quotes {
        bail!("unterminated quoted field");
    }
    fields.push(field);
    Ok(fields)
}

/// `dir/swarm.csv`, open for appending while the swarm runs.
pub struct Ledger {
    path: PathBuf,
    file: std::io::BufWriter<std::fs::File>,
    /// Every row in the file, by seed (rows read back and rows appended).
    rows: BTreeMap<u64, Row>,
}

impl Ledger {
    /// Opens `dir/swarm.csv`: with `resume`, keeps the rows it holds (a seed recorded twice is
    /// an error; an unfinished last line, from a run killed while writing it, is dropped);
    /// otherwise starts it afresh. The file is replaced whole (staged, then renamed), so it
    /// never holds less than it did.
    pub fn open(dir: &Path, resume: bool) -> Result<Self> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let path = dir.join("swarm.csv");
        let rows = if resume && path.exists() {
            read_rows(&path)?
        } else {
            BTreeMap::new()
        };
        write_sorted(&path, &rows)?;
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Self {
            path,
            file: std::io::BufWriter::new(file),
            rows,
        })
    }

    /// The rows recorded so far, by seed.
    pub fn rows(&self) -> &BTreeMap<u64, Row> {
        &self.rows
    }

    /// Appends `row` and flushes it to the file.
    pub fn append(&mut self, row: Row) -> Result<()> {
        writeln!(self.file, "{}", row.to_line())
            .and_then(|()| self.file.flush())
            .with_context(|| format!("cannot write {}", self.path.display()))?;
        self.rows.insert(row.seed, row);
        Ok(())
    }

    /// Rewrites the file in seed order; returns its path.
    pub fn finish(self) -> Result<PathBuf> {
        drop(self.file);
        write_sorted(&self.path, &self.rows)?;
        Ok(self.path)
    }
}

/// Replaces `path` with the header and `rows` in seed order (staged, then renamed).
fn write_sorted(path: &Path, rows: &BTreeMap<u64, Row>) -> Result<()> {
    let staged = path.with_extension("csv.tmp");
    let mut text = String::from(HEADER);
    text.push('\n');
    for row in rows.values() {
        text.push_str(&row.to_line());
        text.push('\n');
    }
    std::fs::write(&staged, text).with_context(|| format!("cannot write {}", staged.display()))?;
    std::fs::rename(&staged, path).with_context(|| format!("cannot replace {}", path.display()))
}

fn read_rows(path: &Path) -> Result<BTreeMap<u64, Row>> {
    let mut text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !text.is_empty() && !text.ends_with('\n') {
        let cut = text.rfind('\n').map_or(0, |at| at + 1);
        eprintln!(
            "{}: dropping its unfinished last line (a run stopped while writing it): {}",
            path.display(),
            &text[cut..]
        );
        text.truncate(cut);
    }
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header == HEADER => {}
        Some(_) => bail!("{}: line 1 is not the swarm.csv header", path.display()),
        None => return Ok(BTreeMap::new()),
    }
    let mut rows = BTreeMap::new();
    for (index, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let row = Row::from_line(line)
            .with_context(|| format!("{} line {}", path.display(), index + 1))?;
        let seed = row.seed;
        if rows.insert(seed, row).is_some() {
            bail!("{} line {}: seed {seed} twice", path.display(), index + 1);
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(seed: u64) -> Row {
        Row {
            seed,
            safe: true,
            live: seed % 2 == 0,
            finalized: 12,
            trace_hash: format!("{seed:064x}"),
            wall: 4.25,
            description: "4 nodes, loss 0.021, crash(1@43-64);partition(0 1|2 3@38-62)".into(),
            liveness: "failed (no \"finality\", see\nlog)".into(),
        }
    }

    #[test]
    fn rows_survive_the_file_and_resume_keeps_them_in_seed_order() {
        let dir = std::env::temp_dir().join(format!("swarm-csv-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let mut ledger = Ledger::open(&dir, false).unwrap();
        ledger.append(row(7)).unwrap();
        ledger.append(row(3)).unwrap();
        // Flushed row by row: a reader sees both before the run ends.
        let early = read_rows(&dir.join("swarm.csv")).unwrap();
        assert_eq!(early.len(), 2);
        let mut expected = row(3);
        expected.liveness = "failed (no \"finality\", see log)".into();
        assert_eq!(early[&3], expected);
        drop(ledger);

        let mut resumed = Ledger::open(&dir, true).unwrap();
        assert_eq!(
            resumed.rows().keys().copied().collect::<Vec<_>>(),
            vec![3, 7]
        );
        resumed.append(row(5)).unwrap();
        let path = resumed.finish().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let seeds: Vec<&str> = text.lines().map(|l| l.split(',').next().unwrap()).collect();
        assert_eq!(seeds, vec!["seed", "3", "5", "7"]);

        // Without --resume the file starts afresh.
        let fresh = Ledger::open(&dir, false).unwrap();
        assert!(fresh.rows().is_empty());
        drop(fresh);
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), HEADER);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_damaged_file_is_refused_with_its_line() {
        let dir = std::env::temp_dir().join(format!("swarm-csv-bad-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("swarm.csv");
        let good = row(1).to_line();
        for (body, want) in [
            (format!("{HEADER}\n{good}\n{good}\n"), "seed 1 twice"),
            (
                format!("{HEADER}\n1,true,maybe,12,ab,1.0,\"x\",\"y\"\n"),
                "live",
            ),
            (
                format!("{HEADER}\n1,true,true,12,ab,1.0,\"x\n{good}\n"),
                "unterminated",
            ),
            (format!("{HEADER}\n1,true,true\n"), "3 fields, want 8"),
            ("seed,other\n".to_string(), "not the swarm.csv header"),
        ] {
            std::fs::write(&path, &body).unwrap();
            let error = format!("{:#}", Ledger::open(&dir, true).err().expect(want));
            assert!(error.contains(want), "{error}");
            // A refused file is left as it was.
            assert_eq!(std::fs::read_to_string(&path).unwrap(), body);
        }
        // A last line cut short by a kill is dropped; the rows before it are kept.
        std::fs::write(&path, format!("{HEADER}\n{good}\n{}", &good[..20])).unwrap();
        let ledger = Ledger::open(&dir, true).unwrap();
        assert_eq!(ledger.rows().keys().copied().collect::<Vec<_>>(), vec![1]);
        drop(ledger);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            format!("{HEADER}\n{good}\n")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
