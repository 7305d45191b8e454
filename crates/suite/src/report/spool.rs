//! The report's spool: each passing trial's entry (exchanges, checks, `curl`) written to
//! disk as the trial finishes, so that the run holds in memory only what the summary and
//! the failures need, however many trials it has. The report's writers read the entries
//! back one at a time (`report.json`, `exchanges.har`); the file is removed when the spool
//! is dropped.

use super::json::{self, TrialEntry};
use crate::engine::pool::Keeper;
use crate::engine::TrialReport;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The spool file's name in the report directory (hidden: it is not a report file).
pub const SPOOL_FILE: &str = ".trials.spool";

pub struct Spool {
    path: PathBuf,
    inner: Mutex<Inner>,
    /// The checks' citations given once in `report.json` (see [`json::compact`]).
    citations: std::collections::BTreeMap<String, crate::cases::SpecRef>,
}

struct Inner {
    out: BufWriter<File>,
    len: u64,
    /// Where each spooled trial's entry is, by trial index: byte offset and length
    /// ([`NOT_SPOOLED`]: not there). Twelve bytes a trial, not its name.
    at: Vec<(u64, u32)>,
    spooled: usize,
}

impl Spool {
    /// A new, empty spool in `dir` (created if needed) for a run of `suite`.
    pub fn create(dir: &Path, suite: &crate::suite::Suite) -> Result<Spool, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let path = dir.join(SPOOL_FILE);
        let file = File::create(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Spool {
            citations: json::check_citations(suite),
            path,
            inner: Mutex::new(Inner {
                out: BufWriter::new(file),
                len: 0,
                at: Vec::new(),
                spooled: 0,
            }),
        })
    }

    /// A reader of what was spooled so far (everything written is flushed first).
    pub fn reader(&self) -> Result<SpoolReader<'_>, String> {
        self.lock()?
            .out
            .flush()
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        let file = File::open(&self.path).map_err(|e| format!("{}: {e}", self.path.display()))?;
        Ok(SpoolReader { spool: self, file })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, String> {
        self.inner
            .lock()
            .map_err(|_| "the report spool is poisoned".to_string())
    }

    /// How many trials are spooled.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.spooled)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Keeper for Spool {
    fn keep(&self, index: usize, report: &TrialReport) -> Result<(), String> {
        let entry = json::compact(json::trial_entry(report), &self.citations);
        let bytes = serde_json::to_vec(&entry).map_err(|e| e.to_string())?;
        let len = u32::try_from(bytes.len())
            .map_err(|_| format!("trial {}: its report entry passes 4 GiB", report.name))?;
        let mut inner = self.lock()?;
        inner
            .out
            .write_all(&bytes)
            .map_err(|e| format!("{}: {e}", self.path.display()))?;
        let at = inner.len;
        inner.len += bytes.len() as u64;
        if inner.at.len() <= index {
            inner.at.resize(index + 1, NOT_SPOOLED);
        }
        if inner.at[index] == NOT_SPOOLED {
            inner.spooled += 1;
        }
        inner.at[index] = (at, len);
        Ok(())
    }
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// An index slot with no entry.
const NOT_SPOOLED: (u64, u32) = (u64::MAX, 0);

/// Reads spooled entries back, by trial index (the spool's own index, not a copy).
pub struct SpoolReader<'s> {
    spool: &'s Spool,
    file: File,
}

impl SpoolReader<'_> {
    /// The spooled entry of trial `index` as its JSON bytes; `None` when it was not
    /// spooled.
    pub fn raw(&mut self, index: usize) -> Option<std::io::Result<Vec<u8>>> {
        let found = match self.spool.lock() {
            Ok(inner) => inner.at.get(index).copied(),
            Err(e) => return Some(Err(std::io::Error::other(e))),
        };
        let (at, len) = found.filter(|f| *f != NOT_SPOOLED)?;
        let mut buf = vec![0; len as usize];
        Some(
            self.file
                .seek(SeekFrom::Start(at))
                .and_then(|_| self.file.read_exact(&mut buf))
                .map(|()| buf),
        )
    }

    /// The spooled entry of trial `index`; `None` when it was not spooled.
    pub fn entry(&mut self, index: usize) -> Option<Result<TrialEntry, String>> {
        let path = self.spool.path.display().to_string();
        self.raw(index).map(|r| {
            r.map_err(|e| format!("{path}: {e}")).and_then(|bytes| {
                serde_json::from_slice(&bytes).map_err(|e| format!("{path}: {e}"))
            })
        })
    }
}
