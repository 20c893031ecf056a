//! `kind = "azure2019"`: members keep the trace's counts, memory and duration percentiles.

use lamsim_sim::dist::{Sampler, percentile_at};
use lamsim_sim::model::{ArrivalProcess, Dist};
use lamsim_sim::rng::{Component, stream};
use lamsim_sim::runner::run_replicate_with;
use lamsim_sim::time::NS_PER_MIN;

use crate::support::{arrivals, azure2019_workload, hash, scenario, workloads, write_azure2019};

#[test]
fn every_minute_keeps_its_count_and_the_first_column_is_time_zero() {
    let dir = tempfile::tempdir().unwrap();
    let p = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    write_azure2019(
        dir.path(),
        480,
        &[
            (&[3, 0, 5, 0], p, 100.0),
            (&[0, 0, 0, 1], p, 300.2),
            (&[2, 2, 0, 0], p, 20_000.0),
        ],
    );
    let s = scenario(&azure2019_workload("4m", "", ""), dir.path());
    assert_eq!(s.functions.len(), 3);
    assert_eq!(s.populations.len(), 1);
    assert_eq!(s.populations[0].members, 0..3);
    // Names: the population's name (default the kind) and the hash's first 12 digits.
    assert_eq!(s.functions[0].name, format!("azure2019-{}", &hash(0)[..12]));
    // Memory: the largest allocated memory rounded up to a whole MB, within 128..=10240.
    let mem: Vec<u32> = s.functions.iter().map(|f| f.memory_mb).collect();
    assert_eq!(mem, [128, 301, 10_240]);
    let log = arrivals(&s, 1);
    let per_minute = |ts: &Vec<lamsim_sim::time::SimTime>| {
        let mut c = [0u32; 4];
        for t in ts {
            c[(t.0 / NS_PER_MIN) as usize] += 1;
        }
        c
    };
    assert_eq!(per_minute(&log[0]), [3, 0, 5, 0]);
    assert_eq!(per_minute(&log[1]), [0, 0, 0, 1]);
    assert_eq!(per_minute(&log[2]), [2, 2, 0, 0]);
}

#[test]
fn the_repository_excerpt_replays_every_invocation_of_every_function() {
    // The expected totals come from the CSV text itself, not from the reader.
    let dir = workloads().join("populations/azure2019");
    let text = std::fs::read_to_string(dir.join("invocations.csv")).unwrap();
    let expected: Vec<(String, u64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            let total = cells[4..].iter().map(|c| c.parse::<u64>().unwrap()).sum();
            (cells[2][..12].to_string(), total)
        })
        .collect();
    assert_eq!(expected.len(), 100);
    let s = scenario(&azure2019_workload("8h", "", ""), &dir);
    let log = arrivals(&s, 5);
    for (f, (id, _)) in s.functions.iter().zip(&expected) {
        assert_eq!(f.name, format!("azure2019-{id}"));
    }
    let got: Vec<u64> = log.iter().map(|a| a.len() as u64).collect();
    let want: Vec<u64> = expected.iter().map(|e| e.1).collect();
    assert_eq!(got, want);
    assert_eq!(got.iter().sum::<u64>(), 339_657);
}

#[test]
fn durations_follow_the_linear_interpolation_of_the_percentiles() {
    let dir = tempfile::tempdir().unwrap();
    let p = [10.0, 20.0, 50.0, 100.0, 200.0, 900.0, 1000.0];
    write_azure2019(dir.path(), 1, &[(&[1], p, 128.0)]);
    let s = scenario(&azure2019_workload("1m", "", ""), dir.path());
    let d = &s.functions[0].duration;
    let Dist::Percentiles { points } = &d.dist else {
        panic!("expected percentiles, got {:?}", d.dist)
    };
    let probs = [0.0, 0.01, 0.25, 0.5, 0.75, 0.99, 1.0];
    let want: Vec<(f64, f64)> = probs.iter().copied().zip(p).collect();
    assert_eq!(**points, want);
    // The mean of a piecewise-linear quantile function: the trapezoids' areas, by hand.
    let mean = 0.01 * 15.0 + 0.24 * 35.0 + 0.25 * 75.0 + 0.25 * 150.0 + 0.24 * 550.0 + 0.01 * 950.0;
    assert!(
        (d.dist.mean_ms() - mean).abs() < 1e-9,
        "{} vs {mean}",
        d.dist.mean_ms()
    );
    // Samples: the empirical CDF at the interpolated quantile x_q is q within 4 binomial SEs.
    let sampler = Sampler::from_dist(&d.dist, 1.0);
    let mut rng = stream(9, "percentiles", Component::Duration);
    let n = 100_000;
    let xs: Vec<f64> = (0..n)
        .map(|_| sampler.sample(&mut rng).as_millis_f64())
        .collect();
    for q in [0.005, 0.1, 0.3, 0.5, 0.6, 0.9, 0.995] {
        let x = percentile_at(points, q);
        let cdf = xs.iter().filter(|&&v| v <= x).count() as f64 / n as f64;
        let se = (q * (1.0 - q) / n as f64).sqrt();
        assert!((cdf - q).abs() < 4.0 * se + 1e-5, "q {q}: x {x}, cdf {cdf}");
    }
    // Explicit interpolation: halfway between p25 = 50 and p50 = 100.
    assert!((percentile_at(points, 0.375) - 75.0).abs() < 1e-9);
}

#[test]
fn a_function_missing_from_the_durations_file_takes_the_defaults_duration() {
    let dir = tempfile::tempdir().unwrap();
    let p = [1.0; 7];
    write_azure2019(dir.path(), 1, &[(&[1], p, 128.0), (&[2], p, 128.0)]);
    // Drop the second function's duration row.
    let dur = std::fs::read_to_string(dir.path().join("durations.csv")).unwrap();
    let kept: Vec<&str> = dur.lines().take(2).collect();
    std::fs::write(dir.path().join("durations.csv"), kept.join("\n") + "\n").unwrap();
    let e = crate::support::errors(&azure2019_workload("1m", "", ""), dir.path());
    assert!(e.has_path("population[0]"), "{e}");
    assert!(
        e.to_string()
            .contains("1 of its 2 functions are invoked but have no duration"),
        "{e}"
    );
    assert!(
        e.to_string().contains("[population.defaults.duration]"),
        "{e}"
    );
    let s = scenario(
        &azure2019_workload(
            "1m",
            "",
            "[population.defaults.duration]\ndist = \"const\"\nvalue = \"7ms\"\n",
        ),
        dir.path(),
    );
    // Defaults win for every member when they set the duration.
    for f in &s.functions {
        assert_eq!(f.duration.dist, Dist::Const { value_ms: 7.0 });
    }
    assert!(matches!(
        s.functions[0].triggers[0].arrivals.process,
        ArrivalProcess::Counts(_)
    ));
}

#[test]
fn defaults_memory_applies_to_every_member_over_the_memory_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = [1.0; 7];
    write_azure2019(dir.path(), 1, &[(&[1], p, 300.0), (&[1], p, 900.0)]);
    let s = scenario(&azure2019_workload("1m", "", "memory-mb = 512"), dir.path());
    let mem: Vec<u32> = s.functions.iter().map(|f| f.memory_mb).collect();
    assert_eq!(mem, [512, 512]);
    // Without the default, the file's.
    let s = scenario(&azure2019_workload("1m", "", ""), dir.path());
    let mem: Vec<u32> = s.functions.iter().map(|f| f.memory_mb).collect();
    assert_eq!(mem, [300, 900]);
}

/// A function the trace never invokes needs no duration row; one that is invoked does.
#[test]
fn only_invoked_functions_need_a_duration() {
    let dir = tempfile::tempdir().unwrap();
    let p = [1.0; 7];
    write_azure2019(dir.path(), 1, &[(&[1], p, 128.0), (&[0], p, 128.0)]);
    let dur = std::fs::read_to_string(dir.path().join("durations.csv")).unwrap();
    let kept: Vec<&str> = dur.lines().take(2).collect();
    std::fs::write(dir.path().join("durations.csv"), kept.join("\n") + "\n").unwrap();
    let s = scenario(&azure2019_workload("1m", "", ""), dir.path());
    assert_eq!(s.functions.len(), 2);
    // The first row's percentiles, all 1 ms.
    assert!(matches!(
        s.functions[0].duration.dist,
        Dist::Percentiles { .. }
    ));
    let log = crate::support::arrivals(&s, 1);
    assert_eq!((log[0].len(), log[1].len()), (1, 0));
}

/// `[population.defaults.duration]` without `dist` keeps each member's percentiles and scales
/// them with its keys: measured at 1769 MB on one thread, run at 3538 MB with two threads, a
/// fully CPU-bound duration halves (s_ref / s = 1 / 2).
#[test]
fn defaults_scaling_keys_scale_the_traces_durations() {
    let dir = tempfile::tempdir().unwrap();
    let p = [10.0; 7];
    write_azure2019(dir.path(), 1, &[(&[5], p, 128.0)]);
    let defaults = "memory-mb = 3538\n[population.defaults.duration]\nreference-memory-mb = 1769\nthreads = 2\n";
    let s = scenario(&azure2019_workload("1m", "", defaults), dir.path());
    let d = &s.functions[0].duration;
    assert!(matches!(d.dist, Dist::Percentiles { .. }), "{:?}", d.dist);
    assert_eq!(d.reference_memory_mb, 1769);
    let (_, execs, _) = run_replicate_with(&s, 1, crate::support::Execs::default(), &|_| {});
    assert_eq!(execs.0.len(), 5);
    for (_, _, exec) in &execs.0 {
        assert_eq!(exec.0, 5_000_000, "10 ms at 1769 MB is 5 ms at 3538 MB");
    }
    // Without the keys, the same member runs its 10 ms.
    let s = scenario(
        &azure2019_workload("1m", "", "memory-mb = 3538\n"),
        dir.path(),
    );
    let (_, execs, _) = run_replicate_with(&s, 1, crate::support::Execs::default(), &|_| {});
    assert!(execs.0.iter().all(|e| e.2.0 == 10_000_000));
    // Scaling keys alone cannot stand in for a missing duration row: the error asks for `dist`.
    write_azure2019(dir.path(), 1, &[(&[1], p, 128.0), (&[1], p, 128.0)]);
    let dur = std::fs::read_to_string(dir.path().join("durations.csv")).unwrap();
    let kept: Vec<&str> = dur.lines().take(2).collect();
    std::fs::write(dir.path().join("durations.csv"), kept.join("\n") + "\n").unwrap();
    let e = crate::support::errors(&azure2019_workload("1m", "", defaults), dir.path());
    assert!(e.to_string().contains("add `dist`"), "{e}");
}
