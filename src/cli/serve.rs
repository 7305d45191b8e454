//! `soconform serve`: the reference server as a standalone process. Prints its URL and
//! the credentials it accepts (built-in values shown, values you set never), then serves
//! until Ctrl-C or SIGTERM.

use crate::credentials::{env, Credential, Credentials, Origin};
use base64::Engine as _;
use soconform_reference::{
    self as reference, config::DEFAULT_MAX_BODY_BYTES, default_credentials, Config,
};
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// The `serve` flags. Its `Debug` redacts the credential values.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Port to listen on (0 picks a free one; the printed URL says which).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// Basic credentials accepted, as `user:password` [default: tje0:Tje0, the docs' sample].
    #[arg(long, env = env::BASIC, hide_env_values = true, value_name = "USER:PASSWORD")]
    pub basic: Option<String>,
    /// SoTicket ticket accepted (`Authorization: SoTicket <ticket>`).
    #[arg(long, env = env::TICKET, hide_env_values = true, value_name = "TICKET")]
    pub ticket: Option<String>,
    /// Bearer token accepted (`Authorization: Bearer <token>`).
    #[arg(long, env = env::BEARER, hide_env_values = true, value_name = "TOKEN")]
    pub bearer: Option<String>,
    /// Session cookie required (with --xsrf-token) when no Authorization header is sent,
    /// as a Cookie header value: `name=value; name2=value2`.
    #[arg(long, env = env::COOKIE, hide_env_values = true, value_name = "COOKIE")]
    pub cookie: Option<String>,
    /// X-XSRF-TOKEN value required with the session cookie.
    #[arg(long = "xsrf-token", env = env::XSRF_TOKEN, hide_env_values = true, value_name = "TOKEN")]
    pub xsrf_token: Option<String>,
    /// Wait this many milliseconds before answering each request.
    #[arg(long = "latency-ms", default_value_t = 0, value_name = "MS")]
    pub latency_ms: u64,
    /// Largest request body accepted, in bytes (larger: 413).
    #[arg(long = "max-body-bytes", default_value_t = DEFAULT_MAX_BODY_BYTES, value_name = "BYTES")]
    pub max_body_bytes: usize,
    /// Serve with one deliberate fault (see `soconform selftest --list`), to reproduce
    /// what the self-test shows.
    #[arg(long, value_name = "ID", value_parser = parse_fault)]
    pub fault: Option<reference::Fault>,
    /// Which clean server: `reference` (the default) or another that chooses differently
    /// where the docs are silent (`empty_strings`, `lenient_json`, `product_errors`,
    /// `data_contract`, `strict_input`; see
    /// `soconform selftest --list`).
    #[arg(long, value_name = "NAME", value_parser = parse_profile, default_value = "reference")]
    pub profile: reference::Profile,
    /// Directory holding schemas/ (and cases/, spec/): every endpoint derived there is
    /// served, so a page added and derived needs no rebuild (default: found automatically).
    #[arg(long)]
    pub suite_dir: Option<std::path::PathBuf>,
}

fn parse_profile(id: &str) -> Result<reference::Profile, String> {
    reference::Profile::from_id(id).ok_or_else(|| {
        let all: Vec<&str> = reference::Profile::ALL.iter().map(|p| p.id()).collect();
        format!("no profile is named `{id}` (one of: {})", all.join(", "))
    })
}

fn parse_fault(id: &str) -> Result<reference::Fault, String> {
    reference::Fault::from_id(id)
        .ok_or_else(|| format!("no fault is named `{id}` (see `soconform selftest --list`)"))
}

impl std::fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let redacted = |v: &Option<String>| v.as_ref().map(|_| "***");
        f.debug_struct("ServeArgs")
            .field("port", &self.port)
            .field("host", &self.host)
            .field("basic", &redacted(&self.basic))
            .field("ticket", &redacted(&self.ticket))
            .field("bearer", &redacted(&self.bearer))
            .field("cookie", &redacted(&self.cookie))
            .field("xsrf_token", &redacted(&self.xsrf_token))
            .field("latency_ms", &self.latency_ms)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("fault", &self.fault.map(reference::Fault::id))
            .field("profile", &self.profile.id())
            .finish()
    }
}

impl ServeArgs {
    /// The credentials: each value given (flag or `SOCONF_*` variable, non-empty) over
    /// the built-in defaults.
    pub fn credentials(&self) -> Credentials {
        let user =
            |v: &Option<String>| v.as_deref().filter(|s| !s.is_empty()).map(Credential::user);
        Credentials {
            basic: user(&self.basic),
            ticket: user(&self.ticket),
            bearer: user(&self.bearer),
            cookie: user(&self.cookie),
            xsrf_token: user(&self.xsrf_token),
            app_token: None,
        }
        .or(default_credentials())
    }

    pub fn config(&self) -> Config {
        Config {
            credentials: self.credentials(),
            latency: Duration::from_millis(self.latency_ms),
            max_body_bytes: self.max_body_bytes,
            fault: self.fault,
            profile: self.profile,
            ..Config::with_defaults()
        }
    }
}

/// The banner: the URL first (on its own line, for scripts), then the credentials.
pub fn banner(base_url: &str, creds: &Credentials) -> String {
    let shown = |c: &Option<Credential>| match c {
        None => "(not enabled)".to_string(),
        Some(c) if c.origin == Origin::User => "(set by you, not shown)".to_string(),
        Some(c) => c.expose().to_string(),
    };
    let mut out = format!("soconform reference server listening on {base_url}\n");
    out.push_str(&format!(
        "  POST {base_url}/v1/Agents/User/SaveUserGroup (also GetUserGroup, GetAllUserGroups, CreateUserGroup, DeleteUserGroup, GetUserGroupList; GET describes)\n"
    ));
    out.push_str("Accepted credentials:\n");
    let basic_hint = match &creds.basic {
        Some(c) if c.origin == Origin::BuiltIn => format!(
            "  (Authorization: Basic {})",
            base64::engine::general_purpose::STANDARD.encode(c.expose())
        ),
        _ => String::new(),
    };
    out.push_str(&format!(
        "  Basic      {}{basic_hint}\n",
        shown(&creds.basic)
    ));
    out.push_str(&format!("  SoTicket   {}\n", shown(&creds.ticket)));
    out.push_str(&format!("  Bearer     {}\n", shown(&creds.bearer)));
    out.push_str(&format!(
        "  Session    Cookie: {}  +  X-XSRF-TOKEN: {}\n",
        shown(&creds.cookie),
        shown(&creds.xsrf_token)
    ));
    out.push_str(&format!(
        "Set them with --basic/--ticket/--bearer/--cookie/--xsrf-token or {}, {}, {}, {}, {}.\n",
        env::BASIC,
        env::TICKET,
        env::BEARER,
        env::COOKIE,
        env::XSRF_TOKEN
    ));
    out.push_str(&format!(
        "Point the suite at it with {}={base_url}. Stop with Ctrl-C or SIGTERM.\n",
        env::TARGET
    ));
    out
}

pub fn main(args: ServeArgs) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("serve: cannot start the async runtime: {e}");
            return super::exit::ERROR;
        }
    };
    runtime.block_on(run(args))
}

async fn run(args: ServeArgs) -> u8 {
    let mut config = args.config();
    let paths = args
        .suite_dir
        .as_deref()
        .map(crate::suite::SuitePaths::under)
        .unwrap_or_else(crate::suite::SuitePaths::discover);
    match reference::Catalogue::load(&paths.schemas) {
        Ok(c) => config.catalogue = std::sync::Arc::new(c),
        Err(e) => {
            eprintln!("serve: cannot read the endpoint descriptions: {e}");
            return super::exit::ERROR;
        }
    }
    let served = config.catalogue.len();
    let creds = config.credentials.clone();
    let addr = SocketAddr::new(args.host, args.port);
    let server = match reference::start(config, addr).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("serve: cannot listen on {addr}: {e}");
            return super::exit::ERROR;
        }
    };
    // Listening for the stop signals before the banner: a client that stops the server
    // as soon as it has read the URL must not find it deaf.
    let stop = stop_signal();
    print!("{}", banner(server.base_url(), &creds));
    println!(
        "Every agent call derived in {} is served too ({served} endpoint descriptions), answered from its response schema.",
        paths.schemas.display()
    );
    if args.profile != reference::Profile::Reference {
        println!(
            "clean profile {}: {}",
            args.profile.id(),
            args.profile.description()
        );
    }
    if let Some(f) = args.fault {
        let info = f.info();
        println!(
            "DELIBERATELY FAULTY ({}, {}): {}",
            info.id, info.level, info.description
        );
    }
    let _ = std::io::stdout().flush();
    stop.await;
    println!("Stopping...");
    server.shutdown().await;
    println!("Stopped.");
    let _ = std::io::stdout().flush();
    super::exit::OK
}

/// Resolves on Ctrl-C (SIGINT) or, on Unix, SIGTERM: the handlers are in place when this
/// returns, before the future is first polled.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let term = signal(SignalKind::terminate()).ok();
        let int = signal(SignalKind::interrupt()).ok();
        async move {
            match (term, int) {
                (Some(mut t), Some(mut i)) => {
                    tokio::select! {
                        _ = t.recv() => {}
                        _ = i.recv() => {}
                    }
                }
                (Some(mut t), None) => {
                    t.recv().await;
                }
                (None, Some(mut i)) => {
                    i.recv().await;
                }
                (None, None) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct T {
        #[command(flatten)]
        serve: ServeArgs,
    }

    #[test]
    fn user_values_are_not_shown() {
        let t = T::parse_from(["x", "--bearer", "8A:mine", "--port", "0"]);
        let creds = t.serve.credentials();
        let text = banner("http://127.0.0.1:1/api", &creds);
        assert!(!text.contains("8A:mine"), "{text}");
        assert!(text.contains("(set by you, not shown)"));
        assert!(text.contains("tje0:Tje0"));
        assert!(text.contains("dGplMDpUamUw"));
        assert_eq!(creds.bearer.unwrap().expose(), "8A:mine");
        assert!(!format!("{:?}", t.serve).contains("8A:mine"));
    }

    #[test]
    fn empty_values_fall_back_to_defaults() {
        let t = T::parse_from(["x", "--basic", ""]);
        assert_eq!(t.serve.credentials().basic.unwrap().origin, Origin::BuiltIn);
    }
}
