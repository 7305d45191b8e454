//! Clean profiles: correct servers that choose differently where the docs are silent.
//! The suite must pass every one of them; one that fails has encoded a choice the docs do
//! not make. `soconform serve --profile NAME` serves one, and `soconform selftest` runs the
//! suite against each.

use crate::operation::AgentRequest;
use crate::request::SaveRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// The reference server's own choices (the README's decisions table).
    #[default]
    Reference,
    /// Text columns that cannot hold null: a string saved as `null` (or a new group's
    /// string not sent) is stored, and answered, as `""`. No page says a null string
    /// survives a save.
    EmptyStrings,
}

impl Profile {
    pub const ALL: [Profile; 2] = [Profile::Reference, Profile::EmptyStrings];

    pub fn id(self) -> &'static str {
        match self {
            Profile::Reference => "reference",
            Profile::EmptyStrings => "empty_strings",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Profile::Reference => "the reference server's own choices",
            Profile::EmptyStrings => {
                "text columns cannot hold null: strings saved as null are stored as \"\""
            }
        }
    }

    pub fn from_id(id: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The typed request as this profile's store takes it (between decoding and the store).
    pub fn store_form(self, request: AgentRequest) -> AgentRequest {
        match (self, request) {
            (
                Profile::EmptyStrings,
                AgentRequest::Save(SaveRequest {
                    user_group: Some(mut input),
                }),
            ) => {
                let creates = input.id.is_none_or(|id| id == 0);
                for s in [&mut input.value, &mut input.tooltip] {
                    match s {
                        Some(None) => *s = Some(Some(String::new())),
                        None if creates => *s = Some(Some(String::new())),
                        _ => {}
                    }
                }
                AgentRequest::Save(SaveRequest {
                    user_group: Some(input),
                })
            }
            (_, request) => request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::carrier::UserGroupInput;

    #[test]
    fn empty_strings_store_null_as_empty() {
        let input = UserGroupInput {
            id: Some(0),
            value: Some(Some("a".into())),
            tooltip: Some(None),
            rank: None,
            deleted: None,
        };
        let req = AgentRequest::Save(SaveRequest {
            user_group: Some(input.clone()),
        });
        let AgentRequest::Save(SaveRequest {
            user_group: Some(got),
        }) = Profile::EmptyStrings.store_form(req.clone())
        else {
            panic!("a save stays a save");
        };
        assert_eq!(got.tooltip, Some(Some(String::new())));
        assert_eq!(got.value, Some(Some("a".into())));
        assert_eq!(Profile::Reference.store_form(req.clone()), req);
        for p in Profile::ALL {
            assert_eq!(Profile::from_id(p.id()), Some(p));
        }
    }
}
