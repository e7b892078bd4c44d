//! [`Secret`]: a password or token that never prints.

use std::fmt;

/// A password, identity token or bearer token.
///
/// `Debug` and `Display` print `<redacted>`, so a secret inside any struct,
/// error or log line stays hidden. [`Secret::expose`] is the one way to read
/// it, and is called only where the value goes on the wire or to disk.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The secret value, for the request header or file that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the value is empty (an empty secret counts as none).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints() {
        let secret = Secret::new("correct-horse");
        let cases = [
            format!("{secret}"),
            format!("{secret:?}"),
            format!("{:?}", Some(&secret)),
            format!("{:#?}", vec![secret.clone()]),
        ];
        for printed in cases {
            assert!(!printed.contains("correct-horse"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
        assert_eq!(secret.expose(), "correct-horse");
    }
}
