//! From a real service to a lamsim workload.
//!
//! - [`sam`]: `lamsim import sam` — an AWS SAM or CloudFormation template (YAML with the
//!   short-form intrinsics, or JSON) becomes one workload file, each value commented with the
//!   template property it came from, and `# TODO` placeholders for what a template cannot know
//!   (traffic, durations). The template is read by [`template`], its intrinsic functions
//!   (`Ref`, `Fn::Sub`, `Fn::If`, …), `Parameters`, `Conditions` and `Mappings` resolved by
//!   [`intrinsics`], and the workload text written by [`toml_out`].
//! - [`cloudwatch`]: `lamsim import cloudwatch` — the JSON of `aws cloudwatch get-metric-data`
//!   (or `get-metric-statistics`) becomes per-function trace files and a workload replaying
//!   them, with a duration distribution fitted to the measured percentiles.
//!
//! Nothing here prints: what a caller should show the user comes back as [`Warning`]s and
//! [`Todo`]s; bad input is an [`ImportError`].
//!
//! ```
//! let template = "
//! Resources:
//!   Hello:
//!     Type: AWS::Serverless::Function
//!     Properties:
//!       Runtime: python3.13
//!       Handler: app.handler
//!       CodeUri: hello/
//!       MemorySize: 512
//! ";
//! let out = lamsim_import::sam::import(template, &lamsim_import::sam::Options::new("template.yaml")).unwrap();
//! assert!(out.toml.contains("memory-mb = 512"));
//! assert!(out.toml.contains("# Resources.Hello.Properties.MemorySize"));
//! ```

pub mod cloudwatch;
pub mod intrinsics;
pub mod sam;
pub mod template;
pub mod toml_out;

use std::fmt;

/// Something the user should know about the input: a property that is not simulated, an
/// unknown property (with the closest valid one), a value that could not be used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// Where in the input, e.g. `Resources.Api.Properties.ReservedConcurrencyLimit`.
    pub path: String,
    /// What is wrong and what was done about it.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// A placeholder written into the workload (marked `# TODO` there), with the command that
/// fills it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Todo {
    /// The TOML path of the placeholder, e.g. `function[0].trigger[1].arrivals`.
    pub path: String,
    /// What the template cannot say.
    pub what: String,
    /// What fills it: commands in backticks, e.g. `` `lamsim import cloudwatch …` ``.
    pub command: String,
}

impl fmt::Display for Todo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (fill with {})",
            self.path, self.what, self.command
        )
    }
}

/// Input that cannot be imported (exit code 2 in the CLI).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The file is not YAML or JSON, or not a template.
    #[error("{file}: {message}")]
    Parse {
        /// The file, as given.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// A `--parameter`, a template parameter or a condition that cannot be resolved.
    #[error("{path}: {message}")]
    Template {
        /// Where: `Parameters.Stage`, `Conditions.IsProd`, `--parameter Stag`.
        path: String,
        /// What is wrong and how to fix it.
        message: String,
    },
    /// Nothing usable remains (no function in the template, no metric in the files).
    #[error("{0}")]
    Nothing(String),
}

/// The closest of `candidates` to `word`: a likely typo first (the hint rule of the workload
/// files, `lamsim_sim::config::hints::suggest`), else the candidate sharing the most of its
/// beginning (Jaro–Winkler), so `ReservedConcurrencyLimit` names
/// `ReservedConcurrentExecutions`.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    if let Some(c) = lamsim_sim::config::hints::suggest(word, candidates) {
        return Some(c);
    }
    let w = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(&w, &c.to_ascii_lowercase()), *c))
        .filter(|(score, _)| *score > 0.7)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_names_typos_and_near_names() {
        let props = ["ReservedConcurrentExecutions", "MemorySize", "Timeout"];
        assert_eq!(closest("MemorySise", &props), Some("MemorySize"));
        assert_eq!(
            closest("ReservedConcurrencyLimit", &props),
            Some("ReservedConcurrentExecutions")
        );
        assert_eq!(closest("Zzz", &props), None);
    }
}
