//! `[[function.trigger]]` (spec section 5): every kind's keys and defaults, and every mistake
//! reported at its TOML path with a hint.

use lamsim_sim::config::{self, ConfigErrors};
use lamsim_sim::model::trigger::*;
use lamsim_sim::model::{Scenario, TriggerKind};
use lamsim_sim::time::SimTime;

fn ok(text: &str) -> Scenario {
    config::from_str(text, std::path::Path::new("."), "t.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> ConfigErrors {
    match config::from_str(text, std::path::Path::new("."), "t.toml") {
        Ok(_) => panic!("expected errors in:\n{text}"),
        Err(e) => e,
    }
}

fn has(e: &ConfigErrors, path: &str, msg: &str) {
    assert!(
        e.errors
            .iter()
            .any(|x| x.path == path && x.message.contains(msg)),
        "no error at {path} containing {msg:?} in:\n{e}"
    );
}

fn hint(e: &ConfigErrors, path: &str) -> String {
    e.errors
        .iter()
        .find(|x| x.path == path)
        .and_then(|x| x.hint.clone())
        .unwrap_or_default()
}

/// A function with the given trigger tables (each a `[[function.trigger]]` body with its
/// arrivals).
fn with(triggers: &[&str]) -> String {
    let mut s = String::from(
        "[simulation]\nduration = \"1h\"\n[[function]]\nname = \"f\"\nmemory-mb = 512\n\
         [function.duration]\ndist = \"const\"\nvalue = \"10ms\"\n",
    );
    for t in triggers {
        s.push_str("[[function.trigger]]\n");
        s.push_str(t);
        s.push_str("\n[function.trigger.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0\n");
    }
    s
}

#[test]
fn every_kind_has_the_documented_defaults() {
    let s = ok(&with(&[
        "invocation = \"sync\"",
        "invocation = \"async\"",
        "invocation = \"sqs\"",
        "invocation = \"stream\"",
    ]));
    let f = &s.functions[0];
    assert!(f.trigger_form && f.event_driven());
    let names: Vec<&str> = f.triggers.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["sync", "async", "sqs", "stream"]);
    assert_eq!(
        f.triggers[0].kind,
        TriggerKind::Sync(SyncTrigger {
            gateway_timeout: None,
            client_retries: 0,
            client_backoff: SimTime::from_millis(100),
            front: Front::Direct,
        })
    );
    assert_eq!(
        f.triggers[1].kind,
        TriggerKind::Async(AsyncTrigger {
            max_retries: 2,
            max_event_age: SimTime::from_secs(6 * 3600),
            event_size_kb: 1,
        })
    );
    assert_eq!(
        f.triggers[2].kind,
        TriggerKind::Sqs(SqsTrigger {
            batch_size: 10,
            batching_window: SimTime::ZERO,
            max_concurrency: None,
            scaling: SqsScaling::Standard { max_pollers: 1000 },
            per_record: SimTime::ZERO,
            visibility_timeout: SimTime::from_secs(30),
            max_receive_count: None,
            retention: SimTime::from_secs(4 * 86400),
            report_batch_item_failures: false,
        })
    );
    assert_eq!(
        f.triggers[3].kind,
        TriggerKind::Stream(StreamTrigger {
            shards: 1,
            parallelization_factor: 1,
            batch_size: 100,
            batching_window: SimTime::ZERO,
            max_retries: None,
            max_record_age: SimTime::from_secs(86400),
            bisect_on_error: false,
            per_record: SimTime::ZERO,
        })
    );
}

#[test]
fn the_spec_example_keys_are_read() {
    let s = ok(&with(&[
        "name = \"http\"\ninvocation = \"sync\"\ngateway-timeout = \"29s\"\nclient-retries = 2\n\
         client-backoff = \"100ms\"\nfront = \"http-api\"",
        "name = \"jobs\"\ninvocation = \"sqs\"\nbatch-size = 10\nbatching-window = \"0s\"\n\
         max-concurrency = 50\nscaling = \"provisioned\"\nmin-pollers = 2\nmax-pollers = 1000\n\
         per-record = \"20ms\"\nvisibility-timeout = \"3m\"\nmax-receive-count = 3\n\
         retention = \"4d\"\nreport-batch-item-failures = true",
        "invocation = \"stream\"\nshards = 4\nparallelization-factor = 2\nbatch-size = 100\n\
         max-retries = -1\nmax-record-age = \"1d\"\nbisect-on-error = true",
    ]));
    let t = &s.functions[0].triggers;
    let TriggerKind::Sync(h) = &t[0].kind else {
        panic!()
    };
    assert_eq!(h.gateway_timeout, Some(SimTime::from_secs(29)));
    assert_eq!((h.client_retries, h.front), (2, Front::HttpApi));
    let TriggerKind::Sqs(q) = &t[1].kind else {
        panic!()
    };
    assert_eq!(
        q.scaling,
        SqsScaling::Provisioned {
            min_pollers: 2,
            max_pollers: 1000
        }
    );
    assert_eq!(q.max_concurrency, Some(50));
    assert_eq!(q.per_record, SimTime::from_millis(20));
    assert_eq!(q.max_receive_count, Some(3));
    assert!(q.report_batch_item_failures);
    let TriggerKind::Stream(st) = &t[2].kind else {
        panic!()
    };
    assert_eq!((st.shards, st.parallelization_factor), (4, 2));
    assert!(st.bisect_on_error && st.max_retries.is_none());
}

/// The contract's SQS example verbatim: standard scaling with `min-pollers = 2`, a floor the
/// 5 batches standard scaling keeps ready already meet. It is read as standard scaling, the
/// same as without the key; a floor above 5 needs provisioned mode.
#[test]
fn the_spec_sqs_example_with_standard_scaling_is_read() {
    let example = "name = \"jobs\"\ninvocation = \"sqs\"\nbatch-size = 10\nbatching-window = \"0s\"\n\
         max-concurrency = 50\nscaling = \"standard\"\nmin-pollers = 2\nmax-pollers = 1000\n\
         per-record = \"20ms\"\nvisibility-timeout = \"3m\"\nmax-receive-count = 3\n\
         retention = \"4d\"\nreport-batch-item-failures = true";
    let with_floor = ok(&with(&[example]));
    let without = ok(&with(&[&example.replace("min-pollers = 2\n", "")]));
    let TriggerKind::Sqs(q) = &with_floor.functions[0].triggers[0].kind else {
        panic!()
    };
    assert_eq!(q.scaling, SqsScaling::Standard { max_pollers: 1000 });
    assert_eq!(
        format!("{:?}", with_floor.functions),
        format!("{:?}", without.functions)
    );
    for (floor, ok_) in [(5, true), (6, false), (1, false)] {
        let text = with(&[&example.replace("min-pollers = 2", &format!("min-pollers = {floor}"))]);
        match config::from_str(&text, std::path::Path::new("."), "t.toml") {
            Ok(_) => assert!(ok_, "min-pollers = {floor} accepted"),
            Err(e) => {
                assert!(!ok_, "min-pollers = {floor} refused: {e}");
                let msg = if floor == 1 { "2..=200" } else { "at most 5" };
                has(&e, "function[0].trigger[0].min-pollers", msg);
                if floor == 6 {
                    assert!(hint(&e, "function[0].trigger[0].min-pollers").contains("provisioned"));
                }
            }
        }
    }
}

#[test]
fn both_forms_in_one_function_is_an_error() {
    let mut text = with(&["invocation = \"sync\""]);
    text = text.replace(
        "memory-mb = 512\n",
        "memory-mb = 512\ninvocation = \"sync\"\n[function.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0\n",
    );
    let e = errors(&text);
    has(&e, "function[0].invocation", "cannot be combined");
    has(&e, "function[0].arrivals", "cannot be combined");
}

#[test]
fn mistakes_in_triggers_name_their_path() {
    let e = errors(&with(&[
        "invocation = \"kinesis\"",
        "invocation = \"async\"\nmax-retries = 3\nmax-event-age = \"30s\"\nbatch-size = 5",
        "invocation = \"sqs\"\nbatch-size = 100\nscaling = \"fast\"\nmax-concurrency = 1",
        "invocation = \"sync\"\nfront = \"apigateway\"\nclient-retries = -1",
        "invocation = \"stream\"\nparallelization-factor = 11\nmax-retries = -2\nmin-pollers = 3",
        "invocation = \"sqs\"\nscaling = \"provisioned\"\nmin-pollers = 10\nmax-pollers = 5",
    ]));
    has(
        &e,
        "function[0].trigger[0].invocation",
        "unknown invocation \"kinesis\"",
    );
    assert!(hint(&e, "function[0].trigger[0].invocation").contains("stream"));
    has(&e, "function[0].trigger[1].max-retries", "0..=2");
    has(&e, "function[0].trigger[1].max-event-age", "must be in");
    has(
        &e,
        "function[0].trigger[1].batch-size",
        "does not apply to invocation = \"async\"",
    );
    has(
        &e,
        "function[0].trigger[2].batch-size",
        "needs batching-window",
    );
    has(&e, "function[0].trigger[2].scaling", "unknown scaling");
    has(&e, "function[0].trigger[2].max-concurrency", "2..=1000");
    has(&e, "function[0].trigger[3].front", "unknown front");
    assert!(hint(&e, "function[0].trigger[3].front").contains("rest-api"));
    has(&e, "function[0].trigger[3].client-retries", "0..=100");
    has(
        &e,
        "function[0].trigger[4].parallelization-factor",
        "1..=10",
    );
    has(&e, "function[0].trigger[4].max-retries", "-1");
    has(&e, "function[0].trigger[4].min-pollers", "does not apply");
    has(
        &e,
        "function[0].trigger[5].max-pollers",
        "at least min-pollers",
    );
}

#[test]
fn trigger_names_are_unique_and_arrivals_are_required() {
    let mut text = with(&["name = \"a\"", "name = \"a\"\ninvocation = \"async\""]);
    text.push_str("[[function.trigger]]\ninvocation = \"sqs\"\nbogus = 1\n");
    let e = errors(&text);
    has(
        &e,
        "function[0].trigger[1].name",
        "duplicate trigger name \"a\"",
    );
    has(&e, "function[0].trigger[2].arrivals", "is required");
    has(&e, "function[0].trigger[2].bogus", "unknown key");
}

#[test]
fn error_rate_is_a_probability() {
    let text = with(&["invocation = \"sync\""])
        .replace("memory-mb = 512\n", "memory-mb = 512\nerror-rate = 1.5\n");
    has(&errors(&text), "function[0].error-rate", "probability");
    let text = with(&["invocation = \"sync\""])
        .replace("memory-mb = 512\n", "memory-mb = 512\nerror-rate = 0.05\n");
    assert_eq!(ok(&text).functions[0].error_rate, 0.05);
}

#[test]
fn the_resolved_workload_reads_back_to_the_same_triggers() {
    let s = ok(&with(&[
        "name = \"http\"\ninvocation = \"sync\"\ngateway-timeout = \"29s\"\nfront = \"alb\"",
        "invocation = \"async\"\nmax-retries = 1\nevent-size-kb = 300",
        "invocation = \"sqs\"\nbatch-size = 50\nbatching-window = \"2s\"\nmax-receive-count = 4",
        "invocation = \"stream\"\nshards = 3\nmax-retries = 5",
    ]));
    let text = config::to_resolved_toml(&s);
    let again = ok(&text);
    let kinds = |s: &Scenario| -> Vec<(String, TriggerKind)> {
        s.functions[0]
            .triggers
            .iter()
            .map(|t| (t.name.clone(), t.kind.clone()))
            .collect()
    };
    assert_eq!(kinds(&s), kinds(&again), "{text}");
}

/// `[function.trigger]` written as a table is one mistake: the error says to double the
/// brackets, and the function is not also said to lack `arrivals`.
#[test]
fn a_trigger_written_as_a_table_is_one_error() {
    let text =
        with(&["invocation = \"sqs\""]).replace("[[function.trigger]]", "[function.trigger]");
    let e = errors(&text);
    has(&e, "function[0].trigger", "must be an array of tables");
    assert!(hint(&e, "function[0].trigger").contains("[[function.trigger]]"));
    assert!(
        !e.errors.iter().any(|x| x.path == "function[0].arrivals"),
        "{e}"
    );
    // Without any trigger, a missing `arrivals` is still said.
    let bare = "[simulation]\nduration = \"1h\"\n[[function]]\nname = \"f\"\nmemory-mb = 512\n\
                [function.duration]\ndist = \"const\"\nvalue = \"10ms\"\n";
    has(&errors(bare), "function[0].arrivals", "is required");
}
