//! [`UnpackedLayers`] in the `unpacked_layers` table.

use shared::digest::Digest;
use shared::layer::Unpacked;

use super::PostgresMetadata;
use super::columns::size_column;
use crate::store::StoreError;
use crate::store::metadata::UnpackedLayers;
use crate::store::record::LayerRecord;

impl UnpackedLayers for PostgresMetadata {
    fn set_unpacked(&self, layers: &[(Digest, Unpacked)]) -> Result<(), StoreError> {
        if layers.is_empty() {
            return Ok(());
        }
        self.write(|db| {
            for (layer, unpacked) in layers {
                db.execute(
                    "INSERT INTO unpacked_layers (digest, diff_id, size) VALUES ($1, $2, $3)
                     ON CONFLICT (digest) DO UPDATE SET
                         diff_id = excluded.diff_id, size = excluded.size",
                    &[
                        &layer.to_string(),
                        &unpacked.diff_id.to_string(),
                        &size_column(unpacked.size),
                    ],
                )?;
            }
            Ok(())
        })
    }

    fn unpacked(&self, layer: &Digest) -> Result<Option<Unpacked>, StoreError> {
        self.read(|db| {
            db.row(
                "SELECT diff_id, size FROM unpacked_layers WHERE digest = $1",
                &[&layer.to_string()],
                |c| {
                    Ok(Unpacked {
                        diff_id: c.digest(0)?,
                        size: c.size(1)?,
                    })
                },
            )
        })
    }

    fn unknown_unpacked(&self) -> Result<Vec<LayerRecord>, StoreError> {
        self.read(|db| {
            db.rows(
                "SELECT l.digest, MIN(l.size), MIN(l.media_type), MIN(l.diff_id) FROM layers l
                 WHERE NOT EXISTS (SELECT 1 FROM unpacked_layers u WHERE u.digest = l.digest)
                 GROUP BY l.digest ORDER BY l.digest",
                &[],
                |c| c.layer(0),
            )
        })
    }
}
