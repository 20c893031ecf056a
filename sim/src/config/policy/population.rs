//! `[[population]]`: thousands of functions from a trace (spec section 8).
//!
//! A population names trace files and how to turn them into functions; a [`Reader`] (in the
//! `lamsim-population` crate, which reads CSV and Parquet with polars, registered by the
//! program with [`set_reader`]) turns the files into [`Member`]s; this module checks the keys,
//! selects members (`select`), and expands each into a [`Function`]: the
//! `[population.defaults]` table validated once as a `[[function]]` (errors at
//! `population[i].defaults.…`), then the member's name, arrivals, duration and memory.
//!
//! | key | default | meaning |
//! |---|---|---|
//! | `kind` | required | `"azure2019"`, `"azure2021"` or `"table"` |
//! | `name` | the kind | prefix of member names: `NAME-ID` |
//! | `invocations`, `durations`, `memory` | — | `azure2019` files (`memory` optional) |
//! | `file` | — | `azure2021` and `table`: the CSV or Parquet file |
//! | `function-column`, `timestamp-column`, `duration-column` | `function`, `timestamp`, `duration` | `table` columns (timestamp in s, duration in ms; the default duration column is optional, a named one required) |
//! | `select` | `"all"` | `"all"`, `"top:N"` (most invocations), `"sample:F"` (seeded) |
//! | `seed` | `[simulation] seed` | the seed of `sample:F` |
//! | `minute-arrivals` | `"uniform"` | `azure2019`: `"uniform"`, `"poisson"` or `"even"` |
//! | `rate-scale` | 1.0 | multiplies every member's traffic |
//! | `[population.defaults]` | — | any `[[function]]` key but `name`, `arrivals`, `trigger`; a `duration` with `dist` replaces the trace's durations, one with scaling keys only scales them |

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

use super::function;
use super::limits::Limits;
use crate::config::raw::{Integer, Lenient, Number, Text};
use crate::config::values::Validator;
use crate::model::{
    ArrivalProcess, Dist, Function, MinuteArrivals, PeriodCounts, Population, PopulationKind, Trace,
};
use crate::rng::splitmix64;
use crate::time::SimTime;

/// Default `rate-scale`.
pub const RATE_SCALE: f64 = 1.0;
/// Default `function-column` of a `table`.
pub const FUNCTION_COLUMN: &str = "function";
/// Default `timestamp-column` of a `table` (seconds).
pub const TIMESTAMP_COLUMN: &str = "timestamp";
/// Default `duration-column` of a `table` (milliseconds; optional in the file).
pub const DURATION_COLUMN: &str = "duration";
/// Memory of members whose trace gives none and whose defaults set none: AWS's smallest size.
pub const MEMORY_MB: u32 = 128;

/// One `[[population]]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `kind = "azure2019"`.
    pub kind: Option<Text>,
    /// `name = "prod"`: prefix of the members' names.
    pub name: Option<Text>,
    /// `invocations = "invocations_per_function_md.anon.d01.csv"` (`azure2019`).
    pub invocations: Option<Text>,
    /// `durations = "function_durations_percentiles.anon.d01.csv"` (`azure2019`).
    pub durations: Option<Text>,
    /// `memory = "app_memory_percentiles.anon.d01.csv"` (`azure2019`, optional).
    pub memory: Option<Text>,
    /// `file = "trace.parquet"` (`azure2021`, `table`).
    pub file: Option<Text>,
    /// `function-column = "function"` (`table`).
    pub function_column: Option<Text>,
    /// `timestamp-column = "timestamp"` (`table`, seconds).
    pub timestamp_column: Option<Text>,
    /// `duration-column = "duration"` (`table`, milliseconds).
    pub duration_column: Option<Text>,
    /// `select = "top:1000"`.
    pub select: Option<Text>,
    /// `seed = 7`: seed of `select = "sample:F"`.
    pub seed: Option<Integer>,
    /// `minute-arrivals = "uniform"`.
    pub minute_arrivals: Option<Text>,
    /// `rate-scale = 1.0`.
    pub rate_scale: Option<Number>,
    /// `[population.defaults]`: `[[function]]` keys applied to every member.
    pub defaults: Option<toml::Table>,
}

/// The files of a population, by kind.
#[derive(Clone, Debug, PartialEq)]
pub enum Files {
    /// `azure2019`.
    Azure2019 {
        /// `invocations`: per-minute counts.
        invocations: PathBuf,
        /// `durations`: duration percentiles.
        durations: PathBuf,
        /// `memory`: memory percentiles, when given.
        memory: Option<PathBuf>,
    },
    /// `azure2021`: `file`.
    Azure2021 {
        /// The per-invocation trace.
        file: PathBuf,
    },
    /// `table`: `file` and its columns.
    Table {
        /// The CSV or Parquet file.
        file: PathBuf,
        /// `function-column`.
        function: String,
        /// `timestamp-column` (seconds).
        timestamp: String,
        /// `duration-column` (milliseconds): the column named by the key, which the file must
        /// have, or None for the default [`DURATION_COLUMN`], used when the file has it.
        duration: Option<String>,
    },
}

/// What a [`Reader`] reads: the files of one population.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// `population[i]`, for messages.
    pub path: String,
    /// The files.
    pub files: Files,
}

/// One function of a trace.
#[derive(Clone, Debug, PartialEq)]
pub struct Member {
    /// Its identifier in the trace (a hash for the Azure traces).
    pub id: String,
    /// When it is invoked.
    pub arrivals: MemberArrivals,
    /// Its duration distribution (`azure2019` percentiles), if the trace gives one.
    pub duration: Option<Dist>,
    /// Its memory, MB, if the trace gives it (already within 128..=10240).
    pub memory_mb: Option<u32>,
}

/// A member's invocations.
#[derive(Clone, Debug, PartialEq)]
pub enum MemberArrivals {
    /// `(minute, count)` for each minute with invocations, ascending, counted from the
    /// trace's first minute.
    Minutes(Vec<(u32, u32)>),
    /// One arrival time per request, ascending, with its duration when the trace has them.
    Requests {
        /// Arrival offsets from the trace's start.
        times: Vec<SimTime>,
        /// Execution durations, same order.
        durations: Option<Vec<SimTime>>,
    },
}

impl Member {
    /// Invocations in the trace.
    pub fn invocations(&self) -> u64 {
        match &self.arrivals {
            MemberArrivals::Minutes(m) => m.iter().map(|&(_, c)| c as u64).sum(),
            MemberArrivals::Requests { times, .. } => times.len() as u64,
        }
    }
}

/// Why a population's files could not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct ReadError {
    /// The key naming the file at fault (`invocations`, `file`, …), or empty for the table.
    pub key: &'static str,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// Reads a population's files into members (implemented by `lamsim-population`).
pub trait Reader: Send + Sync {
    /// The members of the trace, in file order.
    fn read(&self, spec: &Spec) -> Result<Vec<Member>, ReadError>;
}

static READER: OnceLock<&'static dyn Reader> = OnceLock::new();

/// Registers the reader of population files for this process (the first registration wins).
/// Without one, a workload with a `[[population]]` is an error that says so.
pub fn set_reader(reader: &'static dyn Reader) {
    let _ = READER.set(reader);
}

/// `select`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Select {
    /// `"all"` (default).
    All,
    /// `"top:N"`: the N most invoked.
    Top(usize),
    /// `"sample:F"`: `round(F × n)` members drawn without replacement, seeded.
    Sample(f64),
}

impl Select {
    fn text(self) -> String {
        match self {
            Select::All => "all".into(),
            Select::Top(n) => format!("top:{n}"),
            Select::Sample(f) => format!("sample:{f}"),
        }
    }
}

/// What `check` needs from the rest of the file.
pub(crate) struct Context<'a> {
    pub(crate) window: Option<SimTime>,
    pub(crate) start_at: i64,
    pub(crate) region: &'a str,
    pub(crate) seed: u64,
    /// Index of the population's first member in the scenario's functions.
    pub(crate) first: usize,
}

/// Validates `population[i]` and expands it; returns the population, its member functions and
/// their limits, or None after reporting every error.
pub(crate) fn check(
    v: &mut Validator,
    i: usize,
    raw: &Raw,
    cx: &Context,
) -> Option<(Population, Vec<Function>, Vec<Limits>)> {
    let p = format!("population[{i}]");
    let at = |k: &str| format!("{p}.{k}");
    let kind = match v.text(&at("kind"), &raw.kind) {
        None => {
            if raw.kind.is_none() {
                v.missing(&at("kind"), "kind = \"azure2019\"");
            }
            None
        }
        Some(k) => match PopulationKind::parse(&k) {
            Some(kind) => Some(kind),
            None => {
                let other = k.as_str();
                let hint = match crate::config::hints::suggest(other, &PopulationKind::NAMES) {
                    Some(s) => format!("did you mean \"{s}\"?"),
                    None => "one of \"azure2019\", \"azure2021\", \"table\"".into(),
                };
                v.err(&at("kind"), format!("unknown kind \"{other}\""), Some(hint));
                None
            }
        },
    };
    let name = match &raw.name {
        None => kind.map(|k| k.as_str().to_string()),
        Some(_) => v.text(&at("name"), &raw.name).and_then(|n| {
            if !n.is_empty()
                && n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                Some(n)
            } else {
                v.err(
                    &at("name"),
                    format!("\"{n}\" is not a valid name prefix"),
                    Some("use letters, digits, '-' and '_'".into()),
                );
                None
            }
        }),
    };
    let files = kind.and_then(|k| files(v, &p, k, raw));
    let select = select(v, &at("select"), &raw.select);
    let seed = match &raw.seed {
        None => Some(cx.seed),
        Some(_) => v
            .integer(&at("seed"), &raw.seed)
            .and_then(|s| u64::try_from(s).ok())
            .or_else(|| {
                if matches!(raw.seed, Some(Lenient::Ok(s)) if s < 0) {
                    v.err(&at("seed"), "must be zero or more", None);
                }
                None
            }),
    };
    let within = match v.text(&at("minute-arrivals"), &raw.minute_arrivals) {
        None => raw
            .minute_arrivals
            .is_none()
            .then_some(MinuteArrivals::Uniform),
        Some(m) => match MinuteArrivals::parse(&m) {
            Some(w) => Some(w),
            None => {
                let other = m.as_str();
                v.err(
                    &at("minute-arrivals"),
                    format!("unknown value \"{other}\""),
                    Some("one of \"uniform\" (the minute's count at random instants), \"poisson\" (a Poisson process at the minute's rate), \"even\" (evenly spaced)".into()),
                );
                None
            }
        },
    };
    if raw.minute_arrivals.is_some() && kind.is_some_and(|k| k != PopulationKind::Azure2019) {
        v.err(
            &at("minute-arrivals"),
            "applies only to kind = \"azure2019\" (per-minute counts)",
            Some("remove it: this trace has one timestamp per request".into()),
        );
    }
    let scale = match &raw.rate_scale {
        None => Some(RATE_SCALE),
        Some(_) => v.number_where(
            &at("rate-scale"),
            &raw.rate_scale,
            |x| x > 0.0 && x <= 1e6,
            "a number in (0, 1000000]",
        ),
    };
    let defaults = raw.defaults.clone().unwrap_or_default();
    let template = template(v, &at("defaults"), &defaults, cx);

    let (kind, name, files, select, seed, within, scale) =
        (kind?, name?, files?, select?, seed?, within?, scale?);
    let (template, limits, has) = template?;
    let Some(reader) = READER.get() else {
        v.err(
            &p,
            "this program cannot read population traces",
            Some("run it with the lamsim command line, which reads them".into()),
        );
        return None;
    };
    let spec = Spec {
        path: p.clone(),
        files: files.clone(),
    };
    let mut members = match reader.read(&spec) {
        Ok(m) => m,
        Err(e) => {
            let path = if e.key.is_empty() {
                p.clone()
            } else {
                at(e.key)
            };
            v.err(&path, e.message, e.hint);
            return None;
        }
    };
    let trace_functions = members.len();
    if members.is_empty() {
        v.err(&p, "the trace has no functions", None);
        return None;
    }
    members = choose(members, select, splitmix64(seed ^ i as u64));
    if let Some(window) = cx.window
        && let Some(first) = first_request(&members)
        && first >= window
    {
        // Every request falls past the end: the timestamps are not counted from the window's
        // start (epoch seconds, say). The run would have no traffic at all.
        v.err(
            &p,
            format!(
                "every request of the trace falls after the window's end: the first arrives at {} s, the window ends at {} s",
                crate::config::hints::number(first.as_secs_f64()),
                crate::config::hints::number(window.as_secs_f64())
            ),
            Some(
                "timestamps are seconds from the start of the window: subtract the first one (or lengthen [simulation] duration)"
                    .into(),
            ),
        );
        return None;
    }
    let ids = short_ids(&members);
    if !has.dist {
        // A function the trace never invokes needs no duration: it runs nothing.
        let missing: Vec<&str> = members
            .iter()
            .zip(&ids)
            .filter(|(m, _)| {
                m.duration.is_none() && !has_request_durations(m) && m.invocations() > 0
            })
            .map(|(_, id)| id.as_str())
            .collect();
        if let Some(first) = missing.first() {
            v.err(
                &p,
                format!(
                    "{} of its {} functions are invoked but have no duration in the trace (e.g. {first})",
                    missing.len(),
                    members.len()
                ),
                Some(if has.scaling {
                    "add `dist` and its keys to [population.defaults.duration]".into()
                } else {
                    "add a [population.defaults.duration] table for them".into()
                }),
            );
            return None;
        }
    }
    let has_durations = members.iter().any(has_request_durations);

    let n = members.len();
    let mut functions = Vec::with_capacity(n);
    for (m, id) in members.into_iter().zip(ids) {
        let mut f = template.clone();
        f.name = format!("{name}-{id}");
        f.population = Some(i as u32);
        if let (Some(mem), false) = (m.memory_mb, has.memory) {
            f.memory_mb = mem;
        }
        let trace_mean_ms = match &m.arrivals {
            MemberArrivals::Requests {
                durations: Some(d), ..
            } if !d.is_empty() => {
                Some(d.iter().map(|x| x.as_millis_f64()).sum::<f64>() / d.len() as f64)
            }
            _ => None,
        };
        // A distribution in the defaults applies to every member, in place of the trace's
        // durations (percentiles or per request); otherwise the trace's durations, with the
        // defaults' scaling keys when they set some.
        if !has.dist {
            if let Some(d) = m.duration {
                f.duration.dist = d;
            } else if let Some(mean) = trace_mean_ms {
                f.duration.dist = Dist::Const { value_ms: mean };
            }
            if !has.reference_memory {
                f.duration.reference_memory_mb = f.memory_mb;
            }
        }
        let process = match m.arrivals {
            MemberArrivals::Minutes(counts) => ArrivalProcess::Counts(Arc::new(PeriodCounts {
                counts,
                period: SimTime(crate::time::NS_PER_MIN),
                within,
                scale,
            })),
            MemberArrivals::Requests { times, durations } => {
                let durations = if has.dist { None } else { durations };
                let trace = Arc::new(Trace {
                    path: files.main().clone(),
                    times,
                    durations,
                    function: Some(m.id.clone()),
                });
                if scale == 1.0 {
                    ArrivalProcess::Trace(trace)
                } else {
                    ArrivalProcess::ScaledTrace { trace, scale }
                }
            }
        };
        f.triggers[0].arrivals.process = process;
        functions.push(f);
    }
    let resolved = resolved_table(
        kind,
        &files,
        has_durations,
        &name,
        select,
        seed,
        within,
        scale,
        &defaults,
    );
    let population = Population {
        name,
        kind,
        members: cx.first..cx.first + n,
        trace_functions,
        resolved,
    };
    Some((population, functions, vec![limits; n]))
}

impl Files {
    /// The file the members' requests come from.
    fn main(&self) -> &PathBuf {
        match self {
            Files::Azure2019 { invocations, .. } => invocations,
            Files::Azure2021 { file } | Files::Table { file, .. } => file,
        }
    }
}

/// The earliest request of any member (None when none has a request).
fn first_request(members: &[Member]) -> Option<SimTime> {
    members
        .iter()
        .filter_map(|m| match &m.arrivals {
            MemberArrivals::Minutes(c) => c
                .first()
                .map(|&(minute, _)| SimTime(minute as u64 * crate::time::NS_PER_MIN)),
            MemberArrivals::Requests { times, .. } => times.first().copied(),
        })
        .min()
}

fn has_request_durations(m: &Member) -> bool {
    matches!(
        &m.arrivals,
        MemberArrivals::Requests {
            durations: Some(_),
            ..
        }
    )
}

/// The files a kind needs; keys of other kinds are errors.
fn files(v: &mut Validator, p: &str, kind: PopulationKind, raw: &Raw) -> Option<Files> {
    let at = |k: &str| format!("{p}.{k}");
    let required = |v: &mut Validator, key: &str, value: &Option<Text>, example: &str| {
        if value.is_none() {
            v.missing(&at(key), example);
            return None;
        }
        v.text(&at(key), value).map(|f| v.file_path(&f))
    };
    let foreign = |v: &mut Validator, keys: &[(&str, bool)]| {
        for (k, set) in keys {
            if *set {
                v.err(
                    &at(k),
                    format!("does not apply to kind = \"{}\"", kind.as_str()),
                    Some(match kind {
                        PopulationKind::Azure2019 => {
                            "azure2019 reads invocations, durations and memory".into()
                        }
                        _ => "this kind reads one `file`".into(),
                    }),
                );
            }
        }
    };
    match kind {
        PopulationKind::Azure2019 => {
            foreign(
                v,
                &[
                    ("file", raw.file.is_some()),
                    ("function-column", raw.function_column.is_some()),
                    ("timestamp-column", raw.timestamp_column.is_some()),
                    ("duration-column", raw.duration_column.is_some()),
                ],
            );
            let invocations = required(
                v,
                "invocations",
                &raw.invocations,
                "invocations = \"invocations_per_function_md.anon.d01.csv\"",
            );
            let durations = required(
                v,
                "durations",
                &raw.durations,
                "durations = \"function_durations_percentiles.anon.d01.csv\"",
            );
            let memory = match &raw.memory {
                None => Some(None),
                Some(_) => v
                    .text(&at("memory"), &raw.memory)
                    .map(|f| Some(v.file_path(&f))),
            };
            Some(Files::Azure2019 {
                invocations: invocations?,
                durations: durations?,
                memory: memory?,
            })
        }
        PopulationKind::Azure2021 | PopulationKind::Table => {
            foreign(
                v,
                &[
                    ("invocations", raw.invocations.is_some()),
                    ("durations", raw.durations.is_some()),
                    ("memory", raw.memory.is_some()),
                ],
            );
            if kind == PopulationKind::Azure2021 {
                foreign(
                    v,
                    &[
                        ("function-column", raw.function_column.is_some()),
                        ("timestamp-column", raw.timestamp_column.is_some()),
                        ("duration-column", raw.duration_column.is_some()),
                    ],
                );
            }
            let file = required(v, "file", &raw.file, "file = \"trace.csv\"");
            if kind == PopulationKind::Azure2021 {
                return Some(Files::Azure2021 { file: file? });
            }
            let mut column = |key: &str, value: &Option<Text>, default: &str| match value {
                None => Some(default.to_string()),
                Some(_) => v.text(&at(key), value),
            };
            let function = column("function-column", &raw.function_column, FUNCTION_COLUMN);
            let timestamp = column("timestamp-column", &raw.timestamp_column, TIMESTAMP_COLUMN);
            // Named, the column must be there; by default it is optional.
            let duration = match &raw.duration_column {
                None => Some(None),
                Some(_) => v
                    .text(&at("duration-column"), &raw.duration_column)
                    .map(Some),
            };
            Some(Files::Table {
                file: file?,
                function: function?,
                timestamp: timestamp?,
                duration: duration?,
            })
        }
    }
}

fn select(v: &mut Validator, path: &str, raw: &Option<Text>) -> Option<Select> {
    let Some(text) = v.text(path, raw) else {
        return raw.is_none().then_some(Select::All);
    };
    let hint = "\"all\", \"top:N\" (the N most invoked functions) or \"sample:F\" (a seeded fraction 0 < F <= 1)";
    let parsed = match text.split_once(':') {
        None if text == "all" => Some(Select::All),
        Some(("top", n)) => n
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .map(Select::Top),
        Some(("sample", f)) => f
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| *f > 0.0 && *f <= 1.0)
            .map(Select::Sample),
        _ => None,
    };
    if parsed.is_none() {
        v.err(path, format!("cannot read \"{text}\""), Some(hint.into()));
    }
    parsed
}

/// The members `select` keeps: in the members' order (the reader's: file order for
/// `azure2019`, function ids for the per-request kinds) for `all` and `sample` (at least one),
/// most invoked first for `top` (ties in the members' order).
fn choose(members: Vec<Member>, select: Select, seed: u64) -> Vec<Member> {
    match select {
        Select::All => members,
        Select::Top(n) => {
            let mut order: Vec<(u64, usize)> = members
                .iter()
                .enumerate()
                .map(|(i, m)| (m.invocations(), i))
                .collect();
            order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let keep: Vec<usize> = order.into_iter().take(n).map(|(_, i)| i).collect();
            let mut slots: Vec<Option<Member>> = members.into_iter().map(Some).collect();
            keep.into_iter().filter_map(|i| slots[i].take()).collect()
        }
        Select::Sample(f) => {
            let n = members.len();
            let k = ((f * n as f64).round() as usize).clamp(1, n);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let chosen: BTreeSet<usize> = sample(&mut rng, n, k).into_iter().collect();
            members
                .into_iter()
                .enumerate()
                .filter(|(i, _)| chosen.contains(i))
                .map(|(_, m)| m)
                .collect()
        }
    }
}

/// Name-safe identifiers of the members: letters, digits, `-` and `_` kept (others become
/// `_`); long hexadecimal hashes (the Azure traces) shortened to 12 characters when that keeps
/// them unique; a number appended to any that still collide.
fn short_ids(members: &[Member]) -> Vec<String> {
    let clean: Vec<String> = members
        .iter()
        .map(|m| {
            m.id.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        })
        .collect();
    let shorten = |s: &String| -> String {
        if s.len() > 16 && s.chars().all(|c| c.is_ascii_hexdigit() || c == '_') {
            s.chars().take(12).collect()
        } else {
            s.clone()
        }
    };
    let short: Vec<String> = clean.iter().map(shorten).collect();
    let unique = short.iter().collect::<BTreeSet<_>>().len() == short.len();
    let mut ids = if unique { short } else { clean };
    let mut seen = BTreeSet::new();
    for id in ids.iter_mut() {
        if !seen.insert(id.clone()) {
            let mut k = 2;
            while seen.contains(&format!("{id}-{k}")) {
                k += 1;
            }
            *id = format!("{id}-{k}");
            seen.insert(id.clone());
        }
    }
    ids
}

/// Which of the member's properties the defaults set (then the trace does not override them).
struct Has {
    /// `[population.defaults.duration]` has a `dist`: it replaces the trace's durations.
    dist: bool,
    /// `[population.defaults.duration]` sets scaling keys only: the trace's durations, scaled.
    scaling: bool,
    /// `[population.defaults.duration] reference-memory-mb` is set (else each member's
    /// durations were measured at its own memory).
    reference_memory: bool,
    memory: bool,
}

/// The defaults validated once as a `[[function]]` (placeholders for what each member gives:
/// name, arrivals, and memory and duration when the defaults do not set them).
fn template(
    v: &mut Validator,
    path: &str,
    defaults: &toml::Table,
    cx: &Context,
) -> Option<(Function, Limits, Has)> {
    let mut ok = true;
    for (key, why) in [
        (
            "name",
            "member names are the population's name and the trace's function ids",
        ),
        ("arrivals", "arrivals come from the trace"),
        (
            "trigger",
            "members are invoked by the trace (use `invocation` for the invocation type)",
        ),
        (
            "calibration",
            "a calibration describes one function; set [population.defaults.duration] instead",
        ),
        ("measured", "measured series belong to one function"),
    ] {
        if defaults.contains_key(key) {
            v.err(
                &format!("{path}.{key}"),
                "cannot be set for a population",
                Some(why.into()),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    let duration = defaults.get("duration").and_then(|d| d.as_table());
    let has = Has {
        dist: defaults.contains_key("duration") && duration.is_none_or(|d| d.contains_key("dist")),
        scaling: duration.is_some_and(|d| !d.contains_key("dist")),
        reference_memory: duration.is_some_and(|d| d.contains_key("reference-memory-mb")),
        memory: defaults.contains_key("memory-mb"),
    };
    let mut t = defaults.clone();
    t.insert("name".into(), toml::Value::String("member".into()));
    if !has.memory {
        t.insert("memory-mb".into(), toml::Value::Integer(MEMORY_MB as i64));
    }
    if !has.dist {
        // A stand-in, replaced by each member's durations from the trace; the defaults'
        // scaling keys, if any, are checked with it.
        let mut d = duration.cloned().unwrap_or_default();
        d.insert("dist".into(), "const".into());
        d.insert("value".into(), "1ms".into());
        t.insert("duration".into(), toml::Value::Table(d));
    }
    let mut a = toml::Table::new();
    a.insert("kind".into(), "poisson".into());
    a.insert("rate-per-s".into(), toml::Value::Float(1.0));
    t.insert("arrivals".into(), toml::Value::Table(a));
    let raw: function::Raw = match toml::Value::Table(t).try_into() {
        Ok(r) => r,
        Err(e) => {
            v.err(path, e.message().trim().to_string(), None);
            return None;
        }
    };
    let (f, limits) = function::check(v, path, &raw, cx.window, cx.start_at, cx.region);
    Some((f?, limits, has))
}

/// The population as written back to `workload.resolved.toml`: every default filled in and
/// the files as absolute paths.
#[allow(clippy::too_many_arguments)]
fn resolved_table(
    kind: PopulationKind,
    files: &Files,
    has_durations: bool,
    name: &str,
    select: Select,
    seed: u64,
    within: MinuteArrivals,
    scale: f64,
    defaults: &toml::Table,
) -> toml::Table {
    let mut t = toml::Table::new();
    let s = |x: &str| toml::Value::String(x.to_string());
    let path = |p: &PathBuf| toml::Value::String(p.display().to_string());
    t.insert("kind".into(), s(kind.as_str()));
    t.insert("name".into(), s(name));
    match files {
        Files::Azure2019 {
            invocations,
            durations,
            memory,
        } => {
            t.insert("invocations".into(), path(invocations));
            t.insert("durations".into(), path(durations));
            if let Some(m) = memory {
                t.insert("memory".into(), path(m));
            }
            t.insert("minute-arrivals".into(), s(within.as_str()));
        }
        Files::Azure2021 { file } => {
            t.insert("file".into(), path(file));
        }
        Files::Table {
            file,
            function,
            timestamp,
            duration,
        } => {
            t.insert("file".into(), path(file));
            t.insert("function-column".into(), s(function));
            t.insert("timestamp-column".into(), s(timestamp));
            // The default column only when the file has it: named, it must be there.
            match duration {
                Some(d) => {
                    t.insert("duration-column".into(), s(d));
                }
                None if has_durations => {
                    t.insert("duration-column".into(), s(DURATION_COLUMN));
                }
                None => {}
            }
        }
    }
    t.insert("select".into(), s(&select.text()));
    if seed <= i64::MAX as u64 {
        t.insert("seed".into(), toml::Value::Integer(seed as i64));
    }
    t.insert("rate-scale".into(), toml::Value::Float(scale));
    if !defaults.is_empty() {
        t.insert("defaults".into(), toml::Value::Table(defaults.clone()));
    }
    t
}
