//! `certbench status` (every certificate with its days left, the next to expire first, and what
//! will break before anything expires) and `certbench renew NAME` (the same certificate again,
//! from now).

use std::path::Path;
use std::process::ExitCode;

use certbench_lab::aging;
use certbench_pki::workspace::Workspace;
use clap::Args;
use time::OffsetDateTime;

use crate::cli::out::{errln, outln};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The day to look at: RFC 3339, or an offset such as +90d (default: now). What has expired
    /// by then, and what warns.
    #[arg(long, allow_hyphen_values = true, value_parser = crate::cli::parse_at)]
    pub at: Option<OffsetDateTime>,
    /// One JSON object: every certificate with its days left, each CA's CRL, the warnings.
    #[arg(long)]
    pub json: bool,
    /// For cron and CI: exit code 1 when a certificate (not revoked) has fewer than --within days
    /// left or has expired, when a chain does not verify now, or when a CRL is stale.
    #[arg(long)]
    pub check: bool,
    /// With --check: the days a certificate must have left (0 to 36500).
    #[arg(long, default_value_t = 30, requires = "check",
          value_parser = clap::value_parser!(i64).range(0..=36_500))]
    pub within: i64,
}

#[derive(Debug, Args)]
pub struct RenewArgs {
    /// The certificate's name in the workspace.
    pub name: String,
    /// A new key pair instead of the old one's (for a CA: what it issued must be renewed too).
    #[arg(long)]
    pub new_key: bool,
    /// Valid for this many days from now (default: as long as the old one was).
    #[arg(long, value_parser = certbench_pki::parse_days)]
    pub days: Option<u32>,
    /// Revoke the certificate it replaces (reason superseded) and sign the issuer's CRL again;
    /// without it, the old one stays valid until its notAfter (`revoke NAME --serial` later).
    #[arg(long)]
    pub revoke_old: bool,
}

pub fn status(a: StatusArgs, dir: &Path) -> ExitCode {
    let ws = match Workspace::open(dir) {
        Ok(ws) => ws,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let now = OffsetDateTime::now_utc();
    let at = a.at.unwrap_or(now.replace_nanosecond(0).unwrap_or(now));
    let health = ws.health(at);
    // What --check fails on: said on stderr, one line each, after the report.
    let failing: Vec<String> = if a.check {
        use certbench_pki::workspace::{State, Warning};
        let exact = a.at.unwrap_or(now);
        health
            .certificates
            .iter()
            // The time left itself, to the moment (not its rounded days, nor the report's time
            // cut to the second): what `openssl x509 -checkend` asks.
            .filter(|c| {
                c.state != State::Revoked && c.not_after - exact < time::Duration::days(a.within)
            })
            .map(|c| {
                let (within, not_after) = (a.within, certbench_base::text::rfc3339(c.not_after));
                if c.not_after <= exact {
                    return format!("{} expired at {not_after} (--within {within})", c.name);
                }
                // To the hour (the minute in its last hour): the report's days are rounded, and
                // 29.6 days shows as 30.
                let left = c.not_after - exact;
                let plural = certbench_base::text::plural::<i64>;
                let left = match (left.whole_days(), left.whole_hours() % 24) {
                    (0, 0) => {
                        let m = left.whole_minutes();
                        format!("{m} minute{}", plural(m))
                    }
                    (0, h) => format!("{h} hour{}", plural(h)),
                    (d, 0) => format!("{d} day{}", plural(d)),
                    (d, h) => format!("{d} day{} {h} hour{}", plural(d), plural(h)),
                };
                format!(
                    "{} has {left} left, less than {within} day{} (--within): it expires {not_after}",
                    c.name,
                    plural(within)
                )
            })
            .chain(
                health
                    .warnings
                    .iter()
                    .filter(|w| matches!(w, Warning::ChainBroken { .. } | Warning::CrlStale { .. }))
                    .map(aging::warning),
            )
            .collect()
    } else {
        vec![]
    };
    let code = if failing.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    };
    let say_failing = || {
        for f in &failing {
            errln!("certbench: status --check: {f}");
        }
    };
    if a.json {
        return match serde_json::to_string_pretty(&health) {
            Ok(j) => {
                outln!("{j}");
                say_failing();
                code
            }
            Err(e) => {
                errln!("certbench: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if health.certificates.is_empty() {
        outln!(
            "The workspace {} is empty: `certbench gen` makes a set.",
            dir.display()
        );
        return ExitCode::SUCCESS;
    }
    outln!(
        "{} at {} (the next to expire first):",
        dir.display(),
        certbench_base::text::rfc3339(at)
    );
    let rows: Vec<[String; 5]> = health
        .certificates
        .iter()
        .map(|c| {
            [
                c.name.clone(),
                c.role.as_str().to_string(),
                certbench_base::text::rfc3339(c.not_after),
                c.days_left.to_string(),
                aging::state(c.state),
            ]
        })
        .collect();
    crate::cli::print_table(&["NAME", "ROLE", "NOT AFTER", "DAYS LEFT", "STATE"], &rows);
    for crl in &health.crls {
        outln!(
            "CRL of {}: this update {}, next update {}{}",
            crl.ca,
            certbench_base::text::rfc3339(crl.this_update),
            crl.next_update
                .map(certbench_base::text::rfc3339)
                .unwrap_or_else(|| "none".into()),
            if crl.stale { " (stale)" } else { "" }
        );
    }
    for w in &health.warnings {
        outln!("warning: {}", aging::warning(w));
    }
    if !health.warnings.is_empty()
        && let Some(note) = crate::cli::dir_note(dir)
    {
        outln!("{note}");
    }
    say_failing();
    code
}

pub fn renew(a: RenewArgs, dir: &Path) -> ExitCode {
    let mut ws = match Workspace::open(dir) {
        Ok(ws) => ws,
        Err(e) => {
            errln!("certbench: {e}");
            return ExitCode::FAILURE;
        }
    };
    let now = OffsetDateTime::now_utc();
    match ws.renew_for(&a.name, a.new_key, a.days, now) {
        Ok(r) => {
            outln!("{}", aging::renewed(&r));
            for d in &r.dependants {
                outln!("  {}", aging::dependant(d, &r));
            }
            let is_root = r.issued.entity.issuer.is_none();
            if r.crl_moved {
                outln!("{}", aging::crl_moved(&r));
            }
            crate::cli::print_outlives(&ws, &a.name);
            if a.revoke_old && is_root {
                outln!("{}", aging::root_not_revoked(&r));
            } else if a.revoke_old {
                match ws.revoke_serial(
                    &a.name,
                    Some(&r.old_serial),
                    certbench_x509::RevocationReason::Superseded,
                    now,
                ) {
                    Ok(revoked) => outln!("{}", aging::old_revoked(&r, &revoked.crl_path)),
                    Err(e) => {
                        errln!("certbench: renewed, but the old certificate was not revoked: {e}");
                        return ExitCode::FAILURE;
                    }
                }
            } else if !is_root {
                outln!("{}", aging::old_valid(&r));
            }
            // What it said names certbench commands (revoke, renew, crl) for this workspace.
            if let Some(note) = crate::cli::dir_note(dir) {
                outln!("{note}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            errln!("certbench: {e}");
            ExitCode::FAILURE
        }
    }
}
