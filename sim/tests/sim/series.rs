//! Time series and invocation sample of `run_with_series`: hand-computed buckets, agreement
//! with the summary over the measured window, bounded sizes, and no effect on the results.

use hdrhistogram::Histogram;
use lamsim_sim::cost::PriceBook;
use lamsim_sim::model::{
    ArrivalProcess, ConstantSpacing, Dist, DurationModel, ProvisionedWindow, Scenario,
};
use lamsim_sim::report_data::{FunctionSeries, ReportData};
use lamsim_sim::runner::{self, RunOutput};
use lamsim_sim::series::{InvocationSample, SeriesOptions, bucket_width, latency_cdf};
use lamsim_sim::summary::FunctionSummary;
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::{SimTime, parse_duration};

fn d(s: &str) -> SimTime {
    parse_duration(s).unwrap()
}

fn run(s: &Scenario, opts: &SeriesOptions) -> (RunOutput, ReportData, InvocationSample) {
    runner::run_with_series(s, &|_| {}, opts)
}

/// Constant 2 req/s, constant 100 ms executions and 250 ms init, 10 s with a 2 s warm-up.
fn metronome() -> Scenario {
    let mut s = simple_scenario(2.0, 100.0, "10m", "10s");
    s.simulation.warmup = d("2s");
    let f = &mut s.functions[0];
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(2.0));
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 100.0 }, 1024);
    s
}

#[track_caller]
fn close(x: f64, y: f64, what: &str) {
    assert!(
        (x - y).abs() <= 1e-9 * x.abs().max(y.abs()).max(1e-12),
        "{what}: {x} vs {y}"
    );
}

/// Sum of `v` over the buckets that start in the measured window.
fn window_sum(data: &ReportData, v: &[f64]) -> f64 {
    v.iter()
        .enumerate()
        .filter(|(i, _)| *i as f64 * data.bucket_s >= data.warmup_s)
        .map(|(_, x)| x)
        .sum()
}

/// Time average over the measured window of a per-bucket time average.
fn window_average(data: &ReportData, v: &[f64]) -> f64 {
    let mut area = 0.0;
    for (i, x) in v.iter().enumerate() {
        let start = i as f64 * data.bucket_s;
        if start >= data.warmup_s {
            let len = (start + data.bucket_s).min(data.duration_s) - start;
            area += x * len;
        }
    }
    area / (data.duration_s - data.warmup_s)
}

#[test]
fn bucket_width_follows_the_ladder_and_divides_the_warm_up() {
    let w = |dur: &str, warm: &str, max: usize| bucket_width(d(dur), d(warm), max);
    assert_eq!(w("2h", "0s", 10_000), d("1s"));
    assert_eq!(w("10000s", "5m", 10_000), d("1s"));
    // 10,001 s would need 10,001 one-second buckets.
    assert_eq!(w("10001s", "0s", 10_000), d("10s"));
    assert_eq!(w("1d", "0s", 10_000), d("10s"));
    // 30 days: 1-minute buckets would be 43,200, 5-minute ones 8,640.
    assert_eq!(w("30d", "5m", 10_000), d("5m"));
    // A warm-up of 30 s is not a multiple of 1 min: the next width that divides it is too
    // fine, so 1 min is taken and a bucket straddles the warm-up's end.
    assert_eq!(w("5d", "30s", 10_000), d("1m"));
    // 60 buckets allowed, 1 h: 1 min fits, but the 90 s warm-up is not a multiple: 5 min is
    // not either; 1 h is not; fall back to 1 min.
    assert_eq!(w("1h", "90s", 60), d("1m"));
    assert_eq!(w("1h", "10m", 10), d("1h"));
    assert_eq!(w("1h", "0s", 1), d("1h"));
    // Past the ladder: whole days.
    assert_eq!(w("3650d", "0s", 1000), d("4d"));
}

#[test]
fn constant_traffic_gives_the_hand_computed_buckets() {
    let s = metronome();
    let (out, data, _) = run(&s, &SeriesOptions::default());
    assert_eq!(data.bucket_s, 1.0);
    assert_eq!(data.duration_s, 10.0);
    assert_eq!(data.warmup_s, 2.0);
    assert_eq!(data.replicates, 1);
    let f = &data.functions[0];
    assert_eq!(f.name, "fn");
    assert_eq!(f.arrivals, vec![2.0; 10]);
    assert_eq!(f.invocations, vec![2.0; 10]);
    assert_eq!(f.throttles, vec![0.0; 10]);
    let mut cold = vec![0.0; 10];
    cold[0] = 1.0;
    assert_eq!(f.cold_starts, cold);
    // One environment from t = 0 on, busy 250 + 100 ms for the first request, then 100 ms
    // per request.
    for i in 0..10 {
        close(f.env_total[i], 1.0, "env_total");
        let busy = if i == 0 { 0.45 } else { 0.2 };
        close(f.env_busy[i], busy, "env_busy");
        close(f.env_idle[i], 1.0 - busy, "env_idle");
        assert_eq!(f.env_provisioned[i], 0.0);
    }
    // No free tier: 2 requests and 2 × 0.1 GB-s at 1 GB per measured second; the warm-up is
    // not billed.
    let book = PriceBook::us_east_1();
    let per_s = 2.0 * book.request + 0.2 * book.duration.x86_64.first();
    for i in 0..10 {
        let expect = if i < 2 { 0.0 } else { per_s };
        close(f.cost_usd[i], expect, &format!("cost_usd[{i}]"));
    }
    close(
        window_sum(&data, &f.cost_usd),
        out.summary.functions[0].cost_usd.as_ref().unwrap().total,
        "cost total",
    );
}

#[test]
fn a_last_bucket_cut_short_by_the_end_averages_over_its_own_length() {
    use lamsim_sim::model::Trace;
    // 10.5 s in buckets of 1 s: the last bucket is 10-10.5 s. A request at 0 s (100 ms, no
    // init) leaves one environment, idle to the end; a request at 10.2 s runs 1 s on it, past
    // the end. Over the last bucket: 1 environment (0.5 env-s in 0.5 s) of which 0.6 busy
    // (0.3 env-s in 0.5 s); over the bucket before: 1 environment, none busy.
    let mut s = simple_scenario(1.0, 100.0, "10m", "10500ms");
    let f = &mut s.functions[0];
    f.timeout = d("5s");
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 100.0 }, f.memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
        times: vec![SimTime::ZERO, d("10200ms")],
        durations: Some(vec![d("100ms"), d("1s")]),
        ..Trace::default()
    }));
    let (_, data, _) = run(&s, &SeriesOptions::default());
    assert_eq!(data.bucket_s, 1.0);
    let f = &data.functions[0];
    assert_eq!(f.env_total.len(), 11);
    close(f.env_total[9], 1.0, "env_total[9]");
    close(f.env_busy[9], 0.0, "env_busy[9]");
    close(f.env_total[10], 1.0, "env_total[10]");
    close(f.env_busy[10], 0.6, "env_busy[10]");
    close(f.env_idle[10], 0.4, "env_idle[10]");
}

#[test]
fn an_execution_across_buckets_is_busy_in_each_for_its_share() {
    use lamsim_sim::model::Trace;
    // 5 s in buckets of 1 s, no init. A request at 0.7 s runs 1.6 s (to 2.3 s), one at 3.9 s
    // runs 0.2 s (to 4.1 s), on the environment the first one created. Busy: 0.3 of bucket 0,
    // all of bucket 1, 0.3 of bucket 2, 0.1 of buckets 3 and 4. The environment lives from
    // 0.7 s on: 0.3 of bucket 0, then whole buckets.
    let mut s = simple_scenario(1.0, 100.0, "10m", "5s");
    let f = &mut s.functions[0];
    f.timeout = d("5s");
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
        times: vec![d("700ms"), d("3900ms")],
        durations: Some(vec![d("1600ms"), d("200ms")]),
        ..Trace::default()
    }));
    let (_, data, _) = run(&s, &SeriesOptions::default());
    assert_eq!(data.bucket_s, 1.0);
    let f = &data.functions[0];
    let busy = [0.3, 1.0, 0.3, 0.1, 0.1];
    let total = [0.3, 1.0, 1.0, 1.0, 1.0];
    assert_eq!(f.env_busy.len(), 5);
    for i in 0..5 {
        close(f.env_busy[i], busy[i], &format!("env_busy[{i}]"));
        close(f.env_total[i], total[i], &format!("env_total[{i}]"));
    }
    // Each invocation counts in the bucket it arrived in.
    assert_eq!(f.invocations, vec![1.0, 0.0, 0.0, 1.0, 0.0]);
}

#[test]
fn managed_instances_count_busy_environments_not_invocations() {
    // 200 requests/s of 100 ms on 2-vCPU environments: about 20 requests in flight, several
    // at once on each environment. The busy series is of environments, as in the summary.
    let s = crate::config_validation::ok(&crate::managed_instances::workload(
        4096,
        "",
        "kind = \"poisson\"\nrate-per-s = 200",
        "dist = \"const\"\nvalue = \"100ms\"",
        "10m",
    ));
    let (out, data, _) = run(&s, &SeriesOptions::default());
    let (f, sf) = (&data.functions[0], &out.summary.functions[0]);
    // At least 200/s × 100 ms = 20 requests in flight on average (Little's law), on fewer
    // busy environments.
    assert!(
        sf.instances.avg_busy < 18.0,
        "environments run several requests at once: {}",
        sf.instances.avg_busy
    );
    close(
        window_average(&data, &f.env_busy),
        sf.instances.avg_busy,
        "avg_busy",
    );
    close(
        window_average(&data, &f.env_total),
        sf.instances.avg_total,
        "avg_total",
    );
}

#[test]
fn provisioned_cost_is_shared_by_configured_time_and_use() {
    let mut s = metronome();
    s.functions[0].provisioned = vec![ProvisionedWindow {
        start: SimTime::ZERO,
        end: SimTime::MAX,
        count: 2,
    }];
    // Requests from 1 s on, when both provisioned environments are initialized.
    s.functions[0].triggers[0].arrivals.start = d("1s");
    let (out, data, _) = run(&s, &SeriesOptions::default());
    let f = &data.functions[0];
    let mut arrivals = vec![2.0; 10];
    arrivals[0] = 0.0;
    assert_eq!(f.arrivals, arrivals);
    assert_eq!(f.cold_starts, vec![0.0; 10]);
    let book = PriceBook::us_east_1();
    // Per second: 2 GB-s configured, 0.2 GB-s used on provisioned environments, 2 requests.
    let per_s =
        2.0 * book.request + 2.0 * book.provisioned.x86_64 + 0.2 * book.provisioned_duration.x86_64;
    for i in 0..10 {
        close(f.env_total[i], 2.0, "env_total");
        close(f.env_provisioned[i], 2.0, "env_provisioned");
        // Ready before the first request; then 2 requests × 100 ms per second.
        close(f.env_busy[i], if i == 0 { 0.0 } else { 0.2 }, "env_busy");
        let expect = if i < 2 { 0.0 } else { per_s };
        close(f.cost_usd[i], expect, &format!("cost_usd[{i}]"));
    }
    close(
        window_sum(&data, &f.cost_usd),
        out.summary.functions[0].cost_usd.as_ref().unwrap().total,
        "cost total",
    );
}

#[test]
fn a_lower_provisioned_count_while_its_environments_are_busy_shares_less_cost() {
    // 10 s long executions, one request a second from 1 s: both provisioned environments are
    // busy from 2 s to the end. At 5.5 s the configured count drops from 2 to 1 while they
    // are busy, so only the configured count changes (the surplus leaves when its request
    // ends, after the run).
    let mut s = metronome();
    let f = &mut s.functions[0];
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(1.0));
    f.triggers[0].arrivals.start = d("1s");
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 10_000.0 }, 1024);
    f.provisioned = vec![
        ProvisionedWindow {
            start: SimTime::ZERO,
            end: d("5500ms"),
            count: 2,
        },
        ProvisionedWindow {
            start: d("5500ms"),
            end: SimTime::MAX,
            count: 1,
        },
    ];
    // Only the configured provisioned concurrency costs anything.
    let r = &mut s.pricing.rates;
    r.request = Some(0.0);
    r.duration_x86 = Some(0.0);
    r.provisioned_duration_x86 = Some(0.0);
    r.provisioned_x86 = Some(1.0);
    let (out, data, _) = run(&s, &SeriesOptions::default());
    let f = &data.functions[0];
    for i in 2..10 {
        // Both provisioned environments are alive (and busy) to the end.
        close(f.env_provisioned[i], 2.0, &format!("env_provisioned[{i}]"));
    }
    // Configured GB-s per 1 s bucket of the window (2..10 s): 2 up to 5 s, 2 × 0.5 + 1 × 0.5
    // from 5 to 6 s, then 1. The bill (AWS bills configured time in 5-minute increments) is
    // shared out in proportion.
    let configured = [2.0, 2.0, 2.0, 1.5, 1.0, 1.0, 1.0, 1.0];
    let sum: f64 = configured.iter().sum();
    let total = out.summary.functions[0].cost_usd.as_ref().unwrap().total;
    assert!(total > 0.0);
    for (i, c) in configured.iter().enumerate() {
        close(
            f.cost_usd[i + 2],
            total * c / sum,
            &format!("cost_usd[{}]", i + 2),
        );
    }
}

/// Random traffic with throttling, cold starts, a warm-up and several replicates.
fn busy_scenario() -> Scenario {
    let mut s = simple_scenario(40.0, 200.0, "1s", "20m");
    s.simulation.warmup = d("2m");
    s.simulation.replicates = 3;
    s.simulation.seed = 7;
    s.pricing.free_tier = true;
    s.functions[0].reserved_concurrency = Some(9);
    // Its logs are billed too: the series share the logs line out like the others.
    s.functions[0].log_bytes = Some(500);
    let mut g = lamsim_sim::testing::simple_function("other", 3.0, 900.0, "1m");
    g.memory_mb = 512;
    g.triggers[0].arrivals.process = ArrivalProcess::OnOff {
        on_rate_per_s: 20.0,
        off_rate_per_s: 0.5,
        on_mean: d("20s"),
        off_mean: d("40s"),
    };
    g.provisioned = vec![ProvisionedWindow {
        start: d("5m"),
        end: d("12m"),
        count: 3,
    }];
    s.functions.push(g);
    s
}

#[track_caller]
fn check_against_summary(data: &ReportData, f: &FunctionSeries, sf: &FunctionSummary) {
    close(window_sum(data, &f.arrivals), sf.arrivals, "arrivals");
    close(
        window_sum(data, &f.invocations),
        sf.invocations,
        "invocations",
    );
    close(
        window_sum(data, &f.cold_starts),
        sf.cold_starts,
        "cold starts",
    );
    close(window_sum(data, &f.throttles), sf.throttles, "throttles");
    close(
        window_average(data, &f.env_total),
        sf.instances.avg_total,
        "avg_total",
    );
    close(
        window_average(data, &f.env_busy),
        sf.instances.avg_busy,
        "avg_busy",
    );
    close(
        window_average(data, &f.env_idle),
        sf.instances.avg_idle,
        "avg_idle",
    );
    close(
        window_sum(data, &f.cost_usd),
        sf.cost_usd.as_ref().unwrap().total,
        "cost",
    );
}

#[test]
fn window_buckets_add_up_to_the_summary() {
    let s = busy_scenario();
    let (out, data, _) = run(&s, &SeriesOptions::default());
    assert_eq!(data.replicates, 3);
    assert_eq!(data.functions.len(), 2);
    for (f, sf) in data.functions.iter().zip(&out.summary.functions) {
        assert_eq!(f.name, sf.name);
        assert_eq!(f.arrivals.len(), 1200);
        assert!(sf.invocations > 0.0 && sf.cold_starts > 0.0);
        check_against_summary(&data, f, sf);
    }
    assert!(
        out.summary.functions[0].throttles > 0.0,
        "the test needs throttles"
    );
    // The warm-up buckets hold traffic but no cost.
    let f = &data.functions[0];
    assert!(f.arrivals[..120].iter().sum::<f64>() > 0.0);
    assert!(f.cost_usd[..120].iter().all(|c| *c == 0.0));
    // Provisioned concurrency only from 5 to 12 min (300..720 s).
    let g = &data.functions[1];
    assert_eq!(g.env_provisioned[250], 0.0);
    close(g.env_provisioned[400], 3.0, "provisioned at 400 s");
    assert_eq!(g.env_provisioned[800], 0.0);
}

#[test]
fn coarse_buckets_add_up_to_the_summary_too() {
    // 20 min in at most 10 buckets: 5-minute buckets (the 2-minute warm-up is not a multiple
    // of 5 min, so warm-up 5 min instead).
    let mut s = busy_scenario();
    s.simulation.warmup = d("5m");
    let opts = SeriesOptions {
        max_buckets: 10,
        ..SeriesOptions::default()
    };
    let (out, data, _) = run(&s, &opts);
    assert_eq!(data.bucket_s, 300.0);
    assert_eq!(data.functions[0].arrivals.len(), 4);
    for (f, sf) in data.functions.iter().zip(&out.summary.functions) {
        check_against_summary(&data, f, sf);
    }
}

#[test]
fn series_change_nothing_in_the_summary() {
    let s = busy_scenario();
    let plain = runner::run(&s, &|_| {});
    let (with, _, _) = run(&s, &SeriesOptions::default());
    assert_eq!(
        serde_json::to_string(&plain.summary).unwrap(),
        serde_json::to_string(&with.summary).unwrap()
    );
    for (a, b) in plain.replicates.iter().zip(&with.replicates) {
        assert_eq!(a.stats, b.stats);
    }
}

#[test]
fn the_sample_is_bounded_uniform_and_deterministic() {
    let s = busy_scenario();
    let opts = SeriesOptions {
        sample_cap: 5_000,
        ..SeriesOptions::default()
    };
    let (out, _, a) = run(&s, &opts);
    let (_, _, b) = run(&s, &opts);
    assert_eq!(a, b, "same seed, same sample");
    let population: f64 = out
        .summary
        .functions
        .iter()
        .map(|f| f.invocations)
        .sum::<f64>()
        * 3.0;
    let population = population.round();
    assert_eq!(a.population as f64, population);
    assert_eq!(a.cap, 5_000);
    assert_eq!(a.rows.len(), 5_000);
    let warmup = s.simulation.warmup;
    assert!(
        a.rows
            .iter()
            .all(|r| r.arrival >= warmup && r.arrival < s.simulation.duration)
    );
    assert!(
        a.rows
            .windows(2)
            .all(|w| (w[0].replicate, w[0].arrival) <= (w[1].replicate, w[1].arrival))
    );
    // Every replicate is represented, about in proportion (a third each).
    for rep in 0..3 {
        let n = a.rows.iter().filter(|r| r.replicate == rep).count() as f64;
        // Binomial(5000, 1/3): sd ≈ 33.
        assert!((n - 5000.0 / 3.0).abs() < 200.0, "replicate {rep}: {n}");
    }
    // Uniform: the sample's share of function 0 matches the population's within 5 sd.
    let p = out.summary.functions[0].invocations * 3.0 / population;
    let share = a.rows.iter().filter(|r| r.function == 0).count() as f64 / 5000.0;
    let sd = (p * (1.0 - p) / 5000.0).sqrt();
    assert!((share - p).abs() < 5.0 * sd, "{share} vs {p}");
    // Cold rows carry their init (the constant 250 ms at 1,024 MB, twice that at 512 MB), warm
    // rows none; billed: the execution rounded up to 1 ms, plus the init (billed by default).
    for r in &a.rows {
        assert_eq!(r.cold, r.init > SimTime::ZERO, "{r:?}");
        let init = SimTime::from_millis(if r.function == 0 { 250 } else { 500 });
        assert!(!r.cold || r.init == init, "{r:?}");
        let ms = SimTime::from_millis(1);
        assert_eq!(r.billed, r.duration.ceil_to(ms) + r.init, "{r:?}");
    }

    // A cap above the population keeps everything; a cap of 0 keeps nothing.
    let all = run(
        &s,
        &SeriesOptions {
            sample_cap: usize::MAX,
            ..SeriesOptions::default()
        },
    )
    .2;
    assert_eq!(all.rows.len() as f64, population);
    let none = run(
        &s,
        &SeriesOptions {
            sample_cap: 0,
            ..SeriesOptions::default()
        },
    )
    .2;
    assert!(none.rows.is_empty());
}

#[test]
fn sizes_do_not_grow_with_the_run_length() {
    // 60 simulated days at 0.5 req/s (2.6 million requests): the series stays at most
    // max_buckets long and the sample at its cap.
    let mut s = simple_scenario(0.5, 50.0, "5m", "60d");
    s.simulation.warmup = d("1d");
    let opts = SeriesOptions {
        max_buckets: 1000,
        sample_cap: 2_000,
        ..SeriesOptions::default()
    };
    let (out, data, sample) = run(&s, &opts);
    let f = &data.functions[0];
    assert_eq!(data.bucket_s, 86_400.0);
    assert_eq!(f.arrivals.len(), 60);
    assert_eq!(sample.rows.len(), 2_000);
    assert!(sample.population > 2_000_000);
    check_against_summary(&data, f, &out.summary.functions[0]);
    let default = SeriesOptions::default();
    let (_, data, sample) = run(&s, &default);
    assert_eq!(data.bucket_s, 3600.0);
    assert!(data.functions[0].arrivals.len() <= default.max_buckets);
    assert_eq!(sample.rows.len(), default.sample_cap);
}

#[test]
fn latency_cdf_is_thinned_monotone_and_ends_at_one() {
    let mut h = Histogram::<u64>::new_with_bounds(1, 7_200_000_000, 3).unwrap();
    h.record_n(1000, 50).unwrap();
    h.record_n(2000, 50).unwrap();
    // Two values: two points, in ms, at 50 % and 100 %.
    assert_eq!(latency_cdf(&h, 2.0), vec![[1.0, 0.5], [2.0, 1.0]]);
    // The exact maximum caps the last bucket's highest equivalent value.
    let mut g = Histogram::<u64>::new_with_bounds(1, 7_200_000_000, 3).unwrap();
    g.record(123_456).unwrap();
    assert_eq!(latency_cdf(&g, 123.4567), vec![[123.4567, 1.0]]);

    let mut big = Histogram::<u64>::new_with_bounds(1, 7_200_000_000, 3).unwrap();
    for v in 1..200_000u64 {
        big.record(v * 7 % 1_000_003 + 1).unwrap();
    }
    let cdf = latency_cdf(&big, 1e9);
    assert!(
        cdf.len() <= lamsim_sim::series::CDF_MAX_POINTS,
        "{}",
        cdf.len()
    );
    assert!(cdf.len() > 100, "{}", cdf.len());
    assert!(
        cdf.windows(2)
            .all(|w| w[0][0] < w[1][0] && w[0][1] < w[1][1])
    );
    assert_eq!(cdf.last().unwrap()[1], 1.0);
    // The median point is near the histogram's median.
    let med = cdf.iter().find(|p| p[1] >= 0.5).unwrap()[0];
    let expect = big.value_at_quantile(0.5) as f64 / 1000.0;
    assert!((med - expect).abs() / expect < 0.01, "{med} vs {expect}");
    assert!(latency_cdf(&Histogram::<u64>::new(3).unwrap(), 1.0).is_empty());
}

#[test]
fn report_data_cdfs_come_from_the_summary_histograms() {
    let s = busy_scenario();
    let (out, data, _) = run(&s, &SeriesOptions::default());
    for (f, sf) in data.functions.iter().zip(&out.summary.functions) {
        for (cdf, stats) in [
            (&f.latency_cdf_warm_ms, &sf.latency_warm_ms),
            (&f.latency_cdf_cold_ms, &sf.latency_cold_ms),
        ] {
            assert!(!cdf.is_empty());
            assert_eq!(cdf.last().unwrap()[1], 1.0);
            // The largest point is the largest maximum over replicates (≥ the mean max).
            assert!(cdf.last().unwrap()[0] >= stats.max * (1.0 - 1e-12));
            let p50 = cdf.iter().find(|p| p[1] >= 0.5).unwrap()[0];
            assert!(
                (p50 - stats.p50).abs() / stats.p50 < 0.05,
                "{p50} vs {}",
                stats.p50
            );
        }
    }
}

#[test]
fn the_backlog_series_integrates_to_the_summary_backlog() {
    // A queue that fills and drains: the time-averaged buckets over the window must average
    // to the summary's backlog_avg (both integrate the same notes), replicate means included;
    // a function without queued triggers has no backlog series.
    let mut s = lamsim_sim::testing::sqs_worker();
    s.simulation.duration = d("5m");
    s.simulation.warmup = SimTime::ZERO;
    s.simulation.replicates = 2;
    let (out, data, _) = run(&s, &SeriesOptions::default());
    let f = &data.functions[0];
    assert_eq!(f.backlog.len(), f.arrivals.len());
    let mean = f.backlog.iter().sum::<f64>() / f.backlog.len() as f64;
    let q = out.summary.functions[0]
        .queue
        .as_ref()
        .expect("queued trigger");
    assert!(q.backlog_avg > 0.1, "{q:?}");
    assert!(
        (mean - q.backlog_avg).abs() < 1e-9 * q.backlog_avg.max(1.0),
        "{mean} vs {q:?}"
    );
    let (_, plain, _) = run(&metronome(), &SeriesOptions::default());
    assert!(plain.functions[0].backlog.is_empty());
}

/// Event-driven functions count their triggers' items, not their executions, in `arrivals`
/// and `throttles`, as the summary does: a sync call retried by its client after throttles,
/// async events retried after errors, SQS messages in batches of up to 10 with throttled tries
/// (reserved concurrency 1), and stream records. Each function's window buckets add up to its
/// summary, and the test checks that the items and executions differ, so that counting
/// executions would fail it.
#[test]
fn event_driven_buckets_count_items_as_the_summary_does() {
    let function = |name: &str, keys: &str, trigger: &str, arrivals: &str| {
        format!(
            "[[function]]\nname = \"{name}\"\nmemory-mb = 512\ntimeout = \"60s\"\n{keys}\n\
             [function.duration]\ndist = \"const\"\nvalue = \"800ms\"\n\
             [[function.trigger]]\n{trigger}\n[function.trigger.arrivals]\n{arrivals}\n"
        )
    };
    let text = [
        "[simulation]\nduration = \"20m\"\nwarmup = \"2m\"\nseed = 5\nreplicates = 2\n".to_string(),
        function(
            "sync",
            "reserved-concurrency = 1",
            "invocation = \"sync\"\nclient-retries = 2\nclient-backoff = \"300ms\"",
            "kind = \"poisson\"\nrate-per-s = 1.0",
        ),
        function(
            "async",
            "error-rate = 0.3",
            "invocation = \"async\"\nmax-retries = 2",
            "kind = \"poisson\"\nrate-per-s = 2.0",
        ),
        function(
            "sqs",
            "reserved-concurrency = 1",
            "invocation = \"sqs\"\nbatch-size = 10\nmax-concurrency = 2",
            "kind = \"poisson\"\nrate-per-s = 8.0",
        ),
        function(
            "stream",
            "",
            "invocation = \"stream\"\nshards = 2\nbatch-size = 20",
            "kind = \"poisson\"\nrate-per-s = 15.0",
        ),
    ]
    .concat();
    let s = lamsim_sim::config::from_str(&text, std::path::Path::new("."), "t.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    let (out, data, _) = run(&s, &SeriesOptions::default());
    for (f, sf) in data.functions.iter().zip(&out.summary.functions) {
        let t = &sf.triggers.as_ref().expect("event-driven")[0];
        close(
            window_sum(&data, &f.arrivals),
            sf.arrivals,
            &format!("{} arrivals", sf.name),
        );
        close(
            window_sum(&data, &f.throttles),
            sf.throttles,
            &format!("{} throttles", sf.name),
        );
        close(
            window_sum(&data, &f.invocations),
            sf.invocations,
            &format!("{} invocations", sf.name),
        );
        assert!(
            (t.arrivals - t.invocations).abs() > 10.0,
            "{}: items {} and executions {} should differ",
            sf.name,
            t.arrivals,
            t.invocations
        );
    }
    let by = |name: &str| {
        out.summary
            .functions
            .iter()
            .find(|f| f.name == name)
            .unwrap()
    };
    assert!(
        by("sync").throttles > 10.0,
        "the test needs throttled calls"
    );
    assert!(by("sqs").throttles > 10.0, "the test needs throttled tries");
}

/// Records a function's instance count whenever the counts change.
#[derive(Default)]
struct InstanceLog(Vec<(u64, u32)>);

impl lamsim_sim::observer::Observer for InstanceLog {
    fn on_counts(&mut self, t: SimTime, _f: u32, c: lamsim_sim::observer::Counts) {
        if self.0.last().is_none_or(|l| l.1 != c.instances) {
            self.0.push((t.0, c.instances));
        }
    }
}

/// A managed-instances function's instance hours go to the buckets where its instances run:
/// in buckets without requests, cost is proportional to the instances' time in the bucket
/// (recorded by an observer of the same run), not to the bucket's length. The fleet scales out
/// under a 5-minute burst and back in after it, so the instance count differs between those
/// buckets, and cost by time alone fails the test.
#[test]
fn managed_instances_cost_follows_the_instances() {
    let text = crate::managed_instances::workload(
        2048,
        "max-concurrency = 4",
        "kind = \"poisson\"\nrate-per-s = 150.0\nend = \"5m\"",
        "dist = \"const\"\nvalue = \"200ms\"",
        "20m",
    );
    let s = lamsim_sim::config::from_str(&text, std::path::Path::new("."), "t.toml")
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, data, _) = run(&s, &SeriesOptions::default());
    let mut engine = lamsim_sim::engine::Engine::new(&s, s.simulation.seed, InstanceLog::default());
    engine.run();
    let log = engine.into_observer().0;
    let w = (data.bucket_s * 1e9) as u64;
    let end = s.simulation.duration.0;
    // The instances' time (instance·ns) in each bucket, from the log.
    let mut area = vec![0f64; data.functions[0].cost_usd.len()];
    for (k, &(t0, n)) in log.iter().enumerate() {
        let t1 = log.get(k + 1).map_or(end, |x| x.0).min(end);
        let mut t = t0;
        while t < t1 {
            let b = (t / w) as usize;
            let stop = ((b as u64 + 1) * w).min(t1);
            area[b] += n as f64 * (stop - t) as f64;
            t = stop;
        }
    }
    let f = &data.functions[0];
    let quiet: Vec<usize> = (0..area.len())
        .filter(|&b| f.arrivals[b] == 0.0 && f.invocations[b] == 0.0 && area[b] > 0.0)
        .collect();
    let counts: std::collections::BTreeSet<u64> = quiet
        .iter()
        .map(|&b| (area[b] / w as f64).round() as u64)
        .collect();
    assert!(
        counts.len() >= 2,
        "the test needs quiet buckets with different instance counts: {counts:?}"
    );
    let per = |b: usize| f.cost_usd[b] / area[b];
    let (lo, hi) = quiet
        .iter()
        .map(|&b| per(b))
        .fold((f64::MAX, f64::MIN), |(a, z), x| (a.min(x), z.max(x)));
    assert!(hi / lo - 1.0 < 1e-9, "cost per instance-ns {lo} .. {hi}");
}
