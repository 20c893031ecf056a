//! Every example workload validates, and its resolved form reads back to the same scenario.

use std::path::{Path, PathBuf};

use lamsim_sim::config::{self, to_resolved_toml};
use lamsim_sim::model::{ArrivalProcess, Dist, DiurnalProfile, Scenario};
use lamsim_sim::time::SimTime;

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads/examples")
}

fn examples() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(examples_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// Compares two `Debug` renderings, numbers to a relative 1e-12 (a lognormal written as
/// median + p99 reads back within a few units in the last place), everything else exactly.
pub fn assert_same(a: &str, b: &str) {
    fn split(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            let starts_number = c.is_ascii_digit()
                || (c == '-' && chars.peek().is_some_and(|n| n.is_ascii_digit()));
            if starts_number {
                let mut t = c.to_string();
                while let Some(&n) = chars.peek() {
                    let exp_sign = (n == '-' || n == '+') && t.ends_with('e');
                    if n.is_ascii_digit() || n == '.' || n == 'e' || exp_sign {
                        t.push(n);
                        chars.next();
                    } else {
                        break;
                    }
                }
                out.push((true, t));
            } else {
                match out.last_mut() {
                    Some((false, t)) => t.push(c),
                    _ => out.push((false, c.to_string())),
                }
            }
        }
        out
    }
    let (ta, tb) = (split(a), split(b));
    assert_eq!(ta.len(), tb.len(), "structure differs:\n{a}\n---\n{b}");
    for ((na, xa), (nb, xb)) in ta.iter().zip(&tb) {
        assert_eq!(na, nb, "structure differs at {xa:?} vs {xb:?}");
        if *na && xa != xb {
            let (fa, fb): (f64, f64) = (xa.parse().unwrap(), xb.parse().unwrap());
            let tol = 1e-12 * fa.abs().max(fb.abs());
            assert!((fa - fb).abs() <= tol, "{xa} vs {xb}");
        } else {
            assert_eq!(xa, xb);
        }
    }
}

fn round_trip(s: &Scenario) -> Scenario {
    let text = to_resolved_toml(s);
    // Resolved files hold absolute paths, so any base folder works.
    config::from_str(&text, Path::new("/nonexistent"), "resolved")
        .unwrap_or_else(|e| panic!("resolved file does not validate:\n{e}\n{text}"))
}

#[test]
fn every_example_validates() {
    let files = examples();
    assert!(files.len() >= 5, "{files:?}");
    for f in files {
        if let Err(e) = config::load(&f) {
            panic!("{e}");
        }
    }
}

#[test]
fn every_example_survives_the_resolved_round_trip() {
    for f in examples() {
        let s = config::load(&f).unwrap();
        let back = round_trip(&s);
        assert_same(&format!("{s:?}"), &format!("{back:?}"));
        // A second round trip is stable too.
        let again = round_trip(&back);
        assert_same(&format!("{back:?}"), &format!("{again:?}"));
    }
}

#[test]
fn quickstart_has_the_values_it_says() {
    let s = config::load(&examples_dir().join("quickstart.toml")).unwrap();
    assert_eq!(s.simulation.duration, SimTime::from_secs(3600));
    assert_eq!(s.simulation.warmup, SimTime::from_secs(300));
    assert_eq!(s.simulation.seed, 42);
    let f = &s.functions[0];
    assert!(
        matches!(f.triggers[0].arrivals.process, ArrivalProcess::Poisson { rate_per_s } if rate_per_s == 50.0)
    );
    let Dist::LogNormal { mu, sigma } = f.duration.dist else {
        panic!("{:?}", f.duration.dist)
    };
    assert!((mu - 100f64.ln()).abs() < 1e-12);
    assert!((sigma - 5f64.ln() / 2.326_347_874_040_841).abs() < 1e-12);
    // Mean of that lognormal: 100 ms × exp(σ²/2) ≈ 127.04 ms, as the example's comment says.
    assert!((f.duration.dist.mean_ms() - 127.04).abs() < 0.01);
    // The resolved file gives the values back as the user wrote them.
    let resolved = to_resolved_toml(&s);
    assert!(
        resolved.contains("median = \"100ms\"\np99 = \"500ms\""),
        "{resolved}"
    );
    assert!(resolved.contains("seed = 42"), "{resolved}");
    // Defaults.
    assert_eq!(f.triggers[0].arrivals.end, SimTime::from_secs(3600));
    assert_eq!(f.duration.reference_memory_mb, 1024);
    assert_eq!(s.account.concurrency_limit, 1000);
    // The init comes from the python3.13 profile: measured at 1024 MB, not scaled.
    assert_eq!(f.init.reference_memory_mb, 1024);
    assert_eq!(f.init.cpu_fraction, 0.0);
}

#[test]
fn diurnal_example_peaks_where_it_says() {
    let s = config::load(&examples_dir().join("diurnal-provisioned.toml")).unwrap();
    let f = &s.functions[0];
    let ArrivalProcess::Diurnal(DiurnalProfile::Sine {
        peak_at, period, ..
    }) = &f.triggers[0].arrivals.process
    else {
        panic!()
    };
    assert_eq!(*peak_at, SimTime::from_secs(14 * 3600));
    assert_eq!(*period, SimTime::from_secs(24 * 3600));
    assert_eq!(f.provisioned.len(), 1);
    assert_eq!(f.provisioned[0].start, SimTime::from_secs(10 * 3600));
    assert_eq!(f.provisioned[0].count, 40);
}

#[test]
fn trace_example_keeps_only_its_functions_rows() {
    let s = config::load(&examples_dir().join("trace-replay.toml")).unwrap();
    let counts: Vec<usize> = s
        .functions
        .iter()
        .map(|f| match &f.triggers[0].arrivals.process {
            ArrivalProcess::Trace(t) => t.times.len(),
            other => panic!("{other:?}"),
        })
        .collect();
    // Counted with `cut -d, -f3 | sort | uniq -c` on the fixture.
    assert_eq!(counts, [174, 108]);
}
