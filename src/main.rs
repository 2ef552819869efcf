//! certbench: a terminal workbench for mutual TLS. No subcommand opens the TUI.
// Everything printed goes through cli::out (escaped for terminals; a closed pipe is a quiet
// exit): the std print macros are not used.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod cli;
use certbench_tui as tui;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use certbench_pki::workspace::Workspace;
use clap::{CommandFactory, Parser};
use cli::out::errln;

#[derive(Debug, Parser)]
#[command(
    name = "certbench",
    version,
    about = "A terminal workbench for mutual TLS: generate a PKI, inspect certificates, watch real mTLS handshakes.",
    long_about = "A terminal workbench for mutual TLS: generate a PKI, inspect certificates, watch real mTLS handshakes.\n\nWithout a subcommand, certbench opens its TUI on the workspace (making a demo PKI there if it is empty)."
)]
struct Cli {
    /// The workspace folder (default: $CERTBENCH_DIR, else the platform data folder).
    #[arg(long, global = true, value_name = "DIR")]
    dir: Option<PathBuf>,
    /// TUI: also load these files or folders into the Inspect pane.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    open: Vec<PathBuf>,
    /// TUI: also load the system trust store into the Inspect pane.
    #[arg(long)]
    system: bool,
    #[command(subcommand)]
    command: Option<cli::Command>,
}

fn main() -> ExitCode {
    let args = match Cli::try_parse() {
        Ok(args) => args,
        Err(e) => {
            // clap's own words (usage errors, --help, --version), escaped like everything else:
            // a usage error repeats the value the user typed.
            let text = e.render().to_string();
            let text = text.trim_end();
            if e.use_stderr() {
                errln!("{text}");
            } else {
                cli::out::outln!("{text}");
            }
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let Some(dir) = args.dir.or_else(Workspace::default_dir) else {
        errln!(
            "certbench: there is no home folder to keep a workspace in; pass --dir DIR or set CERTBENCH_DIR"
        );
        return ExitCode::FAILURE;
    };
    match args.command {
        Some(command) => {
            // A command that waits for another certbench's change says so, and for what.
            certbench_base::fsutil::notice_lock_waits(|dir, holder, up_to| {
                errln!(
                    "certbench: waiting for the workspace {}: another certbench is changing it ({}); up to {} s",
                    dir.display(),
                    if holder.is_empty() {
                        "it did not say which"
                    } else {
                        holder
                    },
                    up_to.as_secs()
                )
            });
            cli::run(command, dir)
        }
        None if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) => {
            let commands: Vec<String> = Cli::command()
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            errln!(
                "certbench: the TUI needs a terminal, and this is not one. Without a terminal, use a subcommand: {} (certbench --help says more).",
                commands.join(", ")
            );
            ExitCode::from(2)
        }
        None => match tui::run(tui::Sources {
            dir,
            open: args.open,
            system: args.system,
            relay: None,
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                errln!("certbench: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
