//! `[function.arrivals]`: when requests arrive. The keys every kind shares (`kind`, `start`,
//! `end`) are checked here; each kind lives in its own module (its keys, checks, defaults and
//! resolved form) and is listed once in `kinds![…]` below.
//!
//! Adding an arrival kind to the workload file: write `arrivals/new_kind.rs` with a raw struct
//! (serde, `deny_unknown_fields`, kebab-case: the keys it takes) and an `ArrivalKind` impl,
//! and add one line to `kinds![…]`. (The engine side is a variant of
//! [`crate::model::ArrivalProcess`] and its generator in [`crate::arrivals`].) The key lists used for unknown keys, "did you mean" hints and keys of
//! another kind are all derived from the raw structs.

use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::hints::choice_hint;
use crate::config::raw::{Duration, Lenient, Number, Text, keys_of};
use crate::config::values::Validator;
use crate::model::{ArrivalProcess, Arrivals};
use crate::time::SimTime;

/// Every arrival kind, in the order of the docs: one line per kind (`module::Type`).
macro_rules! kinds {
    ($($module:ident :: $kind:ident),* $(,)?) => {
        $(pub mod $module;)*
        /// Every arrival kind, in the order of the docs.
        const KINDS: &[Kind] = &[$(Kind::of::<$module::$kind>()),*];
    };
}

kinds![
    poisson::Poisson,
    constant::Constant,
    on_off::OnOff,
    diurnal::Diurnal,
    trace::Trace,
    schedule::Schedule,
];

/// One arrival kind: the value of `kind`, its raw keys and how they become a process.
pub(crate) trait ArrivalKind {
    /// The value of `kind`.
    const NAME: &'static str;
    /// Other names users write for this kind (lower case, without `-` and `_`), answered with
    /// "did you mean" this kind.
    const ALIASES: &'static [&'static str] = &[];
    /// The kind's own keys, as written (serde, `deny_unknown_fields`, kebab-case).
    type Raw: DeserializeOwned;
    /// Validates the kind's keys (errors at `path.key`, or `path` for the table).
    fn check(
        v: &mut Validator,
        path: &str,
        raw: &Self::Raw,
        cx: &Context,
    ) -> Option<ArrivalProcess>;
    /// The kind's keys for the resolved workload (the lines after `kind = …`), when `process`
    /// is of this kind.
    fn resolved(process: &ArrivalProcess) -> Option<String>;
}

/// What a kind may need to know about its function.
pub(crate) struct Context<'a> {
    /// The function's name (may be empty when it is invalid).
    pub(crate) function: &'a str,
    /// `[simulation] start-at`: the wall clock of simulated time 0, seconds since the Unix
    /// epoch (the default when it is invalid).
    pub(crate) start_at: i64,
}

/// An [`ArrivalKind`] as data, so the kinds can be listed in one array.
struct Kind {
    name: &'static str,
    aliases: &'static [&'static str],
    keys: fn() -> &'static [&'static str],
    check: fn(&mut Validator, &str, &toml::Table, &Context) -> Option<ArrivalProcess>,
    resolved: fn(&ArrivalProcess) -> Option<String>,
}

impl Kind {
    const fn of<K: ArrivalKind>() -> Kind {
        Kind {
            name: K::NAME,
            aliases: K::ALIASES,
            keys: keys_of::<K::Raw>,
            check: check_kind::<K>,
            resolved: K::resolved,
        }
    }
}

/// Reads the kind's raw struct from the keys of the arrivals table that are its own, then
/// checks it.
fn check_kind<K: ArrivalKind>(
    v: &mut Validator,
    path: &str,
    params: &toml::Table,
    cx: &Context,
) -> Option<ArrivalProcess> {
    let keys = keys_of::<K::Raw>();
    let own: toml::Table = params
        .iter()
        .filter(|(k, _)| keys.contains(&k.as_str()))
        .map(|(k, x)| (k.clone(), x.clone()))
        .collect();
    match toml::Value::Table(own).try_into::<K::Raw>() {
        Ok(raw) => K::check(v, path, &raw, cx),
        Err(e) => {
            // Every key is lenient, so this is unexpected; it is still reported.
            v.err(path, e.message().trim().to_string(), None);
            None
        }
    }
}

/// The `kind` values, in the order of the docs.
fn names() -> Vec<&'static str> {
    KINDS.iter().map(|k| k.name).collect()
}

/// The keys of every kind (without `kind`, `start`, `end`), each once, in the order of the
/// kinds.
fn kind_keys() -> impl Iterator<Item = &'static str> {
    let mut seen: Vec<&'static str> = Vec::new();
    for k in KINDS {
        for &key in (k.keys)() {
            if !seen.contains(&key) {
                seen.push(key);
            }
        }
    }
    seen.into_iter()
}

/// Every key `[function.arrivals]` accepts: `kind`, the keys of every kind, `start`, `end`.
pub fn keys() -> &'static [&'static str] {
    static KEYS: OnceLock<&'static [&'static str]> = OnceLock::new();
    KEYS.get_or_init(|| {
        let all: Vec<&'static str> = std::iter::once("kind")
            .chain(kind_keys())
            .chain(["start", "end"])
            .collect();
        Box::leak(all.into_boxed_slice())
    })
}

/// `[function.arrivals]` as written: the shared keys, and the keys of the kinds (read by the
/// kind's module).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Raw {
    /// `kind = "poisson" | "constant" | "on-off" | "diurnal" | "trace" | "schedule"`.
    pub kind: Option<Text>,
    /// any kind.
    pub start: Option<Duration>,
    /// any kind.
    pub end: Option<Duration>,
    /// The other keys, as written.
    pub params: toml::Table,
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TableVisitor;
        impl<'de> serde::de::Visitor<'de> for TableVisitor {
            type Value = toml::Table;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a table")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<toml::Table, A::Error> {
                let mut t = toml::Table::new();
                while let Some((k, x)) = map.next_entry::<String, toml::Value>()? {
                    t.insert(k, x);
                }
                Ok(t)
            }
        }
        // The field list is passed as a struct's would be, so `keys_of` reads it.
        let mut params = d.deserialize_struct("Arrivals", keys(), TableVisitor)?;
        let mut take = |key: &str| -> Result<Option<Lenient<String>>, D::Error> {
            params
                .remove(key)
                .map(|x| Lenient::<String>::deserialize(x).map_err(serde::de::Error::custom))
                .transpose()
        };
        Ok(Raw {
            kind: take("kind")?,
            start: take("start")?,
            end: take("end")?,
            params,
        })
    }
}

/// Validates `[function.arrivals]` at `path`, within a window of `window`.
pub(crate) fn check(
    v: &mut Validator,
    path: &str,
    a: &Raw,
    window: SimTime,
    cx: &Context,
) -> Option<Arrivals> {
    let at = |k: &str| format!("{path}.{k}");
    let start = v.duration(&at("start"), &a.start);
    let end = v.duration(&at("end"), &a.end);
    let (start_ok, end_ok) = (
        a.start.is_none() || start.is_some(),
        a.end.is_none() || end.is_some(),
    );
    let start = start.unwrap_or(SimTime::ZERO);
    let end = end.unwrap_or(window);
    let mut bounds_ok = start_ok && end_ok;
    if bounds_ok && end > window {
        v.err(
            &at("end"),
            format!("must be within simulation.duration ({window}), found {end}"),
            None,
        );
        bounds_ok = false;
    }
    if bounds_ok && start >= end {
        v.err(
            &at("start"),
            format!("must be before end ({end}), found {start}"),
            None,
        );
        bounds_ok = false;
    }
    let present: Vec<&str> = kind_keys().filter(|k| a.params.contains_key(*k)).collect();
    let names = names();
    let kind = v.tag(&at("kind"), &a.kind, &names);
    let process = match kind.as_deref() {
        None => None,
        Some(name) => match KINDS.iter().find(|k| k.name == name) {
            Some(k) => {
                v.foreign_keys(path, "kind", k.name, &present, (k.keys)());
                (k.check)(v, path, &a.params, cx)
            }
            None => {
                let plain = name.to_ascii_lowercase().replace(['-', '_'], "");
                let hint = match KINDS.iter().find(|k| k.aliases.contains(&plain.as_str())) {
                    Some(k) => format!("did you mean `{}`?", k.name),
                    None => choice_hint(name, &names),
                };
                v.err(
                    &at("kind"),
                    format!("unknown arrival kind \"{name}\""),
                    Some(hint),
                );
                None
            }
        },
    };
    if !bounds_ok {
        return None;
    }
    Some(Arrivals {
        process: process?,
        start,
        end,
    })
}

/// `kind = …` and the kind's keys, for the resolved workload (without `start` and `end`).
pub(crate) fn resolved(process: &ArrivalProcess) -> String {
    KINDS
        .iter()
        .find_map(|k| (k.resolved)(process).map(|keys| format!("kind = \"{}\"\n{keys}", k.name)))
        .unwrap_or_default()
}

/// A rate key (`path.key`): required, greater than zero (`strict`) or zero or positive.
pub(crate) fn rate(
    v: &mut Validator,
    path: &str,
    key: &str,
    x: &Option<Number>,
    strict: bool,
) -> Option<f64> {
    let at = format!("{path}.{key}");
    if x.is_none() {
        v.missing(&at, &format!("{key} = 10.0"));
        return None;
    }
    if strict {
        v.number_where(&at, x, |x| x > 0.0, "greater than zero")
    } else {
        v.number_where(&at, x, |x| x >= 0.0, "zero or positive")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_list_is_the_kinds_keys_in_the_order_of_the_kinds() {
        // This order is the order of "known keys here" hints and of "does not apply" errors.
        assert_eq!(
            keys(),
            [
                "kind",
                "rate-per-s",
                "count",
                "on-rate-per-s",
                "off-rate-per-s",
                "on-mean",
                "off-mean",
                "mean-rate-per-s",
                "amplitude",
                "period",
                "peak-at",
                "hourly-rates-per-s",
                "file",
                "trace-function",
                "expression",
                "start",
                "end"
            ]
        );
        assert_eq!(keys_of::<Raw>(), keys());
        assert_eq!(
            names(),
            [
                "poisson", "constant", "on-off", "diurnal", "trace", "schedule"
            ]
        );
    }

    #[test]
    fn aliases_name_one_kind_each() {
        let mut seen: Vec<&str> = Vec::new();
        for k in KINDS {
            for a in k.aliases {
                assert!(!seen.contains(a), "{a} names two kinds");
                assert!(!names().contains(a), "{a} is a kind");
                seen.push(a);
            }
        }
    }
}
