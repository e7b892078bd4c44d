//! containerd's normalisation rules (see the module table in `mod.rs`).

use super::Platform;

pub(super) fn normalize(platform: &Platform) -> Platform {
    let os = match platform.os.to_ascii_lowercase().as_str() {
        "macos" => "darwin".to_owned(),
        other => other.to_owned(),
    };
    let arch = platform.architecture.to_ascii_lowercase();
    let variant = platform
        .variant
        .as_deref()
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let (arch, variant) = normalize_arch(&arch, &variant);
    Platform {
        architecture: arch.to_owned(),
        os,
        os_version: platform.os_version.clone(),
        os_features: platform.os_features.clone(),
        variant: (!variant.is_empty()).then(|| variant.to_owned()),
    }
}

fn normalize_arch<'a>(arch: &'a str, variant: &'a str) -> (&'a str, &'a str) {
    match arch {
        "i386" => ("386", ""),
        "x86_64" | "x86-64" | "amd64" => ("amd64", if variant == "v1" { "" } else { variant }),
        "aarch64" | "arm64" => (
            "arm64",
            match variant {
                "" | "8" | "v8" | "v8.0" => "v8",
                "9" | "9.0" | "v9.0" => "v9",
                other => other,
            },
        ),
        "armhf" => ("arm", "v7"),
        "armel" => ("arm", "v6"),
        "arm" => (
            "arm",
            match variant {
                "" | "7" => "v7",
                "5" => "v5",
                "6" => "v6",
                "8" => "v8",
                other => other,
            },
        ),
        other => (other, variant),
    }
}

#[cfg(test)]
mod tests {
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;

    #[test]
    fn keeps_os_details_and_clears_empty_variants() {
        let mut p = Platform::new("Windows", "AMD64");
        p.os_version = Some("10.0.20348.2340".into());
        p.os_features = vec!["win32k".into()];
        p.variant = Some(String::new());
        let n = p.normalized();
        assert_eq!(n.os, "windows");
        assert_eq!(n.architecture, "amd64");
        assert_eq!(n.variant, None);
        assert_eq!(n.os_version, p.os_version);
        assert_eq!(n.os_features, p.os_features);
    }

    #[test]
    fn arch_table() {
        let cases = [
            (("i386", "v1"), ("386", "")),
            (("amd64", ""), ("amd64", "")),
            (("amd64", "v2"), ("amd64", "v2")),
            (("arm64", "v9"), ("arm64", "v9")),
            (("arm64", "9"), ("arm64", "v9")),
            (("arm", "v8"), ("arm", "v8")),
            (("arm", "8"), ("arm", "v8")),
            (("mips64le", ""), ("mips64le", "")),
        ];
        for ((arch, variant), expected) in cases {
            assert_eq!(normalize_arch(arch, variant), expected, "{arch}/{variant}");
        }
    }
}
