//! The path every API request takes, written once, in named steps (see `run`): check the
//! bearer token, read the body (bounded), parse and validate the fields, verify the signature,
//! choose the scenario, run the operation, render the envelope, set the sandbox headers and
//! record the journal entry. Operation handlers only validate their fields and build their success.

mod input;

use crate::envelope::{Failure, Generation};
use crate::journal::{Entry, Headers, RawBody, Response};
use crate::merchant::Merchant;
use crate::money::Cents;
use crate::operation::{Auth, Operation};
use crate::scenario::{Decision, Effect, Source};
use crate::signature::{self, Mode, Verdict};
use crate::state::AppState;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Payload};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::Arc;

pub(crate) const SCENARIO_HEADER: &str = "x-sandbox-scenario";
pub(crate) const REQUEST_ID_HEADER: &str = "x-sandbox-request-id";
pub(crate) const EXPECTED_HEADER: &str = "x-sandbox-signature-expected";
pub(crate) const EXPECTED_VARIANT_HEADER: &str = "x-sandbox-signature-expected-variant";
/// Bytes of a request body the journal keeps when no merchant was authenticated.
pub(crate) const UNAUTHENTICATED_BODY_EXCERPT: usize = 2 * 1024;

pub(crate) use input::read_body;

/// Marks proxy mode's copy of a request (see `proxy`): its answer is compared, never sent, so
/// neither answer faults nor delays are played; `signature_unchecked` skips a signature check
/// that could only fail, when the sandbox holds no public key for the merchant.
#[derive(Clone, Copy)]
pub(crate) struct ShadowCopy {
    pub signature_unchecked: bool,
}

fn shadow_copy(req: &HttpRequest) -> Option<ShadowCopy> {
    actix_web::HttpMessage::extensions(req).get::<ShadowCopy>().copied()
}

/// A request on its way through the pipeline, as operation handlers see it.
pub struct Call<'a> {
    pub state: &'a AppState,
    pub op: &'static Operation,
    pub generation: Generation,
    pub request: &'a HttpRequest,
    /// The authenticated merchant (None before authentication, and for token calls until they succeed).
    pub merchant: Option<Arc<Merchant>>,
    /// The parsed body (or path parameters), as sent.
    pub input: Value,
    pub decision: Decision,
    /// Which variant of a disputed field or formula the request used, for the journal.
    pub variants: BTreeMap<String, String>,
    /// Callback jobs created by this request.
    pub callbacks: Vec<String>,
    /// The ledger rule that refused the request, if one did (a cell: handlers hold `call` shared
    /// while they read its input).
    pub ledger_rule: std::cell::Cell<Option<&'static str>>,
}

impl Call<'_> {
    pub fn merchant(&self) -> &Merchant {
        self.merchant.as_deref().expect("bearer operations run after authentication")
    }

    /// Now on the calling merchant's clock (the shared one until a merchant is known).
    pub fn now_ms(&self) -> i64 {
        match &self.merchant {
            Some(merchant) => self.state.clocks.now_ms_of(&merchant.code),
            None => self.state.clocks.shared().now_ms(),
        }
    }

    /// The calling merchant's id series (the shared one until a merchant is known): the ids a
    /// merchant's requests generate depend on the seed and that merchant's traffic only.
    pub fn ids(&self) -> Arc<crate::ids::Series> {
        match &self.merchant {
            Some(merchant) => self.state.ids.of(&merchant.code),
            None => self.state.ids.shared().clone(),
        }
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        crate::clock::Clock::at(self.now_ms())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.request.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// A success body: the v3 envelope around `data` (with `extra` beside it), or `data` bare for v2.
    pub fn success(&self, data: Value, extra: &[(&str, Value)]) -> Reply {
        match self.generation {
            Generation::V3 => Reply::ok(crate::envelope::v3_success(Some(data), extra)),
            Generation::V2 => Reply::ok(data),
        }
    }

    /// Records a transaction that completed synchronously (no callbacks), for the details query.
    pub fn record_completed(&self, reference: &str, service_name: &'static str, amount: Cents, biller: &str) {
        self.state.transactions.record(crate::transactions::Transaction {
            merchant: self.merchant().code.as_str().into(),
            reference: reference.into(),
            service_name,
            amount,
            charge: Cents::ZERO,
            created_ms: self.now_ms(),
            steps: Vec::new(),
            biller: biller.into(),
        });
    }

    /// Names the ledger rule that refused this request (`X-Sandbox-Scenario: ledger:RULE`, and
    /// the journal), unless a scenario chose the outcome.
    pub fn decided_by_ledger(&self, rule: &'static str) {
        self.ledger_rule.set(Some(rule));
    }

    /// Claims a payment reference for the calling merchant; false (and the rule named) when it
    /// was already used.
    pub fn claim_reference(&self, reference: &str) -> bool {
        let claimed = self.state.claim_reference(&self.merchant().code, reference);
        if !claimed {
            self.decided_by_ledger("duplicate-reference");
        }
        claimed
    }

    /// Takes the validated input out of the call, to be read as the operation's typed request
    /// (see `typed`) while the call is lent on.
    pub fn take_input(&mut self) -> Value {
        std::mem::take(&mut self.input)
    }

    /// A catalogue code as this operation's families word it.
    pub fn failure(&self, code: i64) -> Failure {
        Failure::code(code, self.op.families).unwrap_or_else(|| Failure::http("INTERNAL_ERROR", None))
    }
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Value,
}

impl Reply {
    pub fn ok(body: Value) -> Self {
        Self { status: StatusCode::OK, body }
    }
}

pub(crate) type Outcome = Result<Reply, Failure>;

/// The validated input as an operation's typed request, borrowing its strings. The validator
/// has checked every field the type reads, so a mismatch is the sandbox's own fault.
pub(crate) fn typed<'a, T: serde::Deserialize<'a>>(input: &'a Value) -> Result<T, Failure> {
    T::deserialize(input).map_err(|error| Failure::http("INTERNAL_ERROR", Some(format!("typed request: {error}"))))
}

impl Spec {
    /// Takes a JSON body (POST) rather than path or query parameters.
    pub fn json_body(&self) -> bool {
        matches!(self.input, Input::Body)
    }
}

/// Where an operation's input comes from.
#[derive(Clone, Copy)]
pub enum Input {
    /// A JSON body (or, in v2, a form).
    Body,
    /// These path parameters, as an object of strings named after them.
    Path(&'static [&'static str]),
    /// The query string's pairs.
    Query,
}

/// How an operation reads and checks its input.
pub struct Spec {
    pub op: &'static Operation,
    pub input: Input,
    /// Field rules; Err lists every problem. May note variants used, and add derived fields that
    /// signature variants read (the journal keeps the body as sent).
    pub validate: fn(&mut Value, &mut BTreeMap<String, String>) -> Result<(), String>,
    pub execute: fn(&mut Call) -> Outcome,
}

/// Which spec serves a request: fixed by the route, or chosen from the body (v2 posts every
/// transfer type to one `remittance` path and `transfer.type` picks the rail).
#[derive(Clone, Copy)]
pub enum Route {
    Fixed(&'static Spec),
    /// Bearer-authenticated, JSON-bodied calls; the name stands in the journal if no spec is chosen.
    ByBody {
        name: &'static str,
        choose: fn(&Value) -> Result<&'static Spec, String>,
    },
}

/// Runs one API request through the pipeline, answering in the envelope of `generation` (the
/// route's, fixed when it was mounted).
pub(crate) async fn serve_route(
    state: &AppState,
    req: &HttpRequest,
    payload: Payload,
    route: Route,
    generation: Generation,
) -> HttpResponse {
    let name = match route {
        Route::Fixed(spec) => spec.op.id,
        Route::ByBody { name, .. } => name,
    };
    let mut trace = Trace::new(state, req, name, generation);
    let outcome = run(state, req, payload, route, &mut trace).await;
    if shadow_copy(req).is_some() {
        return trace.finish(outcome);
    }
    let effect = trace.decision.effect.clone();
    let (fault, delay_ms) = effect.map_or((None, 0), |e| (e.answer_fault, e.delay_ms));
    crate::faults::deliver(&state.settings, req, fault, delay_ms, trace.finish(outcome)).await
}

/// The steps, in order: token, body, input, spec, validation, signature, scenario, operation,
/// and the scenario's changes to the answer. Rendering and journaling are `Trace::finish`'s.
async fn run(state: &AppState, req: &HttpRequest, payload: Payload, route: Route, trace: &mut Trace<'_>) -> Outcome {
    let (auth, input) = match route {
        Route::Fixed(spec) => (spec.op.auth, spec.input),
        Route::ByBody { .. } => (Auth::Bearer, Input::Body),
    };
    // The token is checked before the body is read: a caller without one waits for nothing and
    // makes the sandbox hold nothing.
    let merchant = match auth {
        Auth::Bearer => Some(authenticate(state, req)?),
        Auth::Credentials => None,
    };
    trace.merchant = merchant.as_ref().map(|m| m.code.clone());
    let raw = input::read_body(payload, &state.settings).await?;
    trace.raw_body = raw.clone();
    let mut input = input::read(req, &raw, input, trace.generation, &mut trace.variants)?;
    let spec = match route {
        Route::Fixed(spec) => spec,
        Route::ByBody { choose, .. } => choose(&input).map_err(Failure::invalid)?,
    };
    trace.operation = spec.op.id;
    validate(spec, &mut input, &mut trace.variants)?;
    if let Some(merchant) = &merchant {
        verify_signature(state, req, spec, merchant, &input, &raw, trace)?;
    }
    let decision = choose_scenario(state, req, spec, merchant.as_deref(), &input)?;
    let effect = decision.effect.clone();
    trace.decision = decision;
    let scenario_error = effect.as_deref().and_then(|effect| scenario_error(spec, effect));
    hold(req, effect.as_deref()).await;
    // Token calls check their credentials first: a scenario never makes wrong credentials work.
    let (before, after) = match spec.op.auth {
        Auth::Credentials => (None, scenario_error),
        Auth::Bearer => (scenario_error, None),
    };
    if let Some(failure) = before {
        return Err(failure);
    }
    // A whole answer given by the scenario (a captured one) stands in for a bearer operation.
    if let Some(given) = effect.as_deref().filter(|e| e.body.is_some() && spec.op.auth == Auth::Bearer) {
        return Ok(with_effect(Reply::ok(Value::Null), Some(given)));
    }
    let reply = operate(state, req, spec, merchant, input, trace)?;
    if let Some(failure) = after {
        return Err(failure);
    }
    Ok(with_effect(reply, effect.as_deref()))
}

/// The spec's field rules; every problem is listed.
fn validate(spec: &Spec, input: &mut Value, variants: &mut BTreeMap<String, String>) -> Result<(), Failure> {
    (spec.validate)(input, variants).map_err(|problems| {
        let from_form = variants.get("body").is_some_and(|b| b.starts_with("form"));
        Failure::invalid(if from_form {
            format!("{problems} (the body was read as a form: send nested objects as JSON, or as dotted keys such as customer.countryCode)")
        } else {
            problems
        })
    })
}

/// Checks the `Signature` header against the operation's formulas, as the signature mode says;
/// the verdict goes to the trace (and the answer's diagnosis headers).
fn verify_signature(
    state: &AppState,
    req: &HttpRequest,
    spec: &Spec,
    merchant: &Merchant,
    input: &Value,
    raw: &[u8],
    trace: &mut Trace,
) -> Result<(), Failure> {
    let unchecked = shadow_copy(req).is_some_and(|copy| copy.signature_unchecked);
    if spec.op.signature.is_empty() || state.settings.signature_mode == Mode::Off || unchecked {
        return Ok(());
    }
    let header = req.headers().get("signature").and_then(|v| v.to_str().ok());
    // Some formulas sign the caller's merchant code, which the request body does not carry.
    let needs_merchant = spec.op.signature.iter().any(|f| f.fields.contains(&signature::MERCHANT_CODE));
    let signed_input = if needs_merchant {
        let mut with_merchant = input.clone();
        with_merchant[signature::MERCHANT_CODE] = Value::String(merchant.code.clone());
        std::borrow::Cow::Owned(with_merchant)
    } else {
        std::borrow::Cow::Borrowed(input)
    };
    let verdict = signature::check(
        state.settings.signature_mode,
        merchant.public_key.as_deref(),
        spec.op.signature,
        &signed_input,
        header,
        raw,
    );
    let rejected = !verdict.valid && verdict.mode == Mode::Strict;
    if let Some(variant) = verdict.matched_variant {
        trace.variants.insert("signature".into(), variant.into());
    }
    trace.signature = Some(verdict);
    if !rejected {
        return Ok(());
    }
    Err(match trace.generation {
        // An operation whose page documents a signature code (account validation, reference
        // §4.2: 900100 at HTTP 400) lists the Signature family; the other v3 pages show the
        // generic 403.
        Generation::V3 if spec.op.families.contains(&crate::catalogue::Family::Signature) => {
            Failure::code(900100, spec.op.families).unwrap_or_else(|| Failure::http("FORBIDDEN", None))
        }
        Generation::V3 => Failure::http("FORBIDDEN", None),
        Generation::V2 => Failure::code(900101, &[crate::catalogue::Family::Signature])
            .unwrap_or_else(|| Failure::http("FORBIDDEN", None)),
    })
}

/// The scenario this request gets: the header's, an armed one, a rule's, or the default.
fn choose_scenario(
    state: &AppState,
    req: &HttpRequest,
    spec: &Spec,
    merchant: Option<&Merchant>,
    input: &Value,
) -> Result<Decision, Failure> {
    let scenario_header = req.headers().get(SCENARIO_HEADER).and_then(|v| v.to_str().ok());
    let merchant_code = merchant.map(|m| m.code.as_str()).unwrap_or_default();
    state
        .scenarios
        .decide(scenario_header, spec.op, merchant_code, input)
        .map_err(|bad| Failure::invalid(format!("X-Sandbox-Scenario: {bad}")))
}

/// The error a scenario answers with, in the operation's wording.
fn scenario_error(spec: &Spec, effect: &Effect) -> Option<Failure> {
    effect.error.map(|code| {
        Failure::code(code, spec.op.families)
            .unwrap_or_else(|| Failure::http("INTERNAL_ERROR", None))
            .with_message(effect.message.clone())
    })
}

/// A scenario's delay. A slow body spends its delay sending, not before; a shadow copy spends none.
async fn hold(req: &HttpRequest, effect: Option<&Effect>) {
    if let Some(effect) = effect {
        let played = shadow_copy(req).is_none() && effect.answer_fault != Some(crate::faults::AnswerFault::SlowBody);
        if effect.delay_ms > 0 && played {
            tokio::time::sleep(std::time::Duration::from_millis(effect.delay_ms)).await;
        }
    }
}

/// Runs the operation itself, then hands what it did (variants, callbacks, the merchant a token
/// call authenticated, the ledger rule that refused it) back to the trace.
fn operate(
    state: &AppState,
    req: &HttpRequest,
    spec: &Spec,
    merchant: Option<Arc<Merchant>>,
    input: Value,
    trace: &mut Trace,
) -> Outcome {
    // Lent to the call and given back: an empty name costs no allocation.
    let decision =
        std::mem::replace(&mut trace.decision, Decision { name: String::new(), source: Source::Default, effect: None });
    let mut call = Call {
        state,
        op: spec.op,
        generation: trace.generation,
        request: req,
        merchant,
        input,
        decision,
        variants: std::mem::take(&mut trace.variants),
        callbacks: Vec::new(),
        ledger_rule: Default::default(),
    };
    let result = (spec.execute)(&mut call);
    trace.decision = call.decision;
    if let Some(rule) = call.ledger_rule.get().filter(|_| trace.decision.source == Source::Default) {
        trace.decision.name = format!("ledger:{rule}");
    }
    trace.variants = call.variants;
    trace.callbacks = call.callbacks;
    if trace.merchant.is_none() {
        trace.merchant = call.merchant.as_ref().map(|m| m.code.clone());
    }
    result
}

/// A scenario's changes to a success: its status, and fields set on the body (or the whole body).
fn with_effect(mut reply: Reply, effect: Option<&Effect>) -> Reply {
    if let Some(effect) = effect {
        if let Some(status) = effect.status.and_then(|s| StatusCode::from_u16(s).ok()) {
            reply.status = status;
        }
        if let Value::Object(body) = &mut reply.body {
            for (key, value) in &effect.fields {
                body.insert(key.clone(), value.clone());
            }
        }
        if let Some(body) = &effect.body {
            reply.body = body.clone();
        }
    }
    reply
}

fn authenticate(state: &AppState, req: &HttpRequest) -> Result<Arc<Merchant>, Failure> {
    let header = req.headers().get("authorization").and_then(|v| v.to_str().ok());
    let token = crate::token::bearer(header).map_err(|e| Failure::http("UNAUTHORIZED", Some(e.to_string())))?;
    let grant = state
        .tokens
        .check(token, |merchant| state.clocks.now_ms_of(merchant))
        .map_err(|e| Failure::http("UNAUTHORIZED", Some(e.to_string())))?;
    let code = &grant.merchant;
    let merchant = state
        .merchants
        .get(code)
        .ok_or_else(|| Failure::http("UNAUTHORIZED", Some(format!("merchant {code} no longer exists"))))?;
    if merchant.credentials != grant.credentials {
        return Err(Failure::http(
            "UNAUTHORIZED",
            Some(format!(
                "the access token was issued before merchant {code}'s credentials changed (or it was registered anew); request a new token"
            )),
        ));
    }
    Ok(merchant)
}

/// What the journal and the sandbox headers need, gathered along the way.
pub(crate) struct Trace<'a> {
    state: &'a AppState,
    req: &'a HttpRequest,
    operation: &'static str,
    generation: Generation,
    raw_body: Bytes,
    merchant: Option<String>,
    signature: Option<Verdict>,
    decision: Decision,
    variants: BTreeMap<String, String>,
    callbacks: Vec<String>,
    started: std::time::Instant,
}

impl<'a> Trace<'a> {
    pub(crate) fn new(
        state: &'a AppState,
        req: &'a HttpRequest,
        operation: &'static str,
        generation: Generation,
    ) -> Self {
        Self {
            state,
            req,
            operation,
            generation,
            raw_body: Bytes::new(),
            merchant: None,
            signature: None,
            decision: Decision::default_outcome(),
            variants: BTreeMap::new(),
            callbacks: Vec::new(),
            started: std::time::Instant::now(),
        }
    }

    /// Renders the answer, adds the sandbox headers and journals the exchange.
    pub(crate) fn finish(self, outcome: Outcome) -> HttpResponse {
        // Numbered once the merchant is known, in its own series.
        let request_id = match &self.merchant {
            Some(merchant) => self.state.ids.of(merchant).request_id(),
            None => self.state.ids.shared().request_id(),
        };
        let reply = outcome.unwrap_or_else(|failure| {
            let (status, body) = failure.render(self.generation);
            Reply { status, body }
        });
        let mut response = HttpResponse::build(reply.status);
        response.insert_header((REQUEST_ID_HEADER, request_id.as_str()));
        response.insert_header((SCENARIO_HEADER, self.decision.name.as_str()));
        if let Some(verdict) = self.signature.as_ref().filter(|v| !v.valid) {
            if let Ok(value) = HeaderValue::from_str(&signature::header_safe(&verdict.expected)) {
                response.insert_header((HeaderName::from_static(EXPECTED_HEADER), value));
            }
            // One header per other accepted formula, `name=string`, in the formulas' order.
            for (formula, expected) in &verdict.variants {
                let text = format!("{}={}", formula.name, signature::header_safe(expected));
                if let Ok(value) = HeaderValue::from_str(&text) {
                    response.append_header((HeaderName::from_static(EXPECTED_VARIANT_HEADER), value));
                }
            }
        }
        // Serialised once: the same bytes are sent and journaled.
        let body = Bytes::from(serde_json::to_vec(&reply.body).unwrap_or_default());
        let response = response.content_type("application/json").body(body.clone());
        let seconds = self.started.elapsed().as_secs_f64();
        self.state.metrics.record_request(self.operation, &self.decision.name, reply.status.as_u16(), seconds);
        tracing::info!(
            request_id = %request_id,
            method = %self.req.method(),
            path = self.req.path(),
            status = reply.status.as_u16(),
            scenario = %self.decision.name,
            merchant = self.merchant.as_deref().unwrap_or("-"),
            "request"
        );
        // Only an excerpt of what nobody authenticated: anyone can send it, by the megabyte.
        let request_body = match &self.merchant {
            Some(_) => RawBody::copy_of(&self.raw_body),
            None => RawBody::excerpt_of(&self.raw_body, UNAUTHENTICATED_BODY_EXCERPT),
        };
        self.state.journal.record(Entry {
            id: request_id,
            time: match &self.merchant {
                Some(merchant) => self.state.clocks.now_ms_of(merchant),
                None => self.state.clocks.shared().now_ms(),
            },
            merchant: self.merchant,
            operation: self.operation,
            generation: self.generation,
            method: self.req.method().clone(),
            path: self.req.path().to_string(),
            query: self.req.query_string().to_string(),
            headers: Headers::copy_of(self.req.headers()),
            body: request_body,
            scenario: self.decision.name,
            scenario_source: self.decision.source,
            signature: self.signature,
            variants: self.variants,
            response: Response { status: reply.status.as_u16(), body: RawBody::new(body) },
            callbacks: self.callbacks,
            proxied: None,
        });
        response
    }
}

/// Answers a request no operation serves (unknown path or method), in the envelope its path implies.
pub(crate) async fn unmatched(
    state: &AppState,
    req: &HttpRequest,
    payload: Payload,
    failure: Failure,
    generation: Generation,
) -> HttpResponse {
    let mut trace = Trace::new(state, req, "unmatched", generation);
    trace.decision.source = Source::Default;
    let failure = match input::read_body(payload, &state.settings).await {
        Ok(raw) => {
            trace.raw_body = raw;
            failure
        }
        // A body that never arrives is the first thing to fix; one too large is only not kept.
        Err(timeout) if timeout.status(trace.generation) == StatusCode::REQUEST_TIMEOUT => timeout,
        Err(_) => failure,
    };
    trace.finish(Err(failure))
}

/// A request's headers as text, for the journal and the sink.
pub(crate) fn header_map(req: &HttpRequest) -> BTreeMap<String, String> {
    req.headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect()
}
