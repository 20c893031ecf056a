//! The real launcher: one child process per execution environment, in its own cgroup, with
//! its own Runtime API listener and one pipe for its stdout and stderr.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lamsim_sim::model::Function;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::{EnvPort, EnvProcess, LaunchFailure, LaunchFuture, LaunchSpec, Launched, Launcher};
use crate::cgroup::{Cgroups, CpuLimit, EnvCgroup, JOIN_SHELL, JOINED};
use crate::env::{self, ProcessExit};
use crate::error::HarnessError;
use crate::ids;
use crate::log_lines::{LineSplitter, MAX_LINE_BYTES};

/// What a function's `[function.handler]` resolves to.
#[derive(Clone, Debug)]
struct Resolved {
    program: PathBuf,
    args: Vec<String>,
    cwd: PathBuf,
}

/// Starts each environment as a child process of the function's `[function.handler]
/// command`, in its own process group and cgroup (CPU share `memory-mb / 1769`, memory
/// limit `memory-mb`), with the environment variables AWS sets and its own Runtime API.
pub struct ProcessLauncher {
    cgroups: Option<Cgroups>,
    cpu_limit: CpuLimit,
    cpu_limit_reason: Option<String>,
    handlers: HashMap<String, Resolved>,
}

/// Whether `p` is a file with an execute permission bit set.
fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Resolves the program of a handler command: a path with a `/` against `cwd` (a file, which
/// the caller checks is executable), a bare name through `PATH` (the first executable file,
/// as a shell finds it).
fn resolve_program(program: &str, cwd: &Path) -> Option<PathBuf> {
    let p = Path::new(program);
    if program.contains('/') {
        let full = if p.is_absolute() {
            p.to_path_buf()
        } else {
            cwd.join(p)
        };
        return full.is_file().then_some(full);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(program))
        .find(|c| is_executable(c))
}

/// Checks a function's `[function.handler]` and resolves its program and folder.
fn resolve(index: usize, f: &Function) -> Result<Resolved, HarnessError> {
    let Some(h) = &f.handler else {
        return Err(HarnessError::NoHandler {
            index,
            name: f.name.clone(),
        });
    };
    let Some(program) = h.command.first() else {
        return Err(HarnessError::EmptyCommand {
            index,
            name: f.name.clone(),
        });
    };
    let cwd = if h.cwd.as_os_str().is_empty() {
        std::env::current_dir().unwrap_or_default()
    } else {
        std::path::absolute(&h.cwd).unwrap_or_else(|_| h.cwd.clone())
    };
    if !cwd.is_dir() {
        return Err(HarnessError::BadCwd { index, cwd });
    }
    let Some(resolved) = resolve_program(program, &cwd) else {
        return Err(HarnessError::ProgramNotFound {
            index,
            program: program.clone(),
        });
    };
    // Refused here, not at the first cold start: with cgroups the handler is exec'd by a
    // shell (`EnvCgroup::join_then_exec`), whose failure would read as a crash in INIT.
    if !is_executable(&resolved) {
        return Err(HarnessError::ProgramNotExecutable {
            index,
            program: program.clone(),
            path: resolved,
        });
    }
    Ok(Resolved {
        program: resolved,
        args: h.command[1..].to_vec(),
        cwd,
    })
}

impl ProcessLauncher {
    /// Checks every function's handler (errors name the function's position), then, with
    /// `cgroups`, sets up the cgroups, warning once on stderr when they are not available.
    ///
    /// It also marks every file descriptor above stderr that this process inherited
    /// close-on-exec, so that handlers get none of them (what Rust opens is close-on-exec
    /// already).
    pub fn new(functions: &[Function], cgroups: bool) -> Result<ProcessLauncher, HarnessError> {
        close_fds::set_fds_cloexec_threadsafe(3, &[]);
        let mut handlers = HashMap::new();
        for (index, f) in functions.iter().enumerate() {
            let r = resolve(index, f)?;
            handlers.entry(f.name.clone()).or_insert(r);
        }
        let (cgroups, cpu_limit, reason) = if cgroups {
            match Cgroups::create() {
                Ok(c) => {
                    let k = c.kind();
                    (Some(c), k, None)
                }
                Err(why) => {
                    eprintln!(
                        "warning: handlers run without CPU and memory limits (cpu_limit: \"none\"): {why}; \
                         durations are not scaled by memory-mb"
                    );
                    (None, CpuLimit::None, Some(why))
                }
            }
        } else {
            (
                None,
                CpuLimit::None,
                Some("disabled by the caller".to_string()),
            )
        };
        Ok(ProcessLauncher {
            cgroups,
            cpu_limit,
            cpu_limit_reason: reason,
            handlers,
        })
    }

    async fn start(&self, spec: LaunchSpec<'_>, port: EnvPort) -> Result<Launched, LaunchFailure> {
        let f = spec.function;
        let id = port.id();
        let setup_failed = |message: String| LaunchFailure {
            error_type: "Runtime.Unknown",
            message,
            elapsed: Duration::ZERO,
        };
        let Some(h) = self.handlers.get(&f.name) else {
            return Err(setup_failed(format!("`{}` has no checked handler", f.name)));
        };
        // Untimed set-up: cgroup, listener, pipe.
        let cgroup = self.cgroups.as_ref().and_then(|c| {
            c.create_env(&format!("{}-{id}", f.name), f.memory_mb, spec.init_cpu)
                .inspect_err(|e| {
                    eprintln!(
                        "warning: environment {id} of `{}` runs without limits: {e}",
                        f.name
                    )
                })
                .ok()
        });
        // A set-up step failed before the environment ran: remove its cgroup.
        let abandon = |failure: LaunchFailure| {
            if let Some(cg) = &cgroup {
                cg.remove();
            }
            failure
        };
        let listener = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
            Ok(l) => l,
            Err(e) => {
                return Err(abandon(setup_failed(format!(
                    "cannot bind the Runtime API: {e}"
                ))));
            }
        };
        let api = listener
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        // One pipe for stdout and stderr, as one CloudWatch log stream holds both.
        let pipe =
            tokio::net::unix::pipe::pipe().and_then(|(tx, rx)| Ok((tx.into_blocking_fd()?, rx)));
        let (writer, reader) = match pipe {
            Ok(p) => p,
            Err(e) => return Err(abandon(setup_failed(format!("cannot create a pipe: {e}")))),
        };
        // With a cgroup, a shell joins it and waits for a go before it execs the handler, so
        // the handler runs inside its limits from its first instruction and the INIT clock
        // starts at the go (see `EnvCgroup::join_then_exec`).
        let mut cmd = match &cgroup {
            Some(cg) => {
                let keep_pwd = f
                    .handler
                    .as_ref()
                    .is_some_and(|spec| spec.env.contains_key("PWD"));
                let mut c = tokio::process::Command::new(JOIN_SHELL);
                c.args(cg.join_then_exec(keep_pwd))
                    .arg(&h.program)
                    .stdin(Stdio::piped())
                    .stdout(Stdio::piped())
                    .stderr(Stdio::from(writer));
                c
            }
            None => {
                let mut c = tokio::process::Command::new(&h.program);
                c.stdin(Stdio::null());
                match writer.try_clone() {
                    Ok(w2) => {
                        c.stdout(Stdio::from(writer)).stderr(Stdio::from(w2));
                    }
                    Err(_) => {
                        c.stdout(Stdio::from(writer)).stderr(Stdio::null());
                    }
                }
                c
            }
        };
        cmd.args(&h.args).current_dir(&h.cwd);
        cmd.process_group(0).kill_on_drop(true);
        set_env_vars(&mut cmd, f, h, spec.region, &api, spec.provisioned);
        let spawned = Instant::now();
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                let program = if cgroup.is_some() {
                    Path::new(JOIN_SHELL)
                } else {
                    h.program.as_path()
                };
                return Err(abandon(LaunchFailure {
                    error_type: "Runtime.InvalidEntrypoint",
                    message: format!("fork/exec {}: {e}", program.display()),
                    elapsed: spawned.elapsed(),
                }));
            }
        };
        drop(cmd); // closes our copies of the pipe's write end
        let go = match &cgroup {
            Some(cg) => match joined(&mut child).await {
                Ok(stdin) => Some(stdin),
                Err(why) => {
                    let _ = child.start_kill();
                    let _ = child.wait().await;
                    return Err(abandon(setup_failed(format!(
                        "environment {id} of `{}` could not join its cgroup {}: {why}",
                        f.name,
                        cg.describe()
                    ))));
                }
            },
            None => None,
        };
        let pid = child.id().unwrap_or(0);
        let process = Arc::new(ChildProcess {
            pid,
            cgroup,
            hwm: Mutex::new(None),
        });
        // The Runtime API serves the environment's own processes only. Connections made
        // before this point wait in the listener's backlog.
        {
            let process = process.clone();
            crate::runtime_api::spawn(&port.env, listener, move |peer, local| {
                process.owns_connection(peer, local)
            });
        }
        let port = Arc::new(port);
        spawn_log_reader(port.clone(), reader);
        // Timed: the go (or the spawn) → first /next.
        let started = match go {
            Some(mut stdin) => {
                let started = Instant::now();
                // The shell execs the handler on this line or, should the write fail, at the
                // end of its stdin, which dropping `stdin` makes.
                let _ = stdin.write_all(b"\n").await;
                started
            }
            None => spawned,
        };
        {
            let process = process.clone();
            tokio::spawn(async move {
                let status = child.wait().await;
                process.kill();
                let (oom, peak) = match &process.cgroup {
                    Some(cg) => (cg.oom_kills() > 0, cg.peak_bytes()),
                    None => (false, None),
                };
                if let Some(cg) = &process.cgroup {
                    cg.remove();
                }
                let how = if oom {
                    ProcessExit::OutOfMemory
                } else {
                    ProcessExit::Exited(match status {
                        Ok(s) => describe_exit(s),
                        Err(e) => e.to_string(),
                    })
                };
                port.exited(how, peak);
            });
        }
        Ok(Launched {
            process: Box::new(SharedProcess(process)),
            started,
        })
    }
}

/// How long a [`JOIN_SHELL`] child may take to join its cgroup (untimed, before INIT).
const JOIN_WAIT: Duration = Duration::from_secs(10);

/// Waits for a [`JOIN_SHELL`] child to say it joined its cgroup
/// ([`crate::cgroup::EnvCgroup::join_then_exec`]); hands back its stdin, on which the go is
/// written. Errs with what the shell printed instead, or after [`JOIN_WAIT`].
async fn joined(child: &mut tokio::process::Child) -> Result<tokio::process::ChildStdin, String> {
    use tokio::io::AsyncBufReadExt;
    let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
        return Err(format!("{JOIN_SHELL}'s stdin or stdout is not a pipe"));
    };
    // One line: the shell keeps its stdout open until it execs.
    let mut reader = tokio::io::BufReader::new(stdout);
    let mut line = String::new();
    match tokio::time::timeout(JOIN_WAIT, reader.read_line(&mut line)).await {
        Err(_) => Err(format!(
            "{JOIN_SHELL} said nothing in {} s",
            JOIN_WAIT.as_secs()
        )),
        Ok(Err(e)) => Err(format!("cannot read {JOIN_SHELL}'s output: {e}")),
        Ok(Ok(_)) if line.trim_end() == JOINED => Ok(stdin),
        Ok(Ok(_)) => {
            // The shell's error; the rest of it comes before the shell exits.
            let mut rest = String::new();
            let wait = Duration::from_secs(1);
            let _ = tokio::time::timeout(wait, reader.read_to_string(&mut rest)).await;
            line.push_str(&rest);
            Err(match line.trim() {
                "" => format!("{JOIN_SHELL} exited"),
                said => said.to_string(),
            })
        }
    }
}

impl super::sealed::Sealed for ProcessLauncher {}

impl Launcher for ProcessLauncher {
    fn cpu_limit(&self) -> CpuLimit {
        self.cpu_limit
    }

    fn cpu_limit_reason(&self) -> Option<&str> {
        self.cpu_limit_reason.as_deref()
    }

    fn launch<'a>(&'a self, spec: LaunchSpec<'a>, port: EnvPort) -> LaunchFuture<'a> {
        Box::pin(self.start(spec, port))
    }

    fn cleanup(&self) {
        if let Some(c) = &self.cgroups {
            c.remove();
        }
    }
}

impl Drop for ProcessLauncher {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// A runtime process: its process group and its cgroup.
struct ChildProcess {
    pid: u32,
    cgroup: Option<EnvCgroup>,
    hwm: Mutex<Option<(Instant, u64)>>,
}

impl ChildProcess {
    /// The runtime process's `VmHWM`. With a cgroup (which sees every allocation after the
    /// move) it only adds the pages mapped at exec, so it is re-read at most once a second:
    /// `/proc/<pid>/status` costs more than the rest of the bookkeeping of an invocation.
    fn vm_hwm(&self, cached_ok: bool) -> Option<u64> {
        let mut cache = self.hwm.lock().unwrap_or_else(|p| p.into_inner());
        if let (true, Some((at, v))) = (cached_ok, *cache)
            && at.elapsed() < Duration::from_secs(1)
        {
            return Some(v);
        }
        let v = vm_hwm_bytes(self.pid)?;
        *cache = Some((Instant::now(), v));
        Some(v)
    }
}

impl ChildProcess {
    /// The environment's processes: its cgroup's, or else its process group's.
    fn members(&self) -> Vec<i32> {
        let mut pids = self
            .cgroup
            .as_ref()
            .map(EnvCgroup::pids)
            .unwrap_or_default();
        if pids.is_empty() && self.pid != 0 {
            pids = crate::peer::group_members(self.pid as i32);
        }
        pids
    }

    /// Whether the client end of the connection `peer` → `local` belongs to one of the
    /// environment's processes.
    fn owns_connection(&self, peer: std::net::SocketAddr, local: std::net::SocketAddr) -> bool {
        crate::peer::client_socket_inode(peer, local)
            .is_some_and(|inode| crate::peer::held_by(inode, &self.members()))
    }
}

impl EnvProcess for ChildProcess {
    /// Kills the process group and everything in the cgroup.
    fn kill(&self) {
        if self.pid != 0 {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(self.pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
        if let Some(cg) = &self.cgroup {
            cg.kill_all();
        }
    }

    /// The larger of the cgroup's peak (every process of the environment, charged from the
    /// move into the cgroup on) and the runtime process's resident high-water mark (`VmHWM`,
    /// which also counts the pages mapped at exec, such as the interpreter's own).
    fn peak_bytes(&self) -> Option<u64> {
        let cgroup = self.cgroup.as_ref().and_then(EnvCgroup::peak_bytes);
        let hwm = self.vm_hwm(cgroup.is_some());
        cgroup.into_iter().chain(hwm).max()
    }
}

/// The process as the environment holds it (the exit watcher holds it too).
struct SharedProcess(Arc<ChildProcess>);

impl EnvProcess for SharedProcess {
    fn kill(&self) {
        self.0.kill();
    }
    fn peak_bytes(&self) -> Option<u64> {
        self.0.peak_bytes()
    }
    fn end_init(&self) {
        if let Some(cg) = &self.0.cgroup
            && let Err(e) = cg.end_init()
        {
            // The environment keeps running, unthrottled: say so rather than mis-measure.
            eprintln!("warning: cannot apply the CPU quota after INIT: {e}");
        }
    }
}

/// `VmHWM` of a process, bytes.
fn vm_hwm_bytes(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Reads the runtime's merged stdout/stderr into the environment's log, line by line in
/// linear time ([`LineSplitter`]: over-long lines are split). Answers catch-up requests only
/// after reading everything already readable, so `END` follows the handler's own lines.
fn spawn_log_reader(port: Arc<EnvPort>, pipe: tokio::net::unix::pipe::Receiver) {
    let (tx, mut flush_rx) = mpsc::unbounded_channel::<oneshot::Sender<()>>();
    port.set_log_flush(tx);
    tokio::spawn(async move {
        let mut pipe = pipe;
        let mut buf = vec![0u8; 64 * 1024];
        let mut lines = LineSplitter::new(MAX_LINE_BYTES);
        let mut emit = |line: &[u8]| port.log_line(line);
        loop {
            tokio::select! {
                biased;
                n = pipe.read(&mut buf) => match n {
                    Ok(0) | Err(_) => break,
                    Ok(n) => lines.push(&buf[..n], &mut emit),
                },
                Some(ack) = flush_rx.recv() => {
                    lines.flush(&mut emit);
                    let _ = ack.send(());
                }
            }
        }
        lines.flush(&mut emit);
    });
}

/// The environment of a runtime: only the variables AWS defines for one ("Defined runtime
/// environment variables" of the AWS Lambda Developer Guide, configuration-envvars), then the
/// handler's own `env`. Nothing else of the host's environment reaches a handler (no
/// credentials, tokens or database URLs), except `PATH`, which AWS also sets and which the
/// host's commands need to resolve interpreters.
fn set_env_vars(
    cmd: &mut tokio::process::Command,
    f: &Function,
    h: &Resolved,
    region: &str,
    api: &str,
    provisioned: bool,
) {
    cmd.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        cmd.env("PATH", path);
    }
    let handler = f.handler.as_ref().expect("checked by new");
    let handler_name = handler
        .command
        .last()
        .map(|s| s.rsplit('/').next().unwrap_or(s).to_string())
        .unwrap_or_default();
    let epoch_s = env::epoch_ms() / 1000;
    let vars: [(&str, String); 22] = [
        ("AWS_LAMBDA_RUNTIME_API", api.to_string()),
        ("AWS_LAMBDA_FUNCTION_NAME", f.name.clone()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", f.memory_mb.to_string()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".to_string()),
        (
            "AWS_LAMBDA_INITIALIZATION_TYPE",
            if provisioned {
                "provisioned-concurrency"
            } else {
                "on-demand"
            }
            .to_string(),
        ),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME",
            format!("/aws/lambda/{}", f.name),
        ),
        ("AWS_LAMBDA_LOG_STREAM_NAME", ids::log_stream_name(epoch_s)),
        ("AWS_REGION", region.to_string()),
        ("AWS_DEFAULT_REGION", region.to_string()),
        (
            "AWS_EXECUTION_ENV",
            format!(
                "AWS_Lambda_{}",
                f.runtime.as_deref().unwrap_or("provided.al2023")
            ),
        ),
        ("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE".to_string()),
        (
            "AWS_SECRET_ACCESS_KEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_string(),
        ),
        (
            "AWS_SESSION_TOKEN",
            "lamsim-dummy-session-token".to_string(),
        ),
        ("AWS_XRAY_CONTEXT_MISSING", "LOG_ERROR".to_string()),
        ("_AWS_XRAY_DAEMON_ADDRESS", "127.0.0.1".to_string()),
        ("_AWS_XRAY_DAEMON_PORT", "2000".to_string()),
        ("_HANDLER", handler_name),
        ("LAMBDA_TASK_ROOT", h.cwd.display().to_string()),
        ("LAMBDA_RUNTIME_DIR", h.cwd.display().to_string()),
        ("TZ", ":UTC".to_string()),
        ("LANG", "en_US.UTF-8".to_string()),
        ("PYTHONUNBUFFERED", "1".to_string()),
    ];
    for (k, v) in vars {
        cmd.env(k, v);
    }
    for (k, v) in &handler.env {
        cmd.env(k, v);
    }
}

/// `exit status N` / `signal: killed`, as AWS (Go) words it.
fn describe_exit(s: std::process::ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    if let Some(code) = s.code() {
        format!("exit status {code}")
    } else if let Some(sig) = s.signal() {
        let name = match sig {
            9 => "killed".to_string(),
            6 => "aborted".to_string(),
            11 => "segmentation fault".to_string(),
            15 => "terminated".to_string(),
            n => format!("{n}"),
        };
        format!("signal: {name}")
    } else {
        "exit status unknown".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_descriptions_use_awss_wording() {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(
            describe_exit(std::process::ExitStatus::from_raw(3 << 8)),
            "exit status 3"
        );
        assert_eq!(
            describe_exit(std::process::ExitStatus::from_raw(9)),
            "signal: killed"
        );
    }
}
