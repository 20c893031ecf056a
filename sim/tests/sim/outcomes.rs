//! Outcomes of an invocation (success, function error, timeout), their observer hooks, and the
//! source every invocation carries.

use crate::support::assert_within;
use lamsim_sim::engine::{Engine, EngineStats};
use lamsim_sim::model::{ArrivalProcess, ConstantSpacing, Scenario};
use lamsim_sim::observer::{Invocation, Observer, Outcome};
use lamsim_sim::testing::{simple_function, simple_scenario};
use lamsim_sim::time::{SimTime, parse_duration};

/// Every completion with its hook, in call order.
#[derive(Default)]
struct Outcomes {
    completions: Vec<(SimTime, Invocation)>,
    /// The outcome hook that followed each completion.
    hooks: Vec<Outcome>,
    /// Outcome hooks called with an invocation other than the one just completed.
    mismatched: u64,
}

impl Outcomes {
    fn hook(&mut self, t: SimTime, inv: &Invocation, outcome: Outcome) {
        if self.completions.last() != Some(&(t, *inv))
            || self.hooks.len() + 1 != self.completions.len()
        {
            self.mismatched += 1;
        }
        self.hooks.push(outcome);
    }

    fn count(&self, outcome: Outcome) -> usize {
        self.completions
            .iter()
            .filter(|(_, i)| i.outcome == outcome)
            .count()
    }
}

impl Observer for Outcomes {
    fn on_complete(&mut self, t: SimTime, inv: &Invocation) {
        self.completions.push((t, *inv));
    }
    fn on_success(&mut self, t: SimTime, inv: &Invocation) {
        self.hook(t, inv, Outcome::Success);
    }
    fn on_function_error(&mut self, t: SimTime, inv: &Invocation) {
        self.hook(t, inv, Outcome::FunctionError);
    }
    fn on_timeout(&mut self, t: SimTime, inv: &Invocation) {
        self.hook(t, inv, Outcome::Timeout);
    }
}

fn simulate(s: &Scenario, error_rates: &[(usize, f64)]) -> (Outcomes, EngineStats) {
    let mut e = Engine::new(s, 3, Outcomes::default());
    for &(f, p) in error_rates {
        e.set_error_rate(f, p);
    }
    e.run();
    let stats = e.stats();
    (e.into_observer(), stats)
}

/// One request per second, exponential 100 ms executions, timeout 150 ms, for 2 hours.
fn with_timeouts() -> Scenario {
    let mut s = simple_scenario(1.0, 100.0, "10m", "2h");
    s.functions[0].triggers[0].arrivals.process =
        ArrivalProcess::Constant(ConstantSpacing::Rate(1.0));
    s.functions[0].timeout = parse_duration("150ms").unwrap();
    s
}

#[test]
fn each_completion_is_followed_by_the_hook_of_its_outcome() {
    let (o, stats) = simulate(&with_timeouts(), &[(0, 0.3)]);
    assert_eq!(o.mismatched, 0);
    assert_eq!(o.hooks.len(), o.completions.len());
    assert_eq!(o.completions.len() as u64, stats.completed);
    for ((_, inv), hook) in o.completions.iter().zip(&o.hooks) {
        assert_eq!(inv.outcome, *hook);
        assert_eq!(inv.timed_out, inv.outcome == Outcome::Timeout);
    }
    // All three outcomes occur, so every hook was exercised.
    for outcome in [Outcome::Success, Outcome::FunctionError, Outcome::Timeout] {
        assert!(o.count(outcome) > 0, "no {outcome:?}");
    }
}

#[test]
fn without_an_error_rate_no_invocation_fails() {
    let (o, _) = simulate(&with_timeouts(), &[]);
    assert_eq!(o.count(Outcome::FunctionError), 0);
    assert!(o.count(Outcome::Timeout) > 0);
    assert_eq!(
        o.count(Outcome::Success) + o.count(Outcome::Timeout),
        o.completions.len()
    );
}

#[test]
fn function_errors_occur_at_the_error_rate_among_invocations_that_did_not_time_out() {
    let p = 0.2;
    let (o, _) = simulate(&with_timeouts(), &[(0, p)]);
    let ran = (o.count(Outcome::Success) + o.count(Outcome::FunctionError)) as f64;
    let errors = o.count(Outcome::FunctionError) as f64;
    assert_within(
        errors / ran,
        p,
        (p * (1.0 - p) / ran).sqrt(),
        5.0,
        "error ratio",
    );
}

#[test]
fn a_function_error_runs_its_full_duration_and_keeps_its_environment() {
    // Errors on every invocation change nothing but the outcome: the same executions, the same
    // cold starts (the environment is reused), the same timeouts.
    let s = with_timeouts();
    let (clean, clean_stats) = simulate(&s, &[]);
    let (failing, failing_stats) = simulate(&s, &[(0, 1.0)]);
    assert_eq!(clean_stats, failing_stats);
    assert_eq!(clean.completions.len(), failing.completions.len());
    for ((t0, a), (t1, b)) in clean.completions.iter().zip(&failing.completions) {
        assert_eq!(t0, t1);
        assert_eq!(
            (a.arrival, a.init, a.exec, a.cold),
            (b.arrival, b.init, b.exec, b.cold)
        );
        let expect = match a.outcome {
            Outcome::Timeout => Outcome::Timeout,
            _ => Outcome::FunctionError,
        };
        assert_eq!(b.outcome, expect);
    }
}

#[test]
fn an_error_rate_on_one_function_does_not_shift_another() {
    let mut s = with_timeouts();
    s.functions.push(simple_function("other", 5.0, 50.0, "1m"));
    let (clean, _) = simulate(&s, &[]);
    let (failing, _) = simulate(&s, &[(0, 0.5)]);
    let of = |o: &Outcomes, f: u32| -> Vec<(SimTime, Invocation)> {
        o.completions
            .iter()
            .filter(|(_, i)| i.function == f)
            .copied()
            .collect()
    };
    assert_eq!(of(&clean, 1), of(&failing, 1));
    assert!(
        of(&failing, 1)
            .iter()
            .all(|(_, i)| i.outcome == Outcome::Success)
    );
}

#[test]
fn every_invocation_carries_the_source_of_its_function() {
    let mut s = simple_scenario(5.0, 100.0, "1m", "10m");
    s.functions.push(simple_function("b", 3.0, 50.0, "1m"));
    s.functions.push(simple_function("c", 1.0, 20.0, "1m"));
    let (o, _) = simulate(&s, &[]);
    for f in 0..3 {
        assert!(o.completions.iter().any(|(_, i)| i.function == f));
    }
    // One source per function today, in function order.
    assert!(o.completions.iter().all(|(_, i)| i.source == i.function));
}
