//! Equal-time events are processed in the order they were scheduled, and the engine's step
//! API reports where the run is.

use crate::support::run;
use lamsim_sim::engine::Engine;
use lamsim_sim::model::{ArrivalProcess, ConstantSpacing, Dist, DurationModel, Scenario};
use lamsim_sim::observer::Observer;
use lamsim_sim::testing::{simple_function, simple_scenario};
use lamsim_sim::time::SimTime;

/// `n` functions, each with one request every 10 s from time 0 for 10 min, `exec_s` of
/// execution after 1 µs of init, keep-alive 10 min.
fn every_ten_seconds(n: usize, exec_s: f64) -> Scenario {
    let mut s = simple_scenario(0.1, 1.0, "10m", "10m");
    s.functions = (0..n)
        .map(|i| {
            let mut f = simple_function(&format!("f{i}"), 0.1, 1.0, "10m");
            f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(0.1));
            f.duration = DurationModel::unscaled(
                Dist::Const {
                    value_ms: exec_s * 1000.0,
                },
                f.memory_mb,
            );
            f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.001 }, f.memory_mb);
            f
        })
        .collect();
    s
}

#[test]
fn simultaneous_arrivals_are_admitted_in_function_order() {
    // Three functions whose requests arrive at the same instants, one environment for the whole
    // account: the first function's request is scheduled first at every instant (its wake-up
    // is pushed first) and takes the only slot; the others are throttled, every time.
    let mut s = every_ten_seconds(3, 1.0);
    s.account.concurrency_limit = 1;
    let out = run(&s);
    let f = &out.summary.functions;
    assert_eq!((f[0].invocations, f[0].throttles), (60.0, 0.0));
    for g in &f[1..] {
        assert_eq!((g.invocations, g.throttles), (0.0, 60.0), "{}", g.name);
    }
}

#[test]
fn a_request_arriving_as_the_previous_one_ends_finds_it_still_running() {
    // Reserved concurrency 1 and executions exactly as long as the spacing: the request of
    // t = 10 s was scheduled (its wake-up pushed at t = 0) before the completion at t = 10 s
    // (scheduled when the first request started), so it is processed first, finds the only
    // environment busy and is throttled; the next one finds it free. Half are throttled.
    let mut s = every_ten_seconds(1, 10.0);
    s.functions[0].init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, 1024);
    s.functions[0].reserved_concurrency = Some(1);
    let f = &run(&s).summary.functions[0];
    assert_eq!((f.invocations, f.throttles), (30.0, 30.0));
}

struct Nothing;
impl Observer for Nothing {}

#[test]
fn the_step_api_counts_every_event_and_says_when_the_run_is_over() {
    let s = every_ten_seconds(2, 1.0);
    let mut e = Engine::new(&s, 1, Nothing);
    // Mid-window, nothing in flight between requests: the run is not over.
    assert!(e.run_until(SimTime::from_secs(95)), "not over at 95 s");
    assert!(!e.finished());
    // Every event before 95 s ran, none after: the last was the completion of the (warm)
    // requests of 90 s after 1 s of execution, the next is the arrival of 100 s.
    assert_eq!(e.now(), SimTime::from_secs(91));
    assert_eq!(e.next_time(), Some(SimTime::from_secs(100)));
    // Each function started one environment (the keep-alive outlives the gaps).
    assert_eq!(e.stats().environments_created, 2);
    let mut steps = e.stats().events;
    while e.step() {
        steps += 1;
        assert_eq!(e.stats().events, steps, "one event per step");
    }
    assert!(e.finished());
    assert!(
        !e.run_until(SimTime::from_secs(700)),
        "over after the window"
    );
    // Two functions, 60 requests each: 120 arrivals, 120 completions and the end of the one
    // init of each function (every later request is warm; the keep-alive outlives the run).
    assert_eq!(steps, 120 + 120 + 2);
}

/// Completions of function 0: (end time, arrival of the try, was a retry).
#[derive(Default)]
struct Tries(Vec<(SimTime, SimTime, bool)>);

impl Observer for Tries {
    fn on_complete(&mut self, t: SimTime, inv: &lamsim_sim::observer::Invocation) {
        self.0.push((t, inv.arrival, inv.retry));
    }
}

#[test]
fn a_new_async_event_goes_before_a_retry_due_at_the_same_instant() {
    use lamsim_sim::model::Trace;
    // One slot (reserved concurrency 1), every execution fails and takes exactly 1 s with no
    // init. The event of 0 s fails at 1 s and is due again at 1 + 60 = 61 s, exactly when a
    // new event arrives: the new event is taken first (the source's tie rule) and runs
    // 61–62 s; the retry, throttled, comes back later.
    let mut s = lamsim_sim::testing::async_retries();
    s.simulation.duration = SimTime::from_secs(600);
    let f = &mut s.functions[0];
    f.error_rate = 1.0;
    f.reserved_concurrency = Some(1);
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1000.0 }, f.memory_mb);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
        times: vec![SimTime::ZERO, SimTime::from_secs(61)],
        ..Trace::default()
    }));
    f.triggers[0].arrivals.end = s.simulation.duration;
    let mut e = Engine::new(&s, 1, Tries::default());
    e.run();
    let tries = e.into_observer().0;
    let at_62 = tries
        .iter()
        .find(|c| c.0 == SimTime::from_secs(62))
        .unwrap_or_else(|| panic!("a try ends at 62 s: {tries:?}"));
    assert_eq!(at_62.1, SimTime::from_secs(61));
    assert!(!at_62.2, "the new event ran first: {tries:?}");
    // The retry of the first event ran afterwards.
    assert!(
        tries.iter().any(|c| c.2 && c.0 > SimTime::from_secs(62)),
        "{tries:?}"
    );
}

/// Completions of function 0: (end time, arrival, environment slot).
#[derive(Default)]
struct Ran(Vec<(SimTime, SimTime, u32)>);

impl Observer for Ran {
    fn on_complete(&mut self, t: SimTime, inv: &lamsim_sim::observer::Invocation) {
        self.0.push((t, inv.arrival, inv.environment.0));
    }
}

#[test]
fn executions_ending_at_the_same_instant_end_in_the_order_they_started() {
    use lamsim_sim::model::{Routing, Trace};
    // Eight requests at 0 s start eight environments, in slots 0..7 in arrival order, each
    // running exactly 1 s with no init: eight completions at 1 s, scheduled in that order. They
    // must be processed in that order too (equal times pop in insertion order), so slot 7
    // becomes idle last and, under most-recently-used routing, runs the request of 2 s.
    let mut s = simple_scenario(1.0, 1.0, "10m", "10s");
    let f = &mut s.functions[0];
    f.routing = Routing::Mru;
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1000.0 }, f.memory_mb);
    let mut times = vec![SimTime::ZERO; 8];
    times.push(SimTime::from_secs(2));
    f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
        times,
        ..Trace::default()
    }));
    let mut e = Engine::new(&s, 1, Ran::default());
    e.run();
    let ran = e.into_observer().0;
    let at_one: Vec<u32> = ran
        .iter()
        .filter(|r| r.0 == SimTime::from_secs(1))
        .map(|r| r.2)
        .collect();
    assert_eq!(
        at_one,
        (0..8).collect::<Vec<u32>>(),
        "completion order at 1 s"
    );
    let last = ran.last().unwrap();
    assert_eq!((last.1, last.2), (SimTime::from_secs(2), 7), "{ran:?}");
}

/// Completions in the order the observer sees them: (end time, function).
#[derive(Default)]
struct Ends(Vec<(SimTime, u32)>);

impl Observer for Ends {
    fn on_complete(&mut self, t: SimTime, inv: &lamsim_sim::observer::Invocation) {
        self.0.push((t, inv.function));
    }
}

#[test]
fn last_requests_of_many_functions_at_one_instant_end_in_function_order() {
    use lamsim_sim::model::Trace;
    // Eight functions with one request each, all at 0 s: a source with nothing after its last
    // request pushes no further wake-up, so only the engine's own events are scheduled between
    // the eight cold starts. Each initialises for 100 ms and runs 50 ms: eight ends of init at
    // 0.1 s and eight completions at 0.15 s, each set scheduled in function order, so they
    // must be processed in function order (equal times pop in insertion order).
    let mut s = simple_scenario(1.0, 1.0, "10m", "10s");
    s.functions = (0..8)
        .map(|i| {
            let mut f = simple_function(&format!("f{i}"), 1.0, 1.0, "10m");
            f.init = DurationModel::unscaled(Dist::Const { value_ms: 100.0 }, f.memory_mb);
            f.duration = DurationModel::unscaled(Dist::Const { value_ms: 50.0 }, f.memory_mb);
            f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
                times: vec![SimTime::ZERO],
                ..Trace::default()
            }));
            f
        })
        .collect();
    let mut e = Engine::new(&s, 1, Ends::default());
    e.run();
    let ends = e.into_observer().0;
    assert_eq!(
        ends,
        (0..8)
            .map(|f| (SimTime::from_millis(150), f))
            .collect::<Vec<_>>()
    );
}

#[test]
fn an_async_event_arriving_as_a_warm_run_ends_finds_it_still_running() {
    // One async event every 10 s, each running exactly 10 s with no init. The event of 20 s
    // runs warm on environment 0 and ends at 30 s; the wake-up for the event of 30 s was
    // scheduled (at 20 s) just before that completion, so it is processed first, finds
    // environment 0 still running and takes environment 1, idle since 20 s. The two
    // environments alternate: the event of `10 k` s runs on environment `k mod 2`, and only the
    // first two start cold. (Were the completion processed first, environment 1, the newest,
    // would take every event from 30 s on.)
    let mut s = lamsim_sim::testing::async_retries();
    s.simulation.duration = SimTime::from_secs(200);
    let f = &mut s.functions[0];
    f.error_rate = 0.0;
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 10_000.0 }, f.memory_mb);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Constant(ConstantSpacing::Rate(0.1));
    f.triggers[0].arrivals.end = s.simulation.duration;
    let mut e = Engine::new(&s, 1, Ran::default());
    e.run();
    let ran = e.into_observer().0;
    assert_eq!(ran.len(), 20, "{ran:?}");
    for (end, arrival, slot) in &ran {
        let k = arrival.0 / SimTime::from_secs(10).0;
        assert_eq!(
            (*end, *slot),
            (
                SimTime(arrival.0 + SimTime::from_secs(10).0),
                (k % 2) as u32
            ),
            "the event of {arrival:?}: {ran:?}"
        );
    }
}

#[test]
fn an_async_retry_due_as_another_function_ends_finds_the_account_full() {
    use lamsim_sim::model::Trace;
    // One slot for the whole account. Function 1 (synchronous) runs 0–0.5 s and again, warm,
    // 61.5–62 s. Function 0's event of 1 s runs 1–2 s, fails, and is due again at 2 + 60 =
    // 62 s: that retry was scheduled at 2 s, before the completion of 62 s (scheduled at
    // 61.5 s), so it is processed first, finds the slot taken and is throttled; after the
    // first throttle backoff (1 s) it runs 63–64 s. (Were the completion processed first, the
    // retry would run 62–63 s.)
    let mut s = lamsim_sim::testing::async_retries();
    s.simulation.duration = SimTime::from_secs(600);
    s.account.concurrency_limit = 1;
    let f = &mut s.functions[0];
    f.error_rate = 1.0;
    f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1000.0 }, f.memory_mb);
    f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
    f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
        times: vec![SimTime::from_secs(1)],
        ..Trace::default()
    }));
    f.triggers[0].arrivals.end = s.simulation.duration;
    let mut g = simple_function("other", 1.0, 1.0, "10m");
    g.duration = DurationModel::unscaled(Dist::Const { value_ms: 500.0 }, g.memory_mb);
    g.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, g.memory_mb);
    g.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
        times: vec![SimTime::ZERO, SimTime::from_millis(61_500)],
        ..Trace::default()
    }));
    g.triggers[0].arrivals.end = s.simulation.duration;
    s.functions.push(g);
    let mut e = Engine::new(&s, 1, Tries::default());
    e.run();
    // (end, start) of function 0's retries: a try's arrival is when it was submitted.
    let retries: Vec<(SimTime, SimTime)> = e
        .into_observer()
        .0
        .into_iter()
        .filter(|t| t.2)
        .map(|t| (t.0, t.1))
        .collect();
    assert_eq!(
        retries.first(),
        Some(&(SimTime::from_secs(64), SimTime::from_secs(63))),
        "the first retry runs 63–64 s: {retries:?}"
    );
}

#[test]
fn each_routing_policy_takes_the_idle_environment_it_names() {
    use lamsim_sim::model::{Routing, Trace};
    // Four requests at 0 s run 3, 1, 4 and 2 s with no init, in environments created in that
    // order (slots 0..3); they become idle at 1 s (slot 1), 2 s (3), 3 s (0) and 4 s (2). Three
    // requests at 10 s then take three of them, in arrival order:
    // - newest (created last first): 3, 2, 1;
    // - mru (idle last first): 2, 0, 3;
    // - lru (idle longest first): 1, 3, 0.
    let taken = |routing| {
        let mut s = simple_scenario(1.0, 1.0, "10m", "20s");
        let f = &mut s.functions[0];
        f.routing = routing;
        f.init = DurationModel::unscaled(Dist::Const { value_ms: 0.0 }, f.memory_mb);
        f.duration = DurationModel::unscaled(Dist::Const { value_ms: 1000.0 }, f.memory_mb);
        let secs = |v: &[u64]| v.iter().map(|&x| SimTime::from_secs(x)).collect::<Vec<_>>();
        f.triggers[0].arrivals.process = ArrivalProcess::Trace(std::sync::Arc::new(Trace {
            times: secs(&[0, 0, 0, 0, 10, 10, 10]),
            durations: Some(secs(&[3, 1, 4, 2, 1, 1, 1])),
            ..Trace::default()
        }));
        let mut e = Engine::new(&s, 1, Ran::default());
        e.run();
        let ran = e.into_observer().0;
        assert_eq!(ran.len(), 7, "{ran:?}");
        ran.iter()
            .filter(|r| r.1 == SimTime::from_secs(10))
            .map(|r| r.2)
            .collect::<Vec<u32>>()
    };
    assert_eq!(taken(Routing::Newest), vec![3, 2, 1], "newest");
    assert_eq!(taken(Routing::Mru), vec![2, 0, 3], "mru");
    assert_eq!(taken(Routing::Lru), vec![1, 3, 0], "lru");
    let mut random = taken(Routing::Random);
    random.sort();
    random.dedup();
    assert_eq!(random.len(), 3, "random takes three different environments");
}
