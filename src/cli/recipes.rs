//! `certbench recipes`: a server and a client of mutual TLS for each tool, made from this
//! workspace's files, printed (Markdown: what the README shows) or written into folders.

use std::path::PathBuf;
use std::process::ExitCode;

use certbench_base::fsutil::{FileWrite, write_files};
use certbench_base::text::display_safe;
use certbench_pki::recipes::{Recipe, RecipeError, Tool, recipes, values};
use certbench_pki::workspace::Workspace;
use certbench_x509::Role;
use clap::Args;

use crate::cli::{out, out::errln, out::outln};

#[derive(Debug, Args)]
pub struct RecipesArgs {
    /// A server or client certificate of the workspace, for its side of the recipes (default:
    /// "server" and "client").
    pub name: Option<String>,
    /// Only the recipes of these tools: curl, openssl, nginx, go, node, python, java (repeat it,
    /// or separate them with commas).
    #[arg(long = "for", value_name = "TOOL", value_delimiter = ',', value_parser = parse_tool)]
    pub tools: Vec<Tool>,
    /// The server certificate the server recipes use and the client recipes expect.
    #[arg(long, value_name = "NAME")]
    pub server: Option<String>,
    /// The client certificate the client recipes present.
    #[arg(long, value_name = "NAME")]
    pub client: Option<String>,
    /// The port the servers listen on and the clients connect to.
    #[arg(long, default_value_t = 8443, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
    /// Paths as file names in the workspace folder (run the recipes there), as the README shows.
    #[arg(long, conflicts_with = "out")]
    pub relative: bool,
    /// Write each recipe into DIR/TOOL-SIDE/: its files and run.sh (`sh run.sh` runs it).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// With --out: replace files that exist.
    #[arg(long, requires = "out")]
    pub force: bool,
    /// The recipes as JSON: tool, side, title, files, run, notes.
    #[arg(long)]
    pub json: bool,
}

fn parse_tool(s: &str) -> Result<Tool, String> {
    Tool::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = Tool::ALL.iter().map(|t| t.name()).collect();
        format!("\"{s}\" is not one of {}", names.join(", "))
    })
}

pub fn run(a: RecipesArgs, dir: PathBuf) -> ExitCode {
    let ws = match Workspace::open(&dir) {
        Ok(ws) => ws,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (mut server, mut client) = (a.server.clone(), a.client.clone());
    if let Some(name) = &a.name {
        match ws.entity(name).map(|e| e.role) {
            Some(Role::Server) if server.is_none() => server = Some(name.clone()),
            Some(Role::Client) if client.is_none() => client = Some(name.clone()),
            Some(Role::Server | Role::Client) => {
                return crate::cli::usage_error("NAME and --server or --client name the same side");
            }
            // A tool's name where a certificate's goes: the first thing one tries.
            None if Tool::from_name(name).is_some() => {
                return crate::cli::usage_error(&format!(
                    "\"{name}\" is a tool, not a certificate of the workspace: `certbench \
                     recipes --for {name}` gives its recipes (NAME is a server or client \
                     certificate)",
                    name = display_safe(name, 64)
                ));
            }
            // Unknown, or a CA: said by the engine.
            _ => server = Some(name.clone()),
        }
    }
    let mut v = match values(
        &ws,
        server.as_deref(),
        client.as_deref(),
        a.port,
        a.relative,
    ) {
        Ok(v) => v,
        Err(e) => {
            errln!("certbench: {e}");
            // The errors that name a certbench command to run: with this workspace's --dir.
            if matches!(
                e,
                RecipeError::NoneOfRole { .. } | RecipeError::AllRevoked { .. }
            ) && let Some(note) = crate::cli::dir_note(&dir)
            {
                errln!("{note}");
            }
            return ExitCode::FAILURE;
        }
    };
    // Recipes written for this machine run this very binary (it may not be on PATH); the
    // README's, on any machine, the `certbench` on PATH.
    if !a.relative
        && let Ok(exe) = std::env::current_exe()
    {
        v.certbench = exe.display().to_string();
    }
    let all = recipes(&v, &a.tools);
    if let Some(out_dir) = &a.out {
        return write_out(&all, out_dir, a.force);
    }
    if a.json {
        let mut stdout = out::Stdout::new();
        let _ = out::json(stdout.raw(), &all);
        stdout.finish();
        return ExitCode::SUCCESS;
    }
    outln!("{}", certbench_pki::recipes::markdown(&all));
    ExitCode::SUCCESS
}

fn write_out(all: &[Recipe], out_dir: &std::path::Path, force: bool) -> ExitCode {
    if out_dir.exists() && !out_dir.is_dir() {
        errln!(
            "certbench: {} is a file: --out takes a folder",
            out_dir.display()
        );
        return ExitCode::FAILURE;
    }
    // The folder itself is made (it is where the recipes go); a missing parent is a typo.
    if !out_dir.is_dir()
        && let Err(e) = std::fs::create_dir(out_dir)
    {
        errln!(
            "certbench: cannot make the folder {}: {e}",
            out_dir.display()
        );
        return ExitCode::FAILURE;
    }
    let mut files = Vec::new();
    for r in all {
        let folder = out_dir.join(r.folder());
        if let Err(e) = std::fs::create_dir_all(&folder) {
            errln!("certbench: cannot make {}: {e}", folder.display());
            return ExitCode::FAILURE;
        }
        for f in &r.files {
            files.push(FileWrite::public(folder.join(&f.name), f.text.clone()));
        }
        // What keeps it from running as written, where whoever runs it reads first.
        let problems: String = r
            .problems
            .iter()
            .map(|p| format!("# NOT AS WRITTEN HERE: {}\n", p.text().replace('\n', " ")))
            .collect();
        // And the lines that matter most, and why: they travel with the files.
        let notes: String = r
            .notes
            .iter()
            .map(|n| {
                format!(
                    "# {}: {}\n",
                    n.line.trim().replace('\n', " "),
                    n.why.replace('\n', " ")
                )
            })
            .collect();
        let script = format!(
            "#!/bin/sh\n# {}: {} (certbench recipes). Run: sh run.sh\n{problems}{notes}set -e\ncd \"$(dirname \"$0\")\"\n{}\n",
            r.title,
            r.side.name(),
            r.run
        );
        files.push(FileWrite::public(folder.join("run.sh"), script));
    }
    if let Err(e) = write_files(&files, force) {
        match e {
            certbench_base::fsutil::FsError::FileExists { path } => errln!(
                "certbench: {} exists: pass --force to replace the recipes' files",
                path.display()
            ),
            e => errln!("certbench: {e}"),
        }
        return ExitCode::FAILURE;
    }
    for r in all {
        let folder = out_dir.join(r.folder());
        outln!(
            "{}: {} -- sh {}",
            r.title,
            r.side.name(),
            certbench_base::text::shell_word(&folder.join("run.sh"))
        );
        for p in &r.problems {
            outln!("  not as written here: {}", p.text());
        }
    }
    ExitCode::SUCCESS
}
