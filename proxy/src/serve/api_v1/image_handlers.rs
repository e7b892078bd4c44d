//! `GET /api/v1/images`, `GET /api/v1/images/{name}`, `GET /api/v1/usage`.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use shared::api::{
    ImageDetail, ImageListResponse, ImageSort, LayerDetail, UsageInfo, compare_rows, history_rows,
    image_rows,
};

use super::blocking;
use crate::serve::AppState;
use crate::serve::error::ApiError;

/// The most rows one page holds.
pub const MAX_PAGE: usize = 1000;

/// The query of `GET /api/v1/images`; `filter` repeats.
#[derive(Debug, Default)]
struct ListQuery {
    filters: Vec<String>,
    digests: bool,
    sort: ImageSort,
    descending: Option<bool>,
    offset: usize,
    limit: usize,
}

fn parse_query(raw: Option<&str>) -> Result<ListQuery, ApiError> {
    let mut q = ListQuery {
        limit: 100,
        ..ListQuery::default()
    };
    let flag = |v: &str, key: &str| match v {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        other => Err(ApiError::invalid(format!(
            "{key}={other}: expected true or false"
        ))),
    };
    let number = |v: &str, key: &str| {
        v.parse::<usize>()
            .map_err(|_| ApiError::invalid(format!("{key}={v}: expected a whole number")))
    };
    for (key, value) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "filter" => q.filters.push(value.into_owned()),
            "digests" => q.digests = flag(&value, "digests")?,
            "sort" => q.sort = value.parse().map_err(ApiError::invalid)?,
            "order" => {
                q.descending = Some(match value.as_ref() {
                    "asc" => false,
                    "desc" => true,
                    other => {
                        return Err(ApiError::invalid(format!("order={other}: use asc or desc")));
                    }
                })
            }
            "offset" => q.offset = number(&value, "offset")?,
            "limit" => q.limit = number(&value, "limit")?.clamp(1, MAX_PAGE),
            other => {
                return Err(ApiError::invalid(format!(
                    "unknown query parameter {other:?}"
                )));
            }
        }
    }
    Ok(q)
}

/// `GET /api/v1/images`: the `images` table, filtered, sorted and paged on the server.
pub async fn list(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ImageListResponse>, ApiError> {
    let q = parse_query(raw.as_deref())?;
    let cache = state.summaries().clone();
    blocking(&state, move |store| {
        // Unfiltered (the common case): the cached rows; filtered: built now.
        let rows = if q.filters.is_empty() {
            cache.rows(store, q.digests)?
        } else {
            let predicate = crate::image_views::predicate(store, &q.filters, None)
                .map_err(ApiError::invalid)?;
            std::sync::Arc::new(image_rows(&cache.get(store)?, Some(&predicate), q.digests))
        };
        let descending = q
            .descending
            .unwrap_or(q.sort == ImageSort::Created || q.sort == ImageSort::Size);
        let mut order: Vec<&shared::api::ImageRow> = rows.iter().collect();
        order.sort_by(|a, b| compare_rows(a, b, q.sort, descending));
        let page = order
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .cloned()
            .collect();
        Ok(Json(ImageListResponse {
            rows: page,
            total: rows.len(),
            offset: q.offset,
        }))
    })
    .await
}

/// `GET /api/v1/images/{name}`: one stored image.
pub async fn detail(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Json<ImageDetail>, ApiError> {
    blocking(&state, move |store| {
        let record = store.with_unpacked(store.resolve(&name)?)?;
        let config = store.image_config(&record)?;
        let manifest = store.image_manifest(&record)?;
        let row = store.row(&record.id)?;
        let inspect = shared::api::ImageInspect::new(
            record.id.digest(),
            &config,
            &row.repo_tags,
            &row.repo_digests,
            record.unpacked_size(),
        );
        // Which other images hold each layer: one pass over every image's layers.
        let mut holders: BTreeMap<shared::digest::Digest, Vec<String>> = BTreeMap::new();
        for other in store.list()? {
            if other.id == record.id {
                continue;
            }
            let label = other
                .repo_tags
                .first()
                .map_or_else(|| other.id.short().to_owned(), |r| r.familiar());
            for layer in store.get(&other.id)?.layers {
                holders.entry(layer.digest).or_default().push(label.clone());
            }
        }
        let layers = record
            .layers
            .iter()
            .map(|l| LayerDetail {
                digest: l.digest.clone(),
                size: l.size,
                unpacked_size: l.unpacked_size,
                media_type: l.media_type.as_str().to_owned(),
                diff_id: l.diff_id.clone(),
                shared_with: holders.get(&l.digest).cloned().unwrap_or_default(),
            })
            .collect();
        Ok(Json(ImageDetail {
            history: history_rows(
                record.id.digest(),
                &manifest,
                &config,
                &record.unpacked_sizes(),
            ),
            manifest_digest: record.manifest.digest.clone(),
            inspect,
            layers,
            pins: row.pins,
        }))
    })
    .await
}

/// `GET /api/v1/usage`.
pub async fn usage(State(state): State<AppState>) -> Result<Json<UsageInfo>, ApiError> {
    blocking(&state, |store| {
        let u = store.usage()?;
        Ok(Json(UsageInfo {
            total_bytes: u.disk_bytes,
            apparent_bytes: u.total_bytes,
            bytes_saved: u.bytes_saved_by_sharing,
            images: usize::try_from(u.images).unwrap_or(usize::MAX),
        }))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_parse_or_say_what_is_wrong() {
        let q = parse_query(Some("filter=dangling%3Dtrue&filter=label%3Da&digests=1&sort=size&order=asc&offset=5&limit=5000"))
            .expect("valid");
        assert_eq!(q.filters, ["dangling=true", "label=a"]);
        assert!(q.digests);
        assert_eq!(q.sort, ImageSort::Size);
        assert_eq!(q.descending, Some(false));
        assert_eq!((q.offset, q.limit), (5, MAX_PAGE));
        for bad in [
            "digests=maybe",
            "sort=colour",
            "order=up",
            "offset=-1",
            "bogus=1",
        ] {
            assert!(parse_query(Some(bad)).is_err(), "{bad}");
        }
    }
}
