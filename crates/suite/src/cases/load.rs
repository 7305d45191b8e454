//! Reading case files: TOML syntax and shape errors come with file, line and column (from
//! the toml crate); semantic errors (duplicate ids, a quote not on its page, ...) name the
//! file and the line of the offending case.

use super::model::*;
use crate::trial_name::TrialName;
use soconform_core::citation::{normalize_ws, SpecRef};
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

/// Everything under `cases/`, parsed and checked.
#[derive(Debug, Clone)]
pub struct CaseSet {
    /// Case files in name order, each with its path.
    pub files: Vec<(PathBuf, CaseFile)>,
    pub checks: ChecksFile,
    pub matrix: MatrixFile,
    /// `safety.toml` (empty when absent: every endpoint is then `write`).
    pub safety: SafetyFile,
}

/// The safety class of each endpoint (`read` or `write`); not a case file.
pub const SAFETY_FILE: &str = "safety.toml";

pub const CHECKS_FILE: &str = "checks.toml";
pub const MATRIX_FILE: &str = "matrix.toml";
/// Not a case file: the sentences the suite must cover (`report::traceability`).
pub const TRACEABILITY_FILE: &str = "traceability.toml";

impl CaseSet {
    pub fn cases(&self) -> impl Iterator<Item = (&CaseFile, &Case)> {
        self.files
            .iter()
            .flat_map(|(_, f)| f.cases.iter().map(move |c| (f, c)))
    }
}

/// Parses one TOML document into `T`, with the file name and the toml crate's
/// line/column excerpt in the error.
pub fn parse_toml<T: serde::de::DeserializeOwned>(path: &Path, text: &str) -> Result<T, LoadError> {
    toml::from_str(text).map_err(|e| LoadError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

/// Reads `dir` (case files, `checks.toml`, `matrix.toml`) and checks every citation
/// against the pages in `spec_dir`.
pub fn load_dir(dir: &Path, spec_dir: &Path) -> Result<CaseSet, LoadError> {
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| LoadError::Io {
            path: path.to_path_buf(),
            source,
        })
    };
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|source| LoadError::Io {
            path: dir.to_path_buf(),
            source,
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    names.sort();

    let mut pages = PageCache {
        dir: spec_dir.to_path_buf(),
        pages: BTreeMap::new(),
    };
    let mut texts = Vec::new();
    let mut checks = None;
    let mut matrix = None;
    let mut safety = SafetyFile::default();
    for path in names {
        let text = read(&path)?;
        match path.file_name().and_then(|n| n.to_str()) {
            Some(CHECKS_FILE) => {
                checks = Some((path.clone(), parse_toml::<ChecksFile>(&path, &text)?, text))
            }
            Some(MATRIX_FILE) => {
                matrix = Some((path.clone(), parse_toml::<MatrixFile>(&path, &text)?, text))
            }
            Some(TRACEABILITY_FILE) => {}
            Some(SAFETY_FILE) => {
                safety = parse_toml::<SafetyFile>(&path, &text)?;
                validate_safety(&path, &text, &safety)?;
            }
            _ => {
                let file = parse_toml::<CaseFile>(&path, &text)?;
                texts.push((path, file, text));
            }
        }
    }
    let (checks_path, checks, checks_text) = checks.ok_or_else(|| LoadError::Invalid {
        path: dir.join(CHECKS_FILE),
        line: 0,
        message: "missing: the intrinsic checks and their citations".into(),
    })?;
    let (matrix_path, matrix, matrix_text) = matrix.ok_or_else(|| LoadError::Invalid {
        path: dir.join(MATRIX_FILE),
        line: 0,
        message: "missing: the auth matrix (SoTicket spellings)".into(),
    })?;
    for c in &checks.checks {
        pages.verify(&checks_path, &checks_text, &c.id, &c.spec)?;
        for also in &c.also {
            pages.verify(&checks_path, &checks_text, &c.id, also)?;
        }
    }
    for s in &matrix.auth.soticket_spellings {
        pages.verify(&matrix_path, &matrix_text, &s.spelling, &s.spec)?;
    }

    let mut ids = HashSet::new();
    let mut files = Vec::new();
    for (path, file, text) in texts {
        validate_file(&path, &text, &file, &mut ids)?;
        for case in &file.cases {
            pages.verify(&path, &text, &case.id, &case.spec)?;
            for also in &case.also {
                pages.verify(&path, &text, &case.id, also)?;
            }
        }
        files.push((path, file));
    }
    Ok(CaseSet {
        files,
        checks,
        matrix,
        safety,
    })
}

/// One row per endpoint, each with a reason.
fn validate_safety(path: &Path, text: &str, safety: &SafetyFile) -> Result<(), LoadError> {
    let mut seen = HashSet::new();
    for row in &safety.endpoints {
        let invalid = |message: String| LoadError::Invalid {
            path: path.to_path_buf(),
            line: line_of(text, &format!("\"{}\"", row.uid)),
            message,
        };
        if !seen.insert(row.uid.as_str()) {
            return Err(invalid(format!("`{}` has a second row", row.uid)));
        }
        if row.reason.trim().is_empty() {
            return Err(invalid(format!(
                "`{}`: a row needs its reason (what the page says)",
                row.uid
            )));
        }
    }
    Ok(())
}

/// The 1-based line where `needle` first appears in `text` (0 when absent).
pub fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map(|at| text[..at].lines().count().max(1))
        .unwrap_or(0)
}

fn invalid(path: &Path, text: &str, anchor: &str, message: String) -> LoadError {
    LoadError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, anchor),
        message,
    }
}

/// Semantic checks that serde cannot express.
pub fn validate_file(
    path: &Path,
    text: &str,
    file: &CaseFile,
    ids: &mut HashSet<String>,
) -> Result<(), LoadError> {
    if !is_token(&file.concern) {
        return Err(invalid(
            path,
            text,
            "concern",
            format!(
                "concern `{}`: expected lower-case letters, digits and `_`",
                file.concern
            ),
        ));
    }
    for case in &file.cases {
        let anchor = format!("\"{}\"", case.id);
        let err = |message: String| {
            invalid(
                path,
                text,
                &anchor,
                format!("case `{}`: {message}", case.id),
            )
        };
        let Some((concern, slug)) = case.id.split_once('.') else {
            return Err(err(format!(
                "expected an id of the form `{}.<slug>`",
                file.concern
            )));
        };
        if concern != file.concern {
            return Err(err(format!(
                "the id must start with this file's concern `{}.`",
                file.concern
            )));
        }
        if !is_token(slug) {
            return Err(err(
                "the slug after the concern must be lower-case letters, digits and `_`".into(),
            ));
        }
        if !ids.insert(case.id.clone()) {
            return Err(err("duplicate id (ids are global across case files)".into()));
        }
        let bodies = [
            case.request.body.is_some(),
            case.request.body_json.is_some(),
            case.request.body_raw.is_some(),
            case.request.generate.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            return Err(err(
                "give at most one of `body`, `body_json`, `body_raw`, `generate`".into(),
            ));
        }
        if case.request.generate.is_some() && case.setup != Setup::None {
            return Err(err(
                "generated bodies create their own groups: `setup` must be \"none\"".into(),
            ));
        }
        if let Some(json) = &case.request.body_json {
            if let Err(e) = serde_json::from_str::<serde_json::Value>(json) {
                return Err(err(format!("`body_json` is not JSON: {e}")));
            }
        }
        if case.expect.status.is_empty() {
            return Err(err("`expect.status` lists no status".into()));
        }
        for s in &case.expect.status {
            if let StatusPattern::Class(c) = s {
                if !matches!(c.as_bytes(), [b'1'..=b'5', b'x' | b'X', b'x' | b'X']) {
                    return Err(err(format!("status class `{c}`: expected `1xx` .. `5xx`")));
                }
            }
        }
        let mut select_ids = HashSet::new();
        for v in &case.axes.select {
            // `seed_N` would read back as a generated trial's seed (see `TrialName`).
            if !is_token(&v.id)
                || v.id.starts_with(crate::trial_name::SEED_PREFIX)
                || !select_ids.insert(&v.id)
            {
                return Err(err(format!(
                    "select variant id `{}`: expected a unique lower-case token not starting with `seed_`",
                    v.id
                )));
            }
        }
        for v in case
            .axes
            .content_type
            .iter()
            .chain(&case.axes.accept)
            .chain(&case.axes.auth)
        {
            if let AxisValue::Named { id, .. } = v {
                if !TrialName::is_token(id) {
                    return Err(err(format!(
                        "axis value id `{id}`: expected a short token without spaces, `::` or `->`"
                    )));
                }
            }
        }
        let cites_endpoint = std::iter::once(&case.spec)
            .chain(&case.also)
            .any(|c| c.page == soconform_core::citation::ENDPOINT_PAGE);
        if cites_endpoint && case.axes.endpoint.is_none() {
            return Err(err(format!(
                "page `{}` (each endpoint's own) needs `axes.endpoint`",
                soconform_core::citation::ENDPOINT_PAGE
            )));
        }
        if case.axes.endpoint.is_some() {
            if case.request.endpoint.is_some() {
                return Err(err(
                    "give `axes.endpoint` or `request.endpoint`, not both".into()
                ));
            }
            if case.setup != Setup::None {
                return Err(err(
                    "a case over endpoints works on no group: `setup` must be \"none\"".into(),
                ));
            }
        } else if file.endpoint.is_none() && case.request.endpoint.is_none() {
            return Err(err(
                "no endpoint: give the file's `endpoint`, `request.endpoint` or `axes.endpoint`"
                    .into(),
            ));
        }
        if case.request.documented && bodies.iter().any(|b| *b) {
            return Err(err(
                "`request.documented` sends the page's own body: give no `body`, `body_json`, `body_raw` or `generate`".into(),
            ));
        }
        if case.request.key.is_some() && !case.request.documented {
            return Err(err("`request.key` needs `request.documented = true`".into()));
        }
        if case.setup == Setup::None && case.expect.id == Some(IdExpect::Same) {
            return Err(err(
                "`expect.id = \"same\"` needs `setup = \"create\"`".into()
            ));
        }
    }
    Ok(())
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

struct PageCache {
    dir: PathBuf,
    pages: BTreeMap<String, String>,
}

impl PageCache {
    fn verify(
        &mut self,
        path: &Path,
        text: &str,
        owner: &str,
        spec: &SpecRef,
    ) -> Result<(), LoadError> {
        let anchor = format!("\"{owner}\"");
        // Each endpoint's own page: checked against its description when the case
        // expands (`matrix`), for every endpoint it expands over.
        if spec.page == soconform_core::citation::ENDPOINT_PAGE {
            return Ok(());
        }
        if spec.page.contains('/') || spec.page.contains("..") {
            return Err(invalid(
                path,
                text,
                &anchor,
                format!(
                    "`{owner}`: spec page `{}` must be a file name in spec/",
                    spec.page
                ),
            ));
        }
        if !self.pages.contains_key(&spec.page) {
            let page_path = self.dir.join(&spec.page);
            let body = std::fs::read_to_string(&page_path).map_err(|e| {
                invalid(
                    path,
                    text,
                    &anchor,
                    format!(
                        "`{owner}`: cannot read spec page {}: {e}",
                        page_path.display()
                    ),
                )
            })?;
            self.pages.insert(spec.page.clone(), normalize_ws(&body));
        }
        let page = &self.pages[&spec.page];
        let quote = normalize_ws(&spec.quote);
        if quote.is_empty() || !page.contains(&quote) {
            return Err(invalid(
                path,
                text,
                &anchor,
                format!(
                    "`{owner}`: the quote is not on page {} (expected a verbatim sentence): {:?}",
                    spec.page, spec.quote
                ),
            ));
        }
        let section = normalize_ws(&spec.section);
        if section.is_empty() || !page.contains(&section) {
            return Err(invalid(
                path,
                text,
                &anchor,
                format!(
                    "`{owner}`: section {:?} is not on page {}",
                    spec.section, spec.page
                ),
            ));
        }
        Ok(())
    }
}
