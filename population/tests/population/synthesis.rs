//! The synthetic generator: seeded, drawn from the excerpt, and read back exactly.

use lamsim_population::synth::{SynthOptions, synthesize};

use crate::support::{arrivals, load, workloads};

fn opts(functions: usize, seed: u64) -> SynthOptions {
    SynthOptions {
        functions,
        hours: 2,
        seed,
        from: workloads().join("populations/azure2019"),
        concurrency_limit: lamsim_population::synth::CONCURRENCY_LIMIT,
    }
}

fn minute_counts(dir: &std::path::Path) -> Vec<(String, Vec<u64>)> {
    let text = std::fs::read_to_string(dir.join("invocations.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[3].to_string(),
                c[4..].iter().map(|x| x.parse().unwrap()).collect(),
            )
        })
        .collect()
}

#[test]
fn the_same_seed_writes_the_same_files_and_another_seed_others() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    synthesize(&opts(40, 7), a.path()).unwrap();
    synthesize(&opts(40, 7), b.path()).unwrap();
    synthesize(&opts(40, 8), c.path()).unwrap();
    for f in [
        "invocations.csv",
        "durations.csv",
        "memory.csv",
        "workload.toml",
    ] {
        let read = |d: &tempfile::TempDir| std::fs::read(d.path().join(f)).unwrap();
        assert_eq!(read(&a), read(&b), "{f}");
    }
    assert_ne!(
        std::fs::read(a.path().join("invocations.csv")).unwrap(),
        std::fs::read(c.path().join("invocations.csv")).unwrap()
    );
}

#[test]
fn the_written_workload_replays_every_generated_invocation() {
    let d = tempfile::tempdir().unwrap();
    let done = synthesize(&opts(60, 3), d.path()).unwrap();
    let counts = minute_counts(d.path());
    assert_eq!(counts.len(), 60);
    assert!(
        counts.iter().all(|(_, c)| c.len() == 120),
        "2 h = 120 minute columns"
    );
    let total: u64 = counts.iter().map(|(_, c)| c.iter().sum::<u64>()).sum();
    assert_eq!(total, done.invocations);
    let text = std::fs::read_to_string(d.path().join("workload.toml")).unwrap();
    let s = load(&text, d.path()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.functions.len(), 60);
    let log = arrivals(&s, 1);
    let got: Vec<u64> = log.iter().map(|a| a.len() as u64).collect();
    let want: Vec<u64> = counts.iter().map(|(_, c)| c.iter().sum()).collect();
    assert_eq!(got, want);
}

#[test]
fn timers_keep_their_schedule_and_rates_are_heavy_tailed() {
    let d = tempfile::tempdir().unwrap();
    synthesize(
        &SynthOptions {
            functions: 400,
            ..opts(0, 11)
        },
        d.path(),
    )
    .unwrap();
    let counts = minute_counts(d.path());
    // The excerpt's timer functions fire at most a few times a minute on a fixed schedule:
    // the copies keep whole counts no larger than the template's largest.
    let timers: Vec<&Vec<u64>> = counts
        .iter()
        .filter(|(t, _)| t == "timer")
        .map(|(_, c)| c)
        .collect();
    assert!(!timers.is_empty());
    let text =
        std::fs::read_to_string(workloads().join("populations/azure2019/invocations.csv")).unwrap();
    let template_max: u64 = text
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(3) == Some("timer"))
        .flat_map(|l| {
            l.split(',')
                .skip(4)
                .map(|x| x.parse::<u64>().unwrap())
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap();
    assert!(timers.iter().all(|c| c.iter().all(|&x| x <= template_max)));
    // Heavy tail across functions: the top 1 % of functions carry a large share of traffic.
    let mut totals: Vec<u64> = counts.iter().map(|(_, c)| c.iter().sum()).collect();
    totals.sort_unstable_by(|a, b| b.cmp(a));
    let all: u64 = totals.iter().sum();
    let top: u64 = totals.iter().take(4).sum();
    assert!(top as f64 > 0.3 * all as f64, "top 1% carry {top} of {all}");
}
