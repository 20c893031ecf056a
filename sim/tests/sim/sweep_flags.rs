//! Bad sweep lists get clear errors naming their flag.

use std::path::Path;

use lamsim_sim::sweep::{self, SweepError, Workload};

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

#[test]
fn memory_outside_lambda_range_or_not_a_number() {
    assert_eq!(
        err(sweep::parse_memory("512,64")),
        "--memory: 64 MB is outside 128..=10240 (Lambda's range)"
    );
    assert!(err(sweep::parse_memory("10241")).contains("outside 128..=10240"));
    assert!(err(sweep::parse_memory("1GB")).contains("`1GB` is not a whole number of MB"));
    assert!(err(sweep::parse_memory("512,,1024")).contains("empty item"));
    assert!(err(sweep::parse_memory("512,512")).contains("512 is given twice"));
}

#[test]
fn unknown_architecture_suggests_the_right_name() {
    assert_eq!(
        err(sweep::parse_architecture("x86_64,aarch64")),
        "--architecture: unknown architecture `aarch64`: expected x86_64 or arm64 (did you mean `arm64`?)"
    );
    assert!(err(sweep::parse_architecture("sparc")).contains("unknown architecture `sparc`"));
}

#[test]
fn provisioned_and_shard_values() {
    assert_eq!(
        sweep::parse_provisioned("auto").unwrap(),
        sweep::ProvisionedList::Auto
    );
    assert!(err(sweep::parse_provisioned("-1")).contains("--provisioned: `-1`"));
    assert_eq!(sweep::parse_shard("2/4").unwrap(), (Some(2), 4));
    assert_eq!(sweep::parse_shard("/4").unwrap(), (None, 4));
    assert!(err(sweep::parse_shard("4/4")).contains("I must be in 0..4"));
    assert!(err(sweep::parse_shard("1/0")).contains("N must be a positive integer"));
    let env = |k: &str| (k == "SLURM_ARRAY_TASK_ID").then(|| "3".to_string());
    assert_eq!(sweep::shard_index_from_env(4, env).unwrap(), 3);
    assert!(err(sweep::shard_index_from_env(3, env)).contains("SLURM_ARRAY_TASK_ID=3"));
    let both = |k: &str| {
        Some(
            if k == "JOB_COMPLETION_INDEX" {
                "1"
            } else {
                "0"
            }
            .to_string(),
        )
    };
    assert_eq!(sweep::shard_index_from_env(2, both).unwrap(), 1);
    assert!(err(sweep::shard_index_from_env(2, |_| None)).contains("JOB_COMPLETION_INDEX"));
}

#[test]
fn set_values_are_validated_like_the_file_and_errors_name_the_flag() {
    let w = Workload::from_text(BASE, Path::new("."), "base.toml").unwrap();
    let bad_idle = [sweep::parse_set("function.keep-alive.idle=5m,5").unwrap()];
    let e = err(w.check_axes(&bad_idle).map(|_| ()));
    assert!(e.starts_with("--set function.keep-alive.idle=5:"), "{e}");
    assert!(e.contains("function[0].keep-alive.idle"), "{e}");

    let unknown = [sweep::parse_set("function.memory=512").unwrap()];
    let e = err(w.check_axes(&unknown).map(|_| ()));
    assert!(e.contains("function[0].memory: unknown key"), "{e}");

    // Provisioned concurrency above the reservation is refused by validation.
    let pc = [sweep::provisioned_axis([0, 6])];
    let e = err(w.check_axes(&pc).map(|_| ()));
    assert!(e.starts_with("--provisioned=6:"), "{e}");
    assert!(e.contains("exceed reserved-concurrency = 5"), "{e}");

    assert!(err(sweep::parse_set("function.keep-alive.idle")).contains("has no `=`"));
    assert!(err(sweep::parse_set("function..idle=1")).contains("not a TOML path"));
}

#[test]
fn memory_edits_keep_the_reference_memory_of_the_measurement() {
    // The duration was measured at the file's 1,024 MB: at 2,048 MB its CPU part (all of it,
    // by default) runs 1769/1024 times faster (CPU share is capped at one vCPU with one thread).
    let w = Workload::from_text(BASE, Path::new("."), "base.toml").unwrap();
    let axes = [sweep::parse_memory("2048").unwrap()];
    let s = w.scenario(&axes, &sweep::cross_product(&axes)[0]).unwrap();
    let f = &s.functions[0];
    assert_eq!((f.memory_mb, f.duration.reference_memory_mb), (2048, 1024));
}
