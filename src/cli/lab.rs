//! `certbench lab`: the failure lab's scenarios, listed, or all run to check each fails (or works)
//! the way it says: a self-test after upgrading rustls.

use std::process::ExitCode;

use certbench_lab::{Mismatch, SCENARIOS, Scenario, words};
use certbench_tls::run::Control;
use clap::Args;
use serde::Serialize;

use crate::cli::{out, out::errln, out::outln};

#[derive(Debug, Args)]
pub struct LabArgs {
    /// Run every scenario and say whether each went as designed (exit 1 if one did not).
    #[arg(long)]
    pub check: bool,
    /// Run every scenario and write a page of each into DIR (a new or empty folder), with an
    /// index: a gallery of broken handshakes, each explained from its real bytes.
    #[arg(long, value_name = "DIR")]
    pub html: Option<std::path::PathBuf>,
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Run the scenarios as they would go on that day (RFC 3339, or an offset such as +400d):
    /// both sides judge the certificates at that time. What --check then finds not as designed
    /// is what time does to each setup.
    #[arg(long, allow_hyphen_values = true, value_parser = crate::cli::parse_at)]
    pub at: Option<time::OffsetDateTime>,
}

#[derive(Serialize)]
struct Listed<'a> {
    name: &'static str,
    title: &'a str,
    expect: &'a certbench_lab::Expect,
}

#[derive(Serialize)]
struct Checked<'a> {
    name: &'static str,
    as_designed: bool,
    mismatches: Vec<Mismatch>,
    /// Why the scenario could not run at all.
    error: Option<String>,
    #[serde(skip)]
    scenario: &'a Scenario,
}

pub fn run(a: LabArgs) -> ExitCode {
    // The gallery's folder: new, or empty; nothing in it is overwritten.
    if let Some(dir) = &a.html
        && let Err(code) = crate::cli::handshake::check_page_dir(dir)
    {
        return code;
    }
    if !a.check && a.html.is_none() {
        if a.json {
            let list: Vec<Listed> = SCENARIOS
                .iter()
                .map(|s| Listed {
                    name: s.name,
                    title: &words(s).title,
                    expect: &s.expect,
                })
                .collect();
            let mut stdout = out::Stdout::new();
            let _ = out::json(stdout.raw(), &list);
            stdout.finish();
        } else {
            let width = SCENARIOS.iter().map(|s| s.name.len()).max().unwrap_or(0);
            for s in SCENARIOS {
                outln!("{:<width$}  {}", s.name, words(s).title);
            }
            outln!("\nRun one: certbench handshake --scenario NAME; all: certbench lab --check");
        }
        return ExitCode::SUCCESS;
    }
    let runtime = match crate::cli::runtime() {
        Ok(r) => r,
        Err(code) => return code,
    };
    if let Some(at) = a.at
        && !a.json
    {
        outln!(
            "both sides judge the certificates as at {} (--at)",
            certbench_base::text::rfc3339(at)
        );
    }
    let results: Vec<Checked> = SCENARIOS
        .iter()
        .map(|s| {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let result = runtime.block_on(certbench_lab::run_at(s, &Control::default(), tx, a.at));
            let mut events = Vec::new();
            while let Ok(e) = rx.try_recv() {
                events.push(e);
            }
            let (mismatches, error) = match result {
                Ok(summary) => {
                    let mismatches = certbench_lab::check(s, &summary, &events);
                    let written = match &a.html {
                        Some(dir) => write_page(dir, s, &summary, &events),
                        None => Ok(()),
                    };
                    match written {
                        Ok(()) => (mismatches, None),
                        Err(e) => (mismatches, Some(e)),
                    }
                }
                Err(e) => (vec![], Some(e.to_string())),
            };
            let checked = Checked {
                name: s.name,
                as_designed: mismatches.is_empty() && error.is_none(),
                mismatches,
                error,
                scenario: s,
            };
            if !a.json {
                print_checked(&checked);
            }
            checked
        })
        .collect();
    if let Some(dir) = &a.html {
        let entries: Vec<certbench_page::Entry> = results
            .iter()
            .map(|r| certbench_page::Entry {
                file: format!("{}.html", r.name),
                name: r.name,
                title: &words(r.scenario).title,
                outcome: outcome_words(r.scenario),
                written: r.error.is_none(),
            })
            .collect();
        let index = certbench_page::index(&entries, time::OffsetDateTime::now_utc());
        let file = certbench_base::fsutil::FileWrite::public(dir.join("index.html"), index);
        if let Err(e) = certbench_base::fsutil::write_files(std::slice::from_ref(&file), false) {
            errln!(
                "certbench: could not write {}: {e}",
                dir.join("index.html").display()
            );
            return ExitCode::FAILURE;
        }
        if !a.json {
            outln!("\nthe pages: {}", dir.join("index.html").display());
        }
    }
    let failed = results.iter().filter(|r| !r.as_designed).count();
    if a.json {
        let mut stdout = out::Stdout::new();
        let _ = out::json(stdout.raw(), &results);
        stdout.finish();
    } else {
        outln!(
            "\n{} of {} scenarios went as designed",
            results.len() - failed,
            results.len()
        );
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        errln!("certbench: {failed} scenarios did not go as designed");
        ExitCode::FAILURE
    }
}

/// A scenario's page, NAME.html in `dir` (mode 0600: it shows the run's secrets).
fn write_page(
    dir: &std::path::Path,
    s: &'static Scenario,
    summary: &certbench_tls::run::Summary,
    events: &[certbench_tls::event::Event],
) -> Result<(), String> {
    let explained = certbench_lab::explain(summary, Some(s), events);
    let html = certbench_page::page(&certbench_page::Run {
        summary,
        events,
        explained: &explained,
        scenario: Some(&words(s).title),
        peer: None,
        said: None,
        secrets: true,
        made: time::OffsetDateTime::now_utc(),
    });
    let path = dir.join(format!("{}.html", s.name));
    let file = certbench_base::fsutil::FileWrite::private(&path, html.into_bytes());
    certbench_base::fsutil::write_files(std::slice::from_ref(&file), false)
        .map_err(|e| format!("could not write {}: {e}", path.display()))
}

/// What a scenario is designed to do, in a few words.
fn outcome_words(s: &Scenario) -> String {
    let e = &s.expect;
    match (e.ok, e.detected_by, e.cause) {
        (true, _, _) => "works".to_string(),
        (false, Some(side), Some(cause)) => format!("the {} catches {cause}", side.name()),
        _ => "fails".to_string(),
    }
}

fn print_checked(c: &Checked) {
    let what = outcome_words(c.scenario);
    let mark = if c.as_designed { "ok  " } else { "FAIL" };
    outln!("{mark} {:<28} {what}", c.name);
    if let Some(err) = &c.error {
        outln!("       could not run: {err}");
    }
    for m in &c.mismatches {
        outln!("       {}: expected {}, got {}", m.what, m.expected, m.got);
    }
}
