//! Scenario builders for tests, benchmarks and doc examples (no workload file needed).

use crate::model::trigger::{AsyncTrigger, SqsScaling, SqsTrigger, StreamTrigger, SyncTrigger};
use crate::model::*;
use std::sync::Arc;

use crate::time::{SimTime, parse_duration};

fn d(s: &str) -> SimTime {
    parse_duration(s).expect("valid duration literal")
}

/// One function with Poisson arrivals at `rate_per_s`, exponential execution time of mean
/// `mean_ms`, a constant 250 ms init, fixed keep-alive `keep_alive`, simulated for `duration`,
/// 1,024 MB x86_64, timeout 15 min, account limit 1000, unlimited scaling.
pub fn simple_scenario(
    rate_per_s: f64,
    mean_ms: f64,
    keep_alive: &str,
    duration: &str,
) -> Scenario {
    Scenario {
        simulation: Simulation {
            duration: d(duration),
            warmup: SimTime::ZERO,
            seed: 1,
            replicates: 1,
            start_at: crate::schedule::START_AT,
        },
        account: Account {
            region: "us-east-1".into(),
            concurrency_limit: 1000,
            scaling: Scaling::Unlimited,
        },
        pricing: Pricing {
            billing_date: defaults::BILLING_DATE,
            bill_init: None,
            free_tier: false,
            granularity: defaults::GRANULARITY,
            granularity_explicit: false,
            rates: RateOverrides::default(),
        },
        functions: vec![simple_function("fn", rate_per_s, mean_ms, keep_alive)],
        slo: None,
        populations: Vec::new(),
    }
}

/// The function of [`simple_scenario`], named `name`.
pub fn simple_function(name: &str, rate_per_s: f64, mean_ms: f64, keep_alive: &str) -> Function {
    Function {
        name: name.into(),
        memory_mb: 1024,
        architecture: Architecture::X86_64,
        runtime: None,
        timeout: d("15m"),
        ephemeral_storage_mb: 512,
        reserved_concurrency: None,
        provisioned: vec![],
        arm64_speedup: 1.0,
        routing: Routing::Newest,
        triggers: vec![Trigger {
            name: "sync".into(),
            arrivals: Arrivals {
                process: ArrivalProcess::Poisson { rate_per_s },
                start: SimTime::ZERO,
                end: SimTime::MAX,
            },
            kind: TriggerKind::Sync(SyncTrigger::default()),
        }],
        trigger_form: false,
        error_rate: 0.0,
        duration: DurationModel::unscaled(Dist::Exp { mean_ms }, 1024),
        init: DurationModel::unscaled(Dist::Const { value_ms: 250.0 }, 1024),
        keep_alive: KeepAlive {
            policy: KeepAlivePolicy::Fixed {
                idle: d(keep_alive),
            },
            max_lifetime: None,
        },
        snapstart: false,
        restore: None,
        handler: None,
        calibration: None,
        measured: None,
        slo: None,
        log_bytes: None,
        population: None,
        provisioned_autoscaling: None,
        compute: crate::model::Compute::OnDemand,
    }
}

/// Steady Poisson traffic with lognormal 100 ms executions sized for `busy` environments.
pub fn steady(busy: f64, duration: &str) -> Scenario {
    let mean_ms = 100.0;
    let mut s = simple_scenario(busy / (mean_ms / 1000.0), mean_ms, "10m", duration);
    s.account.scaling = Scaling::PerFunction;
    s.functions[0].duration = DurationModel::unscaled(
        Dist::LogNormal {
            mu: mean_ms.ln() - 0.125,
            sigma: 0.5,
        },
        1024,
    );
    s
}

/// Bursts of 3,000 req/s against 200 reserved concurrency: most requests are throttled.
pub fn burst_throttled() -> Scenario {
    let mut s = steady(8.0, "5m");
    s.functions[0].reserved_concurrency = Some(200);
    s.functions[0].triggers[0].arrivals.process = ArrivalProcess::OnOff {
        on_rate_per_s: 3000.0,
        off_rate_per_s: 50.0,
        on_mean: parse_duration("10s").unwrap(),
        off_mean: parse_duration("10s").unwrap(),
    };
    s
}

/// A trace of 1 million timestamps (Poisson at 1,000 req/s) with per-row durations.
pub fn trace_replay() -> Scenario {
    let mut s = steady(50.0, "1000s");
    let mut t = 0u64;
    let mut x: u64 = 0x1234_5678;
    let mut times = Vec::with_capacity(1_000_000);
    let mut durations = Vec::with_capacity(1_000_000);
    for _ in 0..1_000_000 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = (x >> 11) as f64 / (1u64 << 53) as f64;
        t += (-(1.0 - u).ln() * 1e6) as u64; // mean gap 1 ms
        times.push(SimTime(t));
        durations.push(SimTime::from_millis(20 + (x % 80)));
    }
    s.functions[0].triggers[0].arrivals.process = ArrivalProcess::Trace(Arc::new(Trace {
        path: "bench".into(),
        times,
        durations: Some(durations),
        function: None,
    }));
    s
}

/// The benchmark scenarios, named by what they stress: steady Poisson traffic at about 8 and
/// 450 busy environments, a throttled burst, and a trace replay.
pub fn bench_scenarios() -> Vec<(&'static str, Scenario)> {
    vec![
        ("steady_8_instances", steady(8.0, "2000s")),
        ("steady_450_instances", steady(450.0, "200s")),
        ("burst_throttled", burst_throttled()),
        ("trace_replay", trace_replay()),
        ("async_retries", async_retries()),
        ("sqs_worker", sqs_worker()),
        ("stream_shards", stream_shards()),
    ]
}

/// An account of `n` functions with heavy-tailed traffic like the Azure Functions traces':
/// Poisson arrivals at rates log-uniform in 0.001..50 per second (mean 4.6 /s, so about
/// 46,000 /s for 10,000 functions), lognormal executions with a median log-uniform in
/// 10 ms..2 s and a p99 2 to 10 times the median, simulated for `duration`; the account limit
/// (10⁶) does not bind. The draws come from a fixed SplitMix64 sequence, so the scenario is the
/// same on every machine.
pub fn many_functions(n: usize, duration: &str) -> Scenario {
    let mut s = simple_scenario(1.0, 100.0, "10m", duration);
    s.account.scaling = Scaling::PerFunction;
    s.account.concurrency_limit = 1_000_000;
    let mut x = 0u64;
    let mut uniform = || {
        x = x.wrapping_add(1);
        (crate::rng::splitmix64(x) >> 11) as f64 / (1u64 << 53) as f64
    };
    let mut log_uniform = |lo: f64, hi: f64| (lo.ln() + uniform() * (hi / lo).ln()).exp();
    s.functions = (0..n)
        .map(|i| {
            let rate = log_uniform(0.001, 50.0);
            let median_ms = log_uniform(10.0, 2000.0);
            let p99_ratio = log_uniform(2.0, 10.0);
            let mut f = simple_function(&format!("f{i:05}"), rate, median_ms, "10m");
            // The 99th percentile of a lognormal is its median times e^(2.326 σ).
            f.duration = DurationModel::unscaled(
                Dist::LogNormal {
                    mu: median_ms.ln(),
                    sigma: p99_ratio.ln() / 2.326_347_874,
                },
                1024,
            );
            f
        })
        .collect();
    s
}

/// [`steady`] traffic with its trigger replaced by `kind` (an event-driven function).
fn with_trigger(busy: f64, duration: &str, kind: TriggerKind) -> Scenario {
    let mut s = steady(busy, duration);
    let f = &mut s.functions[0];
    f.trigger_form = true;
    f.triggers[0].name = kind.name().into();
    f.triggers[0].kind = kind;
    s
}

/// Async events at 80/s (8 busy environments) of which 10 % fail and are retried.
pub fn async_retries() -> Scenario {
    let mut s = with_trigger(
        8.0,
        "2000s",
        TriggerKind::Async(AsyncTrigger {
            max_retries: 2,
            max_event_age: d("6h"),
            event_size_kb: 1,
        }),
    );
    s.functions[0].error_rate = 0.1;
    s
}

/// An SQS queue at 800 messages/s taken in batches of 10 (8 busy environments at 100 ms a
/// batch would be 80 batches/s; the batches run 100 ms + 9 × 1 ms).
pub fn sqs_worker() -> Scenario {
    let mut s = with_trigger(
        8.0,
        "2000s",
        TriggerKind::Sqs(SqsTrigger {
            batch_size: 10,
            batching_window: SimTime::ZERO,
            max_concurrency: Some(50),
            scaling: SqsScaling::Standard { max_pollers: 1000 },
            per_record: d("1ms"),
            visibility_timeout: d("30s"),
            max_receive_count: Some(3),
            retention: d("4d"),
            report_batch_item_failures: false,
        }),
    );
    // Messages: ten times the steady request rate.
    if let ArrivalProcess::Poisson { rate_per_s } = &mut s.functions[0].triggers[0].arrivals.process
    {
        *rate_per_s *= 10.0;
    }
    s.functions[0].error_rate = 0.01;
    s
}

/// A stream of 8 shards × 2 lanes at 800 records/s in batches of up to 100 with a 100 ms window.
pub fn stream_shards() -> Scenario {
    let mut s = with_trigger(
        8.0,
        "2000s",
        TriggerKind::Stream(StreamTrigger {
            shards: 8,
            parallelization_factor: 2,
            batch_size: 100,
            batching_window: d("100ms"),
            max_retries: None,
            max_record_age: d("1d"),
            bisect_on_error: true,
            per_record: d("1ms"),
        }),
    );
    if let ArrivalProcess::Poisson { rate_per_s } = &mut s.functions[0].triggers[0].arrivals.process
    {
        *rate_per_s *= 10.0;
    }
    s.functions[0].error_rate = 0.01;
    s
}

/// What [`floor`] simulated, to check that it did the engine's draws.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FloorRun {
    /// Arrivals in the window (all served: the floor has no limits).
    pub invocations: u64,
    /// The execution times drawn, summed, ns.
    pub exec_ns: u128,
    /// Environments created ([`FloorLevel::Queue`] only; 0 otherwise).
    pub environments: u32,
}

/// How much of a simulation [`floor`] does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FloorLevel {
    /// The draws alone: each arrival's gap and each execution time, summed.
    Draws,
    /// The draws, each execution's end in the engine's [`EventQueue`](crate::heap::EventQueue),
    /// and the idle environment freed last taken from a stack (the engine's `newest` routing
    /// takes the one created last, found by a bit scan).
    Queue,
}

impl FloorLevel {
    /// Every level, in the order the benchmarks run them.
    pub const ALL: [FloorLevel; 2] = [FloorLevel::Draws, FloorLevel::Queue];

    /// The benchmark case of this level's floor of scenario `scenario`:
    /// `SCENARIO/floor_draws` or `SCENARIO/floor_queue`.
    pub fn case(self, scenario: &str) -> String {
        let label = match self {
            FloorLevel::Draws => "draws",
            FloorLevel::Queue => "queue",
        };
        format!("{scenario}/floor_{label}")
    }
}

/// Whether the benchmark scenario `name` of [`bench_scenarios`] has a [`floor`]: the steady
/// ones (one function, sync Poisson arrivals).
pub fn has_floor(name: &str) -> bool {
    name.starts_with("steady_")
}

/// The least work a simulation of `s`'s first function does per invocation, as a yardstick for
/// the engine's speed: the engine's own arrival generator and execution-time model on the
/// engine's streams under `seed` (so the same values, in the same order, cut at the timeout as
/// the engine cuts them), and at [`FloorLevel::Queue`]
/// the engine's event queue, with nothing else: no cold starts or keep-alive, no limits, no
/// bill, no observer. Made for the steady benchmark scenarios (one function, sync Poisson
/// arrivals, no trace durations); what the engine adds to it is the price of the model and of
/// recording it.
pub fn floor(s: &Scenario, seed: u64, level: FloorLevel) -> FloorRun {
    match level {
        FloorLevel::Draws => floor_at::<false>(s, seed),
        FloorLevel::Queue => floor_at::<true>(s, seed),
    }
}

fn floor_at<const QUEUE: bool>(s: &Scenario, seed: u64) -> FloorRun {
    use crate::arrivals::ArrivalGen;
    use crate::engine::outcome::OutcomeModel;
    use crate::heap::EventQueue;
    use crate::rng::{Component, trigger_stream};

    let f = &s.functions[0];
    let t = &f.triggers[0];
    let mut rng_arrivals = trigger_stream(seed, &f.name, 0, &t.name, Component::Arrivals);
    let mut arrivals = ArrivalGen::new(&t.arrivals, s.simulation.duration);
    // The engine's execution times: its sampler on its stream, cut at the timeout as it cuts them.
    let mut outcomes = OutcomeModel::new(f, seed);
    let mut run = FloorRun::default();
    let mut ends: EventQueue<u32> = EventQueue::default();
    let mut idle: Vec<u32> = Vec::new();
    while let Some(a) = arrivals.next(&mut rng_arrivals) {
        let now = a.time.0;
        let (exec, _) = outcomes.execute(None, 0, true);
        run.invocations += 1;
        run.exec_ns += exec as u128;
        if QUEUE {
            while ends.peek_time().is_some_and(|end| end <= now) {
                let (_, env) = ends.pop().expect("an end was peeked");
                idle.push(env);
            }
            let env = idle.pop().unwrap_or_else(|| {
                run.environments += 1;
                run.environments - 1
            });
            ends.push(now + exec, env);
        }
    }
    run
}
