//! `soconform derive`: documentation pages -> endpoint descriptions + JSON Schemas.

#[derive(Debug, clap::Args)]
pub struct DeriveArgs {
    /// Documentation pages (`.md` reference pages and `.yml` carrier pages).
    pub pages: Vec<std::path::PathBuf>,
}

pub fn main(_args: DeriveArgs) -> u8 {
    eprintln!("derive: not built yet");
    super::exit::ERROR
}
