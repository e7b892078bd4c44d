//! [`UnpackedLayers`] in the `unpacked_layers` table.

use rusqlite::{OptionalExtension, params};
use shared::digest::Digest;
use shared::layer::Unpacked;
use shared::media_type::MediaType;

use super::SqliteMetadata;
use super::columns::digest_at;
use crate::store::StoreError;
use crate::store::metadata::UnpackedLayers;
use crate::store::record::LayerRecord;

impl UnpackedLayers for SqliteMetadata {
    fn set_unpacked(&self, layers: &[(Digest, Unpacked)]) -> Result<(), StoreError> {
        if layers.is_empty() {
            return Ok(());
        }
        self.write(|tx| {
            let mut stmt = tx.prepare(
                "INSERT OR REPLACE INTO unpacked_layers (digest, diff_id, size) VALUES (?1, ?2, ?3)",
            )?;
            for (layer, unpacked) in layers {
                stmt.execute(params![
                    layer.to_string(),
                    unpacked.diff_id.to_string(),
                    i64::try_from(unpacked.size).unwrap_or(i64::MAX),
                ])?;
            }
            Ok(())
        })
    }

    fn unpacked(&self, layer: &Digest) -> Result<Option<Unpacked>, StoreError> {
        self.read(|tx| {
            Ok(tx
                .query_row(
                    "SELECT diff_id, size FROM unpacked_layers WHERE digest = ?1",
                    [layer.to_string()],
                    |row| {
                        Ok(Unpacked {
                            diff_id: digest_at(row, 0)?,
                            size: row.get(1)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    fn unknown_unpacked(&self) -> Result<Vec<LayerRecord>, StoreError> {
        self.read(|tx| {
            let mut stmt = tx.prepare(
                "SELECT l.digest, MIN(l.size), MIN(l.media_type), MIN(l.diff_id) FROM layers l
                 WHERE NOT EXISTS (SELECT 1 FROM unpacked_layers u WHERE u.digest = l.digest)
                 GROUP BY l.digest ORDER BY l.digest",
            )?;
            let layers = stmt
                .query_map([], |row| {
                    let diff_id: Option<String> = row.get(3)?;
                    Ok(LayerRecord {
                        digest: digest_at(row, 0)?,
                        size: row.get(1)?,
                        media_type: MediaType::parse(&row.get::<_, String>(2)?),
                        diff_id: diff_id.and_then(|d| d.parse().ok()),
                        unpacked_size: None,
                    })
                })?
                .collect::<Result<Vec<_>, _>>()?;
            Ok(layers)
        })
    }
}
