//! Case x axes -> named trial specs. Names are stable and readable
//! (`save_user_group::select::single_name::value::json->xml::basic`), and a name can be
//! resolved back to its spec by expanding only the one case it names, so nextest's
//! process-per-test `--exact` calls stay cheap.
//!
//! A case whose body is generated (`request.generate`) also expands over the run's seeds,
//! the seed in the name (`save_user_group::generated::valid::seed_7::json->json::any`);
//! `--exact` reads the seed from the name, so any seed replays, configured or not.

use crate::auth::AuthMode;
use crate::cases::{AxisValue, Case, EndpointAxis, EndpointFilter, SelectVariant};
use crate::description::BodyShape;
use crate::suite::{Endpoint, Suite};
use crate::trial_name::{self, Token, TrialName};
use crate::vocab::{self, AuthScheme};
use std::sync::Arc;

mod list;
pub use list::SpecList;

/// In a `$select` value of a case over endpoints: the endpoint's first scalar property.
const PROPERTY: &str = "{property}";

/// A value on a media axis: the header value sent, and its token in the trial name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaValue {
    pub token: Token,
    pub value: Token,
}

/// One trial: a case with one value on each axis.
#[derive(Debug, Clone)]
pub struct TrialSpec {
    /// What the trial is, token by token.
    pub trial: TrialName,
    /// `trial` rendered once: filters, partitions and reports read it for every trial.
    pub name: String,
    /// The endpoint uid the trial calls.
    pub endpoint: Token,
    /// Index of the case file in `suite.cases.files`, and of the case in it.
    pub file: usize,
    pub case: usize,
    /// `None`: no body, no Content-Type.
    pub content_type: Option<MediaValue>,
    /// `None`: no Accept header.
    pub accept: Option<MediaValue>,
    pub auth: AuthMode,
    pub select: Option<Arc<SelectVariant>>,
    /// The generator seed of a `generate` case's trial.
    pub seed: Option<u64>,
}

impl TrialSpec {
    pub fn case<'s>(&self, suite: &'s Suite) -> &'s Case {
        &suite.cases.files[self.file].1.cases[self.case]
    }
    pub fn concern<'s>(&self, suite: &'s Suite) -> &'s str {
        &suite.cases.files[self.file].1.concern
    }
    pub fn endpoint_uid<'s>(&'s self, _suite: &Suite) -> &'s str {
        &self.endpoint
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: case `{case}`: {message}")]
pub struct MatrixError {
    pub path: String,
    pub case: String,
    pub message: String,
}

/// The trials of the endpoints whose uid matches one of `patterns` (`*`: any run of
/// characters; none: every trial). A pattern that matches no endpoint of the suite is an
/// error naming it: a typo must not pass for a run of nothing.
pub fn for_endpoints(
    suite: &Suite,
    specs: Vec<TrialSpec>,
    patterns: &[String],
) -> Result<Vec<TrialSpec>, String> {
    if patterns.is_empty() {
        return Ok(specs);
    }
    check_endpoint_patterns(suite, patterns)?;
    Ok(specs
        .into_iter()
        .filter(|s| endpoint_admitted(patterns, s.endpoint_uid(suite)))
        .collect())
}

/// Whether endpoint `uid` is one `patterns` names (none: every endpoint).
pub fn endpoint_admitted(patterns: &[String], uid: &str) -> bool {
    patterns.is_empty() || patterns.iter().any(|p| crate::glob::matches(p, uid))
}

/// An error naming the first of `patterns` that matches no endpoint of the suite.
pub fn check_endpoint_patterns(suite: &Suite, patterns: &[String]) -> Result<(), String> {
    for p in patterns {
        if !suite
            .endpoints
            .keys()
            .any(|uid| crate::glob::matches(p, uid))
        {
            return Err(format!(
                "no endpoint of the suite matches `{p}` (uids look like `v1ContactAgent_GetContact`; `*` matches any run of characters)"
            ));
        }
    }
    Ok(())
}

/// Every trial of the suite, in case-file order.
pub fn expand_all(suite: &Suite) -> Result<Vec<TrialSpec>, MatrixError> {
    let mut out = Vec::new();
    for (fi, (_, file)) in suite.cases.files.iter().enumerate() {
        for ci in 0..file.cases.len() {
            out.extend(expand_case(suite, fi, ci)?);
        }
    }
    Ok(out)
}

/// The trial called `name`, expanding only the case its name points at.
pub fn find_exact(suite: &Suite, name: &str) -> Result<Option<TrialSpec>, MatrixError> {
    let Ok(wanted) = name.parse::<TrialName>() else {
        return Ok(None);
    };
    let id = wanted.case_id();
    for (fi, (_, file)) in suite.cases.files.iter().enumerate() {
        if *file.concern != *wanted.concern {
            continue;
        }
        if let Some(ci) = file.cases.iter().position(|c| c.id == id) {
            let seeds = match (file.cases[ci].request.generate.is_some(), wanted.seed) {
                (true, Some(seed)) => vec![seed],
                (true, None) => return Ok(None),
                (false, _) => vec![],
            };
            // Only the endpoint the name points at, of a case that expands over many.
            let uids = endpoints_of(suite, fi, ci).map_err(|m| error(suite, fi, ci, m))?;
            let mut trials = Vec::new();
            for uid in uids
                .iter()
                .filter(|u| *crate::suite::slug_of_uid(u) == *wanted.endpoint)
            {
                let seeds = if seeds.is_empty() {
                    suite.generation.seeds()
                } else {
                    seeds.clone()
                };
                trials.extend(expand_seeds(suite, fi, ci, uid, &seeds, Citations::Check)?);
            }
            return Ok(trials.into_iter().find(|t| t.trial == wanted));
        }
    }
    Ok(None)
}

/// The trials of one case (for a `generate` case, one set per configured seed).
pub fn expand_case(suite: &Suite, fi: usize, ci: usize) -> Result<Vec<TrialSpec>, MatrixError> {
    let mut out = Vec::new();
    for uid in endpoints_of(suite, fi, ci).map_err(|m| error(suite, fi, ci, m))? {
        out.extend(expand_group(suite, fi, ci, &uid, Citations::Check)?);
    }
    Ok(out)
}

/// The trials of one case on endpoint `uid` (for a `generate` case, one set per
/// configured seed), the case's citations of the endpoint's page checked (or not: the
/// same trials expanded again, see `SpecList`).
fn expand_group(
    suite: &Suite,
    fi: usize,
    ci: usize,
    uid: &str,
    citations: Citations,
) -> Result<Vec<TrialSpec>, MatrixError> {
    expand_seeds(suite, fi, ci, uid, &suite.generation.seeds(), citations)
}

/// Whether an expansion checks that the endpoint's page says what the case cites of it
/// (normalising the page's texts: the costliest part of expanding).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Citations {
    Check,
    /// Checked when the same trials were first expanded.
    Checked,
}

fn error(suite: &Suite, fi: usize, ci: usize, message: String) -> MatrixError {
    let (path, file) = &suite.cases.files[fi];
    MatrixError {
        path: path.display().to_string(),
        case: file.cases[ci].id.clone(),
        message,
    }
}

/// The endpoints a case exercises: its one endpoint, or every endpoint its endpoint axis
/// admits, in uid order.
fn endpoints_of(suite: &Suite, fi: usize, ci: usize) -> Result<Vec<String>, String> {
    let file = &suite.cases.files[fi].1;
    let case = &file.cases[ci];
    let Some(axis) = &case.axes.endpoint else {
        return file
            .endpoint_of(case)
            .map(|u| vec![u.to_string()])
            .ok_or_else(|| "the case names no endpoint (file `endpoint`, `request.endpoint` or `axes.endpoint`)".to_string());
    };
    let filter = match axis {
        EndpointAxis::All(s) if s == "all" => EndpointFilter::default(),
        EndpointAxis::All(s) => {
            return Err(format!(
                "axes.endpoint = `{s}`: expected \"all\" or a table of filters"
            ))
        }
        EndpointAxis::Filter(f) => f.clone(),
    };
    Ok(suite
        .endpoints
        .iter()
        .filter(|(uid, e)| admits(suite, &filter, uid, e))
        .map(|(uid, _)| uid.clone())
        .collect())
}

/// Whether `endpoint` meets every filter given.
fn admits(suite: &Suite, f: &EndpointFilter, uid: &str, endpoint: &Endpoint) -> bool {
    let d = &endpoint.description;
    let shape = match d.response_body.shape {
        BodyShape::Object => "object",
        BodyShape::Array => "array",
        BodyShape::Primitive => "primitive",
        BodyShape::None => "none",
    };
    (f.with_own_cases || !suite.own_cases.contains(uid))
        && f.body.is_none_or(|b| b == d.request_body.is_some())
        && f.required_key
            .is_none_or(|k| k == crate::endpoint_facts::required_key(d).is_some())
        && (f.answer.is_empty() || f.answer.iter().any(|a| a == shape))
        && f.select
            .is_none_or(|s| s == crate::endpoint_facts::select_property(endpoint).is_some())
        && f.safety.is_none_or(|c| c == suite.safety_of(uid).0)
}

/// The trials of one case on endpoint `uid`; `seeds` only matter for a `generate` case.
fn expand_seeds(
    suite: &Suite,
    fi: usize,
    ci: usize,
    uid: &str,
    seeds: &[u64],
    citations: Citations,
) -> Result<Vec<TrialSpec>, MatrixError> {
    let (path, file) = &suite.cases.files[fi];
    let case = &file.cases[ci];
    let err = |message: String| MatrixError {
        path: path.display().to_string(),
        case: case.id.clone(),
        message,
    };
    let endpoint = suite
        .endpoint(uid)
        .ok_or_else(|| err(format!("no description for endpoint `{uid}`")))?;

    // A citation of the endpoint's own page must hold for this endpoint.
    let cited = std::iter::once(&case.spec).chain(&case.also);
    for c in cited.filter(|_| citations == Citations::Check) {
        if c.page == soconform_core::citation::ENDPOINT_PAGE && !page_says(&endpoint.description, c)
        {
            return Err(err(format!(
                "it cites each endpoint's own page ({} § {}: \"{}\"), but `{uid}`'s page does not say it",
                soconform_core::citation::ENDPOINT_PAGE,
                c.section,
                c.quote
            )));
        }
    }
    // A case over endpoints: `all` on a media axis of a page that lists none gives that
    // endpoint no trial (a 204 page has no Accept types), rather than an error.
    if case.axes.endpoint.is_some() {
        let all = |axis: &[AxisValue]| axis.iter().any(|v| *v == AxisValue::Plain("all".into()));
        let d = &endpoint.description;
        if (all(&case.axes.content_type) && d.request_content_types.is_empty())
            || (all(&case.axes.accept) && d.accept_types.is_empty())
        {
            return Ok(vec![]);
        }
    }
    let content_types = media_axis(
        &case.axes.content_type,
        &endpoint.description.request_content_types,
    )
    .map_err(&err)?;
    let accepts =
        media_axis(&case.axes.accept, &endpoint.description.accept_types).map_err(&err)?;
    let auths = auth_axis(&case.axes.auth, endpoint, suite).map_err(&err)?;
    let selects: Vec<Option<Arc<SelectVariant>>> = if case.axes.select.is_empty() {
        vec![None]
    } else {
        let property = crate::endpoint_facts::select_property(endpoint);
        let mut out = Vec::new();
        for v in &case.axes.select {
            if !v.value.contains(PROPERTY) {
                out.push(Some(Arc::new(v.clone())));
            } else if let Some(p) = &property {
                out.push(Some(Arc::new(SelectVariant {
                    id: v.id.clone(),
                    value: v.value.replace(PROPERTY, p),
                })));
            }
        }
        if out.is_empty() {
            return Ok(vec![]);
        }
        out
    };
    let seeds: Vec<Option<u64>> = if case.request.generate.is_some() {
        seeds.iter().copied().map(Some).collect()
    } else {
        vec![None]
    };

    // Every token once, shared by the case's trials (see `trial_name::Token`).
    let slug: Token = case.id.split_once('.').map_or("", |(_, s)| s).into();
    let endpoint_slug: Token = endpoint.slug().into();
    let concern: Token = file.concern.as_str().into();
    let uid: Token = uid.into();
    let token = |m: &Option<MediaValue>, none: &str| -> Token {
        m.as_ref().map_or_else(|| none.into(), |m| m.token.clone())
    };
    let ct_tokens: Vec<Token> = content_types
        .iter()
        .map(|m| token(m, trial_name::NO_BODY))
        .collect();
    let accept_tokens: Vec<Token> = accepts
        .iter()
        .map(|m| token(m, trial_name::NO_ACCEPT))
        .collect();
    let auth_tokens: Vec<Token> = auths.iter().map(|a| a.token().into()).collect();
    let select_ids: Vec<Option<Token>> = selects
        .iter()
        .map(|s| s.as_ref().map(|s| s.id.as_str().into()))
        .collect();
    let mut out = Vec::with_capacity(
        seeds.len() * selects.len() * content_types.len() * accepts.len() * auths.len(),
    );
    for seed in &seeds {
        for (select, select_id) in selects.iter().zip(&select_ids) {
            for (ct, ct_token) in content_types.iter().zip(&ct_tokens) {
                for (acc, acc_token) in accepts.iter().zip(&accept_tokens) {
                    for (auth, auth_token) in auths.iter().zip(&auth_tokens) {
                        let trial = TrialName {
                            endpoint: endpoint_slug.clone(),
                            concern: concern.clone(),
                            slug: slug.clone(),
                            seed: *seed,
                            select: select_id.clone(),
                            content_type: ct_token.clone(),
                            accept: acc_token.clone(),
                            auth: auth_token.clone(),
                        };
                        out.push(TrialSpec {
                            name: trial.to_string(),
                            trial,
                            endpoint: uid.clone(),
                            file: fi,
                            case: ci,
                            content_type: ct.clone(),
                            accept: acc.clone(),
                            auth: auth.clone(),
                            select: select.clone(),
                            seed: *seed,
                        });
                    }
                }
            }
        }
    }
    Ok(out)
}

/// Whether an endpoint's page, as `derive` read it, holds the sentence `c` quotes in the
/// section it names: a row of its Request Headers or Query String Parameters table, or
/// its summary.
fn page_says(d: &crate::description::EndpointDescription, c: &crate::cases::SpecRef) -> bool {
    use soconform_core::citation::normalize_ws;
    let quote = normalize_ws(&c.quote);
    let mut texts: Vec<&str> = match c.section.as_str() {
        "Request Headers" => d
            .request_headers
            .iter()
            .map(|h| h.description.as_str())
            .collect(),
        "Query String Parameters" => d
            .query_parameters
            .iter()
            .map(|q| q.description.as_str())
            .collect(),
        _ => d.summary.iter().map(String::as_str).collect(),
    };
    texts.retain(|t| normalize_ws(t).contains(&quote));
    !texts.is_empty()
}

/// An empty axis means "not sent": one `None` value.
fn media_axis(values: &[AxisValue], all: &[String]) -> Result<Vec<Option<MediaValue>>, String> {
    if values.is_empty() {
        return Ok(vec![None]);
    }
    let mut out = Vec::new();
    for v in values {
        match v {
            AxisValue::Plain(s) if s == "all" => {
                if all.is_empty() {
                    return Err(
                        "`all` on a media axis, but the endpoint description lists no media types"
                            .into(),
                    );
                }
                out.extend(all.iter().map(|m| {
                    Some(MediaValue {
                        token: vocab::short_name(m).into(),
                        value: m.as_str().into(),
                    })
                }));
            }
            AxisValue::Plain(s) => out.push(Some(MediaValue {
                token: vocab::short_name(s).into(),
                value: s.as_str().into(),
            })),
            AxisValue::Named { id, value } => out.push(Some(MediaValue {
                token: id.as_str().into(),
                value: value.as_str().into(),
            })),
        }
    }
    dedup_tokens(out.iter().map(|m| m.as_ref().map_or("", |m| &*m.token)))?;
    Ok(out)
}

fn auth_axis(
    values: &[AxisValue],
    endpoint: &Endpoint,
    suite: &Suite,
) -> Result<Vec<AuthMode>, String> {
    let spellings = || {
        suite.cases.matrix.auth.soticket_spellings.iter().map(|s| {
            AuthMode::Scheme(AuthScheme::SoTicket {
                spelling: s.spelling.clone(),
            })
        })
    };
    let mut out = Vec::new();
    for v in values {
        let token = match v {
            AxisValue::Plain(s) => s.as_str(),
            AxisValue::Named { .. } => {
                return Err("auth axis values are scheme tokens, not `{ id, value }`".into())
            }
        };
        match token {
            "all" => {
                for scheme in &endpoint.description.auth_schemes {
                    match scheme.to_ascii_lowercase().as_str() {
                        "basic" => out.push(AuthMode::Scheme(AuthScheme::Basic)),
                        "soticket" => out.extend(spellings()),
                        "bearer" => out.push(AuthMode::Scheme(AuthScheme::Bearer)),
                        other => return Err(format!("the description lists auth scheme `{other}`, which the suite cannot send")),
                    }
                }
                if endpoint.description.xsrf_header.is_some() {
                    out.push(AuthMode::Scheme(AuthScheme::Xsrf));
                }
            }
            "soticket" => out.extend(spellings()),
            t => out.push(AuthMode::parse_single(t).ok_or_else(|| {
                format!("unknown auth token `{t}` (expected a scheme, `all`, `any` or a refusal such as `wrong-basic`)")
            })?),
        }
    }
    let tokens: Vec<String> = out.iter().map(|a| a.token()).collect();
    dedup_tokens(tokens.iter().map(String::as_str))?;
    Ok(out)
}

fn dedup_tokens<'a>(tokens: impl Iterator<Item = &'a str>) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for t in tokens {
        if !seen.insert(t) {
            return Err(format!("axis value `{t}` appears twice"));
        }
    }
    Ok(())
}
