//! A test-only hold in the send path, so an end-to-end test can kill the
//! dispatcher at an exact moment: `FLOCK_TEST_HOLD_SEND=after_claim` (the row
//! is `sending` with its id, nothing sent yet) or `after_send` (the session
//! took the message, its result not yet stored), with
//! `FLOCK_TEST_HOLD_DIR=<dir>`. The first send that reaches that point
//! writes `<dir>/held-<message row id>` and then waits forever (the test
//! kills the process). Unset in every real run.

use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    AfterClaim,
    AfterSend,
}

static HELD: AtomicBool = AtomicBool::new(false);

pub async fn hold(stage: Stage, row_id: i64) {
    let wanted = match std::env::var("FLOCK_TEST_HOLD_SEND").as_deref() {
        Ok("after_claim") => Stage::AfterClaim,
        Ok("after_send") => Stage::AfterSend,
        _ => return,
    };
    let Ok(dir) = std::env::var("FLOCK_TEST_HOLD_DIR") else { return };
    if wanted != stage || HELD.swap(true, Ordering::SeqCst) {
        return;
    }
    tracing::warn!(row_id, ?stage, "FLOCK_TEST_HOLD_SEND: holding this send until the process is killed");
    let _ = std::fs::write(std::path::Path::new(&dir).join(format!("held-{row_id}")), row_id.to_string());
    std::future::pending::<()>().await;
}
