//! The package table's logic: which rows a text filter keeps, in which
//! order, as indices into the SBOM's packages, so a view of 10k+ rows never
//! copies a package.
//!
//! - The filter is a case-insensitive substring match over name, version,
//!   license and purl; an empty (or blank) query keeps every row.
//! - Sorting is stable. Names, licenses and purls compare case-insensitively;
//!   versions compare naturally (`1.10` after `1.9`, see [`natural_cmp`]).
//!   Empty values sort last in both directions, so the rows that say
//!   something come first.

use std::cmp::Ordering;

use super::sbom::Package;

/// A column of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// The package name.
    Name,
    /// Its version.
    Version,
    /// Its license.
    License,
    /// Its package URL.
    Purl,
}

impl Column {
    /// Every column, in display order.
    pub const ALL: [Column; 4] = [Column::Name, Column::Version, Column::License, Column::Purl];

    /// The column's heading.
    pub fn label(self) -> &'static str {
        match self {
            Column::Name => "Name",
            Column::Version => "Version",
            Column::License => "License",
            Column::Purl => "Package URL",
        }
    }

    /// A short lower-case key (`name`, `version`, `license`, `purl`).
    pub fn key(self) -> &'static str {
        match self {
            Column::Name => "name",
            Column::Version => "version",
            Column::License => "license",
            Column::Purl => "purl",
        }
    }

    /// The column's value in `package`.
    pub fn of(self, package: &Package) -> &str {
        match self {
            Column::Name => &package.name,
            Column::Version => &package.version,
            Column::License => &package.license,
            Column::Purl => &package.purl,
        }
    }
}

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// A to Z, low to high.
    Ascending,
    /// Z to A, high to low.
    Descending,
}

impl Direction {
    /// The `aria-sort` value.
    pub fn aria(self) -> &'static str {
        match self {
            Direction::Ascending => "ascending",
            Direction::Descending => "descending",
        }
    }

    /// An arrow for a heading.
    pub fn arrow(self) -> &'static str {
        match self {
            Direction::Ascending => "▲",
            Direction::Descending => "▼",
        }
    }
}

/// How the table is sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    /// The column sorted by.
    pub column: Column,
    /// In which direction.
    pub direction: Direction,
}

impl Sort {
    /// The sort after a click on `column`'s heading: the other direction if
    /// it is the column sorted by, else ascending by it.
    pub fn toggled(self, column: Column) -> Sort {
        let direction = match (self.column == column, self.direction) {
            (true, Direction::Ascending) => Direction::Descending,
            _ => Direction::Ascending,
        };
        Sort { column, direction }
    }

    /// The direction `column` is sorted in, if it is the one sorted by.
    pub fn of(self, column: Column) -> Option<Direction> {
        (self.column == column).then_some(self.direction)
    }
}

impl Default for Sort {
    /// Document order is kept by the stable sort for equal names.
    fn default() -> Sort {
        Sort {
            column: Column::Name,
            direction: Direction::Ascending,
        }
    }
}

/// The indices of the `packages` that match `query`, ordered by `sort`
/// (`None`: document order).
pub fn rows(packages: &[Package], query: &str, sort: Option<Sort>) -> Vec<usize> {
    let needle = query.trim().to_lowercase();
    let mut kept: Vec<usize> = packages
        .iter()
        .enumerate()
        .filter(|(_, p)| {
            needle.is_empty() || Column::ALL.iter().any(|c| contains(c.of(p), &needle))
        })
        .map(|(i, _)| i)
        .collect();
    if let Some(Sort { column, direction }) = sort {
        let compare = |a: &str, b: &str| match column {
            Column::Version => natural_cmp(a, b),
            _ => caseless_cmp(a, b),
        };
        kept.sort_by(|&a, &b| {
            let (a, b) = (column.of(&packages[a]), column.of(&packages[b]));
            match (a.is_empty(), b.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => match direction {
                    Direction::Ascending => compare(a, b),
                    Direction::Descending => compare(b, a),
                },
            }
        });
    }
    kept
}

/// Whether `haystack` contains `needle` (already lower case), ignoring case;
/// ASCII text (nearly every SBOM field) is compared without allocating.
fn contains(haystack: &str, needle: &str) -> bool {
    if haystack.is_ascii() && needle.is_ascii() {
        let (h, n) = (haystack.as_bytes(), needle.as_bytes());
        n.len() <= h.len() && h.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
    } else {
        haystack.to_lowercase().contains(needle)
    }
}

/// Case-insensitive order, then byte order to break ties.
fn caseless_cmp(a: &str, b: &str) -> Ordering {
    let order = if a.is_ascii() && b.is_ascii() {
        a.bytes()
            .map(|c| c.to_ascii_lowercase())
            .cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
    } else {
        a.to_lowercase().cmp(&b.to_lowercase())
    };
    order.then_with(|| a.cmp(b))
}

/// Natural order: runs of digits compare as numbers (`1.9` < `1.10`,
/// `r9` < `r10`), everything else case-insensitively; ties by byte order.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    let (mut x, mut y) = (a.as_bytes(), b.as_bytes());
    loop {
        match (x.first(), y.first()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(p), Some(q)) if p.is_ascii_digit() && q.is_ascii_digit() => {
                let (n, rest_x) = digits(x);
                let (m, rest_y) = digits(y);
                // Without leading zeros, a longer run is a larger number.
                let (n, m) = (trim_zeros(n), trim_zeros(m));
                let order = n.len().cmp(&m.len()).then_with(|| n.cmp(m));
                if order != Ordering::Equal {
                    return order;
                }
                (x, y) = (rest_x, rest_y);
            }
            (Some(p), Some(q)) => {
                let order = p.to_ascii_lowercase().cmp(&q.to_ascii_lowercase());
                if order != Ordering::Equal {
                    return order;
                }
                (x, y) = (&x[1..], &y[1..]);
            }
        }
    }
}

/// The leading run of ASCII digits, and the rest.
fn digits(s: &[u8]) -> (&[u8], &[u8]) {
    let end = s
        .iter()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(s.len());
    s.split_at(end)
}

fn trim_zeros(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b'0').unwrap_or(s.len());
    &s[start..]
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn package(name: &str, version: &str, license: &str, purl: &str) -> Package {
        Package {
            name: name.into(),
            version: version.into(),
            license: license.into(),
            purl: purl.into(),
        }
    }

    fn sample() -> Vec<Package> {
        vec![
            package("zlib", "1.3.1", "Zlib", "pkg:apk/alpine/zlib@1.3.1"),
            package("musl", "1.2.10", "MIT", "pkg:apk/alpine/musl@1.2.10"),
            package("Busybox", "1.2.9", "GPL-2.0-only", ""),
            package("mystery", "", "", ""),
            package("musl", "1.2.5", "MIT", "pkg:apk/alpine/musl@1.2.5"),
            package("Ünicode", "2", "", "pkg:npm/%C3%BCnicode@2"),
        ]
    }

    #[test]
    fn filter_table() {
        let p = sample();
        #[rustfmt::skip]
        let cases: [(&str, &[usize]); 8] = [
            ("", &[0, 1, 2, 3, 4, 5]),
            ("   ", &[0, 1, 2, 3, 4, 5]),
            ("MUSL", &[1, 4]),
            ("gpl", &[2]),
            ("1.2.", &[1, 2, 4]),
            ("pkg:apk", &[0, 1, 4]),
            ("ünic", &[5]),
            ("nothing matches", &[]),
        ];
        for (query, want) in cases {
            assert_eq!(rows(&p, query, None), want, "{query:?}");
        }
    }

    #[test]
    fn sort_table() {
        let p = sample();
        let by = |column, direction| Some(Sort { column, direction });
        use Column::*;
        use Direction::*;
        #[rustfmt::skip]
        let cases: [(Option<Sort>, &[usize]); 6] = [
            (by(Name, Ascending), &[2, 1, 4, 3, 0, 5]),
            (by(Name, Descending), &[5, 0, 3, 1, 4, 2]),
            // Natural versions; the empty one last either way.
            (by(Version, Ascending), &[4, 2, 1, 0, 5, 3]),
            (by(Version, Descending), &[5, 0, 1, 2, 4, 3]),
            (by(License, Ascending), &[2, 1, 4, 0, 3, 5]),
            (by(Purl, Descending), &[5, 0, 4, 1, 2, 3]),
        ];
        for (sort, want) in cases {
            assert_eq!(rows(&p, "", sort), want, "{sort:?}");
        }
        assert_eq!(rows(&p, "musl", by(Version, Descending)), [1, 4]);
    }

    #[test]
    fn natural_order() {
        #[rustfmt::skip]
        let cases = [
            ("1.9", "1.10", Ordering::Less),
            ("1.2.5-r0", "1.2.5-r10", Ordering::Less),
            ("007", "7", Ordering::Less), // equal numbers: byte order decides
            ("v2", "V10", Ordering::Less),
            ("1.0", "1.0.1", Ordering::Less),
            ("2.0", "10.0", Ordering::Less),
            ("1.0-beta", "1.0-alpha", Ordering::Greater),
            ("99999999999999999999999", "100000000000000000000000", Ordering::Less),
            ("", "", Ordering::Equal),
        ];
        for (a, b, want) in cases {
            assert_eq!(natural_cmp(a, b), want, "{a} {b}");
            assert_eq!(natural_cmp(b, a), want.reverse(), "{b} {a}");
        }
    }

    #[test]
    fn sort_toggles() {
        let s = Sort::default();
        let s = s.toggled(Column::Name);
        assert_eq!(s.of(Column::Name), Some(Direction::Descending));
        let s = s.toggled(Column::Version);
        assert_eq!(
            (s.of(Column::Version), s.of(Column::Name)),
            (Some(Direction::Ascending), None)
        );
    }

    #[test]
    fn ten_thousand_rows() {
        let p: Vec<Package> = (0..10_000)
            .map(|i| package(&format!("pkg{i}"), &format!("1.{i}"), "MIT", ""))
            .collect();
        let sorted = rows(
            &p,
            "pkg1",
            Some(Sort {
                column: Column::Version,
                direction: Direction::Descending,
            }),
        );
        assert_eq!(sorted.len(), 1_111);
        assert_eq!(sorted[0], 1_999);
    }
}
