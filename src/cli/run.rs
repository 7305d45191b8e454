//! `soconform run` (and the plain main job): the whole suite with the same engine the
//! test harness uses, a progress display, the summary table, and an exit code for CI:
//! 0 when every must-level check passed (and, with `--strict`, every should-level one),
//! 1 when one failed, 2 on a configuration or suite error.

use super::exit;
use crate::engine::pool::Details;
use crate::engine::RunOutcome;
use crate::engine::{failure_message, TrialReport};
use crate::launch::{execute_with, RunOptions};
use crate::matrix::{self, SpecList};
use crate::report::summary;
use crate::suite::{Suite, SuitePaths};
use crate::target::{parse_duration, LimitOverrides, Target};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Default, clap::Args)]
pub struct RunArgs {
    /// TOML target file (URL, secrets by variable name, limits); SOCONF_* variables win
    /// over it, flags over both.
    #[arg(long, env = "SOCONF_TARGET_FILE")]
    pub target_file: Option<PathBuf>,
    /// Write the reports (JUnit, JSON, HTML, HAR) into this directory.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Count should-level failures as failures.
    #[arg(long)]
    pub strict: bool,
    /// TOML file of waivers: failures set aside, each with a reason, link, owner and
    /// expiry date (see the README, "Certifying a live server").
    #[arg(long, env = "SOCONF_WAIVERS", value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// Exchanges in flight at once.
    #[arg(long)]
    pub concurrency: Option<usize>,
    /// Requests per second toward the target (0 = unlimited).
    #[arg(long)]
    pub rps: Option<u32>,
    /// Stop sending after this many requests.
    #[arg(long)]
    pub max_requests: Option<u64>,
    /// Give up on an exchange after this long, from sending to its last byte (e.g. 30s,
    /// 500ms) [default: 30s].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub timeout: Option<Duration>,
    /// Give up connecting after this long [default: 10s].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub connect_timeout: Option<Duration>,
    /// Largest response body read, in bytes; a longer one fails the trial [default: 4 MiB].
    #[arg(long, value_name = "BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Longest Retry-After the suite waits out (a longer one is cut to this) [default: 60s].
    #[arg(long, value_parser = parse_duration, value_name = "DURATION")]
    pub max_retry_wait: Option<Duration>,
    /// Rate-limit answers (429, or 503 with Retry-After) to one request before its trial
    /// is skipped as rate-limited [default: 5].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_tries: Option<u32>,
    /// Leave the groups this run creates as they are (default: mark them Deleted).
    #[arg(long)]
    pub keep_created: bool,
    /// Give each trial that works on an existing group a group of its own (default: reuse
    /// the groups earlier trials of this run created, when they passed).
    #[arg(long)]
    pub fresh_groups: bool,
    /// Generated bodies per generated case (valid and invalid; default 16, or
    /// SOCONF_GENERATED; 0 = none).
    #[arg(long, value_name = "N")]
    pub generated: Option<u32>,
    /// First generator seed (default 1, or SOCONF_SEED): seeds are S, S+1, ...
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Run only trials whose name contains this text (repeatable: any matches).
    #[arg(long)]
    pub filter: Vec<String>,
    /// Run only the trials of endpoints whose uid matches this pattern (`*` any run of
    /// characters, e.g. `v1ContactAgent_*`; repeatable: any matches). Also SOCONF_ENDPOINTS
    /// (comma-separated) and the target file's `endpoints`.
    #[arg(long = "endpoint", value_name = "PATTERN")]
    pub endpoints: Vec<String>,
    /// Let a live target get requests to endpoints of safety class `write`
    /// (cases/safety.toml) whose uid matches PATTERN (`*` any run of characters; the flag
    /// alone: all). Repeatable. Without it nothing is sent to them: their trials are
    /// skipped, with the reason. Also SOCONF_ALLOW_WRITES and the target file's
    /// `allow_writes`. The embedded server takes every call.
    #[arg(
        long = "allow-writes",
        value_name = "PATTERN",
        num_args = 0..=1,
        default_missing_value = "*"
    )]
    pub allow_writes: Vec<String>,
    /// Run only the trial with exactly this name.
    #[arg(long)]
    pub exact: Option<String>,
    /// Run one shard of the selected trials: `hash:K/N` (by trial name) or `slice:K/N`
    /// (round-robin); the N shards together are the whole run.
    #[arg(long, value_name = "hash:K/N|slice:K/N")]
    pub partition: Option<super::partition::Partition>,
    /// List the trial names and exit.
    #[arg(long)]
    pub list: bool,
    /// Print every failure in full (default: the first few, the rest in the report).
    #[arg(long)]
    pub verbose: bool,
    /// Directory holding cases/, schemas/ and spec/ (default: found automatically).
    #[arg(long)]
    pub suite_dir: Option<PathBuf>,
    /// Print `peak_rss_mib=<n>` at the end (used by `soconform bench`).
    #[arg(long, hide = true)]
    pub print_peak_rss: bool,
    /// Run N trials: the selected ones over and over, each copy named `<trial>#<k>`
    /// (`soconform bench --scale`: how memory, report size and speed grow with the trial
    /// count).
    #[arg(long, hide = true, value_name = "N", conflicts_with = "exact")]
    pub scale: Option<usize>,
}

/// Failures printed in full on the console before the rest are only counted.
const FAILURES_SHOWN: usize = 10;

pub fn main(args: RunArgs) -> u8 {
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("soconform: {e}");
            exit::ERROR
        }
    }
}

fn run(args: &RunArgs) -> Result<u8, String> {
    let paths = args
        .suite_dir
        .as_deref()
        .map(SuitePaths::under)
        .unwrap_or_else(SuitePaths::discover);
    let mut suite = Suite::load(paths).map_err(|e| e.to_string())?;
    suite.generation = crate::generate::GenerationConfig::from_env()?;
    if let Some(n) = args.generated {
        suite.generation.count = n;
    }
    if let Some(s) = args.seed {
        suite.generation.seed = s;
    }
    let suite = Arc::new(suite);
    // A waiver file that does not read is a setting error: before anything is sent.
    let waivers = match &args.waivers {
        Some(path) => crate::waivers::load(path)?,
        None => Vec::new(),
    };
    // A signing key that does not read is a setting error too (its value is never shown).
    let signer = match &args.report {
        Some(_) => crate::report::manifest::ReportSigner::from_env()?,
        None => None,
    };
    let mut target = Target::from_env(args.target_file.as_deref()).map_err(|e| e.to_string())?;
    // The flag wins over SOCONF_ENDPOINTS, which wins over the target file.
    if !args.endpoints.is_empty() {
        target.endpoints = args.endpoints.clone();
    }
    if !args.allow_writes.is_empty() {
        target.allow_writes = args.allow_writes.clone();
    }
    let specs = select_specs(&suite, args, &target.endpoints)?;
    if args.list {
        for s in specs.iter() {
            println!("{}", s.name);
        }
        return Ok(exit::OK);
    }
    LimitOverrides {
        concurrency: args.concurrency,
        rps: args.rps,
        max_requests: args.max_requests,
        connect_timeout: args.connect_timeout,
        timeout: args.timeout,
        max_body_bytes: args.max_body_bytes,
        max_retry_wait: args.max_retry_wait,
        rate_limit_tries: args.rate_limit_tries,
    }
    .apply(&mut target.limits);
    target.keep_created |= args.keep_created;
    target.fresh_groups |= args.fresh_groups;
    let details = if args.report.is_some() {
        Details::All
    } else {
        Details::FailuresOnly
    };
    // With a report, each passing trial's details go to a spool in the report directory
    // as it finishes: memory stays flat however many trials run.
    let spool = match &args.report {
        Some(dir) => Some(Arc::new(crate::report::spool::Spool::create(dir, &suite)?)),
        None => None,
    };
    let options = RunOptions {
        progress: true,
        details,
        signals: true,
        keeper: spool
            .clone()
            .map(|s| s as Arc<dyn crate::engine::pool::Keeper>),
    };
    let mut outcome = execute_with(suite.clone(), target, specs, options)?;
    outcome.waivers = crate::waivers::apply(
        &waivers,
        outcome.reports.held_mut(),
        &crate::waivers::today(),
    );
    print_outcome(&outcome, args.strict, args.verbose);
    // Before the report takes the trials.
    let code = outcome.exit_code(args.strict);
    if let Some(dir) = &args.report {
        crate::report::write_all(
            dir,
            &suite,
            &mut outcome,
            args.strict,
            signer.as_ref(),
            spool.as_deref(),
        )
        .map_err(|e| format!("writing the report to {}: {e}", dir.display()))?;
        println!(
            "\nreport: open {} (one self-contained page); also report.json, junit.xml and exchanges.har in {}",
            dir.join("report.html").display(),
            dir.display()
        );
    }
    if args.print_peak_rss {
        if let Some(p) = super::bench::peak_rss_mib() {
            println!("peak_rss_mib={p:.1}");
        }
    }
    Ok(code)
}

/// The trials `args` select: `--exact`'s one, or every trial of the suite that the
/// `--filter`s, `endpoints` and `--partition` admit, held compact (see `SpecList`: a run
/// of the whole documented API holds its trial list in well under a megabyte); with
/// `--scale N`, their generic trials over and over to `N` (see [`SpecList::scaled`]).
pub fn select_specs(
    suite: &Arc<Suite>,
    args: &RunArgs,
    endpoints: &[String],
) -> Result<SpecList, String> {
    if let Some(name) = &args.exact {
        return match matrix::find_exact(suite, name).map_err(|e| e.to_string())? {
            Some(s) => Ok(SpecList::from(vec![s])),
            None => Err(format!(
                "no trial is named `{name}` (see `soconform run --list`)"
            )),
        };
    }
    // A pattern that matches no endpoint is an error naming it, before anything runs.
    matrix::check_endpoint_patterns(suite, endpoints)?;
    let mut admitted = 0usize;
    let selected = SpecList::select(suite.clone(), |s| {
        let keep = (args.filter.is_empty()
            || args.filter.iter().any(|f| s.name.contains(f.as_str())))
            && matrix::endpoint_admitted(endpoints, &s.endpoint);
        if !keep {
            return false;
        }
        admitted += 1;
        args.partition
            .as_ref()
            .is_none_or(|p| p.contains(admitted - 1, &s.name))
    })
    .map_err(|e| e.to_string())?;
    // As a larger spec adds endpoints, it adds generic trials, while the UserGroup
    // family's (which make groups, and whose listings grow with them) run once.
    let selected = match args.scale {
        Some(n) => selected.scaled(n, |s| !suite.own_cases.contains(&*s.endpoint)),
        None => selected,
    };
    if selected.is_empty() && !args.list {
        return Err(
            "no trial matches the --filter/--endpoint/--partition given (see `soconform run --list`)".into(),
        );
    }
    Ok(selected)
}

/// The console account of a finished run (or a rejudged one): failures, target, counts,
/// the summary table and verdict, and what happened around the trials.
pub(crate) fn print_outcome(o: &RunOutcome, strict: bool, verbose: bool) {
    let failing: Vec<&TrialReport> = o.reports.held().filter(|r| r.fails_run(strict)).collect();
    let shown = if verbose {
        failing.len()
    } else {
        FAILURES_SHOWN
    };
    for r in failing.iter().take(shown) {
        println!("--- {}\n{}", r.name, failure_message(r));
    }
    if failing.len() > shown {
        println!(
            "... and {} more failures (--verbose prints all; --report DIR keeps them)",
            failing.len() - shown
        );
    }
    println!("target: {}", o.target_label);
    let secs = o
        .finished
        .duration_since(o.started)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0);
    println!(
        "{} trials, {} requests in {:.1} s\n",
        o.reports.len(),
        o.requests,
        secs
    );
    print!(
        "{}",
        summary::render(&o.reports, o.verdict(strict), o.halt.as_ref())
    );
    if let Some(h) = &o.halt {
        println!("stopped early ({}): {}", h.at, h.reason);
    }
    for w in &o.waivers {
        use crate::waivers::WaiverState;
        let what = match w.state {
            WaiverState::Applied => format!("waived {} failing trials", w.waived.len()),
            WaiverState::Stale => {
                "stale: it matched no failure (remove it, or fix its pattern)".into()
            }
            WaiverState::Expired => format!(
                "EXPIRED on {}: it waived nothing, and it fails the run until renewed or removed",
                w.waiver.expires
            ),
        };
        println!("waiver `{}` ({}): {what}", w.waiver.pattern, w.waiver.owner);
    }
    let t = &o.transport;
    if t.rate_limited > 0 {
        println!(
            "rate limits: the target answered 429 (or 503 with Retry-After) {} times; requests waited {:.1} s in all before being sent again",
            t.rate_limited, t.rate_limit_wait_s
        );
    }
    let budget = o
        .reports
        .held()
        .filter(|r| {
            matches!(&r.verdict, crate::checks::Verdict::Skipped(m)
                if m.contains(crate::exchange::TransportError::BUDGET_EXHAUSTED))
        })
        .count();
    if budget > 0 {
        println!("{budget} trials were skipped: the request budget (--max-requests) ran out before they could send all their requests");
    }
    for line in o.sweep.summary_lines() {
        println!("{line}");
    }
}
