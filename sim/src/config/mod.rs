//! Workload files: raw TOML → validated [`Scenario`](crate::model::Scenario).
//!
//! Parsing is two-staged: [`raw`] mirrors the file with serde (`deny_unknown_fields`,
//! kebab-case, everything optional), then [`validate`] resolves every default, converts units
//! and collects *every* error with its TOML path and a hint.

use std::fmt;
use std::path::Path;

use crate::model::Scenario;

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

/// Reads, parses and validates a workload file. Relative paths inside it (traces, empirical
/// samples, handler folders) are resolved against the file's folder.
pub fn load(path: &Path) -> Result<Scenario, ConfigErrors> {
    let _ = path;
    unimplemented!("config::load is being written")
}
