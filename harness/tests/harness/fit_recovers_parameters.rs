//! Maximum-likelihood fits recover the parameters of samples drawn from known distributions
//! within their standard errors, the standard errors have the coverage they claim, and the
//! selection rule picks the family the sample came from.

use lamsim_harness::fit::{self, Choice, Family, Fit};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma, LogNormal, Weibull};

/// `n` samples of a known distribution (ms), from a fixed seed.
fn draw(family: Family, a: f64, b: f64, n: usize, seed: u64) -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    match family {
        Family::LogNormal => {
            let d = LogNormal::new(a, b).unwrap();
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        Family::Gamma => {
            let d = Gamma::new(a, b).unwrap();
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
        // rand_distr's Weibull takes (scale, shape).
        Family::Weibull => {
            let d = Weibull::new(b, a).unwrap();
            (0..n).map(|_| d.sample(&mut rng)).collect()
        }
    }
}

/// The true parameters of each case: lognormal (mu, sigma of ln ms), gamma and Weibull
/// (shape, scale ms).
const CASES: [(Family, f64, f64); 3] = [
    (Family::LogNormal, 4.0, 0.5),
    (Family::Gamma, 2.5, 40.0),
    (Family::Weibull, 1.7, 120.0),
];

fn within(fit: &Fit, truth: [f64; 2], k: f64) -> bool {
    fit.params
        .iter()
        .zip(truth)
        .all(|(p, t)| (p.value - t).abs() < k * p.se)
}

#[test]
fn each_family_recovers_its_parameters_within_three_standard_errors() {
    for (family, a, b) in CASES {
        for n in [50, 500, 5000] {
            let x = draw(family, a, b, n, 20_240_601 + n as u64);
            let f = family.fit(&x).unwrap();
            assert_eq!(f.n, n);
            assert!(
                within(&f, [a, b], 3.0),
                "{family} n = {n}: {:?} vs truth ({a}, {b})",
                f.params
            );
            // The standard errors shrink like 1/√n: at n = 5000 they are small.
            if n == 5000 {
                assert!(f.params[0].se < 0.05 * a.abs().max(1.0), "{:?}", f.params);
            }
        }
    }
}

#[test]
fn standard_errors_have_their_nominal_coverage() {
    // Over 300 independent samples of n = 200, the interval estimate ± 1.96 SE must hold the
    // truth about 95 % of the time (binomial sd ≈ 1.3 %): SEs that were too large (coverage
    // near 100 %) or too small would fail this.
    for (family, a, b) in CASES {
        let mut covered = [0usize; 2];
        let reps = 300;
        for r in 0..reps {
            let x = draw(family, a, b, 200, 7_000 + r);
            let f = family.fit(&x).unwrap();
            for (i, t) in [a, b].into_iter().enumerate() {
                if (f.params[i].value - t).abs() < 1.96 * f.params[i].se {
                    covered[i] += 1;
                }
            }
        }
        for (i, c) in covered.into_iter().enumerate() {
            let rate = c as f64 / reps as f64;
            assert!(
                (0.90..=0.99).contains(&rate),
                "{family} parameter {i}: coverage {rate}"
            );
        }
    }
}

#[test]
fn each_standard_error_matches_the_spread_of_its_estimate() {
    // Coverage alone tolerates an SE 10–20 % off. Here each reported SE, averaged over 400
    // independent samples of n = 400, must match the standard deviation of the 400 estimates
    // themselves within 12 %: the sample standard deviation of 400 values is itself uncertain
    // by 1/√(2·399) ≈ 3.5 %, and the asymptotic SE is within a few % of the truth at n = 400.
    for (family, a, b) in CASES {
        let reps = 400;
        let mut est = [Vec::new(), Vec::new()];
        let mut se = [0.0f64; 2];
        for r in 0..reps {
            let x = draw(family, a, b, 400, 31_000 + r);
            let f = family.fit(&x).unwrap();
            for i in 0..2 {
                est[i].push(f.params[i].value);
                se[i] += f.params[i].se / reps as f64;
            }
        }
        for i in 0..2 {
            let n = est[i].len() as f64;
            let mean = est[i].iter().sum::<f64>() / n;
            let sd = (est[i].iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let ratio = se[i] / sd;
            assert!(
                (0.88..=1.12).contains(&ratio),
                "{family} parameter {i}: mean SE {:.5}, spread of the estimates {sd:.5} (ratio {ratio:.3})",
                se[i]
            );
        }
    }
}

#[test]
fn the_selection_picks_the_family_the_samples_came_from() {
    for (family, a, b) in CASES {
        let x = draw(family, a, b, 5000, 99);
        let s = fit::select(&x);
        assert_eq!(s.fits.len(), 3, "{:?}", s.failed);
        let chosen = s
            .chosen()
            .unwrap_or_else(|| panic!("{family}: empirical {s:?}"));
        assert_eq!(chosen.family, family, "{s:#?}");
        assert!(!chosen.ks.rejected(), "{:?}", chosen.ks);
        // The wrong families are rejected by KS or lose on AIC.
        for f in &s.fits {
            if f.family != family {
                assert!(f.ks.rejected() || f.aic > chosen.aic, "{f:?}");
            }
        }
    }
}

#[test]
fn a_mixture_no_family_fits_falls_back_to_the_samples() {
    // Two well separated modes (10 ms and 200 ms): every unimodal family is rejected by KS.
    let mut x = draw(Family::LogNormal, 10f64.ln(), 0.1, 1000, 5);
    x.extend(draw(Family::LogNormal, 200f64.ln(), 0.1, 1000, 6));
    let s = fit::select(&x);
    assert_eq!(s.choice, Choice::Empirical, "{s:#?}");
    assert!(s.fits.iter().all(|f| f.ks.rejected()));
}

#[test]
fn the_ks_p_value_is_uniform_under_the_true_distribution() {
    // Against the *true* (not fitted) CDF, p-values are uniform: about 5 % fall below 0.05.
    use statrs::distribution::{ContinuousCDF, LogNormal as SLogNormal};
    let d = SLogNormal::new(4.0, 0.5).unwrap();
    let reps = 400;
    let low = (0..reps)
        .filter(|r| {
            let x = draw(Family::LogNormal, 4.0, 0.5, 100, 50_000 + r);
            fit::ks_test(&x, |v| d.cdf(v)).p_value < 0.05
        })
        .count();
    let rate = low as f64 / reps as f64;
    assert!((0.02..=0.09).contains(&rate), "rejection rate {rate}");
}
