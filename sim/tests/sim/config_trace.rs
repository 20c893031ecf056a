//! Trace arrivals: CSV loading, filtering by function, sorting, bad rows.

use lamsim_sim::config;
use lamsim_sim::model::{ArrivalProcess, Dist, Trace};
use lamsim_sim::time::SimTime;

use crate::config_validation::{errors_in, ok_in, temp_dir};

fn workload(name: &str, arrivals_extra: &str, duration: &str) -> String {
    format!(
        "[simulation]\nduration = \"1h\"\n[[function]]\nname = \"{name}\"\nmemory-mb = 256\n\
         [function.arrivals]\nkind = \"trace\"\nfile = \"t.csv\"\n{arrivals_extra}\n{duration}"
    )
}

fn trace_of(s: &lamsim_sim::model::Scenario) -> &Trace {
    match &s.functions[0].triggers[0].arrivals.process {
        ArrivalProcess::Trace(t) => t,
        other => panic!("{other:?}"),
    }
}

#[test]
fn unsorted_rows_are_sorted_with_their_durations() {
    let tmp = temp_dir("trace-sorted");
    let dir = tmp.path();
    std::fs::write(
        dir.join("t.csv"),
        "timestamp,duration_ms\n3.0,30\n1.5,10\n\n# comment\n2,20\n",
    )
    .unwrap();
    let s = ok_in(&workload("f", "", ""), dir);
    let t = trace_of(&s);
    assert_eq!(
        t.times,
        [
            SimTime::from_millis(1500),
            SimTime::from_secs(2),
            SimTime::from_secs(3)
        ]
    );
    assert_eq!(
        t.durations.as_deref(),
        Some(
            &[
                SimTime::from_millis(10),
                SimTime::from_millis(20),
                SimTime::from_millis(30)
            ][..]
        )
    );
    assert_eq!(t.function, None);
    assert_eq!(t.path, std::path::absolute(dir.join("t.csv")).unwrap());
    // No [function.duration] needed: the trace's mean duration (20 ms) stands in.
    assert_eq!(s.functions[0].duration.dist, Dist::Const { value_ms: 20.0 });
}

#[test]
fn rows_are_filtered_by_function_name_or_trace_function() {
    let tmp = temp_dir("trace-filter");
    let dir = tmp.path();
    std::fs::write(
        dir.join("t.csv"),
        "function,timestamp,duration_s\napi,5,0.1\nworker,1,2\napi,0.5,0.2\nworker,7,1\n",
    )
    .unwrap();
    let s = ok_in(&workload("api", "", ""), dir);
    let t = trace_of(&s);
    assert_eq!(t.times, [SimTime::from_millis(500), SimTime::from_secs(5)]);
    assert_eq!(
        t.durations.as_deref(),
        Some(&[SimTime::from_millis(200), SimTime::from_millis(100)][..])
    );
    assert_eq!(t.function.as_deref(), Some("api"));

    let s = ok_in(&workload("renamed", "trace-function = \"worker\"", ""), dir);
    assert_eq!(
        trace_of(&s).times,
        [SimTime::from_secs(1), SimTime::from_secs(7)]
    );

    // A name with no rows: the error lists the names that are there.
    let e = errors_in(&workload("other", "", ""), dir);
    let err = &e.errors[0];
    assert_eq!(err.path, "function[0].arrivals.file");
    assert!(
        err.message.contains("no rows with function = \"other\""),
        "{e}"
    );
    assert!(err.hint.as_deref().unwrap().contains("api, worker"), "{e}");
}

#[test]
fn bad_rows_are_reported_with_file_and_line() {
    let tmp = temp_dir("trace-bad");
    let dir = tmp.path();
    std::fs::write(
        dir.join("t.csv"),
        "timestamp,duration_ms\n1,10\nsoon,10\n2\n3,-4\n",
    )
    .unwrap();
    let e = errors_in(&workload("f", "", ""), dir);
    let msgs: Vec<&str> = e.errors.iter().map(|x| x.message.as_str()).collect();
    assert_eq!(e.errors.len(), 3, "{e}");
    assert!(
        msgs[0].starts_with("t.csv:3: timestamp \"soon\""),
        "{msgs:?}"
    );
    assert!(
        msgs[1].starts_with("t.csv:4: 1 fields, but the header has 2"),
        "{msgs:?}"
    );
    assert!(
        msgs[2].starts_with("t.csv:5: duration_ms \"-4\""),
        "{msgs:?}"
    );
    assert!(
        e.errors
            .iter()
            .all(|x| x.path == "function[0].arrivals.file")
    );
}

#[test]
fn header_problems() {
    let tmp = temp_dir("trace-header");
    let dir = tmp.path();
    std::fs::write(dir.join("t.csv"), "time,duration_ms\n1,10\n").unwrap();
    let e = errors_in(&workload("f", "", ""), dir);
    assert!(e.errors[0].message.contains("no `timestamp` column"), "{e}");

    std::fs::write(dir.join("t.csv"), "timestamp\n1\n").unwrap();
    let e = errors_in(&workload("f", "trace-function = \"x\"", ""), dir);
    assert!(e.errors[0].message.contains("no `function` column"), "{e}");

    // Without a duration column, [function.duration] is required.
    let e = errors_in(&workload("f", "", ""), dir);
    assert_eq!(e.errors[0].path, "function[0].duration", "{e}");
    assert!(
        config::from_str(
            &workload(
                "f",
                "",
                "[function.duration]\ndist = \"const\"\nvalue = \"5ms\""
            ),
            dir,
            "w.toml"
        )
        .is_ok()
    );
}
