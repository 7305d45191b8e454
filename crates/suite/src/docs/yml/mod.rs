//! A DocFX ManagedReference page (`SuperOffice.WebApi.Data.<Type>.yml`) -> [`TypePage`]:
//! a carrier class (its JSON properties and base class) or an enum (its members and values).
//!
//! Two generations occur: `ETableRight.yml` documents the enum as `type: Class` with
//! `public const ETableRight X` members whose values are only in the summaries
//! (`"\n1: ..."`); `EFieldRight.yml` is `type: Enum` with `X = 1` or `Update = Read | Write`
//! contents and summaries like `'1: ...'`. Both are read into the same [`EnumDef`].

use super::{excerpt, DocError};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypePage {
    /// `SuperOffice.WebApi.Data.UserGroup`.
    pub uid: String,
    /// `UserGroup`.
    pub name: String,
    pub summary: String,
    pub line: usize,
    pub kind: TypeKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TypeKind {
    Class(ClassDef),
    Enum(EnumDef),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassDef {
    /// The base class uid, when it is not `System.Object` (e.g. `...Data.Carrier`).
    pub base: Option<String>,
    /// `(key, value)` when the class is a `Dictionary<K, V>`.
    pub dictionary: Option<(ClrType, ClrType)>,
    /// Own properties in page order, including `[JsonIgnore]` ones (flagged).
    pub properties: Vec<ClrProperty>,
    /// Uids of members inherited from SuperOffice types (e.g. `...Carrier.TableRight`).
    pub inherited: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClrProperty {
    pub uid: String,
    /// The .NET property name (`Mask_String`).
    pub name: String,
    /// The JSON property name (`Mask`, from `[JsonProperty("Mask")]`).
    pub json_name: String,
    pub ty: ClrType,
    /// `[JsonIgnore]`: not on the wire.
    pub json_ignore: bool,
    /// For a string property that carries the wire form of an ignored enum property of the
    /// same JSON name (`Mask_String` for `ETableRight? Mask`): that enum's uid.
    pub wire_enum: Option<String>,
    pub summary: String,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumDef {
    /// Flag values that can be combined.
    pub flags: bool,
    pub members: Vec<EnumMember>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumMember {
    pub name: String,
    pub value: i64,
    pub summary: String,
    pub line: usize,
}

/// A .NET type as written in DocFX uids (`System.Nullable{SuperOffice.WebApi.Data.ETableRight}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClrType {
    String,
    Bool,
    Byte,
    Int16,
    UInt16,
    Int32,
    Int64,
    Single,
    Double,
    Decimal,
    DateTime,
    Object,
    Named(String),
    Nullable(Box<ClrType>),
    Array(Box<ClrType>),
    Dictionary(Box<ClrType>, Box<ClrType>),
}

impl ClrType {
    /// Parses a DocFX type uid; `None` for a type this compiler does not know.
    pub fn parse(s: &str) -> Option<ClrType> {
        let s = s.trim();
        if let Some(inner) = s.strip_suffix("[]") {
            return Some(ClrType::Array(Box::new(ClrType::parse(inner)?)));
        }
        if let Some(open) = s.find('{') {
            let generic = &s[..open];
            let inner = s[open + 1..].strip_suffix('}')?;
            let args: Vec<ClrType> = split_top(inner)
                .into_iter()
                .map(ClrType::parse)
                .collect::<Option<_>>()?;
            let one = |args: Vec<ClrType>| -> Option<ClrType> {
                match <[ClrType; 1]>::try_from(args) {
                    Ok([a]) => Some(a),
                    Err(_) => None,
                }
            };
            return match generic {
                "System.Nullable" => Some(ClrType::Nullable(Box::new(one(args)?))),
                "System.Collections.Generic.List"
                | "System.Collections.Generic.IList"
                | "System.Collections.Generic.ICollection"
                | "System.Collections.Generic.IEnumerable"
                | "System.Collections.Generic.IReadOnlyList"
                | "System.Collections.Generic.IReadOnlyCollection" => {
                    Some(ClrType::Array(Box::new(one(args)?)))
                }
                "System.Collections.Generic.Dictionary"
                | "System.Collections.Generic.IDictionary"
                | "System.Collections.Generic.IReadOnlyDictionary" => {
                    let [k, v] = <[ClrType; 2]>::try_from(args).ok()?;
                    Some(ClrType::Dictionary(Box::new(k), Box::new(v)))
                }
                _ => None,
            };
        }
        Some(match s {
            "System.String" => ClrType::String,
            "System.Boolean" => ClrType::Bool,
            "System.Byte" => ClrType::Byte,
            "System.Int16" => ClrType::Int16,
            "System.UInt16" => ClrType::UInt16,
            "System.Int32" => ClrType::Int32,
            "System.Int64" => ClrType::Int64,
            "System.Single" => ClrType::Single,
            "System.Double" => ClrType::Double,
            "System.Decimal" => ClrType::Decimal,
            "System.DateTime" => ClrType::DateTime,
            "System.Object" => ClrType::Object,
            _ if s.starts_with("SuperOffice.") && !s.contains(['(', ' ']) => {
                ClrType::Named(s.to_string())
            }
            _ => return None,
        })
    }

    /// The short .NET spelling, for messages (`Int16`, `TableRight`, `ETableRight?`).
    pub fn short(&self) -> String {
        match self {
            ClrType::Named(uid) => short_name(uid).to_string(),
            ClrType::Nullable(t) => format!("{}?", t.short()),
            ClrType::Array(t) => format!("{}[]", t.short()),
            ClrType::Dictionary(k, v) => format!("Dictionary<{}, {}>", k.short(), v.short()),
            other => format!("{other:?}"),
        }
    }
}

/// `SuperOffice.WebApi.Data.UserGroup` -> `UserGroup`.
pub fn short_name(uid: &str) -> &str {
    uid.rsplit('.').next().unwrap_or(uid)
}

fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

#[derive(Debug, Deserialize)]
struct MrFile {
    items: Vec<MrItem>,
}

#[derive(Debug, Deserialize)]
struct MrItem {
    uid: String,
    #[serde(default)]
    parent: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    syntax: Option<MrSyntax>,
    #[serde(default)]
    inheritance: Vec<String>,
    #[serde(rename = "inheritedMembers", default)]
    inherited_members: Vec<String>,
    #[serde(default)]
    attributes: Vec<MrAttribute>,
}

#[derive(Debug, Deserialize)]
struct MrSyntax {
    #[serde(default)]
    content: Option<String>,
    #[serde(rename = "return", default)]
    ret: Option<MrReturn>,
}

#[derive(Debug, Deserialize)]
struct MrReturn {
    #[serde(rename = "type")]
    type_uid: String,
}

#[derive(Debug, Deserialize)]
struct MrAttribute {
    #[serde(rename = "type")]
    type_uid: String,
    #[serde(default)]
    arguments: Vec<MrArgument>,
}

#[derive(Debug, Deserialize)]
struct MrArgument {
    #[serde(default)]
    value: Option<serde_norway::Value>,
}

const HEADER: &str = "### YamlMime:ManagedReference";

/// Parses a DocFX ManagedReference page. `file` is only used in error messages.
pub fn parse_type_page(file: &str, text: &str) -> Result<TypePage, DocError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("");
    if first.trim() != HEADER {
        return Err(DocError::new(
            file,
            1,
            format!("`{HEADER}` (a DocFX ManagedReference page)"),
            excerpt(first),
        ));
    }
    let doc: MrFile = serde_norway::from_str(text).map_err(|e| {
        DocError::new(
            file,
            e.location().map(|l| l.line()).unwrap_or(0),
            "a ManagedReference document with an `items:` list",
            e.to_string(),
        )
    })?;
    let line_of = |uid: &str| -> usize {
        let needle = format!("- uid: {uid}");
        text.lines()
            .position(|l| l.trim_end() == needle)
            .map(|i| i + 1)
            .unwrap_or(0)
    };
    let head = doc
        .items
        .first()
        .ok_or_else(|| DocError::new(file, 2, "at least one item under `items:`", "none"))?;
    let head_line = line_of(&head.uid);
    let name = head
        .name
        .clone()
        .unwrap_or_else(|| short_name(&head.uid).to_string());
    let summary = clean(head.summary.as_deref().unwrap_or(""));
    let content = head
        .syntax
        .as_ref()
        .and_then(|s| s.content.as_deref())
        .unwrap_or("");
    let kind = head.kind.as_deref().unwrap_or("");
    let is_enum = kind == "Enum"
        || (kind == "Class"
            && (content.contains(": Enum") || head.inheritance.iter().any(|b| b == "System.Enum")));
    let children = || {
        doc.items
            .iter()
            .skip(1)
            .filter(move |i| i.parent.as_deref() == Some(head.uid.as_str()))
    };

    let kind = if is_enum {
        let flags = content.contains("[Flags]")
            || head
                .attributes
                .iter()
                .any(|a| a.type_uid == "System.FlagsAttribute")
            || summary
                .to_ascii_lowercase()
                .contains("flag values that can be combined");
        let mut members: Vec<EnumMember> = Vec::new();
        let mut combos: Vec<(usize, Vec<String>)> = Vec::new();
        for item in children().filter(|i| i.kind.as_deref() == Some("Field")) {
            let mname = item
                .name
                .clone()
                .unwrap_or_else(|| short_name(&item.uid).into());
            if mname == "value__" {
                continue;
            }
            let line = line_of(&item.uid);
            let msummary = clean(item.summary.as_deref().unwrap_or(""));
            let from_summary: Option<i64> = msummary
                .split_once(':')
                .and_then(|(n, _)| n.trim().parse().ok());
            let mcontent = item
                .syntax
                .as_ref()
                .and_then(|s| s.content.as_deref())
                .unwrap_or("");
            let assignment = mcontent
                .lines()
                .map(str::trim)
                .rfind(|l| !l.is_empty())
                .and_then(|l| l.split_once('='))
                .map(|(_, rhs)| rhs.trim().to_string());
            let from_content: Option<i64> = assignment.as_deref().and_then(|r| r.parse().ok());
            let value = match (from_content, from_summary) {
                (Some(c), Some(s)) if c != s => {
                    return Err(DocError::new(
                        file,
                        line,
                        format!("the same value for `{mname}` in its declaration and its summary ({c})"),
                        format!("{s} in the summary"),
                    ))
                }
                (Some(v), _) | (None, Some(v)) => v,
                (None, None) => match assignment {
                    Some(rhs) if rhs.contains('|') => {
                        combos.push((
                            members.len(),
                            rhs.split('|').map(|s| s.trim().to_string()).collect(),
                        ));
                        0
                    }
                    _ => {
                        return Err(DocError::new(
                            file,
                            line,
                            format!("a value for enum member `{mname}` (`{mname} = N`, `{mname} = A | B` or a summary starting `N:`)"),
                            excerpt(mcontent),
                        ))
                    }
                },
            };
            members.push(EnumMember {
                name: mname,
                value,
                summary: msummary,
                line,
            });
        }
        for (idx, parts) in combos {
            let mut v = 0;
            for p in &parts {
                let m = members.iter().find(|m| &m.name == p).ok_or_else(|| {
                    DocError::new(
                        file,
                        members[idx].line,
                        format!("`{p}` to be a member of {name}"),
                        "no such member",
                    )
                })?;
                v |= m.value;
            }
            members[idx].value = v;
        }
        if members.is_empty() {
            return Err(DocError::new(
                file,
                head_line,
                format!("members of enum {name}"),
                "none",
            ));
        }
        TypeKind::Enum(EnumDef { flags, members })
    } else if matches!(kind, "Class" | "Struct" | "Interface") {
        let mut base = None;
        let mut dictionary = None;
        for b in &head.inheritance {
            match ClrType::parse(b) {
                Some(ClrType::Dictionary(k, v)) => dictionary = Some((*k, *v)),
                Some(ClrType::Named(uid)) => base = Some(uid),
                _ => {}
            }
        }
        let mut properties: Vec<ClrProperty> = Vec::new();
        for item in children().filter(|i| i.kind.as_deref() == Some("Property")) {
            let pname = item
                .name
                .clone()
                .unwrap_or_else(|| short_name(&item.uid).into());
            let line = line_of(&item.uid);
            let syntax = item.syntax.as_ref();
            let content = syntax.and_then(|s| s.content.as_deref()).unwrap_or("");
            let type_uid = syntax
                .and_then(|s| s.ret.as_ref())
                .map(|r| r.type_uid.as_str())
                .ok_or_else(|| {
                    DocError::new(
                        file,
                        line,
                        format!("`syntax.return.type` for property {pname}"),
                        "none",
                    )
                })?;
            let ty = ClrType::parse(type_uid).ok_or_else(|| {
                DocError::new(
                    file,
                    line,
                    format!("a supported .NET type for property {pname} (System primitives, SuperOffice types, Nullable, arrays, List, Dictionary)"),
                    excerpt(type_uid),
                )
            })?;
            let json_ignore = content.contains("[JsonIgnore]")
                || item.attributes.iter().any(|a| {
                    matches!(
                        a.type_uid.as_str(),
                        "Newtonsoft.Json.JsonIgnoreAttribute"
                            | "System.Text.Json.Serialization.JsonIgnoreAttribute"
                            | "System.Runtime.Serialization.IgnoreDataMemberAttribute"
                    )
                });
            let json_name = item
                .attributes
                .iter()
                .filter(|a| {
                    matches!(
                        a.type_uid.as_str(),
                        "Newtonsoft.Json.JsonPropertyAttribute"
                            | "System.Text.Json.Serialization.JsonPropertyNameAttribute"
                    )
                })
                .find_map(|a| {
                    a.arguments
                        .first()?
                        .value
                        .as_ref()?
                        .as_str()
                        .map(String::from)
                })
                .or_else(|| {
                    let rest = content.split("[JsonProperty(\"").nth(1)?;
                    rest.split('"').next().map(String::from)
                })
                .unwrap_or_else(|| pname.clone());
            properties.push(ClrProperty {
                uid: item.uid.clone(),
                name: pname,
                json_name,
                ty,
                json_ignore,
                wire_enum: None,
                summary: clean(item.summary.as_deref().unwrap_or("")),
                line,
            });
        }
        // `string Mask_String` with `[JsonProperty("Mask")]` is the wire form of the ignored
        // `ETableRight? Mask`.
        let ignored: Vec<(String, ClrType)> = properties
            .iter()
            .filter(|p| p.json_ignore)
            .map(|p| (p.name.clone(), p.ty.clone()))
            .collect();
        for p in properties
            .iter_mut()
            .filter(|p| !p.json_ignore && p.ty == ClrType::String)
        {
            p.wire_enum = ignored.iter().find_map(|(n, t)| {
                if *n != p.json_name {
                    return None;
                }
                match t {
                    ClrType::Named(e) => Some(e.clone()),
                    ClrType::Nullable(inner) => match inner.as_ref() {
                        ClrType::Named(e) => Some(e.clone()),
                        _ => None,
                    },
                    _ => None,
                }
            });
        }
        for (i, p) in properties.iter().enumerate() {
            if p.json_ignore {
                continue;
            }
            if let Some(q) = properties[..i]
                .iter()
                .find(|q| !q.json_ignore && q.json_name == p.json_name)
            {
                return Err(DocError::new(
                    file,
                    p.line,
                    format!(
                        "one property per JSON name (`{}` is already {} on line {})",
                        p.json_name, q.name, q.line
                    ),
                    format!("property {} with the same JSON name", p.name),
                ));
            }
        }
        let inherited = head
            .inherited_members
            .iter()
            .filter(|m| m.starts_with("SuperOffice.") && !m.contains('('))
            .cloned()
            .collect();
        TypeKind::Class(ClassDef {
            base,
            dictionary,
            properties,
            inherited,
        })
    } else {
        return Err(DocError::new(
            file,
            head_line,
            "a class or enum as the page's first item (`type: Class` or `type: Enum`)",
            format!("`type: {kind}`"),
        ));
    };
    Ok(TypePage {
        uid: head.uid.clone(),
        name,
        summary,
        line: head_line,
        kind,
    })
}

/// Trims each line, decodes the few HTML entities DocFX writes, drops blank edges.
fn clean(s: &str) -> String {
    let s = s
        .replace("\r\n", "\n")
        .replace("&apos;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    s.lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests;
