//! [`ConfigDiff`]: how two image configs differ in what a container runs
//! with (env, cmd, entrypoint, user, workdir, labels, exposed ports), in
//! platform, and in build history.
//!
//! - Env is compared as a map from name to value (`KEY=value`; an entry
//!   without `=` is a name with an empty value), so reordering is no change.
//! - Labels are a map, exposed ports a set.
//! - Cmd, entrypoint, user, working dir and platform are compared whole and
//!   listed only when they differ.
//! - History is compared step by step by `created_by`: the steps both
//!   images share from the first one, then each image's own steps.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::config::{ImageConfig, RuntimeConfig};

/// A value that differs between the two images.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed<T> {
    /// Image A's value.
    pub a: T,
    /// Image B's value.
    pub b: T,
}

impl<T: PartialEq> Changed<T> {
    /// `Some` when `a` and `b` differ.
    pub fn of(a: T, b: T) -> Option<Changed<T>> {
        (a != b).then_some(Changed { a, b })
    }
}

/// How two maps (env, labels) differ, each list sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapDiff {
    /// Keys only B has, with B's value.
    pub added: BTreeMap<String, String>,
    /// Keys only A has, with A's value.
    pub removed: BTreeMap<String, String>,
    /// Keys both have, with different values.
    pub changed: BTreeMap<String, Changed<String>>,
}

impl MapDiff {
    /// Compares `a` with `b`.
    pub fn new(a: &BTreeMap<String, String>, b: &BTreeMap<String, String>) -> MapDiff {
        let mut diff = MapDiff::default();
        for (key, value) in a {
            match b.get(key) {
                None => {
                    diff.removed.insert(key.clone(), value.clone());
                }
                Some(other) => {
                    if let Some(changed) = Changed::of(value.clone(), other.clone()) {
                        diff.changed.insert(key.clone(), changed);
                    }
                }
            }
        }
        for (key, value) in b {
            if !a.contains_key(key) {
                diff.added.insert(key.clone(), value.clone());
            }
        }
        diff
    }

    /// Whether the maps are equal.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

/// How two sets (exposed ports) differ.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetDiff {
    /// Only in B.
    pub added: BTreeSet<String>,
    /// Only in A.
    pub removed: BTreeSet<String>,
}

impl SetDiff {
    /// Compares `a` with `b`.
    pub fn new(a: &BTreeSet<String>, b: &BTreeSet<String>) -> SetDiff {
        SetDiff {
            added: b.difference(a).cloned().collect(),
            removed: a.difference(b).cloned().collect(),
        }
    }

    /// Whether the sets are equal.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty()
    }
}

/// The build steps (`created_by`) both images share from the first, then
/// each image's own.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryDiff {
    /// How many steps from the first are the same in both.
    pub shared: usize,
    /// A's steps after the shared ones.
    pub a: Vec<String>,
    /// B's steps after the shared ones.
    pub b: Vec<String>,
}

impl HistoryDiff {
    /// Whether the histories are the same.
    pub fn is_empty(&self) -> bool {
        self.a.is_empty() && self.b.is_empty()
    }
}

/// How two image configs differ. Empty parts mean "the same".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigDiff {
    /// `os/arch[/variant]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<Changed<String>>,
    /// `ENV`.
    pub env: MapDiff,
    /// `ENTRYPOINT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Changed<Option<Vec<String>>>>,
    /// `CMD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cmd: Option<Changed<Option<Vec<String>>>>,
    /// `USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Changed<Option<String>>>,
    /// `WORKDIR`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_dir: Option<Changed<Option<String>>>,
    /// `LABEL`s.
    pub labels: MapDiff,
    /// `EXPOSE`d ports.
    pub exposed_ports: SetDiff,
    /// The build steps.
    pub history: HistoryDiff,
}

impl ConfigDiff {
    /// Compares config `a` with config `b`.
    pub fn new(a: &ImageConfig, b: &ImageConfig) -> ConfigDiff {
        let empty = RuntimeConfig::default();
        let (ra, rb) = (
            a.config.as_ref().unwrap_or(&empty),
            b.config.as_ref().unwrap_or(&empty),
        );
        ConfigDiff {
            platform: Changed::of(a.platform().to_string(), b.platform().to_string()),
            env: MapDiff::new(&env_map(&ra.env), &env_map(&rb.env)),
            entrypoint: Changed::of(ra.entrypoint.clone(), rb.entrypoint.clone()),
            cmd: Changed::of(ra.cmd.clone(), rb.cmd.clone()),
            user: Changed::of(ra.user.clone(), rb.user.clone()),
            working_dir: Changed::of(ra.working_dir.clone(), rb.working_dir.clone()),
            labels: MapDiff::new(&ra.labels, &rb.labels),
            exposed_ports: SetDiff::new(&ra.exposed_ports, &rb.exposed_ports),
            history: history_diff(a, b),
        }
    }

    /// Whether the configs agree on everything compared.
    pub fn is_empty(&self) -> bool {
        self.platform.is_none()
            && self.env.is_empty()
            && self.entrypoint.is_none()
            && self.cmd.is_none()
            && self.user.is_none()
            && self.working_dir.is_none()
            && self.labels.is_empty()
            && self.exposed_ports.is_empty()
            && self.history.is_empty()
    }
}

/// One row of the configs side by side: a field and each image's value
/// (`None`: the image has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConfigRow {
    /// What the row is (`env PATH`, `cmd`, `label version`, `port 80/tcp`,
    /// `history step 3`).
    pub field: String,
    /// Image A's value.
    pub a: Option<String>,
    /// Image B's value.
    pub b: Option<String>,
}

impl ConfigDiff {
    /// Every difference as a row, in the order the text shows them:
    /// platform, env, entrypoint, cmd, user, workdir, labels, ports, history.
    pub fn rows(&self) -> Vec<ConfigRow> {
        let mut rows = Vec::new();
        let mut row = |field: String, a: Option<String>, b: Option<String>| {
            rows.push(ConfigRow { field, a, b });
        };
        if let Some(c) = &self.platform {
            row("platform".into(), Some(c.a.clone()), Some(c.b.clone()));
        }
        let map_rows =
            |name: &str,
             map: &MapDiff,
             row: &mut dyn FnMut(String, Option<String>, Option<String>)| {
                let mut keys: BTreeSet<&String> = map.added.keys().collect();
                keys.extend(map.removed.keys());
                keys.extend(map.changed.keys());
                for key in keys {
                    let (a, b) = match (
                        map.removed.get(key),
                        map.added.get(key),
                        map.changed.get(key),
                    ) {
                        (Some(a), _, _) => (Some(a.clone()), None),
                        (_, Some(b), _) => (None, Some(b.clone())),
                        (_, _, Some(c)) => (Some(c.a.clone()), Some(c.b.clone())),
                        _ => (None, None),
                    };
                    row(format!("{name} {key}"), a, b);
                }
            };
        map_rows("env", &self.env, &mut row);
        let args = |v: &Option<Vec<String>>| {
            v.as_ref()
                .map(|v| serde_json::to_string(v).unwrap_or_default())
        };
        for (name, c) in [("entrypoint", &self.entrypoint), ("cmd", &self.cmd)] {
            if let Some(c) = c {
                row(name.into(), args(&c.a), args(&c.b));
            }
        }
        for (name, c) in [("user", &self.user), ("workdir", &self.working_dir)] {
            if let Some(c) = c {
                row(name.into(), c.a.clone(), c.b.clone());
            }
        }
        map_rows("label", &self.labels, &mut row);
        let exposed = || Some("exposed".to_owned());
        for port in &self.exposed_ports.removed {
            row(format!("port {port}"), exposed(), None);
        }
        for port in &self.exposed_ports.added {
            row(format!("port {port}"), None, exposed());
        }
        let history = &self.history;
        for i in 0..history.a.len().max(history.b.len()) {
            row(
                format!("history step {}", history.shared + i + 1),
                history.a.get(i).cloned(),
                history.b.get(i).cloned(),
            );
        }
        rows
    }
}

/// `KEY=value` entries as a map (a later entry for a key wins, as in a
/// container's environment).
fn env_map(env: &[String]) -> BTreeMap<String, String> {
    env.iter()
        .map(|entry| match entry.split_once('=') {
            Some((key, value)) => (key.to_owned(), value.to_owned()),
            None => (entry.clone(), String::new()),
        })
        .collect()
}

fn history_diff(a: &ImageConfig, b: &ImageConfig) -> HistoryDiff {
    let steps = |c: &ImageConfig| -> Vec<String> {
        c.history
            .iter()
            .map(|h| h.created_by.clone().unwrap_or_default())
            .collect()
    };
    let (a, b) = (steps(a), steps(b));
    let shared = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    HistoryDiff {
        shared,
        a: a[shared..].to_vec(),
        b: b[shared..].to_vec(),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    fn config(json: serde_json::Value) -> ImageConfig {
        let mut doc = serde_json::json!({
            "architecture": "amd64", "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": []},
        });
        if let (Some(doc), Some(extra)) = (doc.as_object_mut(), json.as_object()) {
            doc.extend(extra.clone());
        }
        serde_json::from_value(doc).expect("a config")
    }

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn same_configs_differ_in_nothing() {
        let c = config(serde_json::json!({"config": {"Env": ["A=1"], "Cmd": ["sh"]}}));
        assert!(ConfigDiff::new(&c, &c).is_empty());
    }

    #[test]
    fn env_table() {
        // (A's env, B's env, added, removed, changed)
        type Case<'a> = (
            &'a [&'a str],
            &'a [&'a str],
            &'a [(&'a str, &'a str)],
            &'a [(&'a str, &'a str)],
            &'a [&'a str],
        );
        let cases: &[Case] = &[
            (&["A=1", "B=2"], &["B=2", "A=1"], &[], &[], &[]),
            (&["A=1"], &["A=1", "C=3"], &[("C", "3")], &[], &[]),
            (&["A=1", "C=3"], &["A=1"], &[], &[("C", "3")], &[]),
            (&["V=7.0"], &["V=7.2"], &[], &[], &["V"]),
            (&["X"], &["X="], &[], &[], &[]),
            (&["A=1", "A=2"], &["A=2"], &[], &[], &[]),
            (&["E=a=b"], &["E=a"], &[], &[], &["E"]),
        ];
        for (a, b, added, removed, changed) in cases {
            let owned = |s: &[&str]| s.iter().map(|e| (*e).to_owned()).collect::<Vec<_>>();
            let diff = MapDiff::new(&env_map(&owned(a)), &env_map(&owned(b)));
            assert_eq!(diff.added, map(added), "{a:?} vs {b:?}");
            assert_eq!(diff.removed, map(removed), "{a:?} vs {b:?}");
            let keys: Vec<&str> = diff.changed.keys().map(String::as_str).collect();
            assert_eq!(&keys, changed, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn runtime_fields_and_history() {
        let a = config(serde_json::json!({
            "config": {
                "Env": ["PATH=/bin", "REDIS_VERSION=7.0.15"],
                "Cmd": ["redis-server"],
                "ExposedPorts": {"6379/tcp": {}},
                "Labels": {"version": "7.0", "team": "cache"},
            },
            "history": [
                {"created_by": "ADD rootfs /"},
                {"created_by": "ENV REDIS_VERSION=7.0.15", "empty_layer": true},
                {"created_by": "CMD [\"redis-server\"]", "empty_layer": true},
            ],
        }));
        let b = config(serde_json::json!({
            "architecture": "arm64",
            "config": {
                "Env": ["PATH=/bin", "REDIS_VERSION=7.2.4"],
                "Entrypoint": ["docker-entrypoint.sh"],
                "Cmd": ["redis-server"],
                "ExposedPorts": {"6379/tcp": {}, "16379/tcp": {}},
                "Labels": {"version": "7.2"},
                "User": "redis",
            },
            "history": [
                {"created_by": "ADD rootfs /"},
                {"created_by": "ENV REDIS_VERSION=7.2.4", "empty_layer": true},
            ],
        }));
        let diff = ConfigDiff::new(&a, &b);
        assert_eq!(
            diff.platform,
            Some(Changed {
                a: "linux/amd64".to_owned(),
                b: "linux/arm64".to_owned()
            })
        );
        assert_eq!(diff.env.changed.len(), 1);
        assert!(diff.env.added.is_empty() && diff.env.removed.is_empty());
        assert_eq!(
            diff.entrypoint,
            Some(Changed {
                a: None,
                b: Some(vec!["docker-entrypoint.sh".to_owned()])
            })
        );
        assert_eq!(diff.cmd, None);
        assert_eq!(diff.working_dir, None);
        assert_eq!(
            diff.user,
            Some(Changed {
                a: None,
                b: Some("redis".to_owned())
            })
        );
        assert_eq!(diff.labels.removed, map(&[("team", "cache")]));
        assert_eq!(diff.labels.changed.len(), 1);
        assert_eq!(
            diff.exposed_ports.added.iter().collect::<Vec<_>>(),
            ["16379/tcp"]
        );
        assert_eq!(diff.history.shared, 1);
        assert_eq!(diff.history.a.len(), 2);
        assert_eq!(diff.history.b, ["ENV REDIS_VERSION=7.2.4"]);
        assert!(!diff.is_empty());
        let rows: Vec<(String, Option<String>, Option<String>)> = diff
            .rows()
            .into_iter()
            .map(|r| (r.field, r.a, r.b))
            .collect();
        let s = |v: &str| Some(v.to_owned());
        assert_eq!(
            rows,
            [
                ("platform".into(), s("linux/amd64"), s("linux/arm64")),
                ("env REDIS_VERSION".into(), s("7.0.15"), s("7.2.4")),
                ("entrypoint".into(), None, s(r#"["docker-entrypoint.sh"]"#)),
                ("user".into(), None, s("redis")),
                ("label team".into(), s("cache"), None),
                ("label version".into(), s("7.0"), s("7.2")),
                ("port 16379/tcp".into(), None, s("exposed")),
                (
                    "history step 2".into(),
                    s("ENV REDIS_VERSION=7.0.15"),
                    s("ENV REDIS_VERSION=7.2.4")
                ),
                ("history step 3".into(), s(r#"CMD ["redis-server"]"#), None),
            ]
        );
    }
}
