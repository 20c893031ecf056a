//! How execution environments are started: the [`Launcher`] seam between the runtime (pool,
//! limits, life cycle, measurements) and what runs a handler.
//!
//! - [`ProcessLauncher`] (what `serve` and `bench` use): one child process per environment,
//!   its cgroup, its Runtime API listener and its log pipe.
//! - [`ScriptedLauncher`] (a test double): no process; each environment follows a script
//!   (init time, then per invocation a duration and a response, an error, a crash or a
//!   hang), on tokio's clock, so life-cycle tests run deterministically and, with a paused
//!   clock, instantly.
//!
//! A launcher starts the environment and returns once it runs; the runtime then waits for
//! its first `/next` (the end of init) and hands events over through the environment's state
//! machine, which the process (through the Runtime API) or the script drives.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use lamsim_sim::model::Function;
use tokio::time::Instant;

use crate::cgroup::{CpuLimit, InitCpu};
pub use crate::env::{EnvPort, EnvProcess, ProcessExit};

mod process;
mod scripted;

pub use process::ProcessLauncher;
pub use scripted::{FunctionScript, Init, InitEnd, ScriptedLauncher, Step};

/// What is launched: one environment of `function`.
#[derive(Clone, Copy, Debug)]
pub struct LaunchSpec<'a> {
    /// The function (with its `memory-mb` and `[function.handler]`).
    pub function: &'a Function,
    /// `AWS_REGION` of the environment.
    pub region: &'a str,
    /// The CPU its INIT phase may use.
    pub init_cpu: InitCpu,
    /// Started for provisioned concurrency (`AWS_LAMBDA_INITIALIZATION_TYPE` =
    /// `provisioned-concurrency`), else on demand.
    pub provisioned: bool,
}

/// A started environment.
pub struct Launched {
    /// Its process, to kill it and read its peak memory.
    pub process: Box<dyn EnvProcess>,
    /// When the timed part of the start began (the spawn, or with a cgroup the go to the
    /// process already inside it): init is measured from here to the first `/next`.
    pub started: Instant,
}

/// Why an environment could not be started (reported as an init failure).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaunchFailure {
    /// AWS error type, e.g. `Runtime.InvalidEntrypoint`.
    pub error_type: &'static str,
    /// What went wrong.
    pub message: String,
    /// Time spent in the timed part of the start before it failed (zero when set-up failed).
    pub elapsed: Duration,
}

/// A boxed future, as [`Launcher::launch`] returns it.
pub type LaunchFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Launched, LaunchFailure>> + Send + 'a>>;

mod sealed {
    pub trait Sealed {}
}

/// Starts execution environments. Implemented by [`ProcessLauncher`] and
/// [`ScriptedLauncher`]; sealed, because the environment's state machine that a launcher
/// drives is internal to the crate.
pub trait Launcher: Send + Sync + sealed::Sealed + 'static {
    /// How CPU share is enforced (`cpu_limit` of `bench.json`).
    fn cpu_limit(&self) -> CpuLimit;
    /// Why there is no CPU limit, when there is none.
    fn cpu_limit_reason(&self) -> Option<&str>;
    /// Starts one environment that talks to the runtime through `port`.
    fn launch<'a>(&'a self, spec: LaunchSpec<'a>, port: EnvPort) -> LaunchFuture<'a>;
    /// Removes what the launcher set up for the whole runtime (cgroups); called when the
    /// runtime stops, after every environment has ended (or been given up on).
    fn cleanup(&self);
}
