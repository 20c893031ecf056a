//! `[[population]]` traces: thousands of functions from the Azure Functions traces or any
//! table of requests (spec section 8).
//!
//! [`TraceReader`] implements [`lamsim_sim::config::policy::population::Reader`]: `lamsim`
//! registers it at start-up ([`register`]) so that `sim::config` can expand populations
//! without depending on polars. Each kind has its module:
//!
//! - [`azure2019`]: per-minute invocation counts, duration percentiles and memory
//!   percentiles (the Azure Functions 2019 schema), read row by row with the csv crate;
//! - [`requests`]: one row per request — `azure2021` (`app`, `func`, `end_timestamp`,
//!   `duration` in seconds) and `table` (any CSV or Parquet with function, timestamp and
//!   optional duration columns), scanned lazily with polars (only the needed columns are
//!   read);
//! - [`synth`]: a seeded generator of Azure-2019-shaped populations of any size (the
//!   10,000-function benchmark), written in the same schema.

pub mod azure2019;
pub mod requests;
pub mod synth;

use lamsim_sim::config::policy::population::{Files, Member, ReadError, Reader, Spec, set_reader};

/// The reader of every population kind.
#[derive(Clone, Copy, Debug, Default)]
pub struct TraceReader;

impl Reader for TraceReader {
    fn read(&self, spec: &Spec) -> Result<Vec<Member>, ReadError> {
        match &spec.files {
            Files::Azure2019 {
                invocations,
                durations,
                memory,
            } => azure2019::read(invocations, durations, memory.as_deref()),
            Files::Azure2021 { file } => requests::read_azure2021(file),
            Files::Table {
                file,
                function,
                timestamp,
                duration,
            } => requests::read_table(file, function, timestamp, duration.as_deref()),
        }
    }
}

static READER: TraceReader = TraceReader;

/// Registers [`TraceReader`] with `sim::config` for this process (idempotent).
pub fn register() {
    set_reader(&READER);
}
