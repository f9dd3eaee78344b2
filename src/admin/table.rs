//! The shape of the admin route table: what the router mounts and the API description tells.

use actix_web::http::Method;
use serde::Deserialize;

/// One admin path, as mounted and as the API description tells it.
pub(crate) struct AdminPath {
    pub path: &'static str,
    pub ops: &'static [AdminOp],
}

pub(crate) struct AdminOp {
    pub method: &'static str,
    pub(super) route: fn() -> actix_web::Route,
    pub summary: &'static str,
    /// Query parameters it takes (any other is refused): the fields of its query struct.
    pub query: fn() -> &'static [&'static str],
    pub body: Option<AdminBody>,
    /// The statuses it answers with, besides the ones every admin path may give.
    pub answers: &'static [u16],
    /// The success answer's media type.
    pub media: &'static str,
}

impl AdminOp {
    pub(crate) fn method(&self) -> Method {
        Method::from_bytes(self.method.as_bytes()).expect("the table names HTTP methods")
    }
}

/// What an admin call's body holds.
pub(crate) enum AdminBody {
    /// A JSON object with these fields and no others (those of its serde struct).
    Fields(fn() -> &'static [&'static str]),
    /// Anything; the sentence says what.
    Any(&'static str),
}

pub(super) const fn op(method: &'static str, route: fn() -> actix_web::Route, summary: &'static str) -> AdminOp {
    AdminOp { method, route, summary, query: || &[], body: None, answers: &[200], media: "application/json" }
}

pub(super) fn fields<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    crate::rules::serde_fields::<T>()
}

pub(super) const LISTED: &[u16] = &[200, 400];
