//! Session events the database did not take yet. An ack or a reply (a STOP
//! among them) arriving while the database is unreachable, restarted or
//! locked is kept here and recorded once it answers again, so "delivered",
//! "read" and opt-outs are never lost to an outage. Recording is
//! idempotent (acks only move forward; inbound messages are unique per
//! account and id), so an event retried after a write that did land
//! changes nothing.
//!
//! Bounded: at most [`MAX_EVENTS`] events, each kept at most [`MAX_AGE`];
//! what falls out is named in a warning (the reconcile and the session's
//! own history still bring most of it back).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::gateway::GatewayEvent;

pub const MAX_EVENTS: usize = 50_000;
pub const MAX_AGE: Duration = Duration::from_secs(6 * 3600);

#[derive(Debug)]
struct Held {
    event: GatewayEvent,
    since: Instant,
}

#[derive(Debug, Default)]
pub struct Backlog {
    held: VecDeque<Held>,
    /// Events given up (too many or too old) since the start.
    pub dropped: u64,
}

impl Backlog {
    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    /// Keeps `event` for a later try, dropping the oldest when full.
    pub fn hold(&mut self, event: GatewayEvent, now: Instant) {
        if self.held.len() >= MAX_EVENTS {
            if let Some(old) = self.held.pop_front() {
                self.dropped += 1;
                tracing::warn!(event = describe(&old.event), "more than {MAX_EVENTS} session events waiting for the database: the oldest is given up");
            }
        }
        self.held.push_back(Held { event, since: now });
    }

    /// Takes the events to try now, oldest first; the ones kept longer than
    /// [`MAX_AGE`] are given up with a warning.
    pub fn take(&mut self, now: Instant) -> Vec<(GatewayEvent, Instant)> {
        let mut out = Vec::with_capacity(self.held.len());
        for h in self.held.drain(..) {
            if now.duration_since(h.since) > MAX_AGE {
                self.dropped += 1;
                tracing::warn!(event = describe(&h.event), "a session event waited over {} h for the database: given up", MAX_AGE.as_secs() / 3600);
            } else {
                out.push((h.event, h.since));
            }
        }
        out
    }

    /// Puts back an event that failed again, keeping its first time.
    pub fn put_back(&mut self, event: GatewayEvent, since: Instant) {
        self.held.push_back(Held { event, since });
    }
}

/// A log-safe name for an event: no message text, no phone number.
pub fn describe(ev: &GatewayEvent) -> String {
    match ev {
        GatewayEvent::Ack { account_id, id, ack } => format!("ack {ack:?} of message {id} on account {account_id}"),
        GatewayEvent::Inbound { account_id, message } => format!("inbound message {} on account {account_id}", message.id),
        GatewayEvent::Account { account_id } => format!("change of account {account_id}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(n: i64) -> GatewayEvent {
        GatewayEvent::Account { account_id: n }
    }

    #[test]
    fn events_come_back_in_order_and_old_or_excess_ones_are_given_up() {
        let t0 = Instant::now();
        let mut b = Backlog::default();
        b.hold(ev(1), t0);
        b.hold(ev(2), t0 + Duration::from_secs(1));
        let taken = b.take(t0 + Duration::from_secs(2));
        assert!(b.is_empty());
        let ids: Vec<i64> = taken.iter().map(|(e, _)| if let GatewayEvent::Account { account_id } = e { *account_id } else { 0 }).collect();
        assert_eq!(ids, vec![1, 2]);
        // One fails again: it keeps its first time and ages out.
        let (first, since) = taken.into_iter().next().unwrap();
        b.put_back(first, since);
        assert_eq!(b.take(t0 + MAX_AGE + Duration::from_secs(1)).len(), 0);
        assert_eq!(b.dropped, 1);
        for i in 0..MAX_EVENTS as i64 + 3 {
            b.hold(ev(i), t0);
        }
        assert_eq!((b.len(), b.dropped), (MAX_EVENTS, 4));
    }
}
