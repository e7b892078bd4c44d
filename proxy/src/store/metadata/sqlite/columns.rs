//! Column conversions: digests, image IDs and tags are stored as their
//! string form (`sha256:…`), repositories as canonical names
//! (`docker.io/library/redis`), times as RFC 3339 text (UTC) plus Unix
//! nanoseconds for ordering, lists and labels as JSON text.

use rusqlite::Row;
use rusqlite::types::Type;
use shared::digest::Digest;
use shared::platform::Platform;
use shared::reference::Tag;
use time::OffsetDateTime;

use crate::store::ImageId;
use crate::store::metadata::{Named, RepoName, times};

pub(super) use crate::store::metadata::times::{format_time, time_nanos};

/// The value in column `idx`, parsed from its text.
fn parsed_at<T>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::error::Error + Send + Sync + 'static,
{
    let text: String = row.get(idx)?;
    text.parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// The digest in column `idx`.
pub(super) fn digest_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Digest> {
    parsed_at(row, idx)
}

/// The image ID in column `idx`.
pub(super) fn image_id_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<ImageId> {
    digest_at(row, idx).map(ImageId::new)
}

/// The repository name in column `idx` and the tag in `idx + 1`.
pub(super) fn tag_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Named> {
    Ok(Named::Tag {
        name: RepoName::from_canonical(row.get(idx)?),
        tag: parsed_at::<Tag>(row, idx + 1)?,
    })
}

/// The repository name in column `idx` and the digest in `idx + 1`.
pub(super) fn repo_digest_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Named> {
    Ok(Named::Digest {
        name: RepoName::from_canonical(row.get(idx)?),
        digest: digest_at(row, idx + 1)?,
    })
}

/// The JSON text in column `idx`, decoded.
pub(super) fn json_at<T: serde::de::DeserializeOwned>(
    row: &Row<'_>,
    idx: usize,
) -> rusqlite::Result<T> {
    let text: String = row.get(idx)?;
    serde_json::from_str(&text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// The optional time in column `idx`.
pub(super) fn time_opt_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<OffsetDateTime>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| parse_time(idx, &t)).transpose()
}

/// The time in column `idx`.
pub(super) fn time_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<OffsetDateTime> {
    let text: String = row.get(idx)?;
    parse_time(idx, &text)
}

/// OS, architecture, variant in columns `idx..idx + 3`.
pub(super) fn platform_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Platform> {
    let os: String = row.get(idx)?;
    let architecture: String = row.get(idx + 1)?;
    let variant: Option<String> = row.get(idx + 2)?;
    let platform = Platform::new(&os, &architecture);
    Ok(match variant {
        Some(v) => platform.with_variant(&v),
        None => platform,
    })
}

/// Reads back [`format_time`]'s output.
fn parse_time(idx: usize, text: &str) -> rusqlite::Result<OffsetDateTime> {
    times::parse_time(text)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}
