//! Command-line syntax of the study flags: value lists (`--memory 128,512`, `--architecture`,
//! `--provisioned`, `--set KEY=v1,v2`), shards (`--shard I/N`, the Kubernetes and Slurm index
//! variables) and `--max-increase`. Each parser turns text into the typed values the study
//! layer (lamsim-study) takes; errors name their flag.

use lamsim_sim::model::{Architecture, MAX_MEMORY_MB, MIN_MEMORY_MB};
use lamsim_study::axis::{Axis, TomlPath};
use lamsim_study::check::{Metric, Threshold};

/// A flag value that is not acceptable: `{flag}: {message}`.
#[derive(Debug, PartialEq)]
pub struct FlagError {
    /// The flag, e.g. `--memory`.
    pub flag: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl std::fmt::Display for FlagError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.flag, self.message)
    }
}

impl std::error::Error for FlagError {}

fn bad(flag: &str, message: impl Into<String>) -> FlagError {
    FlagError {
        flag: flag.to_string(),
        message: message.into(),
    }
}

fn split_list<'a>(flag: &str, list: &'a str) -> Result<Vec<&'a str>, FlagError> {
    let items: Vec<&str> = list.split(',').map(str::trim).collect();
    if items.iter().any(|s| s.is_empty()) {
        return Err(bad(
            flag,
            format!("`{list}` has an empty item: write values separated by commas, e.g. 512,1024"),
        ));
    }
    Ok(items)
}

fn no_duplicates<T: PartialEq + std::fmt::Display>(
    flag: &str,
    values: &[T],
) -> Result<(), FlagError> {
    for (i, v) in values.iter().enumerate() {
        if values[..i].contains(v) {
            return Err(bad(flag, format!("{v} is given twice")));
        }
    }
    Ok(())
}

/// `--memory 128,512,1769`: integers in 128..=10240 MB, no duplicates.
pub fn memory_list(list: &str) -> Result<Vec<u32>, FlagError> {
    let mut values = Vec::new();
    for item in split_list("--memory", list)? {
        let mb: u32 = item.parse().map_err(|_| {
            bad(
                "--memory",
                format!("`{item}` is not a whole number of MB (e.g. 512)"),
            )
        })?;
        if !(MIN_MEMORY_MB..=MAX_MEMORY_MB).contains(&mb) {
            return Err(bad(
                "--memory",
                format!("{mb} MB is outside {MIN_MEMORY_MB}..={MAX_MEMORY_MB} (Lambda's range)"),
            ));
        }
        values.push(mb);
    }
    no_duplicates("--memory", &values)?;
    Ok(values)
}

/// `--architecture x86_64,arm64`, no duplicates.
pub fn architecture_list(list: &str) -> Result<Vec<Architecture>, FlagError> {
    let mut values = Vec::new();
    for item in split_list("--architecture", list)? {
        let arch = match item {
            "x86_64" => Architecture::X86_64,
            "arm64" => Architecture::Arm64,
            _ => {
                let hint = match item.to_ascii_lowercase().as_str() {
                    "x86" | "x64" | "amd64" | "x86-64" => " (did you mean `x86_64`?)",
                    "aarch64" | "arm" | "graviton" => " (did you mean `arm64`?)",
                    _ => "",
                };
                return Err(bad(
                    "--architecture",
                    format!("unknown architecture `{item}`: expected x86_64 or arm64{hint}"),
                ));
            }
        };
        if values.contains(&arch) {
            let quoted = toml::Value::String(item.to_string());
            return Err(bad("--architecture", format!("{quoted} is given twice")));
        }
        values.push(arch);
    }
    Ok(values)
}

/// The `--memory` axis.
pub fn parse_memory(list: &str) -> Result<Axis, FlagError> {
    Ok(Axis::memory(memory_list(list)?))
}

/// The `--architecture` axis.
pub fn parse_architecture(list: &str) -> Result<Axis, FlagError> {
    Ok(Axis::architecture(architecture_list(list)?))
}

/// The `--provisioned` value.
#[derive(Clone, Debug, PartialEq)]
pub enum ProvisionedList {
    /// `--provisioned auto`: counts chosen from a first run without provisioned concurrency
    /// (`lamsim_study::front::auto_provisioned_counts`).
    Auto,
    /// Explicit counts.
    Counts(Vec<u32>),
}

/// `--provisioned 0,5,10` (no duplicates) or `--provisioned auto`.
pub fn parse_provisioned(list: &str) -> Result<ProvisionedList, FlagError> {
    if list.trim() == "auto" {
        return Ok(ProvisionedList::Auto);
    }
    let mut values = Vec::new();
    for item in split_list("--provisioned", list)? {
        let n: u32 = item.parse().map_err(|_| {
            bad(
                "--provisioned",
                format!("`{item}` is not a whole number of environments (or use `auto`)"),
            )
        })?;
        values.push(n);
    }
    no_duplicates("--provisioned", &values)?;
    Ok(ProvisionedList::Counts(values))
}

/// Parses one TOML value as written after `=` in a file; anything that is not a TOML value
/// (`5m`, `lru`) is taken as a string, so `--set function.keep-alive.idle=5m` needs no quotes.
fn parse_value(s: &str) -> toml::Value {
    format!("v = {s}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(s.trim_matches('"').to_string()))
}

/// `--set PATH=v1,v2,…`: a TOML path (dotted keys; `function` means every function,
/// `function[1]` the second) and its values, no duplicates.
pub fn parse_set(arg: &str) -> Result<Axis, FlagError> {
    let Some((path, list)) = arg.split_once('=') else {
        return Err(bad(
            "--set",
            format!(
                "`{arg}` has no `=`: write --set KEY=v1,v2, e.g. --set function.keep-alive.idle=5m,10m"
            ),
        ));
    };
    let path = path.trim();
    let flag = format!("--set {path}");
    let path = TomlPath::parse_set(path).map_err(|m| bad(&flag, m))?;
    let values: Vec<toml::Value> = split_list(&flag, list)?
        .into_iter()
        .map(parse_value)
        .collect();
    no_duplicates(&flag, &values)?;
    Ok(Axis::set(&path, values))
}

/// `--shard I/N` (0-based `I`, `0 <= I < N`) or `--shard /N` (index from the environment, see
/// [`shard_index_from_env`]). Returns `(Some(I) or None, N)`.
pub fn parse_shard(s: &str) -> Result<(Option<usize>, usize), FlagError> {
    let usage = "write --shard I/N with 0 <= I < N (0-based), e.g. --shard 0/4, or --shard /4 to take I from JOB_COMPLETION_INDEX or SLURM_ARRAY_TASK_ID";
    let Some((i, n)) = s.split_once('/') else {
        return Err(bad("--shard", format!("`{s}`: {usage}")));
    };
    let n: usize = n.trim().parse().ok().filter(|&n| n > 0).ok_or_else(|| {
        bad(
            "--shard",
            format!("`{s}`: N must be a positive integer; {usage}"),
        )
    })?;
    if i.trim().is_empty() {
        return Ok((None, n));
    }
    let i: usize = i
        .trim()
        .parse()
        .ok()
        .filter(|&i| i < n)
        .ok_or_else(|| bad("--shard", format!("`{s}`: I must be in 0..{n}; {usage}")))?;
    Ok((Some(i), n))
}

/// `(shard, count)` from `--shard I/N` / `--shards N` (the index then from the environment,
/// see [`shard_index_from_env`]); None when neither is given.
pub fn shard_of(
    shard: Option<&str>,
    shards: Option<usize>,
) -> Result<Option<(usize, usize)>, FlagError> {
    let (index, count) = match (shard, shards) {
        (Some(s), _) => parse_shard(s)?,
        (None, Some(0)) => return Err(bad("--shards", "must be at least 1".to_string())),
        (None, Some(n)) => (None, n),
        (None, None) => return Ok(None),
    };
    let index = match index {
        Some(i) => i,
        None => shard_index_from_env(count, |v| std::env::var(v).ok())?,
    };
    Ok(Some((index, count)))
}

/// Environment variables that give a shard index, in the order they are tried: Kubernetes
/// Indexed Jobs (`JOB_COMPLETION_INDEX`, 0-based) and Slurm job arrays
/// (`SLURM_ARRAY_TASK_ID`, used as is: submit with `--array=0-(N-1)`).
pub const SHARD_ENV_VARS: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

/// The shard index from the first of [`SHARD_ENV_VARS`] that `get` returns, checked against
/// `count`.
pub fn shard_index_from_env(
    count: usize,
    get: impl Fn(&str) -> Option<String>,
) -> Result<usize, FlagError> {
    for var in SHARD_ENV_VARS {
        if let Some(v) = get(var) {
            return v
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&i| i < count)
                .ok_or_else(|| {
                    bad(
                        "--shard",
                        format!("{var}={v} is not a shard index in 0..{count}"),
                    )
                });
        }
    }
    Err(bad(
        "--shard",
        format!(
            "no shard index: give --shard I/{count}, or set {} (0-based)",
            SHARD_ENV_VARS.join(" or ")
        ),
    ))
}

fn bad_limit(message: String) -> FlagError {
    bad("--max-increase", message)
}

/// Parses `--max-increase cost=5%,p99=10%,cold-start-ratio=0.001`: `N%` is relative to the
/// baseline, a bare number an absolute amount in the metric's unit.
pub fn parse_max_increase(s: &str) -> Result<Vec<(Metric, Threshold)>, FlagError> {
    let names: Vec<&str> = Metric::ALL.iter().map(|m| m.name()).collect();
    let mut out: Vec<(Metric, Threshold)> = Vec::new();
    for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, value) = item
            .split_once('=')
            .ok_or_else(|| bad_limit(format!("`{item}`: write METRIC=LIMIT, e.g. cost=5%")))?;
        let metric = Metric::ALL
            .into_iter()
            .find(|m| m.name() == name.trim())
            .ok_or_else(|| {
                bad_limit(format!(
                    "unknown metric `{}`: expected one of {}",
                    name.trim(),
                    names.join(", ")
                ))
            })?;
        let v = value.trim();
        let threshold = match v.strip_suffix('%') {
            Some(p) => p
                .trim()
                .parse::<f64>()
                .ok()
                .map(|p| Threshold::Relative(p / 100.0)),
            None => v.parse::<f64>().ok().map(Threshold::Absolute),
        }
        .filter(|t| match t {
            Threshold::Relative(x) | Threshold::Absolute(x) => x.is_finite() && *x >= 0.0,
        })
        .ok_or_else(|| {
            bad_limit(format!(
                "`{item}`: the limit must be a non-negative number, with % for a relative one"
            ))
        })?;
        if out.iter().any(|(m, _)| *m == metric) {
            return Err(bad_limit(format!("{metric} is given twice")));
        }
        out.push((metric, threshold));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_reject() {
        assert_eq!(
            parse_max_increase("cold-start-ratio=0.001, throttle-ratio=1%").unwrap(),
            vec![
                (Metric::ColdStartRatio, Threshold::Absolute(0.001)),
                (Metric::ThrottleRatio, Threshold::Relative(0.01)),
            ]
        );
        assert!(
            matches!(parse_max_increase("latency=5%"), Err(e) if e.message.contains("unknown metric `latency`"))
        );
        assert!(parse_max_increase("cost=-5%").is_err());
        assert!(parse_max_increase("cost").is_err());
        assert!(parse_max_increase("cost=5%,cost=6%").is_err());
    }

    fn err<T: std::fmt::Debug>(r: Result<T, FlagError>) -> String {
        r.expect_err("an error").to_string()
    }

    #[test]
    fn memory_outside_lambda_range_or_not_a_number() {
        assert_eq!(
            err(parse_memory("512,64")),
            "--memory: 64 MB is outside 128..=10240 (Lambda's range)"
        );
        assert!(err(parse_memory("10241")).contains("outside 128..=10240"));
        assert!(err(parse_memory("1GB")).contains("`1GB` is not a whole number of MB"));
        assert!(err(parse_memory("512,,1024")).contains("empty item"));
        assert!(err(parse_memory("512,512")).contains("512 is given twice"));
    }

    #[test]
    fn unknown_architecture_suggests_the_right_name() {
        assert_eq!(
            err(parse_architecture("x86_64,aarch64")),
            "--architecture: unknown architecture `aarch64`: expected x86_64 or arm64 (did you mean `arm64`?)"
        );
        assert!(err(parse_architecture("sparc")).contains("unknown architecture `sparc`"));
    }

    #[test]
    fn provisioned_and_shard_values() {
        assert_eq!(parse_provisioned("auto").unwrap(), ProvisionedList::Auto);
        assert!(err(parse_provisioned("-1")).contains("--provisioned: `-1`"));
        assert_eq!(parse_shard("2/4").unwrap(), (Some(2), 4));
        assert_eq!(parse_shard("/4").unwrap(), (None, 4));
        assert!(err(parse_shard("4/4")).contains("I must be in 0..4"));
        assert!(err(parse_shard("1/0")).contains("N must be a positive integer"));
        let env = |k: &str| (k == "SLURM_ARRAY_TASK_ID").then(|| "3".to_string());
        assert_eq!(shard_index_from_env(4, env).unwrap(), 3);
        assert!(err(shard_index_from_env(3, env)).contains("SLURM_ARRAY_TASK_ID=3"));
        let both = |k: &str| {
            Some(
                if k == "JOB_COMPLETION_INDEX" {
                    "1"
                } else {
                    "0"
                }
                .to_string(),
            )
        };
        assert_eq!(shard_index_from_env(2, both).unwrap(), 1);
        assert!(err(shard_index_from_env(2, |_| None)).contains("JOB_COMPLETION_INDEX"));
    }

    #[test]
    fn set_needs_an_equals_sign_and_a_plain_path() {
        assert!(err(parse_set("function.keep-alive.idle")).contains("has no `=`"));
        assert!(err(parse_set("function..idle=1")).contains("not a TOML path"));
        assert!(err(parse_set("function.keep-alive.idle=5m,5m")).contains("\"5m\" is given twice"));
        let axis = parse_set("function.keep-alive.idle=5m,0.5,true").unwrap();
        assert_eq!(
            axis.values,
            vec![
                "5m".into(),
                toml::Value::Float(0.5),
                toml::Value::Boolean(true)
            ]
        );
    }

    #[test]
    fn values_parse_as_toml_or_strings() {
        assert_eq!(parse_value("500"), toml::Value::Integer(500));
        assert_eq!(parse_value("0.5"), toml::Value::Float(0.5));
        assert_eq!(parse_value("true"), toml::Value::Boolean(true));
        assert_eq!(parse_value("5m"), toml::Value::String("5m".into()));
        assert_eq!(parse_value("\"lru\""), toml::Value::String("lru".into()));
    }
}
