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
    /// JSON instead of text.
    #[arg(long)]
    pub json: bool,
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
    if !a.check {
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
    let results: Vec<Checked> = SCENARIOS
        .iter()
        .map(|s| {
            let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
            let result = runtime.block_on(certbench_lab::run(s, &Control::default(), tx));
            let mut events = Vec::new();
            while let Ok(e) = rx.try_recv() {
                events.push(e);
            }
            let (mismatches, error) = match result {
                Ok(summary) => (certbench_lab::check(s, &summary, &events), None),
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

fn print_checked(c: &Checked) {
    let e = &c.scenario.expect;
    let what = match (e.ok, e.detected_by, e.cause) {
        (true, _, _) => "works".to_string(),
        (false, Some(side), Some(cause)) => format!("the {} catches {cause}", side.name()),
        _ => "fails".to_string(),
    };
    let mark = if c.as_designed { "ok  " } else { "FAIL" };
    outln!("{mark} {:<28} {what}", c.name);
    if let Some(err) = &c.error {
        outln!("       could not run: {err}");
    }
    for m in &c.mismatches {
        outln!("       {}: expected {}, got {}", m.what, m.expected, m.got);
    }
}
