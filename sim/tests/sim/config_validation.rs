//! Workload validation: every mistake is reported, at its TOML path, with a useful hint.

use std::path::Path;

use lamsim_sim::config::{self, ConfigErrors};
use lamsim_sim::model::{Architecture, Dist, KeepAlivePolicy, Scenario};
use lamsim_sim::time::SimTime;

/// A fresh folder for files a test needs, removed when the returned guard is dropped (named
/// after the test, to read in a failure message).
pub fn temp_dir(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("lamsim-config-{name}-"))
        .tempdir()
        .expect("a temporary folder")
}

pub fn ok(text: &str) -> Scenario {
    ok_in(text, Path::new("."))
}

pub fn ok_in(text: &str, dir: &Path) -> Scenario {
    config::from_str(text, dir, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

pub fn errors(text: &str) -> ConfigErrors {
    errors_in(text, Path::new("."))
}

pub fn errors_in(text: &str, dir: &Path) -> ConfigErrors {
    match config::from_str(text, dir, "test.toml") {
        Ok(s) => panic!("expected errors, got {s:?}"),
        Err(e) => e,
    }
}

/// The error at `path`, with a message containing `msg` (panics listing all errors if none).
fn find<'a>(e: &'a ConfigErrors, path: &str, msg: &str) -> &'a config::ConfigError {
    e.errors
        .iter()
        .find(|x| x.path == path && x.message.contains(msg))
        .unwrap_or_else(|| panic!("no error at {path} containing {msg:?} in:\n{e}"))
}

/// One valid function, to which tests append keys.
const SIM: &str = "[simulation]\nduration = \"1h\"\n";

fn one_function(extra_fn: &str, arrivals: &str, duration: &str) -> String {
    format!(
        "{SIM}\n[[function]]\nname = \"f\"\nmemory-mb = 512\n{extra_fn}\n\
         [function.arrivals]\n{arrivals}\n[function.duration]\n{duration}\n"
    )
}

const POISSON: &str = "kind = \"poisson\"\nrate-per-s = 1.0";
const CONST: &str = "dist = \"const\"\nvalue = \"10ms\"";

#[test]
fn a_file_with_many_mistakes_reports_all_of_them() {
    let text = r#"
[simulation]
duration = 3600
warmup = "5m"

[account]
concurrency-limit = 300

[[function]]
name = "api"
memory-mb = 64
[function.arrivals]
kind = "poisson"
rate-per-sec = 50.0
[function.duration]
dist = "const"
value = "10ms"

[[function]]
name = "api"
memory-mb = 512
reserved-concurrency = 150
[function.arrivals]
kind = "poisson"
rate-per-s = 5.0
[function.duration]
dist = "lognormal"
median = "120ms"
p99 = "80ms"

[[function]]
name = "worker"
memory-mb = 512
reserved-concurrency = 100
[function.arrivals]
kind = "poisson"
rate-per-s = 5.0
[function.duration]
dist = "const"
value = "10ms"
"#;
    let e = errors(text);
    let unknown = find(&e, "function[0].arrivals.rate-per-sec", "unknown key");
    assert_eq!(unknown.hint.as_deref(), Some("did you mean `rate-per-s`?"));
    let bare = find(&e, "simulation.duration", "bare number");
    assert!(
        bare.hint.as_deref().unwrap().contains("\"3600s\""),
        "{bare}"
    );
    find(
        &e,
        "function[0].memory-mb",
        "must be in 128..=10240, found 64",
    );
    find(&e, "function[0].arrivals.rate-per-s", "is required");
    find(&e, "function[1].duration.p99", "must be >= median");
    find(
        &e,
        "function[1].name",
        "duplicate name \"api\" (also function[0])",
    );
    let reserved = find(
        &e,
        "function[2].reserved-concurrency",
        "reservations total 250",
    );
    assert!(reserved.message.contains("100"), "{reserved}");
    assert!(reserved.message.contains("unreserved"), "{reserved}");
    assert_eq!(e.errors.len(), 7, "{e}");

    // The rendered report names each path, as the spec's example does.
    let shown = e.to_string();
    assert!(shown.starts_with("test.toml: 7 errors"), "{shown}");
    assert!(
        shown.contains("function[1].duration.p99: must be >= median"),
        "{shown}"
    );
}

#[test]
fn toml_syntax_errors_give_line_and_column() {
    let e = errors("[simulation]\nduration = \"1h\n");
    assert_eq!(e.errors.len(), 1);
    assert!(e.errors[0].message.contains("line 2, column"), "{e}");
}

#[test]
fn a_single_function_table_is_explained() {
    let e = errors(&format!("{SIM}[function]\nname = \"f\"\n"));
    let err = find(&e, "function", "array of tables");
    assert!(err.hint.as_deref().unwrap().contains("[[function]]"));
}

#[test]
fn unknown_keys_everywhere_are_all_reported() {
    let text = format!(
        "{SIM}seeed = 3\n[acount]\nregion = \"us-east-1\"\n\n[[function]]\nname = \"f\"\nmemory_mb = 512\n\
         [function.arrivals]\n{POISSON}\n[function.duration]\n{CONST}\nrefrence-memory-mb = 512\n"
    );
    let e = errors(&text);
    assert_eq!(
        find(&e, "simulation.seeed", "unknown key").hint.as_deref(),
        Some("did you mean `seed`?")
    );
    assert_eq!(
        find(&e, "acount", "unknown key").hint.as_deref(),
        Some("did you mean `account`?")
    );
    assert_eq!(
        find(&e, "function[0].memory_mb", "unknown key")
            .hint
            .as_deref(),
        Some("did you mean `memory-mb`?")
    );
    assert_eq!(
        find(&e, "function[0].duration.refrence-memory-mb", "unknown key")
            .hint
            .as_deref(),
        Some("did you mean `reference-memory-mb`?")
    );
    // memory-mb was misspelt, so it is also missing.
    find(&e, "function[0].memory-mb", "is required");
}

#[test]
fn keys_of_another_kind_are_rejected_at_their_path() {
    let e = errors(&one_function(
        "",
        "kind = \"poisson\"\nrate-per-s = 1.0\ncount = 5",
        CONST,
    ));
    let err = find(
        &e,
        "function[0].arrivals.count",
        "does not apply to kind = \"poisson\"",
    );
    assert!(err.hint.as_deref().unwrap().contains("`rate-per-s`"));

    let e = errors(&one_function(
        "",
        "kind = \"constant\"\nrate-per-s = 1.0\ncount = 5",
        CONST,
    ));
    find(&e, "function[0].arrivals", "not both");

    let e = errors(&one_function("", "kind = \"bursty\"", CONST));
    let err = find(&e, "function[0].arrivals.kind", "unknown arrival kind");
    assert_eq!(err.hint.as_deref(), Some("did you mean `on-off`?"));
}

#[test]
fn distributions_need_exactly_one_key_set() {
    let e = errors(&one_function(
        "",
        POISSON,
        "dist = \"lognormal\"\nmedian = \"100ms\"",
    ));
    let err = find(
        &e,
        "function[0].duration",
        "`median` + `p99`, or `mean` + `cv`",
    );
    assert!(err.message.contains("found `median`"), "{err}");

    let e = errors(&one_function(
        "",
        POISSON,
        "dist = \"lognormal\"\nmedian = \"100ms\"\np99 = \"1s\"\nmean = \"200ms\"",
    ));
    find(&e, "function[0].duration", "dist = \"lognormal\" needs");

    let e = errors(&one_function(
        "",
        POISSON,
        "dist = \"exp\"\nmean = \"10ms\"\np99 = \"1s\"",
    ));
    find(
        &e,
        "function[0].duration.p99",
        "does not apply to dist = \"exp\"",
    );

    let e = errors(&one_function(
        "",
        POISSON,
        "dist = \"lognormal\"\nmedian = \"100ms\"\np99 = \"99ms\"",
    ));
    let err = find(
        &e,
        "function[0].duration.p99",
        "must be >= median (100ms), found 99ms",
    );
    assert!(err.hint.as_deref().unwrap().contains("99th percentile"));

    let e = errors(&one_function(
        "",
        POISSON,
        "dist = \"log-normal\"\nmedian = \"1ms\"\np99 = \"2ms\"",
    ));
    find(&e, "function[0].duration.dist", "unknown distribution");
}

#[test]
fn distribution_parameters_are_converted_exactly() {
    let dist = |d: &str| {
        ok(&one_function("", POISSON, d)).functions[0]
            .duration
            .dist
            .clone()
    };
    // lognormal mean + cv: σ² = ln(1 + cv²), μ = ln(mean) − σ²/2, so the mean is kept.
    let Dist::LogNormal { mu, sigma } = dist("dist = \"lognormal\"\nmean = \"100ms\"\ncv = 1.0")
    else {
        panic!()
    };
    assert!((sigma * sigma - 2f64.ln()).abs() < 1e-12);
    assert!((mu - (100f64.ln() - 2f64.ln() / 2.0)).abs() < 1e-12);
    // gamma mean + cv: shape = 1/cv², scale = mean·cv².
    assert_eq!(
        dist("dist = \"gamma\"\nmean = \"100ms\"\ncv = 0.5"),
        Dist::Gamma {
            shape: 4.0,
            scale_ms: 25.0
        }
    );
    // weibull with cv = 1 is the exponential: shape 1, scale = mean.
    let Dist::Weibull { shape, scale_ms } = dist("dist = \"weibull\"\nmean = \"100ms\"\ncv = 1")
    else {
        panic!()
    };
    assert!(
        (shape - 1.0).abs() < 1e-9 && (scale_ms - 100.0).abs() < 1e-6,
        "{shape} {scale_ms}"
    );
    assert_eq!(
        dist("dist = \"exp\"\nmean = \"2.5s\""),
        Dist::Exp { mean_ms: 2500.0 }
    );
    assert_eq!(
        dist("dist = \"const\"\nvalue = \"250us\""),
        Dist::Const { value_ms: 0.25 }
    );
}

#[test]
fn ranges_and_limits() {
    let e = errors(&one_function(
        "timeout = \"20m\"\nephemeral-storage-mb = 100\narm64-speedup = 0.0\nrouting = \"newst\"\narchitecture = \"aarch64\"",
        POISSON,
        "dist = \"const\"\nvalue = \"10ms\"\ncpu-fraction = 1.5\nthreads = 0\nreference-memory-mb = 20000",
    ));
    find(&e, "function[0].timeout", "at most 15m");
    find(&e, "function[0].ephemeral-storage-mb", "512..=10240");
    find(&e, "function[0].arm64-speedup", "greater than zero");
    assert_eq!(
        find(&e, "function[0].routing", "unknown routing")
            .hint
            .as_deref(),
        Some("did you mean `newest`?")
    );
    assert_eq!(
        find(&e, "function[0].architecture", "unknown")
            .hint
            .as_deref(),
        Some("did you mean `arm64`?")
    );
    find(&e, "function[0].duration.cpu-fraction", "in 0..=1");
    find(&e, "function[0].duration.threads", "1..=1024");
    find(
        &e,
        "function[0].duration.reference-memory-mb",
        "128..=10240",
    );

    let e = errors("[simulation]\nduration = \"1h\"\nwarmup = \"1h\"\nreplicates = 0\n");
    find(&e, "simulation.warmup", "shorter than simulation.duration");
    find(&e, "simulation.replicates", "at least 1");
    find(&e, "function", "at least one [[function]]");
}

#[test]
fn the_wave_one_invocation_key_takes_every_kind_and_names_aws_spellings() {
    let e = errors(&one_function("invocation = \"Event\"", POISSON, CONST));
    let x = find(&e, "function[0].invocation", "unknown invocation");
    assert!(x.hint.as_deref().unwrap_or("").contains("\"async\""), "{e}");
    let s = ok(&one_function("invocation = \"sqs\"", POISSON, CONST));
    assert_eq!(s.functions[0].triggers[0].kind.name(), "sqs");
    assert!(!s.functions[0].trigger_form);
    assert!(s.functions[0].event_driven());
}

#[test]
fn account_pricing_and_slo_checks() {
    let text = format!(
        "{SIM}[account]\nregion = \"useast1\"\nscaling = \"legacy\"\n\
         [pricing]\nbilling-date = \"2026-02-30\"\ngranularity = \"0ms\"\n\
         [pricing.rates]\nrequest = -1.0\nduration-x86 = \"cheap\"\n\
         [slo]\ncold-start-ratio = 2.0\np99 = 300\n"
    );
    let e = errors(&text);
    find(&e, "account.region", "does not look like an AWS region");
    find(&e, "account.scaling", "unknown scaling");
    find(&e, "pricing.billing-date", "YYYY-MM-DD");
    find(&e, "pricing.granularity", "greater than zero");
    find(&e, "pricing.rates.request", "zero or positive");
    find(&e, "pricing.rates.duration-x86", "expected a number");
    find(&e, "slo.cold-start-ratio", "in 0..=1");
    find(&e, "slo.p99", "bare number");
}

#[test]
fn provisioned_concurrency_checks() {
    let e = errors(&one_function(
        "reserved-concurrency = 5\nprovisioned-concurrency = 10",
        POISSON,
        CONST,
    ));
    find(
        &e,
        "function[0].provisioned-concurrency",
        "exceed reserved-concurrency = 5",
    );

    let schedule = "[[function.provisioned-concurrency]]\nstart = \"1h\"\nend = \"3h\"\ncount = 2\n\
                    [[function.provisioned-concurrency]]\nstart = \"2h\"\nend = \"4h\"\ncount = 3\n\
                    [[function.provisioned-concurrency]]\nstart = \"5h\"\nend = \"5h\"\ncount = 3\n";
    let text = format!(
        "[simulation]\nduration = \"6h\"\n[[function]]\nname = \"f\"\nmemory-mb = 512\n\
         [function.arrivals]\n{POISSON}\n[function.duration]\n{CONST}\n{schedule}"
    );
    let e = errors(&text);
    find(
        &e,
        "function[0].provisioned-concurrency[1]",
        "overlaps window [0]",
    );
    find(
        &e,
        "function[0].provisioned-concurrency[2].end",
        "must be after start",
    );

    let e = errors(&format!(
        "[account]\nconcurrency-limit = 50\n{}",
        one_function("provisioned-concurrency = 60", POISSON, CONST)
    ));
    find(
        &e,
        "function[0].provisioned-concurrency",
        "exceeds account.concurrency-limit = 50",
    );

    // The schedule form, in order, with an open end.
    let text = format!(
        "[simulation]\nduration = \"6h\"\n[[function]]\nname = \"f\"\nmemory-mb = 512\n\
         [function.arrivals]\n{POISSON}\n[function.duration]\n{CONST}\n\
         [[function.provisioned-concurrency]]\nstart = \"4h\"\ncount = 1\n\
         [[function.provisioned-concurrency]]\nstart = \"1h\"\nend = \"2h\"\ncount = 2\n"
    );
    let w = &ok(&text).functions[0].provisioned;
    assert_eq!(w.len(), 2);
    assert_eq!(
        (w[0].start, w[0].end, w[0].count),
        (SimTime::from_secs(3600), SimTime::from_secs(7200), 2)
    );
    assert_eq!(
        (w[1].start, w[1].end),
        (SimTime::from_secs(4 * 3600), SimTime::MAX)
    );
}

#[test]
fn runtimes_init_profiles_and_snapstart() {
    let e = errors(&one_function("runtime = \"python3.99\"", POISSON, CONST));
    let err = find(
        &e,
        "function[0].runtime",
        "no built-in profile for runtime \"python3.99\"",
    );
    assert!(err.hint.as_deref().unwrap().contains("python3.13"), "{err}");

    // No runtime: the generic profile of the architecture, nearest memory (512 MB).
    let s = ok(&one_function("architecture = \"arm64\"", POISSON, CONST));
    let generic = lamsim_sim::profiles::init_profile("generic", Architecture::Arm64, 512).unwrap();
    assert_eq!(s.functions[0].init, generic);

    // An explicit [function.init] wins, with the documented defaults.
    let s = ok(&format!(
        "{}[function.init]\ndist = \"const\"\nvalue = \"250ms\"\n",
        one_function("runtime = \"java21\"", POISSON, CONST)
    ));
    let init = &s.functions[0].init;
    assert_eq!(init.dist, Dist::Const { value_ms: 250.0 });
    assert_eq!(
        (init.reference_memory_mb, init.cpu_fraction, init.threads),
        (512, 1.0, 1)
    );

    let e = errors(&one_function(
        "runtime = \"nodejs22.x\"\nsnapstart = true",
        POISSON,
        CONST,
    ));
    find(
        &e,
        "function[0].snapstart",
        "not available for runtime \"nodejs22.x\"",
    );

    let s = ok(&one_function(
        "runtime = \"java21\"\nsnapstart = true",
        POISSON,
        CONST,
    ));
    let restore = s.functions[0].restore.as_ref().unwrap();
    assert_eq!(restore.dist, Dist::Const { value_ms: 200.0 });

    let e = errors(&format!(
        "{}[function.restore]\ndist = \"const\"\nvalue = \"1s\"\n",
        one_function("runtime = \"java21\"", POISSON, CONST)
    ));
    find(
        &e,
        "function[0].restore",
        "only applies with snapstart = true",
    );
}

#[test]
fn keep_alive_and_diurnal_checks() {
    let e = errors(&format!(
        "{}[function.keep-alive]\nkind = \"uniform\"\nmin = \"10m\"\nmax = \"5m\"\nidle = \"1m\"\n",
        one_function("", POISSON, CONST)
    ));
    find(&e, "function[0].keep-alive.max", "must be >= min");
    find(
        &e,
        "function[0].keep-alive.idle",
        "does not apply to kind = \"uniform\"",
    );

    let s = ok(&format!(
        "{}[function.keep-alive]\nkind = \"uniform\"\nmin = \"5m\"\nmax = \"15m\"\nmax-lifetime = \"2h\"\n",
        one_function("", POISSON, CONST)
    ));
    let k = &s.functions[0].keep_alive;
    assert_eq!(
        k.policy,
        KeepAlivePolicy::Uniform {
            min: SimTime::from_secs(300),
            max: SimTime::from_secs(900)
        }
    );
    assert_eq!(k.max_lifetime, Some(SimTime::from_secs(7200)));

    let hours: Vec<String> = (0..23).map(|h| format!("{h}.0")).collect();
    let e = errors(&one_function(
        "",
        &format!(
            "kind = \"diurnal\"\nhourly-rates-per-s = [{}]",
            hours.join(", ")
        ),
        CONST,
    ));
    find(&e, "function[0].arrivals.hourly-rates-per-s", "24 numbers");

    let e = errors(&one_function(
        "",
        "kind = \"diurnal\"\nmean-rate-per-s = 5.0\namplitude = 1.5",
        CONST,
    ));
    find(&e, "function[0].arrivals.amplitude", "in 0..=1");

    // Defaults: period 24h, peak-at half of it.
    let s = ok(&one_function(
        "",
        "kind = \"diurnal\"\nmean-rate-per-s = 5.0\namplitude = 0.5\nperiod = \"2h\"",
        CONST,
    ));
    let lamsim_sim::model::ArrivalProcess::Diurnal(lamsim_sim::model::DiurnalProfile::Sine {
        peak_at,
        ..
    }) = &s.functions[0].triggers[0].arrivals.process
    else {
        panic!()
    };
    assert_eq!(*peak_at, SimTime::from_secs(3600));

    let e = errors(&one_function(
        "",
        "kind = \"poisson\"\nrate-per-s = 1.0\nstart = \"30m\"\nend = \"2h\"",
        CONST,
    ));
    find(&e, "function[0].arrivals.end", "within simulation.duration");
}

#[test]
fn handler_calibration_and_seed() {
    let tmp = temp_dir("handler");
    let dir = tmp.path();
    // The calibration file must exist (it is loaded); an empty one changes nothing.
    std::fs::create_dir_all(dir.join("cal")).unwrap();
    std::fs::write(dir.join("cal/calibration.toml"), "schema-version = 1\n").unwrap();
    let s = ok_in(
        &format!(
            "[simulation]\nduration = \"1h\"\nseed = \"18446744073709551615\"\n{}",
            &one_function(
                "calibration = \"cal/calibration.toml\"\n[function.handler]\ncommand = [\"python3\", \"app.py\"]\nenv = { LOG_LEVEL = \"info\" }",
                POISSON,
                CONST,
            )[SIM.len()..]
        ),
        dir,
    );
    assert_eq!(s.simulation.seed, u64::MAX);
    let f = &s.functions[0];
    let h = f.handler.as_ref().unwrap();
    assert_eq!(h.command, ["python3", "app.py"]);
    assert_eq!(h.cwd, dir);
    assert_eq!(h.env["LOG_LEVEL"], "info");
    assert_eq!(
        f.calibration.as_deref(),
        Some(dir.join("cal/calibration.toml").as_path())
    );

    let e = errors(&one_function(
        "[function.handler]\ncommand = []",
        POISSON,
        CONST,
    ));
    find(&e, "function[0].handler.command", "must name a program");
}

#[test]
fn empirical_samples_are_read_relative_to_the_workload() {
    let tmp = temp_dir("empirical");
    let dir = tmp.path();
    std::fs::create_dir_all(dir.join("data")).unwrap();
    std::fs::write(dir.join("data/d.txt"), "# ms\n10\n20.5\n\n30\n").unwrap();
    let s = ok_in(
        &one_function("", POISSON, "dist = \"empirical\"\nfile = \"data/d.txt\""),
        dir,
    );
    let Dist::Empirical { samples_ms, path } = &s.functions[0].duration.dist else {
        panic!()
    };
    assert_eq!(**samples_ms, [10.0, 20.5, 30.0]);
    assert!(path.is_absolute());

    std::fs::write(dir.join("data/bad.txt"), "10\nfast\n-3\n").unwrap();
    let e = errors_in(
        &one_function("", POISSON, "dist = \"empirical\"\nfile = \"data/bad.txt\""),
        dir,
    );
    find(&e, "function[0].duration.file", "data/bad.txt:2: \"fast\"");
    find(&e, "function[0].duration.file", "data/bad.txt:3: \"-3\"");

    let e = errors_in(
        &one_function("", POISSON, "dist = \"empirical\"\nfile = \"missing.txt\""),
        dir,
    );
    find(
        &e,
        "function[0].duration.file",
        "cannot read \"missing.txt\"",
    );
}

#[test]
fn a_curve_keep_alive_is_read_checked_and_written_back() {
    let s = ok(&format!(
        "{}[function.keep-alive]\nkind = \"curve\"\npoints = [[\"10m\", 0], [\"11m\", 0.75], [\"20m\", 1.0]]\nmax-lifetime = \"2h\"\n",
        one_function("", POISSON, CONST)
    ));
    let k = &s.functions[0].keep_alive;
    assert_eq!(
        k.policy,
        KeepAlivePolicy::Curve {
            points: vec![
                (SimTime::from_secs(600), 0.0),
                (SimTime::from_secs(660), 0.75),
                (SimTime::from_secs(1200), 1.0)
            ]
            .into()
        }
    );
    // The resolved workload says the same curve.
    let again = ok(&config::resolved::to_resolved_toml(&s));
    assert_eq!(again.functions[0].keep_alive, *k);

    let bad = |points: &str| {
        errors(&format!(
            "{}[function.keep-alive]\nkind = \"curve\"\npoints = {points}\n",
            one_function("", POISSON, CONST)
        ))
    };
    let p = "function[0].keep-alive.points";
    find(
        &bad("[[\"10m\", 0.1], [\"11m\", 1.0]]"),
        &format!("{p}[0][1]"),
        "its probability must be 0",
    );
    find(
        &bad("[[\"10m\", 0.0], [\"11m\", 0.9]]"),
        &format!("{p}[1][1]"),
        "its probability must be 1",
    );
    find(
        &bad("[[\"10m\", 0.0], [\"9m\", 0.5], [\"11m\", 1.0]]"),
        &format!("{p}[1][0]"),
        "idle times must not decrease",
    );
    find(
        &bad("[[\"10m\", 0.0], [\"11m\", 0.6], [\"12m\", 0.5], [\"13m\", 1.0]]"),
        &format!("{p}[2][1]"),
        "probabilities must not decrease",
    );
    find(
        &bad("[[\"10m\", 0.0], [\"11m\", 1.5]]"),
        &format!("{p}[1][1]"),
        "a probability in [0, 1]",
    );
    find(
        &bad("[[\"10m\", 0.0], \"11m\"]"),
        &format!("{p}[1]"),
        "expected a pair",
    );
    find(
        &bad("[[\"10m\", 0.0], [660, 1.0]]"),
        &format!("{p}[1][0]"),
        "",
    );
    find(&bad("[[\"10m\", 0.0]]"), p, "at least two points");
    find(&bad("\"10m\""), p, "expected an array");
    let e = errors(&format!(
        "{}[function.keep-alive]\nkind = \"curve\"\nidle = \"10m\"\n",
        one_function("", POISSON, CONST)
    ));
    find(&e, p, "is required");
    find(
        &e,
        "function[0].keep-alive.idle",
        "does not apply to kind = \"curve\"",
    );
}

/// `p99 = median` is accepted (the contract's rule is `p99 >= median`): the lognormal without
/// spread, whose every sample is the median.
#[test]
fn a_lognormal_whose_p99_is_its_median_is_that_constant() {
    use rand::SeedableRng;
    let s = ok(&one_function(
        "",
        POISSON,
        "dist = \"lognormal\"\nmedian = \"100ms\"\np99 = \"100ms\"",
    ));
    let f = &s.functions[0];
    let Dist::LogNormal { mu, sigma } = f.duration.dist else {
        panic!("{:?}", f.duration.dist)
    };
    assert_eq!((mu, sigma), (100f64.ln(), 0.0));
    let sampler = lamsim_sim::dist::Sampler::new(&f.duration, f.memory_mb, f.architecture, 1.0);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    for _ in 0..1000 {
        assert_eq!(sampler.sample(&mut rng), SimTime::from_millis(100));
    }
}

/// An integer TOML cannot hold stops the parser before any key is read; the error still
/// names the key and its table, and says how to write a large seed (only for a seed).
#[test]
fn an_integer_too_large_for_toml_names_its_key() {
    let e = errors("[simulation]\nduration = \"1h\"\nseed = 18446744073709551615\n");
    let text = e.to_string();
    assert!(
        text.contains("line 3, column 8 (`seed` in [simulation])"),
        "{text}"
    );
    assert!(text.contains("seed = \"18446744073709551615\""), "{text}");
    let e = errors(&format!(
        "{}\n[[function]]\nname = \"a\"\nmemory-mb = 99999999999999999999999\n",
        "[simulation]\nduration = \"1h\""
    ));
    // Only a seed may be written as a string of digits: another key is told it is out of
    // range, not how to write a seed.
    assert!(!e.to_string().contains("larger seed"), "{e}");
    assert!(
        e.to_string().contains("far beyond what this key takes"),
        "{e}"
    );
    assert!(
        e.to_string().contains("(`memory-mb` in [[function]])"),
        "{e}"
    );
}

/// Extreme values are quoted short in messages (`1e308`, not 309 digits), and a float too
/// large for an integer key gets no hint to write a saturated whole number.
#[test]
fn extreme_values_are_quoted_short() {
    let e = errors(&one_function(
        "arm64-speedup = 1e308\nlog-bytes = 1e30",
        POISSON,
        CONST,
    ));
    let text = e.to_string();
    assert!(
        text.contains("function[0].arm64-speedup: must be in 0.01..=100, found 1e308"),
        "{text}"
    );
    assert!(!text.contains("9223372036854775807"), "{text}");
    assert!(
        text.contains("function[0].log-bytes: expected an integer"),
        "{text}"
    );
}

/// AWS does not run SnapStart and provisioned concurrency on one function version: either
/// with `snapstart = true` is refused at its key (a count of 0, as resolved files write it, is
/// none). Auto scaling's `max` beyond the account limit is reported at that key, which the file
/// has, not at `provisioned-concurrency`, which it does not.
#[test]
fn snapstart_with_provisioned_concurrency_is_refused_and_limits_name_their_key() {
    let snap = "runtime = \"java21\"\nsnapstart = true";
    let e = errors(&one_function(
        &format!("{snap}\nprovisioned-concurrency = 2"),
        POISSON,
        CONST,
    ));
    let err = find(&e, "function[0].provisioned-concurrency", "snapstart");
    assert!(
        err.hint.as_deref().unwrap_or("").contains("keep one"),
        "{e}"
    );
    ok(&one_function(
        &format!("{snap}\nprovisioned-concurrency = 0"),
        POISSON,
        CONST,
    ));
    // Nor SnapStart with more than 512 MB of ephemeral storage.
    let e = errors(&one_function(
        &format!("{snap}\nephemeral-storage-mb = 1024"),
        POISSON,
        CONST,
    ));
    find(&e, "function[0].ephemeral-storage-mb", "snapstart");
    ok(&one_function(
        &format!("{snap}\nephemeral-storage-mb = 512"),
        POISSON,
        CONST,
    ));
    let autoscaling = "[function.provisioned-autoscaling]\nmin = 1\nmax = 4\n";
    let e = errors(&format!(
        "{}{autoscaling}",
        one_function(snap, POISSON, CONST)
    ));
    find(&e, "function[0].provisioned-autoscaling", "snapstart");
    let e = errors(&format!(
        "{}[function.provisioned-autoscaling]\nmin = 1\nmax = 2000\n",
        one_function("", POISSON, CONST)
    ));
    find(
        &e,
        "function[0].provisioned-autoscaling.max",
        "2000 exceeds account.concurrency-limit = 1000",
    );
}
