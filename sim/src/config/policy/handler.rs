//! `[function.handler]`: how the harness starts an execution environment.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::config::hints::describe;
use crate::config::raw::{Lenient, Text};
use crate::config::values::Validator;
use crate::model::Handler;

/// `[function.handler]` as written.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Raw {
    /// `command = ["python3", "-m", "awslambdaric", "app.handler"]`.
    pub command: Option<Lenient<Vec<Text>>>,
    /// `cwd = "functions/hello"`.
    pub cwd: Option<Text>,
    /// `env = { LOG_LEVEL = "info" }` (free-form keys).
    pub env: Option<Lenient<BTreeMap<String, Text>>>,
}

pub(crate) fn check(v: &mut Validator, path: &str, h: &Raw) -> Option<Handler> {
    let command = match &h.command {
        None => {
            v.missing(
                &format!("{path}.command"),
                "command = [\"python3\", \"-m\", \"awslambdaric\", \"app.handler\"]",
            );
            None
        }
        Some(Lenient::Ok(items)) => {
            let mut out = Vec::new();
            let mut ok = true;
            for (k, item) in items.iter().enumerate() {
                match v.text(&format!("{path}.command[{k}]"), &Some(item.clone())) {
                    Some(s) => out.push(s),
                    None => ok = false,
                }
            }
            if ok && (out.is_empty() || out[0].is_empty()) {
                v.err(
                    &format!("{path}.command"),
                    "must name a program to run",
                    Some("e.g. command = [\"python3\", \"app.py\"]".into()),
                );
                ok = false;
            }
            ok.then_some(out)
        }
        Some(Lenient::Bad(b)) => {
            v.err(
                &format!("{path}.command"),
                format!("expected an array of strings, found {}", describe(b)),
                Some("write e.g. command = [\"python3\", \"app.py\"]".into()),
            );
            None
        }
    };
    let cwd = match v.text(&format!("{path}.cwd"), &h.cwd) {
        Some(c) => Some(v.file_path(&c)),
        None if h.cwd.is_none() => Some(v.file_path(".")),
        None => None,
    };
    let env = match &h.env {
        None => Some(BTreeMap::new()),
        Some(Lenient::Ok(map)) => {
            let mut out = BTreeMap::new();
            let mut ok = true;
            for (k, x) in map {
                match v.text(&format!("{path}.env.{k}"), &Some(x.clone())) {
                    Some(s) => {
                        out.insert(k.clone(), s);
                    }
                    None => ok = false,
                }
            }
            ok.then_some(out)
        }
        Some(Lenient::Bad(b)) => {
            v.err(
                &format!("{path}.env"),
                format!("expected a table of strings, found {}", describe(b)),
                None,
            );
            None
        }
    };
    Some(Handler {
        command: command?,
        cwd: cwd?,
        env: env?,
    })
}
