//! Each arrival process puts its arrivals where its rate says: counts per time bin against the
//! integral of the rate (Poisson standard errors), the on-off process started in its stationary
//! phase, and a trace replayed exactly. The generators are driven directly, at fixed seeds.

use std::f64::consts::PI;
use std::sync::Arc;

use crate::support::assert_within;
use lamsim_sim::arrivals::ArrivalGen;
use lamsim_sim::model::{ArrivalProcess, Arrivals, DiurnalProfile, Trace};
use lamsim_sim::rng::{Component, stream};
use lamsim_sim::time::{NS_PER_S, SimTime};

fn arrivals(process: ArrivalProcess) -> Arrivals {
    Arrivals {
        process,
        start: SimTime::ZERO,
        end: SimTime::MAX,
    }
}

/// Every arrival time (s) of `process` in `[0, window_s)`.
fn times(process: ArrivalProcess, window_s: u64, seed: u64) -> Vec<f64> {
    let mut g = ArrivalGen::new(&arrivals(process), SimTime::from_secs(window_s));
    let mut rng = stream(seed, "arrivals", Component::Arrivals);
    let mut out = Vec::new();
    while let Some(a) = g.next(&mut rng) {
        if a.time >= SimTime::from_secs(window_s) {
            break;
        }
        out.push(a.time.0 as f64 / NS_PER_S as f64);
    }
    out
}

#[test]
fn hourly_rates_give_each_hour_of_the_day_its_own_count() {
    // 1, 2, …, 24 requests per second in hours 0 … 23, over two days.
    let rates: [f64; 24] = std::array::from_fn(|h| (h + 1) as f64);
    let t = times(
        ArrivalProcess::Diurnal(DiurnalProfile::Hourly { rates_per_s: rates }),
        2 * 86_400,
        1,
    );
    let mut per_hour = [0.0; 24];
    for x in &t {
        per_hour[((x / 3600.0) as usize) % 24] += 1.0;
    }
    for (h, &n) in per_hour.iter().enumerate() {
        let expect = 2.0 * 3600.0 * rates[h];
        assert_within(n, expect, expect.sqrt(), 5.0, &format!("hour {h}"));
    }
}

#[test]
fn a_sine_profile_follows_the_integral_of_its_rate() {
    // rate(t) = 10 · (1 + 0.8 cos(2π (t − 900 s) / 3600 s)), ten periods, twelve 5-minute bins.
    let (mean, amplitude, period, peak_at) = (10.0, 0.8, 3600.0, 900.0);
    let t = times(
        ArrivalProcess::Diurnal(DiurnalProfile::Sine {
            mean_rate_per_s: mean,
            amplitude,
            period: SimTime::from_secs(3600),
            peak_at: SimTime::from_secs(900),
        }),
        36_000,
        2,
    );
    let mut bins = [0.0; 12];
    for x in &t {
        bins[((x % period) / 300.0) as usize] += 1.0;
    }
    let phase = |x: f64| (2.0 * PI * (x - peak_at) / period).sin();
    for (i, &n) in bins.iter().enumerate() {
        let (a, b) = (300.0 * i as f64, 300.0 * (i + 1) as f64);
        // ∫ₐᵇ rate = mean · ((b − a) + amplitude · period / 2π · (sin φ(b) − sin φ(a))).
        let expect =
            10.0 * mean * ((b - a) + amplitude * period / (2.0 * PI) * (phase(b) - phase(a)));
        assert_within(n, expect, expect.sqrt(), 5.0, &format!("bin {i}"));
    }
}

#[test]
fn an_on_off_process_starts_in_its_stationary_phase() {
    // On 25 % of the time (10 s on, 30 s off on average), 100 requests/s when on, none when
    // off. Started in the stationary phase, the first 0.1 s holds 0.25 · 100 · 0.1 = 2.5
    // arrivals on average (always starting on would give 10, starting off 0).
    let process = ArrivalProcess::OnOff {
        on_rate_per_s: 100.0,
        off_rate_per_s: 0.0,
        on_mean: SimTime::from_secs(10),
        off_mean: SimTime::from_secs(30),
    };
    let runs = 2000;
    let mut counts = Vec::with_capacity(runs);
    for seed in 0..runs as u64 {
        let mut g = ArrivalGen::new(&arrivals(process.clone()), SimTime::from_secs(3600));
        let mut rng = stream(seed, "on-off", Component::Arrivals);
        let mut n = 0.0;
        while let Some(a) = g.next(&mut rng) {
            if a.time >= SimTime::from_millis(100) {
                break;
            }
            n += 1.0;
        }
        counts.push(n);
    }
    let m = counts.iter().sum::<f64>() / runs as f64;
    let var = counts.iter().map(|c| (c - m).powi(2)).sum::<f64>() / (runs - 1) as f64;
    assert_within(
        m,
        2.5,
        (var / runs as f64).sqrt(),
        5.0,
        "arrivals in the first 0.1 s",
    );
    // And the long-run rate: 25 requests/s (one long run; phases of 40 s on average, so about
    // 9,000 cycles: the on-time share has a relative standard error near 1.5 %).
    let n = times(process, 360_000, 3).len() as f64;
    assert_within(n / 360_000.0, 25.0, 25.0 * 0.015, 4.0, "long-run rate");
}

#[test]
fn a_trace_replays_its_timestamps_exactly_and_stops_at_the_window() {
    let at = [0.5, 1.0, 1.0, 7.25, 9.999, 10.0, 12.0];
    let trace = Trace {
        times: at
            .iter()
            .map(|s| SimTime::from_nanos_f64(s * 1e9))
            .collect(),
        ..Trace::default()
    };
    let process = ArrivalProcess::Trace(Arc::new(trace));
    let mut g = ArrivalGen::new(&arrivals(process), SimTime::from_secs(10));
    let mut rng = stream(1, "trace", Component::Arrivals);
    let got: Vec<f64> = std::iter::from_fn(|| g.next(&mut rng))
        .take(at.len() + 1)
        .map(|a| a.time.0 as f64 / 1e9)
        .collect();
    assert_eq!(
        got,
        [0.5, 1.0, 1.0, 7.25, 9.999],
        "the times before the window's end"
    );
}
