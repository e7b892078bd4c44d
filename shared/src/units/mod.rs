//! Quantities people type on a command line or in a config file: byte
//! sizes (`512MiB`, `50GiB`) and durations (`168h`, `1h30m`, `7d`).
//!
//! Both parse strictly (whole numbers, a known unit) and print back in the
//! shortest exact form, so a value read from `--retain` shows as the user
//! wrote it in messages.

mod byte_size;
mod duration;

pub use byte_size::{ByteSizeError, format_byte_size, parse_byte_size};
pub use duration::{DurationError, format_duration, parse_duration};
