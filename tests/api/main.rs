//! Black-box tests: each starts the real server on port 0 and talks HTTP to it. One binary, so
//! the suite links once.

mod helpers;

mod accounts;
mod admin;
mod airtime;
mod answer_faults;
mod authentication;
mod bad_input;
mod callbacks;
mod cards;
mod catalogue;
mod checkout;
mod cli;
mod client_variants;
mod clock;
mod dashboard;
mod docs_links;
mod faults;
mod hardening_callbacks;
mod hardening_input;
mod hardening_money;
mod hardening_requests;
mod kyc;
mod ledger_properties;
mod openapi;
mod parallel_workers;
mod payments;
mod proxy;
mod queries;
mod sandbox;
mod scenarios;
mod send_money;
mod signature;
mod simulate_payment;
mod smoke;
mod stk_push;
mod transactions;
mod v2;
mod v2_services;
mod waiting;
