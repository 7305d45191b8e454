//! A small line-based markdown tokenizer, just enough for generated reference pages:
//! headings, fenced blocks, pipe tables and paragraphs, each with its 1-based line.

use super::{excerpt, DocError};

/// One block of a markdown body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// `## Text` (text trimmed, trailing spaces included in the source are dropped).
    Heading {
        level: usize,
        text: String,
        line: usize,
    },
    /// A fenced block: ```` ```info ```` ... ```` ``` ````.
    Fence {
        info: String,
        lines: Vec<String>,
        line: usize,
    },
    /// A pipe table: header cells, then the data rows (the separator row is checked and
    /// dropped). Cells are trimmed and unescaped (`\|` -> `|`).
    Table {
        header: Vec<String>,
        rows: Vec<TableRow>,
        line: usize,
    },
    /// Consecutive non-blank lines that are none of the above (each line trimmed).
    Paragraph { lines: Vec<String>, line: usize },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRow {
    pub cells: Vec<String>,
    pub line: usize,
}

impl Block {
    pub fn line(&self) -> usize {
        match self {
            Block::Heading { line, .. }
            | Block::Fence { line, .. }
            | Block::Table { line, .. }
            | Block::Paragraph { line, .. } => *line,
        }
    }

    /// A short human description, for "found ..." in error messages.
    pub fn describe(&self) -> String {
        match self {
            Block::Heading { level, text, .. } => {
                format!(
                    "heading {}",
                    excerpt(&format!("{} {text}", "#".repeat(*level)))
                )
            }
            Block::Fence { info, .. } => format!("fenced block {}", excerpt(&format!("```{info}"))),
            Block::Table { header, .. } => {
                format!("table {}", excerpt(&format!("| {} |", header.join(" | "))))
            }
            Block::Paragraph { lines, .. } => {
                format!(
                    "text {}",
                    excerpt(lines.first().map(String::as_str).unwrap_or(""))
                )
            }
        }
    }
}

/// Splits `text` (starting at 1-based line `first_line`) into blocks.
pub fn blocks(file: &str, lines: &[&str], first_line: usize) -> Result<Vec<Block>, DocError> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let raw = lines[i];
        let line_no = first_line + i;
        let t = raw.trim();
        if t.is_empty() {
            i += 1;
            continue;
        }
        if let Some(info) = t.strip_prefix("```") {
            let mut body = Vec::new();
            let mut j = i + 1;
            let mut closed = false;
            while j < lines.len() {
                if lines[j].trim() == "```" {
                    closed = true;
                    break;
                }
                body.push(lines[j].trim_end().to_string());
                j += 1;
            }
            if !closed {
                return Err(DocError::new(
                    file,
                    line_no,
                    format!("a closing ``` for the fenced block opened at line {line_no}"),
                    "the end of the file",
                ));
            }
            out.push(Block::Fence {
                info: info.trim().to_string(),
                lines: body,
                line: line_no,
            });
            i = j + 1;
            continue;
        }
        if let Some((level, text)) = heading(t) {
            out.push(Block::Heading {
                level,
                text,
                line: line_no,
            });
            i += 1;
            continue;
        }
        if t.starts_with('|') {
            let mut j = i;
            let mut rows = Vec::new();
            while j < lines.len() && lines[j].trim().starts_with('|') {
                rows.push((first_line + j, split_row(lines[j].trim())));
                j += 1;
            }
            let (hline, header) = rows.remove(0);
            if rows.is_empty() || !is_separator(&rows[0].1) {
                let found = if rows.is_empty() {
                    "no further table line".to_string()
                } else {
                    excerpt(lines[i + 1])
                };
                return Err(DocError::new(
                    file,
                    hline + 1,
                    "a table separator row such as `|------|------|`",
                    found,
                ));
            }
            rows.remove(0);
            out.push(Block::Table {
                header,
                rows: rows
                    .into_iter()
                    .map(|(line, cells)| TableRow { cells, line })
                    .collect(),
                line: hline,
            });
            i = j;
            continue;
        }
        let mut para = Vec::new();
        let mut j = i;
        while j < lines.len() {
            let t = lines[j].trim();
            if t.is_empty() || t.starts_with("```") || t.starts_with('|') || heading(t).is_some() {
                break;
            }
            para.push(t.to_string());
            j += 1;
        }
        out.push(Block::Paragraph {
            lines: para,
            line: line_no,
        });
        i = j;
    }
    Ok(out)
}

/// `## Text` -> (2, "Text"). A `#` run must be followed by a space (or end the line).
fn heading(t: &str) -> Option<(usize, String)> {
    let level = t.chars().take_while(|&c| c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &t[level..];
    if !rest.is_empty() && !rest.starts_with(' ') && !rest.starts_with('\t') {
        return None;
    }
    Some((level, rest.trim().to_string()))
}

/// Splits `| a | b \| c |` into `["a", "b | c"]`. Leading and trailing pipes are optional.
pub fn split_row(t: &str) -> Vec<String> {
    let t = t.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") {
        &t[..t.len() - 1]
    } else {
        t
    };
    let mut cells = Vec::new();
    let mut cur = String::new();
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cur.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cur).trim().to_string()),
            _ => cur.push(c),
        }
    }
    cells.push(cur.trim().to_string());
    cells
}

fn is_separator(cells: &[String]) -> bool {
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            let c = c.strip_prefix(':').unwrap_or(c);
            let c = c.strip_suffix(':').unwrap_or(c);
            !c.is_empty() && c.chars().all(|ch| ch == '-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex(s: &str) -> Vec<Block> {
        let lines: Vec<&str> = s.lines().collect();
        blocks("t.md", &lines, 1).expect("lexes")
    }

    #[test]
    fn splits_cells_with_escapes_and_blank_cells() {
        assert_eq!(split_row("| a | b \\| c |  |"), vec!["a", "b | c", ""]);
        assert_eq!(split_row("|a|b"), vec!["a", "b"]);
    }

    #[test]
    fn tokenizes_headings_tables_fences_paragraphs() {
        let b = lex(
            "## Response: \n\nOK\nmore\n\n| A | B |\n|---|:--|\n| 1 | 2 |\n\n```http\nPOST /x\n```",
        );
        assert_eq!(b.len(), 4);
        assert_eq!(
            b[0],
            Block::Heading {
                level: 2,
                text: "Response:".into(),
                line: 1
            }
        );
        assert_eq!(
            b[1],
            Block::Paragraph {
                lines: vec!["OK".into(), "more".into()],
                line: 3
            }
        );
        match &b[2] {
            Block::Table { header, rows, line } => {
                assert_eq!(header, &vec!["A".to_string(), "B".to_string()]);
                assert_eq!(rows[0].cells, vec!["1", "2"]);
                assert_eq!(rows[0].line, 8);
                assert_eq!(*line, 6);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            b[3],
            Block::Fence {
                info: "http".into(),
                lines: vec!["POST /x".into()],
                line: 10
            }
        );
    }

    #[test]
    fn unterminated_fence_and_missing_separator_are_errors() {
        let lines: Vec<&str> = "text\n```http\nPOST /x".lines().collect();
        let e = blocks("f.md", &lines, 1).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.expected.contains("closing ```"), "{e}");
        let lines: Vec<&str> = "| A | B |\n| 1 | 2 |".lines().collect();
        let e = blocks("f.md", &lines, 5).unwrap_err();
        assert_eq!(e.line, 6);
        assert!(
            e.to_string()
                .starts_with("f.md:6: expected a table separator"),
            "{e}"
        );
    }

    #[test]
    fn hash_without_space_is_text() {
        let b = lex("#hashtag");
        assert!(matches!(b[0], Block::Paragraph { .. }));
    }
}
