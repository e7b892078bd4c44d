//! Opening the store every command works on, from the global flags:
//! `--store DIR` (`STRATA_STORE`; default [`crate::paths`]) for the
//! folder (database, locks, and the blobs unless said otherwise),
//! `--min-free-space`, and `--blob-store s3://BUCKET[/PREFIX]`
//! (`STRATA_BLOB_STORE`) with `--s3-endpoint URL` to keep the blobs in
//! S3-compatible object storage instead (credentials and defaults:
//! [`S3Config`]), and `--database postgres://…` (`STRATA_DATABASE_URL`)
//! to keep the metadata in PostgreSQL instead of the folder's SQLite file.

use std::path::PathBuf;

use crate::store::content::s3::{BlobStoreUrl, S3Config};
use crate::store::metadata::{DatabaseUrl, Metadata, PostgresMetadata};
use crate::store::{Content, S3Content, Store};

/// Where the store is, as the global flags say.
#[derive(Debug, Clone)]
pub struct StoreArgs {
    /// `--store`.
    pub dir: Option<PathBuf>,
    /// `--min-free-space`.
    pub keep_free: u64,
    /// `--blob-store`.
    pub blob_store: Option<BlobStoreUrl>,
    /// `--s3-endpoint`.
    pub s3_endpoint: Option<String>,
    /// `--database`.
    pub database: Option<DatabaseUrl>,
}

impl StoreArgs {
    /// The store folder from `--store`/`STRATA_STORE` or the default.
    pub fn dir(&self) -> Result<PathBuf, String> {
        self.dir.clone().or_else(crate::paths::default_store_dir).ok_or_else(|| {
            "cannot choose a store folder: neither XDG_DATA_HOME nor HOME is set; pass --store DIR or set STRATA_STORE".to_owned()
        })
    }

    /// Opens the store, with its blobs where `--blob-store` says.
    pub fn open(&self) -> Result<Store, String> {
        let dir = self.dir()?;
        let cannot = |e: String| format!("cannot open the store at {}: {e}", dir.display());
        let content = match &self.blob_store {
            None => None,
            Some(location) => {
                let config = S3Config::from_env(location.clone(), self.s3_endpoint.clone(), |v| {
                    std::env::var(v).ok()
                })
                .map_err(|e| e.to_string())?;
                let content = S3Content::open(&dir, &config).map_err(|e| cannot(e.to_string()))?;
                Some(Content::S3(content))
            }
        };
        let metadata = match &self.database {
            None => None,
            Some(url) => Some(Box::new(
                PostgresMetadata::open(url.expose())
                    .map_err(|e| format!("cannot open the metadata database: {e}"))?,
            ) as Box<dyn Metadata>),
        };
        let store =
            Store::with_parts(&dir, content, metadata).map_err(|e| cannot(e.to_string()))?;
        store.content().keep_free(self.keep_free);
        Ok(store)
    }
}
