//! `lamsim calibrate`: CloudWatch logs → calibration.toml → `lamsim run` of a workload that
//! names it with `calibration = "…"`.

use crate::{
    assert_code, assert_no_panic, json, path_str, repo_root, run, stderr, stdout, temp_dir,
};

fn log_fixture(name: &str) -> String {
    path_str(&repo_root().join("harness/tests/fixtures").join(name))
}

#[test]
fn calibrate_from_cloudwatch_logs_then_run_with_the_calibration() {
    let tmp = temp_dir();
    let out = tmp.path().join("cal/calibration.toml");
    let o = run([
        "calibrate",
        &log_fixture("cloudwatch-two-memory.txt"),
        "--out",
        &path_str(&out),
        "--function",
        "api",
    ]);
    assert_code(&o, 0);
    assert_no_panic(&o);
    let (so, se) = (stdout(&o), stderr(&o));
    // The fit table on stdout, every candidate with AIC and KS.
    for needle in [
        "duration at 1024 MB: 125 samples",
        "lognormal",
        "gamma",
        "weibull",
        "AIC",
        "KS p",
        "chosen: ",
        "cpu-fraction = ",
    ] {
        assert!(so.contains(needle), "{needle:?} not in stdout:\n{so}");
    }
    // The truncated REPORT line is reported with its line number; failures are counted.
    assert!(
        se.contains("1 line looked like a REPORT line but did not parse"),
        "{se}"
    );
    assert!(se.contains("cloudwatch-two-memory.txt:line 1253"), "{se}");
    assert!(se.contains("2 failed left out"), "{se}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("\n[duration]\ndist = \""), "{text}");
    assert!(text.contains("\n[init]\ndist = \""), "{text}");
    assert!(text.contains("reference-memory-mb = 1024"), "{text}");
    assert!(text.contains("function = \"api\""), "{text}");
    // The estimates agree with the truth the fixture was generated with (gen_cloudwatch.py)
    // within three of their standard errors, worked out from the generator's parameters. The
    // ratio of the means at 256 and 1024 MB is R = 1 + 3f (4 times the CPU part); each mean of
    // n samples has a relative standard error cv/√n, so SE(R) = R·cv·√(2/n), SE(f) = SE(R)/3.
    // Duration: f = 0.6, lognormal σ = 0.3 (cv = √(e^σ² − 1)), n = 125 warm invocations per
    // size: SE ≈ 0.036. Init: f = 0 (not memory-dependent), gamma shape 9 (cv = 1/3), n = 25
    // cold starts per size: SE ≈ 0.031.
    // The cpu-fraction of [duration] and of [init] (the [[duration-at-memory]] table of
    // 256 MB repeats the duration's).
    let fraction_of = |table: &str| -> f64 {
        let at = text.find(&format!("\n{table}\n")).expect(table);
        text[at..]
            .lines()
            .find_map(|l| l.strip_prefix("cpu-fraction = "))
            .expect("cpu-fraction")
            .parse()
            .unwrap()
    };
    let fractions = vec![fraction_of("[duration]"), fraction_of("[init]")];
    assert!(text.contains("\n[[duration-at-memory]]\n"), "{text}");
    assert!(text.contains("reference-memory-mb = 256"), "{text}");
    let lognormal_cv = (0.3f64.powi(2).exp() - 1.0).sqrt();
    let truth = [
        (0.6, 2.8 * lognormal_cv * (2.0f64 / 125.0).sqrt() / 3.0),
        (0.0, (1.0 / 3.0) * (2.0f64 / 25.0).sqrt() / 3.0),
    ];
    assert_eq!(fractions.len(), 2, "duration and init: {text}");
    for (estimate, (truth, se)) in fractions.into_iter().zip(truth) {
        assert!(
            (estimate - truth).abs() <= 3.0 * se,
            "cpu-fraction {estimate}, truth {truth} ± 3 · {se}"
        );
    }

    // A workload at 512 MB using it.
    let workload = tmp.path().join("w.toml");
    std::fs::write(
        &workload,
        "[simulation]\nduration = \"10m\"\n[[function]]\nname = \"api\"\nmemory-mb = 512\n\
         calibration = \"cal/calibration.toml\"\n[function.arrivals]\nkind = \"poisson\"\nrate-per-s = 5.0\n",
    )
    .unwrap();
    let o = run(["run", &path_str(&workload), "--format", "json", "--quiet"]);
    assert_code(&o, 0);
    let s = json(&o);
    let warm_mean = s["functions"][0]["latency_ms"]["mean"].as_f64().unwrap();
    // The fixture's warm durations: mean ≈ 42.4 ms at 1024 MB, cpu-fraction ≈ 0.6 → at 512 MB
    // about 42.4 · (0.4 + 0.6 · 2) ≈ 68 ms (cold starts add little at 5 req/s).
    assert!(
        (60.0..76.0).contains(&warm_mean),
        "mean latency {warm_mean}"
    );
}

#[test]
fn bad_inputs_exit_2_with_a_clear_message() {
    let tmp = temp_dir();
    let out = path_str(&tmp.path().join("c.toml"));
    // No REPORT lines.
    let logs = tmp.path().join("start-only.txt");
    std::fs::write(
        &logs,
        "START RequestId: a Version: $LATEST\nEND RequestId: a\n",
    )
    .unwrap();
    let o = run(["calibrate", &path_str(&logs), "--out", &out]);
    assert_code(&o, 2);
    assert_no_panic(&o);
    assert!(
        stderr(&o).contains("no REPORT lines found"),
        "{}",
        stderr(&o)
    );
    // An unreadable file.
    let o = run([
        "calibrate",
        &path_str(&tmp.path().join("nope.txt")),
        "--out",
        &out,
    ]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("nope.txt: cannot read"),
        "{}",
        stderr(&o)
    );
    // Too few samples: says how many are needed.
    let few = tmp.path().join("few.txt");
    std::fs::write(
        &few,
        "REPORT RequestId: a\tDuration: 1.00 ms\tBilled Duration: 1 ms\tMemory Size: 128 MB\tMax Memory Used: 10 MB\t\n",
    )
    .unwrap();
    let o = run(["calibrate", &path_str(&few), "--out", &out]);
    assert_code(&o, 2);
    assert!(
        stderr(&o).contains("at least 20 are needed"),
        "{}",
        stderr(&o)
    );
    // A folder that is not a bench folder (a run's --out, say): says what calibrate reads.
    let folder = tmp.path().join("not-a-bench");
    std::fs::create_dir(&folder).unwrap();
    let o = run(["calibrate", &path_str(&folder), "--out", &out]);
    assert_code(&o, 2);
    let e = stderr(&o);
    assert!(
        e.contains("not-a-bench: not a bench folder: it has no bench.json"),
        "{e}"
    );
    assert!(
        e.contains("`lamsim bench`") && e.contains("CloudWatch log files"),
        "{e}"
    );
    // Nothing was written.
    assert!(!tmp.path().join("c.toml").exists());
}
