// Minimal entry point so that `lamsim serve` can be tested end to end on the harness branch;
// the lead's main.rs (all subcommands) replaces it at merge.
use std::process::ExitCode;

use clap::Parser;

mod serve;

#[derive(Parser)]
#[command(name = "lamsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand)]
enum Command {
    /// Run the workload's real handlers behind the Lambda Invoke API.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.command {
        Command::Serve(args) => serve::run(args),
    };
    match r {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
