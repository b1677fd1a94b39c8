//! A campaign's media file, stored once: copied into
//! `<data>/media/<sha256>` and recorded in `media_assets` by its SHA-256, so
//! the same file used by ten campaigns is one file and one row.
//!
//! The type is sniffed from the content (`infer`), never taken from the
//! name, and the size is checked against WhatsApp's limits. Both checks are
//! flock-wa's ([`flock_wa::media::check_file`], its one limits table), the
//! same the driver runs before a send, so a file accepted here is not
//! refused later for its size or type.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use flock_wa::media::{check_file, MediaKind, LIMITS};
use sea_orm::{sea_query::OnConflict, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use sha2::{Digest, Sha256};

use super::error::CampaignError;
use super::model::ContentKind;
use crate::entities::media_asset;
use crate::paths::DataPaths;

/// How a file of this (sniffed) content type is sent: as an image, video
/// or audio when WhatsApp takes that type so, else as a document.
pub fn kind_for(mime: Option<&str>) -> MediaKind {
    let Some(mime) = mime else { return MediaKind::Document };
    LIMITS
        .iter()
        .find(|l| !l.types.is_empty() && l.types.contains(&mime))
        .map(|l| l.kind)
        .unwrap_or(MediaKind::Document)
}

pub fn content_kind(kind: MediaKind) -> ContentKind {
    match kind {
        MediaKind::Image => ContentKind::Image,
        MediaKind::Video => ContentKind::Video,
        MediaKind::Audio => ContentKind::Audio,
        MediaKind::Document => ContentKind::Document,
    }
}

/// What [`check`] found, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedMedia {
    pub path: PathBuf,
    pub kind: MediaKind,
    pub mime: String,
    pub size: u64,
    pub file_name: String,
}

/// Sniffs the file's type and checks it against WhatsApp's limits.
pub fn check(path: &Path) -> Result<CheckedMedia, CampaignError> {
    let sniffed = infer::get_from_path(path)
        .map_err(|e| {
            CampaignError::Media(flock_wa::SendError::FileUnreadable { path: path.into(), cause: e.to_string() })
        })?
        .map(|t| t.mime_type().to_string());
    let kind = kind_for(sniffed.as_deref());
    let checked = check_file(path, kind, None, None).map_err(CampaignError::Media)?;
    Ok(CheckedMedia {
        path: path.to_path_buf(),
        kind,
        mime: checked.mimetype,
        size: checked.size,
        file_name: checked.file_name,
    })
}

/// The stored file of an asset (D's sender reads it from here).
pub fn asset_path(paths: &DataPaths, asset: &media_asset::Model) -> PathBuf {
    paths.media_dir().join(&asset.stored_path)
}

/// Copies a checked file into the media store (once per content) and
/// records it; returns the asset row (the existing one for a known file).
pub async fn store(
    db: &impl ConnectionTrait,
    paths: &DataPaths,
    media: &CheckedMedia,
) -> Result<media_asset::Model, CampaignError> {
    let io = |source| CampaignError::MediaStore { path: media.path.clone(), source };
    let dir = paths.media_dir();
    std::fs::create_dir_all(&dir).map_err(io)?;
    // Hash while copying to a temp file in the store, then rename: one read
    // of the source, and the store never holds a half-written file.
    let mut src = std::fs::File::open(&media.path).map_err(io)?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = src.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(io)?;
        size += n as u64;
    }
    let sha = format!("{:x}", hasher.finalize());
    let target = dir.join(&sha);
    if target.exists() {
        drop(tmp);
    } else {
        tmp.persist(&target).map_err(|e| io(e.error))?;
    }
    let now = chrono::Utc::now();
    media_asset::Entity::insert(media_asset::ActiveModel {
        sha256: Set(sha.clone()),
        file_name: Set(media.file_name.clone()),
        mime: Set(media.mime.clone()),
        size_bytes: Set(size as i64),
        stored_path: Set(sha.clone()),
        created_at: Set(now),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(media_asset::Column::Sha256).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    let found = media_asset::Entity::find().filter(media_asset::Column::Sha256.eq(&sha)).one(db).await?;
    found.ok_or_else(|| CampaignError::Corrupt { id: 0, what: "media asset", detail: format!("{sha} vanished") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_sniffed_type() {
        assert_eq!(kind_for(Some("image/png")), MediaKind::Image);
        assert_eq!(kind_for(Some("video/mp4")), MediaKind::Video);
        assert_eq!(kind_for(Some("audio/mpeg")), MediaKind::Audio);
        // A type WhatsApp does not show as an image goes as a document.
        assert_eq!(kind_for(Some("image/tiff")), MediaKind::Document);
        assert_eq!(kind_for(Some("application/pdf")), MediaKind::Document);
        assert_eq!(kind_for(None), MediaKind::Document);
    }
}
