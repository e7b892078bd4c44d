//! A tiny tar writer for tests: ustar headers, GNU long names and PAX
//! records, built byte by byte so the tests need no tar crate and run on
//! wasm32 too.

/// Header magic to write.
#[derive(Clone, Copy)]
pub(crate) enum Magic {
    /// POSIX `ustar\0` `00`.
    Ustar,
    /// GNU `ustar ` ` \0`.
    Gnu,
    /// Old v7: no magic at all.
    V7,
}

/// Appends tar blocks to a byte vector.
pub(crate) struct TarWriter {
    bytes: Vec<u8>,
}

impl TarWriter {
    pub(crate) fn new() -> Self {
        TarWriter { bytes: Vec::new() }
    }

    /// One raw header block with a correct checksum.
    pub(crate) fn header(
        name: &[u8],
        typeflag: u8,
        size: u64,
        link: &[u8],
        magic: Magic,
    ) -> [u8; 512] {
        let mut block = [0u8; 512];
        let (prefix, name) = match name.len() {
            0..=100 => (&b""[..], name),
            _ => {
                let cut = name[..=155.min(name.len() - 1)]
                    .iter()
                    .rposition(|b| *b == b'/')
                    .expect("test name too long for a ustar prefix");
                (&name[..cut], &name[cut + 1..])
            }
        };
        block[..name.len()].copy_from_slice(name);
        put_octal(&mut block[100..108], 0o644);
        put_octal(&mut block[108..116], 1000);
        put_octal(&mut block[116..124], 1000);
        put_octal(&mut block[124..136], size);
        put_octal(&mut block[136..148], 1_700_000_000);
        block[156] = typeflag;
        block[157..157 + link.len()].copy_from_slice(link);
        match magic {
            Magic::Ustar => {
                block[257..263].copy_from_slice(b"ustar\0");
                block[263..265].copy_from_slice(b"00");
                block[345..345 + prefix.len()].copy_from_slice(prefix);
            }
            Magic::Gnu => block[257..265].copy_from_slice(b"ustar  \0"),
            Magic::V7 => {}
        }
        seal(&mut block);
        block
    }

    /// Appends a block as is.
    pub(crate) fn raw(&mut self, block: &[u8; 512]) -> &mut Self {
        self.bytes.extend_from_slice(block);
        self
    }

    /// Appends content padded to 512.
    pub(crate) fn data(&mut self, content: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(content);
        let padding = (512 - content.len() % 512) % 512;
        self.bytes.extend(std::iter::repeat_n(0, padding));
        self
    }

    pub(crate) fn entry(
        &mut self,
        name: &str,
        typeflag: u8,
        content: &[u8],
        link: &str,
    ) -> &mut Self {
        let block = Self::header(
            name.as_bytes(),
            typeflag,
            content.len() as u64,
            link.as_bytes(),
            Magic::Ustar,
        );
        self.raw(&block).data(content)
    }

    pub(crate) fn file(&mut self, name: &str, content: &[u8]) -> &mut Self {
        self.entry(name, b'0', content, "")
    }

    pub(crate) fn dir(&mut self, name: &str) -> &mut Self {
        self.entry(name, b'5', b"", "")
    }

    /// A GNU `L` (long name) or `K` (long link) header and its data.
    pub(crate) fn gnu_long(&mut self, typeflag: u8, value: &[u8]) -> &mut Self {
        let mut data = value.to_vec();
        data.push(0);
        let block = Self::header(
            b"././@LongLink",
            typeflag,
            data.len() as u64,
            b"",
            Magic::Gnu,
        );
        self.raw(&block).data(&data)
    }

    /// A PAX `x` or `g` header holding `records`.
    pub(crate) fn pax(&mut self, typeflag: u8, records: &[(&str, &[u8])]) -> &mut Self {
        let mut data = Vec::new();
        for (key, value) in records {
            data.extend_from_slice(&pax_record(key, value));
        }
        let block = Self::header(
            b"PaxHeaders/x",
            typeflag,
            data.len() as u64,
            b"",
            Magic::Ustar,
        );
        self.raw(&block).data(&data)
    }

    /// The two end-of-archive blocks; returns the archive.
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        self.bytes.extend_from_slice(&[0; 1024]);
        std::mem::take(&mut self.bytes)
    }
}

/// `LEN KEY=VALUE\n` with the right length.
pub(crate) fn pax_record(key: &str, value: &[u8]) -> Vec<u8> {
    let body = key.len() + value.len() + 3;
    let mut len = body + 1;
    while len != body + len.to_string().len() {
        len = body + len.to_string().len();
    }
    let mut record = format!("{len} {key}=").into_bytes();
    record.extend_from_slice(value);
    record.push(b'\n');
    record
}

fn put_octal(field: &mut [u8], value: u64) {
    let text = format!("{value:0width$o}\0", width = field.len() - 1);
    field.copy_from_slice(text.as_bytes());
}

/// Writes the checksum of a block whose other fields are final.
pub(crate) fn seal(block: &mut [u8; 512]) {
    block[148..156].fill(b' ');
    let sum: u32 = block.iter().map(|b| u32::from(*b)).sum();
    let text = format!("{sum:06o}\0 ");
    block[148..156].copy_from_slice(text.as_bytes());
}
