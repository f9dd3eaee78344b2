//! Query strings more than one admin resource takes.

use serde::Deserialize;

/// `?merchant=`: the calls that act on one merchant's state, or on every merchant's without it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct MerchantQuery {
    pub merchant: Option<String>,
}
