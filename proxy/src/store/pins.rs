//! Pins: a named user of an image ("prod", "ci") says it is in use.
//! `rm` refuses a pinned image unless forced, naming the pins.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::lease::validate_name;
use super::meta::format_time;
use super::record::ImageId;
use super::resolve::resolve_in;
use super::{Store, StoreError};

impl Store {
    /// Pins the image `image` names (any form [`Store::resolve`] takes) by
    /// `by`. Pinning twice by the same name is one pin.
    pub fn pin(&self, image: &str, by: &str) -> Result<ImageId, StoreError> {
        validate_name("pin name", by)?;
        let now = format_time(OffsetDateTime::now_utc());
        self.write(|tx| {
            let id = resolve_in(tx, image)?.id;
            tx.execute(
                "INSERT OR IGNORE INTO pins (image_id, by, created) VALUES (?1, ?2, ?3)",
                params![id.to_string(), by, now],
            )?;
            Ok(id)
        })
    }

    /// Removes the pin `by`, or every pin when `by` is `None`; returns the
    /// names removed. [`StoreError::NoSuchPin`] when there was none.
    pub fn unpin(&self, image: &str, by: Option<&str>) -> Result<Vec<String>, StoreError> {
        self.write(|tx| {
            let id = resolve_in(tx, image)?.id;
            let mut names = pin_names(tx, &id)?;
            if let Some(by) = by {
                names.retain(|n| n == by);
            }
            if names.is_empty() {
                return Err(StoreError::NoSuchPin {
                    image: image.to_owned(),
                    by: by.map(str::to_owned),
                });
            }
            for name in &names {
                tx.execute(
                    "DELETE FROM pins WHERE image_id = ?1 AND by = ?2",
                    params![id.to_string(), name],
                )?;
            }
            Ok(names)
        })
    }
}

/// The names of the pins on `id`, sorted.
pub(crate) fn pin_names(db: &Connection, id: &ImageId) -> Result<Vec<String>, StoreError> {
    let mut stmt = db.prepare("SELECT by FROM pins WHERE image_id = ?1 ORDER BY by")?;
    let names = stmt
        .query_map([id.to_string()], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}
