//! What an operation is: its id (used by scenario files, the journal and the admin API), the
//! catalogue families its errors come from, and its signature formulas. Each operation family
//! in `api/` declares its own; the list of them all is read from those families.

use crate::catalogue::Family;
use crate::signature::Formula;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Credentials travel in the call itself (the token endpoints).
    Credentials,
    /// `Authorization: Bearer <token>` of the calling merchant.
    Bearer,
}

#[derive(Debug)]
pub struct Operation {
    pub id: &'static str,
    pub title: &'static str,
    /// Catalogue families whose wording this operation uses, most specific first.
    pub families: &'static [Family],
    pub auth: Auth,
    /// Formula variants, the documented one first; empty when the call is not signed.
    pub signature: &'static [Formula],
}

/// Every operation, family by family (variants that share an id, such as an unsigned twin, are
/// not repeated).
pub fn all() -> impl Iterator<Item = &'static Operation> {
    crate::api::FAMILIES.iter().flat_map(|family| family.operations.iter().copied())
}

pub fn by_id(id: &str) -> Option<&'static Operation> {
    all().find(|op| op.id == id)
}

pub fn ids() -> Vec<&'static str> {
    all().map(|op| op.id).collect()
}
