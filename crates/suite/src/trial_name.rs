//! A trial's name, the suite's public interface to CI filters, waivers and reports:
//! `endpoint::concern::slug[::seed_N][::select]::content_type->accept::auth`, e.g.
//! `save_user_group::select::single_name::value::json->xml::basic`. One type builds it
//! ([`Display`](fmt::Display)) and reads it back ([`FromStr`]), so no other module splits
//! the string itself.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Between the segments of a name.
pub const SEP: &str = "::";
/// Between the Content-Type and Accept tokens.
pub const ARROW: &str = "->";
/// The segment before a generated trial's seed (`seed_7`).
pub const SEED_PREFIX: &str = "seed_";
/// The Content-Type token of a trial that sends no body.
pub const NO_BODY: &str = "no-body";
/// The Accept token of a trial that sends no Accept header.
pub const NO_ACCEPT: &str = "no-accept";

/// One segment of a name. Shared: a case's thousands of trials hold one copy of each
/// of their tokens, not one per trial.
pub type Token = std::sync::Arc<str>;

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct TrialName {
    /// `save_user_group`: the endpoint's slug.
    pub endpoint: Token,
    /// The case file's concern (`select`).
    pub concern: Token,
    /// The case id after `concern.` (`single_name`).
    pub slug: Token,
    /// The generator seed of a generated case's trial.
    pub seed: Option<u64>,
    /// The `$select` variant's id.
    pub select: Option<Token>,
    /// The Content-Type token, or [`NO_BODY`].
    pub content_type: Token,
    /// The Accept token, or [`NO_ACCEPT`].
    pub accept: Token,
    /// The auth mode's token (`basic`, `soticket`, `wrong-basic`, `any`, ...).
    pub auth: Token,
}

impl TrialName {
    /// The case id this trial belongs to (`select.single_name`).
    pub fn case_id(&self) -> String {
        format!("{}.{}", self.concern, self.slug)
    }

    /// Whether `s` can stand as one segment (an axis value's id, a select id): not empty,
    /// and without spaces, `::` or `->`.
    pub fn is_token(s: &str) -> bool {
        !s.is_empty() && !s.contains(SEP) && !s.contains(ARROW) && !s.contains(' ')
    }

    /// A name's endpoint segment (`contact.get_contact_entity`).
    pub fn endpoint_of(name: &str) -> &str {
        name.split_once(SEP).map_or(name, |(e, _)| e)
    }

    /// The name without its endpoint (`select::single_name::...`), for tables that are
    /// about one endpoint.
    pub fn without_endpoint(name: &str) -> &str {
        name.split_once(SEP).map_or(name, |(_, rest)| rest)
    }
}

impl fmt::Display for TrialName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{SEP}{}{SEP}{}",
            self.endpoint, self.concern, self.slug
        )?;
        if let Some(seed) = self.seed {
            write!(f, "{SEP}{SEED_PREFIX}{seed}")?;
        }
        if let Some(s) = &self.select {
            write!(f, "{SEP}{s}")?;
        }
        write!(
            f,
            "{SEP}{}{ARROW}{}{SEP}{}",
            self.content_type, self.accept, self.auth
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{name}` is not a trial name ({why}); expected endpoint::concern::slug[::seed_N][::select]::content_type->accept::auth")]
pub struct TrialNameError {
    pub name: String,
    pub why: &'static str,
}

impl FromStr for TrialName {
    type Err = TrialNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let err = |why| TrialNameError {
            name: name.to_string(),
            why,
        };
        let parts: Vec<&str> = name.split(SEP).collect();
        if parts.len() < 5 || parts.len() > 7 {
            return Err(err("wrong number of `::` segments"));
        }
        if parts.iter().any(|p| p.is_empty()) {
            return Err(err("an empty segment"));
        }
        let n = parts.len();
        let (content_type, accept) = parts[n - 2]
            .split_once(ARROW)
            .ok_or_else(|| err("no `content_type->accept` segment"))?;
        let mut middle = parts[3..n - 2].iter();
        let mut seed = None;
        let mut select = None;
        if let Some(first) = middle.next() {
            match first
                .strip_prefix(SEED_PREFIX)
                .and_then(|s| s.parse::<u64>().ok())
            {
                Some(s) => {
                    seed = Some(s);
                    select = middle.next().map(|s| Token::from(*s));
                }
                None => select = Some(Token::from(*first)),
            }
        }
        if middle.next().is_some() {
            return Err(err(
                "two segments between the case and the axes that are not a seed and a select id",
            ));
        }
        Ok(TrialName {
            endpoint: parts[0].into(),
            concern: parts[1].into(),
            slug: parts[2].into(),
            seed,
            select,
            content_type: content_type.into(),
            accept: accept.into(),
            auth: parts[n - 1].into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(name: &str) -> TrialName {
        let parsed: TrialName = name.parse().expect("parses");
        assert_eq!(parsed.to_string(), name);
        parsed
    }

    #[test]
    fn names_round_trip_with_their_tokens() {
        let t = round_trip("save_user_group::select::single_name::value::json->xml::basic");
        assert_eq!((&*t.content_type, &*t.accept), ("json", "xml"));
        assert_eq!(t.select.as_deref(), Some("value"));
        assert_eq!(t.case_id(), "select.single_name");
        let t = round_trip("save_user_group::persistence::get_describes::no-body->no-accept::any");
        assert_eq!((&*t.content_type, &*t.accept), (NO_BODY, NO_ACCEPT));
        assert_eq!(t.select, None);
        let t = round_trip("save_user_group::generated::valid::seed_7::json->json::any");
        assert_eq!((t.seed, t.select.as_deref()), (Some(7), None));
        let t = round_trip("save_user_group::generated::valid::seed_7::value::json->json::any");
        assert_eq!((t.seed, t.select.as_deref()), (Some(7), Some("value")));
    }

    #[test]
    fn what_is_not_a_name_is_refused() {
        assert!("odd".parse::<TrialName>().is_err());
        assert!("a::b::c::json-xml::basic".parse::<TrialName>().is_err());
        assert!("a::b::c::x::y::z::json->xml::basic"
            .parse::<TrialName>()
            .is_err());
        assert!("a::b::::json->xml::basic".parse::<TrialName>().is_err());
        assert_eq!(
            TrialName::without_endpoint("save_user_group::body::x::json->json::any"),
            "body::x::json->json::any"
        );
        assert!(TrialName::is_token("text_json"));
        assert!(
            !TrialName::is_token("a b") && !TrialName::is_token("a->b") && !TrialName::is_token("")
        );
    }
}
