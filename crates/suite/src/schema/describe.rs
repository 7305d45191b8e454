//! Page model -> the page-level parts of an [`EndpointDescription`].

use crate::description::{
    HeaderDoc, HttpSample, PropertyDoc, QueryParameter, RequestBody, ResponseStatus,
};
use crate::docs::page::{Page, PropertyRow, SampleBlock};

/// The values written between backticks in a cell: `` `a`, `b` `` -> `["a", "b"]`.
pub fn backticked(cell: &str) -> Vec<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

/// The values written between single quotes: `'Basic', 'SoTicket'` -> `["Basic", "SoTicket"]`.
pub fn quoted(cell: &str) -> Vec<String> {
    cell.split('\'')
        .skip(1)
        .step_by(2)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty() && !s.contains(' '))
        .collect()
}

fn header_cell<'p>(page: &'p Page, name: &str) -> Option<&'p str> {
    page.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.description.as_str())
}

pub fn request_headers(page: &Page) -> Vec<HeaderDoc> {
    page.headers
        .iter()
        .map(|h| HeaderDoc {
            name: h.name.clone(),
            description: h.description.clone(),
        })
        .collect()
}

pub fn request_content_types(page: &Page) -> Vec<String> {
    header_cell(page, "Content-Type")
        .map(backticked)
        .unwrap_or_default()
}

pub fn accept_types(page: &Page) -> Vec<String> {
    header_cell(page, "Accept")
        .map(backticked)
        .unwrap_or_default()
}

pub fn auth_schemes(page: &Page) -> Vec<String> {
    header_cell(page, "Authorization")
        .map(quoted)
        .unwrap_or_default()
}

/// The header that authenticates without `Authorization` (the `X-XSRF-TOKEN` row).
pub fn xsrf_header(page: &Page) -> Option<String> {
    page.headers
        .iter()
        .find(|h| {
            h.name.to_ascii_uppercase().contains("XSRF")
                || h.description.contains("not using Authorization header")
        })
        .map(|h| h.name.clone())
}

pub fn query_parameters(page: &Page) -> Vec<QueryParameter> {
    page.query_parameters
        .iter()
        .map(|q| QueryParameter {
            name: q.name.clone(),
            type_name: q.type_name.clone(),
            required: q.required,
            description: q.description.clone(),
        })
        .collect()
}

pub fn property_docs(rows: &[PropertyRow]) -> Vec<PropertyDoc> {
    rows.iter()
        .map(|r| PropertyDoc {
            name: r.name.clone(),
            type_name: r.type_cell.clone(),
            description: r.description.clone(),
        })
        .collect()
}

pub fn request_body(page: &Page) -> Option<RequestBody> {
    page.request_body.as_ref().map(|rb| RequestBody {
        name: rb.name.clone(),
        properties: property_docs(&rb.properties),
    })
}

pub fn responses(page: &Page) -> Vec<ResponseStatus> {
    page.response
        .statuses
        .iter()
        .map(|s| ResponseStatus {
            status: s.status,
            description: s.description.clone(),
        })
        .collect()
}

pub fn sample(s: &Option<SampleBlock>) -> Option<HttpSample> {
    s.as_ref().map(|s| HttpSample {
        start_line: s.start_line.clone(),
        headers: s.headers.clone(),
        body: s.body.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_in_cells() {
        assert_eq!(
            backticked("Content-type of the request body: `application/json`, `text/json`"),
            vec!["application/json", "text/json"]
        );
        assert!(backticked("Content-type(s) you would like the response in:  ").is_empty());
        assert_eq!(
            quoted("Supports 'Basic', 'SoTicket' and 'Bearer' schemes, depending on installation type."),
            vec!["Basic", "SoTicket", "Bearer"]
        );
    }
}
