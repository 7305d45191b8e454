//! `soconform keygen --out FILE`: a new Ed25519 key for signing reports. The private
//! key goes only into FILE (mode 600), for `SOCONF_SIGNING_KEY=$(cat FILE)`; the public
//! key is printed, to hand to whoever verifies.

use super::exit;
use std::io::Write as _;
use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct KeygenArgs {
    /// Where to write the private key (refused if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn main(args: KeygenArgs) -> u8 {
    match keygen(&args) {
        Ok(public) => {
            println!("public key: {public}");
            println!(
                "private key written to {} (sign with SOCONF_SIGNING_KEY=\"$(cat {})\" soconform run --report DIR)",
                args.out.display(),
                args.out.display()
            );
            exit::OK
        }
        Err(e) => {
            eprintln!("soconform keygen: {e}");
            exit::ERROR
        }
    }
}

fn keygen(args: &KeygenArgs) -> Result<String, String> {
    let (private, public) = crate::report::manifest::new_key()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut f = options
        .open(&args.out)
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    f.write_all(format!("{private}\n").as_bytes())
        .map_err(|e| format!("{}: {e}", args.out.display()))?;
    Ok(public)
}
