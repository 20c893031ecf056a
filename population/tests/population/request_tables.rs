//! `kind = "azure2021"` and `kind = "table"`: one row per request, CSV or Parquet.

use lamsim_sim::runner::run_replicate_with;
use lamsim_sim::time::SimTime;
use polars::prelude::*;

use crate::support::{Execs, arrivals, errors, scenario, workloads};

#[test]
fn azure2021_replays_each_request_at_its_start_with_its_duration() {
    let dir = workloads().join("populations");
    // Expected requests straight from the CSV text: start = end_timestamp − duration.
    let text = std::fs::read_to_string(dir.join("azure2021/invocations.csv")).unwrap();
    let mut want: Vec<(String, u64, u64)> = text
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            let (end, d): (f64, f64) = (c[2].parse().unwrap(), c[3].parse().unwrap());
            (
                c[1][..12].to_string(),
                ((end - d) * 1e9) as u64,
                (d * 1000.0 * 1e6) as u64,
            )
        })
        .collect();
    assert_eq!(want.len(), 998);
    let s = scenario(
        "[simulation]\nduration = \"2h\"\n[[population]]\nkind = \"azure2021\"\nfile = \"azure2021/invocations.csv\"\n[population.defaults]\nmemory-mb = 256\ntimeout = \"15m\"\n",
        &dir,
    );
    assert_eq!(s.functions.len(), 49);
    let (_, execs, _) = run_replicate_with(&s, 1, Execs::default(), &|_| {});
    let mut got: Vec<(String, u64, u64)> = execs
        .0
        .iter()
        .map(|&(f, a, e)| {
            let name = &s.functions[f as usize].name;
            (name["azure2021-".len()..].to_string(), a.0, e.0)
        })
        .collect();
    want.sort();
    got.sort();
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(&want) {
        assert_eq!(g.0, w.0);
        // Seconds and milliseconds through f64: equal to within a microsecond.
        assert!(g.1.abs_diff(w.1) < 1_000, "{g:?} vs {w:?}");
        assert!(g.2.abs_diff(w.2) < 1_000, "{g:?} vs {w:?}");
    }
}

fn table_rows() -> (Vec<&'static str>, Vec<f64>, Vec<f64>) {
    // A long id that is not a hash is kept whole; only hexadecimal hashes are shortened.
    let f = vec![
        "checkout",
        "search",
        "checkout",
        "search",
        "search",
        "thumbnail-resizer-v2",
    ];
    let t = vec![1.5, 0.25, 30.0, 31.0, 200.0, 12.0];
    let d = vec![120.0, 15.0, 80.0, 22.0, 9.5, 700.0];
    (f, t, d)
}

fn table_workload(file: &str, columns: &str) -> String {
    format!(
        "[simulation]\nduration = \"10m\"\n[[population]]\nkind = \"table\"\nname = \"shop\"\nfile = \"{file}\"\n{columns}\n[population.defaults]\nmemory-mb = 512\n"
    )
}

#[test]
fn csv_and_parquet_tables_give_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let (f, t, d) = table_rows();
    let mut csv = String::from("fn,ts,ms\n");
    for i in 0..f.len() {
        csv.push_str(&format!("{},{},{}\n", f[i], t[i], d[i]));
    }
    std::fs::write(dir.path().join("requests.csv"), csv).unwrap();
    let mut df = df!("fn" => &f, "ts" => &t, "ms" => &d).unwrap();
    let file = std::fs::File::create(dir.path().join("requests.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    let cols = "function-column = \"fn\"\ntimestamp-column = \"ts\"\nduration-column = \"ms\"";
    let a = scenario(&table_workload("requests.csv", cols), dir.path());
    let b = scenario(&table_workload("requests.parquet", cols), dir.path());
    let names: Vec<&str> = a.functions.iter().map(|f| f.name.as_str()).collect();
    // Members sorted by function id.
    assert_eq!(
        names,
        ["shop-checkout", "shop-search", "shop-thumbnail-resizer-v2"]
    );
    let (_, ea, _) = run_replicate_with(&a, 1, Execs::default(), &|_| {});
    let (_, eb, _) = run_replicate_with(&b, 1, Execs::default(), &|_| {});
    assert_eq!(ea.0, eb.0);
    // Each request at its timestamp with its duration, by hand.
    let mut want: Vec<(u32, u64, u64)> = (0..f.len())
        .map(|i| {
            let fi = names
                .iter()
                .position(|n| n == &format!("shop-{}", f[i]))
                .unwrap() as u32;
            (fi, (t[i] * 1e9) as u64, (d[i] * 1e6) as u64)
        })
        .collect();
    let mut got: Vec<(u32, u64, u64)> = ea.0.iter().map(|&(f, a, e)| (f, a.0, e.0)).collect();
    want.sort();
    got.sort();
    assert_eq!(got, want);
}

#[test]
fn a_table_without_durations_uses_the_defaults_and_rate_scale_repeats_requests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "function,timestamp\na,1\na,2\nb,3\n",
    )
    .unwrap();
    let e = errors(&table_workload("r.csv", ""), dir.path());
    assert!(e.to_string().contains("have no duration"), "{e}");
    let with = table_workload("r.csv", "rate-scale = 3.0")
        + "[population.defaults.duration]\ndist = \"const\"\nvalue = \"10ms\"\n";
    let s = scenario(&with, dir.path());
    let log = arrivals(&s, 1);
    let secs = |v: &Vec<SimTime>| v.iter().map(|t| t.0 / 1_000_000_000).collect::<Vec<_>>();
    assert_eq!(secs(&log[0]), [1, 1, 1, 2, 2, 2]);
    assert_eq!(secs(&log[1]), [3, 3, 3]);
}

#[test]
fn a_missing_column_names_the_key_that_renames_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("r.csv"), "name,timestamp\na,1\n").unwrap();
    let e = errors(&table_workload("r.csv", ""), dir.path());
    assert!(e.has_path("population[0].file"), "{e}");
    let text = e.to_string();
    assert!(text.contains("no `function` column"), "{text}");
    assert!(text.contains("function-column"), "{text}");
    assert!(text.contains("name, timestamp"), "{text}");
}

/// A bad request is named by the line it is on in the CSV (the header is line 1), or its row
/// in Parquet, whatever order the requests are sorted into; a bad duration is called one,
/// even in azure2021 where the arrival is computed from it.
#[test]
fn a_bad_request_is_named_by_its_line_or_row() {
    let dir = tempfile::tempdir().unwrap();
    let cols = "function-column = \"fn\"\ntimestamp-column = \"ts\"\nduration-column = \"ms\"";
    // Line 4 sorts first (function "a"), so a position after sorting would say 1.
    for (rows, words) in [
        ("z,1,5\nz,2,5\na,NaN,5\n", "r.csv: line 4: no timestamp"),
        ("z,1,5\nz,2,-5\na,3,5\n", "r.csv: line 3: no duration"),
        (
            "z,1,5\na,-2,5\n",
            "r.csv: line 3: negative arrival time -2 s",
        ),
    ] {
        std::fs::write(dir.path().join("r.csv"), format!("fn,ts,ms\n{rows}")).unwrap();
        let e = errors(&table_workload("r.csv", cols), dir.path());
        assert!(e.to_string().contains(words), "{e}");
    }
    let mut df = df!("fn" => &["z", "a"], "ts" => &[1.0, f64::NAN], "ms" => &[5.0, 5.0]).unwrap();
    let file = std::fs::File::create(dir.path().join("r.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    let e = errors(&table_workload("r.parquet", cols), dir.path());
    assert!(
        e.to_string().contains("r.parquet: row 2: no timestamp"),
        "{e}"
    );
    // azure2021: a duration of NaN or 1e300 s is a bad duration or a short negative time.
    let head = "app,func,end_timestamp,duration\n";
    let w = "[simulation]\nduration = \"1h\"\n[[population]]\nkind = \"azure2021\"\nfile = \"a.csv\"\n[population.defaults]\ntimeout = \"15m\"\n";
    for (row, words) in [
        ("x,f,10,NaN", "a.csv: line 2: no duration"),
        (
            "x,f,10,1e300",
            "a.csv: line 2: negative arrival time -1e300 s",
        ),
    ] {
        std::fs::write(dir.path().join("a.csv"), format!("{head}{row}\n")).unwrap();
        let e = errors(w, dir.path());
        assert!(e.to_string().contains(words), "{e}");
    }
}

/// Parquet durations are read in their own unit: a timestamp of `duration[ms]` 1,500 is 1.5 s,
/// a duration of `duration[us]` 120,000 is 120 ms. A date-time is an instant, not an offset
/// from the window's start: refused at the key that names it.
#[test]
fn parquet_duration_columns_are_read_in_their_unit() {
    let dir = tempfile::tempdir().unwrap();
    let ts = Series::new("ts".into(), &[1_500i64, 30_000])
        .cast(&DataType::Duration(TimeUnit::Milliseconds))
        .unwrap();
    let ms = Series::new("ms".into(), &[120_000i64, 80_000])
        .cast(&DataType::Duration(TimeUnit::Microseconds))
        .unwrap();
    let f = Series::new("fn".into(), &["a", "a"]);
    let mut df = DataFrame::new(2, vec![f.into(), ts.into(), ms.into()]).unwrap();
    let file = std::fs::File::create(dir.path().join("r.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    let cols = "function-column = \"fn\"\ntimestamp-column = \"ts\"\nduration-column = \"ms\"";
    let s = scenario(&table_workload("r.parquet", cols), dir.path());
    let (_, execs, _) = run_replicate_with(&s, 1, Execs::default(), &|_| {});
    let got: Vec<(u64, u64)> = execs.0.iter().map(|&(_, a, e)| (a.0, e.0)).collect();
    assert_eq!(
        got,
        [(1_500_000_000, 120_000_000), (30_000_000_000, 80_000_000)]
    );

    let ts = Series::new("ts".into(), &[1_000i64, 2_000])
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .unwrap();
    let f = Series::new("fn".into(), &["a", "a"]);
    let mut df = DataFrame::new(2, vec![f.into(), ts.into()]).unwrap();
    let file = std::fs::File::create(dir.path().join("d.parquet")).unwrap();
    ParquetWriter::new(file).finish(&mut df).unwrap();
    let e = errors(
        &table_workload(
            "d.parquet",
            "function-column = \"fn\"\ntimestamp-column = \"ts\"",
        ),
        dir.path(),
    );
    assert!(e.has_path("population[0].file"), "{e}");
    let text = e.to_string();
    assert!(text.contains("column `ts` holds datetime"), "{text}");
    assert!(text.contains("timestamp-column"), "{text}");
}

/// A `duration-column` named in the workload must be in the file (a misspelling would
/// otherwise fall back silently); the default `duration` column is optional.
#[test]
fn a_named_duration_column_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "function,timestamp,duration\na,1,5\n",
    )
    .unwrap();
    let e = errors(
        &(table_workload("r.csv", "duration-column = \"latency\"")
            + "[population.defaults.duration]\ndist = \"const\"\nvalue = \"1s\"\n"),
        dir.path(),
    );
    assert!(e.has_path("population[0].file"), "{e}");
    let text = e.to_string();
    assert!(text.contains("no `latency` column"), "{text}");
    assert!(text.contains("duration-column"), "{text}");
}

/// A distribution in `[population.defaults.duration]` replaces the trace's durations for
/// every member; scaling keys alone keep them and scale them (1769 MB on one thread measured,
/// 3538 MB with two threads run: half the time).
#[test]
fn defaults_duration_replaces_or_scales_the_traces_durations() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "function,timestamp,duration\na,1,300\na,2,100\n",
    )
    .unwrap();
    let execs = |extra: &str| {
        let s = scenario(&(table_workload("r.csv", "") + extra), dir.path());
        let (_, e, _) = run_replicate_with(&s, 1, Execs::default(), &|_| {});
        e.0.iter().map(|x| x.2.0 / 1_000_000).collect::<Vec<_>>()
    };
    assert_eq!(execs(""), [300, 100]);
    assert_eq!(
        execs("[population.defaults.duration]\ndist = \"const\"\nvalue = \"777ms\"\n"),
        [777, 777]
    );
    assert_eq!(
        execs("[population.defaults.duration]\nreference-memory-mb = 1769\nthreads = 2\n").len(),
        2
    );
    let scaled = scenario(
        &(table_workload("r.csv", "").replace("memory-mb = 512", "memory-mb = 3538")
            + "[population.defaults.duration]\nreference-memory-mb = 1769\nthreads = 2\n"),
        dir.path(),
    );
    let (_, e, _) = run_replicate_with(&scaled, 1, Execs::default(), &|_| {});
    let ms: Vec<u64> = e.0.iter().map(|x| x.2.0 / 1_000_000).collect();
    assert_eq!(ms, [150, 50]);
}

/// A trace whose every request falls after the window (epoch timestamps, say) is refused
/// with the times, instead of a run without traffic.
#[test]
fn a_trace_entirely_past_the_window_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "function,timestamp\na,1700000000\nb,1700000005\n",
    )
    .unwrap();
    let e = errors(
        &(table_workload("r.csv", "")
            + "[population.defaults.duration]\ndist = \"const\"\nvalue = \"1s\"\n"),
        dir.path(),
    );
    assert!(e.has_path("population[0]"), "{e}");
    let text = e.to_string();
    assert!(text.contains("first arrives at 1700000000 s"), "{text}");
    assert!(text.contains("subtract the first"), "{text}");
}

/// A CSV row with more fields than the header is named by its line, without polars' advice
/// on options a workload cannot set.
#[test]
fn a_ragged_csv_line_is_named() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.csv"),
        "function,timestamp,duration\na,1,10\na,2,10\nb,3,10,99\n",
    )
    .unwrap();
    let e = errors(&table_workload("r.csv", ""), dir.path());
    assert!(e.has_path("population[0].file"), "{e}");
    let text = e.to_string();
    assert!(text.contains("line 4 has 4 fields, the header 3"), "{text}");
    assert!(!text.contains("truncate_ragged_lines"), "{text}");
}
