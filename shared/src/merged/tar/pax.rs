//! PAX extended headers (`x` for the next entry, `g` for all that follow).
//!
//! The data is a run of records `LEN KEY=VALUE\n`, where `LEN` is the decimal
//! length of the whole record including itself and the newline. The keys
//! read here are `path`, `linkpath`, `size`, `mtime` (decimal seconds with an
//! optional fraction, which is dropped), `uid` and `gid`; all others (`atime`,
//! `uname`, `SCHILY.xattr.*`, `GNU.sparse.*` …) are skipped. An empty value
//! unsets the key: in a `g` header it drops the global value, in an `x`
//! header the entry falls back to the global value or the ustar field.

use super::error::{PaxProblem, TarError};

/// The PAX keys that change a [`super::super::LayerEntry`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct PaxFields {
    pub(super) path: Option<Vec<u8>>,
    pub(super) linkpath: Option<Vec<u8>>,
    pub(super) size: Option<u64>,
    pub(super) mtime: Option<i64>,
    pub(super) uid: Option<u64>,
    pub(super) gid: Option<u64>,
}

impl PaxFields {
    /// Reads the records of one PAX header's data into `self`, later records
    /// overriding earlier ones. `offset` is the PAX header's, for errors.
    pub(super) fn read(&mut self, data: &[u8], offset: u64) -> Result<(), TarError> {
        let fail = |problem| TarError::InvalidPax { offset, problem };
        let mut rest = data;
        while !rest.is_empty() {
            let (key, value, len) = split_record(rest).map_err(fail)?;
            self.set(key, value).map_err(fail)?;
            rest = &rest[len..];
        }
        Ok(())
    }

    /// These fields with `global`'s filling the gaps.
    pub(super) fn over(&self, global: &PaxFields) -> PaxFields {
        PaxFields {
            path: self.path.clone().or_else(|| global.path.clone()),
            linkpath: self.linkpath.clone().or_else(|| global.linkpath.clone()),
            size: self.size.or(global.size),
            mtime: self.mtime.or(global.mtime),
            uid: self.uid.or(global.uid),
            gid: self.gid.or(global.gid),
        }
    }

    fn set(&mut self, key: &[u8], value: &[u8]) -> Result<(), PaxProblem> {
        let bad = || PaxProblem::BadNumber {
            key: String::from_utf8_lossy(key).into_owned(),
        };
        let text = (!value.is_empty()).then_some(value);
        match key {
            b"path" => self.path = text.map(<[u8]>::to_vec),
            b"linkpath" => self.linkpath = text.map(<[u8]>::to_vec),
            b"size" => self.size = text.map(|v| decimal(v).ok_or_else(bad)).transpose()?,
            b"uid" => self.uid = text.map(|v| decimal(v).ok_or_else(bad)).transpose()?,
            b"gid" => self.gid = text.map(|v| decimal(v).ok_or_else(bad)).transpose()?,
            b"mtime" => self.mtime = text.map(|v| seconds(v).ok_or_else(bad)).transpose()?,
            _ => {}
        }
        Ok(())
    }
}

/// Splits the first record off `data`: (key, value, record length).
fn split_record(data: &[u8]) -> Result<(&[u8], &[u8], usize), PaxProblem> {
    let space = data
        .iter()
        .position(|b| *b == b' ')
        .ok_or(PaxProblem::BadLength)?;
    let len = decimal(&data[..space]).ok_or(PaxProblem::BadLength)?;
    let len = usize::try_from(len).map_err(|_| PaxProblem::BadLength)?;
    if len <= space + 1 || len > data.len() {
        return Err(PaxProblem::BadLength);
    }
    let record = &data[space + 1..len];
    let Some((b'\n', key_value)) = record.split_last() else {
        return Err(PaxProblem::MissingNewline);
    };
    let eq = key_value
        .iter()
        .position(|b| *b == b'=')
        .filter(|eq| *eq > 0)
        .ok_or(PaxProblem::MissingKey)?;
    Ok((&key_value[..eq], &key_value[eq + 1..], len))
}

/// An unsigned decimal number (digits only, at least one).
fn decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    text.iter().try_fold(0u64, |n, d| {
        if d.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
        } else {
            None
        }
    })
}

/// Whole seconds of a PAX time (`-?DIGITS(.DIGITS)?`), rounded down.
fn seconds(text: &[u8]) -> Option<i64> {
    let (negative, text) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, text),
    };
    let (whole, fraction) = match text.iter().position(|b| *b == b'.') {
        Some(dot) => (&text[..dot], &text[dot + 1..]),
        None => (text, &[][..]),
    };
    if !fraction.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let whole = i64::try_from(decimal(whole)?).ok()?;
    let has_fraction = fraction.iter().any(|d| *d != b'0');
    Some(match (negative, has_fraction) {
        (false, _) => whole,
        (true, false) => -whole,
        (true, true) => -whole - 1,
    })
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn read(data: &[u8]) -> Result<PaxFields, TarError> {
        let mut fields = PaxFields::default();
        fields.read(data, 1024).map(|()| fields)
    }

    fn bad(problem: PaxProblem) -> Result<PaxFields, TarError> {
        Err(TarError::InvalidPax {
            offset: 1024,
            problem,
        })
    }

    #[test]
    fn record_table() {
        let path = |p: &str| PaxFields {
            path: Some(p.as_bytes().to_vec()),
            ..PaxFields::default()
        };
        let cases: &[(&[u8], Result<PaxFields, TarError>)] = &[
            (b"", Ok(PaxFields::default())),
            (b"11 path=ab\n", Ok(path("ab"))),
            (b"11 path=ab\n11 path=cd\n", Ok(path("cd"))),
            (b"12 path=a=b\n", Ok(path("a=b"))),
            (b"8 path=\n", Ok(PaxFields::default())),
            (
                b"30 mtime=1700000000.123456789\n",
                Ok(PaxFields {
                    mtime: Some(1_700_000_000),
                    ..PaxFields::default()
                }),
            ),
            (
                b"14 mtime=-1.5\n",
                Ok(PaxFields {
                    mtime: Some(-2),
                    ..PaxFields::default()
                }),
            ),
            (
                b"13 size=4096\n",
                Ok(PaxFields {
                    size: Some(4096),
                    ..PaxFields::default()
                }),
            ),
            (
                b"15 uid=1000000\n",
                Ok(PaxFields {
                    uid: Some(1_000_000),
                    ..PaxFields::default()
                }),
            ),
            (
                b"14 gid=424242\n",
                Ok(PaxFields {
                    gid: Some(424_242),
                    ..PaxFields::default()
                }),
            ),
            (
                b"17 linkpath=../x\n",
                Ok(PaxFields {
                    linkpath: Some(b"../x".to_vec()),
                    ..PaxFields::default()
                }),
            ),
            (b"20 atime=1700000000\n", Ok(PaxFields::default())),
            (b"25 SCHILY.xattr.user.a=b\n", Ok(PaxFields::default())),
            (b"11 path=ab", bad(PaxProblem::BadLength)),
            (b"99 path=ab\n", bad(PaxProblem::BadLength)),
            (b"x path=ab\n", bad(PaxProblem::BadLength)),
            (b"path=ab\n", bad(PaxProblem::BadLength)),
            (b"2 \n", bad(PaxProblem::BadLength)),
            (b"11 path=abc", bad(PaxProblem::MissingNewline)),
            (b"9 pathab\n", bad(PaxProblem::MissingKey)),
            (b"7 =abc\n", bad(PaxProblem::MissingKey)),
            (
                b"11 size=1x\n",
                bad(PaxProblem::BadNumber { key: "size".into() }),
            ),
            (
                b"13 mtime=1.x\n",
                bad(PaxProblem::BadNumber {
                    key: "mtime".into(),
                }),
            ),
        ];
        for (data, expected) in cases {
            assert_eq!(&read(data), expected, "{:?}", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn local_fields_override_global_ones() {
        let global = read(b"13 path=glob\n13 size=1234\n").unwrap();
        let local = read(b"14 path=local\n").unwrap();
        let merged = local.over(&global);
        assert_eq!(merged.path.as_deref(), Some(&b"local"[..]));
        assert_eq!(merged.size, Some(1234));
        assert_eq!(PaxFields::default().over(&global), global);
    }
}
