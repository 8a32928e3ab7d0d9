//! `svdimg completions SHELL` and `svdimg man`: shell completion scripts (clap_complete) and
//! manual pages (clap_mangen), both made from the same clap definitions as the parser.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;

use super::args::{Cli, CompletionsArgs, ManArgs};
use super::Exit;

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs) -> Exit {
    let mut cmd = Cli::command();
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "svdimg", &mut out);
    super::output::print_stdout(&String::from_utf8_lossy(&out));
    Exit::Success
}

/// Prints one manual page, or writes every page into `--out-dir`.
pub fn man(args: &ManArgs) -> Exit {
    let mut cmd = Cli::command();
    cmd.build();
    if let Some(dir) = &args.out_dir {
        return match write_all(&cmd, dir) {
            Ok(n) => {
                println!("wrote {n} manual pages to {}", dir.display());
                Exit::Success
            }
            Err(e) => {
                eprintln!("error: {}: {e}", dir.display());
                Exit::Failure
            }
        };
    }
    let page = match &args.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone().name(format!("svdimg-{name}")),
            None => {
                let known: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                eprintln!(
                    "error: no subcommand '{name}' (known: {})",
                    known.join(", ")
                );
                return Exit::Usage;
            }
        },
    };
    match render(&page) {
        Ok(roff) => {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(&roff).and_then(|()| out.flush());
            Exit::Success
        }
        Err(e) => {
            eprintln!("error: cannot render the manual page: {e}");
            Exit::Failure
        }
    }
}

fn render(cmd: &clap::Command) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut out)?;
    Ok(out)
}

/// Writes `svdimg.1` and `svdimg-<sub>.1` for every subcommand; returns how many.
fn write_all(cmd: &clap::Command, dir: &Path) -> std::io::Result<usize> {
    if !dir.is_dir() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "folder does not exist",
        ));
    }
    let mut pages = vec![("svdimg".to_string(), cmd.clone())];
    for sub in cmd.get_subcommands().filter(|c| c.get_name() != "help") {
        let name = format!("svdimg-{}", sub.get_name());
        pages.push((name.clone(), sub.clone().name(name)));
    }
    for (name, page) in &pages {
        std::fs::write(dir.join(format!("{name}.1")), render(page)?)?;
    }
    Ok(pages.len())
}
