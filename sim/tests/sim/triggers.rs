//! Event-driven triggers (spec section 5) against first principles: queueing theory for SQS,
//! retry arithmetic for async events, order and blocking for streams, exact counts with
//! constant durations, and conservation of every item after every event.

use lamsim_sim::config;
use lamsim_sim::engine::Engine;
use lamsim_sim::model::Scenario;
use lamsim_sim::observer::{Fate, Invocation, Note, Observer};
use lamsim_sim::summary::{FunctionSummary, TriggerSummary};
use lamsim_sim::time::SimTime;

use crate::support::{assert_within, run, trace_dir};

fn scenario(text: &str) -> Scenario {
    config::from_str(text, std::path::Path::new("."), "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// `[simulation]` plus one function `f` with `fn_keys`, constant `duration` and `triggers`
/// (each a `[[function.trigger]]` body followed by its arrivals table).
fn workload(sim: &str, fn_keys: &str, duration: &str, triggers: &[(&str, &str)]) -> String {
    let mut s = format!(
        "[simulation]\n{sim}\n[[function]]\nname = \"f\"\nmemory-mb = 1024\ntimeout = \"60s\"\n\
         {fn_keys}\n[function.init]\ndist = \"const\"\nvalue = \"200ms\"\n\
         [function.duration]\n{duration}\n"
    );
    for (t, a) in triggers {
        s.push_str(&format!(
            "[[function.trigger]]\n{t}\n[function.trigger.arrivals]\n{a}\n"
        ));
    }
    s
}

fn only(f: &FunctionSummary) -> &TriggerSummary {
    &f.triggers.as_ref().expect("event-driven fields")[0]
}

/// Erlang C: probability that an arrival waits in an M/M/c queue with offered load `a`.
fn erlang_c(a: f64, c: u32) -> f64 {
    let mut term = 1.0; // a^k / k!
    let mut sum = 0.0;
    for k in 0..c {
        sum += term;
        term *= a / (k + 1) as f64;
    }
    let tail = term * c as f64 / (c as f64 - a);
    tail / (sum + tail)
}

#[test]
fn sqs_with_fixed_concurrency_waits_as_erlang_c_says() {
    // c = 4 batch slots (max-concurrency 4 < the 5 initial ones), batch size 1, Poisson
    // messages at 30/s, exponential work of mean 100 ms, 4 provisioned environments (no cold
    // start): an M/M/4 queue with a = 3 erlangs.
    let (lambda, mu, c) = (30.0, 10.0, 4u32);
    let text = workload(
        "duration = \"1h\"\nwarmup = \"5m\"\nreplicates = 8\nseed = 11",
        "provisioned-concurrency = 4",
        "dist = \"exp\"\nmean = \"100ms\"",
        &[(
            "invocation = \"sqs\"\nbatch-size = 1\nmax-concurrency = 4",
            "kind = \"poisson\"\nrate-per-s = 30.0",
        )],
    );
    let out = run(&scenario(&text));
    let a = lambda / mu;
    let wq = erlang_c(a, c) / (c as f64 * mu - lambda);
    let expect_ms = (wq + 1.0 / mu) * 1000.0; // 150.9 ms
    assert!((expect_ms - 150.94).abs() < 0.01, "{expect_ms}");
    let means: Vec<f64> = out
        .replicates
        .iter()
        .map(|r| {
            only(&r.summary.functions[0])
                .end_to_end_ms
                .as_ref()
                .unwrap()
                .mean
        })
        .collect();
    let n = means.len() as f64;
    let mean = means.iter().sum::<f64>() / n;
    let sd = (means.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    assert_within(
        mean,
        expect_ms,
        sd / n.sqrt(),
        4.0,
        "mean time in system (ms)",
    );
    // The median of the sojourn time is below the mean (the wait is mostly zero, then long).
    let t = only(&out.summary.functions[0]);
    let e2e = t.end_to_end_ms.as_ref().unwrap();
    assert!(e2e.p50 < e2e.mean && e2e.p99 > 3.0 * e2e.mean, "{e2e:?}");
    assert_eq!(t.batch_size_avg, Some(1.0));
}

#[test]
fn an_sqs_backlog_drains_in_n_times_s_over_c_b_plus_the_ramp() {
    // 200,000 messages arrive in the first second; batches of 10 take exactly 100 ms; at most
    // 50 batches at once. The mapping starts with 5 batch slots and adds one every 200 ms
    // (300 a minute) while messages wait, so it reaches 50 after 45 × 0.2 s = 9 s, having
    // processed ∫₀⁹ (5 + 5t) × 10 / 0.1 dt = 100 × (45 + 202.5) = 24,750 messages; the rest
    // go at 50 × 10 / 0.1 = 5,000 a second: 175,250 / 5,000 = 35.05 s. Drained at ≈ 44.05 s,
    // plus the 200 ms init of each of the 50 environments' first batch (≈ 0.2 s of lost
    // capacity at most).
    let text = workload(
        "duration = \"10m\"\nseed = 5",
        "",
        "dist = \"const\"\nvalue = \"100ms\"",
        &[(
            "invocation = \"sqs\"\nbatch-size = 10\nmax-concurrency = 50",
            "kind = \"constant\"\ncount = 200000\nend = \"1s\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    assert_eq!(t.arrivals, 200_000.0);
    assert_eq!(t.completed, 200_000.0);
    // The first 5 messages are taken one by one as they arrive (5 free slots, no batching
    // window); the other 199,995 fill 19,999 batches of 10 and one of 5.
    assert_eq!(t.invocations, 20_005.0);
    // The last message arrived just before 1 s and finished when the queue drained.
    let drained_s = t.end_to_end_ms.as_ref().unwrap().max / 1000.0 + 1.0;
    assert!(
        (drained_s - 44.05).abs() < 0.6,
        "drained at {drained_s} s, expected 44.05 s + init"
    );
    let q = t.queue.as_ref().unwrap();
    assert!(q.backlog_max > 190_000.0, "{q:?}");
    assert!(
        (q.oldest_age_ms_max / 1000.0 - (drained_s - 0.1)).abs() < 1.5,
        "{q:?}"
    );
}

#[test]
fn async_events_retry_twice_and_dead_letter_p_cubed() {
    // Error rate p = 0.2 and 2 retries: an event runs 1 + p + p² times on average and goes to
    // the on-failure destination with probability p³. Events arrive for 50 minutes, so every
    // retry (at most 3 minutes later) falls inside the 1-hour window.
    let p: f64 = 0.2;
    let text = workload(
        "duration = \"1h\"\nseed = 3",
        "error-rate = 0.2",
        "dist = \"const\"\nvalue = \"100ms\"",
        &[(
            "invocation = \"async\"\nmax-retries = 2",
            "kind = \"poisson\"\nrate-per-s = 50.0\nend = \"50m\"",
        )],
    );
    let out = run(&scenario(&text));
    let f = &out.summary.functions[0];
    let t = only(f);
    let n = t.arrivals;
    assert!(n > 140_000.0);
    assert_eq!(t.pending, 0.0);
    assert_eq!(t.completed + t.dead_letters, n, "{t:?}");
    let q = p.powi(3);
    assert_within(
        t.dead_letters / n,
        q,
        (q * (1.0 - q) / n).sqrt(),
        4.0,
        "dead-letter fraction",
    );
    // Executions per event: 1, 2 or 3 with probabilities 1-p, p(1-p), p².
    let mean = 1.0 + p + p * p;
    let second = (1.0 - p) + 4.0 * p * (1.0 - p) + 9.0 * p * p;
    let sd = (second - mean * mean).sqrt();
    assert_within(
        t.invocations / n,
        mean,
        sd / n.sqrt(),
        4.0,
        "executions per event",
    );
    assert_eq!(
        t.retries,
        t.invocations - n,
        "every execution after the first is a retry"
    );
    assert_eq!(t.errors, t.invocations - t.completed);
    assert_eq!(f.dead_letters, Some(t.dead_letters));
    // A retried event waited 60 s (and 120 s more for the second retry): the end-to-end
    // maximum is 0.1 + 60 + 0.1 + 120 + 0.1 s plus at most one 200 ms cold start each try.
    let e2e = t.end_to_end_ms.as_ref().unwrap();
    assert!(e2e.max >= 180_300.0 && e2e.max <= 180_900.0, "{e2e:?}");
    // A queued kind reports its batch size: one event per execution.
    assert_eq!(t.batch_size_avg, Some(1.0));
    assert_eq!(f.batch_size_avg, Some(1.0));
}

#[test]
fn with_concurrency_zero_every_async_event_is_dead_lettered_and_none_runs() {
    // Reserved concurrency 0 throttles every try. Backoff 1, 2, 4, 8, 16 s puts the tries at
    // 0, 1, 3, 7, 15 and 31 s; the next would be at 63 s > max-event-age 60 s: 6 throttled
    // tries, then the on-failure destination.
    let text = workload(
        "duration = \"1h\"\nseed = 9",
        "reserved-concurrency = 0",
        "dist = \"const\"\nvalue = \"100ms\"",
        &[(
            "invocation = \"async\"\nmax-event-age = \"60s\"",
            "kind = \"poisson\"\nrate-per-s = 2.0\nend = \"50m\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    assert!(t.arrivals > 5000.0);
    assert_eq!(t.invocations, 0.0);
    assert_eq!(t.dead_letters, t.arrivals);
    assert_eq!(t.throttles, 6.0 * t.arrivals);
}

#[test]
fn sqs_messages_go_to_the_dlq_after_max_receive_count() {
    // Every batch fails; a message is received 3 times (at 0, 30 s and 60 s: visibility
    // timeout 30 s) and moved to the dead-letter queue on its 4th receive.
    let text = workload(
        "duration = \"30m\"\nseed = 2",
        "error-rate = 1.0",
        "dist = \"const\"\nvalue = \"100ms\"",
        &[(
            "invocation = \"sqs\"\nbatch-size = 1\nvisibility-timeout = \"30s\"\nmax-receive-count = 3",
            "kind = \"constant\"\nrate-per-s = 1.0\nend = \"20m\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    assert_eq!(t.arrivals, 1200.0);
    assert_eq!(t.dead_letters, 1200.0);
    assert_eq!(t.invocations, 3600.0);
    assert_eq!(t.retries, 2400.0);
    assert_eq!(t.errors, 3600.0);
    assert_eq!(t.completed, 0.0);
}

#[test]
fn partial_batch_failures_retry_only_the_failed_records() {
    // With report-batch-item-failures each record fails with p = 0.5 on its own; a record is
    // received a geometric number of times (mean 1 / (1 - p) = 2), and none is lost.
    let text = workload(
        "duration = \"2h\"\nseed = 4",
        "error-rate = 0.5",
        "dist = \"const\"\nvalue = \"10ms\"",
        &[(
            "invocation = \"sqs\"\nbatch-size = 10\nvisibility-timeout = \"10s\"\n\
             report-batch-item-failures = true",
            "kind = \"poisson\"\nrate-per-s = 20.0\nend = \"90m\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    assert_eq!(t.completed, t.arrivals, "{t:?}");
    // Failed records = receives - arrivals; receives per record: mean 2, variance p/(1-p)² = 2.
    let n = t.arrivals;
    assert_within(
        t.errors / n,
        1.0,
        (2.0 / n).sqrt(),
        4.0,
        "failed receives per record",
    );
}

/// Collects the order in which a stream's records complete.
#[derive(Default)]
struct Completions(Vec<SimTime>);

impl Observer for Completions {
    fn on_note(&mut self, _t: SimTime, _f: u32, _s: u32, note: &Note) {
        if let Note::Settled {
            arrival,
            fate: Fate::Completed,
        } = note
        {
            self.0.push(*arrival);
        }
    }
}

#[test]
fn a_stream_shard_processes_in_order_and_a_failed_batch_blocks_it() {
    // One shard, error rate 0.3, retry until success: records complete exactly in arrival
    // order, none is lost, and the failures hold the iterator back.
    let text = workload(
        "duration = \"30m\"\nseed = 8",
        "error-rate = 0.3",
        "dist = \"const\"\nvalue = \"50ms\"",
        &[(
            "invocation = \"stream\"\nshards = 1\nbatch-size = 20",
            "kind = \"poisson\"\nrate-per-s = 100.0\nend = \"25m\"",
        )],
    );
    let s = scenario(&text);
    let mut engine = Engine::new(&s, 1, Completions::default());
    engine.run();
    let order = engine.into_observer().0;
    assert!(order.len() > 140_000);
    assert!(
        order.windows(2).all(|w| w[0] <= w[1]),
        "records out of order"
    );
    let out = run(&s);
    let t = only(&out.summary.functions[0]);
    assert_eq!((t.dead_letters, t.expired, t.pending), (0.0, 0.0, 0.0));
    assert_eq!(t.completed, t.arrivals);
    // Failed tries: each try fails with p independently, so failures / successes ≈ p / (1 - p).
    let successes = t.invocations - t.errors;
    let ratio = t.errors / successes;
    let p: f64 = 0.3;
    let se = (p / (1.0 - p).powi(2) / successes).sqrt();
    assert_within(
        ratio,
        p / (1.0 - p),
        se,
        4.0,
        "failed tries per successful batch",
    );
    assert!(t.queue.as_ref().unwrap().oldest_age_ms_max > 50.0);
    // Every failed try, and only those, is tried again (no retry limit).
    assert_eq!(t.retries, t.errors);
}

#[test]
fn a_stream_with_no_retries_drops_failed_batches_to_the_destination() {
    // max-retries = 0: a failed batch goes to the on-failure destination at once, so the
    // fraction of batches dropped is the error rate.
    let text = workload(
        "duration = \"30m\"\nseed = 12",
        "error-rate = 0.25",
        "dist = \"const\"\nvalue = \"20ms\"",
        &[(
            "invocation = \"stream\"\nshards = 2\nparallelization-factor = 2\nmax-retries = 0",
            "kind = \"poisson\"\nrate-per-s = 200.0\nend = \"25m\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    assert_eq!(t.completed + t.dead_letters, t.arrivals);
    assert_eq!(t.retries, 0.0);
    let p: f64 = 0.25;
    assert_within(
        t.errors / t.invocations,
        p,
        (p * (1.0 - p) / t.invocations).sqrt(),
        4.0,
        "dropped batches",
    );
    // The records dropped are those of the failed batches: a share p of them in expectation
    // (batch sizes vary, so the bound is loose: ±0.05 is several standard errors here, and a
    // destination that took the successful batches instead would hold 1 − p = 0.75).
    let dropped = t.dead_letters / t.arrivals;
    assert!((dropped - p).abs() < 0.05, "dropped records: {dropped}");
}

#[test]
fn one_sync_trigger_gives_what_the_wave_one_form_gives() {
    let wave_one = "[simulation]\nduration = \"30m\"\nseed = 21\n[[function]]\nname = \"f\"\n\
        memory-mb = 512\nreserved-concurrency = 3\n[function.arrivals]\nkind = \"poisson\"\n\
        rate-per-s = 40.0\n[function.duration]\ndist = \"exp\"\nmean = \"80ms\"\n";
    let triggered = wave_one.replace(
        "[function.arrivals]",
        "[[function.trigger]]\n[function.trigger.arrivals]",
    );
    let a = run(&scenario(wave_one)).summary.functions[0].clone();
    let b = run(&scenario(&triggered)).summary.functions[0].clone();
    assert!(a.throttles > 1000.0, "the test needs throttles");
    assert_eq!(a.arrivals, b.arrivals);
    assert_eq!(a.invocations, b.invocations);
    assert_eq!(a.throttles, b.throttles);
    assert_eq!(a.cold_starts, b.cold_starts);
    assert_eq!(a.latency_ms, b.latency_ms);
    assert_eq!(a.usage, b.usage);
    let t = only(&b);
    assert_eq!(t.completed + t.throttles, t.arrivals);
}

#[test]
fn a_gateway_timeout_cuts_the_caller_but_not_the_bill() {
    let text = workload(
        "duration = \"10m\"\nseed = 1",
        "",
        "dist = \"const\"\nvalue = \"40s\"",
        &[(
            "invocation = \"sync\"\ngateway-timeout = \"29s\"",
            "kind = \"constant\"\nrate-per-s = 0.5\nend = \"5m\"",
        )],
    );
    let out = run(&scenario(&text));
    let f = &out.summary.functions[0];
    let t = only(f);
    assert_eq!(t.invocations, 150.0);
    assert_eq!(t.gateway_timeouts, Some(150.0));
    assert_eq!(f.latency_ms.max, 29_000.0);
    // Billed: 150 × 40 s at 1 GB, plus each cold start's 200 ms INIT if billed.
    let billed = f.usage.ondemand_gb_s;
    assert!((billed - 150.0 * 40.0).abs() < 1e-6, "{billed}");
}

#[test]
fn client_retries_turn_throttles_into_late_successes() {
    // Reserved concurrency 1, 1 s calls at random (0.8 a second): many first tries are
    // throttled. With 3 retries of full-jitter backoff from 500 ms (caps 0.5, 1 and 2 s) some
    // succeed late; the caller's latency is at most 1 s + 0.2 s init + 3.5 s of waiting.
    let base = |retries: u32| {
        workload(
            "duration = \"30m\"\nseed = 6",
            "reserved-concurrency = 1",
            "dist = \"const\"\nvalue = \"1s\"",
            &[(
                &format!(
                    "invocation = \"sync\"\nclient-retries = {retries}\nclient-backoff = \"500ms\""
                ),
                "kind = \"poisson\"\nrate-per-s = 0.8\nend = \"20m\"",
            )],
        )
    };
    let none = run(&scenario(&base(0)));
    let some = run(&scenario(&base(3)));
    let (a, b) = (
        only(&none.summary.functions[0]),
        only(&some.summary.functions[0]),
    );
    assert!(a.arrivals > 800.0 && a.throttles > 200.0, "{a:?}");
    assert_eq!(a.completed + a.throttles, a.arrivals);
    assert_eq!(b.completed + b.throttles, b.arrivals);
    assert!(
        b.throttles < a.throttles,
        "{} vs {}",
        b.throttles,
        a.throttles
    );
    assert!(b.retries > 0.0);
    assert!(b.latency_ms.max <= 4700.0 + 1e-6, "{:?}", b.latency_ms);
    assert!(b.latency_ms.max > 1000.0);
}

/// Counts each source's items as its notes report them.
#[derive(Default)]
struct Ledger {
    arrived: Vec<u64>,
    settled: Vec<u64>,
}

impl Observer for Ledger {
    fn on_note(&mut self, _t: SimTime, _f: u32, s: u32, note: &Note) {
        let s = s as usize;
        if self.arrived.len() <= s {
            self.arrived.resize(s + 1, 0);
            self.settled.resize(s + 1, 0);
        }
        match note {
            Note::Arrived => self.arrived[s] += 1,
            Note::Settled { .. } => self.settled[s] += 1,
            _ => {}
        }
    }
    fn on_complete(&mut self, _t: SimTime, _inv: &Invocation) {}
}

#[test]
fn every_item_of_every_kind_is_accounted_for_after_every_event() {
    // Every kind at once, with errors, throttles (reserved concurrency 6), retries, a DLQ,
    // retention and record age short enough to expire items.
    let text = workload(
        "duration = \"20m\"\nseed = 17",
        "error-rate = 0.2\nreserved-concurrency = 6",
        "dist = \"exp\"\nmean = \"300ms\"",
        &[
            (
                "name = \"api\"\ninvocation = \"sync\"\nclient-retries = 2",
                "kind = \"poisson\"\nrate-per-s = 5.0",
            ),
            (
                "name = \"events\"\ninvocation = \"async\"\nmax-event-age = \"2m\"",
                "kind = \"poisson\"\nrate-per-s = 5.0",
            ),
            (
                "name = \"jobs\"\ninvocation = \"sqs\"\nbatch-size = 5\nmax-receive-count = 2\n\
                 visibility-timeout = \"20s\"\nretention = \"3m\"",
                "kind = \"poisson\"\nrate-per-s = 10.0",
            ),
            (
                "name = \"clicks\"\ninvocation = \"stream\"\nshards = 2\nmax-record-age = \"2m\"\n\
                 bisect-on-error = true",
                "kind = \"poisson\"\nrate-per-s = 20.0",
            ),
        ],
    );
    let s = scenario(&text);
    let mut engine = Engine::new(&s, 7, Ledger::default());
    let mut steps = 0u64;
    while engine.step() {
        steps += 1;
        let ledger = engine.observer();
        for src in 0..engine.source_count() {
            let arrived = ledger.arrived.get(src).copied().unwrap_or(0);
            let settled = ledger.settled.get(src).copied().unwrap_or(0);
            assert_eq!(
                arrived,
                settled + engine.source_pending(src),
                "source {src} after event {steps}"
            );
        }
    }
    engine.finish();
    let ledger = engine.observer();
    assert!(
        ledger.arrived.iter().all(|&a| a > 1000),
        "{:?}",
        ledger.arrived
    );
    let stats = engine.stats();
    assert_eq!(
        stats.arrivals,
        stats.completed + stats.throttled + stats.in_flight
    );
    // The summary balances too, trigger by trigger.
    let out = run(&s);
    for t in out.summary.functions[0].triggers.as_ref().unwrap() {
        let sync_throttled = if t.invocation == "sync" {
            t.throttles
        } else {
            0.0
        };
        assert_eq!(
            t.arrivals,
            t.completed + sync_throttled + t.dead_letters + t.expired + t.pending,
            "{t:?}"
        );
        assert!(t.errors > 0.0, "{t:?}");
    }
}

#[test]
fn async_retry_waits_fill_the_queue_as_littles_law_says() {
    // Same events as the p³ test: an event waits 60 s in the queue with probability p(1 - p)
    // and 60 + 120 s with probability p², so E[wait] = 60p + 120p² = 16.8 s (p = 0.2) with
    // E[wait²] = 3600 p(1-p) + 32400 p². All waits end inside the window, so the time-averaged
    // backlog × window / events is the mean wait (Little's law). The oldest event waiting is
    // never older than the longest end-to-end time.
    let p: f64 = 0.2;
    let text = workload(
        "duration = \"1h\"\nseed = 3",
        "error-rate = 0.2",
        "dist = \"const\"\nvalue = \"100ms\"",
        &[(
            "invocation = \"async\"\nmax-retries = 2",
            "kind = \"poisson\"\nrate-per-s = 50.0\nend = \"50m\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    let q = t.queue.as_ref().unwrap();
    let mean = 60.0 * p + 120.0 * p * p;
    let second = 3600.0 * p * (1.0 - p) + 32400.0 * p * p;
    let sd = (second - mean * mean).sqrt();
    let per_event = q.backlog_avg * 3600.0 / t.arrivals;
    assert_within(
        per_event,
        mean,
        sd / t.arrivals.sqrt(),
        4.0,
        "mean wait in the queue (s)",
    );
    let e2e = t.end_to_end_ms.as_ref().unwrap();
    assert!(q.oldest_age_ms_max >= 180_300.0, "{q:?}");
    assert!(
        q.oldest_age_ms_max <= e2e.max.max(180_900.0) + 1.0,
        "{q:?} vs {e2e:?}"
    );
}

#[test]
fn an_async_event_age_limit_on_a_try_time_still_allows_that_try() {
    // max-event-age 63 s: the tries at 0, 1, 3, 7, 15, 31 s are throttled, the next at exactly
    // 63 s is not later than the age limit, so it is tried (throttled too); the one after, at
    // 127 s, is: 7 throttled tries per event.
    let text = workload(
        "duration = \"1h\"\nseed = 9",
        "reserved-concurrency = 0",
        "dist = \"const\"\nvalue = \"100ms\"",
        &[(
            "invocation = \"async\"\nmax-event-age = \"63s\"",
            "kind = \"poisson\"\nrate-per-s = 2.0\nend = \"50m\"",
        )],
    );
    let t = only(&run(&scenario(&text)).summary.functions[0]).clone();
    assert_eq!(t.dead_letters, t.arrivals);
    assert_eq!(t.throttles, 7.0 * t.arrivals);
}

#[test]
fn each_async_trigger_invokes_its_own_function() {
    // Two functions with async triggers: the first may not run (reserved concurrency 0), the
    // second may. Events of each go to their own function only.
    let one = |name: &str, reserved: &str, age: &str| {
        format!(
            "[[function]]\nname = \"{name}\"\nmemory-mb = 512\n{reserved}\n[function.duration]\n\
             dist = \"const\"\nvalue = \"100ms\"\n[[function.trigger]]\ninvocation = \"async\"\n\
             max-event-age = \"{age}\"\n[function.trigger.arrivals]\nkind = \"constant\"\n\
             rate-per-s = 1.0\nend = \"30m\"\n"
        )
    };
    let text = format!(
        "[simulation]\nduration = \"1h\"\nseed = 4\n{}{}",
        one("blocked", "reserved-concurrency = 0", "60s"),
        one("open", "error-rate = 0.5", "6h")
    );
    let s = scenario(&text);
    let (out, data, _) = lamsim_sim::runner::run_with_series(
        &s,
        &|_| {},
        &lamsim_sim::series::SeriesOptions::default(),
    );
    let (blocked, open) = (
        only(&out.summary.functions[0]),
        only(&out.summary.functions[1]),
    );
    assert_eq!(blocked.arrivals, 1800.0);
    assert_eq!(blocked.invocations, 0.0);
    assert_eq!(blocked.dead_letters, 1800.0);
    assert_eq!(open.arrivals, 1800.0);
    assert_eq!(open.completed + open.dead_letters, 1800.0);
    assert!(open.retries > 0.0 && open.throttles == 0.0, "{open:?}");
    // Each function's queue is charted under its own name: the series averages to its own
    // summary backlog (both queues hold events waiting for a retry).
    assert_eq!(data.functions.len(), 2);
    for (i, f) in data.functions.iter().enumerate() {
        let q = out.summary.functions[i].queue.as_ref().unwrap();
        let mean = f.backlog.iter().sum::<f64>() / f.backlog.len() as f64;
        assert!(q.backlog_avg > 0.0, "{}: {q:?}", f.name);
        assert!(
            (mean - q.backlog_avg).abs() < 1e-9 * q.backlog_avg,
            "{}: {mean} vs {q:?}",
            f.name
        );
    }
}

#[test]
fn a_stream_batching_window_holds_each_record_for_the_window() {
    // One record every 10 s, batches of up to 100 and a 5 s batching window: each record
    // waits alone for the window to close, then runs 10 ms (warm after the first): arrival to
    // completion is 5.01 s, the cold one 0.2 s more.
    let text = workload(
        "duration = \"10m\"\nwarmup = \"1m\"\nseed = 3",
        "",
        "dist = \"const\"\nvalue = \"10ms\"",
        &[(
            "invocation = \"stream\"\nshards = 1\nbatch-size = 100\nbatching-window = \"5s\"",
            "kind = \"constant\"\nrate-per-s = 0.1",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    let e2e = t.end_to_end_ms.as_ref().unwrap();
    assert!((e2e.p50 - 5010.0).abs() < 10.0, "{e2e:?}");
    assert_eq!(t.batch_size_avg, Some(1.0));
}

#[test]
fn a_streams_records_go_round_robin_over_every_shard_and_parallel_lane() {
    // 2 shards × parallelization 2 = 4 lanes, a record every 250 ms, each batch of one running
    // 900 ms: round robin gives each lane a record a second, which it finishes in 0.9 s, so no
    // record waits (arrival to completion: 900 ms, plus the 200 ms init of the first on each
    // lane). Two lanes would each get one every 500 ms and fall ever further behind.
    let text = workload(
        "duration = \"10m\"\nwarmup = \"1m\"\nseed = 3",
        "",
        "dist = \"const\"\nvalue = \"900ms\"",
        &[(
            "invocation = \"stream\"\nshards = 2\nparallelization-factor = 2\nbatch-size = 1",
            "kind = \"constant\"\nrate-per-s = 4.0",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    let e2e = t.end_to_end_ms.as_ref().unwrap();
    assert!((e2e.p50 - 900.0).abs() < 1.0 && e2e.max < 1101.0, "{e2e:?}");
}

/// (start, records) of every execution, in the order they end.
#[derive(Default)]
struct Batches(Vec<(SimTime, u32)>);

impl Observer for Batches {
    fn on_complete(&mut self, _t: SimTime, inv: &Invocation) {
        self.0.push((inv.arrival, inv.records));
    }
}

#[test]
fn an_sqs_batching_window_opens_when_a_poller_is_free_not_while_every_slot_is_busy() {
    // Two batch slots (max-concurrency 2), batches of up to 100 gathered for a 10 s window, a
    // message a second from 0 s to 59 s, batches running 30 s (after a 200 ms init when
    // cold). The first window opens at 0 s and sends 0–10 s at 10 s; the second opens at 11 s
    // and sends 11–21 s at 21 s. Then both slots are busy while messages arrive from 22 s:
    // no window opens until the first slot frees at 40.2 s, so the third batch leaves at
    // 50.2 s with the 29 messages of 22–50 s (had the window opened at 22 s, it would leave
    // at 40.2 s with 19).
    let text = workload(
        "duration = \"2m\"\nseed = 3",
        "",
        "dist = \"const\"\nvalue = \"30s\"",
        &[(
            "invocation = \"sqs\"\nbatch-size = 100\nbatching-window = \"10s\"\nmax-concurrency = 2",
            "kind = \"constant\"\nrate-per-s = 1.0\nend = \"60s\"",
        )],
    );
    let s = scenario(&text);
    let mut e = Engine::new(&s, 1, Batches::default());
    e.run();
    let mut batches = e.into_observer().0;
    batches.sort();
    assert_eq!(
        batches[..3],
        [
            (SimTime::from_secs(10), 11),
            (SimTime::from_secs(21), 11),
            (SimTime::from_millis(50_200), 29)
        ],
        "{batches:?}"
    );
}

#[test]
fn sqs_pollers_add_slots_only_while_every_batch_slot_is_busy() {
    // One message at 0 s opens a 20 s batching window (batches of up to 10); 200 more arrive
    // together at 10 s, and batches run 10 s. The queue was not empty for those 10 s, but a
    // slot was free, so the mapping did not scale: it still has its 5 initial slots at 10 s
    // and sends 5 full batches then; the other 151 messages wait with every slot busy, so it
    // adds one slot per 0.2 s (300 a minute) from 10 s: 15 batches of 10 at 10.2 … 13.0 s.
    // The last message is a partial batch: the 21st slot opens a window for it at 13.2 s, and
    // it leaves alone at 33.2 s. (Had the slots grown over the first 10 s, 55 would be open
    // at 10 s and 20 batches would leave at once.)
    let dir = trace_dir("sqs-burst", std::iter::once(0.0).chain([10.0; 200]));
    let text = workload(
        "duration = \"2m\"\nseed = 3",
        "",
        "dist = \"const\"\nvalue = \"10s\"",
        &[(
            "invocation = \"sqs\"\nbatch-size = 10\nbatching-window = \"20s\"",
            "kind = \"trace\"\nfile = \"t.csv\"",
        )],
    );
    let s = config::from_str(&text, dir.path(), "t.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut e = Engine::new(&s, 1, Batches::default());
    e.run();
    let mut batches = e.into_observer().0;
    batches.sort();
    assert_eq!(batches.len(), 21, "{batches:?}");
    assert_eq!(batches.iter().map(|b| b.1).sum::<u32>(), 201);
    assert_eq!(
        batches[..5],
        [(SimTime::from_secs(10), 10); 5],
        "{batches:?}"
    );
    for (k, &(start, records)) in batches[5..].iter().enumerate() {
        let window = if k < 15 { 0 } else { 20_000_000_000 };
        let due = 10_000_000_000 + 200_000_000 * (k as u64 + 1) + window;
        assert!(
            start.0.abs_diff(due) <= 1_000,
            "batch {} left at {start:?}, due at {due} ns: {batches:?}",
            k + 5
        );
        assert_eq!(records, if k < 15 { 10 } else { 1 }, "{batches:?}");
    }
}

#[test]
fn a_stream_batch_whose_records_expire_while_failing_leaves_no_failures_behind() {
    // Every try fails (error rate 1) and takes 25 s; up to 5 retries, records expire after
    // 60 s. The record of 0 s is tried at 0, 25.2 (after the 200 ms cold start) and 50.2 s,
    // then is 75.2 s old when due again: it expires, and its 3 failed tries end with it. The
    // record of 100 s is a new batch: tried at 100, 125 and 150 s and expired at 175 s. Had
    // the failures carried over, its first try would count as a retry and its third failure
    // would exceed the 5 retries: dead-lettered instead of expired.
    let text = workload(
        "duration = \"4m\"\nseed = 3",
        "error-rate = 1.0",
        "dist = \"const\"\nvalue = \"25s\"",
        &[(
            "invocation = \"stream\"\nshards = 1\nmax-retries = 5\nmax-record-age = \"60s\"",
            "kind = \"constant\"\ncount = 2\nend = \"200s\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    assert_eq!(t.arrivals, 2.0);
    assert_eq!(
        (t.invocations, t.errors, t.retries),
        (6.0, 6.0, 4.0),
        "{t:?}"
    );
    assert_eq!(
        (t.expired, t.dead_letters, t.pending),
        (2.0, 0.0, 0.0),
        "{t:?}"
    );
}

#[test]
fn records_past_their_age_when_a_stream_closes_expire_and_younger_ones_stay_pending() {
    // Reserved concurrency 0 throttles every batch; the lane backs off 1, 2, 4, 8, 16 s, so
    // its tries fall at 0, 1, 3, 7, 15 and 31 s, and the next would be at 63 s. The window
    // closes at 62 s with the records of 0 s (62 s old, past the 60 s age) and 2 s (exactly
    // 60 s old, not past it) waiting: the first expires at the close, the second is still
    // pending.
    let text = workload(
        "duration = \"62s\"\nseed = 3",
        "reserved-concurrency = 0",
        "dist = \"const\"\nvalue = \"1s\"",
        &[(
            "invocation = \"stream\"\nshards = 1\nmax-record-age = \"60s\"",
            "kind = \"constant\"\ncount = 2\nend = \"4s\"",
        )],
    );
    let out = run(&scenario(&text));
    let t = only(&out.summary.functions[0]);
    assert_eq!(t.arrivals, 2.0);
    assert_eq!((t.invocations, t.throttles), (0.0, 6.0), "{t:?}");
    assert_eq!(
        (t.expired, t.dead_letters, t.pending),
        (1.0, 0.0, 1.0),
        "{t:?}"
    );
}

#[test]
fn stream_lanes_ready_at_one_instant_all_start_then() {
    // 50 records at 1 s and 50 at 5 s over 2 shards (round robin: 25 a shard a burst), in
    // batches of up to 10 running 100 ms: each shard runs 10, 10 and 5 records after each
    // burst, 12 batches in all, every record completed. Both shards become ready at the same
    // instant; the second once started at time zero (its wake-up scheduled at 0 sent the clock
    // back) and its records were taken for a day old: expired.
    let dir = trace_dir("stream-burst", [1.0; 50].into_iter().chain([5.0; 50]));
    let text = workload(
        "duration = \"1m\"\nseed = 3",
        "provisioned-concurrency = 2",
        "dist = \"const\"\nvalue = \"100ms\"",
        &[(
            "invocation = \"stream\"\nshards = 2\nbatch-size = 10",
            "kind = \"trace\"\nfile = \"t.csv\"",
        )],
    );
    let s = config::from_str(&text, dir.path(), "t.toml").unwrap_or_else(|e| panic!("{e}"));
    let mut e = Engine::new(&s, 1, Batches::default());
    e.run();
    let mut batches = e.into_observer().0;
    batches.sort();
    let at = |secs: u64| SimTime::from_secs(secs);
    // Per shard and burst: 10 at the burst, 10 at +100 ms, 5 at +200 ms.
    let mut want = Vec::new();
    for burst in [1, 5] {
        for (k, n) in [10, 10, 5].into_iter().enumerate() {
            let start = SimTime(at(burst).0 + k as u64 * 100_000_000);
            want.extend([(start, n), (start, n)]);
        }
    }
    want.sort();
    assert_eq!(batches, want);
    let out = run(&s);
    let t = only(&out.summary.functions[0]);
    assert_eq!(
        (t.arrivals, t.completed, t.expired),
        (100.0, 100.0, 0.0),
        "{t:?}"
    );
}

#[test]
fn throttle_ratios_are_shares_of_tries_and_stay_within_one() {
    // Reserved concurrency 1, 1 s executions, 2 events a second for 2 minutes: each queued
    // event is throttled again and again while it waits, so throttled tries outnumber the
    // events. The ratio is the share of tries throttled, throttles / (invocations +
    // throttles); a wave-one function beside it keeps throttles / arrivals.
    let text = workload(
        "duration = \"3m\"\nseed = 2",
        "reserved-concurrency = 1",
        "dist = \"const\"\nvalue = \"1s\"",
        &[(
            "invocation = \"async\"",
            "kind = \"constant\"\nrate-per-s = 2.0\nend = \"2m\"",
        )],
    ) + "[[function]]\nname = \"g\"\nmemory-mb = 512\nreserved-concurrency = 1\n\
         [function.arrivals]\nkind = \"constant\"\nrate-per-s = 2.0\n\
         [function.duration]\ndist = \"const\"\nvalue = \"1s\"\n";
    let s = scenario(&text);
    let out = run(&s);
    let (f, g) = (&out.summary.functions[0], &out.summary.functions[1]);
    assert!(
        f.throttles > f.arrivals,
        "the test needs more throttled tries than events: {f:?}"
    );
    assert_eq!(
        f.throttle_ratio,
        f.throttles / (f.invocations + f.throttles)
    );
    assert!(f.throttle_ratio < 1.0);
    assert!(g.throttles > 0.0 && g.triggers.is_none());
    assert_eq!(g.throttle_ratio, g.throttles / g.arrivals);
    // The aggregate counts the event-driven function's tries, the other's arrivals.
    let a = lamsim_sim::aggregate::aggregate(&out.summary.functions);
    let tried = f.invocations + f.throttles + g.arrivals;
    assert_eq!(a.totals.throttle_ratio, (f.throttles + g.throttles) / tried);
    assert!(a.totals.throttle_ratio <= 1.0);
}
