//! One module per policy of the workload file. Each holds the policy's raw keys (a serde
//! struct, `deny_unknown_fields` and kebab-case: the one list of its key names), its checks
//! (raw → [`crate::model`], every error at its TOML path) and its defaults.
//!
//! | module | keys |
//! |---|---|
//! | [`simulation`] | `[simulation]` |
//! | [`limits`] | `[account]`, `reserved-concurrency`, the checks across functions |
//! | [`pricing`] | `[pricing]`, `[pricing.rates]` |
//! | [`slo`] | `[slo]` |
//! | [`function`] | `[[function]]` basics, and the assembly of a function's policies |
//! | [`provisioned`] | `provisioned-concurrency` |
//! | [`capacity`] | `compute`, `[function.managed-instances]`, `[function.provisioned-autoscaling]` |
//! | [`arrivals`] | `[function.arrivals]`, one module per `kind` |
//! | [`distributions`] | `[function.duration]`, `[function.init]`, `[function.restore]` |
//! | [`calibration`] | `calibration = "…"` files |
//! | [`keep_alive`] | `[function.keep-alive]` |
//! | [`handler`] | `[function.handler]` |
//! | [`measured`] | `measured = "measured.json"` (CloudWatch's series to compare with) |
//! | [`trigger`] | `[[function.trigger]]` and its kinds' keys |
//! | [`population`] | `[[population]]`: members read from a trace, expanded into functions |

pub mod arrivals;
pub mod calibration;
pub mod capacity;
pub mod distributions;
pub mod function;
pub mod handler;
pub mod keep_alive;
pub mod limits;
pub mod measured;
pub mod population;
pub mod pricing;
pub mod provisioned;
pub mod simulation;
pub mod slo;
pub mod trigger;
