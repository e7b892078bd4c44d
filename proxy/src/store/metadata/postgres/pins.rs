//! [`Pins`] in the `pins` table.

use time::OffsetDateTime;

use super::PostgresMetadata;
use super::columns::format_time;
use super::db::Db;
use super::load::image_exists;
use crate::store::StoreError;
use crate::store::metadata::{PinRecord, Pins};
use crate::store::record::ImageId;

impl Pins for PostgresMetadata {
    fn pin(&self, id: &ImageId, by: &str, at: OffsetDateTime) -> Result<bool, StoreError> {
        self.write(|db| {
            if !image_exists(db, id)? {
                return Ok(false);
            }
            db.execute(
                "INSERT INTO pins (image_id, pinned_by, created) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                &[&id.to_string(), &by, &format_time(at)],
            )?;
            Ok(true)
        })
    }

    fn unpin(&self, id: &ImageId, by: Option<&str>) -> Result<Vec<String>, StoreError> {
        self.write(|db| {
            let mut names = pin_names(db, id)?;
            if let Some(by) = by {
                names.retain(|n| n == by);
            }
            for name in &names {
                db.execute(
                    "DELETE FROM pins WHERE image_id = $1 AND pinned_by = $2",
                    &[&id.to_string(), name],
                )?;
            }
            Ok(names)
        })
    }

    fn pins(&self, id: &ImageId) -> Result<Vec<String>, StoreError> {
        self.read(|db| pin_names(db, id))
    }

    fn all_pins(&self) -> Result<Vec<PinRecord>, StoreError> {
        self.read(|db| {
            db.rows(
                "SELECT image_id, pinned_by, created FROM pins
                 ORDER BY created, image_id, pinned_by",
                &[],
                |c| {
                    Ok(PinRecord {
                        image: c.image_id(0)?,
                        by: c.get(1)?,
                        since: c.time(2)?,
                    })
                },
            )
        })
    }
}

/// The names of the pins on `id`, sorted.
pub(super) fn pin_names(db: &mut Db<'_, '_>, id: &ImageId) -> Result<Vec<String>, StoreError> {
    db.rows(
        "SELECT pinned_by FROM pins WHERE image_id = $1 ORDER BY pinned_by",
        &[&id.to_string()],
        |c| c.get(0),
    )
}
