//! The groups reading: a group the account left stays in the page's
//! GroupMetadata (read-only, without us, as WhatsApp Web keeps it), and is
//! not listed, so the host records it as left; also after a reload.

use flock_wa::{Content, MessageId, SendError, SendOptions, SendRequest, WaId};

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_the_account_left_is_not_listed_also_after_a_reload() {
    let h = Harness::new(|_| {}).await;
    let stays = h
        .sim
        .add_group(NewGroup {
            subject: "Salem Mango Growers".into(),
            participants: vec![PEOPLE[0].into()],
            members_of: vec![ME.into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let leaves = h
        .sim
        .add_group(NewGroup {
            subject: "Erode Turmeric Growers".into(),
            participants: vec![PEOPLE[1].into()],
            members_of: vec![ME.into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let (stays_id, leaves_id) = (WaId::parse(&stays.id).unwrap(), WaId::parse(&leaves.id).unwrap());
    let s = h.link(ME).await;
    let ids = |groups: &[flock_wa::GroupInfo]| groups.iter().map(|g| g.id.clone()).collect::<Vec<_>>();
    let listed = s.handle.groups().await.unwrap();
    assert!(listed.iter().all(|g| g.i_am_member), "{listed:?}");
    let mut both = ids(&listed);
    both.sort_by_key(|w| w.to_string());
    let mut want = vec![stays_id.clone(), leaves_id.clone()];
    want.sort_by_key(|w| w.to_string());
    assert_eq!(both, want);

    h.sim
        .patch_group(&leaves.id, flock_sim::GroupPatch { remove: vec![ME.into()], ..Default::default() })
        .await
        .unwrap();
    eventually("the left group is no longer listed", || async {
        let groups = s.handle.groups().await.ok()?;
        (ids(&groups) == vec![stays_id.clone()]).then_some(())
    })
    .await;

    // The page reloads: the group comes back from the server read-only,
    // still without us; still not listed, and a send is refused before it.
    let page = h.sim.sessions().await.into_iter().find(|x| x.phone.as_deref() == Some(ME)).expect("the session");
    h.sim.reload_session(page.id).await.unwrap();
    eventually("the reloaded page", || async {
        let now = h.sim.sessions().await;
        now.iter().any(|x| x.id != page.id && x.has_synced).then_some(())
    })
    .await;
    s.handle.wait_ready(LONG).await.expect("ready again");
    eventually("the groups after the reload", || async {
        let groups = s.handle.groups().await.ok()?;
        (ids(&groups) == vec![stays_id.clone()]).then_some(())
    })
    .await;
    let req = SendRequest {
        id: MessageId::new(),
        target: leaves_id.clone(),
        content: Content::Text { body: "hello".into() },
    };
    match s.handle.send(&req, SendOptions::default()).await {
        Err(SendError::NotParticipant { group }) => assert_eq!(group, leaves_id),
        other => panic!("a left group: {other:?}"),
    }
    assert!(h.ledger_of(&req.id).await.is_empty(), "nothing reached the server");

    // Added back: listed again.
    h.sim.patch_group(&leaves.id, flock_sim::GroupPatch { add: vec![ME.into()], ..Default::default() }).await.unwrap();
    eventually("the group listed again", || async {
        let groups = s.handle.groups().await.ok()?;
        (groups.len() == 2 && groups.iter().all(|g| g.i_am_member)).then_some(())
    })
    .await;
    h.shutdown(vec![s]).await;
}
