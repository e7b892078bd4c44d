//! Docker's conventions on top of the template: the `table` and `json`
//! keywords, header rows, and the default formats of each command.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde_json::Value as Json;

use super::ast::Template;
use super::error::FormatError;
use super::exec::{MissingKey, execute};
use super::funcs::FuncSet;
use super::parser::parse;
use super::tabwriter::align_columns;

impl Template {
    /// Parses Go template text such as `{{.Repository}}:{{.Tag}}`.
    pub fn parse(text: &str) -> Result<Template, FormatError> {
        parse(text)
    }

    /// Renders the template against one value. Use [`MissingKey::NoValue`]
    /// for `inspect`, where Docker prints `<no value>` for unknown fields.
    pub fn execute(&self, data: &Json, missing: MissingKey) -> Result<String, FormatError> {
        let mut out = String::new();
        execute(self, data, FuncSet::Rows, missing, &mut out)?;
        Ok(out)
    }
}

/// A `--format` value, read the way Docker reads it.
#[derive(Clone, Debug, PartialEq)]
pub enum Format {
    /// `table …`: a header row, then one row per item, aligned in columns.
    Table(Template),
    /// Any other template: one rendering per item, each on its own line.
    Raw(Template),
    /// `json`: each item as one line of compact JSON (`{{json .}}`).
    Json,
}

impl Format {
    /// Parses a `--format` value.
    ///
    /// Exactly `json` is [`Format::Json`]. A value starting with `table` is
    /// a [`Format::Table`] of the rest. Before parsing, spaces around the
    /// template are trimmed and the two-character sequences `\t` and `\n`
    /// become a tab and a newline, so `--format 'table {{.ID}}\t{{.Size}}'`
    /// works from a shell.
    pub fn parse(text: &str) -> Result<Format, FormatError> {
        if text == "json" {
            return Ok(Format::Json);
        }
        let (table, body) = match text.strip_prefix("table") {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let body = body
            .trim_matches(' ')
            .replace("\\t", "\t")
            .replace("\\n", "\n");
        let template = Template::parse(&body)?;
        Ok(if table {
            Format::Table(template)
        } else {
            Format::Raw(template)
        })
    }

    /// Parses a `--format` value where empty or bare `table` mean the
    /// command's default table, such as [`defaults::IMAGES`].
    pub fn parse_or_default(text: &str, default: &str) -> Result<Format, FormatError> {
        match text {
            "" | "table" => Format::parse(default),
            other => Format::parse(other),
        }
    }
}

impl FromStr for Format {
    type Err = FormatError;

    fn from_str(text: &str) -> Result<Format, FormatError> {
        Format::parse(text)
    }
}

/// Column headers for a table: field name to header text, such as `ID` to
/// `IMAGE ID`.
///
/// The header row is the same template rendered against this map, with
/// Docker's header functions (`upper`, `json`… leave their argument alone).
/// A field with no header shows `<no value>`, as in Docker.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeaderMap(BTreeMap<String, String>);

impl HeaderMap {
    /// An empty map.
    pub fn new() -> HeaderMap {
        HeaderMap::default()
    }

    /// Adds or replaces a header.
    pub fn insert(&mut self, field: impl Into<String>, header: impl Into<String>) {
        self.0.insert(field.into(), header.into());
    }

    /// This map with one more header.
    pub fn with(mut self, field: impl Into<String>, header: impl Into<String>) -> HeaderMap {
        self.insert(field, header);
        self
    }

    /// The header of a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    /// `docker images`: `ID` is `IMAGE ID`, `CreatedSince` is `CREATED`…
    pub fn images() -> HeaderMap {
        [
            ("ID", "IMAGE ID"),
            ("Repository", "REPOSITORY"),
            ("Tag", "TAG"),
            ("Digest", "DIGEST"),
            ("CreatedSince", "CREATED"),
            ("CreatedAt", "CREATED AT"),
            ("Size", "SIZE"),
            ("BlobSize", "BLOB SIZE"),
            ("Containers", "CONTAINERS"),
            ("VirtualSize", "SIZE"),
            ("SharedSize", "SHARED SIZE"),
            ("UniqueSize", "UNIQUE SIZE"),
            ("LastPulled", "LAST PULLED AT"),
            ("LastPulledSince", "LAST PULLED"),
        ]
        .into_iter()
        .collect()
    }

    /// `docker history`: `ID` is `IMAGE`, `CreatedBy` is `CREATED BY`…
    pub fn history() -> HeaderMap {
        [
            ("ID", "IMAGE"),
            ("CreatedSince", "CREATED"),
            ("CreatedAt", "CREATED AT"),
            ("CreatedBy", "CREATED BY"),
            ("Size", "SIZE"),
            ("Comment", "COMMENT"),
        ]
        .into_iter()
        .collect()
    }

    /// `docker search`: `StarCount` is `STARS`, `IsOfficial` is `OFFICIAL`…
    pub fn search() -> HeaderMap {
        [
            ("Name", "NAME"),
            ("Description", "DESCRIPTION"),
            ("StarCount", "STARS"),
            ("IsOfficial", "OFFICIAL"),
            ("IsAutomated", "AUTOMATED"),
        ]
        .into_iter()
        .collect()
    }

    fn to_json(&self) -> Json {
        Json::Object(
            self.0
                .iter()
                .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                .collect(),
        )
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for HeaderMap {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> HeaderMap {
        HeaderMap(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// Renders rows (each the JSON of one image, history entry or search
/// result) as Docker prints them with `--format`.
///
/// - [`Format::Json`]: one compact JSON object per line.
/// - [`Format::Raw`]: the template once per row, each followed by a newline.
/// - [`Format::Table`]: the header row, then the rows, aligned with
///   [`align_columns`]. The header is printed even with no rows. Like
///   Docker, a header that fails to render keeps what it rendered before the
///   failure.
///
/// An unknown field in a row is an error ([`MissingKey::Error`]), as
/// Docker's typed rows make it. Nothing is returned for a failed render:
/// Docker also prints no partial table.
pub fn render_rows(
    format: &Format,
    headers: &HeaderMap,
    rows: &[Json],
) -> Result<String, FormatError> {
    let mut out = String::new();
    match format {
        Format::Json => {
            for row in rows {
                out.push_str(&serde_json::to_string(row).unwrap_or_else(|_| "null".to_owned()));
                out.push('\n');
            }
        }
        Format::Raw(template) => {
            for row in rows {
                execute(template, row, FuncSet::Rows, MissingKey::Error, &mut out)?;
                out.push('\n');
            }
        }
        Format::Table(template) => {
            // Docker ignores a header error and keeps the partial header.
            let _ = execute(
                template,
                &headers.to_json(),
                FuncSet::Header,
                MissingKey::NoValue,
                &mut out,
            );
            out.push('\n');
            for row in rows {
                execute(template, row, FuncSet::Rows, MissingKey::Error, &mut out)?;
                out.push('\n');
            }
            out = align_columns(&out);
        }
    }
    Ok(out)
}

/// Docker's default formats, for [`Format::parse_or_default`].
pub mod defaults {
    /// `docker images`.
    pub const IMAGES: &str = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
    /// `docker images --digests`.
    pub const IMAGES_WITH_DIGEST: &str = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{if .CreatedSince }}{{.CreatedSince}}{{else}}N/A{{end}}\t{{.Size}}";
    /// `docker history`.
    pub const HISTORY: &str =
        "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    /// `docker history --human=false`.
    pub const HISTORY_NOT_HUMAN: &str =
        "table {{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}";
    /// `docker search`.
    pub const SEARCH: &str = "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}";
    /// `-q`: IDs only.
    pub const QUIET: &str = "{{.ID}}";
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use serde_json::{Value, json};

    use super::{Format, HeaderMap, defaults, render_rows};
    use crate::format::MissingKey;
    use crate::format::ast::Template;

    /// The images of the seed tutorial's `docker images`.
    fn seed_images() -> Vec<Value> {
        [
            ("deepone", "latest", "0d34f8b9483d", "14 hours ago", "279MB"),
            ("alpine", "latest", "a24bb4013296", "5 days ago", "5.57MB"),
            ("redis", "latest", "36304d3b4540", "6 days ago", "104MB"),
            (
                "lovelearnlinux/webserver",
                "v1",
                "083524bb2f84",
                "5 weeks ago",
                "277MB",
            ),
            ("centos", "latest", "470671670cac", "4 months ago", "237MB"),
        ]
        .into_iter()
        .map(|(repo, tag, id, since, size)| {
            json!({
                "Repository": repo, "Tag": tag, "ID": id, "Digest": "<none>",
                "CreatedSince": since, "CreatedAt": "2024-01-01 00:00:00 +0000 UTC", "Size": size,
            })
        })
        .collect()
    }

    fn render(format: &str, rows: &[Value]) -> String {
        let format = Format::parse(format).expect("format parses");
        render_rows(&format, &HeaderMap::images(), rows).expect("renders")
    }

    #[test]
    fn parses_docker_format_keywords() {
        let raw = |t: &str| Format::Raw(Template::parse(t).expect("parses"));
        let table = |t: &str| Format::Table(Template::parse(t).expect("parses"));
        let cases = [
            ("json", Format::Json),
            ("{{json .}}", raw("{{json .}}")),
            (" json", raw("json")),
            ("{{.ID}}", raw("{{.ID}}")),
            ("  {{.ID}}  ", raw("{{.ID}}")),
            ("table {{.ID}}", table("{{.ID}}")),
            ("table", table("")),
            ("tablex", table("x")),
            ("table {{.ID}}\\t{{.Tag}}", table("{{.ID}}\t{{.Tag}}")),
            ("{{.ID}}\\n{{.Tag}}", raw("{{.ID}}\n{{.Tag}}")),
        ];
        for (text, want) in cases {
            assert_eq!(
                Format::parse(text).expect(text),
                want,
                "Format::parse({text:?})"
            );
        }
        assert_eq!("json".parse::<Format>(), Ok(Format::Json));
        assert!(Format::parse("table {{.ID").is_err());
    }

    #[test]
    fn default_formats() {
        let cases = [
            ("", defaults::IMAGES),
            ("table", defaults::IMAGES),
            ("{{.ID}}", "{{.ID}}"),
            ("table {{.Tag}}", "table {{.Tag}}"),
        ];
        for (text, want) in cases {
            assert_eq!(
                Format::parse_or_default(text, defaults::IMAGES),
                Format::parse(want),
                "parse_or_default({text:?})"
            );
        }
        for default in [
            defaults::IMAGES,
            defaults::IMAGES_WITH_DIGEST,
            defaults::HISTORY,
            defaults::HISTORY_NOT_HUMAN,
            defaults::SEARCH,
            defaults::QUIET,
        ] {
            assert!(Format::parse(default).is_ok(), "{default}");
        }
    }

    #[test]
    fn default_images_table_matches_docker() {
        let want = "\
REPOSITORY                 TAG       IMAGE ID       CREATED        SIZE
deepone                    latest    0d34f8b9483d   14 hours ago   279MB
alpine                     latest    a24bb4013296   5 days ago     5.57MB
redis                      latest    36304d3b4540   6 days ago     104MB
lovelearnlinux/webserver   v1        083524bb2f84   5 weeks ago    277MB
centos                     latest    470671670cac   4 months ago   237MB
";
        assert_eq!(render(defaults::IMAGES, &seed_images()), want);
    }

    #[test]
    fn raw_formats_match_the_seed() {
        let rows = seed_images();
        let cases = [
            ("{{.Size}}", "279MB\n5.57MB\n104MB\n277MB\n237MB\n"),
            (
                "{{.Repository}}: {{.Tag}}: {{.Size}}",
                "deepone: latest: 279MB\nalpine: latest: 5.57MB\nredis: latest: 104MB\n\
                 lovelearnlinux/webserver: v1: 277MB\ncentos: latest: 237MB\n",
            ),
            // Raw output is not aligned: tabs stay tabs.
            (
                "{{.ID}}\\t{{.Tag}}",
                "0d34f8b9483d\tlatest\na24bb4013296\tlatest\n36304d3b4540\tlatest\n083524bb2f84\tv1\n470671670cac\tlatest\n",
            ),
        ];
        for (format, want) in cases {
            assert_eq!(render(format, &rows), want, "{format}");
        }
    }

    #[test]
    fn tables_use_headers_and_header_functions() {
        let rows = &seed_images()[..2];
        let cases = [
            ("table {{.ID}}", "IMAGE ID\n0d34f8b9483d\na24bb4013296\n"),
            (
                "table {{.ID}}\\t{{.Repository}}",
                "IMAGE ID       REPOSITORY\n0d34f8b9483d   deepone\na24bb4013296   alpine\n",
            ),
            (
                "table {{upper .Tag}}\\t{{.Size}}",
                "TAG       SIZE\nLATEST    279MB\nLATEST    5.57MB\n",
            ),
            (
                "table {{.Repository}}:{{.Tag}}",
                "REPOSITORY:TAG\ndeepone:latest\nalpine:latest\n",
            ),
            (
                "table {{truncate .ID 4}}|{{title .Tag}}",
                "IMAGE ID|TAG\n0d34|Latest\na24b|Latest\n",
            ),
            (
                "table {{.CreatedAt}}",
                "CREATED AT\n2024-01-01 00:00:00 +0000 UTC\n2024-01-01 00:00:00 +0000 UTC\n",
            ),
            // pad is not a header function: the header is padded too.
            ("table {{pad .Tag 1 1}}|", " TAG |\n latest |\n latest |\n"),
        ];
        for (format, want) in cases {
            assert_eq!(render(format, rows), want, "{format}");
        }
        // The header fails at `json .` (header functions take strings) and
        // keeps what it had; the rows still render.
        let tags = [json!({"Tag": "latest"})];
        assert_eq!(
            render("table {{json .Tag}} {{json .}}", &tags),
            "TAG \n\"latest\" {\"Tag\":\"latest\"}\n"
        );
        // A row without the field is an error; a header without it shows
        // <no value>.
        let format = Format::parse("table {{.Digest}}\\t{{.Unknown}}").expect("parses");
        let error = render_rows(&format, &HeaderMap::images(), rows).expect_err("unknown field");
        assert_eq!(
            error.to_string(),
            "template: :1:14: executing \"\" at <.Unknown>: map has no entry for key \"Unknown\""
        );
        let header_only = render_rows(&format, &HeaderMap::images(), &[]).expect("no rows");
        assert_eq!(header_only, "DIGEST    <no value>\n");
    }

    #[test]
    fn empty_tables_print_the_header() {
        let format = Format::parse(defaults::IMAGES).expect("parses");
        assert_eq!(
            render_rows(&format, &HeaderMap::images(), &[]).expect("renders"),
            "REPOSITORY   TAG       IMAGE ID   CREATED   SIZE\n"
        );
        let raw = Format::parse("{{.ID}}").expect("parses");
        assert_eq!(
            render_rows(&raw, &HeaderMap::images(), &[]).expect("renders"),
            ""
        );
    }

    #[test]
    fn json_prints_one_object_per_line() {
        let rows = [
            json!({"ID": "abc", "Size": "1kB"}),
            json!({"ID": "d<e>&f", "Size": null}),
        ];
        let want = "{\"ID\":\"abc\",\"Size\":\"1kB\"}\n{\"ID\":\"d<e>&f\",\"Size\":null}\n";
        assert_eq!(
            render_rows(&Format::Json, &HeaderMap::images(), &rows).expect("renders"),
            want
        );
        assert_eq!(render("{{json .}}", &rows), want);
    }

    #[test]
    fn history_and_search_headers() {
        let history = [
            json!({"ID": "<missing>", "CreatedSince": "2 weeks ago", "CreatedBy": "/bin/sh -c #(nop)  CMD [\"redis-server\"]", "Size": "0B", "Comment": ""}),
        ];
        let format = Format::parse(defaults::HISTORY).expect("parses");
        assert_eq!(
            render_rows(&format, &HeaderMap::history(), &history).expect("renders"),
            "IMAGE       CREATED       CREATED BY                                SIZE      COMMENT\n\
             <missing>   2 weeks ago   /bin/sh -c #(nop)  CMD [\"redis-server\"]   0B        \n"
        );
        let search = [
            json!({"Name": "centos", "Description": "The official build of CentOS.", "StarCount": "6032", "IsOfficial": "[OK]"}),
            json!({"Name": "lovelearnlinux/webserver", "Description": "", "StarCount": "0", "IsOfficial": ""}),
        ];
        let format = Format::parse(defaults::SEARCH).expect("parses");
        assert_eq!(
            render_rows(&format, &HeaderMap::search(), &search).expect("renders"),
            "NAME                       DESCRIPTION                     STARS     OFFICIAL\n\
             centos                     The official build of CentOS.   6032      [OK]\n\
             lovelearnlinux/webserver                                   0         \n"
        );
    }

    #[test]
    fn header_map_builders() {
        let map = HeaderMap::new().with("A", "ALPHA");
        assert_eq!(map.get("A"), Some("ALPHA"));
        assert_eq!(map.get("B"), None);
        assert_eq!(HeaderMap::images().get("ID"), Some("IMAGE ID"));
        assert_eq!(HeaderMap::history().get("ID"), Some("IMAGE"));
        assert_eq!(HeaderMap::search().get("StarCount"), Some("STARS"));
    }

    #[test]
    fn inspect_prints_no_value_for_unknown_fields() {
        let template = Template::parse("{{.Os}}/{{.Architecture}} {{.Nope}} {{.Config.Labels.x}}")
            .expect("parses");
        let data = json!({"Os": "linux", "Architecture": "amd64", "Config": {"Labels": null}});
        assert_eq!(
            template.execute(&data, MissingKey::NoValue).map_err(|e| e.to_string()),
            Err("template: :1:45: executing \"\" at <.Config.Labels.x>: nil pointer evaluating interface {}.x".to_owned())
        );
        let template = Template::parse("{{.Os}} {{.Nope}} {{.Config.Nope.x}}").expect("parses");
        assert_eq!(
            template.execute(&data, MissingKey::NoValue),
            Ok("linux <no value> <no value>".to_owned())
        );
        assert_eq!(template.source(), "{{.Os}} {{.Nope}} {{.Config.Nope.x}}");
    }
}
