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
