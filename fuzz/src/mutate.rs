//! The structured mutator: changes that keep an input close to a valid encoding, so a run
//! reaches past the first length check. Snappy inputs are decompressed, their SSZ mutated and
//! compressed again (most of the time; sometimes the compressed bytes themselves are hit);
//! SSZ gets its 4-byte offsets and lengths rewritten with edge values; text gets its numbers
//! replaced by edge values and its lines dropped, doubled or swapped; everything gets bit
//! flips, insertions, deletions, truncation and splices of another corpus entry; and now and
//! then an input is plain random bytes.

use crate::rng::Rng;
use crate::target::Encoding;

/// Inputs never grow past this (the largest gossip limit is 1 MiB; a bit over it tests the
/// size checks).
pub const MAX_INPUT: usize = 1 << 21;

const EDGE_U32: [u32; 10] = [0, 1, 3, 4, 8, 0x7f, 0x80, 0xffff, 0x7fff_ffff, 0xffff_ffff];
const EDGE_TEXT: [&str; 16] = [
    "0",
    "-1",
    "1",
    "255",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "1e308",
    "nan",
    "inf",
    "-0",
    "\"\"",
    "[]",
    "{}",
    "0x",
];

/// Mutates `input` (a copy of a corpus entry) in place, 1 to 8 times, `other` being another
/// entry of the corpus for splices.
pub fn mutate(rng: &mut Rng, encoding: Encoding, input: &mut Vec<u8>, other: &[u8]) {
    if rng.chance(1, 50) {
        let len = rng.below(512);
        *input = (0..len).map(|_| rng.byte()).collect();
        return;
    }
    if encoding == Encoding::Snappy && rng.chance(4, 5) {
        if let Some(mut inner) = unsnappy(input) {
            let other_inner = unsnappy(other).unwrap_or_default();
            rounds(rng, Encoding::Bytes, &mut inner, &other_inner);
            if let Ok(packed) = snap::raw::Encoder::new().compress_vec(&inner) {
                *input = packed;
                return;
            }
        }
    }
    rounds(rng, encoding, input, other);
}

/// Decompresses a snappy block, unless its header claims more than snappy can expand to (the
/// bound the node applies): a mutated header must not make the mutator itself allocate
/// gigabytes.
fn unsnappy(bytes: &[u8]) -> Option<Vec<u8>> {
    let claimed = snap::raw::decompress_len(bytes).ok()?;
    if claimed
        > bytes
            .len()
            .saturating_mul(networking::codec::MAX_SNAPPY_EXPANSION)
            .saturating_add(64)
    {
        return None;
    }
    snap::raw::Decoder::new().decompress_vec(bytes).ok()
}

fn rounds(rng: &mut Rng, encoding: Encoding, input: &mut Vec<u8>, other: &[u8]) {
    let n = 1 + rng.below(8);
    for _ in 0..n {
        if encoding == Encoding::Text && rng.chance(1, 2) {
            text_once(rng, input);
        } else {
            bytes_once(rng, input, other);
        }
    }
    input.truncate(MAX_INPUT);
}

fn bytes_once(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    let len = input.len();
    match rng.below(10) {
        0 | 1 if len > 0 => {
            let at = rng.below(len);
            input[at] ^= 1 << rng.below(8);
        }
        2 if len > 0 => {
            let at = rng.below(len);
            input[at] = *rng.pick(&[0u8, 1, 0x7f, 0x80, 0xff]).unwrap_or(&0);
        }
        3 | 4 if len >= 4 => {
            // An SSZ offset or length: a 4-byte little-endian word at an aligned or any place.
            let at = if rng.chance(1, 2) {
                rng.below(len / 4) * 4
            } else {
                rng.below(len - 3)
            };
            let value = match rng.below(3) {
                0 => *rng.pick(&EDGE_U32).unwrap_or(&0),
                1 => len as u32,
                _ => {
                    let word = u32::from_le_bytes([
                        input[at],
                        input[at + 1],
                        input[at + 2],
                        input[at + 3],
                    ]);
                    word.wrapping_add(rng.below(9) as u32).wrapping_sub(4)
                }
            };
            input[at..at + 4].copy_from_slice(&value.to_le_bytes());
        }
        5 => {
            let at = rng.below(len + 1);
            let count = 1 + rng.below(16);
            let fill: Vec<u8> = (0..count).map(|_| rng.byte()).collect();
            input.splice(at..at, fill);
        }
        6 if len > 0 => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(64)).min(len);
            input.drain(at..end);
        }
        7 if len > 0 => {
            let cut = rng.below(len);
            input.truncate(cut);
        }
        8 if len > 0 => {
            // Duplicate a range (a list grows by a copy of its own element).
            let at = rng.below(len);
            let end = (at + 1 + rng.below(256)).min(len);
            let copy = input[at..end].to_vec();
            let to = rng.below(input.len() + 1);
            input.splice(to..to, copy);
        }
        _ if !other.is_empty() => {
            // Splice: our head with the other entry's tail.
            let cut = rng.below(len + 1);
            let from = rng.below(other.len());
            input.truncate(cut);
            input.extend_from_slice(&other[from..]);
        }
        _ => {}
    }
}

fn text_once(rng: &mut Rng, input: &mut Vec<u8>) {
    let text = String::from_utf8_lossy(input).into_owned();
    let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
    if lines.is_empty() {
        return;
    }
    let at = rng.below(lines.len());
    match rng.below(5) {
        0 | 1 => {
            // Replace a number (or the first value after `=`/`:`) with an edge value.
            let line = &lines[at];
            let spans = number_spans(line);
            let edge = rng.pick(&EDGE_TEXT).copied().unwrap_or("0");
            if let Some(&(start, end)) = rng.pick(&spans) {
                lines[at] = format!("{}{edge}{}", &line[..start], &line[end..]);
            } else if let Some(eq) = line.find(['=', ':']) {
                lines[at] = format!("{} {edge}", &line[..=eq]);
            }
        }
        2 => {
            lines.remove(at);
        }
        3 => {
            let copy = lines[at].clone();
            lines.insert(at, copy);
        }
        _ => {
            let other = rng.below(lines.len());
            lines.swap(at, other);
        }
    }
    *input = lines.join("\n").into_bytes();
}

/// Byte spans of the runs of ASCII digits in `line`.
fn number_spans(line: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, b) in line.bytes().enumerate() {
        match (b.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, line.len()));
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_are_deterministic_bounded_and_change_things() {
        let seed = b"[chain]\nvalidator_count = 256\nslots = 8\n".to_vec();
        let run = |s: u64| {
            let mut rng = Rng::new(s);
            let mut changed = 0;
            let mut outputs = Vec::new();
            for _ in 0..200 {
                let mut input = seed.clone();
                mutate(&mut rng, Encoding::Text, &mut input, b"other = 1");
                assert!(input.len() <= MAX_INPUT);
                changed += usize::from(input != seed);
                outputs.push(input);
            }
            (changed, outputs)
        };
        let (changed, first) = run(7);
        assert!(changed > 150, "{changed} of 200 changed");
        assert_eq!(run(7).1, first, "same seed, same inputs");
        let packed = snap::raw::Encoder::new().compress_vec(&[7u8; 300]).unwrap();
        let mut rng = Rng::new(1);
        let mut still_snappy = 0;
        for _ in 0..100 {
            let mut input = packed.clone();
            mutate(&mut rng, Encoding::Snappy, &mut input, &packed);
            still_snappy += usize::from(snap::raw::Decoder::new().decompress_vec(&input).is_ok());
        }
        assert!(still_snappy > 50, "structure kept: {still_snappy} of 100");
    }

    #[test]
    fn number_spans_find_every_run() {
        assert_eq!(number_spans("a = 12, b = 3"), vec![(4, 6), (12, 13)]);
        assert_eq!(number_spans("none"), Vec::<(usize, usize)>::new());
    }
}
