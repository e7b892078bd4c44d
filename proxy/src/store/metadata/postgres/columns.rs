//! Column conversions, as SQLite's (`sqlite/columns.rs`): digests, image
//! IDs and tags as their string form, repositories as canonical names,
//! times as RFC 3339 text (UTC) plus Unix nanoseconds for ordering,
//! labels as JSON text, sizes as `BIGINT`. A value that does not read
//! back is a damaged store ([`StoreError::Corrupt`]).

use postgres::Row;
use shared::digest::Digest;
use shared::media_type::MediaType;
use shared::platform::Platform;
use time::OffsetDateTime;

use crate::store::StoreError;
use crate::store::metadata::times;
use crate::store::record::{BlobRef, ImageId, LayerRecord};

pub(super) use crate::store::metadata::times::{format_time, time_nanos};

/// Reads columns of one row, naming the database in its errors.
pub(super) struct Columns<'a> {
    row: &'a Row,
    database: &'a str,
}

impl<'a> Columns<'a> {
    /// The columns of `row`, from database `database`.
    pub(super) fn new(row: &'a Row, database: &'a str) -> Columns<'a> {
        Columns { row, database }
    }

    /// The store-is-damaged error for column `idx`.
    pub(super) fn corrupt(&self, idx: usize, problem: impl std::fmt::Display) -> StoreError {
        let column = self.row.columns().get(idx).map_or("?", |c| c.name());
        super::corrupt(self.database, format!("column {column}: {problem}"))
    }

    /// The value of column `idx` as PostgreSQL's type maps it.
    pub(super) fn get<T>(&self, idx: usize) -> Result<T, StoreError>
    where
        T: for<'r> postgres::types::FromSql<'r>,
    {
        self.row.try_get(idx).map_err(|e| self.corrupt(idx, e))
    }

    /// The text in column `idx`, parsed.
    pub(super) fn parsed<T>(&self, idx: usize) -> Result<T, StoreError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let text: String = self.get(idx)?;
        text.parse().map_err(|e| self.corrupt(idx, e))
    }

    /// The optional text in column `idx`, parsed.
    pub(super) fn parsed_opt<T>(&self, idx: usize) -> Result<Option<T>, StoreError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let text: Option<String> = self.get(idx)?;
        text.map(|t| t.parse().map_err(|e| self.corrupt(idx, e)))
            .transpose()
    }

    /// The digest in column `idx`.
    pub(super) fn digest(&self, idx: usize) -> Result<Digest, StoreError> {
        self.parsed(idx)
    }

    /// The image ID in column `idx`.
    pub(super) fn image_id(&self, idx: usize) -> Result<ImageId, StoreError> {
        self.digest(idx).map(ImageId::new)
    }

    /// The size (`BIGINT`, never negative when written) in column `idx`.
    pub(super) fn size(&self, idx: usize) -> Result<u64, StoreError> {
        let size: i64 = self.get(idx)?;
        u64::try_from(size).map_err(|e| self.corrupt(idx, e))
    }

    /// The optional size in column `idx`.
    pub(super) fn size_opt(&self, idx: usize) -> Result<Option<u64>, StoreError> {
        let size: Option<i64> = self.get(idx)?;
        size.map(|s| u64::try_from(s).map_err(|e| self.corrupt(idx, e)))
            .transpose()
    }

    /// The time in column `idx`.
    pub(super) fn time(&self, idx: usize) -> Result<OffsetDateTime, StoreError> {
        let text: String = self.get(idx)?;
        times::parse_time(&text).map_err(|e| self.corrupt(idx, e))
    }

    /// The optional time in column `idx`.
    pub(super) fn time_opt(&self, idx: usize) -> Result<Option<OffsetDateTime>, StoreError> {
        let text: Option<String> = self.get(idx)?;
        text.map(|t| times::parse_time(&t).map_err(|e| self.corrupt(idx, e)))
            .transpose()
    }

    /// The JSON text in column `idx`, decoded.
    pub(super) fn json<T: serde::de::DeserializeOwned>(&self, idx: usize) -> Result<T, StoreError> {
        let text: String = self.get(idx)?;
        serde_json::from_str(&text).map_err(|e| self.corrupt(idx, e))
    }

    /// The text array in column `idx`, each element parsed.
    pub(super) fn parsed_list<T>(&self, idx: usize) -> Result<Vec<T>, StoreError>
    where
        T: std::str::FromStr,
        T::Err: std::fmt::Display,
    {
        let texts: Vec<String> = self.get(idx)?;
        texts
            .iter()
            .map(|t| t.parse().map_err(|e| self.corrupt(idx, e)))
            .collect()
    }

    /// OS, architecture, variant in columns `idx..idx + 3`.
    pub(super) fn platform(&self, idx: usize) -> Result<Platform, StoreError> {
        let os: String = self.get(idx)?;
        let architecture: String = self.get(idx + 1)?;
        let variant: Option<String> = self.get(idx + 2)?;
        let platform = Platform::new(&os, &architecture);
        Ok(match variant {
            Some(v) => platform.with_variant(&v),
            None => platform,
        })
    }

    /// A layer: digest, size, media type and diff_id in columns
    /// `idx..idx + 4` (a diff_id that does not parse is unknown, as in
    /// SQLite); its unpacked size unknown.
    pub(super) fn layer(&self, idx: usize) -> Result<LayerRecord, StoreError> {
        let diff_id: Option<String> = self.get(idx + 3)?;
        Ok(LayerRecord {
            digest: self.digest(idx)?,
            size: self.size(idx + 1)?,
            media_type: MediaType::parse(&self.get::<String>(idx + 2)?),
            diff_id: diff_id.and_then(|d| d.parse().ok()),
            unpacked_size: None,
        })
    }

    /// Digest, size and media type in columns `idx..idx + 3`.
    pub(super) fn blob(&self, idx: usize) -> Result<BlobRef, StoreError> {
        Ok(BlobRef {
            digest: self.digest(idx)?,
            size: self.size(idx + 1)?,
            media_type: MediaType::parse(&self.get::<String>(idx + 2)?),
        })
    }
}

/// A size as a `BIGINT` (saturated; sizes past 8 EiB do not occur).
pub(super) fn size_column(size: u64) -> i64 {
    i64::try_from(size).unwrap_or(i64::MAX)
}
