//! Credentials for each auth scheme, read from the same `SOCONF_*` variables by the suite
//! and by `serve`, so one set of settings configures both sides. Secrets never print.

use std::fmt;

/// Environment variable names, written once.
pub mod env {
    pub const TARGET: &str = "SOCONF_TARGET";
    pub const BASIC: &str = "SOCONF_BASIC";
    pub const TICKET: &str = "SOCONF_TICKET";
    pub const BEARER: &str = "SOCONF_BEARER";
    pub const COOKIE: &str = "SOCONF_COOKIE";
    pub const XSRF_TOKEN: &str = "SOCONF_XSRF_TOKEN";
    pub const APP_TOKEN: &str = "SOCONF_APP_TOKEN";
}

/// A secret value: its `Debug` and `Display` are redacted, so it cannot leak through a
/// log line or a `{:?}` by accident. Read it with [`Secret::expose`] where it is sent.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Where a credential value came from: a built-in default may be shown to the user,
/// a value the user set never is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    BuiltIn,
    User,
}

#[derive(Debug, Clone)]
pub struct Credential {
    pub value: Secret,
    pub origin: Origin,
}

impl Credential {
    pub fn user(value: impl Into<String>) -> Self {
        Credential {
            value: Secret::new(value),
            origin: Origin::User,
        }
    }
    pub fn built_in(value: impl Into<String>) -> Self {
        Credential {
            value: Secret::new(value),
            origin: Origin::BuiltIn,
        }
    }
    pub fn expose(&self) -> &str {
        self.value.expose()
    }
}

/// One credential per scheme; a scheme whose credential is `None` is not configured.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    /// `user:password`, as Basic sends it before base64.
    pub basic: Option<Credential>,
    pub ticket: Option<Credential>,
    pub bearer: Option<Credential>,
    /// The value of the `Cookie` header that carries the session.
    pub cookie: Option<Credential>,
    /// The `X-XSRF-TOKEN` value that goes with the session cookie.
    pub xsrf_token: Option<Credential>,
    /// Sent as `SO-AppToken` when set.
    pub app_token: Option<Credential>,
}

impl Credentials {
    /// Reads every `SOCONF_*` credential variable through `lookup` (the process
    /// environment in production, a map in tests). Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.is_empty()).map(Credential::user);
        Credentials {
            basic: get(env::BASIC),
            ticket: get(env::TICKET),
            bearer: get(env::BEARER),
            cookie: get(env::COOKIE),
            xsrf_token: get(env::XSRF_TOKEN),
            app_token: get(env::APP_TOKEN),
        }
    }

    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Fills every unset credential from `defaults`, keeping what the user set.
    pub fn or(self, defaults: Credentials) -> Credentials {
        Credentials {
            basic: self.basic.or(defaults.basic),
            ticket: self.ticket.or(defaults.ticket),
            bearer: self.bearer.or(defaults.bearer),
            cookie: self.cookie.or(defaults.cookie),
            xsrf_token: self.xsrf_token.or(defaults.xsrf_token),
            app_token: self.app_token.or(defaults.app_token),
        }
    }

    /// Every secret value, for redaction. Includes derived forms that travel on the
    /// wire (the base64 of Basic credentials, the password alone).
    pub fn secret_values(&self) -> Vec<String> {
        use base64::Engine as _;
        let mut out = Vec::new();
        for c in [
            &self.basic,
            &self.ticket,
            &self.bearer,
            &self.cookie,
            &self.xsrf_token,
            &self.app_token,
        ]
        .into_iter()
        .flatten()
        {
            out.push(c.expose().to_string());
        }
        if let Some(b) = &self.basic {
            out.push(base64::engine::general_purpose::STANDARD.encode(b.expose()));
            if let Some((_, password)) = b.expose().split_once(':') {
                if !password.is_empty() {
                    out.push(password.to_string());
                }
            }
        }
        if let Some(c) = &self.cookie {
            // Each cookie value on its own (`a=1; b=2` -> `1`, `2`).
            for pair in c.expose().split(';') {
                if let Some((_, v)) = pair.split_once('=') {
                    if v.trim().len() >= 4 {
                        out.push(v.trim().to_string());
                    }
                }
            }
        }
        out.retain(|s| !s.is_empty());
        out.sort_by_key(|s| std::cmp::Reverse(s.len()));
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_never_formats() {
        let s = Secret::new("hunter2");
        assert_eq!(format!("{s}"), "***");
        assert!(!format!("{s:?}").contains("hunter2"));
        let c = Credentials {
            ticket: Some(Credential::user("7T:abc")),
            ..Default::default()
        };
        assert!(!format!("{c:?}").contains("7T:abc"));
    }

    #[test]
    fn secret_values_include_derived_forms() {
        let c = Credentials::from_lookup(|n| match n {
            env::BASIC => Some("tje0:Tje0".into()),
            env::COOKIE => Some("XSRF-TOKEN=abcd1234; SoSession=zzzz9999".into()),
            _ => None,
        });
        let v = c.secret_values();
        assert!(v.contains(&"dGplMDpUamUw".to_string()));
        assert!(v.contains(&"Tje0".to_string()));
        assert!(v.contains(&"zzzz9999".to_string()));
    }

    #[test]
    fn empty_variables_are_unset() {
        let c = Credentials::from_lookup(|n| (n == env::BEARER).then(String::new));
        assert!(c.bearer.is_none());
    }
}
