//! Every duration distribution is sampled with the right shape, not only the right mean: a
//! Kolmogorov–Smirnov test of the sampler's output against the distribution function that
//! statrs computes from the same parameters (independently of rand_distr, which samples).
//!
//! The samples come from fixed seeds, so the test is deterministic; the critical value is the
//! asymptotic one for α = 0.001, `sqrt(ln(2/α) / 2) / sqrt(n)`. A wrong shape (gamma's shape
//! and scale swapped, Weibull's shape and scale swapped, a lognormal σ off by 10 %) moves the
//! statistic far above it.

use std::path::PathBuf;
use std::sync::Arc;

use lamsim_sim::dist::Sampler;
use lamsim_sim::model::Dist;
use lamsim_sim::rng::{Component, stream};
use statrs::distribution::{ContinuousCDF, Exp, Gamma, LogNormal, Weibull};

const N: usize = 20_000;

/// The critical value of the KS statistic at α = 0.001 for `n` samples.
fn critical(n: usize) -> f64 {
    (f64::ln(2.0 / 0.001) / 2.0).sqrt() / (n as f64).sqrt()
}

/// `n` samples of `dist` scaled by `factor`, divided back by `factor`, in ms, sorted.
fn samples(dist: &Dist, factor: f64, seed: u64, n: usize) -> Vec<f64> {
    let sampler = Sampler::from_dist(dist, factor);
    let mut rng = stream(seed, "ks", Component::Duration);
    let mut x: Vec<f64> = (0..n)
        .map(|_| sampler.sample(&mut rng).as_millis_f64() / factor)
        .collect();
    x.sort_by(f64::total_cmp);
    x
}

/// The KS statistic `sup |F_n − F|` of sorted samples `x` against the distribution function
/// `cdf` (`P(X ≤ v)`) with left limit `cdf_below` (`P(X < v)`, equal to `cdf` when continuous).
fn ks_statistic(x: &[f64], cdf: impl Fn(f64) -> f64, cdf_below: impl Fn(f64) -> f64) -> f64 {
    let n = x.len() as f64;
    let mut d: f64 = 0.0;
    let mut i = 0;
    while i < x.len() {
        let v = x[i];
        let mut j = i;
        while j < x.len() && x[j] == v {
            j += 1;
        }
        // Just below v the sample distribution is i/n; at v it is j/n.
        d = d
            .max((j as f64 / n - cdf(v)).abs())
            .max((i as f64 / n - cdf_below(v)).abs());
        i = j;
    }
    d
}

#[track_caller]
fn assert_fits(dist: &Dist, factor: f64, cdf: impl Fn(f64) -> f64 + Copy) {
    for seed in [1, 2, 3] {
        let x = samples(dist, factor, seed, N);
        let d = ks_statistic(&x, cdf, cdf);
        assert!(
            d < critical(N),
            "{dist:?} × {factor}, seed {seed}: KS statistic {d} ≥ {}",
            critical(N)
        );
    }
}

#[test]
fn exponential_samples_follow_the_exponential_distribution() {
    let e = Exp::new(1.0 / 100.0).unwrap();
    assert_fits(&Dist::Exp { mean_ms: 100.0 }, 1.0, |v| e.cdf(v));
    assert_fits(&Dist::Exp { mean_ms: 100.0 }, 2.5, |v| e.cdf(v));
}

#[test]
fn lognormal_samples_follow_the_lognormal_distribution() {
    let (mu, sigma) = (100f64.ln(), 0.8);
    let l = LogNormal::new(mu, sigma).unwrap();
    assert_fits(&Dist::LogNormal { mu, sigma }, 1.0, |v| l.cdf(v));
    // A σ 10 % too small is detected.
    let wrong = LogNormal::new(mu, sigma * 0.9).unwrap();
    let x = samples(&Dist::LogNormal { mu, sigma }, 1.0, 1, N);
    assert!(ks_statistic(&x, |v| wrong.cdf(v), |v| wrong.cdf(v)) > critical(N));
}

#[test]
fn gamma_samples_follow_the_gamma_distribution_with_shape_and_scale_in_their_places() {
    // statrs's gamma takes a rate (1 / scale).
    for (shape, scale_ms) in [(2.0, 50.0), (0.5, 40.0), (9.0, 3.0)] {
        let g = Gamma::new(shape, 1.0 / scale_ms).unwrap();
        let dist = Dist::Gamma { shape, scale_ms };
        assert_fits(&dist, 1.0, |v| g.cdf(v));
        assert_fits(&dist, 3.0, |v| g.cdf(v));
        // The test tells the parameters apart: the same samples against the swapped gamma.
        let swapped = Gamma::new(scale_ms, 1.0 / shape).unwrap();
        let x = samples(&dist, 1.0, 1, N);
        assert!(ks_statistic(&x, |v| swapped.cdf(v), |v| swapped.cdf(v)) > critical(N));
    }
}

#[test]
fn weibull_samples_follow_the_weibull_distribution_with_shape_and_scale_in_their_places() {
    for (shape, scale_ms) in [(1.5, 80.0), (0.7, 20.0)] {
        let w = Weibull::new(shape, scale_ms).unwrap();
        let dist = Dist::Weibull { shape, scale_ms };
        assert_fits(&dist, 1.0, |v| w.cdf(v));
        assert_fits(&dist, 0.5, |v| w.cdf(v));
        let swapped = Weibull::new(scale_ms, shape).unwrap();
        let x = samples(&dist, 1.0, 1, N);
        assert!(ks_statistic(&x, |v| swapped.cdf(v), |v| swapped.cdf(v)) > critical(N));
    }
}

#[test]
fn empirical_samples_are_drawn_uniformly_from_the_recorded_values() {
    // Five recorded values, one repeated: P(X ≤ v) is the share of recorded values ≤ v.
    let recorded = vec![12.0, 30.0, 30.0, 45.5, 200.0];
    let dist = Dist::Empirical {
        path: PathBuf::from("recorded.csv"),
        samples_ms: Arc::new(recorded.clone()),
    };
    let share = |below: bool| {
        let r = recorded.clone();
        move |v: f64| {
            r.iter()
                .filter(|&&s| if below { s < v } else { s <= v })
                .count() as f64
                / r.len() as f64
        }
    };
    for seed in [1, 2, 3] {
        let x = samples(&dist, 1.0, seed, N);
        assert!(
            x.iter().all(|v| recorded.contains(v)),
            "only recorded values"
        );
        let d = ks_statistic(&x, share(false), share(true));
        assert!(d < critical(N), "seed {seed}: KS statistic {d}");
    }
    // The statistic sees a wrong weighting: the first value twice as likely.
    let skewed = |below: bool| {
        let weights = [2.0, 1.0, 1.0, 1.0, 1.0];
        let r = recorded.clone();
        move |v: f64| {
            r.iter()
                .zip(weights)
                .filter(|&(&s, _)| if below { s < v } else { s <= v })
                .map(|(_, w)| w)
                .sum::<f64>()
                / 6.0
        }
    };
    let x = samples(&dist, 1.0, 1, N);
    assert!(ks_statistic(&x, skewed(false), skewed(true)) > critical(N));
}

#[test]
fn the_sampler_reports_the_mean_of_the_scaled_distribution() {
    let dist = Dist::Gamma {
        shape: 2.0,
        scale_ms: 50.0,
    };
    // Mean 2 · 50 = 100 ms, times 2.5, in nanoseconds.
    let mean = Sampler::from_dist(&dist, 2.5).mean_ns(&dist);
    assert!((mean - 250e6).abs() < 1e-3, "{mean}");
}

#[test]
fn a_constant_is_the_same_value_every_time() {
    let x = samples(&Dist::Const { value_ms: 37.5 }, 1.0, 1, 1000);
    assert!(x.iter().all(|&v| v == 37.5), "{:?}", &x[..3]);
}

#[test]
fn percentile_samples_follow_the_piecewise_linear_quantile_function() {
    // Points (0, 10 ms), (0.5, 20 ms), (0.9, 100 ms), (1, 1000 ms): the distribution function
    // is linear on each segment: 0.5·(v − 10)/10 on 10–20 ms, then 0.5 + 0.4·(v − 20)/80,
    // then 0.9 + 0.1·(v − 100)/900.
    let points = vec![(0.0, 10.0), (0.5, 20.0), (0.9, 100.0), (1.0, 1000.0)];
    let cdf = |v: f64| {
        if v < 10.0 {
            0.0
        } else if v < 20.0 {
            0.5 * (v - 10.0) / 10.0
        } else if v < 100.0 {
            0.5 + 0.4 * (v - 20.0) / 80.0
        } else if v < 1000.0 {
            0.9 + 0.1 * (v - 100.0) / 900.0
        } else {
            1.0
        }
    };
    assert_fits(
        &Dist::Percentiles {
            points: std::sync::Arc::new(points),
        },
        1.0,
        cdf,
    );
}
