//! `lamsim sweep`, `lamsim merge` and `lamsim check` end to end.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A fresh folder for one test under Cargo's target tmp dir.
fn temp_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-sweep-{name}"));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn lamsim(args: &[&str]) -> Output {
    lamsim_env(args, &[])
}

fn lamsim_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_lamsim"));
    c.args(args)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("SLURM_ARRAY_TASK_ID");
    for (k, v) in env {
        c.env(k, v);
    }
    // Started under the shared spawn lock (see `crate::SPAWN`).
    crate::spawn(&mut c)
        .wait_with_output()
        .expect("lamsim runs")
}

fn code(o: &Output) -> i32 {
    o.status.code().expect("exit code")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A small workload: 5 req/s for 2 simulated minutes, 2 replicates, p99 objective 150 ms.
/// The 100 ms execution is all CPU at 1,024 MB, so 512 MB (200 ms) misses the SLO.
const WORKLOAD: &str = r#"
[simulation]
duration = "2m"
seed = 5
replicates = 2

[[function]]
name = "api"
memory-mb = 1024

[function.arrivals]
kind = "poisson"
rate-per-s = 5.0

[function.duration]
dist = "const"
value = "100ms"

[function.init]
dist = "const"
value = "200ms"

[slo]
p99 = "150ms"
"#;

fn workload(dir: &Path, text: &str) -> String {
    let p = dir.join("w.toml");
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn sharded_sweep_merges_byte_identically() {
    let d = temp_dir("shards");
    let w = workload(&d, WORKLOAD);
    let whole = d.join("whole");
    let sweep_args = [
        "sweep",
        w.as_str(),
        "--memory",
        "512,1024,1769",
        "--set",
        "function.keep-alive.idle=1m,10m",
        "--quiet",
    ];
    let mut args = sweep_args.to_vec();
    args.extend(["--out", whole.to_str().unwrap()]);
    let o = lamsim(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("Recommendation (cheapest point meeting the SLO): #"),
        "{}",
        stdout(&o)
    );

    let mut dirs = Vec::new();
    for i in 0..4 {
        let sd = d.join(format!("shard{i}"));
        let mut args = sweep_args.to_vec();
        let shard = format!("{i}/4");
        args.extend(["--shard", &shard, "--out", sd.to_str().unwrap()]);
        let o = lamsim(&args);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        dirs.push(sd.display().to_string());
    }
    let merged = d.join("merged");
    let mut args = vec!["merge"];
    args.extend(dirs.iter().rev().map(String::as_str));
    args.extend(["--out", merged.to_str().unwrap(), "--quiet"]);
    let o = lamsim(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for f in [
        "sweep.json",
        "sweep.csv",
        "sweep.md",
        "report.html",
        "report.md",
        "charts/sweep-pareto.svg",
        "workload.resolved.toml",
    ] {
        let a = std::fs::read(whole.join(f)).unwrap();
        let b = std::fs::read(merged.join(f)).unwrap();
        assert!(a == b, "{f} differs after merge");
    }
    // Every `--out` holds the resolved workload (contract section 3): the same sweep of it
    // gives the same sweep.json.
    let resolved = whole.join("workload.resolved.toml");
    assert!(Path::new(&dirs[0]).join("workload.resolved.toml").is_file());
    let again = d.join("again");
    let mut args = sweep_args.to_vec();
    args[1] = resolved.to_str().unwrap();
    args.extend(["--out", again.to_str().unwrap()]);
    let o = lamsim(&args);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for f in ["sweep.json", "workload.resolved.toml"] {
        let a = std::fs::read(whole.join(f)).unwrap();
        let b = std::fs::read(again.join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs when the resolved workload is swept again"
        );
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(whole.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["points"].as_array().unwrap().len(), 6);
    let p = &json["points"][0];
    assert_eq!(p["memory_mb"], 512);
    assert_eq!(p["function.keep-alive.idle"], "1m");
    assert_eq!(p["meets_slo"], false);
    assert!(p["p99_ms_ci95"].is_array());
    // At 512 MB the all-CPU execution takes 200 ms: both 512 MB points miss the 150 ms p99;
    // 1,024 MB (100 ms) and 1,769 MB (58 ms) meet it.
    let points = json["points"].as_array().unwrap();
    let meets: Vec<bool> = points
        .iter()
        .map(|p| p["meets_slo"].as_bool().unwrap())
        .collect();
    assert_eq!(meets, [false, false, true, true, true, true]);
    // The recommendation is the cheapest of the points that meet it.
    let rec = json["recommendation"]["index"].as_u64().unwrap() as usize;
    let cost = |i: usize| points[i]["monthly_cost_usd"].as_f64().unwrap();
    assert!(meets[rec]);
    assert!((2..6).all(|i| cost(rec) <= cost(i)));
    assert_eq!(
        json["recommendation"]["memory_mb"],
        points[rec]["memory_mb"]
    );

    // A missing shard is an error.
    let o = lamsim(&[
        "merge",
        &dirs[0],
        &dirs[1],
        "--out",
        d.join("bad").to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("missing shard(s) 2, 3 of 4"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn shard_index_from_kubernetes_or_slurm() {
    let d = temp_dir("env");
    let w = workload(&d, WORKLOAD);
    let out = d.join("k8s");
    let args = [
        "sweep",
        &w,
        "--memory",
        "512,1024,1769",
        "--shards",
        "2",
        "--quiet",
        "--out",
        out.to_str().unwrap(),
    ];
    let o = lamsim_env(&args, &[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let shard: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sweep-shard.json")).unwrap()).unwrap();
    assert_eq!(shard["shard"], 1);
    assert_eq!(shard["points"].as_array().unwrap().len(), 1);
    assert_eq!(shard["points"][0]["index"], 1);

    let o = lamsim_env(&args, &[("SLURM_ARRAY_TASK_ID", "0")]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    let o = lamsim(&args);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("JOB_COMPLETION_INDEX"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn bad_lists_exit_2_with_the_flag_named() {
    let d = temp_dir("bad");
    let w = workload(&d, WORKLOAD);
    for (args, expect) in [
        (
            vec!["--memory", "64,512"],
            "--memory: 64 MB is outside 128..=10240",
        ),
        (
            vec!["--architecture", "x86"],
            "--architecture: unknown architecture `x86`",
        ),
        (vec!["--provisioned", "two"], "--provisioned: `two`"),
        (
            vec!["--set", "function.keep-alive.idle=10"],
            "--set function.keep-alive.idle=10:",
        ),
        (vec!["--shard", "3/3", "--out", "x"], "I must be in 0..3"),
    ] {
        let mut all = vec!["sweep", w.as_str(), "--quiet"];
        all.extend(args);
        let o = lamsim(&all);
        assert_eq!(code(&o), 2, "{all:?}");
        assert!(stderr(&o).contains(expect), "{all:?}: {}", stderr(&o));
    }
}

#[test]
fn no_point_meeting_the_slo_exits_1_with_the_nearest_miss() {
    let d = temp_dir("miss");
    let w = workload(&d, WORKLOAD);
    let o = lamsim(&["sweep", &w, "--memory", "128,256", "--quiet"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("Recommendation: none meets the SLO."), "{out}");
    assert!(out.contains("Nearest miss: #1 (memory 256 MB"), "{out}");
}

#[test]
fn provisioned_auto_reports_break_even() {
    let d = temp_dir("auto");
    let w = workload(&d, WORKLOAD);
    let out = d.join("out");
    let o = lamsim(&[
        "sweep",
        &w,
        "--provisioned",
        "auto",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("--provisioned auto: peak of"),
        "{}",
        stderr(&o)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("sweep.json")).unwrap()).unwrap();
    let counts = json["axes"][0]["values"].as_array().unwrap();
    assert_eq!(counts[0], 0);
    assert!(counts.len() >= 2);
    assert_eq!(json["provisioned_break_even"].as_array().unwrap().len(), 1);
    // The line says what its numbers say: a count that costs less than none is a saving.
    let be = &json["provisioned_break_even"][0];
    let cost = |k: &str| be[k].as_f64().unwrap();
    let saving = cost("baseline_monthly_cost_usd") - cost("monthly_cost_usd");
    assert_eq!(be["rule"] == "cost-neutral", saving >= 0.0, "{be}");
    // The line prints amounts to the cent, and their difference.
    let cents = |v: f64| (v * 100.0).round() / 100.0;
    let saving = cents(cost("baseline_monthly_cost_usd")) - cents(cost("monthly_cost_usd"));
    let text = stdout(&o);
    let line = text
        .lines()
        .find(|l| l.starts_with("Provisioned break-even from #0"))
        .unwrap_or_else(|| panic!("{text}"));
    let says = if saving > 0.0 {
        "saves $"
    } else if saving < 0.0 {
        "/month more"
    } else {
        "costs the same"
    };
    assert!(line.contains(says), "{line} (saving {saving})");
}

/// `api` (100 ms) and `resize` (all-CPU 300 ms at 1,024 MB, 10 ms inits, its own p99
/// objective of 250 ms).
const STACK: &str = r#"
[simulation]
duration = "2m"
seed = 5

[[function]]
name = "api"
memory-mb = 512
[function.arrivals]
kind = "poisson"
rate-per-s = 5.0
[function.duration]
dist = "const"
value = "100ms"
[function.init]
dist = "const"
value = "10ms"

[[function]]
name = "resize"
memory-mb = 1024
[function.arrivals]
kind = "poisson"
rate-per-s = 2.0
[function.duration]
dist = "const"
value = "300ms"
cpu-fraction = 1.0
[function.init]
dist = "const"
value = "10ms"
[function.slo]
p99 = "250ms"
"#;

#[test]
fn function_flag_sizes_one_function_against_its_own_objectives() {
    let d = temp_dir("function");
    let w = workload(&d, STACK);
    let o = lamsim(&[
        "sweep",
        &w,
        "--function",
        "resize",
        "--memory",
        "1024,1769",
        "--format",
        "json",
        "--quiet",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["function"], "resize");
    assert_eq!(json["function_slo"]["p99_ms"], 250.0);
    // 300 ms at 1,024 MB misses 250 ms; at 1,769 MB it runs in 300 × 1024 / 1769 = 174 ms
    // (184 ms with a cold start's 10 ms init).
    let points = json["points"].as_array().unwrap();
    assert_eq!(points[0]["meets_slo"], false);
    assert_eq!(points[1]["meets_slo"], true);
    assert_eq!(json["recommendation"]["memory_mb"], 1769);

    let o = lamsim(&[
        "sweep",
        &w,
        "--function",
        "resize",
        "--memory",
        "1024",
        "--quiet",
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stdout(&o).contains(
            "function resize: p50, p99, cold starts, throttles and monthly cost are this function's"
        ),
        "{}",
        stdout(&o)
    );

    let o = lamsim(&["sweep", &w, "--function", "thumb", "--memory", "1024"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--function: the workload has no function `thumb`"));
}

#[test]
fn arm64_points_without_a_measured_speedup_are_marked_modelled() {
    let d = temp_dir("modelled");
    let w = workload(&d, WORKLOAD);
    let o = lamsim(&["sweep", &w, "--architecture", "x86_64,arm64", "--quiet"]);
    let text = stdout(&o);
    assert!(text.contains("arm64*"), "{text}");
    assert!(
        text.contains("* modelled, not measured: the other architecture's speed uses the default arm64-speedup = 1.0"),
        "{text}"
    );
    let o = lamsim(&[
        "sweep",
        &w,
        "--architecture",
        "x86_64,arm64",
        "--format",
        "json",
        "--quiet",
    ]);
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(json["points"][0].get("modelled").is_none());
    assert_eq!(
        json["points"][1]["modelled"],
        serde_json::json!(["arm64-speedup"])
    );
}

/// Runs the workload into `dir` and returns the summary path.
fn run_summary(dir: &Path, w: &str, name: &str, extra: &[&str]) -> String {
    let out = dir.join(name);
    let mut args = vec![
        "run",
        w,
        "--quiet",
        "--format",
        "json",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend(extra);
    let o = lamsim(&args);
    assert!(code(&o) <= 1, "{}", stderr(&o));
    out.join("summary.json").display().to_string()
}

#[test]
fn check_gates_regressions_not_noise_and_rejects_bad_input() {
    let d = temp_dir("check");
    let w = workload(&d, &WORKLOAD.replace("replicates = 2", "replicates = 5"));
    let base = run_summary(&d, &w, "base", &[]);
    let noise = run_summary(&d, &w, "noise", &["--seed", "99"]);
    // Same workload, 30 % slower handler (all CPU): a real regression.
    let slow_w = workload(
        &temp_dir("check-slow"),
        &WORKLOAD
            .replace("replicates = 2", "replicates = 5")
            .replace("value = \"100ms\"", "value = \"130ms\""),
    );
    let slow = run_summary(&d, &slow_w, "slow", &[]);
    let gate = "cost=5%,p99=10%";

    let o = lamsim(&["check", &noise, "--baseline", &base, "--max-increase", gate]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let o = lamsim(&["check", &slow, "--baseline", &base, "--max-increase", gate]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("FAIL (significant)"), "{}", stdout(&o));

    let o = lamsim(&[
        "check",
        &slow,
        "--baseline",
        &base,
        "--max-increase",
        "latency=5%",
    ]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("unknown metric `latency`"),
        "{}",
        stderr(&o)
    );
    let o = lamsim(&["check", &slow, "--baseline", "/nonexistent/summary.json"]);
    assert_eq!(code(&o), 2);
    let v2 = d.join("v2.json");
    let text = std::fs::read_to_string(&base)
        .unwrap()
        .replace("\"schema_version\": 1", "\"schema_version\": 2");
    std::fs::write(&v2, text).unwrap();
    let o = lamsim(&["check", &slow, "--baseline", v2.to_str().unwrap()]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("schema_version 2"), "{}", stderr(&o));

    // Without a baseline: the recorded SLO decides. The base run (100 ms) meets p99 150 ms; the
    // same 100 ms measured at 2,048 MB (one full vCPU) takes 100 × 1769/1024 = 173 ms at
    // 1,024 MB and violates it.
    let o = lamsim(&["check", &base]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let small_w = workload(
        &temp_dir("check-small"),
        &WORKLOAD.replace(
            "[function.duration]",
            "[function.duration]\nreference-memory-mb = 2048",
        ),
    );
    let small = run_summary(&d, &small_w, "small", &[]);
    let o = lamsim(&["check", &small]);
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    assert!(stdout(&o).contains("SLO violated"), "{}", stdout(&o));
}

/// `sweep-shard.json` is read like any input: counts that do not match its axes, or a shard
/// count out of reach, exit 2 with a message instead of sizing memory by them.
#[test]
fn edited_sweep_shard_files_exit_2_and_say_what_is_wrong() {
    let d = temp_dir("edited");
    let w = workload(&d, WORKLOAD);
    let mut dirs = Vec::new();
    for i in 0..2 {
        let sd = d.join(format!("shard{i}"));
        let shard = format!("{i}/2");
        let o = lamsim(&[
            "sweep",
            w.as_str(),
            "--memory",
            "512,1024,1769",
            "--shard",
            &shard,
            "--out",
            sd.to_str().unwrap(),
            "--quiet",
        ]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        dirs.push(sd);
    }
    let edit = |dir: &Path, key: &str, value: serde_json::Value| {
        let f = dir.join("sweep-shard.json");
        let mut j: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
        j[key] = value;
        std::fs::write(&f, serde_json::to_vec(&j).unwrap()).unwrap();
    };
    let merge = |dirs: &[&Path]| {
        let out = d.join("merged");
        let mut args = vec!["merge"];
        args.extend(dirs.iter().map(|p| p.to_str().unwrap()));
        args.extend(["--out", out.to_str().unwrap()]);
        let o = lamsim(&args);
        assert_eq!(code(&o), 2, "{}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        assert!(!out.exists(), "nothing written");
        stderr(&o)
    };
    // Three memory sizes make 3 points; a file that claims more is refused, however many.
    for total in [
        serde_json::json!(u64::MAX),
        serde_json::json!(1_000_000_000_000u64),
    ] {
        for sd in &dirs {
            edit(sd, "total_points", total.clone());
        }
        let e = merge(&[&dirs[0], &dirs[1]]);
        assert!(
            e.contains(&format!(
                "says the sweep has {total} points, but its axes make 3"
            )),
            "{e}"
        );
    }
    // A huge shard count: the message lists the first missing shards, not all of them (the
    // shard keeps only its point 0, the one point that is its own whatever the count).
    edit(&dirs[0], "total_points", serde_json::json!(3));
    let e = {
        edit(&dirs[0], "shards", serde_json::json!(u64::MAX));
        merge(&[&dirs[0]])
    };
    assert!(
        e.contains("shard 0 holds point 2 which is not its own"),
        "{e}"
    );
    let f = dirs[0].join("sweep-shard.json");
    let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
    edit(
        &dirs[0],
        "points",
        serde_json::json!([j["points"][0].clone()]),
    );
    let e = merge(&[&dirs[0]]);
    let more = u64::MAX - 1 - 10;
    assert!(
        e.contains(&format!(
            "missing shard(s) 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and {more} more of {}",
            u64::MAX
        )),
        "{e}"
    );
}

/// `--set` takes a key of `[[function]]` alone for that key of every function, as the
/// contract writes `sweep --set compute=on-demand,managed-instances`: the same sweep as the
/// full path, byte for byte.
#[test]
fn set_takes_a_function_key_alone_for_every_function() {
    let d = temp_dir("short-set");
    let w = workload(&d, WORKLOAD);
    let sweep = |key: &str| {
        let set = format!("{key}=1m,10m");
        let o = lamsim(&["sweep", w.as_str(), "--set", &set, "--quiet"]);
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        stdout(&o)
    };
    let short = sweep("keep-alive.idle");
    assert_eq!(short, sweep("function.keep-alive.idle"));
    assert!(short.contains("function.keep-alive.idle"), "{short}");
    // The contract's own command, on the managed-instances example.
    let mi = crate::repo_root().join("workloads/examples/managed-instances.toml");
    let o = lamsim(&[
        "sweep",
        mi.to_str().unwrap(),
        "--set",
        "compute=on-demand,managed-instances",
        "--quiet",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).contains("managed instances (#1) wins over on-demand (#0)"),
        "{}",
        stdout(&o)
    );
    // A top-level key keeps its meaning; an unknown one is still an error naming it.
    let o = lamsim(&[
        "sweep",
        w.as_str(),
        "--set",
        "account.concurrency-limit=10,20",
        "--quiet",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = lamsim(&["sweep", w.as_str(), "--set", "computer=a,b", "--quiet"]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("computer"), "{}", stderr(&o));
}

/// Two axes on one key would write one value over the other, so a point would not be what
/// its row says: refused with exit 2, naming both flags. Keys of different functions are
/// distinct axes.
#[test]
fn two_axes_on_one_key_are_refused() {
    let d = temp_dir("overlap");
    let w = workload(&d, WORKLOAD);
    for (args, message) in [
        (
            vec!["--memory", "512,1024", "--set", "function.memory-mb=256"],
            "--memory and --set function.memory-mb both set function.memory-mb",
        ),
        (
            vec!["--set", "memory-mb=512", "--set", "function.memory-mb=1024"],
            "--set function.memory-mb is given twice",
        ),
        (
            vec![
                "--set",
                "function.keep-alive=1",
                "--set",
                "function.keep-alive.idle=1m,2m",
            ],
            "--set function.keep-alive and --set function.keep-alive.idle both set function.keep-alive",
        ),
        (
            vec!["--memory", "512,1024", "--set", "function[0].memory-mb=256"],
            "--memory and --set function[0].memory-mb both set function.memory-mb",
        ),
    ] {
        let mut a = vec!["sweep", w.as_str(), "--quiet"];
        a.extend(args.iter().copied());
        let o = lamsim(&a);
        assert_eq!(code(&o), 2, "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
    }
    // Two functions' keys are two axes.
    let two = format!(
        "{WORKLOAD}\n[[function]]\nname = \"b\"\nmemory-mb = 512\n[function.arrivals]\nkind = \"poisson\"\nrate-per-s = 1.0\n[function.duration]\ndist = \"const\"\nvalue = \"10ms\"\n"
    );
    let d2 = temp_dir("overlap-two");
    let w2 = workload(&d2, &two);
    let o = lamsim(&[
        "sweep",
        w2.as_str(),
        "--set",
        "function[0].memory-mb=512,1024",
        "--set",
        "function[1].memory-mb=256,512",
        "--quiet",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}
