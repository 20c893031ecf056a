//! Hostile distribution parameters: values that overflow or underflow are rejected at their
//! TOML path with the accepted range, and what is accepted samples and runs without a panic.

use lamsim_sim::config::policy::distributions::{max_tail_ms, tail_ms};
use lamsim_sim::dist::{SAMPLE_CAP, Sampler};
use lamsim_sim::model::{Architecture, Dist};
use lamsim_sim::rng::{Component, stream};
use lamsim_sim::runner;

use crate::config_validation::{errors, errors_in, ok, temp_dir};

/// One function with `extra` keys, `[function.duration]` = `duration` and `[function.init]` =
/// `init` (no table when empty).
fn workload(extra: &str, duration: &str, init: &str) -> String {
    let init = if init.is_empty() {
        String::new()
    } else {
        format!("[function.init]\n{init}\n")
    };
    format!(
        "[simulation]\nduration = \"1m\"\n[[function]]\nname = \"f\"\nmemory-mb = 128\n{extra}\n\
         [function.arrivals]\nkind = \"poisson\"\nrate-per-s = 20.0\n\
         [function.duration]\n{duration}\n{init}"
    )
}

fn error_at(text: &str, path: &str, msg: &str) {
    let e = errors(text);
    assert!(
        e.errors
            .iter()
            .any(|x| x.path == path && x.message.contains(msg)),
        "no error at {path} containing {msg:?} in:\n{e}"
    );
}

#[test]
fn gamma_cv_1e_minus_300_and_1e300_are_rejected_at_cv() {
    // Both used to validate, then panic in the sampler (cv² underflows to 0 or overflows).
    for cv in ["1e-300", "1e300", "100.0", "1e-7"] {
        error_at(
            &workload(
                "",
                &format!("dist = \"gamma\"\nmean = \"10ms\"\ncv = {cv}"),
                "",
            ),
            "function[0].duration.cv",
            "must be in 0.000001..=31.6 for dist = \"gamma\"",
        );
    }
}

#[test]
fn gamma_shape_outside_0_001_to_1e12_is_rejected_at_shape() {
    for shape in ["1e-300", "0.0009", "1e13"] {
        error_at(
            &workload(
                "",
                &format!("dist = \"gamma\"\nshape = {shape}\nscale = \"10ms\""),
                "",
            ),
            "function[0].duration.shape",
            "must be in 0.001..=1e12",
        );
    }
}

#[test]
fn parameters_that_overflow_are_rejected_for_every_distribution() {
    let cases = [
        "dist = \"weibull\"\nshape = 1e-300\nscale = \"10ms\"",
        "dist = \"lognormal\"\nmean = \"10ms\"\ncv = 1e300",
    ];
    for d in cases {
        error_at(
            &workload("", d, ""),
            "function[0].duration",
            "found no finite time",
        );
    }
}

#[test]
fn init_tails_beyond_146_years_are_rejected() {
    // 100 years of mean: the 1 − 10⁻⁶ quantile of an exponential is 13.8 times that.
    error_at(
        &workload(
            "",
            "dist = \"const\"\nvalue = \"10ms\"",
            "dist = \"exp\"\nmean = \"36500d\"",
        ),
        "function[0].init",
        "must be at most 146 years, found 1.381e3 years",
    );
    // A lognormal whose p99 is 100 years from a 1 ms median.
    error_at(
        &workload(
            "",
            "dist = \"const\"\nvalue = \"10ms\"",
            "dist = \"lognormal\"\nmedian = \"1ms\"\np99 = \"36500d\"",
        ),
        "function[0].init",
        "must be at most 146 years",
    );
}

#[test]
fn empirical_samples_beyond_146_years_are_rejected_at_file() {
    let tmp = temp_dir("ranges-empirical");
    let dir = tmp.path();
    std::fs::write(dir.join("huge.txt"), "10\n1e300\n").unwrap();
    let e = errors_in(
        &workload("", "dist = \"empirical\"\nfile = \"huge.txt\"", ""),
        dir,
    );
    assert!(
        e.has_path("function[0].duration.file"),
        "expected an error at the file:\n{e}"
    );
}

#[test]
fn arm64_speedup_outside_0_01_to_100_is_rejected() {
    for x in ["1e-300", "0.009", "101.0", "1e300"] {
        error_at(
            &workload(
                &format!("architecture = \"arm64\"\narm64-speedup = {x}"),
                "dist = \"const\"\nvalue = \"10ms\"",
                "",
            ),
            "function[0].arm64-speedup",
            "must be in 0.01..=100",
        );
    }
}

#[test]
fn the_tail_bound_holds_for_the_gamma() {
    // The sub-gamma bound is an upper bound of the 1 − 10⁻⁶ quantile: at shape 1 (an
    // exponential of mean θ) the exact quantile is θ · ln 10⁶.
    let exact = 10.0 * 1e6f64.ln();
    let bound = tail_ms(&Dist::Gamma {
        shape: 1.0,
        scale_ms: 10.0,
    });
    assert!(bound >= exact, "{bound} < {exact}");
    assert_eq!(
        tail_ms(&Dist::Exp { mean_ms: 10.0 }),
        exact,
        "the exponential's quantile is exact"
    );
}

#[test]
fn distributions_at_the_edges_of_the_ranges_sample_finite_times() {
    let edges = [
        "dist = \"gamma\"\nmean = \"10ms\"\ncv = 31.6",
        "dist = \"gamma\"\nmean = \"10ms\"\ncv = 0.000001",
        "dist = \"gamma\"\nshape = 0.001\nscale = \"10ms\"",
        "dist = \"gamma\"\nshape = 1e12\nscale = \"0.000001ms\"",
        "dist = \"weibull\"\nmean = \"10ms\"\ncv = 50.0",
        "dist = \"weibull\"\nmean = \"10ms\"\ncv = 0.005",
        "dist = \"lognormal\"\nmedian = \"20ms\"\np99 = \"15m\"",
        "dist = \"lognormal\"\nmean = \"10ms\"\ncv = 1e-300",
    ];
    for d in edges {
        let s = ok(&workload(
            "architecture = \"arm64\"\narm64-speedup = 0.01",
            d,
            d,
        ));
        let f = &s.functions[0];
        assert!(tail_ms(&f.init.dist) <= max_tail_ms(), "{d}");
        let sampler = Sampler::new(&f.init, 128, Architecture::Arm64, 0.01);
        let mut rng = stream(1, "f", Component::Init);
        for _ in 0..10_000 {
            assert!(sampler.sample(&mut rng) <= SAMPLE_CAP, "{d}");
        }
        // And a whole run: init samples are added to the clock without overflow.
        let out = runner::run(&s, &|_| {});
        assert!(out.summary.functions[0].arrivals > 0.0, "{d}");
    }
}
