//! Built-in cold-start profiles: lookup by runtime, architecture and memory.

use lamsim_sim::model::{Architecture, Dist};
use lamsim_sim::profiles::{self, PackageType};

#[test]
fn nearest_memory_is_used_as_the_reference() {
    for (asked, measured) in [
        (128, 128),
        (200, 256),
        (384, 512),
        (700, 512),
        (800, 1024),
        (10_240, 1024),
    ] {
        let p = profiles::init_profile("python3.13", Architecture::X86_64, asked).unwrap();
        assert_eq!(p.reference_memory_mb, measured, "{asked} MB");
        assert_eq!(p.cpu_fraction, 0.0);
    }
}

#[test]
fn profiles_match_the_table_rows() {
    // sim/data/cold-start-profiles.csv: python3.13,zip,x86_64,1024,10,4.435827,0.044555,...
    let p = profiles::init_profile("python3.13", Architecture::X86_64, 1024).unwrap();
    assert_eq!(
        p.dist,
        Dist::LogNormal {
            mu: 4.435827,
            sigma: 0.044555
        }
    );
    // java21 zip arm64 at 128 MB differs from x86_64 at 128 MB: architectures are separate.
    let x = profiles::init_profile("java21", Architecture::X86_64, 128).unwrap();
    let a = profiles::init_profile("java21", Architecture::Arm64, 128).unwrap();
    assert_ne!(x.dist, a.dist);
    // Images are slower to start than zips for managed runtimes (python3.13: ~150 vs ~85 ms).
    let img =
        profiles::lookup("python3.13", PackageType::Image, Architecture::X86_64, 1024).unwrap();
    let zip = profiles::lookup("python3.13", PackageType::Zip, Architecture::X86_64, 1024).unwrap();
    assert!(img.median_ms() > 1.5 * zip.median_ms());
    assert_eq!(zip.samples, 10);
}

#[test]
fn ordering_of_runtimes_matches_what_is_known() {
    // Compiled custom runtimes start far faster than the JVM.
    let rust = profiles::lookup(
        "provided.al2023:rust",
        PackageType::Zip,
        Architecture::X86_64,
        512,
    )
    .unwrap();
    let java = profiles::lookup("java21", PackageType::Zip, Architecture::X86_64, 512).unwrap();
    assert!(rust.median_ms() < 30.0 && java.median_ms() > 150.0);
}

#[test]
fn runtimes_are_listed_with_aws_ids() {
    let list = profiles::runtimes();
    let ids: Vec<&str> = list.iter().map(|r| r.id.as_str()).collect();
    for id in [
        "python3.13",
        "nodejs22.x",
        "java21",
        "java8.al2",
        "dotnet8",
        "ruby3.4",
        "provided.al2023:go",
        "generic",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    let py = list.iter().find(|r| r.id == "python3.13").unwrap();
    assert_eq!(py.memory_mb, [128, 256, 512, 1024]);
    assert_eq!(
        py.architectures,
        [Architecture::X86_64, Architecture::Arm64]
    );
    // Quarkus was measured on x86_64 only; arm64 falls back to it.
    let q =
        profiles::init_profile("provided.al2:quarkus-native", Architecture::Arm64, 512).unwrap();
    assert_eq!(q.reference_memory_mb, 512);
    assert_eq!(
        profiles::init_profile("cobol", Architecture::X86_64, 512),
        None
    );
}

/// A function on `runtime` (or none) with `arm64-speedup = value`.
fn with_speedup(runtime: Option<&str>, value: &str) -> String {
    format!(
        "[simulation]\nduration = \"1h\"\n\n[[function]]\nname = \"f\"\nmemory-mb = 512\narchitecture = \"arm64\"\n{}arm64-speedup = {value}\n\n[function.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0\n\n[function.duration]\ndist = \"const\"\nvalue = \"10ms\"\n",
        runtime.map_or_else(String::new, |r| format!("runtime = \"{r}\"\n"))
    )
}

fn load(text: &str) -> Result<lamsim_sim::model::Scenario, lamsim_sim::config::ConfigErrors> {
    lamsim_sim::config::from_str(text, std::path::Path::new("."), "test.toml")
}

#[test]
fn the_measured_arm64_speedup_is_the_geometric_mean_of_lambda_perfs_duration_ratios() {
    // sim/data/arm64-durations.csv, python3.12: mean Duration (ms) on x86_64 and arm64 for
    // the image and zip packages at 128, 256, 512 and 1024 MB.
    let pairs = [
        (1.908, 2.178),
        (1.874, 2.256),
        (1.939, 2.223),
        (1.816, 2.279),
        (1.847, 2.117),
        (1.92, 2.055),
        (1.866, 2.06),
        (1.804, 1.985),
    ];
    let logs: Vec<f64> = pairs
        .iter()
        .map(|(x, a): &(f64, f64)| (x / a).ln())
        .collect();
    let mean = logs.iter().sum::<f64>() / 8.0;
    let sd = (logs.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / 7.0).sqrt();
    // Student's t, 7 degrees of freedom, 97.5 %.
    let half = 2.364_624_251_592_785 * sd / 8f64.sqrt();
    let m = profiles::arm64_speedup("python3.12").expect("measured");
    assert_eq!(m.pairs, 8);
    assert!((m.speedup - mean.exp()).abs() < 1e-12, "{m:?}");
    assert!((m.ci95[0] - (mean - half).exp()).abs() < 1e-9, "{m:?}");
    assert!((m.ci95[1] - (mean + half).exp()).abs() < 1e-9, "{m:?}");
    // arm64 ran this hello world about 13 % slower.
    assert!(m.ci95[1] < 1.0);
    let s = load(&with_speedup(Some("python3.12"), "\"lambda-perf\"")).unwrap();
    assert_eq!(s.functions[0].arm64_speedup, m.speedup);
    // No measurement for a runtime lambda-perf does not run on both architectures.
    assert!(profiles::arm64_speedup("generic").is_none());
}

#[test]
fn lambda_perf_speedup_needs_a_measured_runtime() {
    let e = load(&with_speedup(None, "\"lambda-perf\"")).unwrap_err();
    let err = e
        .errors
        .iter()
        .find(|x| x.path == "function[0].arm64-speedup")
        .unwrap_or_else(|| panic!("{e}"));
    assert!(err.message.contains("`runtime` is not set"), "{e}");
    assert!(
        err.hint.as_deref().unwrap().contains("lamsim runtimes"),
        "{e}"
    );
    let e = load(&with_speedup(
        Some("provided.al2:quarkus-native"),
        "\"lambda-perf\"",
    ))
    .unwrap_err();
    assert!(
        e.errors.iter().any(|x| x.message.contains(
            "no arm64 and x86_64 measurements of runtime \"provided.al2:quarkus-native\""
        )),
        "{e}"
    );
    // Any other text is not a number.
    let e = load(&with_speedup(Some("python3.12"), "\"fast\"")).unwrap_err();
    assert!(
        e.errors
            .iter()
            .any(|x| x.message.contains("expected a number")),
        "{e}"
    );
}
