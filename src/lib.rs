//! jenga-sandbox: an offline twin of Equity Bank's Jenga API (v3 and the older JengaHQ v2).
//!
//! A request flows through one pipeline (`pipeline`): bearer token, body, field validation,
//! signature, scenario choice, then the operation itself, and the answer is rendered in the
//! envelope of the API generation that was called (`envelope`). Asynchronous results are
//! queued as callback jobs and delivered by a background worker (`callbacks`).

pub mod admin;
pub mod api;
pub mod banner;
pub mod callbacks;
pub mod catalogue;
pub mod cli;
pub mod clock;
pub mod config;
pub mod connection;
pub mod crypto;
pub mod dashboard;
pub mod envelope;
pub mod faults;
pub mod fields;
pub mod forex;
pub mod ids;
pub mod journal;
pub mod ledger;
pub mod merchant;
pub mod metrics;
pub mod money;
pub mod openapi;
pub mod operation;
pub mod persist;
pub mod pipeline;
pub mod probe;
pub mod proxy;
pub mod recent;
pub mod rules;
pub mod sandbox;
pub mod scenario;
pub mod secrets;
pub mod settlement;
pub mod signature;
pub mod sink;
pub mod startup;
pub mod state;
pub mod token;
pub mod transactions;
pub mod wait;
pub mod watch;
mod yaml;

pub use sandbox::{Sandbox, SandboxBuilder};
