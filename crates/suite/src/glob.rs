//! The one wildcard the settings take (`*`: any run of characters), for waiver patterns
//! and endpoint selections alike.

/// Whether `text` matches `pattern`, where `*` stands for any run of characters.
pub fn matches(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn stars() {
        assert!(matches("v1ContactAgent_*", "v1ContactAgent_GetContact"));
        assert!(!matches("v1ContactAgent_*", "v1PersonAgent_GetPerson"));
        assert!(matches("*UserGroup*", "v1UserAgent_GetUserGroupList"));
        assert!(matches("exact", "exact") && !matches("exact", "exactly"));
        assert!(!matches("a*b*c", "acb"));
    }
}
