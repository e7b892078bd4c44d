//! [`DatabaseUrl`]: a PostgreSQL URL, `postgres://USER[:PASS]@HOST:PORT/DB`,
//! whose password never prints: `Debug` and `Display` show
//! `postgres://USER:<redacted>@HOST:PORT/DB`.

use std::fmt;
use std::str::FromStr;

/// A PostgreSQL URL as given (`--database`, `STRATA_DATABASE_URL`).
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL itself, password included: for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for DatabaseUrl {
    type Err = String;

    /// Accepts `postgres://` and `postgresql://` URLs that PostgreSQL's
    /// client reads.
    fn from_str(url: &str) -> Result<DatabaseUrl, String> {
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(format!(
                "{}: give postgres://USER[:PASS]@HOST:PORT/DB",
                redact(url)
            ));
        }
        url.parse::<postgres::Config>()
            .map_err(|e| format!("{}: {e}", redact(url)))?;
        Ok(DatabaseUrl(url.to_owned()))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", redact(&self.0))
    }
}

/// `url` with its password, if any, replaced by `<redacted>`.
pub(super) fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let Some((user_info, host)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match user_info.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:<redacted>@{host}{path}"),
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_are_redacted() {
        let cases = [
            (
                "postgres://u:secret@h:5432/db",
                "postgres://u:<redacted>@h:5432/db",
            ),
            ("postgres://u@h:5432/db", "postgres://u@h:5432/db"),
            ("postgres://h/db", "postgres://h/db"),
            ("postgres://u:p@ss@h/db", "postgres://u:<redacted>@h/db"),
            ("host=h user=u", "host=h user=u"),
        ];
        for (url, want) in cases {
            assert_eq!(redact(url), want, "{url}");
        }
    }

    #[test]
    fn urls_parse_and_never_print_their_password() {
        let url: DatabaseUrl = "postgres://u:secret@127.0.0.1:5432/strata"
            .parse()
            .expect("url");
        assert_eq!(url.expose(), "postgres://u:secret@127.0.0.1:5432/strata");
        assert_eq!(
            url.to_string(),
            "postgres://u:<redacted>@127.0.0.1:5432/strata"
        );
        assert!(!format!("{url:?}").contains("secret"));
        let refused = [
            ("mysql://u:secret@h/db", "give postgres://"),
            (
                "postgres://u:secret@h:notaport/db",
                "postgres://u:<redacted>@h:notaport/db",
            ),
        ];
        for (input, want) in refused {
            let err = input.parse::<DatabaseUrl>().expect_err(input);
            assert!(
                err.contains(want) && !err.contains("secret"),
                "{input}: {err}"
            );
        }
    }
}
