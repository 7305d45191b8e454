//! The parts of a reference page below its section headings: tables, their rows, the
//! response section and the sample blocks.

use super::*;

pub(super) fn expect_no_blocks(
    file: &str,
    body: &[&Block],
    expected: &str,
) -> Result<(), DocError> {
    match body.first() {
        Some(b) => Err(DocError::new(file, b.line(), expected, b.describe())),
        None => Ok(()),
    }
}

pub(super) fn expect_header(
    file: &str,
    line: usize,
    got: &[String],
    want: &[&str],
) -> Result<(), DocError> {
    let ok = got.len() == want.len() && got.iter().zip(want).all(|(g, w)| norm(g) == norm(w));
    if ok {
        Ok(())
    } else {
        Err(DocError::new(
            file,
            line,
            format!("the table header `| {} |`", want.join(" | ")),
            excerpt(&format!("| {} |", got.join(" | "))),
        ))
    }
}

pub(super) fn cells<const N: usize>(
    file: &str,
    r: &TableRow,
    shape: &str,
) -> Result<[String; N], DocError> {
    <[String; N]>::try_from(r.cells.clone()).map_err(|c: Vec<String>| {
        DocError::new(
            file,
            r.line,
            format!("a row of {N} cells `{shape}`"),
            format!(
                "{} cells: {}",
                c.len(),
                excerpt(&format!("| {} |", c.join(" | ")))
            ),
        )
    })
}

pub(super) fn is_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
}

pub(super) fn query_rows(file: &str, rows: &[TableRow]) -> Result<Vec<QueryRow>, DocError> {
    let mut out = Vec::new();
    for r in rows {
        let [name, type_name, description] =
            cells::<3>(file, r, "| Parameter Name | Type | Description |")?;
        if !is_name(&name) {
            return Err(DocError::new(
                file,
                r.line,
                "a parameter name in the first cell",
                excerpt(&name),
            ));
        }
        if type_name.is_empty() {
            return Err(DocError::new(
                file,
                r.line,
                format!("a type for query parameter `{name}`"),
                "a blank type cell",
            ));
        }
        let (required, description) = match description.strip_prefix("**Required**") {
            Some(rest) => (true, rest.trim().to_string()),
            None => (false, description),
        };
        out.push(QueryRow {
            name,
            type_name,
            required,
            description,
            line: r.line,
        });
    }
    Ok(out)
}

pub(super) fn property_rows(file: &str, rows: &[TableRow]) -> Result<Vec<PropertyRow>, DocError> {
    let mut out: Vec<PropertyRow> = Vec::new();
    for r in rows {
        let [name, type_cell, description] =
            cells::<3>(file, r, "| Property Name | Type | Description |")?;
        if !is_name(&name) {
            return Err(DocError::new(
                file,
                r.line,
                "a property name in the first cell",
                if name.is_empty() {
                    "a blank cell".to_string()
                } else {
                    excerpt(&name)
                },
            ));
        }
        if let Some(prev) = out.iter().find(|p| p.name == name) {
            return Err(DocError::new(
                file,
                r.line,
                format!(
                    "each property once (`{name}` is already on line {})",
                    prev.line
                ),
                format!("a second `{name}` row"),
            ));
        }
        out.push(PropertyRow {
            name,
            type_cell: Some(type_cell).filter(|t| !t.is_empty()),
            description,
            line: r.line,
        });
    }
    Ok(out)
}

pub(super) fn response_section(
    file: &str,
    line: usize,
    heading_type: &str,
    body: &[&Block],
) -> Result<ResponseSection, DocError> {
    let mut rs = ResponseSection {
        heading_type: Some(heading_type.to_string()).filter(|t| !t.is_empty()),
        description: Vec::new(),
        statuses: Vec::new(),
        body_type: None,
        body_line: 0,
        properties: Vec::new(),
        line,
    };
    // 0: description, 1: after the status table, 2: after `Response body:`, 3: after its table
    let mut state = 0;
    for b in body {
        let marker = match b {
            Block::Heading { level: 3, text, .. } => after_label(text, "response body"),
            Block::Paragraph { lines, .. } if lines.len() == 1 => {
                after_label(&lines[0], "response body").filter(|_| lines[0].contains(':'))
            }
            _ => None,
        };
        match (state, b, marker) {
            (0, Block::Paragraph { lines, .. }, None) => rs.description.push(lines.join("\n")),
            (0, Block::Table { header, rows, line }, None)
                if norm(&header.join("|")) == "response|description" =>
            {
                for r in rows {
                    let [status, description] = cells::<2>(file, r, "| Response | Description |")?;
                    let code: u16 = status
                        .parse()
                        .ok()
                        .filter(|c| (100..=599).contains(c))
                        .ok_or_else(|| {
                            DocError::new(
                                file,
                                r.line,
                                "an HTTP status code (100-599) in the first cell",
                                excerpt(&status),
                            )
                        })?;
                    rs.statuses.push(StatusRow {
                        status: code,
                        description,
                        line: r.line,
                    });
                }
                if rs.statuses.is_empty() {
                    return Err(DocError::new(
                        file,
                        *line,
                        "at least one status row in the response table",
                        "none",
                    ));
                }
                state = 1;
            }
            (1, _, Some(t)) => {
                rs.body_type = Some(t.to_string()).filter(|t| !t.is_empty());
                rs.body_line = b.line();
                state = 2;
            }
            (2, Block::Table { header, rows, line }, None) => {
                expect_header(
                    file,
                    *line,
                    header,
                    &["Property Name", "Type", "Description"],
                )?;
                rs.properties = property_rows(file, rows)?;
                state = 3;
            }
            (s, b, _) => {
                let expected = match s {
                    0 => "the response description or the status table `| Response | Description |`",
                    1 => "a `Response body: <type>` line (or `### Response body: <type>`) or the next `##` section",
                    2 => "the response-body table `| Property Name | Type | Description |` or the next `##` section",
                    _ => "the next `##` section",
                };
                return Err(DocError::new(file, b.line(), expected, b.describe()));
            }
        }
    }
    if rs.statuses.is_empty() {
        return Err(DocError::new(
            file,
            line,
            "a status table `| Response | Description |` in the response section",
            "none",
        ));
    }
    Ok(rs)
}

pub(super) fn sample_section(
    file: &str,
    line: usize,
    body: &[&Block],
    is_request: bool,
) -> Result<Option<SampleBlock>, DocError> {
    let (want_info, what) = if is_request {
        ("http!", "request")
    } else {
        ("http_", "response")
    };
    let expected = format!("a sample {what} block (```{want_info}) or an `[!include[...]]` line");
    let sample = match body.first() {
        None => None,
        Some(Block::Paragraph { lines, .. })
            if lines.len() == 1 && lines[0].starts_with("[!include[") =>
        {
            None
        }
        Some(Block::Fence { info, lines, line }) if info == want_info || info == "http" => {
            Some(sample_block(file, *line, lines, is_request)?)
        }
        Some(b) => return Err(DocError::new(file, b.line(), expected, b.describe())),
    };
    if sample.is_none() && body.is_empty() {
        return Err(DocError::new(file, line, expected, "an empty section"));
    }
    expect_no_blocks(file, body.get(1..).unwrap_or(&[]), "the next `##` section")?;
    Ok(sample)
}

pub(super) fn sample_block(
    file: &str,
    fence_line: usize,
    lines: &[String],
    is_request: bool,
) -> Result<SampleBlock, DocError> {
    let start = lines
        .iter()
        .position(|l| !l.trim().is_empty())
        .ok_or_else(|| {
            DocError::new(
                file,
                fence_line,
                "a sample HTTP message in the block",
                "an empty block",
            )
        })?;
    let start_line = lines[start].trim().to_string();
    let ok = if is_request {
        METHODS.contains(&start_line.split_whitespace().next().unwrap_or(""))
    } else {
        start_line.starts_with("HTTP/")
    };
    if !ok {
        return Err(DocError::new(
            file,
            fence_line + 1 + start,
            if is_request {
                "a request line `<METHOD> <path>`"
            } else {
                "a status line `HTTP/1.1 <code> <reason>`"
            },
            excerpt(&start_line),
        ));
    }
    let mut headers = Vec::new();
    let mut k = start + 1;
    while k < lines.len() && !lines[k].trim().is_empty() {
        let (n, v) = lines[k].split_once(':').ok_or_else(|| {
            DocError::new(
                file,
                fence_line + 1 + k,
                "a header line `Name: value` (or a blank line before the body)",
                excerpt(&lines[k]),
            )
        })?;
        headers.push((n.trim().to_string(), v.trim().to_string()));
        k += 1;
    }
    let rest: Vec<&str> = lines[k.min(lines.len())..]
        .iter()
        .map(String::as_str)
        .collect();
    let body = rest.join("\n").trim().to_string();
    Ok(SampleBlock {
        start_line,
        headers,
        body: Some(body).filter(|b| !b.is_empty()),
        line: fence_line,
    })
}
