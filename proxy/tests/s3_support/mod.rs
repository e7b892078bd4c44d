//! Opening an [`S3Content`] on the test process's SeaweedFS
//! (`test_support::s3`), keyed by a local folder as the local backend is:
//! the folder holds the writer locks, and a file `s3-store` naming the
//! endpoint and bucket, so that another handle, or a child process, on
//! the same folder reaches the same bucket. Each folder gets its own
//! bucket, and keys go under the prefix `strata/`.

use std::path::Path;

use shared::digest::Digest;
use strata::store::content::s3::S3Config;
use strata::store::{Manager, S3Content};
use test_support::s3::{ACCESS_KEY, REGION, S3, SECRET_KEY};

/// The file in a store folder that names its endpoint and bucket.
const MARKER: &str = "s3-store";

/// The configuration for the bucket of `dir`, creating the bucket on
/// first use (only in the process that owns the server).
pub fn config(dir: &Path) -> S3Config {
    let marker = dir.join(MARKER);
    let (endpoint, bucket) = match std::fs::read_to_string(&marker) {
        Ok(text) => {
            let (endpoint, bucket) = text.trim().split_once(' ').expect("endpoint bucket");
            (endpoint.to_owned(), bucket.to_owned())
        }
        Err(_) => {
            let s3 = S3::shared();
            let path = dir.to_string_lossy();
            let bucket = format!("t-{}", &Digest::sha256_of(path.as_bytes()).encoded()[..20]);
            s3.create_bucket(&bucket).expect("bucket");
            std::fs::write(&marker, format!("{} {bucket}", s3.endpoint())).expect("marker");
            (s3.endpoint(), bucket)
        }
    };
    with_keys(&endpoint, &bucket, ACCESS_KEY, SECRET_KEY)
}

/// A configuration for `bucket` at `endpoint` with these keys.
pub fn with_keys(endpoint: &str, bucket: &str, access: &str, secret: &str) -> S3Config {
    S3Config {
        location: format!("s3://{bucket}/strata").parse().expect("location"),
        endpoint: Some(endpoint.to_owned()),
        region: REGION.to_owned(),
        access_key_id: access.to_owned(),
        secret_access_key: secret.to_owned(),
    }
}

/// The S3 store of `dir`.
pub fn open(dir: &Path) -> S3Content {
    S3Content::open(dir, &config(dir)).expect("open the S3 store")
}

/// The digests of the verified blobs in `config`'s bucket, as a handle
/// of the caller's own (on a temporary folder) lists them.
pub fn blob_digests(config: &S3Config) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tmp");
    let content = S3Content::open(dir.path(), config).expect("open the bucket");
    content
        .list()
        .expect("list")
        .into_iter()
        .map(|b| b.digest.to_string())
        .collect()
}
