//! `soconform serve`: the reference server as a standalone process.

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
}

pub fn main(_args: ServeArgs) -> u8 {
    eprintln!("serve: not built yet");
    super::exit::ERROR
}
