//! The validator's state and the readers of leaf values (strings, numbers, integers,
//! durations) that every policy uses: each reader reports a missing or mistyped value at its
//! TOML path and returns `None`, so validation goes on and collects every error.

use std::path::{Path, PathBuf};

use super::ConfigError;
use super::hints::{describe, key_list, number};
use super::raw::{self, Lenient};
use crate::time::{SimTime, parse_duration};

/// The message of a required key that is absent ([`Validator::missing`]).
pub(crate) const MISSING: &str = "is required";

/// Collects errors while a workload is validated; relative paths are resolved against
/// `base_dir`.
pub(crate) struct Validator<'a> {
    /// The folder relative paths are resolved against.
    pub(crate) base_dir: &'a Path,
    /// What the workload is read for: which keys are required.
    pub(crate) purpose: super::Purpose,
    /// Every error so far, in file order.
    pub(crate) errors: Vec<ConfigError>,
}

impl Validator<'_> {
    pub(crate) fn err(&mut self, path: &str, message: impl Into<String>, hint: Option<String>) {
        self.errors.push(ConfigError {
            path: path.to_string(),
            message: message.into(),
            hint,
        });
    }

    pub(crate) fn missing(&mut self, path: &str, example: &str) {
        self.err(path, MISSING, Some(format!("add e.g. `{example}`")));
    }

    /// A value of a plain type: `None` when absent; a wrongly typed value is an error
    /// saying what was `expected`.
    pub(crate) fn plain<T: Clone>(
        &mut self,
        path: &str,
        v: &Option<Lenient<T>>,
        expected: &str,
    ) -> Option<T> {
        match v {
            None => None,
            Some(Lenient::Ok(x)) => Some(x.clone()),
            Some(Lenient::Bad(b)) => {
                self.err(
                    path,
                    format!("expected {expected}, found {}", describe(b)),
                    None,
                );
                None
            }
        }
    }

    pub(crate) fn text(&mut self, path: &str, v: &Option<raw::Text>) -> Option<String> {
        self.plain(path, v, "a string")
    }

    pub(crate) fn boolean(&mut self, path: &str, v: &Option<raw::Bool>) -> Option<bool> {
        self.plain(path, v, "true or false")
    }

    pub(crate) fn number(&mut self, path: &str, v: &Option<raw::Number>) -> Option<f64> {
        match v {
            None => None,
            Some(Lenient::Ok(x)) if x.is_finite() => Some(*x),
            Some(Lenient::Ok(x)) => {
                self.err(
                    path,
                    format!("must be a finite number, found {}", number(*x)),
                    None,
                );
                None
            }
            Some(Lenient::Bad(b)) => {
                let hint = match b {
                    toml::Value::String(s) if s.trim().parse::<f64>().is_ok() => {
                        Some(format!("remove the quotes: {}", s.trim()))
                    }
                    _ => None,
                };
                self.err(
                    path,
                    format!("expected a number, found {}", describe(b)),
                    hint,
                );
                None
            }
        }
    }

    /// A number that must satisfy `ok`; `rule` completes "must be …".
    pub(crate) fn number_where(
        &mut self,
        path: &str,
        v: &Option<raw::Number>,
        ok: impl Fn(f64) -> bool,
        rule: &str,
    ) -> Option<f64> {
        let x = self.number(path, v)?;
        if ok(x) {
            Some(x)
        } else {
            self.err(path, format!("must be {rule}, found {}", number(x)), None);
            None
        }
    }

    pub(crate) fn integer(&mut self, path: &str, v: &Option<raw::Integer>) -> Option<i64> {
        match v {
            None => None,
            Some(Lenient::Ok(i)) => Some(*i),
            Some(Lenient::Bad(b)) => {
                let hint = match b {
                    // A whole float TOML's integers can hold (a float cast would saturate).
                    toml::Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => {
                        Some(format!("write a whole number: {}", *f as i64))
                    }
                    toml::Value::String(s) if s.trim().parse::<i64>().is_ok() => {
                        Some(format!("remove the quotes: {}", s.trim()))
                    }
                    _ => None,
                };
                self.err(
                    path,
                    format!("expected an integer, found {}", describe(b)),
                    hint,
                );
                None
            }
        }
    }

    /// An integer in `min..=max`, as u32.
    pub(crate) fn int_range(
        &mut self,
        path: &str,
        v: &Option<raw::Integer>,
        min: u32,
        max: u32,
    ) -> Option<u32> {
        let i = self.integer(path, v)?;
        if i < min as i64 || i > max as i64 {
            let msg = if max == u32::MAX {
                format!("must be at least {min}, found {i}")
            } else {
                format!("must be in {min}..={max}, found {i}")
            };
            self.err(path, msg, None);
            return None;
        }
        Some(i as u32)
    }

    pub(crate) fn duration(&mut self, path: &str, v: &Option<raw::Duration>) -> Option<SimTime> {
        let text = self.duration_text(path, v)?;
        match parse_duration(&text) {
            Ok(d) => Some(d),
            Err(e) => {
                self.err(path, e.0, None);
                None
            }
        }
    }

    /// A duration that must be strictly positive.
    pub(crate) fn positive_duration(
        &mut self,
        path: &str,
        v: &Option<raw::Duration>,
    ) -> Option<SimTime> {
        let d = self.duration(path, v)?;
        if d == SimTime::ZERO {
            self.err(path, "must be greater than zero", None);
            return None;
        }
        Some(d)
    }

    /// The text of a duration string, unparsed; a value of another type is reported.
    pub(crate) fn duration_text(
        &mut self,
        path: &str,
        v: &Option<raw::Duration>,
    ) -> Option<String> {
        match v {
            None => None,
            Some(Lenient::Ok(s)) => Some(s.clone()),
            Some(Lenient::Bad(b)) => {
                let (message, hint) = match b {
                    toml::Value::Integer(_) | toml::Value::Float(_) => {
                        let n = b.to_string();
                        (
                            format!("`{n}` is a bare number: a duration needs a unit"),
                            format!(
                                "write a string with a unit, e.g. \"{n}ms\" or \"{n}s\" (units: us ms s m h d)"
                            ),
                        )
                    }
                    _ => (
                        format!("expected a duration string, found {}", describe(b)),
                        "write e.g. \"120ms\", \"2.5s\", \"10m\"".to_string(),
                    ),
                };
                self.err(path, message, Some(hint));
                None
            }
        }
    }

    /// `file` resolved against the workload's folder (see [`super::files::resolve`]).
    pub(crate) fn file_path(&self, file: &str) -> PathBuf {
        super::files::resolve(self.base_dir, file)
    }

    /// Reads `file` (relative to the workload's folder) named by the key at `path`: its full
    /// path and text, or `None` after reporting why it cannot be read.
    pub(crate) fn read_file(&mut self, path: &str, file: &str) -> Option<(PathBuf, String)> {
        let full = self.file_path(file);
        match std::fs::read_to_string(&full) {
            Ok(text) => Some((full, text)),
            Err(e) => {
                self.err(
                    path,
                    format!("cannot read \"{file}\" ({}): {e}", full.display()),
                    Some("the path is relative to the workload file".into()),
                );
                None
            }
        }
    }

    /// Reports bad rows of a data file: the first five in full, then a count.
    pub(crate) fn report_rows(&mut self, path: &str, bad: Vec<String>) {
        let n = bad.len();
        for msg in bad.into_iter().take(5) {
            self.err(path, msg, None);
        }
        if n > 5 {
            self.err(path, format!("... and {} more bad rows", n - 5), None);
        }
    }

    /// Reports keys present in a tagged table that do not belong to its tag.
    pub(crate) fn foreign_keys(
        &mut self,
        path: &str,
        tag: &str,
        value: &str,
        present: &[&str],
        allowed: &[&str],
    ) {
        for key in present {
            if !allowed.contains(key) {
                let takes = if allowed.is_empty() {
                    "no other keys".to_string()
                } else {
                    key_list(allowed)
                };
                self.err(
                    &format!("{path}.{key}"),
                    format!("does not apply to {tag} = \"{value}\""),
                    Some(format!("{tag} = \"{value}\" takes {takes}")),
                );
            }
        }
    }

    /// The `kind` / `dist` tag of a tagged table: "is required" (listing `names`) when absent.
    pub(crate) fn tag(
        &mut self,
        path: &str,
        v: &Option<raw::Text>,
        names: &[&str],
    ) -> Option<String> {
        match v {
            None => {
                self.err(
                    path,
                    "is required",
                    Some(format!("one of {}", super::hints::quoted_list(names))),
                );
                None
            }
            Some(_) => self.text(path, v),
        }
    }
}
