//! `lamsim completions SHELL`: the shell completion script, generated from the same clap
//! definitions that parse the command line, so it always knows every command and flag.

use std::io::Write;

use anyhow::{Context, Result};
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::{Cli, ExitStatus};

/// `lamsim completions`.
#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell. E.g. for bash,
    /// `lamsim completions bash > ~/.local/share/bash-completion/completions/lamsim`.
    pub shell: Shell,
    /// Accepted for symmetry with the other commands (the script is the output).
    #[arg(long, short)]
    pub quiet: bool,
}

/// Writes the completion script of `args.shell` on stdout.
pub fn completions(args: CompletionsArgs) -> Result<ExitStatus> {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "lamsim", &mut script);
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(&script)
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    Ok(ExitStatus::Ok)
}
