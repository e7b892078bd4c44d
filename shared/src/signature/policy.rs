//! What a signature must satisfy: a key, or a certificate identity and
//! OIDC issuer. The policy travels in the link, so the recipient's browser
//! checks what the sender meant:
//!
//! - `?key=<URL-safe base64 of the DER public key>`;
//! - `?identity=<SAN>&issuer=<issuer URL>`, exact values, or
//!   `identity-regexp=` / `issuer-regexp=` (cosign's
//!   `--certificate-identity-regexp`), which must match the whole value.

use super::public_key::{KeyError, PublicKey};

/// A value to match exactly or by a regular expression.
#[derive(Debug, Clone)]
pub enum Matcher {
    /// This exact value.
    Exact(String),
    /// A regular expression the whole value must match.
    Regexp(String, regex_lite::Regex),
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Matcher) -> bool {
        match (self, other) {
            (Matcher::Exact(a), Matcher::Exact(b)) => a == b,
            (Matcher::Regexp(a, _), Matcher::Regexp(b, _)) => a == b,
            _ => false,
        }
    }
}

impl Eq for Matcher {}

impl Matcher {
    /// An exact matcher.
    pub fn exact(value: impl Into<String>) -> Matcher {
        Matcher::Exact(value.into())
    }

    /// A regular-expression matcher, anchored at both ends.
    pub fn regexp(pattern: &str) -> Result<Matcher, PolicyError> {
        // The pattern must stand alone, so it cannot close the anchoring
        // group (`a)|(.*` would otherwise match anything).
        regex_lite::Regex::new(pattern)
            .map_err(|e| PolicyError::BadRegexp(pattern.to_owned(), e.to_string()))?;
        regex_lite::Regex::new(&format!("^(?:{pattern})$"))
            .map(|re| Matcher::Regexp(pattern.to_owned(), re))
            .map_err(|e| PolicyError::BadRegexp(pattern.to_owned(), e.to_string()))
    }

    /// Whether `value` matches.
    pub fn matches(&self, value: &str) -> bool {
        match self {
            Matcher::Exact(v) => v == value,
            Matcher::Regexp(_, re) => re.is_match(value),
        }
    }

    /// How a verdict shows it: the value, or `/pattern/`.
    pub fn describe(&self) -> String {
        match self {
            Matcher::Exact(v) => v.clone(),
            Matcher::Regexp(p, _) => format!("/{p}/"),
        }
    }
}

/// What a signature must satisfy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Policy {
    /// Signed by this key.
    Key(PublicKey),
    /// Signed keylessly by a certificate for this identity and issuer.
    Identity {
        /// The certificate's subject alternative name (email or URI).
        identity: Matcher,
        /// The OIDC issuer recorded in the certificate.
        issuer: Matcher,
    },
}

/// A policy that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    /// A `key=` that is not a key.
    #[error("the link's key is not usable: {0}")]
    Key(#[from] KeyError),
    /// A regular expression that does not compile.
    #[error("the pattern /{0}/ is not a regular expression: {1}")]
    BadRegexp(String, String),
    /// An identity without an issuer, or the other way round.
    #[error(
        "a keyless policy needs both an identity and an issuer (identity= and issuer=, or their -regexp forms)"
    )]
    Incomplete,
    /// Both a key and an identity, or one field twice.
    #[error(
        "give either a key or an identity and issuer, each once (not both, and not both the exact and the -regexp form)"
    )]
    Ambiguous,
}

impl Policy {
    /// The policy in a link's query pairs, or `None` when it names none.
    pub fn from_query<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Option<Policy>, PolicyError> {
        let (mut key, mut identity, mut issuer) = (None, None, None);
        // Each field once, in one form: a link naming two would say one
        // thing and check another.
        let set = |slot: &mut Option<Matcher>, m: Matcher| {
            if slot.replace(m).is_some() {
                Err(PolicyError::Ambiguous)
            } else {
                Ok(())
            }
        };
        for (name, value) in pairs {
            match name {
                "key" if key.replace(PublicKey::from_link(value)?).is_some() => {
                    return Err(PolicyError::Ambiguous);
                }
                "identity" => set(&mut identity, Matcher::exact(value))?,
                "identity-regexp" => set(&mut identity, Matcher::regexp(value)?)?,
                "issuer" => set(&mut issuer, Matcher::exact(value))?,
                "issuer-regexp" => set(&mut issuer, Matcher::regexp(value)?)?,
                _ => {}
            }
        }
        match (key, identity, issuer) {
            (None, None, None) => Ok(None),
            (Some(key), None, None) => Ok(Some(Policy::Key(key))),
            (Some(_), _, _) => Err(PolicyError::Ambiguous),
            (None, Some(identity), Some(issuer)) => Ok(Some(Policy::Identity { identity, issuer })),
            _ => Err(PolicyError::Incomplete),
        }
    }

    /// The query pairs that carry this policy in a link.
    pub fn to_query(&self) -> Vec<(&'static str, String)> {
        let pair = |exact: &'static str, regexp: &'static str, m: &Matcher| match m {
            Matcher::Exact(v) => (exact, v.clone()),
            Matcher::Regexp(p, _) => (regexp, p.clone()),
        };
        match self {
            Policy::Key(key) => vec![("key", key.to_link())],
            Policy::Identity { identity, issuer } => vec![
                pair("identity", "identity-regexp", identity),
                pair("issuer", "issuer-regexp", issuer),
            ],
        }
    }

    /// One line: `key sha256:…` or `identity … issued by …`.
    pub fn describe(&self) -> String {
        match self {
            Policy::Key(key) => format!("{} key {}", key.algorithm(), key.fingerprint()),
            Policy::Identity { identity, issuer } => format!(
                "identity {} from issuer {}",
                identity.describe(),
                issuer.describe()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn a_key_policy_round_trips_through_a_link() {
        let key = PublicKey::parse(include_bytes!("testdata/p256.pub")).expect("key");
        let policy = Policy::Key(key);
        let query = policy.to_query();
        let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(Policy::from_query(pairs).expect("parse"), Some(policy));
    }

    #[test]
    fn identity_patterns_match_the_whole_value() {
        let policy = Policy::from_query([
            ("identity-regexp", "https://github.com/acme/.*"),
            ("issuer", "https://token.actions.githubusercontent.com"),
        ])
        .expect("parse")
        .expect("some");
        let Policy::Identity { identity, issuer } = &policy else {
            panic!("identity policy")
        };
        assert!(
            identity.matches(
                "https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main"
            )
        );
        assert!(!identity.matches("https://evil.example/https://github.com/acme/x"));
        assert!(issuer.matches("https://token.actions.githubusercontent.com"));
        assert!(!issuer.matches("https://token.actions.githubusercontent.com.evil"));
        let query = policy.to_query();
        let pairs: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(Policy::from_query(pairs).expect("again"), Some(policy));
    }

    #[test]
    fn incomplete_and_ambiguous_policies_are_refused() {
        assert_eq!(Policy::from_query([("x", "y")]).expect("none"), None);
        assert_eq!(
            Policy::from_query([("identity", "a@b")]).expect_err("no issuer"),
            PolicyError::Incomplete
        );
        assert!(matches!(
            Policy::from_query([("identity-regexp", "(")]),
            Err(PolicyError::BadRegexp(..))
        ));
        assert!(matches!(
            Policy::from_query([("key", "!!")]),
            Err(PolicyError::Key(_))
        ));
        assert_eq!(
            Policy::from_query([
                ("identity", "a@b"),
                ("identity-regexp", ".*"),
                ("issuer", "https://i")
            ])
            .expect_err("two identities"),
            PolicyError::Ambiguous
        );
    }

    #[test]
    fn a_pattern_cannot_break_out_of_its_anchors() {
        // Wrapped blindly, this would be ^(?:https://github\.com/acme/.*)|(.*)$.
        assert!(matches!(
            Matcher::regexp(r"https://github\.com/acme/.*)|(.*"),
            Err(PolicyError::BadRegexp(..))
        ));
        let m = Matcher::regexp(r"a|b").expect("alternation");
        assert!(m.matches("a") && m.matches("b") && !m.matches("ab") && !m.matches("xa"));
    }
}
