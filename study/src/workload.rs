//! The workload file of a study: parsed once, edited per point, validated like the file.
//!
//! So that a memory sweep scales execution time as Lambda does, `[function.duration]`,
//! `[function.init]` and `[function.restore]` tables without `reference-memory-mb` are pinned
//! to the file's `memory-mb` first (the distributions were measured at that size).

use std::path::{Path, PathBuf};

use lamsim_sim::config::{self, ConfigErrors};
use lamsim_sim::model::Scenario;

use crate::axis::{Axis, PointSpec, set_path};
use crate::sweep::{SweepError, bad};

/// The note of a point whose arm64 (or x86_64) speed is the default `arm64-speedup = 1.0`
/// rather than a measurement (see [`Workload::modelled`]).
pub const MODELLED_ARM64_SPEEDUP: &str = "arm64-speedup";

/// A parsed workload file, ready to be edited per point.
#[derive(Clone, Debug)]
pub struct Workload {
    doc: toml::Table,
    base_dir: PathBuf,
    label: String,
    /// The base scenario (no axis applied).
    pub base: Scenario,
    /// FNV-1a hash of the file's text (shards of one sweep must agree on it).
    pub fingerprint: String,
    /// The function studied alone ([`Workload::focus`]), if any.
    focus: Option<usize>,
}

impl Workload {
    /// Reads and parses a workload file, like [`config::load`].
    pub fn load(path: &Path) -> Result<Self, ConfigErrors> {
        let file = config::read(path)?;
        Self::from_text(&file.text, file.base_dir, &file.label)
    }

    /// Parses and validates `text` (the file `label`, relative paths against `base_dir`),
    /// then pins `reference-memory-mb` of explicit distributions to the file's `memory-mb`
    /// (see the module docs).
    pub fn from_text(text: &str, base_dir: &Path, label: &str) -> Result<Self, ConfigErrors> {
        let base = config::from_str(text, base_dir, label)?;
        let mut doc: toml::Table = text.parse().map_err(|_| ConfigErrors {
            file: label.to_string(),
            errors: vec![config::ConfigError::new("", "cannot parse the file")],
        })?;
        if let Some(toml::Value::Array(fs)) = doc.get_mut("function") {
            for f in fs.iter_mut().filter_map(toml::Value::as_table_mut) {
                let Some(mem) = f.get("memory-mb").cloned() else {
                    continue;
                };
                for key in ["duration", "init", "restore"] {
                    if let Some(toml::Value::Table(d)) = f.get_mut(key) {
                        d.entry("reference-memory-mb")
                            .or_insert_with(|| mem.clone());
                    }
                }
            }
        }
        Ok(Workload {
            doc,
            base_dir: base_dir.to_path_buf(),
            label: label.to_string(),
            base,
            fingerprint: fnv1a(text.as_bytes()),
            focus: None,
        })
    }

    /// Studies the function named `name` alone: the axes edit only its keys (the rest of the
    /// stack still runs, so shared limits still act). Returns its index.
    pub fn focus(&mut self, name: &str) -> Result<usize, SweepError> {
        let names: Vec<&str> = self
            .base
            .functions
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        let i = names.iter().position(|n| *n == name).ok_or_else(|| {
            bad(
                "--function",
                format!(
                    "the workload has no function `{name}`: its functions are {}",
                    names.join(", ")
                ),
            )
        })?;
        self.focus = Some(i);
        Ok(i)
    }

    /// The index of the function studied alone, if any.
    pub fn focused(&self) -> Option<usize> {
        self.focus
    }

    /// The document of `spec`: the axes' values written into the file's document.
    fn edited(&self, axes: &[Axis], spec: &PointSpec) -> Result<toml::Table, SweepError> {
        let mut doc = self.doc.clone();
        for (axis, value) in axes.iter().zip(&spec.values) {
            set_path(&mut doc, &axis.kind.toml_path(self.focus), value)
                .map_err(|m| bad(&axis.kind.flag(), m))?;
        }
        Ok(doc)
    }

    /// What `spec`'s results take from a model rather than a measurement, as
    /// [`Point::modelled`](crate::sweep::Point::modelled) lists it: [`MODELLED_ARM64_SPEEDUP`]
    /// when a studied function runs on another architecture than the file's and neither the
    /// file nor the point sets its `arm64-speedup` (the default 1.0 says arm64 runs as fast
    /// as x86_64; nothing measured it).
    pub fn modelled(&self, axes: &[Axis], spec: &PointSpec, point: &Scenario) -> Vec<String> {
        let Ok(doc) = self.edited(axes, spec) else {
            return Vec::new();
        };
        let tables: Vec<Option<&toml::Table>> = match doc.get("function") {
            Some(toml::Value::Array(fs)) => fs.iter().map(toml::Value::as_table).collect(),
            _ => Vec::new(),
        };
        let studied: Vec<usize> = match self.focus {
            Some(i) => vec![i],
            None => (0..point.functions.len()).collect(),
        };
        let guessed = studied.into_iter().any(|i| {
            let moved = match (point.functions.get(i), self.base.functions.get(i)) {
                (Some(p), Some(b)) => p.architecture != b.architecture,
                _ => false,
            };
            let given = tables
                .get(i)
                .copied()
                .flatten()
                .is_some_and(|t| t.contains_key("arm64-speedup"));
            moved && !given
        });
        if guessed {
            vec![MODELLED_ARM64_SPEEDUP.to_string()]
        } else {
            Vec::new()
        }
    }

    /// The scenario of `spec`: the axes' values written into the document, then validated
    /// like the file.
    pub fn scenario(&self, axes: &[Axis], spec: &PointSpec) -> Result<Scenario, SweepError> {
        let doc = self.edited(axes, spec)?;
        let text = toml::to_string(&doc).map_err(|e| bad("--set", e.to_string()))?;
        config::from_str(&text, &self.base_dir, &self.label).map_err(|errors| SweepError::Invalid {
            what: if axes.is_empty() {
                "the workload".into()
            } else {
                format!("point {}", spec.label(axes))
            },
            errors,
        })
    }

    /// Checks every value of every axis on its own (the others as in the file), so that a bad
    /// value is reported with its flag, e.g. `--set function.keep-alive.idle=5x: …`.
    pub fn check_axes(&self, axes: &[Axis]) -> Result<(), SweepError> {
        for axis in axes {
            for v in &axis.values {
                let one = [axis.clone()];
                let spec = PointSpec {
                    index: 0,
                    values: vec![v.clone()],
                };
                match self.scenario(&one, &spec) {
                    Err(SweepError::Invalid { errors, .. }) => {
                        return Err(SweepError::Invalid {
                            what: format!("{}={v}", axis.kind.flag()),
                            errors,
                        });
                    }
                    Err(e) => return Err(e),
                    Ok(_) => {}
                }
            }
        }
        Ok(())
    }
}

/// 64-bit FNV-1a, as 16 hex digits (stable across platforms and versions).
pub fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_reference_vectors() {
        assert_eq!(fnv1a(b""), "cbf29ce484222325");
        assert_eq!(fnv1a(b"a"), "af63dc4c8601ec8c");
    }
}
