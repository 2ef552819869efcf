//! certbench: a terminal workbench for mutual TLS. No subcommand opens the TUI.

mod cli;
mod tui;

use std::path::PathBuf;
use std::process::ExitCode;

use certbench::workspace::Workspace;
use clap::Parser;

#[derive(Debug, Parser)]
#[command(
    name = "certbench",
    version,
    about = "A terminal workbench for mutual TLS: generate a PKI, inspect certificates, watch real mTLS handshakes."
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
    let args = Cli::parse();
    let Some(dir) = args.dir.or_else(Workspace::default_dir) else {
        eprintln!(
            "certbench: there is no home folder to keep a workspace in; pass --dir DIR or set CERTBENCH_DIR"
        );
        return ExitCode::FAILURE;
    };
    match args.command {
        Some(command) => cli::run(command, dir),
        None => match tui::run(tui::Sources {
            dir,
            open: args.open,
            system: args.system,
        }) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("certbench: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}
