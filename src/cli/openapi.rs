//! `soconform openapi`: the derived endpoints as one OpenAPI 3.1 document.

use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct OpenapiArgs {
    /// Documentation pages (`.md` reference pages and `.yml` carrier pages).
    /// Default: every `spec/v1*.md` and `spec/*.yml`, as for `derive`.
    pub pages: Vec<PathBuf>,
    /// Write the document to this file instead of stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
}

pub fn main(args: OpenapiArgs) -> u8 {
    use super::exit;
    let derivation = match super::derive::derive_pages(&args.pages) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("openapi: error: {e}");
            return exit::ERROR;
        }
    };
    for w in &derivation.warnings {
        eprintln!("openapi: warning: {w}");
    }
    let doc = match crate::schema::openapi::document(&derivation) {
        Ok(doc) => doc,
        Err(e) => {
            eprintln!("openapi: error: {e}");
            return exit::ERROR;
        }
    };
    let text = crate::schema::render(&doc);
    match args.out {
        Some(path) => {
            if let Err(e) = std::fs::write(&path, text) {
                eprintln!("openapi: error: {}: {e}", path.display());
                return exit::ERROR;
            }
            eprintln!("openapi: wrote {}", path.display());
        }
        None => print!("{text}"),
    }
    exit::OK
}
