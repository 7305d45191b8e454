//! Generated request bodies: a small seeded generator (splitmix64) that reads the
//! carrier's properties from the derived request schema and writes SaveUserGroup bodies,
//! valid ones (documented types and ranges) and invalid ones (one property of a JSON
//! type no reasonable binder accepts, an integer outside int32, a carrier that is not an
//! object). The same seed always gives the same body, so a trial name that carries its
//! seed replays exactly; a failing body shrinks by [`shrink_candidates`].
//!
//! Safety toward a live server is part of the design: every body carries the `{name}`
//! placeholder in a string (the suite's recognisable, per-run group name), and
//! the primary key is only ever absent or `0` (valid) or a value that cannot be read as
//! a non-zero number (invalid), so a generated body can only create, never overwrite.

use crate::cases::Generate;
use serde_json::{json, Map, Value};

/// Seeds per kind when nothing is configured: 16 valid and 16 invalid bodies.
pub const DEFAULT_COUNT: u32 = 16;
/// The first seed when nothing is configured; seeds are `base, base+1, ...`, so trial
/// names stay the same from run to run.
pub const DEFAULT_SEED: u64 = 1;
/// `cargo test` reads these (and `soconform run` too, under its flags).
pub const ENV_COUNT: &str = "SOCONF_GENERATED";
pub const ENV_SEED: &str = "SOCONF_SEED";

/// How many generated bodies a run sends and from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenerationConfig {
    /// Seeds per generated case (0: no generated trials).
    pub count: u32,
    /// The first seed.
    pub seed: u64,
}

impl Default for GenerationConfig {
    fn default() -> Self {
        GenerationConfig {
            count: DEFAULT_COUNT,
            seed: DEFAULT_SEED,
        }
    }
}

impl GenerationConfig {
    /// The defaults, with `SOCONF_GENERATED` / `SOCONF_SEED` (read through `lookup`)
    /// in their place when set.
    pub fn from_lookup(lookup: &dyn Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut c = GenerationConfig::default();
        if let Some(v) = lookup(ENV_COUNT).filter(|v| !v.trim().is_empty()) {
            c.count = v
                .trim()
                .parse()
                .map_err(|_| format!("{ENV_COUNT}: `{v}` is not a count (0, 16, 100, ...)"))?;
        }
        if let Some(v) = lookup(ENV_SEED).filter(|v| !v.trim().is_empty()) {
            c.seed = v
                .trim()
                .parse()
                .map_err(|_| format!("{ENV_SEED}: `{v}` is not a seed (an unsigned integer)"))?;
        }
        Ok(c)
    }

    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(&|name| std::env::var(name).ok())
    }

    /// The seeds of a run, in order.
    pub fn seeds(&self) -> Vec<u64> {
        (0..u64::from(self.count))
            .map_while(|i| self.seed.checked_add(i))
            .collect()
    }
}

/// splitmix64: tiny, fast, and good enough to spread seeds over the body space.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Different kinds of body get different streams from the same seed.
    pub fn new(seed: u64, salt: u64) -> Self {
        Rng(seed ^ salt.wrapping_mul(0xA076_1D64_78BD_642F))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n > 0`; 0 gives 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.below(den) < num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// How the derived schema types a carrier property.
#[derive(Debug, Clone, PartialEq)]
pub enum PropKind {
    /// `string` (string-or-null).
    String,
    /// An integer; `primary_key` for the property the page calls "Primary key".
    Int {
        primary_key: bool,
    },
    Bool,
    /// A nested carrier or dictionary (`TableRight`, `FieldProperties`): sent as null or
    /// left out.
    Nested,
}

/// The request's carrier as the derived schema describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct CarrierModel {
    /// The request property that holds the carrier (`UserGroup`).
    pub wrapper: String,
    /// Properties in the page's order.
    pub props: Vec<(String, PropKind)>,
}

impl CarrierModel {
    /// Reads the carrier from a derived request schema: the one request property whose
    /// type is a `$ref` into `$defs`.
    pub fn from_request_schema(schema: &Value) -> Result<CarrierModel, String> {
        let props = schema
            .get("properties")
            .and_then(Value::as_object)
            .ok_or("the request schema has no properties")?;
        for (wrapper, p) in props {
            let Some(def) = ref_target(p).and_then(|r| resolve(schema, r)) else {
                continue;
            };
            let Some(cprops) = def.get("properties").and_then(Value::as_object) else {
                continue;
            };
            let props = cprops
                .iter()
                .map(|(name, s)| (name.clone(), kind_of(s)))
                .collect();
            return Ok(CarrierModel {
                wrapper: wrapper.clone(),
                props,
            });
        }
        Err("the request schema has no carrier property (a `$ref` into `$defs`)".into())
    }

    fn strings(&self) -> impl Iterator<Item = &str> {
        self.props
            .iter()
            .filter(|(_, k)| *k == PropKind::String)
            .map(|(n, _)| n.as_str())
    }
}

fn ref_target(s: &Value) -> Option<&str> {
    if let Some(r) = s.get("$ref").and_then(Value::as_str) {
        return Some(r);
    }
    s.get("anyOf")?
        .as_array()?
        .iter()
        .find_map(|a| a.get("$ref").and_then(Value::as_str))
}

fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    root.pointer(reference.strip_prefix('#')?)
}

fn kind_of(s: &Value) -> PropKind {
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    if types.contains(&"string") {
        PropKind::String
    } else if types.contains(&"integer") {
        let primary_key = s
            .get("description")
            .and_then(Value::as_str)
            .is_some_and(|d| d.trim().eq_ignore_ascii_case("primary key"));
        PropKind::Int { primary_key }
    } else if types.contains(&"boolean") {
        PropKind::Bool
    } else {
        PropKind::Nested
    }
}

/// A generated request object. Strings hold the `{name}` placeholder the engine fills
/// in with the run's unique group name.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    pub body: Value,
    /// The property an invalid body is about (kept while shrinking); `None` for valid
    /// bodies and for a carrier that is not an object.
    pub keep: Option<String>,
    /// What makes the body invalid, for the report (empty for valid bodies).
    pub what: String,
}

/// The body of `kind` for `seed`.
pub fn generate(model: &CarrierModel, kind: Generate, seed: u64) -> Generated {
    match kind {
        Generate::Valid => Generated {
            body: valid(model, &mut Rng::new(seed, 1)),
            keep: None,
            what: String::new(),
        },
        Generate::Invalid => invalid(model, &mut Rng::new(seed, 2)),
    }
}

/// The range of integers every page agrees on for a non-key integer (`Rank`): int32 on
/// the REST page, Int16 on the .NET carrier page, UShort in the database.
pub const AGREED_INT: (i64, i64) = (0, i16::MAX as i64);

/// Longest random text in a generated string.
const MAX_TEXT: u64 = 24;

/// Character pools for strings: every character is XML 1.0 and form safe, never a
/// control character other than tab and newline (never first or last), never a brace
/// (placeholders), never CR (XML normalises it away).
const POOLS: [&[char]; 8] = [
    &[
        'a', 'b', 'c', 'x', 'y', 'z', 'A', 'Q', 'Z', '0', '1', '7', '9', 'e', 'o', 's',
    ],
    &[
        ' ', '<', '>', '&', '"', '\'', '+', '=', '%', '/', ';', ':', ',', '.', '!', '?', '#', '*',
        '(', ')', '[', ']', '-', '_', '@', '\\',
    ],
    &['à', 'é', 'î', 'õ', 'ü', 'ß', 'ç', 'ñ', 'ø', 'å', 'Æ', 'Ø'],
    &['α', 'β', 'Ω', 'ж', 'Я', 'ф'],
    &['日', '本', '語', '中', '文', '한', '국'],
    &['ע', 'ב', 'ר', 'י', 'ת', 'ا', 'ل', 'ع', 'ر'],
    &['🎉', '😀', '👍', '🚀', '🏽', '𝄞'],
    &['\t', '\n'],
];

fn text(rng: &mut Rng, min: u64, max: u64) -> String {
    let len = min + rng.below(max - min + 1);
    let mut s = String::new();
    for i in 0..len {
        // Mostly ASCII letters, sometimes anything else.
        let pool = match rng.below(10) {
            0..=4 => POOLS[0],
            5 => POOLS[1],
            6 => POOLS[2 + rng.below(2) as usize],
            7 => POOLS[4 + rng.below(2) as usize],
            8 => POOLS[6],
            _ if i > 0 && i + 1 < len => POOLS[7],
            _ => POOLS[0],
        };
        s.push(*rng.pick(pool));
    }
    // No whitespace at either end (forms and XML readers may trim it).
    let trimmed = s.trim();
    if trimmed.len() == s.len() {
        s
    } else if trimmed.is_empty() && min > 0 {
        "a".into()
    } else {
        trimmed.to_string()
    }
}

fn agreed_int(rng: &mut Rng) -> i64 {
    let (lo, hi) = AGREED_INT;
    match rng.below(6) {
        0 => lo,
        1 => hi,
        2 => 1,
        _ => lo + rng.below((hi - lo + 1) as u64) as i64,
    }
}

fn valid_carrier(model: &CarrierModel, rng: &mut Rng, name_in: Option<&str>) -> Map<String, Value> {
    let name_prop = name_in.map(str::to_string);
    let mut m = Map::new();
    for (prop, kind) in &model.props {
        if Some(prop) == name_prop.as_ref() {
            let suffix = text(rng, 0, MAX_TEXT);
            let v = if suffix.is_empty() {
                "{name}".to_string()
            } else {
                format!("{{name}} {suffix}")
            };
            m.insert(prop.clone(), Value::String(v));
            continue;
        }
        match kind {
            PropKind::String => match rng.below(4) {
                0 => {}
                1 => {
                    m.insert(prop.clone(), Value::Null);
                }
                _ => {
                    m.insert(prop.clone(), Value::String(text(rng, 1, MAX_TEXT)));
                }
            },
            PropKind::Int { primary_key: true } => {
                // Only ever "create": absent or 0.
                if rng.chance(2, 3) {
                    m.insert(prop.clone(), json!(0));
                }
            }
            PropKind::Int { primary_key: false } => {
                if rng.chance(2, 3) {
                    m.insert(prop.clone(), json!(agreed_int(rng)));
                }
            }
            PropKind::Bool => {
                if rng.chance(2, 3) {
                    m.insert(prop.clone(), json!(rng.chance(1, 2)));
                }
            }
            PropKind::Nested => {
                if rng.chance(1, 4) {
                    m.insert(prop.clone(), Value::Null);
                }
            }
        }
    }
    m
}

fn valid(model: &CarrierModel, rng: &mut Rng) -> Value {
    let name_in = model.strings().next().map(str::to_string);
    let carrier = valid_carrier(model, rng, name_in.as_deref());
    json!({ model.wrapper.as_str(): carrier })
}

/// Wrong JSON types no reasonable binder coerces: JSON.NET turns numbers and booleans
/// into strings, `"5"`/`"true"` and numbers into ints/bools, so those are not here.
fn wrong_for(kind: &PropKind, rng: &mut Rng) -> (Value, String) {
    let pick = |rng: &mut Rng, options: Vec<(Value, &str)>| {
        let i = rng.below(options.len() as u64) as usize;
        let (v, what) = options[i].clone();
        (v, what.to_string())
    };
    match kind {
        PropKind::String => pick(
            rng,
            vec![
                (json!({}), "an object where the page says string"),
                (json!([]), "an array where the page says string"),
                (json!(["x"]), "an array where the page says string"),
                (json!({"a": 1}), "an object where the page says string"),
            ],
        ),
        // A key gets only values that cannot be read as another group's Id.
        PropKind::Int { primary_key: true } => pick(
            rng,
            vec![
                (
                    json!("abc"),
                    "a non-numeric string where the page says int32",
                ),
                (json!({}), "an object where the page says int32"),
                (json!([]), "an array where the page says int32"),
            ],
        ),
        PropKind::Int { primary_key: false } => pick(
            rng,
            vec![
                (
                    json!("abc"),
                    "a non-numeric string where the page says int32",
                ),
                (
                    json!("12abc"),
                    "a non-numeric string where the page says int32",
                ),
                (json!({}), "an object where the page says int32"),
                (json!([1]), "an array where the page says int32"),
                (json!(2_147_483_648_i64), "an integer above the int32 range"),
                (
                    json!(-2_147_483_649_i64),
                    "an integer below the int32 range",
                ),
                (
                    json!(9_223_372_036_854_775_808_u64),
                    "an integer beyond 64 bits",
                ),
                (json!(1e30), "a number far outside the int32 range"),
            ],
        ),
        PropKind::Bool => pick(
            rng,
            vec![
                (json!("yes"), "a string that is not a boolean"),
                (json!("maybe"), "a string that is not a boolean"),
                (json!({}), "an object where the page says bool"),
                (json!([]), "an array where the page says bool"),
            ],
        ),
        PropKind::Nested => pick(
            rng,
            vec![(
                json!("not a carrier"),
                "a string where the page names a carrier",
            )],
        ),
    }
}

fn invalid(model: &CarrierModel, rng: &mut Rng) -> Generated {
    // One in five: the carrier itself is not an object. It still carries the name, so a
    // server that saves it anyway creates a group the suite recognises (a number or a
    // boolean could not, so they are not sent).
    if rng.chance(1, 5) {
        let (v, what) = match rng.below(2) {
            0 => (json!("{name}"), "a string"),
            _ => (
                json!([{"Value": "{name}", "Tooltip": "carrier in an array"}]),
                "an array of carriers",
            ),
        };
        return Generated {
            body: json!({ model.wrapper.as_str(): v }),
            keep: None,
            what: format!("`{}` is {what}, not a carrier object", model.wrapper),
        };
    }
    // Nested carriers (`TableRight`, `FieldProperties`) are response metadata a server
    // may ignore in requests without reading them: a wrong type there proves nothing.
    let candidates: Vec<&(String, PropKind)> = model
        .props
        .iter()
        .filter(|(_, k)| *k != PropKind::Nested)
        .collect();
    let (prop, kind) = (*rng.pick(&candidates)).clone();
    // The name travels in a string property that keeps its type.
    let name_in = model.strings().find(|s| *s != prop).map(str::to_string);
    let mut carrier = valid_carrier(model, rng, name_in.as_deref());
    let (bad, what) = wrong_for(&kind, rng);
    carrier.insert(prop.clone(), bad.clone());
    Generated {
        body: json!({ model.wrapper.as_str(): carrier }),
        what: format!("{prop}: {what} ({bad})"),
        keep: Some(prop),
    }
}

/// Bodies one step simpler than `body` (a property left out, a string shortened, a
/// number made 0, a boolean made false), the most drastic first. The property `keep`
/// (what makes an invalid body invalid) and the `{name}` placeholder are never touched.
pub fn shrink_candidates(body: &Value, keep: Option<&str>) -> Vec<Value> {
    let Some((wrapper, Value::Object(carrier))) = body
        .as_object()
        .filter(|m| m.len() == 1)
        .and_then(|m| m.iter().next())
    else {
        return vec![];
    };
    let rebuild = |c: Map<String, Value>| json!({ wrapper.as_str(): c });
    let is_name = |v: &Value| v.as_str().is_some_and(|s| s.contains("{name}"));
    let mut out = Vec::new();
    for (k, v) in carrier {
        if Some(k.as_str()) == keep || is_name(v) {
            continue;
        }
        let mut c = carrier.clone();
        c.remove(k);
        out.push(rebuild(c));
    }
    for (k, v) in carrier {
        if Some(k.as_str()) == keep {
            continue;
        }
        let simpler = match v {
            Value::String(s) if is_name(v) && s != "{name}" => Some(json!("{name}")),
            Value::String(s) if !is_name(v) && s.chars().count() > 1 => {
                let half: String = s.chars().take(s.chars().count() / 2).collect();
                let half = half.trim().to_string();
                Some(json!(if half.is_empty() {
                    "a".to_string()
                } else {
                    half
                }))
            }
            Value::Number(n) if n.as_i64() != Some(0) => Some(json!(0)),
            Value::Bool(true) => Some(json!(false)),
            _ => None,
        };
        if let Some(s) = simpler {
            let mut c = carrier.clone();
            c.insert(k.clone(), s);
            out.push(rebuild(c));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model() -> CarrierModel {
        let schema: Value = serde_json::from_str(include_str!(
            "../../../../schemas/v1UserAgent_SaveUserGroup.request.schema.json"
        ))
        .expect("schema");
        CarrierModel::from_request_schema(&schema).expect("model")
    }

    #[test]
    fn model_comes_from_the_derived_schema() {
        let m = model();
        assert_eq!(m.wrapper, "UserGroup");
        let names: Vec<&str> = m.props.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "Value",
                "Tooltip",
                "Id",
                "Rank",
                "Deleted",
                "TableRight",
                "FieldProperties"
            ]
        );
        assert_eq!(m.props[2].1, PropKind::Int { primary_key: true });
        assert_eq!(m.props[3].1, PropKind::Int { primary_key: false });
        assert_eq!(m.props[5].1, PropKind::Nested);
    }

    #[test]
    fn same_seed_same_body_and_kinds_differ() {
        let m = model();
        for seed in 0..50 {
            assert_eq!(
                generate(&m, Generate::Valid, seed),
                generate(&m, Generate::Valid, seed)
            );
            assert_eq!(
                generate(&m, Generate::Invalid, seed),
                generate(&m, Generate::Invalid, seed)
            );
        }
        assert_ne!(
            generate(&m, Generate::Valid, 1).body,
            generate(&m, Generate::Valid, 2).body
        );
    }

    #[test]
    fn valid_bodies_are_safe_and_in_range() {
        let m = model();
        for seed in 0..2000 {
            let g = generate(&m, Generate::Valid, seed);
            let c = &g.body["UserGroup"];
            let value = c["Value"].as_str().expect("Value always sent");
            assert!(value.starts_with("{name}"), "{value}");
            assert!(c.get("Id").is_none_or(|id| id == &json!(0)), "{c}");
            if let Some(r) = c.get("Rank") {
                let r = r.as_i64().expect("int");
                assert!((AGREED_INT.0..=AGREED_INT.1).contains(&r));
            }
            for s in [c.get("Value"), c.get("Tooltip")].into_iter().flatten() {
                if let Some(s) = s.as_str() {
                    assert_eq!(s, s.trim(), "no whitespace at the ends");
                    assert!(
                        !s.contains('\r') && s.chars().all(crate::exchange::encode::is_xml_char)
                    );
                    assert!(!s.replace("{name}", "").contains(['{', '}']));
                }
            }
        }
    }

    #[test]
    fn invalid_bodies_carry_the_name_and_never_a_usable_id() {
        let m = model();
        let mut kinds = std::collections::BTreeSet::new();
        for seed in 0..2000 {
            let g = generate(&m, Generate::Invalid, seed);
            assert!(!g.what.is_empty());
            let c = &g.body["UserGroup"];
            kinds.insert(g.keep.clone().unwrap_or_default());
            if let Some(obj) = c.as_object() {
                let named = obj
                    .values()
                    .any(|v| v.as_str().is_some_and(|s| s.starts_with("{name}")));
                assert!(named, "the name travels in a string property: {c}");
                if let Some(id) = obj.get("Id") {
                    let n = id
                        .as_f64()
                        .or_else(|| id.as_str().and_then(|s| s.trim().parse::<f64>().ok()));
                    assert!(n.is_none_or(|n| n == 0.0), "usable Id {id}");
                    assert!(!id.is_boolean());
                }
            } else {
                assert!(c.to_string().contains("{name}"), "a nameless carrier: {c}");
            }
        }
        assert!(!kinds.contains("TableRight") && !kinds.contains("FieldProperties"));
        for p in ["", "Value", "Tooltip", "Id", "Rank", "Deleted"] {
            assert!(kinds.contains(p), "no invalid body about `{p}`: {kinds:?}");
        }
    }

    #[test]
    fn shrinking_keeps_the_point_and_the_name() {
        let body = json!({"UserGroup": {"Value": "{name} long suffix", "Tooltip": "abcdef", "Rank": 7, "Deleted": true, "Id": "abc"}});
        let c = shrink_candidates(&body, Some("Id"));
        assert!(c.iter().all(|b| b["UserGroup"]["Id"] == json!("abc")));
        assert!(c.iter().all(|b| b["UserGroup"]["Value"]
            .as_str()
            .is_some_and(|v| v.starts_with("{name}"))));
        assert!(c.contains(&json!({"UserGroup": {"Value": "{name} long suffix", "Rank": 7, "Deleted": true, "Id": "abc"}})));
        assert!(c.contains(&json!({"UserGroup": {"Value": "{name}", "Tooltip": "abcdef", "Rank": 7, "Deleted": true, "Id": "abc"}})));
        let minimal = json!({"UserGroup": {"Value": "{name}"}});
        assert!(shrink_candidates(&minimal, None).is_empty());
    }

    #[test]
    fn config_from_variables() {
        let c = GenerationConfig::from_lookup(&|n| match n {
            ENV_COUNT => Some("3".into()),
            ENV_SEED => Some("100".into()),
            _ => None,
        })
        .expect("ok");
        assert_eq!(c.seeds(), [100, 101, 102]);
        assert!(
            GenerationConfig::from_lookup(&|n| (n == ENV_COUNT).then(|| "many".into())).is_err()
        );
        assert_eq!(
            GenerationConfig::default().seeds().len(),
            DEFAULT_COUNT as usize
        );
        let edge = GenerationConfig {
            count: 3,
            seed: u64::MAX - 1,
        };
        assert_eq!(edge.seeds(), [u64::MAX - 1, u64::MAX]);
    }
}
