//! The flock-wa send request of one outbox row: its target as a WhatsApp id
//! and its content (the rendered text, with the campaign's link or media).

use flock_wa::{Content, MessageId, SendRequest, WaId};

use super::running::{Attachment, CampaignInfo};
use crate::campaigns::model::ContentKind;
use crate::repo::outbox::TargetKind;

/// The WhatsApp id of an outbox key (`+91…` → `91…@c.us`; `…@lid`, `…@g.us` as they are).
pub fn target_wa_id(key: &str, kind: TargetKind) -> Result<WaId, String> {
    let parsed = match kind {
        TargetKind::Phone => WaId::from_e164(key),
        TargetKind::Lid | TargetKind::Group => WaId::parse(key),
    };
    parsed.map_err(|e| format!("the target {key} is not a WhatsApp id: {e}"))
}

pub fn request(
    id: MessageId,
    key: &str,
    kind: TargetKind,
    rendered: Option<&str>,
    campaign: &CampaignInfo,
) -> Result<SendRequest, String> {
    let target = target_wa_id(key, kind)?;
    let text = rendered.unwrap_or_default().to_string();
    let caption = (!text.trim().is_empty()).then(|| text.clone());
    let content = match &campaign.attachment {
        Attachment::None => Content::Text { body: text },
        Attachment::Link(url) if text.contains(url.as_str()) => Content::Link { body: text },
        Attachment::Link(url) if text.trim().is_empty() => Content::Link { body: url.clone() },
        Attachment::Link(url) => Content::Link { body: format!("{text}\n{url}") },
        Attachment::Media { kind, path, file_name } => match kind {
            ContentKind::Image => Content::Image { path: path.clone(), caption },
            ContentKind::Video => Content::Video { path: path.clone(), caption },
            ContentKind::Audio => Content::Audio { path: path.clone() },
            ContentKind::Document | ContentKind::Text => {
                Content::Document { path: path.clone(), caption, file_name: Some(file_name.clone()) }
            }
        },
    };
    if matches!(content, Content::Text { ref body } if body.trim().is_empty()) {
        return Err("the message has no text".into());
    }
    Ok(SendRequest { id, target, content })
}
