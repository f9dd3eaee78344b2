//! The request journal: every request the sandbox answered, newest first, bounded.

use crate::signature::Verdict;
use parking_lot::RwLock;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: String,
    pub time: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant: Option<String>,
    pub operation: String,
    pub generation: crate::envelope::Generation,
    pub method: String,
    pub path: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub query: String,
    pub headers: Headers,
    pub body: RawBody,
    pub scenario: String,
    pub scenario_source: crate::scenario::Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<Verdict>,
    /// Where sources disagree, which variant of a field or formula this request used.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variants: BTreeMap<String, String>,
    pub response: Response,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub callbacks: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Response {
    pub status: u16,
    /// The bytes that were sent.
    pub body: RawBody,
}

/// The request headers, copied out of the connection's read buffer (a header map shares that
/// buffer, so keeping it would pin kilobytes per entry) and turned into text only when read.
#[derive(Debug)]
pub struct Headers(Vec<(Box<str>, Box<[u8]>)>);

impl Headers {
    pub fn copy_of(headers: &actix_web::http::header::HeaderMap) -> Self {
        Self(headers.iter().map(|(k, v)| (k.as_str().into(), v.as_bytes().into())).collect())
    }
}

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<&str, String> =
            self.0.iter().map(|(k, v)| (&**k, String::from_utf8_lossy(v).into_owned())).collect();
        map.serialize(serializer)
    }
}

/// The request body as received; shown as JSON when it parses, else as text, and parsed only
/// when the journal is read, not on the request path.
#[derive(Debug, Clone)]
pub struct RawBody(pub actix_web::web::Bytes);

impl RawBody {
    /// An exact-size copy, so the entry does not pin the buffer the body was read into.
    pub fn copy_of(raw: &[u8]) -> Self {
        Self(actix_web::web::Bytes::copy_from_slice(raw))
    }
}

impl Serialize for RawBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match serde_json::from_slice::<Value>(&self.0) {
            Ok(value) => value.serialize(serializer),
            Err(_) if self.0.is_empty() => serializer.serialize_none(),
            Err(_) => serializer.serialize_str(&String::from_utf8_lossy(&self.0)),
        }
    }
}

#[derive(Default, Debug, Clone)]
pub struct Filter {
    pub merchant: Option<String>,
    pub operation: Option<String>,
    pub path: Option<String>,
    pub limit: Option<usize>,
}

pub struct Journal {
    entries: RwLock<VecDeque<Arc<Entry>>>,
    limit: usize,
}

impl Journal {
    pub fn new(limit: usize) -> Self {
        Self { entries: RwLock::new(VecDeque::with_capacity(limit.min(1024))), limit }
    }

    pub fn record(&self, entry: Entry) {
        let mut entries = self.entries.write();
        if entries.len() >= self.limit {
            entries.pop_back();
        }
        entries.push_front(Arc::new(entry));
    }

    pub fn list(&self, filter: &Filter) -> Vec<Arc<Entry>> {
        self.entries
            .read()
            .iter()
            .filter(|e| filter.merchant.as_deref().is_none_or(|m| e.merchant.as_deref() == Some(m)))
            .filter(|e| filter.operation.as_deref().is_none_or(|o| e.operation == o))
            .filter(|e| filter.path.as_deref().is_none_or(|p| e.path.contains(p)))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    pub fn clear(&self, merchant: Option<&str>) {
        match merchant {
            None => self.entries.write().clear(),
            Some(m) => self.entries.write().retain(|e| e.merchant.as_deref() != Some(m)),
        }
    }
}
