//! Byte sizes on the command line, as [`shared::units::parse_byte_size`]
//! reads them: `0`, `4096`, `512MiB`, `16G`.

/// Parses a size for clap.
pub fn parse_size(text: &str) -> Result<u64, String> {
    shared::units::parse_byte_size(text).map_err(|e| e.to_string())
}
