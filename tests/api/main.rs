//! Black-box tests: each starts the real server on port 0 and talks HTTP to it. One binary, so
//! the suite links once.

mod helpers;

mod smoke;
mod stk_push;
mod scenarios;
mod callbacks;
mod authentication;
mod signature;
mod bad_input;
mod admin;
mod cli;
mod accounts;
