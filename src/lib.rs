//! jenga-sandbox: an offline twin of Equity Bank's Jenga API (v3 and the older JengaHQ v2).
//!
//! A request flows through one pipeline (`pipeline`): bearer token, body, field validation,
//! signature, scenario choice, then the operation itself, and the answer is rendered in the
//! envelope of the API generation that was called (`envelope`). Asynchronous results are
//! queued as callback jobs and delivered by a background worker (`callbacks`).

mod admin;
mod api;
mod banner;
mod callbacks;
mod catalogue;
pub mod cli;
pub mod clock;
pub mod config;
mod connection;
pub mod crypto;
pub mod dashboard;
mod envelope;
mod faults;
pub mod fields;
mod forex;
mod ids;
mod journal;
pub mod ledger;
pub mod merchant;
mod metrics;
pub mod money;
mod openapi;
mod operation;
pub mod persist;
mod pipeline;
mod probe;
mod proxy;
mod recent;
mod rules;
mod sandbox;
pub mod scenario;
pub mod secrets;
mod settlement;
pub mod signature;
mod sink;
pub mod startup;
pub mod state;
mod token;
mod transactions;
pub mod wait;
mod watch;
mod yaml;

pub use sandbox::{Sandbox, SandboxBuilder};
