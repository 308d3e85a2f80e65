//! The tidy CSV time series: `slots.csv` (one row per slot) and `shards.csv` (one row per
//! (slot, shard)), each row starting with the scenario's parameters.
//!
//! Format (RFC 4180): comma-separated, `\n` line ends, a header line naming the columns of
//! [`PARAM_COLUMNS`] then those of the row type; text is quoted when it holds a comma, a quote
//! or a line break (quotes doubled); `None` and non-finite floats are empty cells; booleans are
//! `true`/`false`; floats use `.` and the shortest digits that read back to the same value.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::schema::{RunParams, ShardSlotRow, SlotRow, PARAM_COLUMNS, SHARD_COLUMNS, SLOT_COLUMNS};

/// Bytes gathered before handing them to the output, so an unbuffered file is not written a
/// line at a time.
const FLUSH_AT: usize = 64 * 1024;

/// Writes `slots.csv`: a header, then one line per [`SlotRow`], the columns of
/// [`PARAM_COLUMNS`] (from `params`) first, then those of [`SLOT_COLUMNS`].
pub fn write_slots_csv(
    params: &RunParams,
    rows: &[SlotRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    write_table(params, SLOT_COLUMNS, rows, out)
}

/// Writes `shards.csv`: a header, then one line per [`ShardSlotRow`], the columns of
/// [`PARAM_COLUMNS`] (from `params`) first, then those of [`SHARD_COLUMNS`].
pub fn write_shards_csv(
    params: &RunParams,
    rows: &[ShardSlotRow],
    out: &mut dyn Write,
) -> io::Result<()> {
    write_table(params, SHARD_COLUMNS, rows, out)
}

/// A value that fills a run of CSV cells, in the order of its data dictionary.
trait Cells {
    /// Appends this value's cells to `record`.
    fn cells(&self, record: &mut Record<'_>);
}

impl Cells for RunParams {
    fn cells(&self, r: &mut Record<'_>) {
        r.u64(self.seed);
        r.u64(self.nodes);
        r.u64(self.validators);
        r.text(&self.preset);
        r.u64(self.active_shards);
        r.u64(self.slot_duration_ms);
        r.text(&self.crypto);
        r.u64(self.epochs);
        r.f64(self.tps_per_shard);
        r.f64(self.cross_shard);
        r.text(&self.latency);
        r.f64(self.jitter_ms);
        r.f64(self.loss);
        r.text(&self.faults);
    }
}

impl Cells for SlotRow {
    fn cells(&self, r: &mut Record<'_>) {
        r.u64(self.slot);
        r.u64(self.epoch);
        r.u64(self.time_ms);
        r.bool(self.beacon_block);
        r.u64(self.head_slot);
        r.u64(self.justified_epoch);
        r.u64(self.finalized_epoch);
        r.u64(self.transactions);
        r.u64(self.shard_blocks);
        r.u64(self.cross_shard_sent);
        r.u64(self.cross_shard_credited);
        r.u64(self.attestations_included);
        r.u64(self.online_nodes);
        r.u64(self.messages_delivered);
        r.u64(self.messages_dropped);
    }
}

impl Cells for ShardSlotRow {
    fn cells(&self, r: &mut Record<'_>) {
        r.u64(self.slot);
        r.u64(self.shard);
        r.bool(self.block);
        r.u64(self.transactions);
        r.u64(self.receipts_sent);
        r.u64(self.receipts_credited);
        r.u64(self.mempool_len);
        r.opt_u64(self.crosslinked_slot);
    }
}

/// Writes the header, then `params` and each row's cells, one line per row.
fn write_table<R: Cells>(
    params: &RunParams,
    columns: &[(&str, &str)],
    rows: &[R],
    out: &mut dyn Write,
) -> io::Result<()> {
    let width = PARAM_COLUMNS.len() + columns.len();
    let mut buf = String::new();

    let mut header = Record::new(&mut buf);
    for (name, _) in PARAM_COLUMNS.iter().chain(columns) {
        header.text(name);
    }
    header.end(width)?;

    let mut prefix = String::new();
    let mut record = Record::new(&mut prefix);
    params.cells(&mut record);
    let prefix_cells = record.cells;

    for row in rows {
        let mut record = Record::continuing(&mut buf, &prefix, prefix_cells);
        row.cells(&mut record);
        record.end(width)?;
        if buf.len() >= FLUSH_AT {
            out.write_all(buf.as_bytes())?;
            buf.clear();
        }
    }
    out.write_all(buf.as_bytes())
}

/// One CSV line being appended to a buffer.
struct Record<'a> {
    /// Where the line goes.
    buf: &'a mut String,
    /// Cells written so far.
    cells: usize,
}

impl<'a> Record<'a> {
    /// Starts an empty line at the end of `buf`.
    fn new(buf: &'a mut String) -> Self {
        Record { buf, cells: 0 }
    }

    /// Starts a line at the end of `buf` with `cells` cells already rendered in `prefix`.
    fn continuing(buf: &'a mut String, prefix: &str, cells: usize) -> Self {
        buf.push_str(prefix);
        Record { buf, cells }
    }

    /// Ends the line, checking it holds `width` cells.
    fn end(self, width: usize) -> io::Result<()> {
        self.buf.push('\n');
        if self.cells == width {
            Ok(())
        } else {
            Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("CSV line has {} cells, header has {width}", self.cells),
            ))
        }
    }

    /// Starts a new cell.
    fn sep(&mut self) {
        if self.cells > 0 {
            self.buf.push(',');
        }
        self.cells += 1;
    }

    /// A text cell, quoted when it holds a comma, a quote or a line break.
    fn text(&mut self, text: &str) {
        self.sep();
        push_quoted(self.buf, text);
    }

    /// An unsigned integer cell.
    fn u64(&mut self, value: u64) {
        self.sep();
        let _ = write!(self.buf, "{value}");
    }

    /// An optional unsigned integer cell: empty for `None`.
    fn opt_u64(&mut self, value: Option<u64>) {
        self.sep();
        if let Some(value) = value {
            let _ = write!(self.buf, "{value}");
        }
    }

    /// A float cell: shortest round-tripping digits, `.` as decimal point; empty when not finite.
    fn f64(&mut self, value: f64) {
        self.sep();
        if value.is_finite() {
            let _ = write!(self.buf, "{value}");
        }
    }

    /// A boolean cell: `true` or `false`.
    fn bool(&mut self, value: bool) {
        self.sep();
        self.buf.push_str(if value { "true" } else { "false" });
    }
}

/// Appends `text` as one CSV field: as is, or in double quotes with inner quotes doubled when it
/// holds a comma, a quote or a line break.
fn push_quoted(buf: &mut String, text: &str) {
    if !text.contains([',', '"', '\n', '\r']) {
        buf.push_str(text);
        return;
    }
    buf.push('"');
    for c in text.chars() {
        if c == '"' {
            buf.push('"');
        }
        buf.push(c);
    }
    buf.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use serde_json::Value;

    /// A small RFC 4180 reader, enough to read back what the writers wrote.
    fn parse(text: &str) -> Vec<Vec<String>> {
        let mut records = Vec::new();
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (true, c) => field.push(c),
                (false, '"') => quoted = true,
                (false, ',') => record.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    record.push(std::mem::take(&mut field));
                    records.push(std::mem::take(&mut record));
                }
                (false, c) => field.push(c),
            }
        }
        assert!(
            field.is_empty() && record.is_empty(),
            "unterminated last line"
        );
        records
    }

    fn slots_csv(params: &RunParams, rows: &[SlotRow]) -> String {
        let mut out = Vec::new();
        write_slots_csv(params, rows, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn shards_csv(params: &RunParams, rows: &[ShardSlotRow]) -> String {
        let mut out = Vec::new();
        write_shards_csv(params, rows, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn header(columns: &[(&str, &str)]) -> String {
        let names: Vec<&str> = PARAM_COLUMNS
            .iter()
            .chain(columns)
            .map(|(n, _)| *n)
            .collect();
        names.join(",")
    }

    /// The CSV cell that should stand for a JSON value of the same field.
    fn expected_cell(value: &Value) -> String {
        match value {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }
    }

    /// Checks every data line against the serde view of `params` and the row, column by column,
    /// so a column written in the wrong place cannot pass.
    fn check_cells<T: serde::Serialize>(
        text: &str,
        params: &RunParams,
        columns: &[(&str, &str)],
        rows: &[T],
    ) {
        let records = parse(text);
        assert_eq!(records.len(), rows.len() + 1);
        let params = serde_json::to_value(params).unwrap();
        for (record, row) in records[1..].iter().zip(rows) {
            assert_eq!(record.len(), PARAM_COLUMNS.len() + columns.len());
            let row = serde_json::to_value(row).unwrap();
            let sources = PARAM_COLUMNS
                .iter()
                .map(|(n, _)| &params[*n])
                .chain(columns.iter().map(|(n, _)| &row[*n]));
            for ((cell, source), name) in record
                .iter()
                .zip(sources)
                .zip(PARAM_COLUMNS.iter().chain(columns).map(|(n, _)| n))
            {
                match source {
                    Value::Number(n) if n.is_f64() => {
                        let read: f64 = cell.parse().unwrap();
                        assert_eq!(Some(read), n.as_f64(), "column {name}");
                    }
                    other => assert_eq!(cell, &expected_cell(other), "column {name}"),
                }
            }
        }
    }

    #[test]
    fn slots_header_is_the_dictionary() {
        let text = slots_csv(&fixtures::params(), &[]);
        assert_eq!(text, format!("{}\n", header(SLOT_COLUMNS)));
    }

    #[test]
    fn shards_header_is_the_dictionary() {
        let text = shards_csv(&fixtures::params(), &[]);
        assert_eq!(text, format!("{}\n", header(SHARD_COLUMNS)));
    }

    #[test]
    fn slot_cells_follow_the_dictionary() {
        let (params, rows) = (fixtures::params(), fixtures::slot_rows());
        let text = slots_csv(&params, &rows);
        assert_eq!(text.lines().next(), Some(header(SLOT_COLUMNS).as_str()));
        check_cells(&text, &params, SLOT_COLUMNS, &rows);
    }

    #[test]
    fn shard_cells_follow_the_dictionary() {
        let (params, rows) = (fixtures::params(), fixtures::shard_rows());
        let text = shards_csv(&params, &rows);
        assert_eq!(text.lines().next(), Some(header(SHARD_COLUMNS).as_str()));
        check_cells(&text, &params, SHARD_COLUMNS, &rows);
        let records = parse(&text);
        let last = records[1].len() - 1;
        assert_eq!(records[1][last], "", "None is an empty cell");
        assert_eq!(records[2][last], "601");
    }

    #[test]
    fn quotes_text_with_commas_and_quotes() {
        let params = fixtures::params();
        let text = slots_csv(&params, &fixtures::slot_rows()[..1]);
        let line = text.lines().nth(1).unwrap();
        assert!(
            line.contains(r#","crash(3@40-64);offline(5,6@16-40);note(""x"")","#),
            "{line}"
        );
        assert!(line.starts_with("42,16,64,minimal,4,6000,fake,8,12.5,0.1,uniform:20:80,5,0.01,"));
        assert_eq!(parse(&text)[1][13], params.faults);
    }

    #[test]
    fn quoting_rules() {
        let cases = [
            ("plain", "plain"),
            ("", ""),
            ("a,b", "\"a,b\""),
            ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\r", "\"cr\r\""),
        ];
        for (input, want) in cases {
            let mut buf = String::new();
            push_quoted(&mut buf, input);
            assert_eq!(buf, want);
        }
    }

    #[test]
    fn floats_are_plain_and_non_finite_is_empty() {
        let mut params = fixtures::params();
        params.tps_per_shard = f64::NAN;
        params.cross_shard = 1e-7;
        params.jitter_ms = f64::INFINITY;
        params.loss = 0.1 + 0.2;
        let mut buf = String::new();
        let mut record = Record::new(&mut buf);
        params.cells(&mut record);
        let cells = parse(&format!("{buf}\n")).remove(0);
        assert_eq!(cells[8], "");
        assert_eq!(cells[9].parse::<f64>().unwrap(), 1e-7);
        assert!(!cells[9].contains(['e', 'E']));
        assert_eq!(cells[11], "");
        assert_eq!(cells[12].parse::<f64>().unwrap(), 0.1 + 0.2);
    }

    #[test]
    fn many_rows_cross_the_flush_threshold() {
        let params = fixtures::params();
        let rows: Vec<ShardSlotRow> = (0..5000u64)
            .map(|i| ShardSlotRow {
                slot: i,
                crosslinked_slot: Some(i),
                ..Default::default()
            })
            .collect();
        let text = shards_csv(&params, &rows);
        assert!(text.len() > FLUSH_AT);
        let records = parse(&text);
        assert_eq!(records.len(), rows.len() + 1);
        assert_eq!(records[5000][PARAM_COLUMNS.len()], "4999");
    }

    #[test]
    fn reports_write_errors() {
        struct Broken;
        impl Write for Broken {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                Err(io::Error::other("disk full"))
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let params = fixtures::params();
        assert!(write_slots_csv(&params, &fixtures::slot_rows(), &mut Broken).is_err());
        assert!(write_shards_csv(&params, &[], &mut Broken).is_err());
    }
}
