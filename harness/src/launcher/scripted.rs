//! A launcher without processes, for tests: every environment follows its function's
//! script on tokio's clock (so a test with a paused clock runs instantly and measures exact
//! durations).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::watch;
use tokio::time::Instant;

use super::{EnvPort, EnvProcess, LaunchFuture, LaunchSpec, Launched, Launcher};
use crate::cgroup::CpuLimit;
use crate::env::{Env, Outcome, ProcessExit};

/// How one initialisation ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InitEnd {
    /// The runtime asks for its first event (`/next`).
    Ready,
    /// The runtime reports `/init/error` with this error type.
    Error(String),
    /// The process exits with status 1.
    Crash,
    /// Nothing happens (the runtime's init timeout ends it).
    Hang,
}

/// One initialisation: how long it takes, and how it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Init {
    /// Time from the launch to the end.
    pub after: Duration,
    /// How it ends.
    pub end: InitEnd,
}

/// What one invocation does once its event is handed over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// Responds after `after` with `body`, or with the event itself when `None`.
    Respond {
        /// Duration of the invocation.
        after: Duration,
        /// The response.
        body: Option<Bytes>,
    },
    /// Reports a function error of this type after `after`.
    Error {
        /// Duration of the invocation.
        after: Duration,
        /// `errorType` of the error.
        error_type: String,
    },
    /// The process exits with status 1 after `after`.
    Crash {
        /// Time from the hand-over to the exit.
        after: Duration,
    },
    /// Never answers (the function's timeout ends it).
    Hang,
}

impl Step {
    /// Echoes the event after `after`.
    pub fn echo(after: Duration) -> Step {
        Step::Respond { after, body: None }
    }
}

/// The script of a function's environments. Initialisations follow `inits` in launch order,
/// then `then_init`; invocations follow `invocations` in the order their events are handed
/// over (whatever the environment), then `then`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionScript {
    /// The first initialisations, in launch order.
    pub inits: Vec<Init>,
    /// Every later initialisation.
    pub then_init: Init,
    /// The first invocations, in hand-over order.
    pub invocations: Vec<Step>,
    /// Every later invocation.
    pub then: Step,
    /// Peak memory every environment reports, MB.
    pub peak_mb: u64,
}

impl FunctionScript {
    /// Every init takes `init` and succeeds; every invocation echoes its event after
    /// `duration`; peak memory 0.
    pub fn new(init: Duration, duration: Duration) -> FunctionScript {
        FunctionScript {
            inits: Vec::new(),
            then_init: Init {
                after: init,
                end: InitEnd::Ready,
            },
            invocations: Vec::new(),
            then: Step::echo(duration),
            peak_mb: 0,
        }
    }

    /// Adds `step` to the first invocations.
    pub fn invocation(mut self, step: Step) -> FunctionScript {
        self.invocations.push(step);
        self
    }

    /// Adds `init` to the first initialisations.
    pub fn init(mut self, init: Init) -> FunctionScript {
        self.inits.push(init);
        self
    }
}

impl Default for FunctionScript {
    /// Init 100 ms, invocations echo after 10 ms.
    fn default() -> Self {
        FunctionScript::new(Duration::from_millis(100), Duration::from_millis(10))
    }
}

#[derive(Default)]
struct Progress {
    launches: usize,
    handed: usize,
}

/// Runs scripted environments: no process, no cgroup, no Runtime API socket
/// (`cpu_limit: "none"`). Functions without a script follow [`FunctionScript::default`].
#[derive(Default)]
pub struct ScriptedLauncher {
    scripts: HashMap<String, FunctionScript>,
    progress: Arc<Mutex<HashMap<String, Progress>>>,
}

impl ScriptedLauncher {
    /// A launcher where every function follows [`FunctionScript::default`].
    pub fn new() -> ScriptedLauncher {
        ScriptedLauncher::default()
    }

    /// Gives `function` its script.
    pub fn script(mut self, function: &str, script: FunctionScript) -> ScriptedLauncher {
        self.scripts.insert(function.to_string(), script);
        self
    }

    /// How many environments of `function` were launched so far.
    pub fn launches(&self, function: &str) -> usize {
        self.progress
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(function)
            .map_or(0, |p| p.launches)
    }
}

impl super::sealed::Sealed for ScriptedLauncher {}

impl Launcher for ScriptedLauncher {
    fn cpu_limit(&self) -> CpuLimit {
        CpuLimit::None
    }

    fn cpu_limit_reason(&self) -> Option<&str> {
        Some("scripted environments (no process)")
    }

    fn launch<'a>(&'a self, spec: LaunchSpec<'a>, port: EnvPort) -> LaunchFuture<'a> {
        let name = spec.function.name.clone();
        let script = self.scripts.get(&name).cloned().unwrap_or_default();
        let init = {
            let mut all = self.progress.lock().unwrap_or_else(|p| p.into_inner());
            let p = all.entry(name.clone()).or_default();
            p.launches += 1;
            script
                .inits
                .get(p.launches - 1)
                .cloned()
                .unwrap_or_else(|| script.then_init.clone())
        };
        let (kill_tx, mut killed) = watch::channel(false);
        let peak = Some(script.peak_mb << 20);
        let progress = self.progress.clone();
        let started = Instant::now();
        let env = port.env.clone();
        tokio::spawn(async move {
            let run = run(&env, &port, init, &script, &name, &progress);
            let how = tokio::select! {
                how = run => how,
                _ = killed.wait_for(|k| *k) => ProcessExit::Exited("signal: killed".to_string()),
            };
            port.exited(how, peak);
        });
        Box::pin(async move {
            Ok(Launched {
                process: Box::new(ScriptedProcess {
                    kill: kill_tx,
                    peak,
                }),
                started,
            })
        })
    }

    fn cleanup(&self) {}
}

/// Plays one environment's script; returns how its process ended (never, for a hang).
async fn run(
    env: &Env,
    port: &EnvPort,
    init: Init,
    script: &FunctionScript,
    name: &str,
    progress: &Mutex<HashMap<String, Progress>>,
) -> ProcessExit {
    tokio::time::sleep(init.after).await;
    match init.end {
        InitEnd::Ready => {}
        InitEnd::Error(error_type) => {
            let body = serde_json::json!({"errorType": error_type, "errorMessage": "scripted"});
            env.init_error(error_type, Bytes::from(body.to_string()));
            return std::future::pending().await;
        }
        InitEnd::Crash => return ProcessExit::Exited("exit status 1".to_string()),
        InitEnd::Hang => return std::future::pending().await,
    }
    loop {
        let Some(event) = env.next().await else {
            return std::future::pending().await;
        };
        let step = {
            let mut all = progress.lock().unwrap_or_else(|p| p.into_inner());
            let p = all.entry(name.to_string()).or_default();
            p.handed += 1;
            script
                .invocations
                .get(p.handed - 1)
                .cloned()
                .unwrap_or_else(|| script.then.clone())
        };
        port.log_line(format!("scripted: {step:?}").as_bytes());
        let (after, outcome) = match step {
            Step::Respond { after, body } => (after, Ok(body.unwrap_or(event.payload))),
            Step::Error { after, error_type } => (after, Err(error_type)),
            Step::Crash { after } => {
                tokio::time::sleep(after).await;
                return ProcessExit::Exited("exit status 1".to_string());
            }
            Step::Hang => return std::future::pending().await,
        };
        tokio::time::sleep(after).await;
        let Ok(cur) = env.take_current(&event.request_id) else {
            continue;
        };
        let done = Instant::now();
        let _ = cur.result.send(match outcome {
            Ok(body) => Outcome::Response {
                body,
                handed: cur.handed,
                first_byte: None,
                done,
            },
            Err(error_type) => Outcome::Error {
                body: Bytes::from(
                    serde_json::json!({"errorType": error_type, "errorMessage": "scripted"})
                        .to_string(),
                ),
                error_type,
                handed: cur.handed,
                done,
            },
        });
    }
}

/// A scripted environment's "process".
struct ScriptedProcess {
    kill: watch::Sender<bool>,
    peak: Option<u64>,
}

impl EnvProcess for ScriptedProcess {
    fn kill(&self) {
        let _ = self.kill.send(true);
    }
    fn peak_bytes(&self) -> Option<u64> {
        self.peak
    }
}
