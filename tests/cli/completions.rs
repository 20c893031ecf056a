//! `lamsim completions SHELL`: a completion script for each supported shell, generated from
//! the command-line definitions.

use crate::{assert_code, run, stderr, stdout};

/// The subcommands `lamsim --help` lists.
fn subcommands() -> Vec<String> {
    let o = run(["--help"]);
    assert_code(&o, 0);
    let help = stdout(&o);
    let names: Vec<String> = help
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| *n != "help")
        .map(str::to_string)
        .collect();
    assert!(names.len() >= 10, "too few commands in --help:\n{help}");
    names
}

#[test]
fn the_bash_script_completes_every_subcommand() {
    let o = run(["completions", "bash"]);
    assert_code(&o, 0);
    assert_eq!(stderr(&o), "");
    let script = stdout(&o);
    assert!(
        script.contains("complete "),
        "not a bash completion script:\n{script}"
    );
    for name in subcommands() {
        assert!(
            script.contains(&format!("lamsim__{name}")) || script.contains(&format!(" {name} ")),
            "`{name}` is not in the bash script"
        );
    }
    assert!(script.contains("--format"), "flags are completed too");
}

#[test]
fn every_supported_shell_gets_a_script() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let o = run(["completions", shell]);
        assert_code(&o, 0);
        assert!(stdout(&o).contains("lamsim"), "{shell}: {}", stdout(&o));
    }
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let o = run(["completions", "tcsh"]);
    assert_code(&o, 2);
    assert!(stderr(&o).contains("bash"), "{}", stderr(&o));
}
