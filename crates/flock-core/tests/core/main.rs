//! The core's integration tests: one binary, one module per area. Database
//! tests run on the backend the run asks for (see flock-testkit).

mod accounts;
mod db;
mod dispatch;
mod props;
