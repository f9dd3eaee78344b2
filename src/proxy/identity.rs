//! Who the sandbox takes a proxied request to come from. The client signs in at the upstream,
//! so the bearer tokens it sends are the upstream's, which the sandbox never issued: each
//! upstream token is paired with the one the sandbox issued for the same sign-in, and that one
//! is swapped in for the sandbox's copy of later requests. A merchant the sandbox does not know
//! signs in, in the sandbox's copy, as the default merchant; its signatures (made with a key the
//! sandbox never saw) are not checked, nor are those of a merchant with no key registered.

use crate::merchant;
use crate::state::AppState;
use actix_web::http::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use actix_web::web::Bytes;
use parking_lot::Mutex;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};

/// Upstream tokens remembered; the oldest are forgotten first.
const PAIRS_KEPT: usize = 10_000;

#[derive(Default)]
pub struct Identities {
    pairs: Mutex<Pairs>,
}

#[derive(Default)]
struct Pairs {
    by_upstream: HashMap<String, Pair>,
    order: VecDeque<String>,
}

#[derive(Clone)]
struct Pair {
    sandbox_token: String,
    unchecked: bool,
}

/// How the sandbox's copy of a request was changed.
pub struct Prepared {
    /// The body the sandbox's copy carries (the original unless a sign-in was rewritten).
    pub body: Bytes,
    /// Its signature is not checked (see the module comment).
    pub unchecked: bool,
    /// A sign-in: its answer pairs the two tokens.
    pub sign_in: bool,
}

/// The token call paths, v3 and v2 (either service form), as served (lower case).
fn is_sign_in(path: &str) -> Option<Generation> {
    let path = path.to_ascii_lowercase();
    if path == "/authentication/api/v3/authenticate/merchant" {
        Some(Generation::V3)
    } else if path == "/identity/v2/token" || path == "/identity-test/v2/token" {
        Some(Generation::V2)
    } else {
        None
    }
}

#[derive(Clone, Copy)]
enum Generation {
    V3,
    V2,
}

impl Identities {
    /// Rewrites `headers` (the sandbox's copy) and says what body the copy carries.
    pub fn prepare(&self, shadow: &AppState, path: &str, headers: &mut HeaderMap, body: Bytes) -> Prepared {
        if let Some(generation) = is_sign_in(path) {
            return sign_in(shadow, generation, headers, body);
        }
        let bearer = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| crate::token::bearer(Some(v)).ok())
            .map(str::to_string);
        let pair = bearer.and_then(|token| self.pairs.lock().by_upstream.get(&token).cloned());
        let unchecked = match pair {
            Some(pair) => {
                if let Ok(value) = HeaderValue::from_str(&format!("Bearer {}", pair.sandbox_token)) {
                    headers.insert(AUTHORIZATION, value);
                }
                pair.unchecked
            }
            None => false,
        };
        Prepared { body, unchecked, sign_in: false }
    }

    /// After a sign-in both answered: pairs the upstream's token with the sandbox's.
    pub fn learn(&self, upstream_body: &[u8], sandbox_body: &[u8], unchecked: bool) {
        let (Some(upstream_token), Some(sandbox_token)) = (token_in(upstream_body), token_in(sandbox_body)) else {
            return;
        };
        let mut pairs = self.pairs.lock();
        if pairs.by_upstream.insert(upstream_token.clone(), Pair { sandbox_token, unchecked }).is_none() {
            pairs.order.push_back(upstream_token);
            if pairs.order.len() > PAIRS_KEPT {
                if let Some(oldest) = pairs.order.pop_front() {
                    pairs.by_upstream.remove(&oldest);
                }
            }
        }
    }
}

fn token_in(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    ["accessToken", "access_token"].iter().find_map(|key| value.get(key)?.as_str().map(str::to_string))
}

/// A sign-in by a merchant the sandbox knows goes as sent; any other signs in as the default
/// merchant in the sandbox's copy.
fn sign_in(shadow: &AppState, generation: Generation, headers: &mut HeaderMap, body: Bytes) -> Prepared {
    let fields = read_fields(&body);
    let code_field = match generation {
        Generation::V3 => "merchantCode",
        Generation::V2 => "username",
    };
    let code = fields.as_ref().and_then(|f| f.get(code_field)).cloned().unwrap_or_default();
    if let Some(known) = shadow.merchants.get(&code) {
        return Prepared { body, unchecked: known.public_key.is_none(), sign_in: true };
    }
    let Some(fields) = fields else {
        return Prepared { body, unchecked: true, sign_in: true };
    };
    let json_body = serde_json::from_slice::<Value>(&body).is_ok();
    let (secret_field, key_header, key_value) = match generation {
        Generation::V3 => ("consumerSecret", "api-key", merchant::DEFAULT_API_KEY.to_string()),
        Generation::V2 => ("password", "authorization", format!("Basic {}", merchant::DEFAULT_API_KEY)),
    };
    let mut rewritten = fields;
    rewritten.insert(code_field.to_string(), merchant::DEFAULT_CODE.to_string());
    rewritten.insert(secret_field.to_string(), merchant::DEFAULT_SECRET.to_string());
    if let Ok(value) = HeaderValue::from_str(&key_value) {
        headers.insert(actix_web::http::header::HeaderName::from_static(key_header), value);
    }
    let body = if json_body {
        let mut object = serde_json::from_slice::<Value>(&body).unwrap_or_default();
        if let Value::Object(map) = &mut object {
            map.insert(code_field.into(), merchant::DEFAULT_CODE.into());
            map.insert(secret_field.into(), merchant::DEFAULT_SECRET.into());
        }
        Bytes::from(serde_json::to_vec(&object).unwrap_or_default())
    } else {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (key, value) in &rewritten {
            form.append_pair(key, value);
        }
        Bytes::from(form.finish())
    };
    Prepared { body, unchecked: true, sign_in: true }
}

/// A sign-in body's top-level text fields, from JSON or a form.
fn read_fields(body: &[u8]) -> Option<std::collections::BTreeMap<String, String>> {
    if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(body) {
        return Some(map.iter().filter_map(|(k, v)| Some((k.clone(), crate::fields::raw_text(v)?))).collect());
    }
    let text = std::str::from_utf8(body).ok()?;
    text.contains('=').then(|| url::form_urlencoded::parse(text.as_bytes()).into_owned().collect())
}
