//! `lamsim runtimes`: the built-in cold-start profiles.

use crate::{assert_code, run, stdout};

#[test]
fn lists_python_and_node_profiles_with_their_median_init() {
    let o = run(["runtimes"]);
    assert_code(&o, 0);
    let out = stdout(&o);
    for id in ["python3.13", "nodejs22.x"] {
        let row = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(id))
            .unwrap_or_else(|| panic!("{id} not listed:\n{out}"));
        let median: f64 = row
            .split_whitespace()
            .nth(1)
            .and_then(|m| m.parse().ok())
            .unwrap_or_else(|| panic!("no median init in `{row}`"));
        // Published cold starts of these runtimes are tens to hundreds of milliseconds.
        assert!((10.0..2000.0).contains(&median), "{row}");
    }
}

#[test]
fn runtimes_accepts_quiet() {
    assert_code(&run(["runtimes", "--quiet"]), 0);
}
