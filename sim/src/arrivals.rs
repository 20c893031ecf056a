//! Arrival processes: lazy generators of arrival times, one at a time, in O(1) memory
//! (except traces, which are loaded). Schedules draw no random numbers.

use std::f64::consts::PI;
use std::sync::Arc;

use rand::Rng;
use rand_distr::{Distribution, Exp1};

use crate::model::{
    ArrivalProcess, Arrivals, ConstantSpacing, DiurnalProfile, MinuteArrivals, PeriodCounts, Trace,
};
use crate::schedule::Firings;
use crate::time::{NS_PER_H, NS_PER_S, SimTime};

/// One arrival: its time and, for traces with a duration column, the execution time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// When the request arrives.
    pub time: SimTime,
    /// Execution time given by a trace, replacing a sample of the duration distribution.
    pub duration: Option<SimTime>,
}

/// A generator of arrivals in `[start, end)`.
#[derive(Clone, Debug)]
pub struct ArrivalGen {
    end: u64,
    /// Current time, fractional nanoseconds (exact enough for years of simulated time).
    t: f64,
    state: State,
}

#[derive(Clone, Debug)]
enum State {
    Poisson {
        mean_gap_ns: f64,
    },
    ConstantRate {
        start: u64,
        gap_ns: f64,
        i: u64,
    },
    ConstantCount {
        start: u64,
        len: u64,
        n: u64,
        i: u64,
    },
    OnOff {
        on: bool,
        phase_end: f64,
        on_gap: f64,
        off_gap: f64,
        on_mean: f64,
        off_mean: f64,
        started: bool,
    },
    Sine {
        max_rate_per_ns: f64,
        mean: f64,
        amplitude: f64,
        period: f64,
        peak_at: f64,
    },
    Hourly {
        rates_per_ns: [f64; 24],
    },
    Trace {
        trace: Arc<Trace>,
        i: usize,
    },
    Schedule(Firings),
    ScaledTrace {
        trace: Arc<Trace>,
        i: usize,
        scale: f64,
        /// Copies of request `i - 1` still to send.
        pending: u64,
    },
    Minutes(MinuteState),
    Done,
}

/// Where an `azure2019` member's generator is: the next `(minute, count)` entry, the current
/// minute, and how many of its arrivals were sent.
#[derive(Clone, Debug)]
struct MinuteState {
    counts: Arc<PeriodCounts>,
    /// `counts.period` (ns), `counts.within` and `counts.scale`, copied: the arrivals of a
    /// minute need nothing else, so they do not reach through `counts` (in an account of
    /// thousands of functions, every arrival would pay a cache miss for it).
    period: f64,
    within: MinuteArrivals,
    scale: f64,
    start: f64,
    idx: usize,
    minute_start: f64,
    /// Arrivals of the current minute (`uniform`, `even`).
    n: u64,
    /// Arrivals of the current minute sent.
    j: u64,
    /// Position in the minute (0..1) of the last `uniform` arrival.
    prev: f64,
    /// Rate of the current minute, per ns (`poisson`).
    rate_per_ns: f64,
}

/// `x` rounded down, plus one with probability equal to its fraction (no draw when `x` is
/// whole, so unscaled counts draw nothing).
fn stochastic_round<R: Rng + ?Sized>(rng: &mut R, x: f64) -> u64 {
    let whole = x.floor();
    let frac = x - whole;
    whole as u64 + u64::from(frac > 0.0 && rng.random::<f64>() < frac)
}

fn exp_gap<R: Rng + ?Sized>(rng: &mut R, mean_gap_ns: f64) -> f64 {
    let e: f64 = Exp1.sample(rng);
    e * mean_gap_ns
}

impl ArrivalGen {
    /// A generator for `arrivals` limited to the simulated window `[0, window_end)`.
    pub fn new(arrivals: &Arrivals, window_end: SimTime) -> Self {
        let start = arrivals.start.0;
        let end = arrivals.end.0.min(window_end.0);
        let state = match &arrivals.process {
            ArrivalProcess::Poisson { rate_per_s } => {
                if *rate_per_s > 0.0 {
                    State::Poisson {
                        mean_gap_ns: NS_PER_S as f64 / rate_per_s,
                    }
                } else {
                    State::Done
                }
            }
            ArrivalProcess::Constant(ConstantSpacing::Rate(r)) => {
                if *r > 0.0 {
                    State::ConstantRate {
                        start,
                        gap_ns: NS_PER_S as f64 / r,
                        i: 0,
                    }
                } else {
                    State::Done
                }
            }
            ArrivalProcess::Constant(ConstantSpacing::Count(n)) => State::ConstantCount {
                start,
                len: end.saturating_sub(start),
                n: *n,
                i: 0,
            },
            ArrivalProcess::OnOff {
                on_rate_per_s,
                off_rate_per_s,
                on_mean,
                off_mean,
            } => {
                let gap = |r: f64| {
                    if r > 0.0 {
                        NS_PER_S as f64 / r
                    } else {
                        f64::INFINITY
                    }
                };
                State::OnOff {
                    on: true,
                    phase_end: 0.0,
                    on_gap: gap(*on_rate_per_s),
                    off_gap: gap(*off_rate_per_s),
                    on_mean: on_mean.0 as f64,
                    off_mean: off_mean.0 as f64,
                    started: false,
                }
            }
            ArrivalProcess::Diurnal(DiurnalProfile::Sine {
                mean_rate_per_s,
                amplitude,
                period,
                peak_at,
            }) => {
                let max = mean_rate_per_s * (1.0 + amplitude) / NS_PER_S as f64;
                if max > 0.0 {
                    State::Sine {
                        max_rate_per_ns: max,
                        mean: *mean_rate_per_s / NS_PER_S as f64,
                        amplitude: *amplitude,
                        period: period.0 as f64,
                        peak_at: peak_at.0 as f64,
                    }
                } else {
                    State::Done
                }
            }
            ArrivalProcess::Diurnal(DiurnalProfile::Hourly { rates_per_s }) => {
                let mut r = [0.0; 24];
                for (o, i) in r.iter_mut().zip(rates_per_s) {
                    *o = i / NS_PER_S as f64;
                }
                if r.iter().all(|x| *x <= 0.0) {
                    State::Done
                } else {
                    State::Hourly { rates_per_ns: r }
                }
            }
            ArrivalProcess::Trace(trace) => {
                let i = trace.times.partition_point(|t| t.0 < start);
                State::Trace {
                    trace: trace.clone(),
                    i,
                }
            }
            ArrivalProcess::Schedule(s) => State::Schedule(s.firings(SimTime(start), SimTime(end))),
            ArrivalProcess::ScaledTrace { trace, scale } => {
                let i = trace.times.partition_point(|t| t.0 < start);
                State::ScaledTrace {
                    trace: trace.clone(),
                    i,
                    scale: *scale,
                    pending: 0,
                }
            }
            ArrivalProcess::Counts(counts) => {
                let p = counts.period.0;
                let idx = counts
                    .counts
                    .partition_point(|&(m, _)| (m as u64 + 1) * p <= start);
                State::Minutes(MinuteState {
                    counts: counts.clone(),
                    period: p as f64,
                    within: counts.within,
                    scale: counts.scale,
                    start: start as f64,
                    idx,
                    minute_start: 0.0,
                    n: 0,
                    j: 0,
                    prev: 0.0,
                    rate_per_ns: 0.0,
                })
            }
        };
        ArrivalGen {
            end,
            t: start as f64,
            state,
        }
    }

    /// The next arrival, or `None` when the process has ended.
    #[inline]
    pub fn next<R: Rng + ?Sized>(&mut self, rng: &mut R) -> Option<Arrival> {
        let end = self.end as f64;
        let t = match &mut self.state {
            State::Done => return None,
            State::Poisson { mean_gap_ns } => {
                self.t += exp_gap(rng, *mean_gap_ns);
                self.t
            }
            State::ConstantRate { start, gap_ns, i } => {
                let t = *start as f64 + *i as f64 * *gap_ns;
                *i += 1;
                t
            }
            State::ConstantCount { start, len, n, i } => {
                if *i >= *n {
                    self.state = State::Done;
                    return None;
                }
                let t = *start + ((*i as u128 * *len as u128) / *n as u128) as u64;
                *i += 1;
                t as f64
            }
            State::OnOff {
                on,
                phase_end,
                on_gap,
                off_gap,
                on_mean,
                off_mean,
                started,
            } => {
                if !*started {
                    // Start in the stationary phase distribution.
                    *started = true;
                    let p_on = *on_mean / (*on_mean + *off_mean);
                    *on = rng.random::<f64>() < p_on;
                    let m = if *on { *on_mean } else { *off_mean };
                    *phase_end = self.t + exp_gap(rng, m);
                }
                loop {
                    let gap = if *on { *on_gap } else { *off_gap };
                    let cand = if gap.is_finite() {
                        self.t + exp_gap(rng, gap)
                    } else {
                        f64::INFINITY
                    };
                    if cand < *phase_end {
                        self.t = cand;
                        break cand;
                    }
                    // Memoryless: restart the next phase's clock at the boundary.
                    self.t = *phase_end;
                    if self.t >= end {
                        break self.t;
                    }
                    *on = !*on;
                    let m = if *on { *on_mean } else { *off_mean };
                    *phase_end = self.t + exp_gap(rng, m);
                }
            }
            State::Sine {
                max_rate_per_ns,
                mean,
                amplitude,
                period,
                peak_at,
            } => loop {
                // Thinning (Lewis & Shedler): candidates at the peak rate, kept with
                // probability rate(t) / peak rate.
                self.t += exp_gap(rng, 1.0 / *max_rate_per_ns);
                if self.t >= end {
                    break self.t;
                }
                let phase = 2.0 * PI * (self.t - *peak_at) / *period;
                let rate = *mean * (1.0 + *amplitude * phase.cos());
                if rng.random::<f64>() * *max_rate_per_ns < rate {
                    break self.t;
                }
            },
            State::Hourly { rates_per_ns } => loop {
                // Piecewise-constant rate: exact by memorylessness within each hour.
                let hour_ns = NS_PER_H as f64;
                let h = ((self.t / hour_ns).floor() as u64 % 24) as usize;
                let boundary = ((self.t / hour_ns).floor() + 1.0) * hour_ns;
                let r = rates_per_ns[h];
                let cand = if r > 0.0 {
                    self.t + exp_gap(rng, 1.0 / r)
                } else {
                    f64::INFINITY
                };
                if cand < boundary {
                    self.t = cand;
                    break cand;
                }
                self.t = boundary;
                if self.t >= end {
                    break self.t;
                }
            },
            State::Trace { trace, i } => {
                let Some(&t) = trace.times.get(*i) else {
                    self.state = State::Done;
                    return None;
                };
                let duration = trace.durations.as_ref().map(|d| d[*i]);
                *i += 1;
                if t.0 >= self.end {
                    self.state = State::Done;
                    return None;
                }
                return Some(Arrival { time: t, duration });
            }
            State::ScaledTrace {
                trace,
                i,
                scale,
                pending,
            } => {
                if *pending == 0 {
                    loop {
                        let Some(&t) = trace.times.get(*i) else {
                            self.state = State::Done;
                            return None;
                        };
                        if t.0 >= self.end {
                            self.state = State::Done;
                            return None;
                        }
                        *i += 1;
                        let k = stochastic_round(rng, *scale);
                        if k > 0 {
                            *pending = k;
                            break;
                        }
                    }
                }
                *pending -= 1;
                let at = *i - 1;
                return Some(Arrival {
                    time: trace.times[at],
                    duration: trace.durations.as_ref().map(|d| d[at]),
                });
            }
            State::Minutes(m) => loop {
                let period = m.period;
                let within = m.within;
                let next = match within {
                    MinuteArrivals::Poisson if m.rate_per_ns > 0.0 => {
                        let cand = self.t + exp_gap(rng, 1.0 / m.rate_per_ns);
                        self.t = cand.min(m.minute_start + period);
                        (cand < m.minute_start + period).then_some(cand)
                    }
                    MinuteArrivals::Uniform if m.j < m.n => {
                        let v: f64 = rng.random();
                        // The smallest of the n − j uniforms left on (prev, 1).
                        m.prev = 1.0 - (1.0 - m.prev) * v.powf(1.0 / (m.n - m.j) as f64);
                        m.j += 1;
                        Some(m.minute_start + m.prev * period)
                    }
                    MinuteArrivals::Even if m.j < m.n => {
                        let u = (m.j as f64 + 0.5) / m.n as f64;
                        m.j += 1;
                        Some(m.minute_start + u * period)
                    }
                    _ => None,
                };
                if let Some(t) = next {
                    if t >= m.start {
                        self.t = self.t.max(t);
                        break t;
                    }
                    continue;
                }
                // The next minute with invocations.
                let Some(&(minute, count)) = m.counts.counts.get(m.idx) else {
                    self.state = State::Done;
                    return None;
                };
                m.idx += 1;
                m.minute_start = minute as f64 * period;
                if m.minute_start >= end {
                    self.state = State::Done;
                    return None;
                }
                self.t = m.minute_start;
                let x = count as f64 * m.scale;
                if within == MinuteArrivals::Poisson {
                    m.rate_per_ns = x / period;
                } else {
                    m.n = stochastic_round(rng, x);
                    m.j = 0;
                    m.prev = 0.0;
                }
            },
            State::Schedule(firings) => {
                let Some(time) = firings.next() else {
                    self.state = State::Done;
                    return None;
                };
                return Some(Arrival {
                    time,
                    duration: None,
                });
            }
        };
        if t >= end {
            self.state = State::Done;
            return None;
        }
        Some(Arrival {
            time: SimTime(t as u64),
            duration: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Component, stream};
    use crate::time::NS_PER_MIN;

    fn count(
        process: ArrivalProcess,
        start: SimTime,
        end: SimTime,
        window: SimTime,
    ) -> Vec<SimTime> {
        let a = Arrivals {
            process,
            start,
            end,
        };
        let mut g = ArrivalGen::new(&a, window);
        let mut rng = stream(9, "f", Component::Arrivals);
        let mut v = Vec::new();
        while let Some(x) = g.next(&mut rng) {
            v.push(x.time);
        }
        v
    }

    const H: SimTime = SimTime::from_secs(3600);

    #[test]
    fn poisson_count_matches_rate() {
        let v = count(
            ArrivalProcess::Poisson { rate_per_s: 10.0 },
            SimTime::ZERO,
            SimTime::MAX,
            H,
        );
        let n = v.len() as f64;
        assert!((n - 36_000.0).abs() < 5.0 * 36_000f64.sqrt(), "{n}");
        assert!(v.windows(2).all(|w| w[0] <= w[1]));
    }

    #[test]
    fn constant_count_is_exact_and_evenly_spread() {
        let v = count(
            ArrivalProcess::Constant(ConstantSpacing::Count(7)),
            SimTime::from_secs(10),
            SimTime::from_secs(80),
            H,
        );
        assert_eq!(v.len(), 7);
        assert_eq!(v[0], SimTime::from_secs(10));
        assert_eq!(v[1], SimTime::from_secs(20));
        let r = count(
            ArrivalProcess::Constant(ConstantSpacing::Rate(2.0)),
            SimTime::ZERO,
            SimTime::MAX,
            SimTime::from_secs(10),
        );
        assert_eq!(r.len(), 20);
        assert_eq!(r[1], SimTime::from_millis(500));
    }

    #[test]
    fn start_and_end_limit_arrivals() {
        let v = count(
            ArrivalProcess::Poisson { rate_per_s: 5.0 },
            SimTime::from_secs(600),
            SimTime::from_secs(1200),
            H,
        );
        assert!(
            v.iter()
                .all(|t| *t >= SimTime::from_secs(600) && *t < SimTime::from_secs(1200))
        );
        assert!((v.len() as f64 - 3000.0).abs() < 5.0 * 3000f64.sqrt());
    }

    #[test]
    fn on_off_mean_rate_is_the_phase_weighted_rate() {
        let p = ArrivalProcess::OnOff {
            on_rate_per_s: 20.0,
            off_rate_per_s: 0.0,
            on_mean: SimTime(NS_PER_MIN),
            off_mean: SimTime(3 * NS_PER_MIN),
        };
        let day = SimTime::from_secs(86_400);
        let n = count(p, SimTime::ZERO, SimTime::MAX, day).len() as f64;
        let expect = 20.0 * 0.25 * 86_400.0;
        // Phase noise dominates: ~1440 on-phases of exponential length give a relative
        // standard error near 1/sqrt(1440 / 2); allow 5 of them.
        assert!(
            (n - expect).abs() < 5.0 * expect * (2.0 / 1440f64).sqrt(),
            "{n} vs {expect}"
        );
    }

    #[test]
    fn diurnal_sine_follows_the_rate_curve() {
        let p = ArrivalProcess::Diurnal(DiurnalProfile::Sine {
            mean_rate_per_s: 10.0,
            amplitude: 0.8,
            period: SimTime::from_secs(86_400),
            peak_at: SimTime::from_secs(43_200),
        });
        let v = count(p, SimTime::ZERO, SimTime::MAX, SimTime::from_secs(86_400));
        let total = v.len() as f64;
        assert!((total - 864_000.0).abs() < 5.0 * 864_000f64.sqrt());
        // The hour around the peak sees rate ≈ 18/s, the hour around midnight ≈ 2/s.
        let in_hour = |h: u64| v.iter().filter(|t| t.0 / NS_PER_H == h).count() as f64;
        assert!((in_hour(11) + in_hour(12)) / 2.0 > 17.0 * 3600.0 * 0.97);
        assert!(in_hour(0) < 3.0 * 3600.0);
    }

    #[test]
    fn hourly_rates_are_piecewise_constant() {
        let mut rates = [0.0; 24];
        rates[1] = 10.0;
        let v = count(
            ArrivalProcess::Diurnal(DiurnalProfile::Hourly { rates_per_s: rates }),
            SimTime::ZERO,
            SimTime::MAX,
            SimTime::from_secs(3 * 3600),
        );
        assert!(v.iter().all(|t| t.0 / NS_PER_H == 1));
        assert!((v.len() as f64 - 36_000.0).abs() < 5.0 * 36_000f64.sqrt());
    }

    #[test]
    fn trace_replays_times_in_the_window() {
        let trace = Trace {
            path: "t.csv".into(),
            times: vec![
                SimTime::from_secs(1),
                SimTime::from_secs(5),
                SimTime::from_secs(50),
            ],
            durations: Some(vec![
                SimTime::from_millis(3),
                SimTime::from_millis(4),
                SimTime::from_millis(5),
            ]),
            function: None,
        };
        let a = Arrivals {
            process: ArrivalProcess::Trace(Arc::new(trace)),
            start: SimTime::from_secs(2),
            end: SimTime::MAX,
        };
        let mut g = ArrivalGen::new(&a, SimTime::from_secs(10));
        let mut rng = stream(1, "f", Component::Arrivals);
        assert_eq!(
            g.next(&mut rng),
            Some(Arrival {
                time: SimTime::from_secs(5),
                duration: Some(SimTime::from_millis(4))
            })
        );
        assert_eq!(g.next(&mut rng), None);
    }
}
