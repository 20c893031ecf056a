//! `kind = "schedule"` arrivals and `[simulation] start-at`: a schedule fires exactly when its
//! expression says, on the window's clock; every firing is one invocation; bad expressions
//! are reported at their path with the right form.

use std::path::Path;

use lamsim_sim::arrivals::ArrivalGen;
use lamsim_sim::config::{self, ConfigErrors, to_resolved_toml};
use lamsim_sim::estimate::expected_arrivals;
use lamsim_sim::model::{ArrivalProcess, Scenario};
use lamsim_sim::rng::{Component, stream};
use lamsim_sim::schedule::{START_AT, parse_utc};
use lamsim_sim::time::SimTime;

use crate::support::run;

const DAY: u64 = 86_400;

/// One function whose arrivals are `expression`, with `sim` extra `[simulation]` keys and
/// `arrivals` extra `[function.arrivals]` keys.
fn workload(duration: &str, sim: &str, expression: &str, arrivals: &str) -> String {
    format!(
        "[simulation]\nduration = \"{duration}\"\n{sim}\n\
         [[function]]\nname = \"job\"\nmemory-mb = 512\n\
         [function.arrivals]\nkind = \"schedule\"\nexpression = \"{expression}\"\n{arrivals}\n\
         [function.duration]\ndist = \"const\"\nvalue = \"50ms\"\n"
    )
}

fn ok(text: &str) -> Scenario {
    config::from_str(text, Path::new("."), "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

fn errors(text: &str) -> ConfigErrors {
    match config::from_str(text, Path::new("."), "test.toml") {
        Ok(s) => panic!("expected errors, got {s:?}"),
        Err(e) => e,
    }
}

/// The arrival times the generator gives for function 0, drawn with `seed`.
fn times(s: &Scenario, seed: u64) -> Vec<SimTime> {
    let mut g = ArrivalGen::new(&s.functions[0].triggers[0].arrivals, s.simulation.duration);
    let mut rng = stream(seed, "job", Component::Arrivals);
    std::iter::from_fn(|| g.next(&mut rng).map(|a| a.time)).collect()
}

#[test]
fn rate_5_minutes_over_30_days_fires_8640_times() {
    let s = ok(&workload("30d", "", "rate(5 minutes)", ""));
    let t = times(&s, 1);
    // 30 days × 24 h × 12 per hour, at 0, 5 min, …, 30 d − 5 min.
    assert_eq!(t.len(), 8_640);
    assert_eq!(t[0], SimTime::ZERO);
    assert_eq!(t[1], SimTime::from_secs(300));
    assert_eq!(t[8_639], SimTime::from_secs(30 * DAY - 300));
    assert_eq!(
        expected_arrivals(&s.functions[0].triggers[0].arrivals, s.simulation.duration),
        8_640.0
    );
    let out = run(&s);
    let f = &out.summary.functions[0];
    assert_eq!(f.arrivals, 8_640.0);
    assert_eq!(f.invocations, 8_640.0);
}

#[test]
fn rate_1_day_fires_each_day_inside_start_and_end() {
    // Firings at k days (k ≥ 0) in [12 h, 9 d): k = 1 … 8.
    let s = ok(&workload(
        "10d",
        "",
        "rate(1 day)",
        "start = \"12h\"\nend = \"9d\"",
    ));
    let t = times(&s, 1);
    let expect: Vec<SimTime> = (1..=8).map(|k| SimTime::from_secs(k * DAY)).collect();
    assert_eq!(t, expect);
    assert_eq!(
        expected_arrivals(&s.functions[0].triggers[0].arrivals, s.simulation.duration),
        8.0
    );
    // A start that is not a whole second still includes the next firing.
    let s = ok(&workload("3d", "", "rate(1 day)", "start = \"0.5s\""));
    assert_eq!(
        times(&s, 1),
        [SimTime::from_secs(DAY), SimTime::from_secs(2 * DAY)]
    );
}

#[test]
fn cron_is_read_against_start_at_and_every_firing_is_an_invocation() {
    // start-at is Monday 2 March 2026 at 12:00; weekdays at 02:00 in the next 7 days are
    // Tue 3, Wed 4, Thu 5, Fri 6 and Mon 9: 14 h, 38 h, 62 h, 86 h and 158 h after it.
    let s = ok(&workload(
        "7d",
        "start-at = \"2026-03-02T12:00:00Z\"",
        "cron(0 2 ? * MON-FRI *)",
        "",
    ));
    assert_eq!(
        s.simulation.start_at,
        parse_utc("2026-03-02T12:00:00Z").unwrap()
    );
    let expect: Vec<SimTime> = [14, 38, 62, 86, 158]
        .into_iter()
        .map(|h| SimTime::from_secs(h * 3600))
        .collect();
    assert_eq!(times(&s, 1), expect);
    let out = run(&s);
    assert_eq!(out.summary.functions[0].invocations, 5.0);
    assert_eq!(
        expected_arrivals(&s.functions[0].triggers[0].arrivals, s.simulation.duration),
        5.0
    );
}

#[test]
fn a_rate_counts_from_start_at_and_a_cron_from_midnight() {
    // Default start-at: 2026-01-01T00:00:00Z, a Thursday.
    let at_midnight = ok(&workload("1d", "", "cron(0 */6 * * ? *)", ""));
    let hours = |s: &Scenario| -> Vec<u64> {
        times(s, 1)
            .iter()
            .map(|t| t.0 / 3_600_000_000_000)
            .collect()
    };
    assert_eq!(hours(&at_midnight), [0, 6, 12, 18]);
    // Starting at 01:30, the same cron fires 4.5 h, 10.5 h, … later; a rate still fires at 0.
    let late = "start-at = \"2026-01-01T01:30:00Z\"";
    let cron = ok(&workload("1d", late, "cron(0 */6 * * ? *)", ""));
    let offsets: Vec<u64> = times(&cron, 1)
        .iter()
        .map(|t| t.0 / 1_000_000_000)
        .collect();
    assert_eq!(offsets, [16_200, 37_800, 59_400, 81_000]);
    let rate = ok(&workload("1d", late, "rate(6 hours)", ""));
    assert_eq!(hours(&rate), [0, 6, 12, 18]);
}

#[test]
fn schedules_draw_no_random_numbers() {
    let s = ok(&workload("2d", "", "cron(*/7 9-17 ? * * *)", ""));
    let a = times(&s, 1);
    assert!(!a.is_empty());
    assert_eq!(a, times(&s, 987_654_321));
}

#[test]
fn start_at_defaults_to_2026_and_is_written_out() {
    let s = ok(&workload("1h", "", "rate(1 hour)", ""));
    assert_eq!(s.simulation.start_at, START_AT);
    assert_eq!(START_AT, parse_utc("2026-01-01T00:00:00Z").unwrap());
    let text = to_resolved_toml(&s);
    assert!(
        text.contains("start-at = \"2026-01-01T00:00:00Z\""),
        "{text}"
    );
    assert!(
        text.contains("kind = \"schedule\"\nexpression = \"rate(1 hour)\""),
        "{text}"
    );
    // A custom start-at and a cron expression read back to the same scenario.
    let s = ok(&workload(
        "2d",
        "start-at = \"2030-06-15T08:45:00Z\"",
        "cron(15 10 ? * 6L 2030)",
        "",
    ));
    let back = ok(&to_resolved_toml(&s));
    assert_eq!(back.simulation, s.simulation);
    assert_eq!(
        format!("{:?}", back.functions[0].triggers[0].arrivals),
        format!("{:?}", s.functions[0].triggers[0].arrivals)
    );
}

#[test]
fn a_workload_without_schedules_is_unchanged_by_start_at() {
    let base = "[[function]]\nname = \"api\"\nmemory-mb = 512\n\
                [function.arrivals]\nkind = \"poisson\"\nrate-per-s = 5.0\n\
                [function.duration]\ndist = \"exp\"\nmean = \"80ms\"\n";
    let plain = ok(&format!("[simulation]\nduration = \"1h\"\n{base}"));
    let moved = ok(&format!(
        "[simulation]\nduration = \"1h\"\nstart-at = \"1999-12-31T23:59:59Z\"\n{base}"
    ));
    let (a, b) = (run(&plain), run(&moved));
    assert_eq!(
        serde_json::to_string(&a.summary).unwrap(),
        serde_json::to_string(&b.summary).unwrap()
    );
}

/// The one error at `path`, which must contain `msg` and a hint containing `hint`.
#[track_caller]
fn error_at(text: &str, path: &str, msg: &str, hint: &str) {
    let e = errors(text);
    let found = e
        .errors
        .iter()
        .find(|x| x.path == path)
        .unwrap_or_else(|| panic!("no error at {path} in:\n{e}"));
    assert!(found.message.contains(msg), "{path}: {found}");
    let h = found.hint.as_deref().unwrap_or("");
    assert!(h.contains(hint), "{path}: hint {h:?} lacks {hint:?}");
}

#[test]
fn bad_expressions_are_reported_at_their_path_with_the_right_form() {
    const AT: &str = "function[0].arrivals.expression";
    const CRON: &str = "cron(0 12 * * ? *)";
    const RATE: &str = "rate(5 minutes)";
    for (expr, msg, hint) in [
        ("cron(60 12 * * ? *)", "minutes field \"60\"", CRON),
        ("cron(0 25 * * ? *)", "hours field", CRON),
        ("cron(0 12 32 * ? *)", "day-of-month field", CRON),
        ("cron(0 12 * JANUARY ? *)", "month field", CRON),
        ("cron(0 12 ? * 9 *)", "day-of-week field", CRON),
        ("cron(0 12 * * ? 3000)", "year field", CRON),
        ("cron(0 12 * * ?)", "6 fields", CRON),
        ("cron(0 12 * * * *)", "one of them must be `?`", CRON),
        ("cron(0 12 ? * ? *)", "both `?`", CRON),
        ("rate(1 minutes)", "singular (minute)", RATE),
        ("rate(5 minute)", "plural (minutes)", RATE),
        ("every 5 minutes", "expected rate(…) or cron(…)", CRON),
    ] {
        let text = workload("1d", "", expr, "");
        let e = errors(&text);
        let found = e
            .errors
            .iter()
            .find(|x| x.path == AT)
            .unwrap_or_else(|| panic!("{expr}: no error at {AT} in:\n{e}"));
        assert!(found.message.contains(msg), "{expr}: {found}");
        assert!(
            found.hint.as_deref().unwrap_or("").contains(hint),
            "{expr}: {found}"
        );
        assert_eq!(e.errors.len(), 1, "{expr}: {e}");
    }
}

#[test]
fn a_missing_or_mistyped_expression_is_an_error() {
    let no_expr = "[simulation]\nduration = \"1h\"\n[[function]]\nname = \"f\"\nmemory-mb = 512\n\
                   [function.arrivals]\nkind = \"schedule\"\n\
                   [function.duration]\ndist = \"const\"\nvalue = \"5ms\"\n";
    error_at(
        no_expr,
        "function[0].arrivals.expression",
        "is required",
        "rate(5 minutes)",
    );
    let number = no_expr.replace(
        "kind = \"schedule\"\n",
        "kind = \"schedule\"\nexpression = 5\n",
    );
    error_at(
        &number,
        "function[0].arrivals.expression",
        "expected a string",
        "",
    );
    // Keys of other kinds do not apply to schedules.
    let foreign = no_expr.replace(
        "kind = \"schedule\"\n",
        "kind = \"schedule\"\nexpression = \"rate(1 hour)\"\nrate-per-s = 2.0\n",
    );
    error_at(
        &foreign,
        "function[0].arrivals.rate-per-s",
        "does not apply to kind = \"schedule\"",
        "expression",
    );
    // "cron" is answered with the kind's name.
    let alias = no_expr.replace("kind = \"schedule\"\n", "kind = \"cron\"\n");
    error_at(
        &alias,
        "function[0].arrivals.kind",
        "unknown arrival kind",
        "schedule",
    );
}

#[test]
fn bad_start_at_is_reported_at_its_path() {
    for (value, msg) in [
        ("\"2026-13-01T00:00:00Z\"", "not an RFC 3339 time"),
        ("\"2026-01-01\"", "not an RFC 3339 time"),
        ("\"2026-01-01T00:00:00+02:00\"", "not in UTC"),
        ("\"2026-01-01T00:00:00.5Z\"", "fraction of a second"),
        ("2026", "expected a string"),
    ] {
        let text = workload("1h", &format!("start-at = {value}"), "rate(1 hour)", "");
        error_at(&text, "simulation.start-at", msg, "");
    }
    let text = workload("1h", "start-at = \"yesterday\"", "rate(1 hour)", "");
    error_at(
        &text,
        "simulation.start-at",
        "yesterday",
        "2026-01-01T00:00:00Z",
    );
}

#[test]
fn a_schedule_is_a_process_of_the_model() {
    let s = ok(&workload("1h", "", "cron(0 * * * ? *)", ""));
    let ArrivalProcess::Schedule(p) = &s.functions[0].triggers[0].arrivals.process else {
        panic!("{:?}", s.functions[0].triggers[0].arrivals.process)
    };
    assert_eq!(p.schedule.as_str(), "cron(0 * * * ? *)");
    assert_eq!(p.start_at, START_AT);
    assert_eq!(p.count(SimTime::ZERO, SimTime::from_secs(3600)), 1);
}
