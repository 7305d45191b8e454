//! `soconform derive`: documentation pages -> endpoint descriptions + JSON Schemas.
//!
//! The only I/O around [`crate::schema::derive`]: read the pages, write (or `--check`)
//! the files under `--out`.

use crate::schema::{self, Derivation, Source};
use std::path::{Path, PathBuf};

/// Where the vendored documentation pages live, relative to the repository root.
pub const SPEC_DIR: &str = "spec";
/// Where the derived files live, relative to the repository root.
pub const SCHEMAS_DIR: &str = "schemas";

#[derive(Debug, clap::Args)]
pub struct DeriveArgs {
    /// Documentation pages (`.md` reference pages and `.yml` carrier pages).
    /// Default: every `spec/v1*.md` and `spec/*.yml`.
    pub pages: Vec<PathBuf>,
    /// Directory the endpoint descriptions and schemas are written to.
    #[arg(long, default_value = SCHEMAS_DIR)]
    pub out: PathBuf,
    /// Write nothing; exit 1 listing every file in `--out` that is missing or differs from
    /// what `derive` produces.
    #[arg(long)]
    pub check: bool,
}

/// The default inputs: `<spec>/v1*.md` (reference pages) and `<spec>/*.yml` (carrier
/// pages), sorted by name.
pub fn default_pages(spec: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(spec).map_err(|e| {
        format!(
            "{}: cannot list the documentation pages: {e}",
            spec.display()
        )
    })?;
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", spec.display()))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if (name.starts_with("v1") && name.ends_with(".md")) || name.ends_with(".yml") {
            out.push(entry.path());
        }
    }
    out.sort();
    if out.is_empty() {
        return Err(format!(
            "{}: no `v1*.md` or `*.yml` documentation pages",
            spec.display()
        ));
    }
    Ok(out)
}

/// The pages given, or the default ones from `spec/`.
pub fn input_paths(pages: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    if pages.is_empty() {
        default_pages(Path::new(SPEC_DIR))
    } else {
        Ok(pages.to_vec())
    }
}

/// Reads every page; the source name is the path as given.
pub fn load(paths: &[PathBuf]) -> Result<Vec<Source>, String> {
    paths
        .iter()
        .map(|p| {
            std::fs::read_to_string(p)
                .map(|text| Source {
                    name: p.display().to_string(),
                    text,
                })
                .map_err(|e| format!("{}: cannot read: {e}", p.display()))
        })
        .collect()
}

/// Reads and derives the pages (the default ones when `pages` is empty).
pub fn derive_pages(pages: &[PathBuf]) -> Result<Derivation, String> {
    let sources = load(&input_paths(pages)?)?;
    schema::derive(&sources).map_err(|e| e.to_string())
}

/// Reads and derives every page that can be read; the others' errors beside.
pub fn derive_readable(pages: &[PathBuf]) -> Result<(Derivation, Vec<String>), String> {
    let sources = load(&input_paths(pages)?)?;
    let (derivation, errors) = schema::derive_each(&sources);
    Ok((derivation, errors.iter().map(|e| e.to_string()).collect()))
}

/// Every file under `out` that is missing or differs from the derivation.
pub fn stale_files(derivation: &Derivation, out: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, content) in derivation.files() {
        let path = out.join(&name);
        match std::fs::read_to_string(&path) {
            Ok(existing) if existing == content => {}
            Ok(_) => problems.push(format!("differs: {}", path.display())),
            Err(_) => problems.push(format!("missing: {}", path.display())),
        }
    }
    problems
}

pub fn main(args: DeriveArgs) -> u8 {
    use super::exit;
    let (derivation, unreadable) = match derive_readable(&args.pages) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("derive: error: {e}");
            return exit::ERROR;
        }
    };
    // Every page that could not be read, each with its file, line and what was expected;
    // the others are derived (and written) all the same, and the exit code says so.
    for e in &unreadable {
        eprintln!("derive: error: {e}");
    }
    // Not one page could be read: nothing was derived, as for a usage error.
    if derivation.endpoints.is_empty() && !unreadable.is_empty() {
        return exit::ERROR;
    }
    let failed = |code: u8| {
        if unreadable.is_empty() {
            code
        } else {
            eprintln!(
                "derive: {} page(s) could not be read; every other page was derived",
                unreadable.len()
            );
            exit::FAILED
        }
    };
    for w in &derivation.warnings {
        eprintln!("derive: warning: {w}");
    }
    let files = derivation.files();
    if args.check {
        let problems = stale_files(&derivation, &args.out);
        if problems.is_empty() {
            println!(
                "derive --check: {} files in {} are up to date",
                files.len(),
                args.out.display()
            );
            return failed(exit::OK);
        }
        for p in &problems {
            println!("{p}");
        }
        eprintln!(
            "derive --check: {} of {} files out of date; run `cargo run -- derive` and commit {}",
            problems.len(),
            files.len(),
            args.out.display()
        );
        return exit::FAILED;
    }
    if let Err(e) = std::fs::create_dir_all(&args.out) {
        eprintln!("derive: error: {}: {e}", args.out.display());
        return exit::ERROR;
    }
    for (name, content) in &files {
        let path = args.out.join(name);
        if let Err(e) = std::fs::write(&path, content) {
            eprintln!("derive: error: {}: {e}", path.display());
            return exit::ERROR;
        }
    }
    println!(
        "derive: {} endpoint(s), {} files written to {}",
        derivation.endpoints.len(),
        files.len(),
        args.out.display()
    );
    failed(exit::OK)
}
