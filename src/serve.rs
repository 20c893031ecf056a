//! `lamsim serve WORKLOAD.toml [--listen 127.0.0.1:9001]`: runs the workload's real handlers
//! behind the Lambda Invoke API until Ctrl-C (or SIGTERM), then stops every environment and
//! removes every cgroup.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use lamsim_harness::{InvokeApi, Runtime, RuntimeOptions};
use lamsim_sim::config::Purpose;

use crate::ExitStatus;

/// Arguments of `lamsim serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Workload file; its functions with a `[function.handler]` are served.
    pub workload: PathBuf,
    /// Address of the Invoke API.
    #[arg(long, default_value = "127.0.0.1:9001")]
    pub listen: SocketAddr,
    /// Folder for `serve.log` (CloudWatch-format log lines of every function), `logs/NAME.log`
    /// (one function's lines: what `lamsim calibrate` reads) and `invocations.jsonl` (one JSON
    /// record per invocation).
    #[arg(long, default_value = ".lamsim/serve")]
    pub out: PathBuf,
    /// Do not copy log lines to stderr (they still go to `serve.log`).
    #[arg(long, short)]
    pub quiet: bool,
    /// Run handlers without cgroup CPU and memory limits.
    #[arg(long)]
    pub no_cgroups: bool,
    /// Waits before the first and second retry of a failed `Event` invocation, e.g.
    /// `--async-retry-delays 1s,2s` to try the retry policy locally (default Lambda's: 1m,2m).
    /// How many retries and how old an event may get come from the function's async trigger
    /// (`max-retries`, `max-event-age`; default 2 and 6h).
    #[arg(long, value_name = "FIRST,SECOND", value_parser = parse_delays)]
    pub async_retry_delays: Option<[std::time::Duration; 2]>,
}

/// `--async-retry-delays`: two durations with units, comma-separated.
fn parse_delays(s: &str) -> Result<[std::time::Duration; 2], String> {
    let parts: Vec<&str> = s.split(',').map(str::trim).collect();
    let [a, b] = parts.as_slice() else {
        return Err(format!(
            "expected two durations such as `1s,2s`, found `{s}`"
        ));
    };
    let d = |x: &str| {
        lamsim_sim::time::parse_duration(x)
            .map(|t| std::time::Duration::from_nanos(t.0))
            .map_err(|e| format!("`{x}`: {}", e.0))
    };
    Ok([d(a)?, d(b)?])
}

/// Runs `lamsim serve`. Returns exit code 0 after a clean shutdown.
pub fn run(args: ServeArgs) -> anyhow::Result<ExitStatus> {
    let scenario = crate::run::load_for(&args.workload, Purpose::Harness)?;
    crate::out_dir::check(
        &args.out,
        &crate::out_dir::inputs_of(&args.workload, &scenario),
        Some(&crate::out_dir::SERVE_FILES),
    )?;
    let mut functions = Vec::new();
    for f in scenario.functions {
        if f.handler.is_some() {
            if f.compute.managed().is_some() && !args.quiet {
                eprintln!(
                    "warning: function `{}` is configured for Lambda Managed Instances (several \
                     requests per environment); serve runs it as Lambda's default compute does, \
                     one request per environment",
                    f.name
                );
            }
            functions.push(f);
        } else if !args.quiet {
            eprintln!(
                "warning: function `{}` has no [function.handler]; it is not served",
                f.name
            );
        }
    }
    anyhow::ensure!(
        !functions.is_empty(),
        "{}: no function has a [function.handler] (hint: add `[function.handler]` with \
         `command = [...]` to the functions to serve)",
        args.workload.display()
    );
    let names: Vec<String> = functions.iter().map(|f| f.name.clone()).collect();
    let opts = RuntimeOptions {
        cgroups: !args.no_cgroups,
        log_to_stderr: !args.quiet,
        log_file: Some(args.out.join("serve.log")),
        log_dir: Some(args.out.join("logs")),
        records_file: Some(args.out.join("invocations.jsonl")),
        keep_records: false,
        ..RuntimeOptions::for_account(&scenario.account)
    };
    let opts = match args.async_retry_delays {
        Some(d) => RuntimeOptions {
            async_retry_delays: d,
            ..opts
        },
        None => opts,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    rt.block_on(async move {
        let runtime = Arc::new(Runtime::start(functions, opts).await?);
        // Provisioned concurrency is initialised before the first request, as on AWS.
        let warmed = runtime.prewarm().await;
        let failed = warmed.iter().filter(|w| w.result.is_err()).count();
        if !warmed.is_empty() {
            eprintln!(
                "lamsim serve: {} provisioned environment{} initialised{}",
                warmed.len() - failed,
                if warmed.len() - failed == 1 { "" } else { "s" },
                if failed > 0 {
                    format!(", {failed} failed (see the log)")
                } else {
                    String::new()
                }
            );
        }
        let api = InvokeApi::bind(runtime.clone(), args.listen).await?;
        let addr = api.local_addr();
        eprintln!(
            "lamsim serve: Invoke API on http://{addr} for {} (cpu_limit: {}); logs in {}; Ctrl-C stops",
            names.join(", "),
            runtime.cpu_limit().as_str(),
            args.out.display()
        );
        eprintln!(
            "  e.g. curl -s http://{addr}/2015-03-31/functions/{}/invocations -d '{{}}'",
            names[0]
        );
        crate::signals::stop_requested().await;
        eprintln!("lamsim serve: stopping");
        api.stop();
        runtime.shutdown().await;
        Ok(ExitStatus::Ok)
    })
}
