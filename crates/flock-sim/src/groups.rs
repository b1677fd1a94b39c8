//! Groups: creation and changes from the control API, and what a page sees.

use std::collections::HashSet;

use chrono::Utc;
use serde_json::{json, Value};

use crate::api::*;
use crate::error::{SimError, SimResult};
use crate::ids;
use crate::world::{e164, Group, World};

impl World {
    pub fn add_group(&mut self, req: NewGroup) -> SimResult<GroupInfo> {
        if req.subject.trim().is_empty() {
            return Err(SimError::InvalidInput("a group needs a subject".into()));
        }
        let mut members = Vec::new();
        for m in &req.members_of {
            let d = self.registered(m)?;
            if !members.contains(&d) {
                members.push(d);
            }
        }
        let admins: Vec<String> = req.admins.iter().map(|a| ids::participant_wid(a)).collect::<SimResult<_>>()?;
        let mut participants: Vec<Participant> = Vec::new();
        let wanted = req.participants.iter().map(|p| ids::participant_wid(p)).collect::<SimResult<Vec<_>>>()?;
        let all = wanted.into_iter().chain(members.iter().map(|d| ids::user_wid(d))).chain(admins.iter().cloned());
        for wid in all {
            if participants.iter().any(|p| p.id == wid) {
                continue;
            }
            let is_admin = admins.contains(&wid);
            participants.push(Participant {
                is_super_admin: is_admin && admins.first() == Some(&wid),
                is_admin,
                id: wid,
            });
        }
        let lid_addressing = req.lid_addressing.unwrap_or_else(|| participants.iter().any(|p| p.id.ends_with("@lid")));
        let mut id = ids::new_group_id(&mut self.rng);
        while self.groups.contains_key(&id) {
            id = ids::new_group_id(&mut self.rng);
        }
        let info = GroupInfo {
            id: id.clone(),
            subject: req.subject,
            desc: req.desc,
            owner: admins.first().cloned(),
            creation: Utc::now().timestamp() - 86_400 * 30,
            participants,
            members_of: members.iter().map(|d| e164(d)).collect(),
            lid_addressing,
            announce: req.announce,
            restrict: req.restrict,
        };
        self.groups.insert(id, Group { info: info.clone(), members, former: Vec::new() });
        Ok(info)
    }

    /// Changes a group and tells the open sessions of its member phones
    /// (a phone removed from it sees the group without itself, read-only).
    pub fn patch_group(&mut self, id: &str, patch: GroupPatch) -> SimResult<GroupInfo> {
        let known_phones: HashSet<String> = self.phones.keys().cloned().collect();
        let g = self.groups.get_mut(id).ok_or_else(|| SimError::NotFound(format!("group {id}")))?;
        let before: Vec<String> = g.members.clone();
        let parse = |v: &Vec<String>| v.iter().map(|p| ids::participant_wid(p)).collect::<SimResult<Vec<_>>>();
        let (add, remove, promote, demote) =
            (parse(&patch.add)?, parse(&patch.remove)?, parse(&patch.promote)?, parse(&patch.demote)?);
        if let Some(s) = patch.subject {
            g.info.subject = s;
        }
        if let Some(d) = patch.desc {
            g.info.desc = Some(d);
        }
        if let Some(a) = patch.announce {
            g.info.announce = a;
        }
        if let Some(r) = patch.restrict {
            g.info.restrict = r;
        }
        for wid in add {
            if !g.info.participants.iter().any(|p| p.id == wid) {
                g.info.participants.push(Participant { id: wid, is_admin: false, is_super_admin: false });
            }
        }
        g.info.participants.retain(|p| !remove.contains(&p.id));
        for p in g.info.participants.iter_mut() {
            if promote.contains(&p.id) {
                p.is_admin = true;
            }
            if demote.contains(&p.id) {
                p.is_admin = false;
                p.is_super_admin = false;
            }
        }
        g.members = g
            .info
            .participants
            .iter()
            .filter_map(|p| p.id.strip_suffix("@c.us"))
            .filter(|d| known_phones.contains(*d))
            .map(str::to_owned)
            .collect();
        g.info.members_of = g.members.iter().map(|d| e164(d)).collect();
        for d in &before {
            if !g.members.contains(d) && !g.former.contains(d) {
                g.former.push(d.clone());
            }
        }
        let now_in = g.members.clone();
        g.former.retain(|d| !now_in.contains(d));
        let info = g.info.clone();
        let members = g.members.clone();
        let group = self.group_json(&info);
        for d in before.iter().chain(members.iter()) {
            let t = if members.contains(d) { "group_upsert" } else { "group_left" };
            self.push_to_phone(d, &json!({"t": t, "group": group}));
        }
        Ok(info)
    }

    /// The server's answer to a page asking for a group's metadata: the
    /// group as it is now, for a member phone; a phone not in it is refused.
    pub fn group_metadata_for(&self, digits: &str, id: &str) -> SimResult<Value> {
        let g = self.groups.get(id).ok_or_else(|| SimError::NotFound(format!("group {id}")))?;
        if !g.members.iter().any(|m| m == digits) {
            return Err(SimError::Conflict(format!("not a participant of {id}")));
        }
        Ok(self.group_json(&g.info))
    }

    pub fn group_json(&self, g: &GroupInfo) -> Value {
        json!({
            "id": g.id, "subject": g.subject, "desc": g.desc, "owner": g.owner,
            "creation": g.creation, "participants": g.participants,
            "isLidAddressingMode": g.lid_addressing, "announce": g.announce, "restrict": g.restrict,
        })
    }

    /// Is the phone `digits` an admin of the group (under its number or its lid)?
    pub fn is_group_admin(&self, g: &GroupInfo, digits: &str) -> bool {
        let pn = ids::user_wid(digits);
        let lid = self.phones.get(digits).map(|p| format!("{}@lid", p.lid));
        g.participants.iter().any(|p| p.is_admin && (p.id == pn || Some(&p.id) == lid.as_ref()))
    }
}
