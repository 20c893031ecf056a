//! `DrivenSources`: the engine's trigger sources driven from outside the engine (what
//! `lamsim load` does in real time). Driven by a minimal executor (unlimited concurrency,
//! constant init and duration, environments kept for the whole run), they must submit exactly
//! what the engine submits for the same functions and seed; and an SQS batch's failed records,
//! when the handler reports them, follow SQS's rules instead of `error-rate`.

use std::collections::BTreeMap;

use lamsim_sim::config;
use lamsim_sim::engine::Engine;
use lamsim_sim::engine::source::{AfterThrottle, DrivenSources};
use lamsim_sim::model::Scenario;
use lamsim_sim::observer::{Fate, Invocation, Note, Observer, Outcome};
use lamsim_sim::time::SimTime;

fn scenario(text: &str) -> Scenario {
    config::from_str(text, std::path::Path::new("."), "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// One function `name` with constant 200 ms init, constant `exec_ms` duration, a keep-alive
/// longer than any run here, and one trigger (its body, then its arrivals table).
fn function(name: &str, exec_ms: u32, fn_keys: &str, trigger: &str, arrivals: &str) -> String {
    format!(
        "[[function]]\nname = \"{name}\"\nmemory-mb = 1024\ntimeout = \"60s\"\n\
         {fn_keys}\n[function.keep-alive]\nkind = \"fixed\"\nidle = \"24h\"\n[function.init]\ndist = \"const\"\nvalue = \"200ms\"\n\
         [function.duration]\ndist = \"const\"\nvalue = \"{exec_ms}ms\"\n\
         [[function.trigger]]\n{trigger}\n[function.trigger.arrivals]\n{arrivals}\n"
    )
}

/// What identifies an execution: source, arrival, records, retry, cold.
type Key = (u32, u64, u32, bool, bool);

fn key(inv: &Invocation) -> Key {
    (inv.source, inv.arrival.0, inv.records, inv.retry, inv.cold)
}

#[derive(Default)]
struct Executions(Vec<Key>);

impl Observer for Executions {
    fn on_complete(&mut self, _t: SimTime, inv: &Invocation) {
        self.0.push(key(inv));
    }
}

/// Drives `s`'s functions through [`DrivenSources`] with unlimited concurrency: every request
/// runs at once, on an idle environment of its function if there is one (else a new one, after
/// the 200 ms init), for `exec_ms` plus its per-record time. `outcome` decides how each
/// execution ends and which of its records failed. Returns the executions, the notes and the
/// arrivals of the items of every request submitted.
fn drive_items(
    s: &Scenario,
    exec_ms: u64,
    outcome: impl Fn(&Invocation) -> (Outcome, Option<Vec<usize>>),
) -> (Vec<Key>, Vec<Note>, Vec<Vec<SimTime>>) {
    let window = s.simulation.duration;
    let mut d = DrivenSources::new(&s.functions, s.simulation.seed, window);
    let mut idle = vec![0u32; s.functions.len()];
    // Executions in flight by (end, order).
    let mut running: BTreeMap<(u64, u64), Invocation> = BTreeMap::new();
    let mut order = 0u64;
    let (mut done, mut notes, mut items) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        let wake = d.next_wake().map(|t| t.0);
        let end = running.keys().next().map(|k| k.0);
        match (wake, end) {
            (None, None) => break,
            // An execution that ends when a source is due ends first (it was scheduled first).
            (w, Some(e)) if w.is_none_or(|w| e <= w) => {
                let (_, inv) = running.pop_first().expect("one is running");
                idle[inv.function as usize] += 1;
                let (outcome, failed) = outcome(&inv);
                let inv = Invocation { outcome, ..inv };
                done.push(key(&inv));
                d.finished(&inv, SimTime(e), failed.as_deref());
            }
            (Some(w), _) => {
                for sub in d.wake_due(SimTime(w)) {
                    let r = sub.request;
                    assert_eq!(
                        sub.items.len(),
                        r.records as usize,
                        "one arrival per record"
                    );
                    items.push(sub.items);
                    assert_eq!(sub.due, SimTime(w), "a source woken at its time");
                    let fi = r.function as usize;
                    let cold = idle[fi] == 0;
                    idle[fi] -= u32::from(!cold);
                    let init = if cold { 200_000_000 } else { 0 };
                    let exec = exec_ms * 1_000_000 + r.extra;
                    let inv = Invocation {
                        function: r.function,
                        source: r.source,
                        arrival: r.arrival,
                        init: SimTime(init),
                        exec: SimTime(exec),
                        cold,
                        provisioned: false,
                        timed_out: false,
                        outcome: Outcome::Success,
                        origin: r.origin,
                        token: r.token,
                        records: r.records,
                        retry: r.retry,
                        environment: (0, SimTime::ZERO),
                    };
                    order += 1;
                    running.insert((w + init + exec, order), inv);
                }
            }
            _ => unreachable!(),
        }
        notes.extend(d.take_notes().into_iter().map(|(_, n)| n));
    }
    d.close(window);
    notes.extend(d.take_notes().into_iter().map(|(_, n)| n));
    (done, notes, items)
}

/// [`drive_items`] without the items.
fn drive(
    s: &Scenario,
    exec_ms: u64,
    outcome: impl Fn(&Invocation) -> (Outcome, Option<Vec<usize>>),
) -> (Vec<Key>, Vec<Note>) {
    let (done, notes, _) = drive_items(s, exec_ms, outcome);
    (done, notes)
}

#[test]
fn driven_sources_submit_exactly_what_the_engine_submits() {
    // Async events, an SQS queue with a batching window and per-record time whose two slots are
    // often all busy (4 batches/s of about 350 ms), and a stream of 2 shards whose batches run
    // back to back (each shard waits for its batch to end): every execution (source, arrival,
    // records, retry, cold) must be the engine's, which needs the sources woken again after
    // each execution as the engine wakes them.
    let text = format!(
        "[simulation]\nduration = \"10m\"\nseed = 11\n[account]\nconcurrency-limit = 100000\n{}{}{}",
        function(
            "events",
            50,
            "",
            "invocation = \"async\"",
            "kind = \"poisson\"\nrate-per-s = 20.0"
        ),
        function(
            "worker",
            300,
            "",
            "invocation = \"sqs\"\nbatch-size = 25\nbatching-window = \"2s\"\nper-record = \"2ms\"\nmax-concurrency = 2",
            "kind = \"poisson\"\nrate-per-s = 100.0"
        ),
        function(
            "consumer",
            100,
            "",
            "invocation = \"stream\"\nshards = 2\nbatch-size = 10",
            "kind = \"poisson\"\nrate-per-s = 100.0"
        ),
    );
    let s = scenario(&text);
    let mut engine = Engine::new(&s, s.simulation.seed, Executions::default());
    engine.run();
    let mut simulated = engine.into_observer().0;
    // Every function here takes constant time, so a per-function exec is enough.
    let execs = [50u64, 300, 100];
    let mut driven = Vec::new();
    for (i, f) in s.functions.iter().enumerate() {
        let one = Scenario {
            functions: vec![f.clone()],
            ..s.clone()
        };
        let (mut keys, _) = drive(&one, execs[i], |_| (Outcome::Success, None));
        // The driven functions are numbered from 0; the engine's sources by function.
        for k in &mut keys {
            k.0 = i as u32;
        }
        driven.extend(keys);
    }
    simulated.sort();
    driven.sort();
    assert!(simulated.len() > 10_000, "{} executions", simulated.len());
    assert_eq!(simulated.len(), driven.len());
    assert!(
        simulated == driven,
        "the driven sources submitted other executions"
    );
}

fn settled(notes: &[Note], which: Fate) -> usize {
    notes
        .iter()
        .filter(|n| matches!(n, Note::Settled { fate, .. } if *fate == which))
        .count()
}

fn record_errors(notes: &[Note]) -> u32 {
    notes
        .iter()
        .map(|n| if let Note::RecordErrors(k) = n { *k } else { 0 })
        .sum()
}

/// 600 messages (1/s for 10 min) in batches of up to 5 with a 3 s window, visibility timeout
/// 20 s, a redrive policy after 3 receives; `rbif`: report-batch-item-failures.
fn sqs(rbif: bool) -> Scenario {
    scenario(&format!(
        "[simulation]\nduration = \"30m\"\nseed = 3\n{}",
        function(
            "worker",
            10,
            "",
            &format!(
                "invocation = \"sqs\"\nbatch-size = 5\nbatching-window = \"3s\"\n\
                 visibility-timeout = \"20s\"\nmax-receive-count = 3\n\
                 report-batch-item-failures = {rbif}"
            ),
            "kind = \"constant\"\nrate-per-s = 1.0\nend = \"10m\""
        )
    ))
}

#[test]
fn reported_record_failures_are_redelivered_and_the_others_deleted() {
    // Every record reported failed: each message is received 3 times (3 failed records) and
    // then moved to the dead-letter queue; none completes.
    let all = |inv: &Invocation| (Outcome::Success, Some((0..inv.records as usize).collect()));
    let (_, notes, items) = drive_items(&sqs(true), 10, all);
    assert_eq!(settled(&notes, Fate::DeadLettered), 600);
    assert_eq!(settled(&notes, Fate::Completed), 0);
    assert_eq!(record_errors(&notes), 1800);
    // A redelivered message keeps its arrival: each of the 600 arrivals (one a second) is in
    // exactly three batches.
    let mut seen: BTreeMap<u64, u32> = BTreeMap::new();
    for t in items.iter().flatten() {
        *seen.entry(t.0).or_default() += 1;
    }
    assert_eq!(seen.len(), 600);
    assert!(seen.values().all(|&n| n == 3), "{seen:?}");
    assert!(seen.keys().all(|t| t % 1_000_000_000 == 0));

    // Only the first record of each batch reported failed: every other record is deleted on
    // its first receive, so at least 600 − (batches of first receives) complete at once, and
    // every message ends completed or dead-lettered.
    let first = |_: &Invocation| (Outcome::Success, Some(vec![0]));
    let (execs, notes) = drive(&sqs(true), 10, first);
    let (done, dead) = (
        settled(&notes, Fate::Completed),
        settled(&notes, Fate::DeadLettered),
    );
    assert_eq!(done + dead, 600);
    // Each execution fails exactly one record.
    assert_eq!(record_errors(&notes) as usize, execs.len());
    assert!(
        dead > 0 && done > dead,
        "completed {done}, dead-lettered {dead}"
    );

    // Nothing reported failed: every message completes on its first receive.
    let none = |_: &Invocation| (Outcome::Success, Some(Vec::new()));
    let (execs, notes) = drive(&sqs(true), 10, none);
    assert_eq!(settled(&notes, Fate::Completed), 600);
    assert_eq!(record_errors(&notes), 0);
    assert!(execs.iter().all(|k| !k.3), "no retry");
}

#[test]
fn without_report_batch_item_failures_a_reported_failure_is_ignored() {
    // AWS ignores a partial-batch response unless the mapping has ReportBatchItemFailures.
    let all = |inv: &Invocation| (Outcome::Success, Some((0..inv.records as usize).collect()));
    let (execs, notes) = drive(&sqs(false), 10, all);
    assert_eq!(settled(&notes, Fate::Completed), 600);
    assert_eq!(record_errors(&notes), 0);
    assert!(execs.iter().all(|k| !k.3), "no retry");
    // A failed execution, though, makes the whole batch visible again.
    let failed = |_: &Invocation| (Outcome::FunctionError, None);
    let (_, notes) = drive(&sqs(false), 10, failed);
    assert_eq!(settled(&notes, Fate::DeadLettered), 600);
}

#[test]
fn a_throttled_sqs_batch_comes_back_after_the_visibility_timeout() {
    // The source keeps a throttled batch (AfterThrottle::Retried) and asks to be woken again.
    let s = sqs(false);
    let mut d = DrivenSources::new(&s.functions, s.simulation.seed, s.simulation.duration);
    let mut subs = Vec::new();
    let mut now = SimTime::ZERO;
    while subs.is_empty() {
        now = d.next_wake().expect("more wake-ups");
        subs = d.wake_due(now);
    }
    let r = subs[0].request;
    let after = d.throttled(&r, lamsim_sim::observer::ThrottleReason::Account, now);
    assert_eq!(after, AfterThrottle::Retried);
    assert_eq!(
        d.pending(),
        u64::from(r.records),
        "the batch's messages stay pending"
    );
    let next = d.next_wake().expect("the source wants to retry");
    assert!(next > now);
}

#[test]
fn sources_are_numbered_function_then_trigger_as_the_engine_numbers_them() {
    // Two functions, the second with two triggers: sources 0, 1, 2 are (0, 0), (1, 0), (1, 1).
    let text = format!(
        "[simulation]\nduration = \"1m\"\n{}{}[[function.trigger]]\ninvocation = \"async\"\n\
         [function.trigger.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0\n",
        function(
            "a",
            10,
            "",
            "invocation = \"async\"",
            "kind = \"poisson\"\nrate-per-s = 1.0"
        ),
        function(
            "b",
            10,
            "",
            "name = \"queue\"\ninvocation = \"sqs\"",
            "kind = \"poisson\"\nrate-per-s = 1.0"
        ),
    );
    let s = scenario(&text);
    let d = DrivenSources::new(&s.functions, 1, s.simulation.duration);
    assert_eq!(
        (0..3).map(|i| d.trigger_of(i)).collect::<Vec<_>>(),
        vec![(0, 0), (1, 0), (1, 1)]
    );
}

#[test]
fn closing_settles_the_messages_that_outlived_their_retention() {
    // Two slots (max-concurrency 2) taken by the first two messages for 20 minutes, past the
    // 90 s window; the other messages (1/s from 0 s to 59 s) wait, visible. With a retention
    // of 60 s, the poller expires a message when its 60 s are up, but it is never woken at the
    // end of the window itself: the message of 30 s, whose 60 s end exactly then, is settled
    // by closing the window. Expired: the 29 waiting messages of 2 s to 30 s; completed: 2.
    let s = scenario(&format!(
        "[simulation]\nduration = \"90s\"\nseed = 3\n{}",
        function(
            "worker",
            1_200_000,
            "",
            "invocation = \"sqs\"\nbatch-size = 1\nmax-concurrency = 2\nretention = \"60s\"",
            "kind = \"constant\"\nrate-per-s = 1.0\nend = \"60s\""
        )
    ));
    let (execs, notes, items) = drive_items(&s, 1_200_000, |_| (Outcome::Success, None));
    // The arrivals are at whole seconds from 0 s: the two in flight are those of 0 s and 1 s.
    let first: Vec<SimTime> = items.iter().flatten().copied().collect();
    assert_eq!(first, vec![SimTime::ZERO, SimTime::from_secs(1)]);
    assert_eq!(execs.len(), 2);
    assert_eq!(settled(&notes, Fate::Expired), 29);
    assert_eq!(settled(&notes, Fate::Completed), 2);
}

#[test]
fn a_retried_sync_call_is_named_by_the_arrival_of_its_first_try() {
    // A sync trigger with client retries (so `load` must name its calls, to send a retry the
    // same body): one call a second, each the single item of its request, named by its own
    // arrival.
    let s = scenario(&format!(
        "[simulation]\nduration = \"10s\"\nseed = 1\n{}",
        function(
            "api",
            100,
            "",
            "invocation = \"sync\"\nclient-retries = 2",
            "kind = \"constant\"\nrate-per-s = 1.0"
        )
    ));
    let (_, _, items) = drive_items(&s, 100, |_| (Outcome::Success, None));
    assert_eq!(
        items,
        (0..10)
            .map(|k| vec![SimTime::from_secs(k)])
            .collect::<Vec<_>>()
    );
}
