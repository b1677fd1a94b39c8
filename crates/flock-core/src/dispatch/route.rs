//! Rotation as a pure function: which of our accounts a claimed message
//! goes to (or why none now).
//!
//! An account may send a target when it is one of the campaign's accounts
//! (none chosen: any), its session is here and can send ([`Mode`]), and:
//! - for a group: it is a member, and an admin when only admins may send;
//! - while it is timelocked (error 463, [`Mode::RepliesOnly`]): the target is
//!   a group or a person who wrote to this account first.
//!
//! Of those, the sticky sender (the account the person already talks to)
//! gets it, waiting for it when it is busy or paced; otherwise the ready one
//! with the most allowance left ([`super::pace::most_allowance`]).

use super::pace::{most_allowance, Allowance};

/// What an account may send right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Anything.
    Full,
    /// Reachout timelock: groups, and people who wrote to it first.
    RepliesOnly,
    /// Nothing (not active here).
    Off,
}

/// One account at the moment of the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lane {
    pub account_id: i64,
    pub mode: Mode,
    /// Free (no send in flight) and its pace allows a send now.
    pub ready: bool,
    pub allowance: Allowance,
}

/// The group side of a target.
#[derive(Debug, Clone, Copy)]
pub struct GroupFacts<'a> {
    /// Our accounts in the group: (account, is admin).
    pub members: &'a [(i64, bool)],
    pub admins_only: bool,
}

/// What is known about one target.
#[derive(Debug, Clone, Copy, Default)]
pub struct TargetFacts<'a> {
    /// `Some` for a group target.
    pub group: Option<GroupFacts<'a>>,
    /// The account the person already talks to.
    pub sticky: Option<i64>,
    /// Our accounts the person wrote to.
    pub wrote_to: &'a [i64],
    /// The campaign's accounts (`None`: every account).
    pub campaign_accounts: Option<&'a [i64]>,
    /// Team mode: active accounts whose session runs on another live
    /// workstation (that desk sends for them).
    pub elsewhere: &'a [i64],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Send(i64),
    /// An account may send it, but none of them is ready now.
    Wait,
    /// No account here may send it now.
    Nobody,
}

/// May `lane` send to this target at all (ready or not)?
pub fn may_send(lane: &Lane, t: &TargetFacts) -> bool {
    if lane.mode == Mode::Off {
        return false;
    }
    if t.campaign_accounts.is_some_and(|set| !set.contains(&lane.account_id)) {
        return false;
    }
    match t.group {
        Some(g) => g.members.iter().any(|&(a, admin)| a == lane.account_id && (admin || !g.admins_only)),
        None => lane.mode == Mode::Full || t.wrote_to.contains(&lane.account_id),
    }
}

pub fn route(lanes: &[Lane], t: &TargetFacts) -> Route {
    // A person who talks to an account running on another desk is that desk's
    // to send to: taking them here would switch the number they hear from.
    if t.group.is_none() {
        if let Some(s) = t.sticky {
            if t.elsewhere.contains(&s) && t.campaign_accounts.is_none_or(|set| set.contains(&s)) {
                return Route::Nobody;
            }
        }
    }
    let eligible: Vec<&Lane> = lanes.iter().filter(|l| may_send(l, t)).collect();
    if eligible.is_empty() {
        return Route::Nobody;
    }
    if t.group.is_none() {
        if let Some(sticky) = t.sticky.and_then(|s| eligible.iter().find(|l| l.account_id == s)) {
            return if sticky.ready { Route::Send(sticky.account_id) } else { Route::Wait };
        }
    }
    match most_allowance(eligible.iter().filter(|l| l.ready).map(|l| (l.account_id, l.allowance))) {
        Some(a) => Route::Send(a),
        None => Route::Wait,
    }
}

/// The accounts of the campaign that are members of the group at all
/// (whatever their state): none means the group can never be sent to.
pub fn group_reachable(g: &GroupFacts, campaign_accounts: Option<&[i64]>) -> bool {
    g.members.iter().any(|&(a, admin)| (admin || !g.admins_only) && campaign_accounts.is_none_or(|set| set.contains(&a)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lane(id: i64, mode: Mode, ready: bool, day_left: u32) -> Lane {
        Lane {
            account_id: id,
            mode,
            ready,
            allowance: Allowance { minute_left: Some(5), hour_left: Some(100), day_left: Some(day_left), day_cap: Some(1500) },
        }
    }

    #[test]
    fn the_ready_account_with_the_most_allowance_left_gets_it() {
        let lanes = [lane(1, Mode::Full, true, 10), lane(2, Mode::Full, true, 900), lane(3, Mode::Full, false, 1400)];
        assert_eq!(route(&lanes, &TargetFacts::default()), Route::Send(2));
        let exhausted = [lane(1, Mode::Full, true, 0), lane(2, Mode::Full, false, 900)];
        assert_eq!(route(&exhausted, &TargetFacts::default()), Route::Wait);
        assert_eq!(route(&[lane(1, Mode::Off, true, 10)], &TargetFacts::default()), Route::Nobody);
    }

    #[test]
    fn the_sticky_sender_keeps_its_person_and_is_waited_for() {
        let lanes = [lane(1, Mode::Full, true, 900), lane(2, Mode::Full, false, 10)];
        let t = TargetFacts { sticky: Some(2), ..Default::default() };
        assert_eq!(route(&lanes, &t), Route::Wait);
        let lanes = [lane(1, Mode::Full, true, 900), lane(2, Mode::Full, true, 10)];
        assert_eq!(route(&lanes, &t), Route::Send(2));
        // A sticky account that may not send it (off, or not the campaign's) is passed over.
        let lanes = [lane(1, Mode::Full, true, 900), lane(2, Mode::Off, true, 10)];
        assert_eq!(route(&lanes, &t), Route::Send(1));
        let set = [1];
        let t = TargetFacts { sticky: Some(2), campaign_accounts: Some(&set), ..Default::default() };
        assert_eq!(route(&[lane(1, Mode::Full, true, 9), lane(2, Mode::Full, true, 900)], &t), Route::Send(1));
    }

    #[test]
    fn a_person_sticky_to_an_account_on_another_live_desk_is_left_to_that_desk() {
        let lanes = [lane(1, Mode::Full, true, 900)];
        let there = [7];
        let t = TargetFacts {
            sticky: Some(7),
            elsewhere: &there,
            ..Default::default()
        };
        assert_eq!(route(&lanes, &t), Route::Nobody);
        // Its desk gone offline (not in `elsewhere` any more): sent from here.
        let t = TargetFacts {
            sticky: Some(7),
            ..Default::default()
        };
        assert_eq!(route(&lanes, &t), Route::Send(1));
        // Not one of the campaign's accounts: it does not count.
        let set = [1];
        let t = TargetFacts {
            sticky: Some(7),
            elsewhere: &there,
            campaign_accounts: Some(&set),
            ..Default::default()
        };
        assert_eq!(route(&lanes, &t), Route::Send(1));
    }

    #[test]
    fn a_timelocked_account_sends_only_to_people_who_wrote_to_it_and_to_groups() {
        let lanes = [lane(1, Mode::RepliesOnly, true, 900), lane(2, Mode::Full, true, 10)];
        assert_eq!(route(&lanes, &TargetFacts::default()), Route::Send(2));
        let wrote = [1];
        let t = TargetFacts { sticky: Some(1), wrote_to: &wrote, ..Default::default() };
        assert_eq!(route(&lanes, &t), Route::Send(1));
        assert_eq!(route(&lanes[..1], &TargetFacts::default()), Route::Nobody);
        let members = [(1, false)];
        let g = TargetFacts { group: Some(GroupFacts { members: &members, admins_only: false }), ..Default::default() };
        assert_eq!(route(&lanes, &g), Route::Send(1));
    }

    #[test]
    fn a_group_goes_only_through_a_member_and_an_admin_when_only_admins_may_send() {
        let lanes = [lane(1, Mode::Full, true, 900), lane(2, Mode::Full, true, 10), lane(3, Mode::Full, true, 500)];
        let members = [(2, false), (3, true)];
        let open = TargetFacts { group: Some(GroupFacts { members: &members, admins_only: false }), ..Default::default() };
        assert_eq!(route(&lanes, &open), Route::Send(3));
        let lanes2 = [lane(2, Mode::Full, true, 900), lane(3, Mode::Full, true, 10)];
        assert_eq!(route(&lanes2, &open), Route::Send(2));
        let closed = TargetFacts { group: Some(GroupFacts { members: &members, admins_only: true }), ..Default::default() };
        assert_eq!(route(&lanes2, &closed), Route::Send(3));
        assert!(group_reachable(&GroupFacts { members: &members, admins_only: true }, None));
        assert!(!group_reachable(&GroupFacts { members: &members, admins_only: true }, Some(&[2])));
        assert!(!group_reachable(&GroupFacts { members: &[], admins_only: false }, None));
        // Sticky does not apply to groups.
        let sticky = TargetFacts { sticky: Some(2), ..closed };
        assert_eq!(route(&lanes2, &sticky), Route::Send(3));
    }
}
