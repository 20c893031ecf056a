//! CPU and memory limits per execution environment through Linux control groups.
//!
//! Each environment gets its own cgroup, created before its INIT is timed: a CPU quota of
//! `memory-mb / 1769` CPUs per [`CPU_PERIOD_US`] and a memory limit of `memory-mb` MiB (swap
//! included where the kernel accounts it). cgroup v2 (`cpu.max`, `memory.max`, `memory.peak`)
//! and v1 (`cpu.cfs_quota_us`, `memory.limit_in_bytes`, `memory.max_usage_in_bytes`) are both
//! supported; which one is used is found from `/proc/self/mountinfo`. The cgroups are created
//! under the harness's own cgroup (in a `lamsim-<pid>-<n>` folder per runtime), so that limits set on the
//! harness still apply to its handlers. Where nothing is writable the harness runs without
//! limits and reports [`CpuLimit::None`].
//!
//! The environment's process joins its cgroup itself, before the handler's first instruction
//! and before the INIT clock starts: a shell writes its pid to `cgroup.procs`, says so, waits
//! for the go and execs the handler ([`EnvCgroup::join_then_exec`]). Moving it from the
//! harness after the spawn, as before, left a window in which the handler ran unlimited: the
//! kernel's migration usually takes tens of µs, but up to 20 ms was measured on the 2-core
//! test machine, enough to cut a throttled INIT by a quarter.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use lamsim_sim::model::cpu_share;

/// Length of one CPU quota period, µs. 20 ms keeps the quota of a 128 MB function (1.45 ms)
/// above the kernel's 1 ms minimum while keeping throttling fine-grained.
pub const CPU_PERIOD_US: u64 = 20_000;

/// How CPU share is enforced; written as `cpu_limit` in `bench.json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum CpuLimit {
    /// cgroup v1 (`cpu.cfs_quota_us`).
    #[serde(rename = "cgroup-v1")]
    CgroupV1,
    /// cgroup v2 (`cpu.max`).
    #[serde(rename = "cgroup-v2")]
    CgroupV2,
    /// No limit: handlers run with the whole machine.
    #[serde(rename = "none")]
    None,
}

impl CpuLimit {
    /// `"cgroup-v1"`, `"cgroup-v2"` or `"none"`.
    pub fn as_str(self) -> &'static str {
        match self {
            CpuLimit::CgroupV1 => "cgroup-v1",
            CpuLimit::CgroupV2 => "cgroup-v2",
            CpuLimit::None => "none",
        }
    }
}

/// `cpu.cfs_quota_us` value of no limit (cgroup v1; v2 writes `max`).
const UNLIMITED_V1: i64 = -1;

/// The shell that starts an environment's program inside its cgroup
/// ([`EnvCgroup::join_then_exec`]).
pub const JOIN_SHELL: &str = "/bin/sh";

/// What [`JOIN_SHELL`] prints once the process is in its cgroup(s).
pub const JOINED: &str = "lamsim-joined";

/// CPU quota per [`CPU_PERIOD_US`] for `memory_mb`, µs (at least the kernel's 1,000 µs).
pub fn cpu_quota_us(memory_mb: u32) -> u64 {
    ((CPU_PERIOD_US as f64 * cpu_share(memory_mb)).round() as u64).max(1000)
}

#[derive(Debug)]
enum Layout {
    /// cgroup v1: separate `cpu` and `memory` hierarchies (our folders in each).
    V1 { cpu: PathBuf, memory: PathBuf },
    /// cgroup v2: one folder.
    V2 { dir: PathBuf },
}

/// The harness's parent cgroup(s), `lamsim-<pid>-<n>`, holding one child per environment.
#[derive(Debug)]
pub struct Cgroups {
    layout: Layout,
}

/// The cgroup(s) of one execution environment.
#[derive(Debug)]
pub struct EnvCgroup {
    v2: bool,
    /// v1: [cpu, memory]; v2: [dir].
    dirs: Vec<PathBuf>,
    /// The memory's CPU quota, µs per period, still to apply when INIT ends (INIT ran with
    /// the whole CPU, see [`InitCpu::Full`]); `None` once applied or when INIT ran under it.
    pending_quota: std::sync::Mutex<Option<u64>>,
}

/// The CPU an environment's INIT phase (spawn → first `/next`) may use.
///
/// AWS documents no CPU figure for INIT, but what is measured agrees: lambda-perf's daily
/// forced cold starts of every runtime (`sim/data/cold-start-profiles.csv`) show the same init
/// duration from 128 to 1,024 MB (nodejs20.x x86_64 medians within a few percent across an 8×
/// change of CPU share), and Michael Hart's "Shave 99.93% off your Lambda bill with this one
/// weird trick" (Dec 2019, hichaelmart.medium.com) measured on-demand environments hashing as
/// fast during INIT at 128 MB as at the largest sizes, while provisioned-concurrency
/// environments, initialised ahead of time, ran INIT at their memory's share.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InitCpu {
    /// On-demand cold starts: no CPU quota until the first `/next` (default).
    #[default]
    Full,
    /// INIT under the memory's CPU share, as provisioned environments are initialised and as
    /// the harness did before (`memory-mb / 1769` of a CPU from the spawn on).
    Share,
}

/// A mounted cgroup hierarchy: where it is mounted, the hierarchy path of its root, and its
/// super options (controllers for v1).
struct Mount {
    point: PathBuf,
    root: String,
    v2: bool,
    options: Vec<String>,
}

fn mounts() -> Vec<Mount> {
    let Ok(text) = fs::read_to_string("/proc/self/mountinfo") else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines() {
        // id parent maj:min root point options [optional...] - fstype source superoptions
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let l: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        if l.len() < 5 || r.len() < 3 {
            continue;
        }
        let v2 = r[0] == "cgroup2";
        if r[0] != "cgroup" && !v2 {
            continue;
        }
        out.push(Mount {
            point: PathBuf::from(l[4]),
            root: l[3].to_string(),
            v2,
            options: r[2].split(',').map(str::to_string).collect(),
        });
    }
    out
}

/// This process's path in the hierarchy whose controller list contains `controller` (v1), or
/// in the unified hierarchy (`controller` = "").
fn self_path(controller: &str) -> Option<String> {
    let text = fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines().find_map(|line| {
        let mut it = line.splitn(3, ':');
        let (_, ctrls, path) = (it.next()?, it.next()?, it.next()?);
        let hit = if controller.is_empty() {
            ctrls.is_empty()
        } else {
            ctrls.split(',').any(|c| c == controller)
        };
        hit.then(|| path.to_string())
    })
}

/// Joins a mount point and this process's hierarchy path (relative to the mount's root).
fn own_dir(m: &Mount, path: &str) -> PathBuf {
    let rel = if m.root == "/" {
        path
    } else {
        path.strip_prefix(m.root.as_str()).unwrap_or("/")
    };
    let dir = m.point.join(rel.trim_start_matches('/'));
    if dir.is_dir() { dir } else { m.point.clone() }
}

fn write(path: &Path, value: &str) -> io::Result<()> {
    fs::write(path, value).map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
}

impl Cgroups {
    /// Finds a writable cgroup hierarchy with CPU and memory control and creates the
    /// harness's `lamsim-<pid>-<n>` folder in it. Errs with the reason when there is none.
    pub fn create() -> Result<Cgroups, String> {
        let ms = mounts();
        // One folder per runtime: several runtimes may live in one process (tests, bench).
        static SEQ: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("lamsim-{}-{seq}", std::process::id());
        let v1 = |ctrl: &str| {
            ms.iter()
                .find(|m| !m.v2 && m.options.iter().any(|o| o == ctrl))
        };
        if let (Some(cpu), Some(mem)) = (v1("cpu"), v1("memory")) {
            let cpu_parent = own_dir(cpu, &self_path("cpu").unwrap_or_default());
            let mem_parent = own_dir(mem, &self_path("memory").unwrap_or_default());
            clean_stale(&cpu_parent);
            clean_stale(&mem_parent);
            let cpu_dir = cpu_parent.join(&name);
            let mem_dir = mem_parent.join(&name);
            fs::create_dir_all(&cpu_dir)
                .map_err(|e| format!("cannot create {}: {e}", cpu_dir.display()))?;
            if let Err(e) = fs::create_dir_all(&mem_dir) {
                let _ = fs::remove_dir(&cpu_dir);
                return Err(format!("cannot create {}: {e}", mem_dir.display()));
            }
            let cg = Cgroups {
                layout: Layout::V1 {
                    cpu: cpu_dir,
                    memory: mem_dir,
                },
            };
            return cg.probe();
        }
        if let Some(m) = ms.iter().find(|m| m.v2) {
            let own = own_dir(m, &self_path("").unwrap_or_default());
            clean_stale(&own);
            let controllers =
                fs::read_to_string(own.join("cgroup.controllers")).unwrap_or_default();
            if !(controllers.split_whitespace().any(|c| c == "cpu")
                && controllers.split_whitespace().any(|c| c == "memory"))
            {
                return Err(format!(
                    "the cgroup v2 hierarchy at {} does not delegate the cpu and memory controllers",
                    own.display()
                ));
            }
            let dir = own.join(&name);
            fs::create_dir_all(&dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            // Children of `dir` need the controllers enabled in `dir` (and in our own cgroup).
            let _ = write(&own.join("cgroup.subtree_control"), "+cpu +memory");
            if let Err(e) = write(&dir.join("cgroup.subtree_control"), "+cpu +memory") {
                let _ = fs::remove_dir(&dir);
                return Err(e.to_string());
            }
            let cg = Cgroups {
                layout: Layout::V2 { dir },
            };
            return cg.probe();
        }
        Err("no cgroup hierarchy with the cpu and memory controllers is mounted".to_string())
    }

    /// Proves that limits can be written, and joined, before promising them; removes the
    /// harness's folder(s) and errs with the reason otherwise.
    fn probe(self) -> Result<Cgroups, String> {
        let proved = self
            .create_env("probe", 128, InitCpu::Share)
            .and_then(|env| {
                let joined = env.probe_join();
                env.remove();
                joined
            });
        match proved {
            Ok(()) => Ok(self),
            Err(e) => {
                self.remove();
                Err(e.to_string())
            }
        }
    }

    /// Which kind of limit these cgroups enforce.
    pub fn kind(&self) -> CpuLimit {
        match self.layout {
            Layout::V1 { .. } => CpuLimit::CgroupV1,
            Layout::V2 { .. } => CpuLimit::CgroupV2,
        }
    }

    /// Creates the cgroup of one environment with its CPU quota and memory limit; with
    /// [`InitCpu::Full`] the quota is lifted until [`EnvCgroup::end_init`].
    pub fn create_env(&self, name: &str, memory_mb: u32, init: InitCpu) -> io::Result<EnvCgroup> {
        let bytes = (memory_mb as u64) << 20;
        let share = cpu_quota_us(memory_mb);
        let pending = (init == InitCpu::Full).then_some(share);
        let quota = pending.map_or(share.to_string(), |_| UNLIMITED_V1.to_string());
        match &self.layout {
            Layout::V1 { cpu, memory } => {
                let env = EnvCgroup {
                    v2: false,
                    dirs: vec![cpu.join(name), memory.join(name)],
                    pending_quota: std::sync::Mutex::new(pending),
                };
                let r = (|| {
                    fs::create_dir(&env.dirs[0])?;
                    fs::create_dir(&env.dirs[1])?;
                    write(
                        &env.dirs[0].join("cpu.cfs_period_us"),
                        &CPU_PERIOD_US.to_string(),
                    )?;
                    write(&env.dirs[0].join("cpu.cfs_quota_us"), &quota)?;
                    write(
                        &env.dirs[1].join("memory.limit_in_bytes"),
                        &bytes.to_string(),
                    )?;
                    let memsw = env.dirs[1].join("memory.memsw.limit_in_bytes");
                    if memsw.exists() {
                        let _ = write(&memsw, &bytes.to_string());
                    }
                    Ok(())
                })();
                r.map(|()| env).inspect_err(|_: &io::Error| {
                    EnvCgroup {
                        v2: false,
                        dirs: vec![cpu.join(name), memory.join(name)],
                        pending_quota: std::sync::Mutex::new(None),
                    }
                    .remove();
                })
            }
            Layout::V2 { dir } => {
                let env = EnvCgroup {
                    v2: true,
                    dirs: vec![dir.join(name)],
                    pending_quota: std::sync::Mutex::new(pending),
                };
                let quota = if pending.is_some() {
                    "max".to_string()
                } else {
                    quota
                };
                let r = (|| {
                    fs::create_dir(&env.dirs[0])?;
                    write(
                        &env.dirs[0].join("cpu.max"),
                        &format!("{quota} {CPU_PERIOD_US}"),
                    )?;
                    write(&env.dirs[0].join("memory.max"), &bytes.to_string())?;
                    let _ = write(&env.dirs[0].join("memory.swap.max"), "0");
                    Ok(())
                })();
                r.map(|()| env).inspect_err(|_: &io::Error| {
                    let _ = fs::remove_dir(dir.join(name));
                })
            }
        }
    }

    /// Removes the harness's folder(s) (every environment's cgroup must be gone first; left
    /// over children are killed and removed).
    pub fn remove(&self) {
        let dirs = match &self.layout {
            Layout::V1 { cpu, memory } => vec![cpu.clone(), memory.clone()],
            Layout::V2 { dir } => vec![dir.clone()],
        };
        for d in &dirs {
            if let Ok(rd) = fs::read_dir(d) {
                for e in rd.flatten() {
                    if e.path().is_dir() {
                        let child = EnvCgroup {
                            v2: matches!(self.layout, Layout::V2 { .. }),
                            dirs: vec![e.path()],
                            pending_quota: std::sync::Mutex::new(None),
                        };
                        child.kill_all();
                        child.remove();
                    }
                }
            }
            remove_dir_retrying(d);
        }
    }
}

/// Removes the `lamsim-<pid>-<n>` folders in `dir` whose process is gone (a harness killed
/// with SIGKILL cannot remove its own), killing what is left in them first. Returns how many
/// were removed.
pub fn clean_stale(dir: &Path) -> usize {
    let Ok(rd) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in rd.flatten() {
        let name = e.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("lamsim-"))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, n)| n.parse::<u64>().ok().and(pid.parse::<u32>().ok()))
        else {
            continue;
        };
        if Path::new(&format!("/proc/{pid}")).exists() || !e.path().is_dir() {
            continue;
        }
        if let Ok(children) = fs::read_dir(e.path()) {
            for c in children.flatten().filter(|c| c.path().is_dir()) {
                let child = EnvCgroup {
                    v2: false,
                    dirs: vec![c.path()],
                    pending_quota: std::sync::Mutex::new(None),
                };
                child.kill_all();
                child.remove();
            }
        }
        remove_dir_retrying(&e.path());
        removed += usize::from(!e.path().exists());
    }
    removed
}

fn remove_dir_retrying(d: &Path) {
    for i in 0..50 {
        match fs::remove_dir(d) {
            Ok(()) => return,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return,
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(2 * (i + 1))),
        }
    }
}

fn read_u64(path: &Path) -> Option<u64> {
    fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// Value of `key` in a flat-keyed file such as `memory.events` or `memory.oom_control`.
fn keyed(path: &Path, key: &str) -> Option<u64> {
    let text = fs::read_to_string(path).ok()?;
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(' ')?;
        (k == key).then(|| v.trim().parse().ok()).flatten()
    })
}

impl EnvCgroup {
    fn memory_dir(&self) -> &Path {
        self.dirs
            .last()
            .expect("an environment cgroup has at least one folder")
    }

    /// Ends INIT's full-CPU phase ([`InitCpu::Full`]): from now on the environment runs under
    /// its memory's CPU share. Idempotent; nothing to do after [`InitCpu::Share`].
    pub fn end_init(&self) -> io::Result<()> {
        let mut pending = self.pending_quota.lock().unwrap_or_else(|p| p.into_inner());
        let Some(quota) = *pending else {
            return Ok(());
        };
        if self.v2 {
            write(
                &self.dirs[0].join("cpu.max"),
                &format!("{quota} {CPU_PERIOD_US}"),
            )?;
        } else {
            write(&self.dirs[0].join("cpu.cfs_quota_us"), &quota.to_string())?;
        }
        *pending = None;
        Ok(())
    }

    /// The CPU quota in force, µs per [`CPU_PERIOD_US`] (`None`: unlimited or unreadable).
    pub fn cpu_quota_us(&self) -> Option<u64> {
        if self.v2 {
            let text = fs::read_to_string(self.dirs[0].join("cpu.max")).ok()?;
            text.split_whitespace().next()?.parse().ok()
        } else {
            let q: i64 = fs::read_to_string(self.dirs[0].join("cpu.cfs_quota_us"))
                .ok()?
                .trim()
                .parse()
                .ok()?;
            u64::try_from(q).ok()
        }
    }

    /// The cgroup's folder(s), for messages.
    pub fn describe(&self) -> String {
        let dirs: Vec<String> = self.dirs.iter().map(|d| d.display().to_string()).collect();
        dirs.join(" and ")
    }

    /// The command that starts a program inside this cgroup: spawn [`JOIN_SHELL`] with these
    /// arguments followed by the program and its own arguments, its stdin and stdout piped and
    /// its stderr where the program's output goes. The shell:
    /// 1. writes its pid to each `cgroup.procs`;
    /// 2. prints [`JOINED`] on its stdout;
    /// 3. waits for a line (or the end) on its stdin;
    /// 4. `exec`s the program in its place: same pid and process group, stdout and stderr both
    ///    to the shell's stderr, stdin from `/dev/null`, and the same environment without the
    ///    `PWD` the shell would add (unless `keep_pwd`: the handler's own `env` sets it).
    ///    Where `/bin/sh` is bash, it also exports `SHLVL=0`: bash sets it on every exec.
    ///
    /// The caller starts its INIT clock between 2 and 3, so neither the shell's start nor the
    /// kernel's migration (usually tens of µs, but up to 20 ms measured when it waits for an
    /// RCU grace period) is timed. A write that fails makes the shell say why on its stdout
    /// instead of 2, and exit.
    ///
    /// Moving the process from the harness after the spawn, as the harness did before, let it
    /// run without limits until the move was done: a throttled INIT measured up to a quarter
    /// short when the move waited (CI on 2 cores, a 128 MB INIT of 100 ms of CPU in 1,001 ms
    /// where the share makes it 1,382 ms). Joining in the child between fork and exec would
    /// need `unsafe` code, which the workspace forbids, and the fork it implies costs more
    /// than this shell once the harness holds a few hundred MB.
    pub fn join_then_exec(&self, keep_pwd: bool) -> Vec<std::ffi::OsString> {
        // The writes' errors go to stdout, where the caller waits for `JOINED`.
        let writes: Vec<String> = (1..=self.dirs.len())
            .map(|i| format!("echo $$ >\"${i}\""))
            .collect();
        let mut script = format!(
            "{{ {}; }} 2>&1 && shift {} && echo {JOINED} && {{ read go; ",
            writes.join(" && "),
            self.dirs.len()
        );
        if !keep_pwd {
            script.push_str("unset PWD; ");
        }
        script.push_str("exec \"$@\" >&2 </dev/null; }");
        let mut args: Vec<std::ffi::OsString> =
            vec!["-c".into(), script.into(), "lamsim-join".into()];
        args.extend(
            self.dirs
                .iter()
                .map(|d| d.join("cgroup.procs").into_os_string()),
        );
        args
    }

    /// Proves that a process can join this cgroup as an environment's process does
    /// ([`EnvCgroup::join_then_exec`], with no program: the shell exits after joining).
    fn probe_join(&self) -> io::Result<()> {
        let out = std::process::Command::new(JOIN_SHELL)
            .args(self.join_then_exec(false))
            .stdin(std::process::Stdio::null())
            .output()?;
        if out.status.success() && out.stdout == format!("{JOINED}\n").as_bytes() {
            Ok(())
        } else {
            // The script sends the writes' errors to stdout (see `join_then_exec`).
            let said = [&out.stdout[..], &out.stderr[..]].concat();
            Err(io::Error::other(format!(
                "a process cannot join {}: {}",
                self.describe(),
                String::from_utf8_lossy(&said).trim()
            )))
        }
    }

    /// Peak memory of the environment so far, bytes (`memory.peak` / `memory.max_usage_in_bytes`).
    pub fn peak_bytes(&self) -> Option<u64> {
        let d = self.memory_dir();
        if self.v2 {
            read_u64(&d.join("memory.peak"))
        } else {
            read_u64(&d.join("memory.max_usage_in_bytes"))
        }
    }

    /// How many processes of the environment the kernel's OOM killer has killed.
    pub fn oom_kills(&self) -> u64 {
        let d = self.memory_dir();
        if self.v2 {
            keyed(&d.join("memory.events"), "oom_kill").unwrap_or(0)
        } else {
            keyed(&d.join("memory.oom_control"), "oom_kill").unwrap_or(0)
        }
    }

    /// Pids in the cgroup.
    pub fn pids(&self) -> Vec<i32> {
        let Ok(text) = fs::read_to_string(self.memory_dir().join("cgroup.procs")) else {
            return Vec::new();
        };
        text.lines().filter_map(|l| l.trim().parse().ok()).collect()
    }

    /// SIGKILLs every process in the cgroup.
    pub fn kill_all(&self) {
        for pid in self.pids() {
            let _ = nix::sys::signal::kill(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }

    /// Removes the cgroup folder(s), retrying while exiting processes leave.
    pub fn remove(&self) {
        for d in &self.dirs {
            remove_dir_retrying(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The probe's refusal says why, in the shell's words: a cgroup that is gone cannot be
    /// joined, and the message names its `cgroup.procs`.
    #[test]
    fn a_cgroup_that_cannot_be_joined_is_refused_with_the_shells_reason() {
        let cgroups = match Cgroups::create() {
            Ok(c) => c,
            Err(why) => return crate::test_skip::unavailable("probe_join", &why),
        };
        let gone = cgroups.create_env("gone", 128, InitCpu::Share).unwrap();
        gone.remove();
        let err = gone.probe_join().unwrap_err().to_string();
        cgroups.remove();
        assert!(err.starts_with("a process cannot join "), "{err}");
        assert!(err.contains("cgroup.procs"), "{err}");
    }

    #[test]
    fn quota_is_memory_proportional() {
        assert_eq!(cpu_quota_us(1769), CPU_PERIOD_US);
        // 128 / 1769 · 20,000 µs = 1,447.2 µs.
        assert_eq!(cpu_quota_us(128), 1447);
        // 10,240 / 1769 · 20,000 µs = 115,771.6 µs (5.79 vCPUs, under the 6-vCPU cap).
        assert_eq!(cpu_quota_us(10_240), 115_772);
    }

    #[test]
    fn stale_folders_of_dead_harnesses_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let dead = child.id();
        child.wait().unwrap();
        let me = std::process::id();
        for d in [
            format!("lamsim-{dead}-0/f-1"),
            format!("lamsim-{dead}-3"),
            format!("lamsim-{me}-0/f-2"),
            "lamsim-x-0".to_string(),
            "other".to_string(),
        ] {
            fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        assert_eq!(clean_stale(dir.path()), 2);
        let mut left: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(
            left,
            [
                format!("lamsim-{me}-0"),
                "lamsim-x-0".into(),
                "other".into()
            ]
        );
    }

    #[test]
    fn cpu_limit_names() {
        assert_eq!(
            serde_json::to_string(&CpuLimit::CgroupV1).unwrap(),
            "\"cgroup-v1\""
        );
        assert_eq!(CpuLimit::None.as_str(), "none");
    }
}
