//! The attached file as the composer shows it: checked at once with the
//! very checks a send makes (`campaigns::media::check`: type sniffed from
//! the content, size against WhatsApp's limit for that kind), and for an
//! image a small thumbnail as a `data:` URL (the window's CSP allows
//! `img-src data:`, and the window never reads files itself).

use std::io::Cursor;
use std::path::Path;

use base64::Engine;
use flock_wa::media::limit_of;
use serde::Serialize;

use crate::campaigns::media::{self, asset_path, content_kind, kind_for};
use crate::campaigns::model::ContentKind;
use crate::campaigns::CampaignError;
use crate::entities::media_asset;
use crate::paths::DataPaths;

/// Longest side of a thumbnail, in pixels.
const THUMBNAIL_PX: u32 = 240;
/// Images larger than this are not decoded for a thumbnail (a file card instead).
const THUMBNAIL_MAX_BYTES: u64 = 24 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct MediaInfo {
    pub file_name: String,
    /// Sniffed from the content.
    pub mime: String,
    pub size: u64,
    /// How it is sent: an image, video or audio when WhatsApp takes that type so, else a document.
    pub kind: ContentKind,
    /// WhatsApp's limit for that kind.
    pub max_bytes: u64,
    /// `data:image/png;base64,…`, for images.
    pub thumbnail: Option<String>,
}

fn media_kind(kind: ContentKind) -> flock_wa::media::MediaKind {
    use flock_wa::media::MediaKind as M;
    match kind {
        ContentKind::Image => M::Image,
        ContentKind::Video => M::Video,
        ContentKind::Audio => M::Audio,
        ContentKind::Text | ContentKind::Document => M::Document,
    }
}

/// Checks the file at `path` for sending and describes it.
pub fn inspect(path: &Path) -> Result<MediaInfo, CampaignError> {
    let m = media::check(path)?;
    let kind = content_kind(m.kind);
    Ok(MediaInfo {
        thumbnail: thumbnail(path, &m.mime, m.size),
        file_name: m.file_name,
        mime: m.mime,
        size: m.size,
        kind,
        max_bytes: limit_of(m.kind).max_bytes,
    })
}

/// A stored asset of a campaign sent as `kind`.
pub fn asset_info(paths: &DataPaths, asset: &media_asset::Model, kind: ContentKind) -> MediaInfo {
    let kind = if kind == ContentKind::Text {
        content_kind(kind_for(Some(&asset.mime)))
    } else {
        kind
    };
    let size = asset.size_bytes.max(0) as u64;
    MediaInfo {
        thumbnail: thumbnail(&asset_path(paths, asset), &asset.mime, size),
        file_name: asset.file_name.clone(),
        mime: asset.mime.clone(),
        size,
        kind,
        max_bytes: limit_of(media_kind(kind)).max_bytes,
    }
}

/// A PNG thumbnail of an image file, or `None` (not an image, too large,
/// undecodable: the composer shows a file card).
fn thumbnail(path: &Path, mime: &str, size: u64) -> Option<String> {
    if !mime.starts_with("image/") || size > THUMBNAIL_MAX_BYTES {
        return None;
    }
    let decoded = image::ImageReader::open(path)
        .ok()?
        .with_guessed_format()
        .ok()?
        .decode();
    let image = match decoded {
        Ok(i) => i,
        Err(e) => {
            tracing::debug!(error = %e, "no thumbnail for the attached image");
            return None;
        }
    };
    let small = image.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX);
    let mut png = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(dir: &Path, w: u32, h: u32) -> std::path::PathBuf {
        let path = dir.join("offer.png");
        image::RgbImage::from_pixel(w, h, image::Rgb([31, 138, 91]))
            .save(&path)
            .unwrap();
        path
    }

    #[test]
    fn an_image_gets_a_small_thumbnail_and_the_limits_of_its_kind() {
        let dir = tempfile::tempdir().unwrap();
        let info = inspect(&png(dir.path(), 1200, 600)).unwrap();
        assert_eq!(
            (info.kind, info.mime.as_str(), info.file_name.as_str()),
            (ContentKind::Image, "image/png", "offer.png")
        );
        assert_eq!(info.max_bytes, 16 * 1024 * 1024);
        let data = info.thumbnail.expect("a thumbnail");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data.strip_prefix("data:image/png;base64,").unwrap())
            .unwrap();
        let thumb = image::load_from_memory(&bytes).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (240, 120));
    }

    #[test]
    fn a_document_gets_a_card_and_a_bad_file_a_typed_error() {
        let dir = tempfile::tempdir().unwrap();
        let pdf = dir.path().join("price list.pdf");
        std::fs::write(
            &pdf,
            b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        )
        .unwrap();
        let info = inspect(&pdf).unwrap();
        assert_eq!(
            (info.kind, info.thumbnail.is_none()),
            (ContentKind::Document, true)
        );
        let empty = dir.path().join("empty.jpg");
        std::fs::write(&empty, b"").unwrap();
        let err = inspect(&empty).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        assert!(inspect(&dir.path().join("missing.png")).is_err());
    }
}
