//! [`Pins`] in the `pins` table.

use rusqlite::{Connection, params};
use time::OffsetDateTime;

use super::SqliteMetadata;
use super::columns::{format_time, image_id_at, time_at};
use super::load::image_exists;
use crate::store::StoreError;
use crate::store::metadata::{PinRecord, Pins};
use crate::store::record::ImageId;

impl Pins for SqliteMetadata {
    fn pin(&self, id: &ImageId, by: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        self.write(|tx| {
            if !image_exists(tx, id)? {
                return Ok(false);
            }
            tx.execute(
                "INSERT OR IGNORE INTO pins (image_id, by, created) VALUES (?1, ?2, ?3)",
                params![id.to_string(), by, format_time(at)],
            )?;
            Ok(true)
        })
    }

    fn unpin(&self, id: &ImageId, by: Option<&str>) -> Result<Vec<String>, StoreError> {
        self.write(|tx| {
            let mut names = pin_names(tx, id)?;
            if let Some(by) = by {
                names.retain(|n| n == by);
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

    fn pins(&self, id: &ImageId) -> Result<Vec<String>, StoreError> {
        self.read(|tx| pin_names(tx, id))
    }

    fn all_pins(&self) -> Result<Vec<PinRecord>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx
                .prepare("SELECT image_id, by, created FROM pins ORDER BY created, image_id, by")?;
            let pins = stmt
                .query_map([], |row| {
                    Ok(PinRecord {
                        image: image_id_at(row, 0)?,
                        by: row.get(1)?,
                        since: time_at(row, 2)?,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(pins)
        })
    }
}

/// The names of the pins on `id`, sorted.
pub(super) fn pin_names(db: &Connection, id: &ImageId) -> Result<Vec<String>, StoreError> {
    let mut stmt = db.prepare("SELECT by FROM pins WHERE image_id = ?1 ORDER BY by")?;
    let names = stmt
        .query_map([id.to_string()], |row| row.get(0))?
        .collect::<Result<Vec<String>, _>>()?;
    Ok(names)
}
