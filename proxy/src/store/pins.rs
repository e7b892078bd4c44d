//! Pins: a named user of an image ("prod", "ci") says it is in use.
//! `rm` refuses a pinned image unless forced, naming the pins.

use time::OffsetDateTime;

use super::lease::validate_name;
use super::record::ImageId;
use super::resolve::resolve_in;
use super::{Store, StoreError};

impl Store {
    /// Every pin on every image, oldest first.
    pub fn all_pins(&self) -> Result<Vec<super::metadata::PinRecord>, StoreError> {
        self.metadata().all_pins()
    }

    /// Pins the image `image` names (any form [`Store::resolve`] takes) by
    /// `by`. Pinning twice by the same name is one pin.
    pub fn pin(&self, image: &str, by: &str) -> Result<ImageId, StoreError> {
        validate_name("pin name", by)?;
        let id = resolve_in(self.metadata(), image)?.id;
        if self.metadata().pin(&id, by, OffsetDateTime::now_utc())? {
            Ok(id)
        } else {
            // Removed since it was resolved.
            Err(StoreError::NoSuchImage {
                reference: image.to_owned(),
            })
        }
    }

    /// Removes the pin `by`, or every pin when `by` is `None`; returns the
    /// names removed. [`StoreError::NoSuchPin`] when there was none.
    pub fn unpin(&self, image: &str, by: Option<&str>) -> Result<Vec<String>, StoreError> {
        let id = resolve_in(self.metadata(), image)?.id;
        let names = self.metadata().unpin(&id, by)?;
        if names.is_empty() {
            return Err(StoreError::NoSuchPin {
                image: image.to_owned(),
                by: by.map(str::to_owned),
            });
        }
        Ok(names)
    }
}
