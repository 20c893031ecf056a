//! Axes are edits of the workload file validated like it: a bad value is reported with its
//! flag, a memory edit keeps the reference memory of the measurement, `--function` edits one
//! function only.

use std::path::Path;

use lamsim_study::axis::{Axis, TomlPath, cross_product};
use lamsim_study::sweep::SweepError;
use lamsim_study::workload::Workload;

const BASE: &str = r#"
[simulation]
duration = "1m"

[[function]]
name = "a"
memory-mb = 1024
reserved-concurrency = 5

[function.arrivals]
kind = "poisson"
rate-per-s = 1.0

[function.duration]
dist = "const"
value = "10ms"
"#;

fn err(r: Result<impl std::fmt::Debug, SweepError>) -> String {
    r.expect_err("an error").to_string()
}

fn set(path: &str, values: Vec<toml::Value>) -> Axis {
    Axis::set(&TomlPath::parse(path).unwrap(), values)
}

#[test]
fn set_values_are_validated_like_the_file_and_errors_name_the_flag() {
    let w = Workload::from_text(BASE, Path::new("."), "base.toml").unwrap();
    let bad_idle = [set("function.keep-alive.idle", vec!["5m".into(), 5.into()])];
    let e = err(w.check_axes(&bad_idle).map(|_| ()));
    assert!(e.starts_with("--set function.keep-alive.idle=5:"), "{e}");
    assert!(e.contains("function[0].keep-alive.idle"), "{e}");

    let unknown = [set("function.memory", vec![512.into()])];
    let e = err(w.check_axes(&unknown).map(|_| ()));
    assert!(e.contains("function[0].memory: unknown key"), "{e}");

    // Provisioned concurrency above the reservation is refused by validation.
    let pc = [Axis::provisioned([0, 6])];
    let e = err(w.check_axes(&pc).map(|_| ()));
    assert!(e.starts_with("--provisioned=6:"), "{e}");
    assert!(e.contains("exceed reserved-concurrency = 5"), "{e}");

    assert!(
        TomlPath::parse("function..idle")
            .unwrap_err()
            .contains("not a TOML path")
    );
}

#[test]
fn memory_edits_keep_the_reference_memory_of_the_measurement() {
    // The duration was measured at the file's 1,024 MB: at 2,048 MB its CPU part (all of it,
    // by default) runs 1769/1024 times faster (CPU share is capped at one vCPU with one thread).
    let w = Workload::from_text(BASE, Path::new("."), "base.toml").unwrap();
    let axes = [Axis::memory([2048])];
    let s = w.scenario(&axes, &cross_product(&axes)[0]).unwrap();
    let f = &s.functions[0];
    assert_eq!((f.memory_mb, f.duration.reference_memory_mb), (2048, 1024));
}
