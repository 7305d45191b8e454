//! Secrets never reach output: headers that carry credentials are masked by name, and
//! every configured secret value (and its derived wire forms) is replaced wherever it
//! appears, since a server may echo it in a body.

use crate::credentials::Credentials;

pub const MASK: &str = "***";

/// Headers whose values are credentials, whatever their content.
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "cookie",
    "set-cookie",
    "x-xsrf-token",
    "so-apptoken",
];

#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// Longest first, so a secret that contains another is masked whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new(credentials: &Credentials) -> Self {
        let mut secrets = credentials.secret_values();
        // A near miss of a secret (one character off, another case) reveals it.
        secrets.extend(super::auth_headers::near_miss_secrets(credentials));
        secrets.retain(|s| !s.is_empty());
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Redactor { secrets }
    }

    pub fn text(&self, s: &str) -> String {
        let mut out = s.to_string();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        self.mask_cut_secrets(out)
    }

    /// A text cut short (an excerpt ending in `...`, or a body cut at the record limit)
    /// may end in the first part of a secret; mask such a part too, from six characters on.
    fn mask_cut_secrets(&self, mut out: String) -> String {
        // Where a cut can be: before each `...`, and the end; last first, so earlier
        // positions stay valid while masking.
        let mut ends: Vec<usize> = out.match_indices("...").map(|(i, _)| i).collect();
        ends.push(out.len());
        for &end in ends.iter().rev() {
            let head = &out.as_bytes()[..end];
            let longest = self
                .secrets
                .iter()
                .filter_map(|secret| cut_part(head, secret.as_bytes()))
                .max();
            if let Some(len) = longest {
                out.replace_range(end - len..end, MASK);
            }
        }
        out
    }
}

/// Shortest part of a secret worth masking when a text ends in it.
const MIN_CUT: usize = 6;

/// The length of the longest proper prefix of `secret` (at least [`MIN_CUT`] bytes) that
/// `head` ends with. Only places where the secret's first bytes occur are tried, so a
/// text with no such place costs one short scan: this runs on every recorded text.
fn cut_part(head: &[u8], secret: &[u8]) -> Option<usize> {
    let start = secret.get(..MIN_CUT)?;
    let from = head.len().saturating_sub(secret.len().saturating_sub(1));
    let window = head.get(from..)?;
    // Left to right: the first place that works gives the longest part.
    (0..=window.len().checked_sub(MIN_CUT)?)
        .filter(|&i| &window[i..i + MIN_CUT] == start)
        .map(|i| &window[i..])
        .find(|part| secret.starts_with(part))
        .map(<[u8]>::len)
}

impl Redactor {
    /// `Authorization: Basic ***` keeps the scheme name (it is what a reader needs to
    /// see); other secret headers become `***`.
    pub fn header_value(&self, name: &str, value: &str) -> String {
        let lower = name.to_ascii_lowercase();
        if !SECRET_HEADERS.contains(&lower.as_str()) {
            return self.text(value);
        }
        if lower == "authorization" {
            if let Some((scheme, _)) = value.split_once(' ') {
                return format!("{scheme} {MASK}");
            }
        }
        MASK.to_string()
    }

    pub fn headers(&self, headers: &[(String, String)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| (n.clone(), self.header_value(n, v)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::Credential;

    #[test]
    fn masks_headers_and_values() {
        let c = Credentials {
            basic: Some(Credential::user("tje0:Tje0")),
            ticket: Some(Credential::user("7T:secretticket==")),
            ..Default::default()
        };
        let r = Redactor::new(&c);
        assert_eq!(
            r.header_value("Authorization", "Basic dGplMDpUamUw"),
            "Basic ***"
        );
        assert_eq!(r.header_value("Cookie", "a=b"), "***");
        assert_eq!(
            r.header_value("Accept", "application/json"),
            "application/json"
        );
        let cut = r.text("got \"7T:secretti...\" and 7T:secr");
        assert_eq!(cut, "got \"***...\" and ***");
        let t = r.text("echo: 7T:secretticket== and dGplMDpUamUw");
        assert!(
            !t.contains("secretticket") && !t.contains("dGplMDpUamUw"),
            "{t}"
        );
    }
}
