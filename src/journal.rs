//! The request journal: every request the sandbox answered, newest first, bounded.

use crate::signature::Verdict;
use parking_lot::RwLock;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Entry {
    pub id: String,
    #[serde(serialize_with = "crate::clock::serialize_iso_ms")]
    pub time: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant: Option<String>,
    pub operation: &'static str,
    pub generation: crate::envelope::Generation,
    #[serde(serialize_with = "serialize_method")]
    pub method: actix_web::http::Method,
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
    /// Proxy mode: where the answer came from, the sandbox's own answer and how they differ.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub proxied: Option<Proxied>,
}

impl Entry {
    /// Whether the request names `reference`: as a path segment (a details query), or as a
    /// whole value in the body (JSON or form), wherever the operation keeps its reference.
    pub(crate) fn names_reference(&self, reference: &str) -> bool {
        if reference.is_empty() {
            return false;
        }
        self.path.split('/').any(|segment| segment == reference)
            || contains_token(&self.body.bytes, reference.as_bytes())
    }
}

/// `needle` in `haystack` with neither neighbour a letter or digit, so `REF1` is not found in `REF12`.
fn contains_token(haystack: &[u8], needle: &[u8]) -> bool {
    let word = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    haystack.windows(needle.len()).enumerate().any(|(at, window)| {
        window == needle
            && !word(at.checked_sub(1).and_then(|i| haystack.get(i)))
            && !word(haystack.get(at + needle.len()))
    })
}

#[derive(Debug, Serialize)]
pub(crate) struct Response {
    pub status: u16,
    /// The bytes that were sent.
    pub body: RawBody,
}

/// What a proxied request's journal entry adds.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Proxied {
    /// The URL the request was forwarded to.
    pub upstream: String,
    /// How the sandbox's answer differs from the upstream's in shape (empty: they agree).
    pub diff: Vec<crate::proxy::diff::Difference>,
    /// What the sandbox would have answered (the client got the upstream's `response`).
    pub sandbox_response: Response,
}

fn serialize_method<S: serde::Serializer>(method: &actix_web::http::Method, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(method.as_str())
}

/// The request headers, copied out of the connection's read buffer (a header map shares that
/// buffer, so keeping it would pin kilobytes per entry) into one exact-size allocation, as
/// `name NUL value NUL` pairs (neither may contain NUL), and turned into text only when read.
#[derive(Debug)]
pub(crate) struct Headers(Box<[u8]>);

impl Headers {
    pub(crate) fn copy_of(headers: &actix_web::http::header::HeaderMap) -> Self {
        let size = headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 2).sum();
        let mut packed = Vec::with_capacity(size);
        for (name, value) in headers {
            packed.extend_from_slice(name.as_str().as_bytes());
            packed.push(0);
            packed.extend_from_slice(value.as_bytes());
            packed.push(0);
        }
        Self(packed.into_boxed_slice())
    }

    fn pairs(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        let mut parts = self.0.split(|b| *b == 0);
        std::iter::from_fn(move || Some((parts.next()?, parts.next()?)))
    }
}

impl Serialize for Headers {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let map: BTreeMap<std::borrow::Cow<str>, String> = self
            .pairs()
            .map(|(k, v)| {
                let name = String::from_utf8_lossy(k);
                let value = crate::secrets::shown(&name, &String::from_utf8_lossy(v)).into_owned();
                (name, value)
            })
            .collect();
        map.serialize(serializer)
    }
}

/// The request body as received (or its first bytes); shown as JSON when it parses, else as
/// text, with credentials masked, and parsed only when the journal is read, not on the request
/// path.
#[derive(Debug, Clone)]
pub(crate) struct RawBody {
    pub bytes: actix_web::web::Bytes,
    /// The length received, when only the first `bytes` were kept.
    pub cut_from: Option<usize>,
    /// Credentials are masked when shown; the sink shows what a receiver got, as it got it.
    verbatim: bool,
}

impl RawBody {
    pub(crate) fn new(bytes: actix_web::web::Bytes) -> Self {
        Self { bytes, cut_from: None, verbatim: false }
    }

    /// A copy shown exactly as received, credentials included (the sink stands for a receiver).
    pub(crate) fn verbatim_copy_of(raw: &[u8]) -> Self {
        Self { verbatim: true, ..Self::copy_of(raw) }
    }

    /// An exact-size copy, so the entry does not pin the buffer the body was read into.
    pub(crate) fn copy_of(raw: &[u8]) -> Self {
        Self::new(actix_web::web::Bytes::copy_from_slice(raw))
    }

    /// At most the first `keep` bytes, and the length received.
    pub(crate) fn excerpt_of(raw: &[u8], keep: usize) -> Self {
        if raw.len() <= keep {
            return Self::copy_of(raw);
        }
        Self { cut_from: Some(raw.len()), ..Self::copy_of(&raw[..keep]) }
    }
}

impl Serialize for RawBody {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Some(received) = self.cut_from {
            let text = String::from_utf8_lossy(&self.bytes);
            let kept = self.bytes.len();
            return serializer.serialize_str(&format!(
                "{}… (the first {kept} of {received} bytes: the request was not authenticated)",
                crate::secrets::mask_text(&text)
            ));
        }
        match serde_json::from_slice::<Value>(&self.bytes) {
            Ok(mut value) => {
                if !self.verbatim {
                    crate::secrets::mask_json(&mut value);
                }
                value.serialize(serializer)
            }
            Err(_) if self.bytes.is_empty() => serializer.serialize_none(),
            Err(_) => {
                let text = String::from_utf8_lossy(&self.bytes);
                match self.verbatim {
                    true => serializer.serialize_str(&text),
                    false => serializer.serialize_str(&crate::secrets::mask_text(&text)),
                }
            }
        }
    }
}

#[derive(Default, Debug, Clone)]
pub(crate) struct Filter {
    pub merchant: Option<String>,
    pub operation: Option<String>,
    pub path: Option<String>,
    /// Requests that name this transaction reference, in their path or body.
    pub reference: Option<String>,
    pub limit: Option<usize>,
}

pub(crate) struct Journal {
    entries: RwLock<VecDeque<Arc<Entry>>>,
    limit: usize,
    pub changes: crate::wait::Changes,
}

impl Journal {
    pub(crate) fn new(limit: usize) -> Self {
        Self { entries: RwLock::new(VecDeque::with_capacity(limit.min(1024))), limit, changes: Default::default() }
    }

    pub(crate) fn record(&self, entry: Entry) {
        let mut entries = self.entries.write();
        if entries.len() >= self.limit {
            entries.pop_back();
        }
        entries.push_front(Arc::new(entry));
        drop(entries);
        self.changes.changed();
    }

    /// Removes the entry `id` and hands it over (proxy mode moves the shadow's entries here).
    pub(crate) fn take(&self, id: &str) -> Option<Arc<Entry>> {
        let mut entries = self.entries.write();
        let position = entries.iter().position(|e| e.id == id)?;
        entries.remove(position)
    }

    pub(crate) fn list(&self, filter: &Filter) -> Vec<Arc<Entry>> {
        self.entries
            .read()
            .iter()
            .filter(|e| filter.merchant.as_deref().is_none_or(|m| e.merchant.as_deref() == Some(m)))
            .filter(|e| filter.operation.as_deref().is_none_or(|o| e.operation == o))
            .filter(|e| filter.path.as_deref().is_none_or(|p| e.path.contains(p)))
            .filter(|e| filter.reference.as_deref().is_none_or(|r| e.names_reference(r)))
            .take(filter.limit.unwrap_or(usize::MAX))
            .cloned()
            .collect()
    }

    pub(crate) fn clear(&self, merchant: Option<&str>) {
        match merchant {
            None => self.entries.write().clear(),
            Some(m) => self.entries.write().retain(|e| e.merchant.as_deref() != Some(m)),
        }
    }
}
