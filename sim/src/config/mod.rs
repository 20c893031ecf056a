//! Workload files: raw TOML → validated [`Scenario`].
//!
//! Parsing is two-staged: [`raw`] mirrors the file with serde (`deny_unknown_fields`,
//! kebab-case, everything optional), then [`validate`] resolves every default, converts units
//! and collects *every* error with its TOML path and a hint. Each policy (arrivals,
//! distributions, keep-alive, limits, provisioned concurrency, pricing, handler, calibration,
//! the simulation, a function's basics, the SLO) has its own module in [`policy`] with its raw
//! keys, its checks and its defaults. Data files (traces, empirical samples) are read by
//! [`files`]; "did you mean" hints come from [`hints`].

use std::fmt;
use std::path::Path;

use crate::model::Scenario;

pub mod files;
pub mod hints;
pub mod policy;
pub mod raw;
pub mod resolved;
pub mod validate;
mod values;

pub use resolved::to_resolved_toml;

/// One problem in a workload file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// TOML path of the offending key, e.g. `function[1].duration.p99` (empty for the file).
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something useful to say.
    pub hint: Option<String>,
}

impl ConfigError {
    /// An error with no hint.
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ConfigError {
            path: path.into(),
            message: message.into(),
            hint: None,
        }
    }

    /// Adds a hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)?;
        } else {
            write!(f, "{}: {}", self.path, self.message)?;
        }
        if let Some(h) = &self.hint {
            write!(f, " (hint: {h})")?;
        }
        Ok(())
    }
}

/// All the problems found in a workload file (never empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors {
    /// The file, as given.
    pub file: String,
    /// Every error found, in file order.
    pub errors: Vec<ConfigError>,
}

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        writeln!(
            f,
            "{}: {n} error{}",
            self.file,
            if n == 1 { "" } else { "s" }
        )?;
        for e in &self.errors {
            writeln!(f, "  {e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl ConfigErrors {
    /// Whether some error is at exactly `path`.
    pub fn has_path(&self, path: &str) -> bool {
        self.errors.iter().any(|e| e.path == path)
    }
}

/// What a workload file is read for, which decides the keys it must have.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// To be simulated (`run`, `sweep`, `validate`, `load`…): every function needs its
    /// arrivals and its duration model. The default.
    #[default]
    Simulate,
    /// For the harness's `serve` and `bench`, which run the handlers themselves: a function
    /// may leave out `[function.arrivals]` (it then has no trigger) and `[function.duration]`
    /// (a constant 0 ms stands in, with the default scaling, and is never sampled). Keys that
    /// are given are checked as usual.
    Harness,
}

/// Reads, parses and validates a workload file. Relative paths inside it (traces, empirical
/// samples, handler folders, calibration files) are resolved against the file's folder.
pub fn load(path: &Path) -> Result<Scenario, ConfigErrors> {
    load_for(path, Purpose::Simulate)
}

/// [`load`] for `purpose`.
pub fn load_for(path: &Path, purpose: Purpose) -> Result<Scenario, ConfigErrors> {
    let file = read(path)?;
    from_str_for(&file.text, file.base_dir, &file.label, purpose)
}

/// A workload file as read from disk, before parsing.
#[derive(Clone, Debug)]
pub struct WorkloadFile<'p> {
    /// The file's path as given, for messages.
    pub label: String,
    /// Its text.
    pub text: String,
    /// The folder its relative paths are resolved against (`.` for a bare file name).
    pub base_dir: &'p Path,
}

/// Reads a workload file: its text, its label and the folder relative paths start from; an
/// unreadable file is one error at the file's root.
pub fn read(path: &Path) -> Result<WorkloadFile<'_>, ConfigErrors> {
    let label = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| ConfigErrors {
        file: label.clone(),
        errors: vec![ConfigError::new(
            "",
            format!("cannot read the workload file: {e}"),
        )],
    })?;
    let base_dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Ok(WorkloadFile {
        label,
        text,
        base_dir,
    })
}

/// Parses and validates workload text. `base_dir` is the folder relative paths are resolved
/// against; `file_label` names the file in errors.
pub fn from_str(text: &str, base_dir: &Path, file_label: &str) -> Result<Scenario, ConfigErrors> {
    from_str_for(text, base_dir, file_label, Purpose::Simulate)
}

/// [`from_str`] for `purpose`.
pub fn from_str_for(
    text: &str,
    base_dir: &Path,
    file_label: &str,
    purpose: Purpose,
) -> Result<Scenario, ConfigErrors> {
    let fail = |errors: Vec<ConfigError>| ConfigErrors {
        file: file_label.to_string(),
        errors,
    };
    let mut table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        let message = match e.span() {
            Some(span) => {
                let (line, col) = line_col(text, span.start);
                format!(
                    "TOML syntax error at line {line}, column {col}{}: {}",
                    key_at_line(text, line).map_or_else(String::new, |k| format!(" ({k})")),
                    e.message().trim()
                )
            }
            None => format!("TOML syntax error: {}", e.message().trim()),
        };
        let mut error = ConfigError::new("", message);
        if e.message().contains("too large") || e.message().contains("as i128") {
            // Only a seed may go beyond (a string of digits); any other key is out of range.
            let seed = e.span().and_then(|span| {
                let (line, _) = line_col(text, span.start);
                key_at_line(text, line)
            });
            error = error.with_hint(if seed.is_some_and(|k| k.starts_with("`seed`")) {
                "TOML integers stop at 2^63 − 1 (9223372036854775807); write a larger seed as a \
                 string of digits, seed = \"18446744073709551615\""
            } else {
                "TOML integers stop at 2^63 − 1 (9223372036854775807), far beyond what this key \
                 takes: see its range in the workload reference"
            });
        }
        fail(vec![error])
    })?;
    let mut errors = Vec::new();
    check_keys(&mut table, &mut errors);
    let raw: raw::Workload = match toml::Value::Table(table).try_into() {
        Ok(r) => r,
        Err(e) => {
            // Unknown keys and mistyped tables were removed above, so this is unexpected; it is
            // still reported rather than a panic.
            errors.push(ConfigError::new("", e.message().trim().to_string()));
            return Err(fail(errors));
        }
    };
    match validate::validate_for(&raw, base_dir, purpose) {
        Ok(s) if errors.is_empty() => Ok(s),
        Ok(_) => Err(fail(errors)),
        Err(mut more) => {
            // A `[function.trigger]` written as a table was reported and removed above; the
            // function then seems to have neither triggers nor `arrivals`, which is not news.
            more.retain(|m| {
                let Some(f) = m.path.strip_suffix(".arrivals") else {
                    return true;
                };
                let trigger = format!("{f}.trigger");
                !(m.message == values::MISSING && errors.iter().any(|e| e.path == trigger))
            });
            errors.extend(more);
            Err(fail(errors))
        }
    }
}

/// The key set on 1-based `line` of `text`, with the table header above it, for a syntax
/// error (a value TOML cannot hold, such as an integer above 2^63 − 1): `` `seed` in
/// [simulation] ``. None when the line sets no key.
fn key_at_line(text: &str, line: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let l = lines.get(line.checked_sub(1)?)?.trim();
    let (key, _) = l.split_once('=')?;
    let key = key.trim();
    if key.is_empty() || key.starts_with('[') || key.starts_with('#') {
        return None;
    }
    let header = lines[..line - 1]
        .iter()
        .rev()
        .map(|l| l.trim())
        .find(|l| l.starts_with('['))
        .map(|h| h.split('#').next().unwrap_or(h).trim().to_string());
    Some(match header {
        Some(h) => format!("`{key}` in {h}"),
        None => format!("`{key}`"),
    })
}

/// 1-based line and column of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// Reports (and removes) every unknown key and every table of the wrong type, so the serde
/// pass that follows only sees known keys. Key lists come from the serde derives.
fn check_keys(root: &mut toml::Table, errors: &mut Vec<ConfigError>) {
    use raw::keys_of;
    known(root, "", keys_of::<raw::Workload>(), errors);
    for (key, keys) in [
        ("simulation", keys_of::<raw::Simulation>()),
        ("account", keys_of::<raw::Account>()),
        ("pricing", keys_of::<raw::Pricing>()),
        ("slo", keys_of::<raw::Slo>()),
    ] {
        if let Some(t) = sub_table(root, key, "", errors) {
            known(t, key, keys, errors);
            if key == "pricing"
                && let Some(r) = sub_table(t, "rates", "pricing", errors)
            {
                known(r, "pricing.rates", keys_of::<raw::Rates>(), errors);
            }
        }
    }
    check_populations(root, errors);
    let Some(functions) = root.get_mut("function") else {
        return;
    };
    let list = match functions {
        toml::Value::Array(list) => list,
        other => {
            let hint = if other.is_table() {
                "write [[function]] (double brackets: an array of tables), not [function]"
            } else {
                "write one [[function]] table per function"
            };
            errors.push(ConfigError::new("function", "must be an array of tables").with_hint(hint));
            root.remove("function");
            return;
        }
    };
    let mut bad_items = false;
    for (i, item) in list.iter_mut().enumerate() {
        let path = format!("function[{i}]");
        let Some(f) = item.as_table_mut() else {
            errors.push(
                ConfigError::new(&path, "must be a table")
                    .with_hint("write one [[function]] table per function"),
            );
            bad_items = true;
            continue;
        };
        check_function_keys(f, &path, errors);
    }
    if bad_items {
        list.retain(toml::Value::is_table);
    }
}

/// Reports (and removes) the unknown keys of `[[population]]` tables and of their
/// `[population.defaults]` (which take `[[function]]` keys).
fn check_populations(root: &mut toml::Table, errors: &mut Vec<ConfigError>) {
    use raw::keys_of;
    let Some(pops) = root.get_mut("population") else {
        return;
    };
    let list = match pops {
        toml::Value::Array(list) => list,
        other => {
            let hint = if other.is_table() {
                "write [[population]] (double brackets: an array of tables), not [population]"
            } else {
                "write one [[population]] table per trace"
            };
            errors
                .push(ConfigError::new("population", "must be an array of tables").with_hint(hint));
            root.remove("population");
            return;
        }
    };
    for (i, item) in list.iter_mut().enumerate() {
        let path = format!("population[{i}]");
        let Some(p) = item.as_table_mut() else {
            errors.push(
                ConfigError::new(&path, "must be a table")
                    .with_hint("write one [[population]] table per trace"),
            );
            continue;
        };
        known(p, &path, keys_of::<raw::Population>(), errors);
        if let Some(d) = sub_table(p, "defaults", &path, errors) {
            check_function_keys(d, &format!("{path}.defaults"), errors);
        }
    }
    list.retain(toml::Value::is_table);
}

/// Reports (and removes) the unknown keys of one `[[function]]` table at `path` and of its
/// sub-tables.
fn check_function_keys(f: &mut toml::Table, path: &str, errors: &mut Vec<ConfigError>) {
    use raw::keys_of;
    {
        let path = path.to_string();
        known(f, &path, keys_of::<raw::Function>(), errors);
        for (key, keys) in [
            ("arrivals", keys_of::<raw::Arrivals>()),
            ("duration", keys_of::<raw::DurationDist>()),
            ("init", keys_of::<raw::DurationDist>()),
            ("restore", keys_of::<raw::DurationDist>()),
            ("keep-alive", keys_of::<raw::KeepAlive>()),
            ("handler", keys_of::<raw::Handler>()),
            ("slo", keys_of::<raw::Slo>()),
            ("managed-instances", keys_of::<raw::ManagedInstances>()),
            (
                "provisioned-autoscaling",
                keys_of::<raw::ProvisionedAutoscaling>(),
            ),
        ] {
            if let Some(t) = sub_table(f, key, &path, errors) {
                known(t, &format!("{path}.{key}"), keys, errors);
            }
        }
        match f.get_mut("trigger") {
            Some(toml::Value::Array(triggers)) => {
                for (j, t) in triggers.iter_mut().enumerate() {
                    let tp = format!("{path}.trigger[{j}]");
                    let Some(t) = t.as_table_mut() else {
                        errors.push(
                            ConfigError::new(&tp, "must be a table")
                                .with_hint("write one [[function.trigger]] table per trigger"),
                        );
                        continue;
                    };
                    known(t, &tp, keys_of::<raw::Trigger>(), errors);
                    if let Some(a) = sub_table(t, "arrivals", &tp, errors) {
                        known(
                            a,
                            &format!("{tp}.arrivals"),
                            keys_of::<raw::Arrivals>(),
                            errors,
                        );
                    }
                }
                triggers.retain(toml::Value::is_table);
            }
            Some(other) => {
                let hint = if other.is_table() {
                    "write [[function.trigger]] (double brackets: an array of tables), not [function.trigger]"
                } else {
                    "write one [[function.trigger]] table per trigger"
                };
                errors.push(
                    ConfigError::new(format!("{path}.trigger"), "must be an array of tables")
                        .with_hint(hint),
                );
                f.remove("trigger");
            }
            None => {}
        }
        if let Some(toml::Value::Array(windows)) = f.get_mut("provisioned-concurrency") {
            for (j, w) in windows.iter_mut().enumerate() {
                if let Some(w) = w.as_table_mut() {
                    let wp = format!("{path}.provisioned-concurrency[{j}]");
                    known(w, &wp, keys_of::<raw::ProvisionedWindow>(), errors);
                }
            }
        }
    }
}

/// Removes and reports the keys of `t` that are not in `keys`.
fn known(t: &mut toml::Table, path: &str, keys: &[&str], errors: &mut Vec<ConfigError>) {
    let unknown: Vec<String> = t
        .keys()
        .filter(|k| !keys.contains(&k.as_str()))
        .cloned()
        .collect();
    for k in unknown {
        let full = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        let hint = match hints::suggest(&k, keys) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("known keys here: {}", hints::key_list(keys)),
        };
        errors.push(ConfigError::new(full, "unknown key").with_hint(hint));
        t.remove(&k);
    }
}

/// The sub-table `key` of `t`, if present and a table; a value of another type is reported and
/// removed.
fn sub_table<'t>(
    t: &'t mut toml::Table,
    key: &str,
    path: &str,
    errors: &mut Vec<ConfigError>,
) -> Option<&'t mut toml::Table> {
    let full = if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    };
    match t.get(key) {
        None => None,
        Some(toml::Value::Table(_)) => t.get_mut(key).and_then(toml::Value::as_table_mut),
        Some(_) => {
            errors.push(
                ConfigError::new(&full, "must be a table")
                    .with_hint(format!("write it as a [{full}] section")),
            );
            t.remove(key);
            None
        }
    }
}
