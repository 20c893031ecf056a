//! Nothing is created or lost: arrivals = completed + throttled + in flight at every step.

use lamsim_sim::engine::Engine;
use lamsim_sim::model::{ArrivalProcess, KeepAlivePolicy, Routing, Scaling};
use lamsim_sim::observer::{Counts, Observer};
use lamsim_sim::testing::simple_scenario;
use lamsim_sim::time::{SimTime, parse_duration};

/// Checks invariants on every count change: busy ≤ total, time never decreases.
#[derive(Default)]
struct Invariants {
    last_t: SimTime,
    events: u64,
}

impl Observer for Invariants {
    fn on_counts(&mut self, t: SimTime, _f: u32, c: Counts) {
        assert!(t >= self.last_t, "time went backwards");
        assert!(c.busy <= c.total, "more busy than existing environments");
        assert!(c.provisioned <= c.total);
        self.last_t = t;
        self.events += 1;
    }
}

#[test]
fn arrivals_equal_completed_plus_throttled_plus_in_flight_at_every_step() {
    for routing in [Routing::Newest, Routing::Mru, Routing::Lru, Routing::Random] {
        let mut s = simple_scenario(300.0, 80.0, "30s", "20m");
        s.account.scaling = Scaling::PerFunction;
        s.functions[0].routing = routing;
        s.functions[0].reserved_concurrency = Some(20);
        s.functions[0].keep_alive.policy = KeepAlivePolicy::Uniform {
            min: parse_duration("5s").unwrap(),
            max: parse_duration("60s").unwrap(),
        };
        s.functions[0].keep_alive.max_lifetime = Some(parse_duration("2m").unwrap());
        s.functions[0].timeout = parse_duration("200ms").unwrap();
        s.functions[0].triggers[0].arrivals.process = ArrivalProcess::OnOff {
            on_rate_per_s: 600.0,
            off_rate_per_s: 10.0,
            on_mean: parse_duration("20s").unwrap(),
            off_mean: parse_duration("40s").unwrap(),
        };
        let mut e = Engine::new(&s, 5, Invariants::default());
        while e.step() {
            let st = e.stats();
            assert_eq!(
                st.arrivals,
                st.completed + st.throttled + st.in_flight,
                "{routing:?}"
            );
        }
        e.finish();
        let st = e.stats();
        assert_eq!(st.in_flight, 0);
        assert!(st.throttled > 0, "the test should exercise throttling");
        assert!(e.observer().events > 1000);
    }
}
