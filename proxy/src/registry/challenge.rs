//! `WWW-Authenticate` challenges (RFC 7235), as registries send them.
//!
//! ```text
//! header    := challenge ( "," challenge )*
//! challenge := scheme [ param ( "," param )* ]
//! param     := name "=" ( token | quoted-string )
//! ```
//!
//! Scheme and parameter names are case-insensitive; quoted strings may
//! escape with `\`. Of the schemes, strata uses `Bearer` (with `realm`,
//! `service`, `scope`, and `error` on a refused token) and `Basic`; others
//! are skipped. A header may hold several challenges, and a response
//! several headers; Bearer is preferred when both are offered.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};

/// How a registry wants clients to authenticate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// HTTP Basic with the user name and password.
    Basic {
        /// The realm, for messages.
        realm: Option<String>,
    },
    /// A token from the token service at `realm` (Docker token auth).
    Bearer(BearerChallenge),
}

/// The parameters of a Bearer challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BearerChallenge {
    /// The token service URL.
    pub(crate) realm: String,
    /// The `service` to ask the token service for.
    pub(crate) service: Option<String>,
    /// The scope the registry wanted, if it said.
    pub(crate) scope: Option<String>,
    /// Why a token was refused (`insufficient_scope`, `invalid_token`).
    pub(crate) error: Option<String>,
}

impl Challenge {
    /// The challenge strata should answer from a response's headers:
    /// Bearer if offered (with a realm), else Basic, else `None`.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Option<Challenge> {
        let all: Vec<Challenge> = headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(parse)
            .collect();
        all.iter()
            .find(|c| matches!(c, Challenge::Bearer(_)))
            .or_else(|| all.first())
            .cloned()
    }
}

/// Every Basic or Bearer challenge in one header value, in order.
pub(crate) fn parse(header: &str) -> Vec<Challenge> {
    raw_challenges(header)
        .into_iter()
        .filter_map(|(scheme, mut params)| match scheme.as_str() {
            "basic" => Some(Challenge::Basic {
                realm: params.remove("realm"),
            }),
            "bearer" => Some(Challenge::Bearer(BearerChallenge {
                realm: params.remove("realm").filter(|r| !r.is_empty())?,
                service: params.remove("service"),
                scope: params.remove("scope"),
                error: params.remove("error"),
            })),
            _ => None,
        })
        .collect()
}

/// `(lower-case scheme, lower-case param name → value)` for each challenge.
fn raw_challenges(header: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut cursor = Cursor {
        chars: header.chars().collect(),
        pos: 0,
    };
    let mut out = Vec::new();
    loop {
        cursor.skip(|c| c.is_whitespace() || c == ',');
        let scheme = cursor.token();
        if scheme.is_empty() {
            // Not a token: skip one character so malformed input cannot loop.
            if cursor.next().is_none() {
                break;
            }
            continue;
        }
        let mut params = BTreeMap::new();
        loop {
            let start = cursor.pos;
            cursor.skip(|c| c.is_whitespace() || c == ',');
            let name = cursor.token();
            cursor.skip(char::is_whitespace);
            if name.is_empty() || cursor.peek() != Some('=') {
                // The next scheme (or the end): leave it for the outer loop.
                cursor.pos = start;
                break;
            }
            cursor.next();
            cursor.skip(char::is_whitespace);
            let value = if cursor.peek() == Some('"') {
                cursor.quoted()
            } else {
                cursor.token()
            };
            params.insert(name.to_ascii_lowercase(), value);
        }
        out.push((scheme.to_ascii_lowercase(), params));
    }
    out
}

struct Cursor {
    chars: Vec<char>,
    pos: usize,
}

impl Cursor {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        Some(c)
    }

    fn skip(&mut self, what: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&what) {
            self.pos += 1;
        }
    }

    /// An RFC 7230 token (plus `/` and `:` seen unquoted in the wild, and
    /// token68's trailing `=` is left alone).
    fn token(&mut self) -> String {
        let start = self.pos;
        self.skip(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~/:".contains(c));
        self.chars[start..self.pos].iter().collect()
    }

    /// A quoted string, the cursor on its opening quote; an unterminated
    /// one runs to the end.
    fn quoted(&mut self) -> String {
        self.next();
        let mut out = String::new();
        while let Some(c) = self.next() {
            match c {
                '"' => break,
                '\\' => out.extend(self.next()),
                c => out.push(c),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bearer(
        realm: &str,
        service: Option<&str>,
        scope: Option<&str>,
        error: Option<&str>,
    ) -> Challenge {
        Challenge::Bearer(BearerChallenge {
            realm: realm.into(),
            service: service.map(Into::into),
            scope: scope.map(Into::into),
            error: error.map(Into::into),
        })
    }

    fn basic(realm: Option<&str>) -> Challenge {
        Challenge::Basic {
            realm: realm.map(Into::into),
        }
    }

    #[test]
    fn parses_challenges() {
        let hub = bearer(
            "https://auth.docker.io/token",
            Some("registry.docker.io"),
            Some("repository:library/redis:pull"),
            None,
        );
        #[rustfmt::skip]
        let cases: Vec<(&str, Vec<Challenge>)> = vec![
            (r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull""#, vec![hub.clone()]),
            (r#"bearer  REALM = "https://auth.docker.io/token" , Service="registry.docker.io", scope="repository:library/redis:pull""#, vec![hub]),
            (r#"Bearer realm="http://127.0.0.1:1/token",service="svc""#, vec![bearer("http://127.0.0.1:1/token", Some("svc"), None, None)]),
            (r#"Bearer realm="https://r/token",service="r",scope="repository:a/b:pull",error="insufficient_scope""#,
                vec![bearer("https://r/token", Some("r"), Some("repository:a/b:pull"), Some("insufficient_scope"))]),
            (r#"Bearer realm="https://r/token",scope="repository:a/b:pull repository:c:pull""#,
                vec![bearer("https://r/token", None, Some("repository:a/b:pull repository:c:pull"), None)]),
            (r#"Basic realm="Registry Realm""#, vec![basic(Some("Registry Realm"))]),
            (r#"Basic realm=strata-test"#, vec![basic(Some("strata-test"))]),
            ("Basic", vec![basic(None)]),
            (r#"Basic realm="a \"quoted\" realm""#, vec![basic(Some(r#"a "quoted" realm"#))]),
            (r#"Basic realm="x", Bearer realm="https://r/token", service="s""#,
                vec![basic(Some("x")), bearer("https://r/token", Some("s"), None, None)]),
            (r#"Negotiate abc==, Basic realm="x""#, vec![basic(Some("x"))]),
            (r#"Bearer service="no realm""#, vec![]),
            (r#"Bearer realm="""#, vec![]),
            (r#"Bearer realm="unterminated"#, vec![bearer("unterminated", None, None, None)]),
            ("", vec![]),
            (",,, ,", vec![]),
            ("=\"\" \u{1F600}", vec![]),
        ];
        for (header, want) in cases {
            assert_eq!(parse(header), want, "{header}");
        }
    }

    #[test]
    fn prefers_bearer_across_headers() {
        let mut headers = HeaderMap::new();
        assert_eq!(Challenge::from_headers(&headers), None);
        headers.append(
            WWW_AUTHENTICATE,
            "Basic realm=\"b\"".parse().expect("header"),
        );
        assert_eq!(Challenge::from_headers(&headers), Some(basic(Some("b"))));
        headers.append(
            WWW_AUTHENTICATE,
            "Bearer realm=\"https://t/\"".parse().expect("header"),
        );
        assert_eq!(
            Challenge::from_headers(&headers),
            Some(bearer("https://t/", None, None, None))
        );
    }
}
