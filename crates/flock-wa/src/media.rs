//! Files checked on the host before any byte reaches the page: WhatsApp's
//! size limits (one table; the page's own figure from
//! `WAWebMediaGatingUtils.getUploadLimit` wins when it offers one) and the
//! file's real type, sniffed from its content (an `.exe` renamed `.jpg` is
//! refused as an image).

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::send::SendError;

/// How a file is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Video,
    Audio,
    Document,
}

impl MediaKind {
    /// WhatsApp's media type name (`getUploadLimit`'s argument).
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
        }
    }

    pub(crate) fn plural(self) -> &'static str {
        match self {
            MediaKind::Image => "images",
            MediaKind::Video => "videos",
            MediaKind::Audio => "audio files",
            MediaKind::Document => "documents",
        }
    }

    pub(crate) fn article(self) -> &'static str {
        match self {
            MediaKind::Image => "an image",
            MediaKind::Video => "a video",
            MediaKind::Audio => "an audio file",
            MediaKind::Document => "a document",
        }
    }

    pub(crate) fn accepted_hint(self) -> String {
        let types = LIMITS.iter().find(|l| l.kind == self).map(|l| l.types.join(", ")).unwrap_or_default();
        if types.is_empty() {
            "send it as a document".into()
        } else {
            format!("WhatsApp takes {} as {types}; send other files as a document", self.plural())
        }
    }
}

impl fmt::Display for MediaKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One row of the limits table.
pub struct Limit {
    pub kind: MediaKind,
    /// Bytes, used when the page does not report its own figure.
    pub max_bytes: u64,
    /// Content types WhatsApp sends as this kind (empty: any).
    pub types: &'static [&'static str],
}

const MIB: u64 = 1024 * 1024;

/// WhatsApp's limits. The page reads them at run time from AB props
/// (`default_media_limit_mb`, `default_video_limit_mb`,
/// `default_audio_limit_mb`) and `MAX_FILE_SIZE_BYTES` for documents;
/// published figures disagree (16 MB to 100 MB for media, 2 GB for
/// documents). These are WhatsApp's long-standing defaults: 16 MB images
/// and audio, 64 MB video on WhatsApp Web, 2 GB documents.
pub const LIMITS: [Limit; 4] = [
    Limit { kind: MediaKind::Image, max_bytes: 16 * MIB, types: &["image/jpeg", "image/png", "image/webp"] },
    Limit { kind: MediaKind::Video, max_bytes: 64 * MIB, types: &["video/mp4", "video/3gpp"] },
    Limit {
        kind: MediaKind::Audio,
        max_bytes: 16 * MIB,
        types: &["audio/mpeg", "audio/mp4", "audio/m4a", "audio/ogg", "audio/opus", "audio/aac", "audio/amr"],
    },
    Limit { kind: MediaKind::Document, max_bytes: 2048 * MIB, types: &[] },
];

/// The longest text (or caption) WhatsApp takes, in characters.
pub const MAX_TEXT_CHARS: usize = 65_536;

pub fn limit_of(kind: MediaKind) -> &'static Limit {
    LIMITS.iter().find(|l| l.kind == kind).expect("every kind has a row")
}

/// A file that passed the checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedFile {
    pub path: PathBuf,
    pub kind: MediaKind,
    pub size: u64,
    /// The content type sent to WhatsApp.
    pub mimetype: String,
    /// The name a document shows.
    pub file_name: String,
}

/// Checks `path` for sending as `kind`: readable, not empty, within the
/// limit (`page_limit` when the page offers one, else the table) and of a
/// type WhatsApp sends as that kind.
pub fn check_file(path: &Path, kind: MediaKind, page_limit: Option<u64>, file_name: Option<&str>) -> Result<CheckedFile, SendError> {
    let unreadable = |cause: String| SendError::FileUnreadable { path: path.to_path_buf(), cause };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(e.to_string()))?;
    if !meta.is_file() {
        return Err(unreadable("it is not a file".into()));
    }
    let size = meta.len();
    if size == 0 {
        return Err(unreadable("the file is empty".into()));
    }
    let limit = page_limit.filter(|l| *l > 0).unwrap_or(limit_of(kind).max_bytes);
    if size > limit {
        return Err(SendError::FileTooLarge { path: path.to_path_buf(), kind, size, limit });
    }
    let sniffed = infer::get_from_path(path).map_err(|e| unreadable(e.to_string()))?.map(|t| t.mime_type().to_string());
    let allowed = limit_of(kind).types;
    let mimetype = if allowed.is_empty() {
        sniffed.clone().or_else(|| mime_from_extension(path).map(str::to_string)).unwrap_or_else(|| "application/octet-stream".into())
    } else {
        match &sniffed {
            Some(m) if allowed.contains(&m.as_str()) => m.clone(),
            _ => return Err(SendError::WrongFileType { path: path.to_path_buf(), kind, found: sniffed }),
        }
    };
    let file_name = file_name
        .map(str::to_string)
        .or_else(|| path.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "file".into());
    Ok(CheckedFile { path: path.to_path_buf(), kind, size, mimetype, file_name })
}

/// Content types of common documents the sniffer cannot tell (text formats).
fn mime_from_extension(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "html" | "htm" => "text/html",
        "vcf" => "text/vcard",
        _ => return None,
    })
}

/// Bytes per base64 chunk sent to the page (512 KiB of file each).
pub const CHUNK_BYTES: usize = 512 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    const EXE: &[u8] = &[b'M', b'Z', 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xFF, 0xFF, 0, 0];

    #[test]
    fn types_are_sniffed_not_taken_from_the_name() {
        let d = tempfile::tempdir().unwrap();
        let png = write(d.path(), "photo.png", PNG);
        let c = check_file(&png, MediaKind::Image, None, None).unwrap();
        assert_eq!((c.mimetype.as_str(), c.size, c.file_name.as_str()), ("image/png", 16, "photo.png"));
        let exe = write(d.path(), "photo.jpg", EXE);
        match check_file(&exe, MediaKind::Image, None, None) {
            Err(SendError::WrongFileType { found, .. }) => assert_eq!(found.as_deref(), Some("application/vnd.microsoft.portable-executable")),
            other => panic!("{other:?}"),
        }
        // Any file goes as a document, with its own name or the one given.
        let doc = check_file(&exe, MediaKind::Document, None, Some("setup.exe")).unwrap();
        assert_eq!(doc.file_name, "setup.exe");
        let txt = write(d.path(), "notes.txt", b"hello");
        assert_eq!(check_file(&txt, MediaKind::Document, None, None).unwrap().mimetype, "text/plain");
    }

    #[test]
    fn limits_come_from_the_page_when_it_has_them() {
        let d = tempfile::tempdir().unwrap();
        let mut big = PNG.to_vec();
        big.resize(2000, 7);
        let p = write(d.path(), "big.png", &big);
        assert!(check_file(&p, MediaKind::Image, None, None).is_ok());
        match check_file(&p, MediaKind::Image, Some(1000), None) {
            Err(SendError::FileTooLarge { size: 2000, limit: 1000, .. }) => {}
            other => panic!("{other:?}"),
        }
        assert!(matches!(check_file(&d.path().join("nope.png"), MediaKind::Image, None, None), Err(SendError::FileUnreadable { .. })));
        let empty = write(d.path(), "empty.png", b"");
        assert!(matches!(check_file(&empty, MediaKind::Image, None, None), Err(SendError::FileUnreadable { .. })));
    }
}
