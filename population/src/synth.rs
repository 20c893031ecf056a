//! A seeded generator of account-scale populations in the Azure Functions 2019 schema, drawn
//! from the distributions of a real excerpt (by default the 100-function excerpt in
//! `workloads/populations/azure2019/`), so that a 10,000-function, 24-hour account can be
//! simulated without committing a large file.
//!
//! Each synthetic function copies one function of the excerpt chosen uniformly at random (its
//! trigger, its memory, the shape of its traffic over the excerpt's minutes) and varies it:
//!
//! - **traffic**: the excerpt's per-minute counts, tiled over the requested hours from a
//!   random phase, each minute's count redrawn as a Poisson variate of the template's count
//!   times a per-function log-normal multiplier (`exp(N(0, 1))`, median 1, which keeps the
//!   heavy tail of invocation rates across functions); timer-triggered functions keep their
//!   exact schedule (a timer does not scale with load);
//! - **durations**: the template's seven percentiles times a per-function log-normal factor
//!   (`exp(N(0, 0.5))`);
//! - **memory**: the template's.
//!
//! The output is three CSV files in the Azure 2019 schema (`invocations.csv`, `durations.csv`,
//! `memory.csv`, minute columns `1..=60·hours`) and a `workload.toml` that reads them.

use std::io::Write;
use std::path::{Path, PathBuf};

use rand::{Rng, RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson, StandardNormal};

use lamsim_sim::config::policy::population::ReadError;

use crate::azure2019::{self, DURATION_PERCENTILES};

/// What to generate.
#[derive(Clone, Debug)]
pub struct SynthOptions {
    /// Functions to generate.
    pub functions: usize,
    /// Hours of traffic (minute columns = 60 × hours).
    pub hours: u32,
    /// Seed of every draw.
    pub seed: u64,
    /// The folder of the excerpt the distributions come from (`invocations.csv`,
    /// `durations.csv`, `memory.csv`).
    pub from: PathBuf,
    /// `[account] concurrency-limit` of the written workload (see
    /// [`CONCURRENCY_LIMIT`]).
    pub concurrency_limit: u32,
}

/// Default account concurrency limit of a synthesized workload: a large account's raised
/// quota. With AWS's default of 1,000, the 10,000-function day of seed 1 has about 60 % of
/// its requests throttled, which says more about the quota than about the functions.
pub const CONCURRENCY_LIMIT: u32 = 50_000;

/// The most functions one call generates: ten times the 10,000-function account of the
/// benchmarks. The invocations file has one row per function and one column per minute, so
/// this bounds it (about 3 GB at a day) together with [`MAX_HOURS`].
pub const MAX_FUNCTIONS: usize = 100_000;

/// The most hours one call generates: 14 days, the length of the Azure Functions 2019 trace.
pub const MAX_HOURS: u32 = 14 * 24;

/// The Azure 2019 files of an excerpt (`--from`) and of a population folder.
pub const INVOCATIONS_CSV: &str = "invocations.csv";
/// See [`INVOCATIONS_CSV`].
pub const DURATIONS_CSV: &str = "durations.csv";
/// See [`INVOCATIONS_CSV`] (optional in an excerpt).
pub const MEMORY_CSV: &str = "memory.csv";

/// The files of an excerpt that [`synthesize`] reads.
pub const EXCERPT_FILES: [&str; 3] = [INVOCATIONS_CSV, DURATIONS_CSV, MEMORY_CSV];

/// The files a population folder holds: what [`synthesize`] writes.
pub const FILES: [&str; 4] = [INVOCATIONS_CSV, DURATIONS_CSV, MEMORY_CSV, "workload.toml"];

/// What was generated.
#[derive(Clone, Debug, PartialEq)]
pub struct Synthesized {
    /// Functions written.
    pub functions: usize,
    /// Invocations over all functions and minutes.
    pub invocations: u64,
    /// Files written.
    pub files: Vec<PathBuf>,
}

/// One function of the excerpt, as the generator uses it.
#[derive(Clone, Debug)]
struct Template {
    trigger: String,
    counts: Vec<u32>,
    percentiles: Vec<f64>,
    memory_mb: Option<f64>,
}

/// Why generation failed.
#[derive(Debug)]
pub struct SynthError(pub String);

impl std::fmt::Display for SynthError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SynthError {}

fn io(path: &Path, e: impl std::fmt::Display) -> SynthError {
    SynthError(format!("{}: {e}", path.display()))
}

/// The excerpt's functions that have both invocations and durations, in file order, read by
/// the same code as `kind = "azure2019"` ([`crate::azure2019`]).
fn templates(from: &Path) -> Result<Vec<Template>, SynthError> {
    let read_error = |e: ReadError| SynthError(e.message);
    let invocations = azure2019::read_invocations(&from.join(INVOCATIONS_CSV), "invocations")
        .map_err(read_error)?;
    let durations =
        azure2019::read_durations(&from.join(DURATIONS_CSV), "durations").map_err(read_error)?;
    let mem = from.join(MEMORY_CSV);
    let memory = if mem.is_file() {
        azure2019::read_memory(&mem, "memory").map_err(read_error)?
    } else {
        azure2019::Memory::default()
    };
    let out: Vec<Template> = invocations
        .rows
        .iter()
        .filter_map(|row| {
            let points = durations.get(&row.key)?;
            let mut counts = vec![0; invocations.minutes as usize];
            for &(m, c) in &row.counts {
                counts[m as usize] = c;
            }
            Some(Template {
                trigger: row.trigger.clone(),
                counts,
                percentiles: points.iter().map(|p| p.1).collect(),
                memory_mb: memory.of(&row.key),
            })
        })
        .collect();
    if out.is_empty() || out[0].counts.is_empty() {
        return Err(SynthError(format!(
            "{}: no function with both invocations and durations",
            from.display()
        )));
    }
    Ok(out)
}

fn hash(rng: &mut ChaCha8Rng) -> String {
    (0..4).map(|_| format!("{:016x}", rng.next_u64())).collect()
}

/// Generates a population into `out` (created if needed). See the module docs.
pub fn synthesize(opts: &SynthOptions, out: &Path) -> Result<Synthesized, SynthError> {
    if opts.functions == 0 || opts.hours == 0 {
        return Err(SynthError(
            "--functions and --hours must be at least 1".into(),
        ));
    }
    if opts.functions > MAX_FUNCTIONS || opts.hours > MAX_HOURS {
        return Err(SynthError(format!(
            "--functions {} --hours {}: at most {MAX_FUNCTIONS} functions and {MAX_HOURS} hours \
             (the 14 days of the Azure Functions 2019 trace); larger populations are written in \
             parts and run as shards",
            opts.functions, opts.hours
        )));
    }
    let templates = templates(&opts.from)?;
    std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
    let minutes = opts.hours as usize * 60;
    let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
    let paths = [
        out.join(INVOCATIONS_CSV),
        out.join(DURATIONS_CSV),
        out.join(MEMORY_CSV),
    ];
    let create = |p: &Path| {
        std::fs::File::create(p)
            .map(std::io::BufWriter::new)
            .map_err(|e| io(p, e))
    };
    let (mut inv, mut dur, mut mem) = (create(&paths[0])?, create(&paths[1])?, create(&paths[2])?);
    let w = |r: std::io::Result<()>, p: &Path| r.map_err(|e| io(p, e));
    let mut header = String::from("HashOwner,HashApp,HashFunction,Trigger");
    for m in 1..=minutes {
        header.push_str(&format!(",{m}"));
    }
    w(writeln!(inv, "{header}"), &paths[0])?;
    let names: Vec<&str> = DURATION_PERCENTILES.iter().map(|(_, n)| *n).collect();
    w(
        writeln!(
            dur,
            "HashOwner,HashApp,HashFunction,Average,Count,Minimum,Maximum,{}",
            names.join(",")
        ),
        &paths[1],
    )?;
    w(
        writeln!(
            mem,
            "HashFunction,HashOwner,HashApp,SampleCount,AverageAllocatedMb,AverageAllocatedMb_pct100"
        ),
        &paths[2],
    )?;
    let mut total = 0u64;
    let mut owner = hash(&mut rng);
    let mut app = hash(&mut rng);
    let mut line = String::new();
    for k in 0..opts.functions {
        // About five functions per application, twenty per owner.
        if k % 20 == 0 {
            owner = hash(&mut rng);
        }
        if k % 5 == 0 {
            app = hash(&mut rng);
        }
        let function = hash(&mut rng);
        let t = &templates[rng.random_range(0..templates.len())];
        let timer = t.trigger == "timer";
        let z: f64 = StandardNormal.sample(&mut rng);
        let multiplier = if timer { 1.0 } else { z.exp() };
        let phase = rng.random_range(0..t.counts.len());
        line.clear();
        line.push_str(&format!("{owner},{app},{function},{}", t.trigger));
        let mut count = 0u64;
        for m in 0..minutes {
            let base = t.counts[(m + phase) % t.counts.len()] as f64;
            let c = if base == 0.0 {
                0
            } else if timer {
                base as u64
            } else {
                Poisson::new(base * multiplier)
                    .map(|p| p.sample(&mut rng) as u64)
                    .unwrap_or(0)
            };
            count += c;
            line.push(',');
            line.push_str(&c.to_string());
        }
        total += count;
        w(writeln!(inv, "{line}"), &paths[0])?;
        let zd: f64 = StandardNormal.sample(&mut rng);
        let factor = (0.5 * zd).exp();
        let p: Vec<f64> = t.percentiles.iter().map(|x| (x * factor).round()).collect();
        let avg = p[3];
        let ps: Vec<String> = p.iter().map(|x| format!("{x}")).collect();
        w(
            writeln!(
                dur,
                "{owner},{app},{function},{avg},{count},{},{},{}",
                p[0],
                p[6],
                ps.join(",")
            ),
            &paths[1],
        )?;
        let mb = t.memory_mb.unwrap_or(128.0);
        w(
            writeln!(mem, "{function},{owner},{app},1,{mb},{mb}"),
            &paths[2],
        )?;
    }
    for (f, p) in [
        (&mut inv, &paths[0]),
        (&mut dur, &paths[1]),
        (&mut mem, &paths[2]),
    ] {
        w(f.flush(), p)?;
    }
    let workload = out.join("workload.toml");
    let text = format!(
        "# A synthetic account: {n} functions over {h} h, drawn (seed {seed}) from the\n\
         # distributions of the Azure Functions 2019 excerpt in {from} (CC-BY 4.0, see\n\
         # workloads/populations/README.md). Generated by `lamsim synthesize-population`.\n\n\
         [simulation]\nduration = \"{h}h\"\nseed = {seed}\n\n\
         [account]\nconcurrency-limit = {limit}   # a raised quota; AWS's default is 1000\n\n\
         [[population]]\nkind = \"azure2019\"\nname = \"synth\"\n\
         invocations = \"invocations.csv\"\ndurations = \"durations.csv\"\nmemory = \"memory.csv\"\n\n\
         [population.defaults]\ntimeout = \"15m\"\n",
        n = opts.functions,
        h = opts.hours,
        seed = opts.seed,
        limit = opts.concurrency_limit,
        from = opts.from.display(),
    );
    std::fs::write(&workload, text).map_err(|e| io(&workload, e))?;
    let mut files = paths.to_vec();
    files.push(workload);
    Ok(Synthesized {
        functions: opts.functions,
        invocations: total,
        files,
    })
}
