//! Sending speed of one account with no pacing at all, and the browser's
//! memory before and after, for `flockctl bench` (the numbers go in a table,
//! never in an assertion). Sends go one after the other, as one account's
//! dispatcher sends them.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::handle::SessionHandle;
use crate::ids::{MessageId, WaId};
use crate::send::{Content, SendOptions, SendRequest};

/// What [`send_rate`] measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendBench {
    /// Sends accepted by the server.
    pub accepted: u32,
    /// Sends that failed (kind → count).
    pub failed: Vec<(String, u32)>,
    pub elapsed: Duration,
    /// Accepted sends per second.
    pub per_second: f64,
    /// PSS of the browser's process tree, KiB, before the first send and
    /// after the last (each after a garbage collection in the page).
    pub pss_before_kib: Option<u64>,
    pub pss_after_kib: Option<u64>,
}

/// Sends `count` messages, the `i`-th with `content(i)` to
/// `targets[i % targets.len()]`, each waiting for the server's ack.
pub async fn send_rate(handle: &SessionHandle, targets: &[WaId], count: usize, content: impl Fn(usize) -> Content, opts: SendOptions) -> SendBench {
    // Measured after a garbage collection: what the page keeps, not what
    // it has not collected yet.
    let pss = |h: &SessionHandle| {
        let h = h.clone();
        async move {
            let _ = h.collect_garbage().await;
            h.health().await.ok().and_then(|x| x.pss_kib)
        }
    };
    let pss_before_kib = pss(handle).await;
    let started = Instant::now();
    let mut accepted = 0;
    let mut failed: Vec<(String, u32)> = Vec::new();
    for i in 0..count {
        let Some(target) = targets.get(i % targets.len().max(1)) else { break };
        let req = SendRequest { id: MessageId::new(), target: target.clone(), content: content(i) };
        match handle.send(&req, opts).await {
            Ok(_) => accepted += 1,
            Err(e) => match failed.iter_mut().find(|(k, _)| k == e.kind()) {
                Some((_, n)) => *n += 1,
                None => failed.push((e.kind().to_string(), 1)),
            },
        }
    }
    let elapsed = started.elapsed();
    let pss_after_kib = pss(handle).await;
    let per_second = if elapsed.is_zero() { 0.0 } else { f64::from(accepted) / elapsed.as_secs_f64() };
    SendBench { accepted, failed, elapsed, per_second, pss_before_kib, pss_after_kib }
}
