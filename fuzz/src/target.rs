//! What a fuzz target is: a name, how its inputs are encoded (so the mutator can reach inside
//! them), and a function from bytes to a verdict that must never panic.

/// How a target's inputs are built, for the mutator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// Plain bytes (SSZ, a frame header and body, a stored record).
    Bytes,
    /// A raw snappy block around SSZ (every gossip message, request and response).
    Snappy,
    /// Text (TOML, JSON, an HTTP request line and body).
    Text,
}

/// What a target made of one input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Decoded (and, where the target goes further, accepted).
    Accepted,
    /// Refused with a typed error; the string is the error's class (its variant or its message
    /// with the numbers taken out), which the runner counts and uses as feedback.
    Refused(String),
    /// Not a panic, but a wrong answer the target can see itself (an HTTP 500, a decode that
    /// does not round-trip): a finding, with what was wrong.
    Wrong(String),
}

/// One fuzz target.
#[derive(Clone, Copy)]
pub struct Target {
    pub name: &'static str,
    pub encoding: Encoding,
    pub run: fn(&[u8]) -> Verdict,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target")
            .field("name", &self.name)
            .field("encoding", &self.encoding)
            .finish()
    }
}

/// The class of an error message: its text with every run of digits replaced by `#`, every
/// quoted or back-quoted part by `"…"` (parsers quote the input back), and cut at 160
/// characters (long enough to pass a type path such as `consensus::containers::…`), so the
/// same rule on other values is one class.
pub fn class_of(message: &str) -> String {
    let mut out = String::with_capacity(160);
    let mut in_digits = false;
    let mut quote: Option<char> = None;
    for c in message.chars() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        if c == '"' || c == '`' {
            quote = Some(c);
            out.push_str("\"…\"");
            in_digits = false;
        } else if c.is_ascii_digit() {
            if !in_digits {
                out.push('#');
            }
            in_digits = true;
        } else {
            out.push(c);
            in_digits = false;
        }
        if out.len() >= 160 {
            break;
        }
    }
    out
}

/// A refusal of `error`, classed by [`class_of`]; a decoder panic that `sszx::decode` caught
/// without recognising it (`SszFailure::DecoderPanic`) is a finding, not a refusal.
pub fn refused(error: impl std::fmt::Display) -> Verdict {
    let text = error.to_string();
    if text.contains("the SSZ decoder panicked") {
        return Verdict::Wrong(text);
    }
    Verdict::Refused(class_of(&text))
}

#[cfg(test)]
mod tests {
    use super::class_of;

    #[test]
    fn classes_ignore_numbers() {
        assert_eq!(
            class_of("message of 12 bytes exceeds the 4096-byte limit"),
            class_of("message of 99999 bytes exceeds the 8-byte limit")
        );
        assert_ne!(class_of("a"), class_of("b"));
        assert_eq!(
            class_of("unknown key `foo` at line 3"),
            class_of("unknown key `barbaz` at line 12")
        );
    }
}
