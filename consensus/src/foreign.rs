//! [`Foreign`]: a third-party library's error carried inside this project's error types.
//!
//! The project's errors are `Clone + PartialEq + Eq` (tests compare them, verdicts copy them),
//! but some libraries' errors are neither (redb's, snap's). `Foreign<E>` holds such an error
//! behind an `Arc`, displays it as the library does, exposes it as `source()`, and counts two
//! as equal when they say the same thing. The error itself is kept, not its text.

use std::fmt;
use std::sync::Arc;

/// A library's error `E`, shared. See the module documentation.
pub struct Foreign<E>(Arc<E>);

impl<E> Foreign<E> {
    pub fn new(error: E) -> Self {
        Self(Arc::new(error))
    }

    /// The library's error.
    pub fn get(&self) -> &E {
        &self.0
    }
}

impl<E> Clone for Foreign<E> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<E: fmt::Display> PartialEq for Foreign<E> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}

impl<E: fmt::Display> Eq for Foreign<E> {}

impl<E: fmt::Debug> fmt::Debug for Foreign<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: fmt::Display> fmt::Display for Foreign<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl<E: std::error::Error + 'static> std::error::Error for Foreign<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(self.0.as_ref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_when_the_same_error_is_said() {
        let a = Foreign::new(std::fmt::Error);
        assert_eq!(a, a.clone());
        assert_eq!(a, Foreign::new(std::fmt::Error));
        let io = |text: &str| Foreign::new(std::io::Error::other(text.to_string()));
        assert_eq!(io("disk full"), io("disk full"));
        assert_ne!(io("disk full"), io("disk gone"));
        assert_eq!(io("disk full").to_string(), "disk full");
    }
}
