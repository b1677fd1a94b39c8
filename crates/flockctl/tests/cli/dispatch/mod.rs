//! The dispatcher end to end: `flockctl` processes, real Chromium, the
//! simulator's ledger as the judge.

mod campaign;
mod crash;
mod faults;
mod outage;
mod support;
mod team;
