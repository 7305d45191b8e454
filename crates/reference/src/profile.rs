//! Clean profiles: correct servers that choose differently where the docs are silent.
//! The suite must pass every one of them; one that fails has encoded a choice the docs do
//! not make. `soconform serve --profile NAME` serves one, and `soconform selftest` runs the
//! suite against each.

use crate::body::{Decoded, Source};
use crate::error::ApiError;
use crate::operation::{AgentRequest, Operation};
use crate::request::SaveRequest;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Profile {
    /// The reference server's own choices (the README's decisions table).
    #[default]
    Reference,
    /// Text columns that cannot hold null: a string saved as `null` (or a new group's
    /// string not sent) is stored, and answered, as `""`. No page says a null string
    /// survives a save.
    EmptyStrings,
    /// A JSON reader as lenient as Newtonsoft.Json's (the .NET client's and, by its error
    /// wording, the product's): comments, trailing commas, single quotes, integers as
    /// strings, numbers for strings and booleans. RFC 8259 forbids the syntax; no page
    /// says a server must refuse it.
    LenientJson,
    /// Error and 401 bodies shaped as the product's (`{"Error": true, "ErrorType": ...,
    /// "ErrorMessage" or "Message": ..., "ErrorSource": ...}`), and no `WWW-Authenticate`
    /// challenge (no page mentions one).
    ProductErrors,
    /// Refuses (400) what no page promises is accepted: a request body that is JSON
    /// `null`, and a negative primary key (`Id`, `userGroupId`, the keys of a list). What
    /// the OpenAPI export leaves out, so a tool generating from it never meets a refusal.
    StrictInput,
    /// XML as a DataContractSerializer stack reads and writes it: an XML request object
    /// only in the contract form (root the method's name in the contract namespace, members
    /// in contract order), a list of keys only as `ArrayOfint` (any other list binds as no
    /// keys), XML answers with that namespace, `i:nil` and `a:KeyValueOf` pairs.
    DataContract,
}

impl Profile {
    pub const ALL: [Profile; 6] = [
        Profile::Reference,
        Profile::EmptyStrings,
        Profile::LenientJson,
        Profile::ProductErrors,
        Profile::DataContract,
        Profile::StrictInput,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Profile::Reference => "reference",
            Profile::EmptyStrings => "empty_strings",
            Profile::LenientJson => "lenient_json",
            Profile::ProductErrors => "product_errors",
            Profile::DataContract => "data_contract",
            Profile::StrictInput => "strict_input",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Profile::Reference => "the reference server's own choices",
            Profile::EmptyStrings => {
                "text columns cannot hold null: strings saved as null are stored as \"\""
            }
            Profile::LenientJson => {
                "a JSON reader as lenient as Newtonsoft.Json's: comments, trailing commas, single quotes, \"22\" for 22, numbers for strings and booleans"
            }
            Profile::ProductErrors => {
                "error and 401 bodies shaped as the product's ({Error, ErrorType, ErrorMessage, ErrorSource}), no WWW-Authenticate"
            }
            Profile::StrictInput => {
                "refuses with 400 what no page promises is accepted: a null request body, a negative primary key"
            }
            Profile::DataContract => {
                "XML as DataContractSerializer reads and writes it: request objects only in the contract form (root the method, contract namespace and order), keys only as ArrayOfint (another list binds as none), answers with xmlns, i:nil and a:KeyValueOf pairs"
            }
        }
    }

    /// Whether JSON bodies are read with Newtonsoft's syntax leniency.
    pub fn relaxes_json(self) -> bool {
        self == Profile::LenientJson
    }

    /// The decoded request as this profile's JSON reader binds it: with `LenientJson`,
    /// the conversions Newtonsoft makes for each property's type.
    pub fn bend_decoded(self, op: Operation, mut decoded: Decoded) -> Decoded {
        if self != Profile::LenientJson || decoded.source != Source::Json {
            return decoded;
        }
        let (ints, strings, bools) = (["Id", "Rank"], ["Value", "Tooltip"], ["Deleted"]);
        if let Some(Value::Object(map)) = decoded.value.as_mut() {
            match op {
                Operation::GetAllUserGroups => {
                    crate::lenient::coerce(map, &[], &[], &["IncludeDeleted"])
                }
                Operation::DeleteUserGroup => crate::lenient::coerce(
                    map,
                    &["UserGroupToDelete", "UserGroupToMoveTo"],
                    &[],
                    &[],
                ),
                _ => {
                    // The wrapped carrier, or a bare one.
                    for (k, v) in map.iter_mut() {
                        if let (true, Value::Object(inner)) =
                            (k.eq_ignore_ascii_case("UserGroup"), v)
                        {
                            crate::lenient::coerce(inner, &ints, &strings, &bools);
                        }
                    }
                    crate::lenient::coerce(map, &ints, &strings, &bools);
                }
            }
        }
        decoded
    }

    /// An XML body, when this profile reads it its own way (`DataContract`); `None`
    /// leaves it to the reference reader.
    /// `method` is the call's name (the contract root of a request object); `keys` says
    /// the body is a list of keys (`int[]`).
    pub fn read_contract(
        self,
        method: &str,
        keys: bool,
        headers: &axum::http::HeaderMap,
        bytes: &[u8],
    ) -> Option<Result<Decoded, ApiError>> {
        // The reference reader's own notion of an XML body (`application/xml`, `text/xml`).
        let xml = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::negotiate::body_type(v).ok())
            == Some(crate::negotiate::BodyType::Xml);
        if self != Profile::DataContract || !xml {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        if text.trim().is_empty() {
            return None;
        }
        let read = match keys {
            true => crate::data_contract::read_int_array(text),
            false => crate::data_contract::read_request(method, text),
        };
        Some(read.map(|v| Decoded {
            value: Some(v),
            source: Source::Text,
        }))
    }

    /// A key refused where this profile refuses it (`StrictInput`: a negative one).
    pub fn screen_key(self, key: i64) -> Result<(), ApiError> {
        if self == Profile::StrictInput && key < 0 {
            return Err(ApiError::bad_request(
                "The request is invalid: a primary key is negative.",
            ));
        }
        Ok(())
    }

    /// The decoded body refused where this profile refuses it (`StrictInput`: JSON `null`).
    pub fn screen_body(self, decoded: &Decoded) -> Result<(), ApiError> {
        if self == Profile::StrictInput
            && decoded.source == Source::Json
            && decoded.value == Some(Value::Null)
        {
            return Err(ApiError::bad_request(
                "The request is invalid: the body is null.",
            ));
        }
        Ok(())
    }

    /// An answer as this profile writes it (`DataContract`: XML in the contract shape).
    pub fn render(self, content_type: &'static str, value: &Value) -> Response {
        self.render_as("UserGroup", content_type, value)
    }

    /// [`Profile::render`] of an answer whose XML element is `item`.
    pub fn render_as(self, item: &str, content_type: &'static str, value: &Value) -> Response {
        if self != Profile::DataContract || !content_type.ends_with("/xml") {
            return crate::operation::render_as(item, content_type, value);
        }
        let mut res = crate::data_contract::write_as(item, value).into_response();
        if let Ok(v) = header::HeaderValue::from_str(&format!("{content_type}; charset=utf-8")) {
            res.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        res
    }

    /// An error as this profile answers it.
    pub fn error_response(self, mut e: ApiError) -> Response {
        if self != Profile::ProductErrors {
            return e.into_response();
        }
        e.headers
            .retain(|(name, _)| name != header::WWW_AUTHENTICATE);
        let text = format!("{} {}", e.message, e.detail);
        // The 401 a browser-less client gets (SDK docs screenshot) says `Message`; the
        // REST error body documented elsewhere says `ErrorMessage`.
        let body = if e.status.as_u16() == 401 {
            json!({"Error": true, "ErrorType": "ArgumentException", "Message": text, "ErrorSource": "SuperOffice.Services.WebApi"})
        } else {
            json!({"Error": true, "ErrorType": "ArgumentException", "ErrorMessage": text, "ErrorSource": "SuperOffice.Services.WebApi"})
        };
        e.with_body(body).into_response()
    }

    pub fn from_id(id: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.id() == id)
    }

    /// The typed request as this profile's store takes it (between decoding and the
    /// store), or its refusal (`StrictInput`: a negative primary key).
    pub fn store_form(self, request: AgentRequest) -> Result<AgentRequest, ApiError> {
        // The lowest key the request names: the one a key screen looks at.
        let lowest = match &request {
            AgentRequest::Save(SaveRequest {
                user_group: Some(input),
            }) => input.id,
            AgentRequest::Get { id } => Some(*id),
            AgentRequest::GetList { ids } => ids.iter().min().copied(),
            _ => None,
        };
        if let Some(key) = lowest {
            self.screen_key(i64::from(key))?;
        }
        Ok(self.transform(request))
    }

    fn transform(self, request: AgentRequest) -> AgentRequest {
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
        }) = Profile::EmptyStrings
            .store_form(req.clone())
            .expect("admitted")
        else {
            panic!("a save stays a save");
        };
        assert_eq!(got.tooltip, Some(Some(String::new())));
        assert_eq!(got.value, Some(Some("a".into())));
        assert_eq!(Profile::Reference.store_form(req.clone()), Ok(req));
        for p in Profile::ALL {
            assert_eq!(Profile::from_id(p.id()), Some(p));
        }
    }

    #[test]
    fn strict_input_refuses_what_no_page_promises() {
        let p = Profile::StrictInput;
        let negative = AgentRequest::GetList { ids: vec![3, -1] };
        assert!(p.store_form(negative.clone()).is_err());
        assert!(Profile::Reference.store_form(negative).is_ok());
        let save = |id| {
            AgentRequest::Save(SaveRequest {
                user_group: Some(UserGroupInput {
                    id: Some(id),
                    value: None,
                    tooltip: None,
                    rank: None,
                    deleted: None,
                }),
            })
        };
        assert!(p.store_form(save(-2147483647)).is_err());
        assert!(p.store_form(save(0)).is_ok());
        // A null carrier is the page's own sample; a null body is not.
        assert!(p
            .store_form(AgentRequest::Save(SaveRequest { user_group: None }))
            .is_ok());
        let null_body = Decoded {
            value: Some(Value::Null),
            source: Source::Json,
        };
        assert!(p.screen_body(&null_body).is_err());
        assert!(Profile::Reference.screen_body(&null_body).is_ok());
    }

    #[test]
    fn product_errors_have_the_products_shape_and_no_challenge() {
        let e = ApiError::new(axum::http::StatusCode::UNAUTHORIZED, "Unauthorized", "no")
            .with_header(header::WWW_AUTHENTICATE, "Basic");
        let res = Profile::ProductErrors.error_response(e.clone());
        assert!(res.headers().get(header::WWW_AUTHENTICATE).is_none());
        let res = Profile::Reference.error_response(e);
        assert!(res.headers().get(header::WWW_AUTHENTICATE).is_some());
    }

    #[test]
    fn lenient_json_binds_as_newtonsoft() {
        let d = Decoded {
            value: Some(json!({"UserGroup": {"Id": "22", "Deleted": 0, "Value": 7}})),
            source: Source::Json,
        };
        let got = Profile::LenientJson.bend_decoded(Operation::SaveUserGroup, d.clone());
        assert_eq!(
            got.value,
            Some(json!({"UserGroup": {"Id": 22, "Deleted": false, "Value": "7"}}))
        );
        assert_eq!(
            Profile::Reference.bend_decoded(Operation::SaveUserGroup, d.clone()),
            d
        );
    }

    #[test]
    fn data_contract_reads_xml_itself_and_leaves_the_rest() {
        let headers = |ct: &str| {
            let mut h = axum::http::HeaderMap::new();
            h.insert(header::CONTENT_TYPE, ct.parse().expect("header"));
            h
        };
        let p = Profile::DataContract;
        let plain = b"<request><UserGroup><Value>a</Value></UserGroup></request>";
        let refused = p.read_contract(
            "SaveUserGroup",
            false,
            &headers("text/xml; charset=utf-8"),
            plain,
        );
        assert!(matches!(refused, Some(Err(e)) if e.status.as_u16() == 400));
        let contract = format!(
            "<SaveUserGroup xmlns=\"{}\"><UserGroup><Value>a</Value></UserGroup></SaveUserGroup>",
            crate::data_contract::NS
        );
        let read = p.read_contract(
            "SaveUserGroup",
            false,
            &headers("application/xml"),
            contract.as_bytes(),
        );
        assert!(matches!(read, Some(Ok(_))));
        // Every call's XML request object is read the same way.
        let other = p.read_contract("GetAllUserGroups", false, &headers("text/xml"), plain);
        assert!(matches!(other, Some(Err(e)) if e.status.as_u16() == 400));
        // A list of keys binds only as ArrayOfint; another list is no keys.
        let list = p.read_contract(
            "GetUserGroupList",
            true,
            &headers("application/xml"),
            b"<userGroupIds><item>7</item></userGroupIds>",
        );
        assert!(matches!(list, Some(Ok(d)) if d.value == Some(json!([]))));
        // JSON and other profiles keep the reference reader.
        assert!(p
            .read_contract("SaveUserGroup", false, &headers("application/json"), b"{}")
            .is_none());
        assert!(Profile::Reference
            .read_contract("SaveUserGroup", false, &headers("application/xml"), plain)
            .is_none());
    }
}
