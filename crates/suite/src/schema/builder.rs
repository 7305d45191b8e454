//! The JSON Schema builder: a page's property rows and the carrier pages' .NET types ->
//! a schema with `$defs` per carrier and enum, in one of the derivation [`Mode`]s.

use crate::docs::page::PropertyRow;
use crate::docs::yml::{short_name, ClrType, EnumDef, TypeKind};
use crate::docs::DocError;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

use super::types::*;
use super::Warning;

/// Whether carrier properties are required (responses) or optional (requests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Request,
    Response,
}

/// Builds one schema document: collects `$defs`, warnings and unresolved type names.
pub struct Builder<'i, 'a> {
    pub types: &'i TypeIndex<'a>,
    pub file: &'i str,
    pub mode: Mode,
    /// The carrier whose properties the page's response table documents, with the rows.
    pub documented: Option<(String, &'i [PropertyRow])>,
    pub defs: BTreeMap<String, Value>,
    visiting: BTreeSet<String>,
    pub warnings: Vec<Warning>,
    pub unresolved: BTreeSet<String>,
}

impl<'i, 'a> Builder<'i, 'a> {
    pub fn new(
        types: &'i TypeIndex<'a>,
        file: &'i str,
        mode: Mode,
        documented: Option<(String, &'i [PropertyRow])>,
    ) -> Self {
        Builder {
            types,
            file,
            mode,
            documented,
            defs: BTreeMap::new(),
            visiting: BTreeSet::new(),
            warnings: Vec::new(),
            unresolved: BTreeSet::new(),
        }
    }

    fn warn(&mut self, file: &str, line: usize, message: String) {
        self.warnings.push(Warning {
            file: file.to_string(),
            line,
            message,
        });
    }

    /// `{"anyOf": [{"$ref": "#/$defs/<name>"}, {"type": "null"}]}`, defining `name`.
    pub fn carrier_ref(&mut self, name: &str, line: usize) -> Result<Value, DocError> {
        self.ensure_def(name, line)?;
        Ok(nullable(def_ref(name)))
    }

    /// Defines `$defs/<name>` from the page table and/or the type pages; an open
    /// object-or-null (with a warning) when neither documents it.
    pub fn ensure_def(&mut self, name: &str, line: usize) -> Result<(), DocError> {
        if self.defs.contains_key(name) || self.visiting.contains(name) {
            return Ok(());
        }
        self.visiting.insert(name.to_string());
        let page = self.types.by_name(name);
        let def = match page.map(|(p, _)| &p.kind) {
            Some(TypeKind::Enum(e)) => enum_def(
                name,
                &page.map(|(p, _)| p.summary.clone()).unwrap_or_default(),
                e,
            ),
            Some(TypeKind::Class(c)) if c.dictionary.is_some() => {
                let (_, v) = c
                    .dictionary
                    .clone()
                    .unwrap_or((ClrType::String, ClrType::Object));
                let mut m = Map::new();
                m.insert("title".into(), json!(name));
                let summary = page.map(|(p, _)| p.summary.clone()).unwrap_or_default();
                if !summary.is_empty() {
                    m.insert("description".into(), json!(summary));
                }
                m.insert("type".into(), json!("object"));
                let (pfile, pline) = page.map(|(p, f)| (f, p.line)).unwrap_or((self.file, line));
                let value = self.clr_schema(&v, None, pfile, pline)?;
                m.insert("additionalProperties".into(), nullable(value));
                Value::Object(m)
            }
            _ => {
                let documented = self
                    .documented
                    .as_ref()
                    .filter(|(c, _)| c == name)
                    .map(|(_, rows)| *rows);
                if page.is_none() && documented.is_none() {
                    self.unresolved.insert(name.to_string());
                    let file = self.file;
                    self.warn(
                        file,
                        line,
                        format!("type `{name}` has no page among the inputs; its schema is an open object-or-null"),
                    );
                    json!({
                        "title": name,
                        "description": format!("{name}: its documentation page was not among the derive inputs, so any object (or null) is accepted."),
                        "type": ["object", "null"]
                    })
                } else {
                    let summary = page.map(|(p, _)| p.summary.clone()).unwrap_or_default();
                    self.class_def(name, &summary, documented, line)?
                }
            }
        };
        self.visiting.remove(name);
        self.defs.insert(name.to_string(), def);
        Ok(())
    }

    /// An object schema for carrier `name`: the page's rows when it documents them (page
    /// types win), else the class page's JSON properties.
    pub fn class_def(
        &mut self,
        name: &str,
        summary: &str,
        rows: Option<&[PropertyRow]>,
        line: usize,
    ) -> Result<Value, DocError> {
        let mut m = Map::new();
        m.insert("title".into(), json!(name));
        let summary = if summary.is_empty() {
            format!("{name}, as documented by the reference page.")
        } else {
            summary.to_string()
        };
        m.insert("description".into(), json!(summary));
        m.insert("type".into(), json!("object"));
        let (props, required) = self.object_members(Some(name), rows, line)?;
        m.insert("properties".into(), Value::Object(props));
        if self.mode == Mode::Response {
            m.insert("required".into(), json!(required));
        }
        if let Some(order) = self.member_order(name) {
            m.insert("x-member-order".into(), json!(order));
        }
        Ok(Value::Object(m))
    }

    /// The class's JSON properties in data-contract order: the base class's members
    /// first (deepest base first), then each class's own in the order of its page. A
    /// DataContractSerializer reads members in this order only (the SOAP contract lists
    /// `Carrier`'s `TableRight`, `FieldProperties` before `UserGroup`'s own; notes §4).
    fn member_order(&self, name: &str) -> Option<Vec<String>> {
        let (props, _) = self.types.json_props(name)?;
        let mut owners: Vec<&str> = Vec::new();
        for p in &props {
            if !owners.contains(&p.owner.as_str()) {
                owners.push(&p.owner);
            }
        }
        Some(
            owners
                .iter()
                .rev()
                .flat_map(|o| props.iter().filter(move |p| p.owner == *o))
                .map(|p| p.name.clone())
                .collect(),
        )
    }

    /// Properties and required names of an object: from `rows` (resolving blank, `object`
    /// and `array` cells against the class page of `owner`) or from the class page.
    pub fn object_members(
        &mut self,
        owner: Option<&str>,
        rows: Option<&[PropertyRow]>,
        line: usize,
    ) -> Result<(Map<String, Value>, Vec<String>), DocError> {
        let class = match owner {
            Some(o) => self.types.json_props(o),
            None => None,
        };
        if let (Some(o), Some((_, missing))) = (owner, &class) {
            for base in missing {
                let file = self.file;
                self.warn(
                    file,
                    line,
                    format!("`{o}` inherits from `{base}`, whose page is not among the inputs; its inherited properties get open schemas"),
                );
            }
        }
        let class_props: Vec<JsonProp> = class.map(|(p, _)| p).unwrap_or_default();
        let mut props = Map::new();
        let mut required = Vec::new();
        match rows {
            Some(rows) => {
                for row in rows {
                    let cp = class_props.iter().find(|p| p.name == row.name);
                    let mut s = self.row_schema(owner, row, cp)?;
                    if let Some(cp) = cp {
                        annotate(&mut s, &cp.summary);
                    }
                    props.insert(row.name.clone(), s);
                    required.push(row.name.clone());
                }
                for cp in class_props
                    .iter()
                    .filter(|cp| !rows.iter().any(|r| r.name == cp.name))
                {
                    let o = owner.unwrap_or("");
                    self.warn(
                        &cp.file.clone(),
                        cp.line,
                        format!("`{o}.{}` is on the carrier page but not in the reference page's table; the schema allows it but does not require it", cp.name),
                    );
                    let mut s = self.json_prop_schema(cp)?;
                    annotate(&mut s, &cp.summary);
                    props.insert(cp.name.clone(), s);
                }
            }
            None => {
                for cp in &class_props {
                    let mut s = self.json_prop_schema(cp)?;
                    annotate(&mut s, &cp.summary);
                    props.insert(cp.name.clone(), s);
                    required.push(cp.name.clone());
                }
            }
        }
        Ok((props, required))
    }

    fn json_prop_schema(&mut self, cp: &JsonProp) -> Result<Value, DocError> {
        match &cp.ty {
            Some(ty) => self.clr_schema(ty, cp.wire_enum.as_deref(), &cp.file, cp.line),
            None => {
                self.warn(
                    &cp.file.clone(),
                    cp.line,
                    format!(
                        "the type of `{}.{}` is not documented by the inputs; its schema is open",
                        cp.owner, cp.name
                    ),
                );
                Ok(json!({}))
            }
        }
    }

    /// The schema of one table row.
    pub fn row_schema(
        &mut self,
        owner: Option<&str>,
        row: &PropertyRow,
        cp: Option<&JsonProp>,
    ) -> Result<Value, DocError> {
        let doc = match &row.type_cell {
            Some(cell) => Some(DocType::parse(cell).ok_or_else(|| {
                DocError::new(
                    self.file,
                    row.line,
                    format!("{TYPE_CELL_EXPECTED} for property `{}`", row.name),
                    format!("`{cell}`"),
                )
            })?),
            None => None,
        };
        let qualified = match owner {
            Some(o) => format!("{o}.{}", row.name),
            None => row.name.clone(),
        };
        let declared = cp.and_then(|cp| cp.ty.as_ref().map(|ty| (cp, ty)));
        match doc {
            Some(DocType::Object | DocType::Array(None)) | None => {
                // blank, `object` or `array`: ask the carrier page.
                if let Some((cp, ty)) = declared {
                    return self.clr_schema(ty, cp.wire_enum.as_deref(), &cp.file, cp.line);
                }
                if doc.is_none() {
                    if let Some(c) = carrier_named_in(&row.description) {
                        return self.carrier_ref(&c, row.line);
                    }
                }
                let what = match doc {
                    None => "its type cell is blank",
                    Some(DocType::Array(_)) => "the page says only `array`",
                    _ => "the page says only `object`",
                };
                let file = self.file;
                self.warn(
                    file,
                    row.line,
                    format!("`{qualified}`: {what} and no carrier page among the inputs declares it; its schema is open"),
                );
                Ok(doc.map(|t| primitive_schema(&t)).unwrap_or(json!({})))
            }
            Some(t) => {
                if let Some((cp, ty)) = declared {
                    let agrees = match &t {
                        DocType::Carrier(c) => named_of(ty).map(short_name) == Some(c.as_str()),
                        DocType::Array(_) => matches!(ty, ClrType::Array(_)),
                        t => clr_matches(ty, t),
                    };
                    if !agrees {
                        let cell = row.type_cell.clone().unwrap_or_default();
                        self.warn(
                            &cp.file,
                            cp.line,
                            format!("`{qualified}` is {} on the carrier page but `{cell}` on the reference pages; the schemas follow the reference pages", ty.short()),
                        );
                    }
                }
                self.doc_schema(&t, &qualified, row.line)
            }
        }
    }

    /// The schema of a type the page names precisely (a primitive, a carrier, `T[]`).
    fn doc_schema(&mut self, t: &DocType, what: &str, line: usize) -> Result<Value, DocError> {
        match t {
            DocType::Carrier(c) => self.carrier_ref(c, line),
            DocType::Array(Some(inner)) => {
                let items = self.doc_schema(inner, what, line)?;
                Ok(json!({"type": ["array", "null"], "items": items}))
            }
            DocType::Object | DocType::Array(None) => {
                let file = self.file;
                self.warn(
                    file,
                    line,
                    format!("`{what}`: the items of the array are only `object` or `array`; their schema is open"),
                );
                Ok(primitive_schema(t))
            }
            t => Ok(primitive_schema(t)),
        }
    }

    /// The schema of a .NET type from a carrier page.
    pub fn clr_schema(
        &mut self,
        ty: &ClrType,
        wire_enum: Option<&str>,
        file: &str,
        line: usize,
    ) -> Result<Value, DocError> {
        Ok(match ty {
            ClrType::String => match wire_enum {
                Some(e) => self.enum_ref(e, file, line)?,
                None => primitive_schema(&DocType::String),
            },
            ClrType::Bool => primitive_schema(&DocType::Bool),
            // A carrier page's `System.Byte` is one byte; the reference pages' `byte` a stream.
            ClrType::Byte => json!({"type": "integer", "minimum": 0, "maximum": 255}),
            ClrType::Int16 => primitive_schema(&DocType::Int16),
            ClrType::UInt16 => primitive_schema(&DocType::UInt16),
            ClrType::Int32 => primitive_schema(&DocType::Int32),
            ClrType::Int64 => primitive_schema(&DocType::Int64),
            ClrType::Single | ClrType::Double | ClrType::Decimal => {
                primitive_schema(&DocType::Number)
            }
            ClrType::DateTime => primitive_schema(&DocType::DateTime),
            ClrType::Object => json!({}),
            ClrType::Nullable(inner) => nullable(self.clr_schema(inner, wire_enum, file, line)?),
            ClrType::Array(inner) => {
                let items = self.clr_schema(inner, None, file, line)?;
                json!({"type": ["array", "null"], "items": items})
            }
            ClrType::Dictionary(_, v) => {
                let values = nullable(self.clr_schema(v, None, file, line)?);
                json!({"type": ["object", "null"], "additionalProperties": values})
            }
            ClrType::Named(uid) => {
                let name = short_name(uid).to_string();
                match self.types.by_uid(uid).map(|(p, _)| &p.kind) {
                    Some(TypeKind::Enum(_)) => {
                        self.ensure_def(&name, line)?;
                        def_ref(&name)
                    }
                    _ => self.carrier_ref(&name, line)?,
                }
            }
        })
    }

    /// A string property carrying enum `uid`'s wire form (`Mask`).
    fn enum_ref(&mut self, uid: &str, file: &str, line: usize) -> Result<Value, DocError> {
        let name = short_name(uid).to_string();
        match self.types.by_uid(uid).map(|(p, _)| &p.kind) {
            Some(TypeKind::Enum(_)) => {
                self.ensure_def(&name, line)?;
                Ok(nullable(def_ref(&name)))
            }
            _ => {
                self.unresolved.insert(name.clone());
                self.warn(
                    file,
                    line,
                    format!("enum `{name}` has no page among the inputs; its string values are not checked"),
                );
                Ok(primitive_schema(&DocType::String))
            }
        }
    }
}

fn annotate(schema: &mut Value, summary: &str) {
    if summary.is_empty() {
        return;
    }
    if let Some(obj) = schema.as_object_mut() {
        let mut m = Map::new();
        m.insert("description".into(), json!(summary));
        m.extend(std::mem::take(obj));
        *obj = m;
    }
}

fn named_of(ty: &ClrType) -> Option<&str> {
    match ty {
        ClrType::Named(uid) => Some(uid),
        ClrType::Nullable(t) => named_of(t),
        _ => None,
    }
}

/// Whether a page's primitive type agrees with a carrier page's .NET type.
fn clr_matches(ty: &ClrType, t: &DocType) -> bool {
    let ty = match ty {
        ClrType::Nullable(inner) => inner.as_ref(),
        other => other,
    };
    matches!(
        (ty, t),
        (ClrType::String, DocType::String)
            | (ClrType::Bool, DocType::Bool)
            | (ClrType::Byte, DocType::Byte)
            | (ClrType::Int16, DocType::Int16)
            | (ClrType::UInt16, DocType::UInt16)
            | (ClrType::Int32, DocType::Int32)
            | (ClrType::Int64, DocType::Int64)
            | (
                ClrType::Single | ClrType::Double | ClrType::Decimal,
                DocType::Number
            )
            | (ClrType::DateTime, DocType::DateTime)
    )
}

/// `X` from "... Carrier object for X. ..." in a description cell.
pub fn carrier_named_in(description: &str) -> Option<String> {
    let rest = description.split("Carrier object for ").nth(1)?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect();
    DocType::parse(&name).and_then(|t| match t {
        DocType::Carrier(c) => Some(c),
        _ => None,
    })
}

/// `$defs/<Enum>`: the wire form of a (flags) enum as a string of member names or decimal
/// integers, separated by commas and/or whitespace (`"RI, RestrictedUpdate"`, `"Delete"`,
/// the XML `xs:list` form `"Select Update"`); the empty string is allowed. Member values go
/// into `x-flags` (flags enums) or `x-enum` (plain enums) so the suite can read them.
pub fn enum_def(name: &str, summary: &str, e: &EnumDef) -> Value {
    let mut names: Vec<&str> = e.members.iter().map(|m| m.name.as_str()).collect();
    names.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    names.dedup();
    let token = format!("(?:{}|[0-9]+)", names.join("|"));
    let pattern = if e.flags {
        format!(r"^\s*(?:{token}(?:(?:\s*,\s*|\s+){token})*)?\s*$")
    } else {
        format!(r"^\s*(?:{token})?\s*$")
    };
    let values: Map<String, Value> = e
        .members
        .iter()
        .map(|m| (m.name.clone(), json!(m.value)))
        .collect();
    let mut m = Map::new();
    m.insert("title".into(), json!(name));
    let what = if e.flags {
        "member names or decimal integers separated by commas and/or whitespace"
    } else {
        "a member name or a decimal integer"
    };
    let description = if summary.is_empty() {
        format!("{name} on the wire: {what}.")
    } else {
        format!("{summary}\nOn the wire: {what}.")
    };
    m.insert("description".into(), json!(description));
    m.insert("type".into(), json!("string"));
    m.insert("pattern".into(), json!(pattern));
    m.insert(
        if e.flags { "x-flags" } else { "x-enum" }.into(),
        Value::Object(values),
    );
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doc_type_names() {
        assert_eq!(DocType::parse("int32"), Some(DocType::Int32));
        assert_eq!(DocType::parse("Integer"), Some(DocType::Int32));
        assert_eq!(DocType::parse("Boolean"), Some(DocType::Bool));
        assert_eq!(DocType::parse("bool"), Some(DocType::Bool));
        assert_eq!(DocType::parse("String"), Some(DocType::String));
        assert_eq!(DocType::parse("date-time"), Some(DocType::DateTime));
        assert_eq!(
            DocType::parse("TableRight"),
            Some(DocType::Carrier("TableRight".into()))
        );
        assert_eq!(
            DocType::parse("int32[]"),
            Some(DocType::Array(Some(Box::new(DocType::Int32))))
        );
        assert_eq!(DocType::parse("array"), Some(DocType::Array(None)));
        assert_eq!(DocType::parse("list of things"), None);
        assert_eq!(DocType::parse("lowercase"), None);
    }

    #[test]
    fn nullable_forms() {
        assert_eq!(
            nullable(json!({"type": "integer", "minimum": 0})),
            json!({"type": ["integer", "null"], "minimum": 0})
        );
        assert_eq!(
            nullable(json!({"type": ["string", "null"]})),
            json!({"type": ["string", "null"]})
        );
        let r = nullable(def_ref("X"));
        assert_eq!(
            r,
            json!({"anyOf": [{"$ref": "#/$defs/X"}, {"type": "null"}]})
        );
        assert_eq!(nullable(r.clone()), r);
        assert_eq!(nullable(json!({})), json!({}));
    }

    #[test]
    fn carrier_named_in_description() {
        assert_eq!(
            carrier_named_in("The main user group <para /> Carrier object for UserGroup. Services"),
            Some("UserGroup".into())
        );
        assert_eq!(carrier_named_in("Primary key"), None);
    }
}
