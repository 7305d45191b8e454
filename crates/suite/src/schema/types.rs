//! Type resolution and JSON Schema (draft 2020-12) building: the doc's type names and the
//! carrier pages' .NET types -> schemas with `$defs` per carrier and enum.

use crate::docs::yml::{short_name, ClassDef, ClrType, TypeKind, TypePage};
use crate::docs::DocError;
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};

/// A type named in a reference page's type cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocType {
    String,
    Bool,
    Byte,
    Int16,
    UInt16,
    Int32,
    Int64,
    Number,
    DateTime,
    /// `object`: the page does not say which; resolved from the carrier page if possible.
    Object,
    /// `array` (element type unknown) or `X[]`.
    Array(Option<Box<DocType>>),
    Carrier(String),
}

impl DocType {
    /// Parses a type cell (`string`, `int32`, `Integer`, `bool`, `Boolean`, `date-time`,
    /// `object`, `array`, `UserGroup`, `int32[]`, ...). `None` for anything else.
    pub fn parse(cell: &str) -> Option<DocType> {
        let c = cell.trim();
        if let Some(inner) = c.strip_suffix("[]") {
            return Some(DocType::Array(Some(Box::new(DocType::parse(inner)?))));
        }
        Some(match c.to_ascii_lowercase().as_str() {
            "string" => DocType::String,
            "bool" | "boolean" => DocType::Bool,
            "byte" => DocType::Byte,
            "int16" | "short" => DocType::Int16,
            "uint16" | "ushort" => DocType::UInt16,
            "int32" | "int" | "integer" => DocType::Int32,
            "int64" | "long" => DocType::Int64,
            "double" | "float" | "single" | "decimal" | "number" => DocType::Number,
            "date-time" | "datetime" => DocType::DateTime,
            "object" => DocType::Object,
            "array" => DocType::Array(None),
            _ => {
                let mut chars = c.chars();
                let ok = matches!(chars.next(), Some(f) if f.is_ascii_uppercase())
                    && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_');
                if !ok {
                    return None;
                }
                DocType::Carrier(c.to_string())
            }
        })
    }

    pub fn is_primitive(&self) -> bool {
        !matches!(
            self,
            DocType::Object | DocType::Array(_) | DocType::Carrier(_)
        )
    }
}

pub const TYPE_CELL_EXPECTED: &str = "a type name (`string`, `int32`, `Integer`, `int16`, \
`int64`, `bool`, `Boolean`, `double`, `date-time`, `object`, `array`, `<T>[]` or a carrier \
name such as `UserGroup`)";

/// The JSON Schema of a primitive doc type. Strings are .NET reference types and may be
/// null; numbers and booleans are value types and may not.
pub fn primitive_schema(t: &DocType) -> Value {
    match t {
        DocType::String => json!({"type": ["string", "null"]}),
        DocType::Bool => json!({"type": "boolean"}),
        // The pages' `byte` is a byte stream (`## Response:byte`, `| ImageData | byte |`;
        // their samples: "GIF89....File contents as raw bytes..."): under the JSON types a
        // string (Web API 2 writes a `byte[]` as base64), not one number.
        DocType::Byte => json!({"type": ["string", "null"], "contentEncoding": "base64"}),
        DocType::Int16 => int_range(i16::MIN as i64, i16::MAX as i64),
        DocType::UInt16 => int_range(0, u16::MAX as i64),
        DocType::Int32 => int_range(i32::MIN as i64, i32::MAX as i64),
        DocType::Int64 => int_range(i64::MIN, i64::MAX),
        DocType::Number => json!({"type": "number"}),
        // The pages' samples carry an offset (`2014-06-17T14:28:21.6647824+02:00`), but no
        // page says one is required, and .NET writes a DateTime of unspecified kind without
        // one: ISO 8601 with the offset optional, not RFC 3339's `format: date-time`.
        DocType::DateTime => {
            json!({"type": "string", "pattern": DATE_TIME_PATTERN, "x-doc-type": "date-time"})
        }
        DocType::Object => json!({"type": ["object", "null"]}),
        DocType::Array(_) => json!({"type": ["array", "null"]}),
        DocType::Carrier(_) => json!({"type": ["object", "null"]}),
    }
}

/// A date and time as the pages' samples and .NET write it: seconds, fractions and the
/// offset optional.
pub const DATE_TIME_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,7})?)?(Z|[+-][0-9]{2}:[0-9]{2})?$";

fn int_range(min: i64, max: i64) -> Value {
    json!({"type": "integer", "minimum": min, "maximum": max})
}

/// `schema` that additionally accepts null.
pub fn nullable(schema: Value) -> Value {
    let mut schema = schema;
    if let Some(obj) = schema.as_object_mut() {
        if obj.is_empty() {
            return schema; // `{}` already accepts null
        }
        match obj.get_mut("type") {
            Some(Value::String(t)) => {
                if t != "null" {
                    let t = t.clone();
                    obj.insert("type".into(), json!([t, "null"]));
                }
                return schema;
            }
            Some(Value::Array(ts)) => {
                if !ts.iter().any(|t| t == "null") {
                    ts.push(json!("null"));
                }
                return schema;
            }
            _ => {}
        }
        if let Some(Value::Array(alts)) = obj.get("anyOf") {
            if alts.iter().any(|a| a == &json!({"type": "null"})) {
                return schema;
            }
        }
    }
    json!({"anyOf": [schema, {"type": "null"}]})
}

pub fn def_ref(name: &str) -> Value {
    json!({"$ref": format!("#/$defs/{name}")})
}

/// Type pages by uid and by short name.
#[derive(Debug, Default)]
pub struct TypeIndex<'a> {
    pages: BTreeMap<String, (&'a TypePage, &'a str)>,
    by_name: BTreeMap<String, String>,
}

/// A JSON property of a class, flattened over its base classes.
#[derive(Debug, Clone)]
pub struct JsonProp {
    pub name: String,
    /// `None` when the declaring class's page is not among the inputs.
    pub ty: Option<ClrType>,
    pub wire_enum: Option<String>,
    pub summary: String,
    pub owner: String,
    pub file: String,
    pub line: usize,
}

impl<'a> TypeIndex<'a> {
    pub fn new(pages: &[(&'a TypePage, &'a str)]) -> Result<Self, DocError> {
        let mut idx = TypeIndex::default();
        for &(page, file) in pages {
            if let Some((prev, prev_file)) = idx.pages.get(&page.uid) {
                if *prev != page {
                    return Err(DocError::new(
                        file,
                        page.line,
                        format!(
                            "the same content as {prev_file}, which also documents {}",
                            page.uid
                        ),
                        "a different page",
                    ));
                }
                continue;
            }
            if let Some(other) = idx.by_name.get(&page.name) {
                return Err(DocError::new(
                    file,
                    page.line,
                    format!(
                        "one type page per short name (`{}` is already {other})",
                        page.name
                    ),
                    page.uid.clone(),
                ));
            }
            idx.by_name.insert(page.name.clone(), page.uid.clone());
            idx.pages.insert(page.uid.clone(), (page, file));
        }
        Ok(idx)
    }

    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    pub fn by_name(&self, name: &str) -> Option<(&'a TypePage, &'a str)> {
        self.pages.get(self.by_name.get(name)?).copied()
    }

    pub fn by_uid(&self, uid: &str) -> Option<(&'a TypePage, &'a str)> {
        self.pages.get(uid).copied()
    }

    fn class(&self, name: &str) -> Option<(&'a ClassDef, &'a TypePage, &'a str)> {
        let (page, file) = self.by_name(name)?;
        match &page.kind {
            TypeKind::Class(c) => Some((c, page, file)),
            TypeKind::Enum(_) => None,
        }
    }

    /// The JSON properties of class `name` (own first, then inherited), plus the base classes
    /// whose pages are missing. `None` when `name` has no class page.
    pub fn json_props(&self, name: &str) -> Option<(Vec<JsonProp>, Vec<String>)> {
        let (class, page, file) = self.class(name)?;
        let mut props = Vec::new();
        let mut missing = Vec::new();
        self.collect(class, page, file, &mut props, &mut missing, 0);
        Some((props, missing))
    }

    fn collect(
        &self,
        class: &ClassDef,
        page: &TypePage,
        file: &str,
        props: &mut Vec<JsonProp>,
        missing: &mut Vec<String>,
        depth: usize,
    ) {
        for p in class.properties.iter().filter(|p| !p.json_ignore) {
            if props.iter().any(|q: &JsonProp| q.name == p.json_name) {
                continue; // overridden in a derived class
            }
            props.push(JsonProp {
                name: p.json_name.clone(),
                ty: Some(p.ty.clone()),
                wire_enum: p.wire_enum.clone(),
                summary: p.summary.clone(),
                owner: page.name.clone(),
                file: file.to_string(),
                line: p.line,
            });
        }
        let Some(base) = &class.base else { return };
        match self.by_uid(base) {
            Some((bpage, bfile)) if depth < 16 => {
                if let TypeKind::Class(bclass) = &bpage.kind {
                    self.collect(bclass, bpage, bfile, props, missing, depth + 1);
                }
            }
            _ => {
                missing.push(short_name(base).to_string());
                for m in class
                    .inherited
                    .iter()
                    .filter(|m| m.starts_with(&format!("{base}.")))
                {
                    let name = short_name(m).to_string();
                    if !props.iter().any(|q| q.name == name) {
                        props.push(JsonProp {
                            name,
                            ty: None,
                            wire_enum: None,
                            summary: String::new(),
                            owner: page.name.clone(),
                            file: file.to_string(),
                            line: page.line,
                        });
                    }
                }
            }
        }
    }

    /// The class whose JSON property names are exactly `names`, if exactly one is.
    pub fn infer_carrier(&self, names: &BTreeSet<&str>) -> Option<String> {
        let mut found = Vec::new();
        for (page, _) in self.pages.values() {
            if let TypeKind::Class(c) = &page.kind {
                if c.dictionary.is_some() {
                    continue;
                }
                if let Some((props, _)) = self.json_props(&page.name) {
                    let set: BTreeSet<&str> = props.iter().map(|p| p.name.as_str()).collect();
                    if &set == names {
                        found.push(page.name.clone());
                    }
                }
            }
        }
        if found.len() == 1 {
            found.pop()
        } else {
            None
        }
    }
}

pub use super::builder::{carrier_named_in, enum_def, Builder, Mode};

#[cfg(test)]
mod date_time_tests {
    use super::*;

    #[test]
    fn date_times_with_and_without_offset_are_accepted_other_text_is_not() {
        let schema = primitive_schema(&DocType::DateTime);
        let v = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("compiles");
        for ok in [
            "2014-06-17T14:28:21.6647824+02:00",
            "2021-06-06T13:02:55Z",
            "2026-12-07T12:00:00",
            "2026-12-07T12:00",
        ] {
            assert!(v.is_valid(&json!(ok)), "{ok}");
        }
        for bad in [
            "07.12.2026 12:00",
            "2026-12-07",
            "soconform",
            "2026-12-07T12:00:00+2",
        ] {
            assert!(!v.is_valid(&json!(bad)), "{bad}");
        }
    }
}
