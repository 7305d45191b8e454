//! What a finished run knows, and the one rule that turns its trials into the run's
//! verdict and exit code (used by the CLI, the reports and the harness alike).

use super::{SweepReport, TrialReport};
use crate::checks::Verdict;
use crate::exchange::{Halt, HaltKind, TransportStats};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::SystemTime;

/// Process exit codes shared by every subcommand.
pub mod exit {
    /// Conformant (or the command did what it was asked).
    pub const OK: u8 = 0;
    /// Not conformant, or a check the command makes failed.
    pub const FAILED: u8 = 1;
    /// Usage, configuration or suite error (or an unreachable target): nothing was judged.
    pub const ERROR: u8 = 2;
    /// Stopped by Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: u8 = 130;
}

/// Everything a finished run knows.
pub struct RunOutcome {
    /// Every trial, in trial order (passes light: see [`super::Trials`]).
    pub reports: super::Trials,
    /// For people: `embedded reference server at <url>`, or the URL.
    pub target_label: String,
    /// The base URL trials were sent to (up to and including `/api`).
    pub target_url: String,
    /// Whether the target was the embedded reference server.
    pub embedded: bool,
    pub started: SystemTime,
    pub finished: SystemTime,
    pub sweep: SweepReport,
    pub requests: u64,
    /// Why the run stopped starting trials before the end, if it did.
    pub halt: Option<Halt>,
    /// Rate limits waited out and exchanges left unanswered.
    pub transport: TransportStats,
    /// What became of each waiver (`--waivers`), in file order.
    pub waivers: Vec<crate::waivers::WaiverStatus>,
    /// The credential schemes and limits the run went with.
    pub setup: RunSetup,
}

/// How the run was set up: which credential schemes it had and which limits it kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RunSetup {
    /// The schemes with credentials (`Basic`, `SoTicket`, `Bearer`, `session`), and
    /// `SO-AppToken` when one was sent. Trials of the others were skipped.
    pub schemes: Vec<String>,
    pub concurrency: usize,
    /// Requests per second (0 = unlimited).
    pub rps: u32,
    pub max_requests: Option<u64>,
    pub connect_timeout_s: f64,
    pub timeout_s: f64,
    pub max_body_bytes: usize,
}

impl RunSetup {
    pub fn of(
        credentials: &crate::credentials::Credentials,
        limits: &crate::target::Limits,
    ) -> RunSetup {
        let c = credentials;
        let schemes = [
            ("Basic", c.basic.is_some()),
            ("SoTicket", c.ticket.is_some()),
            ("Bearer", c.bearer.is_some()),
            ("session", c.cookie.is_some() && c.xsrf_token.is_some()),
            ("SO-AppToken", c.app_token.is_some()),
        ]
        .into_iter()
        .filter(|(_, on)| *on)
        .map(|(s, _)| s.to_string())
        .collect();
        RunSetup {
            schemes,
            concurrency: limits.concurrency,
            rps: limits.rps,
            max_requests: limits.max_requests,
            connect_timeout_s: limits.connect_timeout.as_secs_f64(),
            timeout_s: limits.total_timeout.as_secs_f64(),
            max_body_bytes: limits.max_body_bytes,
        }
    }
}

impl RunOutcome {
    pub fn verdict(&self, strict: bool) -> RunVerdict {
        // A light trial is a pass: the held ones decide.
        RunVerdict::of(self.reports.held(), strict, self.halt.as_ref())
    }

    /// The process exit code: the verdict's, or 130 after an interrupt; an expired
    /// waiver fails the run whatever the verdict.
    pub fn exit_code(&self, strict: bool) -> u8 {
        match &self.halt {
            Some(h) if h.kind == HaltKind::Interrupted => exit::INTERRUPTED,
            _ if self.expired_waivers() > 0 => exit::FAILED,
            _ => self.verdict(strict).exit_code(),
        }
    }

    /// Waivers past their date.
    pub fn expired_waivers(&self) -> usize {
        self.waivers
            .iter()
            .filter(|w| w.state == crate::waivers::WaiverState::Expired)
            .count()
    }
}

/// The verdict of the run, in the spirit of Autobahn's OK / NON-STRICT / INFORMATIONAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RunVerdict {
    /// Every must-level (and should-level) check passed.
    Conformant,
    /// Every must-level check passed; some should-level ones failed (not `--strict`).
    ConformantWithWarnings,
    /// A must-level check failed (or, with `--strict`, a should-level one).
    NotConformant,
}

impl RunVerdict {
    /// A run fails when one trial fails it (a should-level warning only under `strict`),
    /// or when the target stopped answering (`halt`): an answer is a must everywhere.
    pub fn of<'r>(
        reports: impl IntoIterator<Item = impl std::ops::Deref<Target = TrialReport> + 'r>,
        strict: bool,
        halt: Option<&Halt>,
    ) -> RunVerdict {
        let unresponsive = halt.is_some_and(|h| h.kind == HaltKind::Unresponsive);
        let (mut fails, mut warns) = (false, false);
        for r in reports {
            fails |= r.fails_run(strict);
            warns |= matches!(r.verdict, Verdict::Warn);
        }
        if unresponsive || fails {
            RunVerdict::NotConformant
        } else if warns {
            RunVerdict::ConformantWithWarnings
        } else {
            RunVerdict::Conformant
        }
    }

    pub fn exit_code(self) -> u8 {
        match self {
            RunVerdict::NotConformant => exit::FAILED,
            RunVerdict::Conformant | RunVerdict::ConformantWithWarnings => exit::OK,
        }
    }
}
