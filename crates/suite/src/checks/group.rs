//! Pure checks about a saved group: its key, where listings show it, the XML root and the
//! server's health after a request.

use super::excerpt;
use crate::cases::Listing;
use serde_json::Value;

/// A save that creates: the answer's key is a non-zero integer.
pub fn id_assigned(got_id: Option<i64>, raw: Option<&Value>) -> Result<(), String> {
    match got_id {
        Some(id) if id != 0 => Ok(()),
        Some(_) => Err("Id is 0: no primary key was assigned to the saved group".into()),
        None => Err(format!(
            "Id is missing or not an integer: {}",
            raw.map_or("absent".into(), excerpt)
        )),
    }
}

/// A save that updates: the answer names the group saved.
pub fn id_same(got_id: Option<i64>, saved: Option<i32>) -> Result<(), String> {
    match (got_id, saved) {
        (Some(g), Some(s)) if g == i64::from(s) => Ok(()),
        (g, s) => Err(format!(
            "saving group {} answered with Id {}",
            s.unwrap_or(0),
            g.map_or("none".into(), |g| g.to_string())
        )),
    }
}

/// An array answer holds group `id` (by `id_property`).
pub fn contains(got: &serde_json::Value, id_property: &str, id: Option<i32>) -> Result<(), String> {
    let Some(id) = id else {
        return Err("no group was made to look for".into());
    };
    let Some(items) = got.as_array() else {
        return Err(format!(
            "expected an array of carriers, got {}",
            super::excerpt(got)
        ));
    };
    let has = items
        .iter()
        .any(|g| g.get(id_property).and_then(serde_json::Value::as_i64) == Some(i64::from(id)));
    if has {
        Ok(())
    } else {
        Err(format!(
            "the answer ({} carriers) does not hold group {id}, which the request named",
            items.len()
        ))
    }
}

/// An array answer holds the group `id` and no group but those in `named` (the keys the
/// request sent): a list call answers what its keys name.
pub fn only(
    got: &serde_json::Value,
    id_property: &str,
    id: Option<i32>,
    named: &[i32],
) -> Result<(), String> {
    contains(got, id_property, id)?;
    let others: Vec<String> = got
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| g.get(id_property).and_then(serde_json::Value::as_i64))
        .filter(|g| !g.is_some_and(|g| named.iter().any(|n| i64::from(*n) == g)))
        .map(|g| {
            g.map_or("a carrier without an Id".to_string(), |g| {
                format!("group {g}")
            })
        })
        .collect();
    if others.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = others.iter().take(5).map(String::as_str).collect();
    Err(format!(
        "the answer holds {} carriers the keys sent ({}) did not name: {}{}",
        others.len(),
        named
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        shown.join(", "),
        if others.len() > shown.len() {
            ", ..."
        } else {
            ""
        }
    ))
}

/// `property` of the answer is at least `floor` (what a group that exists when the call
/// is made holds). A floor below 1 proves nothing against a default of 0: that is said,
/// not passed.
pub fn not_below(
    got: &serde_json::Value,
    property: &str,
    floor: Option<i64>,
) -> Result<(), NotBelow> {
    let floor = match floor {
        Some(f) if f >= 1 => f,
        _ => {
            return Err(NotBelow::Unknown(format!(
                "the setup group's {property} is not known to be above 0: the answer's {property} cannot be compared"
            )))
        }
    };
    match got.get(property).and_then(serde_json::Value::as_i64) {
        Some(v) if v >= floor => Ok(()),
        Some(v) => Err(NotBelow::Below(format!(
            "{property} is {v}, below the {floor} of a group that existed when the call was made"
        ))),
        None => Err(NotBelow::Below(format!(
            "{property} is missing or not an integer: {}",
            super::excerpt(got)
        ))),
    }
}

/// Why [`not_below`] did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotBelow {
    /// The answer is below the floor.
    Below(String),
    /// There is no floor to compare with.
    Unknown(String),
}

/// Whether the two listings (without and with deleted groups, `param` false and true)
/// show group `id` as `listing` says they should.
pub fn listed(
    param: &str,
    id: i32,
    found_plain: bool,
    found_with_deleted: bool,
    listing: Listing,
) -> Result<(), String> {
    let (want_plain, want_with_deleted) = match listing {
        Listing::Active => (true, true),
        Listing::Deleted => (false, true),
        // Removed or marked Deleted: either way not listed as active; with deleted ones,
        // either answer.
        Listing::Gone => (false, found_with_deleted),
    };
    let says = |found: bool| if found { "lists" } else { "does not list" };
    let mut errs = vec![];
    if found_plain != want_plain {
        errs.push(format!("{param}=false {} group {id}", says(found_plain)));
    }
    if found_with_deleted != want_with_deleted {
        errs.push(format!(
            "{param}=true {} group {id}",
            says(found_with_deleted)
        ));
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("; "))
    }
}

/// The root element of an XML answer is the carrier's name.
pub fn xml_root(root: &str, carrier: &str) -> Result<(), String> {
    if root == carrier {
        Ok(())
    } else {
        Err(format!(
            "XML root element is <{root}>, expected <{carrier}> (the carrier name)"
        ))
    }
}

/// After a request, a valid one is still answered below 500.
pub fn still_healthy(answer: Result<u16, String>) -> Result<(), String> {
    match answer {
        Ok(status) if status < 500 => Ok(()),
        Ok(status) => Err(format!(
            "after this request the server answers {status} to a valid request"
        )),
        Err(e) => Err(format!(
            "after this request the server no longer answers: {e}"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_named_groups() {
        use serde_json::json;
        let got = json!([{"Id": 5}, {"Id": 6}]);
        assert_eq!(super::only(&got, "Id", Some(5), &[5, 6]), Ok(()));
        let e = super::only(&got, "Id", Some(5), &[5]).expect_err("6 was not named");
        assert!(e.contains("group 6"), "{e}");
        assert!(super::only(&json!([{"Id": 6}]), "Id", Some(5), &[5]).is_err());
    }

    #[test]
    fn not_below_a_known_floor() {
        use super::NotBelow;
        use serde_json::json;
        assert_eq!(
            super::not_below(&json!({"Rank": 3}), "Rank", Some(2)),
            Ok(())
        );
        assert!(matches!(
            super::not_below(&json!({"Rank": 0}), "Rank", Some(1)),
            Err(NotBelow::Below(_))
        ));
        assert!(matches!(
            super::not_below(&json!({"Rank": 0}), "Rank", Some(0)),
            Err(NotBelow::Unknown(_))
        ));
    }

    use super::*;
    use serde_json::json;

    #[test]
    fn ids_and_listings() {
        assert!(id_assigned(Some(5), None).is_ok());
        assert!(id_assigned(Some(0), None).is_err());
        assert_eq!(
            id_assigned(None, Some(&json!("7"))),
            Err("Id is missing or not an integer: \"7\"".into())
        );
        assert!(id_same(Some(5), Some(5)).is_ok());
        assert_eq!(
            id_same(Some(6), Some(5)),
            Err("saving group 5 answered with Id 6".into())
        );
        assert!(listed("IncludeDeleted", 3, true, true, Listing::Active).is_ok());
        assert!(listed("IncludeDeleted", 3, false, true, Listing::Deleted).is_ok());
        assert_eq!(
            listed("IncludeDeleted", 3, true, false, Listing::Deleted),
            Err(
                "IncludeDeleted=false lists group 3; IncludeDeleted=true does not list group 3"
                    .into()
            )
        );
        assert!(xml_root("UserGroup", "UserGroup").is_ok());
        assert!(xml_root("userGroup", "UserGroup").is_err());
        assert!(still_healthy(Ok(404)).is_ok());
        assert!(still_healthy(Ok(500)).is_err());
        assert!(still_healthy(Err("reset".into())).is_err());
    }
}
