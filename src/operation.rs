//! What an operation is: its id (used by scenario files, the journal and the admin API), the
//! catalogue families its errors come from, and its signature formulas. Each operation family
//! in `api/` declares its own; the list of them all is gathered where the families are mounted
//! (`startup::operations`) and handed down as `Operations`.

use crate::catalogue::Family;
use crate::signature::{Formula, MERCHANT_CODE};
use serde_json::Value;

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

/// Why no string to sign can be built for a request.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Unsignable {
    #[error("operation {0} is not signed")]
    NotSigned(&'static str),
    #[error("field {field} is missing ({formula})")]
    Missing { field: &'static str, formula: String },
}

impl Operation {
    /// The string a merchant signs for this operation: the documented formula's values from
    /// `input` (the JSON body, or the path parameters as an object), with `merchant` standing in
    /// for the caller's code in formulas that sign it.
    pub fn canonical(&self, input: &Value, merchant: &str) -> Result<String, Unsignable> {
        let formula = self.signature.first().ok_or(Unsignable::NotSigned(self.id))?;
        let needs_merchant = formula.fields.contains(&MERCHANT_CODE);
        let with_merchant;
        let input = match input {
            Value::Object(map) if needs_merchant => {
                let mut map = map.clone();
                map.insert(MERCHANT_CODE.into(), merchant.into());
                with_merchant = Value::Object(map);
                &with_merchant
            }
            _ => input,
        };
        formula.canonical(input).map_err(|field| Unsignable::Missing { field, formula: formula.written() })
    }
}

/// Every operation the sandbox serves, family by family (variants that share an id, such as an
/// unsigned twin, are not repeated): what scenario files and the admin API may name.
#[derive(Debug, Clone, Copy)]
pub struct Operations(&'static [&'static Operation]);

impl Operations {
    pub const fn new(all: &'static [&'static Operation]) -> Self {
        Self(all)
    }

    pub fn iter(self) -> impl Iterator<Item = &'static Operation> {
        self.0.iter().copied()
    }

    pub fn by_id(self, id: &str) -> Option<&'static Operation> {
        self.iter().find(|op| op.id == id)
    }

    pub fn ids(self) -> Vec<&'static str> {
        self.iter().map(|op| op.id).collect()
    }
}
