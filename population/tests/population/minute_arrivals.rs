//! `minute-arrivals` and `rate-scale`: where a minute's arrivals fall and how many there are.

use lamsim_sim::time::{NS_PER_MIN, SimTime};

use crate::support::{arrivals, azure2019_workload, scenario, write_azure2019};

fn counts_per_minute(ts: &[SimTime], minutes: usize) -> Vec<u64> {
    let mut c = vec![0; minutes];
    for t in ts {
        c[(t.0 / NS_PER_MIN) as usize] += 1;
    }
    c
}

/// Kolmogorov–Smirnov distance between a sample of (0, 1) and the uniform distribution.
fn ks_uniform(mut u: Vec<f64>) -> f64 {
    u.sort_by(f64::total_cmp);
    let n = u.len() as f64;
    u.iter()
        .enumerate()
        .map(|(i, &x)| (x - i as f64 / n).abs().max(((i + 1) as f64 / n - x).abs()))
        .fold(0.0, f64::max)
}

fn run(counts: &[u32], keys: &str, seed: u64) -> Vec<SimTime> {
    let dir = tempfile::tempdir().unwrap();
    write_azure2019(dir.path(), 1, &[(counts, [1.0; 7], 128.0)]);
    let minutes = counts.len();
    let s = scenario(
        &azure2019_workload(&format!("{minutes}m"), keys, ""),
        dir.path(),
    );
    let mut log = arrivals(&s, seed);
    log.swap_remove(0)
}

#[test]
fn uniform_keeps_each_minutes_count_at_uniformly_random_instants() {
    let counts: Vec<u32> = (0..300).map(|m| (m % 7) as u32 * 3).collect();
    let ts = run(&counts, "minute-arrivals = \"uniform\"", 1);
    let want: Vec<u64> = counts.iter().map(|&c| c as u64).collect();
    assert_eq!(counts_per_minute(&ts, counts.len()), want);
    assert!(
        ts.windows(2).all(|w| w[0] <= w[1]),
        "arrivals in time order"
    );
    // Positions inside the minute are uniform: KS at the 1 % level (1.63 / √n).
    let u: Vec<f64> = ts
        .iter()
        .map(|t| (t.0 % NS_PER_MIN) as f64 / NS_PER_MIN as f64)
        .collect();
    let n = u.len() as f64;
    let d = ks_uniform(u);
    assert!(d < 1.63 / n.sqrt(), "KS distance {d} with {n} arrivals");
}

#[test]
fn even_spaces_a_minutes_arrivals_at_half_steps() {
    let ts = run(&[4, 0, 1], "minute-arrivals = \"even\"", 1);
    let min = NS_PER_MIN as f64;
    let want: Vec<u64> = [0.125, 0.375, 0.625, 0.875]
        .iter()
        .map(|u| (u * min) as u64)
        .chain([(2.0 * min + 0.5 * min) as u64])
        .collect();
    assert_eq!(ts.iter().map(|t| t.0).collect::<Vec<_>>(), want);
    // No randomness: any seed gives the same times.
    assert_eq!(run(&[4, 0, 1], "minute-arrivals = \"even\"", 99), ts);
}

#[test]
fn poisson_draws_each_minutes_number_around_its_count() {
    // 600 minutes of 30: a Poisson process at 0.5/s gives counts with variance ≈ mean; the
    // total is Poisson(18,000).
    let counts = vec![30u32; 600];
    let ts = run(&counts, "minute-arrivals = \"poisson\"", 4);
    let per = counts_per_minute(&ts, counts.len());
    let total: u64 = per.iter().sum();
    let sd = 18_000f64.sqrt();
    assert!((total as f64 - 18_000.0).abs() < 4.0 * sd, "total {total}");
    let mean = total as f64 / 600.0;
    let var = per.iter().map(|&c| (c as f64 - mean).powi(2)).sum::<f64>() / 599.0;
    // Dispersion index var/mean: 1 ± 4 · √(2/599).
    let ratio = var / mean;
    assert!(
        (ratio - 1.0).abs() < 4.0 * (2.0f64 / 599.0).sqrt(),
        "dispersion {ratio}"
    );
}

#[test]
fn rate_scale_multiplies_counts_exactly_when_whole_and_in_expectation_otherwise() {
    let counts = vec![3u32; 400];
    let doubled = run(&counts, "rate-scale = 2.0", 1);
    assert_eq!(counts_per_minute(&doubled, 400), vec![6; 400]);
    // 1.5 per minute: 1 or 2, each with probability ½: total 600 ± 4 · √(400 · ¼).
    let halved = run(&counts, "rate-scale = 0.5", 1);
    let per = counts_per_minute(&halved, 400);
    assert!(per.iter().all(|&c| c == 1 || c == 2), "{per:?}");
    let total: u64 = per.iter().sum();
    assert!((total as f64 - 600.0).abs() < 4.0 * 10.0, "total {total}");
    // 0.9 per minute: 1 with probability 0.9 (the fraction, not a coin toss): total
    // 360 ± 4 · √(400 · 0.9 · 0.1).
    let tenth = run(&counts, "rate-scale = 0.3", 2);
    let per = counts_per_minute(&tenth, 400);
    assert!(per.iter().all(|&c| c <= 1), "{per:?}");
    let total: u64 = per.iter().sum();
    assert!((total as f64 - 360.0).abs() < 4.0 * 6.0, "total {total}");
}

#[test]
fn the_window_cuts_the_trace() {
    let ts = run(&[2, 2, 2, 2], "", 1);
    assert_eq!(ts.len(), 8);
    let dir = tempfile::tempdir().unwrap();
    write_azure2019(dir.path(), 1, &[(&[2, 2, 2, 2], [1.0; 7], 128.0)]);
    let s = scenario(&azure2019_workload("90s", "", ""), dir.path());
    let log = arrivals(&s, 1);
    // Minute 0 whole, and the arrivals of minute 1 that fall before 90 s.
    assert!(log[0].len() >= 2 && log[0].len() <= 4, "{}", log[0].len());
    assert!(log[0].iter().all(|t| t.0 < 90 * 1_000_000_000));
}
