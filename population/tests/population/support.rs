//! Shared helpers: small hand-written traces, loading a workload with the population reader,
//! and the arrival times an engine run produces.

use std::path::Path;

use lamsim_sim::config::{self, ConfigErrors};
use lamsim_sim::model::Scenario;
use lamsim_sim::observer::{Invocation, Observer};
use lamsim_sim::runner::run_replicate_with;
use lamsim_sim::time::SimTime;

/// Parses and validates `text` with relative paths from `dir`, the population reader
/// registered.
pub fn load(text: &str, dir: &Path) -> Result<Scenario, ConfigErrors> {
    lamsim_population::register();
    config::from_str(text, dir, "w.toml")
}

/// Like [`load`], panicking with the errors.
pub fn scenario(text: &str, dir: &Path) -> Scenario {
    load(text, dir).unwrap_or_else(|e| panic!("{e}"))
}

/// The errors of an invalid workload.
pub fn errors(text: &str, dir: &Path) -> ConfigErrors {
    match load(text, dir) {
        Ok(_) => panic!("the workload should be invalid:\n{text}"),
        Err(e) => e,
    }
}

/// Arrival times per function in one replicate.
#[derive(Default)]
pub struct ArrivalLog(pub Vec<Vec<SimTime>>);

impl Observer for ArrivalLog {
    fn on_arrival(&mut self, t: SimTime, function: u32) {
        let f = function as usize;
        if self.0.len() <= f {
            self.0.resize(f + 1, Vec::new());
        }
        self.0[f].push(t);
    }
}

/// Every completed invocation: function, arrival and execution time.
#[derive(Default)]
pub struct Execs(pub Vec<(u32, SimTime, SimTime)>);

impl Observer for Execs {
    fn on_complete(&mut self, _t: SimTime, inv: &Invocation) {
        self.0.push((inv.function, inv.arrival, inv.exec));
    }
}

/// The arrival times of each function of `s` with `seed`.
pub fn arrivals(s: &Scenario, seed: u64) -> Vec<Vec<SimTime>> {
    let (_, mut log, _) = run_replicate_with(s, seed, ArrivalLog::default(), &|_| {});
    log.0.resize(s.functions.len(), Vec::new());
    log.0
}

const HASH_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const HASH_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

/// A function hash: 64 hex digits, distinct per `k`, differing in the first 12.
pub fn hash(k: usize) -> String {
    format!("{k:012x}{}", &HASH_B[12..])
}

/// Writes an Azure 2019 excerpt: one row per function with its per-minute counts (minute
/// columns labelled from `first_minute`), duration percentiles (ms) and memory (MB).
pub fn write_azure2019(dir: &Path, first_minute: u32, rows: &[(&[u32], [f64; 7], f64)]) {
    let minutes = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let mut inv = String::from("HashOwner,HashApp,HashFunction,Trigger");
    for m in 0..minutes {
        inv.push_str(&format!(",{}", first_minute + m as u32));
    }
    inv.push('\n');
    let mut dur = String::from(
        "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,percentile_Average_0,percentile_Average_1,percentile_Average_25,percentile_Average_50,percentile_Average_75,percentile_Average_99,percentile_Average_100\n",
    );
    let mut mem = String::from(
        "HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct1,AverageAllocatedMb_pct5,AverageAllocatedMb_pct25,AverageAllocatedMb_pct50,AverageAllocatedMb_pct75,AverageAllocatedMb_pct95,AverageAllocatedMb_pct99,AverageAllocatedMb_pct100\n",
    );
    for (k, (counts, p, mb)) in rows.iter().enumerate() {
        // One application per function, so the per-application memory file maps one to one.
        let app = format!("{k:064x}");
        inv.push_str(&format!("{HASH_A},{app},{},http", hash(k)));
        for m in 0..minutes {
            inv.push_str(&format!(",{}", counts.get(m).unwrap_or(&0)));
        }
        inv.push('\n');
        let ps: Vec<String> = p.iter().map(|x| x.to_string()).collect();
        dur.push_str(&format!(
            "{HASH_A},{app},{},{},1,{},{},{}\n",
            hash(k),
            p[3],
            p[0],
            p[6],
            ps.join(",")
        ));
        mem.push_str(&format!(
            "{HASH_A},{app},1,{mb},{mb},{mb},{mb},{mb},{mb},{mb},{mb},{mb}\n"
        ));
    }
    std::fs::write(dir.join("invocations.csv"), inv).unwrap();
    std::fs::write(dir.join("durations.csv"), dur).unwrap();
    std::fs::write(dir.join("memory.csv"), mem).unwrap();
}

/// A workload reading the excerpt of [`write_azure2019`] over `duration`, with extra
/// `[[population]]` keys and `[population.defaults]` lines.
pub fn azure2019_workload(duration: &str, keys: &str, defaults: &str) -> String {
    format!(
        "[simulation]\nduration = \"{duration}\"\nseed = 3\n\n[[population]]\nkind = \"azure2019\"\ninvocations = \"invocations.csv\"\ndurations = \"durations.csv\"\nmemory = \"memory.csv\"\n{keys}\n[population.defaults]\ntimeout = \"15m\"\n{defaults}\n"
    )
}

/// The repository's `workloads/` folder.
pub fn workloads() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../workloads")
}
