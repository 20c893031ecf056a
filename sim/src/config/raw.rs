//! The workload file as written: serde structs that mirror the TOML one to one.
//!
//! Every table is `deny_unknown_fields` and kebab-case; every key is optional here (required
//! keys are checked by [`super::validate`], which can then report all missing keys at once).
//! Leaf values are wrapped in [`Lenient`], which never fails to deserialize: a value of the
//! wrong type is kept as [`Lenient::Bad`] so validation can say what is wrong with it (e.g.
//! a bare number where a duration string is expected) instead of stopping at the first error.
//! Unknown keys and tables of the wrong type are found (all of them, with suggestions) by a
//! walk over the parsed TOML before serde sees it, using the field lists from [`keys_of`].
//!
//! The tables themselves are defined with their policy in [`super::policy`] and re-exported
//! here under their names in the file. Policies with a `kind` / `dist` tag are not
//! serde-tagged enums: validation checks the tag and which keys belong to it, which gives
//! better messages ("`count` does not apply to kind = \"poisson\"") than a serde-tagged enum.
//! Duration distributions and keep-alive are flat structs holding the union of their variants'
//! keys; arrivals read `kind`, `start` and `end`, and each kind reads its own keys from the
//! rest of the table (see [`super::policy::arrivals`]).

use serde::Deserialize;

/// A leaf value: either of the expected type, or whatever the file held instead.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Lenient<T> {
    /// A value of the expected type.
    Ok(T),
    /// A value of another type, reported by validation.
    Bad(toml::Value),
}

/// A duration: a string with a unit (`"120ms"`); anything else is reported by validation.
pub type Duration = Lenient<String>;
/// A number: TOML integers and floats are both accepted.
pub type Number = Lenient<f64>;
/// An integer.
pub type Integer = Lenient<i64>;
/// A string.
pub type Text = Lenient<String>;
/// A boolean.
pub type Bool = Lenient<bool>;

/// The whole workload file.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Workload {
    /// `[simulation]`.
    pub simulation: Option<Simulation>,
    /// `[account]`.
    pub account: Option<Account>,
    /// `[pricing]`.
    pub pricing: Option<Pricing>,
    /// `[[function]]`.
    pub function: Option<Vec<Function>>,
    /// `[slo]`.
    pub slo: Option<Slo>,
    /// `[[population]]`.
    pub population: Option<Vec<Population>>,
}

// The raw tables of each policy live with its checks and defaults (`super::policy`); these
// are their names as parts of the file.

/// `[function.arrivals]`.
pub use super::policy::arrivals::Raw as Arrivals;
/// A calibration file.
pub use super::policy::calibration::Raw as Calibration;
/// `[function.managed-instances]` and `[function.provisioned-autoscaling]`.
pub use super::policy::capacity::{
    AutoscalingRaw as ProvisionedAutoscaling, ManagedRaw as ManagedInstances,
};
/// `[function.duration]`, `[function.init]`, `[function.restore]`.
pub use super::policy::distributions::Raw as DurationDist;
/// One `[[function]]`.
pub use super::policy::function::Raw as Function;
/// `[function.handler]`.
pub use super::policy::handler::Raw as Handler;
/// `[function.keep-alive]`.
pub use super::policy::keep_alive::Raw as KeepAlive;
/// `[account]`.
pub use super::policy::limits::Raw as Account;
/// One `[[population]]`.
pub use super::policy::population::Raw as Population;
/// `[pricing]`.
pub use super::policy::pricing::{Rates, Raw as Pricing};
/// `provisioned-concurrency`.
pub use super::policy::provisioned::{Raw as Provisioned, Window as ProvisionedWindow};
/// `[simulation]`.
pub use super::policy::simulation::{Raw as Simulation, SeedValue};
/// `[slo]`.
pub use super::policy::slo::Raw as Slo;
/// `[[function.trigger]]`.
pub use super::policy::trigger::Raw as Trigger;

/// The keys a struct accepts, read from its serde derive (so they cannot drift from it).
///
/// The serde derive passes its field list to `Deserializer::deserialize_struct`; this
/// deserializer records that list and stops.
pub fn keys_of<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    let mut cap = FieldCapture { fields: &[] };
    let _ = T::deserialize(&mut cap);
    cap.fields
}

struct FieldCapture {
    fields: &'static [&'static str],
}

#[derive(Debug)]
struct Captured;

impl std::fmt::Display for Captured {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("field list captured")
    }
}

impl std::error::Error for Captured {}

impl serde::de::Error for Captured {
    fn custom<T: std::fmt::Display>(_msg: T) -> Self {
        Captured
    }
}

impl<'de> serde::Deserializer<'de> for &mut FieldCapture {
    type Error = Captured;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, _v: V) -> Result<V::Value, Captured> {
        Err(Captured)
    }

    fn deserialize_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        fields: &'static [&'static str],
        _v: V,
    ) -> Result<V::Value, Captured> {
        self.fields = fields;
        Err(Captured)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_the_serde_derive() {
        assert_eq!(
            keys_of::<Simulation>(),
            ["duration", "warmup", "seed", "replicates", "start-at"]
        );
        assert!(keys_of::<Arrivals>().contains(&"rate-per-s"));
        assert!(keys_of::<Function>().contains(&"provisioned-concurrency"));
    }

    #[test]
    fn lenient_keeps_values_of_the_wrong_type() {
        let t: Simulation = toml::from_str("duration = 120\nreplicates = 2").unwrap();
        assert_eq!(t.duration, Some(Lenient::Bad(toml::Value::Integer(120))));
        assert_eq!(t.replicates, Some(Lenient::Ok(2)));
        let r: super::super::policy::arrivals::poisson::Raw =
            toml::from_str("rate-per-s = 50").unwrap();
        assert_eq!(r.rate_per_s, Some(Lenient::Ok(50.0)));
    }

    #[test]
    fn provisioned_is_an_integer_or_a_schedule() {
        let f: Function = toml::from_str("provisioned-concurrency = 3").unwrap();
        assert_eq!(
            f.provisioned_concurrency,
            Some(Lenient::Ok(Provisioned::Count(3)))
        );
        let f: Function = toml::from_str(
            "[[provisioned-concurrency]]\nstart = \"1h\"\nend = \"2h\"\ncount = 4\n",
        )
        .unwrap();
        let Some(Lenient::Ok(Provisioned::Schedule(w))) = f.provisioned_concurrency else {
            panic!("expected a schedule");
        };
        assert_eq!(w[0].count, Some(Lenient::Ok(4)));
    }
}
