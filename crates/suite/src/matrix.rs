//! Case x axes -> named trial specs. Names are stable and readable
//! (`save_user_group::select::single_name::value::json->xml::basic`), and a name can be
//! resolved back to its spec by expanding only the one case it names, so nextest's
//! process-per-test `--exact` calls stay cheap.
//!
//! A case whose body is generated (`request.generate`) also expands over the run's seeds,
//! the seed in the name (`save_user_group::generated::valid::seed_7::json->json::any`);
//! `--exact` reads the seed from the name, so any seed replays, configured or not.

use crate::auth::AuthMode;
use crate::cases::{AxisValue, Case, SelectVariant};
use crate::suite::{Endpoint, Suite};
use crate::trial_name::{self, TrialName};
use crate::vocab::{self, AuthScheme};

/// A value on a media axis: the header value sent, and its token in the trial name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaValue {
    pub token: String,
    pub value: String,
}

/// One trial: a case with one value on each axis.
#[derive(Debug, Clone)]
pub struct TrialSpec {
    /// What the trial is, token by token.
    pub trial: TrialName,
    /// `trial` rendered once: filters, partitions and reports read it for every trial.
    pub name: String,
    /// Index of the case file in `suite.cases.files`, and of the case in it.
    pub file: usize,
    pub case: usize,
    /// `None`: no body, no Content-Type.
    pub content_type: Option<MediaValue>,
    /// `None`: no Accept header.
    pub accept: Option<MediaValue>,
    pub auth: AuthMode,
    pub select: Option<SelectVariant>,
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
    pub fn endpoint_uid<'s>(&self, suite: &'s Suite) -> &'s str {
        let file = &suite.cases.files[self.file].1;
        file.cases[self.case]
            .request
            .endpoint
            .as_deref()
            .unwrap_or(&file.endpoint)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("{path}: case `{case}`: {message}")]
pub struct MatrixError {
    pub path: String,
    pub case: String,
    pub message: String,
}

/// Every trial of the suite, in case-file order.
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
    Ok(specs
        .into_iter()
        .filter(|s| {
            let uid = s.endpoint_uid(suite);
            patterns.iter().any(|p| crate::glob::matches(p, uid))
        })
        .collect())
}

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
        if file.concern != wanted.concern {
            continue;
        }
        if let Some(ci) = file.cases.iter().position(|c| c.id == id) {
            let trials = match (file.cases[ci].request.generate.is_some(), wanted.seed) {
                (true, Some(seed)) => expand_seeds(suite, fi, ci, &[seed])?,
                (true, None) => return Ok(None),
                (false, _) => expand_case(suite, fi, ci)?,
            };
            return Ok(trials.into_iter().find(|t| t.trial == wanted));
        }
    }
    Ok(None)
}

/// The trials of one case (for a `generate` case, one set per configured seed).
pub fn expand_case(suite: &Suite, fi: usize, ci: usize) -> Result<Vec<TrialSpec>, MatrixError> {
    let seeds = suite.generation.seeds();
    expand_seeds(suite, fi, ci, &seeds)
}

/// The trials of one case; `seeds` only matter for a `generate` case.
fn expand_seeds(
    suite: &Suite,
    fi: usize,
    ci: usize,
    seeds: &[u64],
) -> Result<Vec<TrialSpec>, MatrixError> {
    let (path, file) = &suite.cases.files[fi];
    let case = &file.cases[ci];
    let err = |message: String| MatrixError {
        path: path.display().to_string(),
        case: case.id.clone(),
        message,
    };
    let uid = case.request.endpoint.as_deref().unwrap_or(&file.endpoint);
    let endpoint = suite
        .endpoint(uid)
        .ok_or_else(|| err(format!("no description for endpoint `{uid}`")))?;

    let content_types = media_axis(
        &case.axes.content_type,
        &endpoint.description.request_content_types,
    )
    .map_err(&err)?;
    let accepts =
        media_axis(&case.axes.accept, &endpoint.description.accept_types).map_err(&err)?;
    let auths = auth_axis(&case.axes.auth, endpoint, suite).map_err(&err)?;
    let selects: Vec<Option<SelectVariant>> = if case.axes.select.is_empty() {
        vec![None]
    } else {
        case.axes.select.iter().cloned().map(Some).collect()
    };
    let seeds: Vec<Option<u64>> = if case.request.generate.is_some() {
        seeds.iter().copied().map(Some).collect()
    } else {
        vec![None]
    };

    let slug = case.id.split_once('.').map_or("", |(_, s)| s);
    let endpoint_slug = endpoint.slug();
    let mut out = Vec::with_capacity(
        seeds.len() * selects.len() * content_types.len() * accepts.len() * auths.len(),
    );
    for (seed, select) in seeds
        .iter()
        .flat_map(|seed| selects.iter().map(move |s| (*seed, s)))
    {
        for ct in &content_types {
            for acc in &accepts {
                for auth in &auths {
                    let trial = TrialName {
                        endpoint: endpoint_slug.clone(),
                        concern: file.concern.clone(),
                        slug: slug.to_string(),
                        seed,
                        select: select.as_ref().map(|s| s.id.clone()),
                        content_type: ct
                            .as_ref()
                            .map_or(trial_name::NO_BODY, |m| m.token.as_str())
                            .to_string(),
                        accept: acc
                            .as_ref()
                            .map_or(trial_name::NO_ACCEPT, |m| m.token.as_str())
                            .to_string(),
                        auth: auth.token(),
                    };
                    out.push(TrialSpec {
                        name: trial.to_string(),
                        trial,
                        file: fi,
                        case: ci,
                        content_type: ct.clone(),
                        accept: acc.clone(),
                        auth: auth.clone(),
                        select: select.clone(),
                        seed,
                    });
                }
            }
        }
    }
    Ok(out)
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
                        token: vocab::short_name(m),
                        value: m.clone(),
                    })
                }));
            }
            AxisValue::Plain(s) => out.push(Some(MediaValue {
                token: vocab::short_name(s),
                value: s.clone(),
            })),
            AxisValue::Named { id, value } => out.push(Some(MediaValue {
                token: id.clone(),
                value: value.clone(),
            })),
        }
    }
    dedup_tokens(
        out.iter()
            .map(|m| m.as_ref().map_or("", |m| m.token.as_str())),
    )?;
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
