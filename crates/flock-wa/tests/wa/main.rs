//! flock-wa against the simulator with a real headless Chromium: one test
//! binary (`cargo nextest run --workspace -E 'package(flock-wa)'`).

mod capabilities;
mod errors;
mod groups;
mod inbound;
mod reconcile;
mod secrets;
mod send;
mod support;
