//! Bad input, generated: property tests (proptest) over everything that
//! reads what a user or WhatsApp Web hands us. Each property says what it
//! checks; none can pass by construction.
//!
//! Cases per property: a few thousand in CI (the `ci` figure of each
//! test), `PROPTEST_CASES` when set (`scripts/fuzz.sh` sets a million;
//! tests that write a database or files run a set fraction of it).

mod campaign_text;
mod csv_import;
mod media;
mod phone;

use proptest::test_runner::Config;

/// `PROPTEST_CASES`, else `ci`.
pub fn cases(ci: u32) -> Config {
    config(env_cases().unwrap_or(ci))
}

/// For properties whose cases are slow (a database, files): `ci`, or
/// `PROPTEST_CASES / divisor` (at least `ci`) when it is set.
pub fn slow_cases(ci: u32, divisor: u32) -> Config {
    config(env_cases().map(|n| (n / divisor).max(ci)).unwrap_or(ci))
}

fn env_cases() -> Option<u32> {
    std::env::var("PROPTEST_CASES").ok().and_then(|v| v.trim().parse().ok())
}

fn config(cases: u32) -> Config {
    Config {
        cases,
        // A failure prints its shrunk input; the fixed case then becomes a
        // plain test. No regression files written into the shared tree.
        failure_persistence: None,
        ..Config::default()
    }
}
