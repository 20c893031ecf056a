//! `calibration = "…"` on a `[[function]]`: the file written by `lamsim calibrate` supplies
//! `[function.duration]` / `[function.init]`; keys written in the workload override it; errors
//! name the calibration file and its TOML path.

use std::path::Path;

use lamsim_sim::config;
use lamsim_sim::model::Dist;

use crate::config_validation::{errors_in, ok_in, temp_dir};

const CALIBRATION: &str = r#"# lamsim calibration (comments are ignored)
schema-version = 1
function = "api"

[duration]
dist = "lognormal"
median = "40ms"
p99 = "120ms"
reference-memory-mb = 1024
cpu-fraction = 0.6

[init]
dist = "gamma"
shape = 9.0
scale = "20ms"
reference-memory-mb = 1024
cpu-fraction = 0.0
"#;

fn workload(extra: &str) -> String {
    format!(
        "[simulation]\nduration = \"1h\"\n[[function]]\nname = \"api\"\nmemory-mb = 512\n\
         calibration = \"cal/calibration.toml\"\n[function.arrivals]\nkind = \"poisson\"\n\
         rate-per-s = 1.0\n{extra}"
    )
}

fn dir_with(name: &str, calibration: &str) -> tempfile::TempDir {
    let tmp = temp_dir(name);
    std::fs::create_dir_all(tmp.path().join("cal")).unwrap();
    std::fs::write(tmp.path().join("cal/calibration.toml"), calibration).unwrap();
    tmp
}

#[test]
fn the_calibration_supplies_duration_and_init() {
    let tmp = dir_with("cal-supplies", CALIBRATION);
    let dir = tmp.path();
    let s = ok_in(&workload(""), dir);
    let f = &s.functions[0];
    assert_eq!(
        f.calibration.as_deref(),
        Some(
            std::path::absolute(dir.join("cal/calibration.toml"))
                .unwrap()
                .as_path()
        )
    );
    // median 40 ms, p99 120 ms: mu = ln 40, sigma = ln 3 / z99.
    match f.duration.dist {
        Dist::LogNormal { mu, sigma } => {
            assert!((mu - 40f64.ln()).abs() < 1e-12);
            assert!((sigma - 3f64.ln() / config::validate::Z99).abs() < 1e-12);
        }
        ref other => panic!("{other:?}"),
    }
    assert_eq!(f.duration.reference_memory_mb, 1024);
    assert_eq!(f.duration.cpu_fraction, 0.6);
    assert_eq!(
        f.init.dist,
        Dist::Gamma {
            shape: 9.0,
            scale_ms: 20.0
        }
    );
    assert_eq!(f.init.cpu_fraction, 0.0);
}

#[test]
fn explicit_keys_override_the_calibration() {
    let tmp = dir_with("cal-override", CALIBRATION);
    let dir = tmp.path();
    // Only a scaling key: the distribution still comes from the calibration.
    let s = ok_in(
        &workload("[function.duration]\ncpu-fraction = 0.25\nthreads = 2\n"),
        dir,
    );
    let d = &s.functions[0].duration;
    assert!(matches!(d.dist, Dist::LogNormal { .. }));
    assert_eq!(
        (d.cpu_fraction, d.threads, d.reference_memory_mb),
        (0.25, 2, 1024)
    );
    // A `dist` of its own replaces every distribution key (no mixing of median with value),
    // while unspecified scaling keys still come from the calibration.
    let s = ok_in(
        &workload("[function.init]\ndist = \"const\"\nvalue = \"300ms\"\n"),
        dir,
    );
    let i = &s.functions[0].init;
    assert_eq!(i.dist, Dist::Const { value_ms: 300.0 });
    assert_eq!((i.reference_memory_mb, i.cpu_fraction), (1024, 0.0));
    // The same family with one key changed: lognormal median + p99 merge key by key.
    let s = ok_in(&workload("[function.duration]\np99 = \"400ms\"\n"), dir);
    match s.functions[0].duration.dist {
        Dist::LogNormal { mu, sigma } => {
            assert!((mu - 40f64.ln()).abs() < 1e-12);
            assert!((sigma - 10f64.ln() / config::validate::Z99).abs() < 1e-12);
        }
        ref other => panic!("{other:?}"),
    }
}

#[test]
fn a_calibration_without_init_leaves_the_default_profile() {
    let tmp = dir_with(
        "cal-no-init",
        "[duration]\ndist = \"const\"\nvalue = \"5ms\"\n",
    );
    let dir = tmp.path();
    let text = workload("").replace(
        "memory-mb = 512\n",
        "memory-mb = 512\nruntime = \"python3.13\"\n",
    );
    let s = ok_in(&text, dir);
    // python3.13's built-in profile (cpu-fraction 0), not the duration's.
    assert_eq!(s.functions[0].init.cpu_fraction, 0.0);
    assert!(matches!(s.functions[0].init.dist, Dist::LogNormal { .. }));
    assert_eq!(s.functions[0].duration.dist, Dist::Const { value_ms: 5.0 });
}

#[test]
fn an_empirical_file_is_relative_to_the_calibration_file() {
    let tmp = dir_with(
        "cal-empirical",
        "[duration]\ndist = \"empirical\"\nfile = \"samples.txt\"\n",
    );
    let dir = tmp.path();
    std::fs::write(dir.join("cal/samples.txt"), "# ms\n10\n20\n30\n").unwrap();
    let s = ok_in(&workload(""), dir);
    match &s.functions[0].duration.dist {
        Dist::Empirical { path, samples_ms } => {
            assert_eq!(samples_ms.as_slice(), [10.0, 20.0, 30.0]);
            assert_eq!(
                path,
                &std::path::absolute(dir.join("cal/samples.txt")).unwrap()
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_resolved_file_inlines_the_calibration_and_reruns_identically() {
    let tmp = dir_with("cal-resolved", CALIBRATION);
    let dir = tmp.path();
    let s = ok_in(&workload(""), dir);
    let text = config::to_resolved_toml(&s);
    assert!(text.contains("calibration = \""), "{text}");
    assert!(
        text.contains("[function.duration]\ndist = \"lognormal\""),
        "{text}"
    );
    let again = config::from_str(&text, Path::new("/"), "resolved.toml").unwrap();
    assert_eq!(config::to_resolved_toml(&again), text);
    assert_eq!(again.functions[0].duration, s.functions[0].duration);
    assert_eq!(again.functions[0].init, s.functions[0].init);
}

#[test]
fn errors_name_the_calibration_file_and_its_toml_path() {
    // A missing file.
    let tmp = temp_dir("cal-missing");
    let dir = tmp.path();
    let e = errors_in(&workload(""), dir);
    let err = e
        .errors
        .iter()
        .find(|x| x.path == "function[0].calibration")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(err.message.contains("cannot read calibration file"), "{e}");
    assert!(err.message.contains("cal/calibration.toml"), "{e}");
    // No second error about the missing [function.duration].
    assert_eq!(e.errors.len(), 1, "{e}");

    // An unknown key, with its line.
    let tmp = dir_with(
        "cal-unknown",
        "[duration]\ndist = \"exp\"\nmean = \"5ms\"\nmedain = \"4ms\"\n",
    );
    let dir = tmp.path();
    let e = errors_in(&workload(""), dir);
    let err = &e.errors[0];
    assert_eq!(err.path, "function[0].calibration", "{e}");
    assert!(err.message.contains("(line 4)"), "{e}");
    assert!(err.message.contains("medain"), "{e}");

    // A bad value: reported at the calibration key, naming duration.median in the file.
    let tmp = dir_with(
        "cal-bad-value",
        "[duration]\ndist = \"lognormal\"\nmedian = 40\np99 = \"120ms\"\n",
    );
    let dir = tmp.path();
    let e = errors_in(&workload(""), dir);
    let err = &e.errors[0];
    assert_eq!(err.path, "function[0].calibration", "{e}");
    assert!(
        err.message
            .contains("calibration.toml\" at duration.median: "),
        "{e}"
    );
    assert!(err.message.contains("bare number"), "{e}");

    // A bad value written in the workload stays at the workload's path.
    let tmp = dir_with("cal-own-error", CALIBRATION);
    let dir = tmp.path();
    let e = errors_in(&workload("[function.duration]\ncpu-fraction = 2.0\n"), dir);
    assert!(e.has_path("function[0].duration.cpu-fraction"), "{e}");

    // Another schema version.
    let tmp = dir_with("cal-schema", "schema-version = 2\n");
    let dir = tmp.path();
    let e = errors_in(&workload(""), dir);
    assert!(e.errors[0].message.contains("schema-version: 2"), "{e}");

    // A calibration without [duration], and none in the workload.
    let tmp = dir_with(
        "cal-no-duration",
        "[init]\ndist = \"const\"\nvalue = \"1ms\"\n",
    );
    let dir = tmp.path();
    let e = errors_in(&workload(""), dir);
    let err = e
        .errors
        .iter()
        .find(|x| x.path == "function[0].duration")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(
        err.hint.as_deref().unwrap_or("").contains("no [duration]"),
        "{e}"
    );
}

#[test]
fn a_function_takes_the_duration_measured_nearest_its_memory() {
    // [duration] at 1,024 MB and [[duration-at-memory]] tables at 256 and 512 MB.
    let calibration = format!(
        "{CALIBRATION}\n[[duration-at-memory]]\ndist = \"const\"\nvalue = \"300ms\"\nreference-memory-mb = 256\ncpu-fraction = 0.8\n\n[[duration-at-memory]]\ndist = \"empirical\"\nfile = \"at512.txt\"\nreference-memory-mb = 512\ncpu-fraction = 0.7\n"
    );
    let tmp = dir_with("cal-nearest", &calibration);
    std::fs::write(tmp.path().join("cal/at512.txt"), "100\n120\n140\n").unwrap();
    let at = |memory: u32, extra: &str| {
        let text = workload(extra).replace("memory-mb = 512", &format!("memory-mb = {memory}"));
        ok_in(&text, tmp.path()).functions[0].duration.clone()
    };
    // A measured size takes its own table (its `file` relative to the calibration file).
    let d = at(512, "");
    assert_eq!(d.reference_memory_mb, 512);
    assert_eq!(d.cpu_fraction, 0.7);
    assert!(matches!(d.dist, Dist::Empirical { ref samples_ms, .. } if samples_ms.len() == 3));
    assert_eq!(at(256, "").dist, Dist::Const { value_ms: 300.0 });
    // Between sizes, the nearest: 700 MB is 188 from 512 and 324 from 1,024.
    assert_eq!(at(700, "").reference_memory_mb, 512);
    assert_eq!(at(900, "").reference_memory_mb, 1024);
    // A tie takes the larger: 384 is 128 from both 256 and 512.
    assert_eq!(at(384, "").reference_memory_mb, 512);
    assert_eq!(at(128, "").reference_memory_mb, 256);
    assert_eq!(at(4096, "").reference_memory_mb, 1024);
    // A workload that gives its own dist takes the scaling keys of [duration] only.
    let own = at(
        256,
        "[function.duration]\ndist = \"const\"\nvalue = \"50ms\"\n",
    );
    assert_eq!(own.dist, Dist::Const { value_ms: 50.0 });
    assert_eq!((own.reference_memory_mb, own.cpu_fraction), (1024, 0.6));
}
