//! [`S3Config`]: where the blobs live and how to sign for them.
//!
//! # Grammar
//! `--blob-store s3://BUCKET[/PREFIX]` (`STRATA_BLOB_STORE`). `BUCKET` is
//! an S3 bucket name (3 to 63 of `a-z 0-9 . -`); `PREFIX` is any key
//! prefix without a leading or trailing `/`, and every key strata writes
//! starts with `PREFIX/` (`blobs/sha256/<hex>`, `ingest/…`).
//!
//! # Defaults
//! - Credentials: `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, both
//!   required. Nothing else is consulted: no instance metadata (IMDS), no
//!   profile files, no web identity, so a machine off AWS never sends a
//!   request to `169.254.169.254`.
//! - Region: `AWS_REGION`, else `us-east-1` (what S3-compatible servers
//!   expect when they ignore the region).
//! - Endpoint: `--s3-endpoint URL`, else `AWS_ENDPOINT_URL`, else AWS
//!   itself (`https://s3.<region>.amazonaws.com`). A non-AWS endpoint is
//!   addressed path-style (`http://host:port/BUCKET/KEY`); `http://`
//!   endpoints are allowed (a server on loopback).

use std::fmt;
use std::str::FromStr;

/// A `--blob-store` value that is not `s3://BUCKET[/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid --blob-store {value:?}: {reason} (expected s3://BUCKET[/PREFIX])")]
pub struct InvalidBlobStore {
    /// The value given.
    pub value: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// The bucket and key prefix of `--blob-store s3://BUCKET[/PREFIX]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobStoreUrl {
    bucket: String,
    prefix: String,
}

impl BlobStoreUrl {
    /// The bucket.
    pub fn bucket(&self) -> &str {
        &self.bucket
    }

    /// The key prefix, empty for none; never starts or ends with `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }
}

impl FromStr for BlobStoreUrl {
    type Err = InvalidBlobStore;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        let invalid = |reason| InvalidBlobStore {
            value: value.to_owned(),
            reason,
        };
        let rest = value
            .strip_prefix("s3://")
            .ok_or_else(|| invalid("only s3:// is supported"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        let prefix = prefix.trim_end_matches('/');
        if !(3..=63).contains(&bucket.len()) {
            return Err(invalid("a bucket name has 3 to 63 characters"));
        }
        if !bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            return Err(invalid("a bucket name holds only a-z, 0-9, '.' and '-'"));
        }
        if prefix.starts_with('/') || prefix.split('/').any(|part| part == "." || part == "..") {
            return Err(invalid(
                "the prefix may not start with '/' or hold '.' or '..'",
            ));
        }
        Ok(BlobStoreUrl {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }
}

impl fmt::Display for BlobStoreUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.prefix.as_str() {
            "" => write!(f, "s3://{}", self.bucket),
            prefix => write!(f, "s3://{}/{prefix}", self.bucket),
        }
    }
}

/// Everything [`S3Content`](super::S3Content) needs to reach its bucket.
/// The secret prints as `<redacted>`.
#[derive(Clone)]
pub struct S3Config {
    /// Bucket and prefix.
    pub location: BlobStoreUrl,
    /// The server; `None` is AWS itself.
    pub endpoint: Option<String>,
    /// The signing region.
    pub region: String,
    /// `AWS_ACCESS_KEY_ID`.
    pub access_key_id: String,
    /// `AWS_SECRET_ACCESS_KEY`.
    pub secret_access_key: String,
}

impl fmt::Debug for S3Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Config")
            .field("location", &self.location.to_string())
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// A missing credential, as the user should read it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("--blob-store {location} needs {variable} in the environment")]
pub struct MissingCredential {
    /// The store asked for.
    pub location: String,
    /// The variable that is not set.
    pub variable: &'static str,
}

impl S3Config {
    /// The configuration for `location`, from `endpoint` (`--s3-endpoint`)
    /// and the `AWS_*` variables `env` returns, by the defaults above.
    pub fn from_env(
        location: BlobStoreUrl,
        endpoint: Option<String>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<S3Config, MissingCredential> {
        let set = |name: &str| env(name).filter(|v| !v.is_empty());
        let required = |variable: &'static str| {
            set(variable).ok_or_else(|| MissingCredential {
                location: location.to_string(),
                variable,
            })
        };
        Ok(S3Config {
            access_key_id: required("AWS_ACCESS_KEY_ID")?,
            secret_access_key: required("AWS_SECRET_ACCESS_KEY")?,
            region: set("AWS_REGION").unwrap_or_else(|| "us-east-1".to_owned()),
            endpoint: endpoint
                .filter(|e| !e.is_empty())
                .or_else(|| set("AWS_ENDPOINT_URL")),
            location,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_store_urls() {
        #[rustfmt::skip]
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("s3://blobs", Some(("blobs", ""))),
            ("s3://blobs/", Some(("blobs", ""))),
            ("s3://my-bucket.eu/strata/prod", Some(("my-bucket.eu", "strata/prod"))),
            ("s3://my-bucket/strata/", Some(("my-bucket", "strata"))),
            ("s3://ab", None),
            ("s3://Upper", None),
            ("s3://under_score", None),
            ("gs://bucket", None),
            ("bucket", None),
            ("s3:///prefix", None),
            ("s3://bucket//x", None),
            ("s3://bucket/../x", None),
        ];
        for (value, want) in cases {
            let got = value.parse::<BlobStoreUrl>();
            match want {
                Some((bucket, prefix)) => {
                    let url = got.unwrap_or_else(|e| panic!("{value}: {e}"));
                    assert_eq!((url.bucket(), url.prefix()), (*bucket, *prefix), "{value}");
                }
                None => assert!(got.is_err(), "{value} should be refused: {got:?}"),
            }
        }
    }

    #[test]
    fn credentials_and_defaults_come_from_the_environment() {
        let location: BlobStoreUrl = "s3://bucket/p".parse().expect("url");
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        let keys = &[
            ("AWS_ACCESS_KEY_ID", "id"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
        ];
        let config = S3Config::from_env(location.clone(), None, env(keys)).expect("config");
        assert_eq!(config.region, "us-east-1");
        assert_eq!(config.endpoint, None);
        assert!(!format!("{config:?}").contains("s3cr3t"), "{config:?}");

        let all = &[
            ("AWS_ACCESS_KEY_ID", "id"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9000"),
        ];
        let config = S3Config::from_env(location.clone(), None, env(all)).expect("config");
        assert_eq!(config.endpoint.as_deref(), Some("http://127.0.0.1:9000"));
        assert_eq!(config.region, "eu-west-1");
        let flag = Some("http://127.0.0.1:8333".to_owned());
        let config = S3Config::from_env(location.clone(), flag, env(all)).expect("config");
        assert_eq!(config.endpoint.as_deref(), Some("http://127.0.0.1:8333"));

        let err = S3Config::from_env(location, None, env(&[("AWS_ACCESS_KEY_ID", "id")]))
            .expect_err("no secret");
        assert_eq!(err.variable, "AWS_SECRET_ACCESS_KEY");
        assert!(err.to_string().contains("s3://bucket/p"), "{err}");
    }
}
