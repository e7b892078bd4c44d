//! Parsing real-world-shaped image configs.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use time::macros::datetime;

use super::*;

const REDIS: &str = include_str!("testdata/redis-config.json");
const BUILDKIT: &str = include_str!("testdata/buildkit-oci-config.json");

fn parse(json: &str) -> ImageConfig {
    ImageConfig::from_slice(json.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn reads_a_redis_config() {
    let c = parse(REDIS);
    assert_eq!(
        c.created,
        Some(datetime!(2024-04-10 19:52:11.471623187 UTC))
    );
    assert_eq!(c.platform().to_string(), "linux/amd64");
    let rc = c.config.as_ref().unwrap();
    assert_eq!(rc.user.as_deref(), Some(""));
    assert_eq!(rc.env.len(), 5);
    assert_eq!(rc.env[1], "GOSU_VERSION=1.17");
    assert_eq!(rc.cmd.as_deref(), Some(&["redis-server".to_owned()][..]));
    assert_eq!(
        rc.entrypoint.as_deref(),
        Some(&["docker-entrypoint.sh".to_owned()][..])
    );
    assert_eq!(rc.exposed_ports.iter().collect::<Vec<_>>(), ["6379/tcp"]);
    assert_eq!(rc.volumes.iter().collect::<Vec<_>>(), ["/data"]);
    assert_eq!(rc.working_dir.as_deref(), Some("/data"));
    assert!(rc.labels.is_empty(), "null Labels read as empty");
    assert!(rc.on_build.is_empty(), "null OnBuild read as empty");
    assert_eq!(rc.extra["Hostname"], serde_json::json!(""));
    assert_eq!(c.extra["docker_version"], serde_json::json!("20.10.23"));
    assert_eq!(c.rootfs.fs_type, "layers");
    assert_eq!(c.rootfs.diff_ids.len(), 6);
    assert_eq!(c.history.len(), 16);
    assert_eq!(c.history.iter().filter(|h| h.empty_layer).count(), 10);
    assert_eq!(
        c.history[0].created,
        Some(datetime!(2024-04-10 00:00:00.337591297 UTC))
    );
}

#[test]
fn pairs_history_with_layers() {
    let c = parse(REDIS);
    let pairs = c.layer_history();
    let with_layer: Vec<usize> = pairs
        .iter()
        .enumerate()
        .filter(|(_, (_, d))| d.is_some())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(with_layer, [0, 2, 4, 8, 9, 12]);
    let digests: Vec<&Digest> = pairs.iter().filter_map(|(_, d)| *d).collect();
    assert_eq!(digests, c.rootfs.diff_ids.iter().collect::<Vec<_>>());
}

#[test]
fn reads_a_buildkit_oci_config() {
    let c = parse(BUILDKIT);
    assert_eq!(c.platform().normalized().to_string(), "linux/arm64/v8");
    let rc = c.config.as_ref().unwrap();
    assert_eq!(rc.user.as_deref(), Some("65532:65532"));
    assert_eq!(rc.labels["maintainer"], "ops@example.com");
    assert_eq!(rc.stop_signal.as_deref(), Some("SIGQUIT"));
    assert_eq!(rc.args_escaped, Some(true));
    let hc = rc.healthcheck.as_ref().unwrap();
    assert_eq!(hc.test[0], "CMD-SHELL");
    assert_eq!(
        (hc.interval, hc.timeout, hc.retries, hc.start_period),
        (Some(30_000_000_000), Some(5_000_000_000), Some(3), None)
    );
    assert_eq!(
        c.history[1].comment.as_deref(),
        Some("buildkit.dockerfile.v0")
    );
    assert_eq!(
        c.layer_history()
            .iter()
            .filter(|(_, d)| d.is_some())
            .count(),
        2
    );
}

#[test]
fn roundtrips() {
    for json in [REDIS, BUILDKIT] {
        let c = parse(json);
        let back = serde_json::to_string(&c).unwrap();
        assert_eq!(parse(&back), c);
    }
    // Without nulls to drop, the JSON value itself survives.
    let orig: serde_json::Value = serde_json::from_str(BUILDKIT).unwrap();
    assert_eq!(serde_json::to_value(parse(BUILDKIT)).unwrap(), orig);
}

#[test]
fn reads_created_times() {
    let cases = [
        (
            "2024-04-10T19:52:11Z",
            Some(datetime!(2024-04-10 19:52:11 UTC)),
        ),
        (
            "2024-04-10T19:52:11.5Z",
            Some(datetime!(2024-04-10 19:52:11.5 UTC)),
        ),
        (
            "2024-04-10T19:52:11.471623187Z",
            Some(datetime!(2024-04-10 19:52:11.471623187 UTC)),
        ),
        (
            "2024-04-10T19:52:11.471623187999Z",
            Some(datetime!(2024-04-10 19:52:11.471623187 UTC)),
        ),
        (
            "2024-04-10T21:52:11+02:00",
            Some(datetime!(2024-04-10 19:52:11 UTC)),
        ),
        (
            "2024-04-10t19:52:11z",
            Some(datetime!(2024-04-10 19:52:11 UTC)),
        ),
        (
            "1970-01-01T00:00:00Z",
            Some(datetime!(1970-01-01 00:00:00 UTC)),
        ),
        (
            "0001-01-01T00:00:00Z",
            Some(datetime!(0001-01-01 00:00:00 UTC)),
        ),
        ("2024-04-10", None),
        (
            "2024-04-10 19:52:11Z",
            Some(datetime!(2024-04-10 19:52:11 UTC)),
        ),
        ("2024-04-10T19:52:11", None),
        ("yesterday", None),
        ("", None),
    ];
    for (created, expected) in cases {
        let json =
            format!(r#"{{"created":"{created}","rootfs":{{"type":"layers","diff_ids":[]}}}}"#);
        let got = ImageConfig::from_slice(json.as_bytes()).map(|c| c.created);
        match expected {
            Some(t) => assert_eq!(got, Ok(Some(t)), "{created}"),
            None => assert!(
                matches!(got, Err(ConfigError::Invalid { .. })),
                "{created}: {got:?}"
            ),
        }
    }
    let json = r#"{"created":null,"rootfs":{"type":"layers","diff_ids":null}}"#;
    let c = ImageConfig::from_slice(json.as_bytes()).unwrap();
    assert_eq!((c.created, c.rootfs.diff_ids.len()), (None, 0));
}

#[test]
fn writes_created_times_as_rfc3339() {
    let cases = [
        (datetime!(2024-04-10 19:52:11 UTC), "2024-04-10T19:52:11Z"),
        (
            datetime!(2024-04-10 19:52:11.471623187 UTC),
            "2024-04-10T19:52:11.471623187Z",
        ),
        (
            datetime!(2024-04-10 19:52:11.5 UTC),
            "2024-04-10T19:52:11.5Z",
        ),
    ];
    for (time, expected) in cases {
        let h = History {
            created: Some(time),
            created_by: None,
            author: None,
            comment: None,
            empty_layer: false,
        };
        assert_eq!(
            serde_json::to_string(&h).unwrap(),
            format!(r#"{{"created":"{expected}"}}"#)
        );
    }
}

#[test]
fn reads_nulls_and_absences() {
    let cases = [
        (r#"{}"#, None, None, 0, 0),
        (
            r#"{"Entrypoint":null,"Cmd":null,"Env":null,"ExposedPorts":null,"Volumes":null}"#,
            None,
            None,
            0,
            0,
        ),
        (
            r#"{"Entrypoint":[],"Cmd":["sh"],"Env":["A=1"],"ExposedPorts":{"80/tcp":{},"53/udp":{}}}"#,
            Some(0),
            Some(1),
            1,
            2,
        ),
    ];
    for (json, entrypoint, cmd, env, ports) in cases {
        let rc: RuntimeConfig =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
        assert_eq!(rc.entrypoint.as_ref().map(Vec::len), entrypoint, "{json}");
        assert_eq!(rc.cmd.as_ref().map(Vec::len), cmd, "{json}");
        assert_eq!(rc.env.len(), env, "{json}");
        assert_eq!(rc.exposed_ports.len(), ports, "{json}");
    }
    let rc: RuntimeConfig =
        serde_json::from_str(r#"{"ExposedPorts":{"80/tcp":{}},"Volumes":{"/a":{}}}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&rc).unwrap(),
        r#"{"ExposedPorts":{"80/tcp":{}},"Volumes":{"/a":{}}}"#
    );
}

#[test]
fn rejects_bad_configs() {
    let cases = [
        ("", "image config is not valid JSON"),
        ("{", "image config is not valid JSON"),
        ("[]", "invalid image config: invalid type: sequence"),
        (
            r#"{"architecture":"amd64"}"#,
            "invalid image config: missing field `rootfs`",
        ),
        (
            r#"{"rootfs":{"type":"layers","diff_ids":["sha256:abc"]}}"#,
            "expected 64 hex characters, found 3",
        ),
        (
            r#"{"rootfs":{"type":"layers"},"config":{"Env":"A=1"}}"#,
            "invalid type: string",
        ),
    ];
    for (json, message) in cases {
        let err = ImageConfig::from_slice(json.as_bytes())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(message), "{json}: {err}");
    }
}
