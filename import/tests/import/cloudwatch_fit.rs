//! The duration fit: exact where the answer is known from first principles.

use lamsim_import::cloudwatch::{Arrivals, Measured, arrival_times, fit_duration};

fn measured(
    inv: &[f64],
    p50: &[Option<f64>],
    p99: &[Option<f64>],
    avg: &[Option<f64>],
) -> Measured {
    Measured {
        name: "f".into(),
        invocations: inv.to_vec(),
        throttles: vec![0.0; inv.len()],
        errors: vec![0.0; inv.len()],
        concurrency: vec![None; inv.len()],
        p50: p50.to_vec(),
        p99: p99.to_vec(),
        average: avg.to_vec(),
    }
}

fn key<'a>(fit: &'a lamsim_import::cloudwatch::DurationFit, k: &str) -> &'a str {
    &fit.keys.iter().find(|(n, _)| n == k).unwrap().1
}

const Z99: f64 = 2.326_347_874_040_841;

#[test]
fn one_lognormal_every_minute_is_recovered_exactly_with_its_mean() {
    let sigma = (4.0_f64).ln() / Z99;
    let mean = 120.0 * (sigma * sigma / 2.0).exp();
    let m = measured(
        &[10.0, 50.0, 5.0],
        &[Some(120.0); 3],
        &[Some(480.0); 3],
        &[Some(mean); 3],
    );
    let fit = fit_duration(&m).unwrap();
    assert_eq!(key(&fit, "dist"), "\"lognormal\"");
    assert_eq!(key(&fit, "median"), "\"120ms\"");
    assert_eq!(key(&fit, "p99"), "\"480ms\"");
    assert!(fit.quality.contains("(+0.0 %)"), "{}", fit.quality);
}

#[test]
fn a_mixture_with_a_common_p99_keeps_it_and_its_median_lies_between() {
    let m = measured(
        &[30.0, 30.0],
        &[Some(2000.0), Some(3000.0)],
        &[Some(6000.0); 2],
        &[None, None],
    );
    let fit = fit_duration(&m).unwrap();
    assert_eq!(key(&fit, "p99"), "\"6000ms\"");
    let median: f64 = key(&fit, "median")
        .trim_matches('"')
        .trim_end_matches("ms")
        .parse()
        .unwrap();
    assert!(median > 2000.0 && median < 3000.0, "{median}");
    assert!(fit.quality.contains("no Average"), "{}", fit.quality);
    // Minutes without invocations do not weigh in.
    let m = measured(
        &[30.0, 0.0],
        &[Some(2000.0), Some(9000.0)],
        &[Some(6000.0), Some(9999.0)],
        &[None, None],
    );
    assert_eq!(key(&fit_duration(&m).unwrap(), "median"), "\"2000ms\"");
}

#[test]
fn without_p99_the_mean_and_median_fix_the_lognormal_and_without_percentiles_an_exponential() {
    let m = measured(&[10.0], &[Some(100.0)], &[None], &[Some(150.0)]);
    let fit = fit_duration(&m).unwrap();
    assert_eq!(key(&fit, "mean"), "\"150ms\"");
    // mean/median = exp(sigma^2/2) and cv = sqrt(exp(sigma^2) - 1) = sqrt((mean/median)^2 - 1).
    let cv: f64 = key(&fit, "cv").parse().unwrap();
    assert!((cv - (1.5_f64 * 1.5 - 1.0).sqrt()).abs() < 1e-3, "{cv}");
    let m = measured(&[10.0], &[None], &[None], &[Some(80.0)]);
    let fit = fit_duration(&m).unwrap();
    assert_eq!(key(&fit, "dist"), "\"exp\"");
    assert_eq!(key(&fit, "mean"), "\"80ms\"");
    assert!(fit_duration(&measured(&[10.0], &[None], &[None], &[None])).is_none());
}

#[test]
fn even_placement_is_evenly_spaced_inside_each_period() {
    let t = arrival_times(&[4.0, 0.0, 2.0], 60.0, Arrivals::Even, 1);
    assert_eq!(t, [7.5, 22.5, 37.5, 52.5, 135.0, 165.0]);
}

#[test]
fn poisson_placement_has_the_measured_rate_on_average() {
    // 2,000 periods of 60 s at 30 per period: the total is Poisson with mean 60,000.
    let counts = vec![30.0; 2000];
    let t = arrival_times(&counts, 60.0, Arrivals::Poisson, 11);
    let n = t.len() as f64;
    assert!((n - 60_000.0).abs() < 5.0 * 60_000.0_f64.sqrt(), "{n}");
    assert!(t.windows(2).all(|w| w[0] <= w[1]));
    assert!(t.iter().all(|&x| (0.0..120_000.0).contains(&x)));
}

/// An export with only p50 (no Average, no p99) gives a constant at the invocation-weighted
/// median, not "no Duration series": (10 × 40 + 30 × 80) / 40 = 70 ms.
#[test]
fn only_a_median_gives_a_constant_at_it() {
    let m = measured(
        &[10.0, 30.0],
        &[Some(40.0), Some(80.0)],
        &[None, None],
        &[None, None],
    );
    let fit = fit_duration(&m).expect("a fit from the medians");
    assert_eq!(key(&fit, "dist"), "\"const\"");
    assert_eq!(key(&fit, "value"), "\"70ms\"");
    assert!(fit.quality.contains("spread is unknown"), "{}", fit.quality);
}
