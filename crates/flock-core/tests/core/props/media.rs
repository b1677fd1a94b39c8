//! Media files a composer attaches: any bytes under any name, truncated
//! real files, empty files and a 3 GB sparse file (never written: its size is
//! set with `File::set_len`). The checks are the ones a send makes
//! (`campaigns::media::check` over flock-wa's `check_file`), then the
//! composer's card (`inspect`, which decodes images for a thumbnail).

use std::io::Cursor;
use std::path::Path;

use flock_core::campaigns::media::{check, kind_for};
use flock_core::campaigns::store::desk::inspect;
use flock_core::campaigns::CampaignError;
use flock_wa::media::{limit_of, MediaKind, LIMITS};
use flock_wa::SendError;
use proptest::prelude::*;

/// Real files of each kind WhatsApp shows: a PNG, a JPEG, a WebP, an MP4,
/// an MP3 and a PDF (small but whole).
fn real_files() -> Vec<(&'static str, Vec<u8>)> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([(x * 4) as u8, (y * 5) as u8, 90]));
    let encode = |format| {
        let mut out = Vec::new();
        image::DynamicImage::ImageRgb8(img.clone()).write_to(&mut Cursor::new(&mut out), format).unwrap();
        out
    };
    let mp4 = [&[0, 0, 0, 0x18][..], b"ftypmp42", &[0, 0, 0, 0], b"isommp42", &[0, 0, 0, 8], b"free"].concat();
    let mp3 = [&b"ID3\x04\x00\x00\x00\x00\x00\x00"[..], &[0xFF, 0xFB, 0x90, 0x64], &[0u8; 64]].concat();
    vec![
        ("photo.png", encode(image::ImageFormat::Png)),
        ("photo.jpg", encode(image::ImageFormat::Jpeg)),
        ("photo.webp", encode(image::ImageFormat::WebP)),
        ("clip.mp4", mp4),
        ("song.mp3", mp3),
        ("price list.pdf", b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n".to_vec()),
    ]
}

/// Any name a file can have (`.` and `..` name folders, not files).
fn names() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["photo.jpg", "photo.png", "clip.mp4", "song.mp3", "offer.pdf", "setup.exe", "noext", ".hidden", "a.JPG"])
            .prop_map(String::from),
        "[a-zA-Z0-9 ._-]{1,12}\\.[a-z0-9]{0,4}",
        "[^/\\\\\\p{Cc}]{1,10}",
    ]
    .prop_filter("a file name", |n| n != "." && n != "..")
}

/// Any bytes, or a real file cut anywhere and maybe with bytes changed.
fn contents() -> impl Strategy<Value = Vec<u8>> {
    let files = real_files();
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..600),
        (prop::sample::select(files), any::<prop::sample::Index>(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4))
            .prop_map(|((_, bytes), cut, flips)| {
                let mut b = bytes[..cut.index(bytes.len() + 1)].to_vec();
                for (at, v) in flips {
                    if !b.is_empty() {
                        let i = at.index(b.len());
                        b[i] = v;
                    }
                }
                b
            }),
    ]
}

/// The error names the file (by its path, which holds its name).
fn names_the_file(e: &CampaignError, path: &Path) -> bool {
    e.to_string().contains(&path.display().to_string())
}

fn checked_as_sent(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), TestCaseError> {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    match check(&path) {
        Ok(m) => {
            prop_assert_eq!(m.size, bytes.len() as u64);
            prop_assert!(m.size > 0, "an empty file was accepted");
            prop_assert!(m.size <= limit_of(m.kind).max_bytes);
            // The kind follows the content type sniffed, never the name.
            prop_assert_eq!(m.kind, kind_for(infer::get(bytes).map(|t| t.mime_type())));
            let allowed = limit_of(m.kind).types;
            prop_assert!(allowed.is_empty() || allowed.contains(&m.mime.as_str()), "{} sent as {:?}", m.mime, m.kind);
            // The composer's card agrees, whatever the image decoder makes of it.
            let info = inspect(&path).map_err(|e| TestCaseError::fail(format!("check passed, inspect failed: {e}")))?;
            prop_assert_eq!((info.size, info.mime), (m.size, m.mime));
            if let Some(t) = info.thumbnail {
                prop_assert!(t.starts_with("data:image/png;base64,"));
            }
        }
        Err(e) => {
            prop_assert!(names_the_file(&e, &path), "{} does not name {}", e, path.display());
            prop_assert!(e.report().fix.is_some_and(|f| !f.is_empty()), "{e}");
            prop_assert!(inspect(&path).is_err(), "inspect accepted what a send refuses");
            if bytes.is_empty() {
                prop_assert!(e.to_string().contains("empty"), "{e}");
            }
        }
    }
    std::fs::remove_file(&path).unwrap();
    Ok(())
}

proptest! {
    #![proptest_config(super::slow_cases(1500, 100))]

    /// Any bytes under any name: accepted with the kind its content says
    /// (within that kind's limit and types), or refused with an error that
    /// names the file and the fix; never a panic, also in the thumbnail decoder.
    #[test]
    fn any_file_is_checked_by_its_content_or_refused_naming_it(name in names(), bytes in contents()) {
        let dir = tempfile::tempdir().unwrap();
        checked_as_sent(dir.path(), &name, &bytes)?;
    }
}

#[test]
fn real_files_of_each_kind_pass_and_get_their_kind() {
    let dir = tempfile::tempdir().unwrap();
    let want = [MediaKind::Image, MediaKind::Image, MediaKind::Image, MediaKind::Video, MediaKind::Audio, MediaKind::Document];
    for ((name, bytes), kind) in real_files().into_iter().zip(want) {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        let m = check(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.kind, kind, "{name}: {}", m.mime);
        let info = inspect(&path).unwrap();
        assert_eq!(info.thumbnail.is_some(), kind == MediaKind::Image, "{name}");
    }
}

#[test]
fn a_renamed_program_is_not_an_image_and_an_empty_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let exe = dir.path().join("offer.jpg");
    std::fs::write(&exe, b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00").unwrap();
    // Sniffed as a program: sent as a document, never shown as an image.
    let m = check(&exe).unwrap();
    assert_eq!((m.kind, m.mime.as_str()), (MediaKind::Document, "application/vnd.microsoft.portable-executable"));
    let empty = dir.path().join("empty.png");
    std::fs::write(&empty, b"").unwrap();
    let e = check(&empty).unwrap_err();
    assert!(e.to_string().contains("empty") && names_the_file(&e, &empty), "{e}");
}

/// 3 GB that were never written: refused at once for its size (the check
/// reads the length and a few header bytes, never the file), naming it and
/// WhatsApp's limit; with a video's header it is refused as a video.
#[test]
fn a_3_gb_sparse_file_is_refused_for_its_size_without_being_read() {
    const SIZE: u64 = 3 * 1024 * 1024 * 1024;
    let dir = tempfile::tempdir().unwrap();
    for (name, header, kind) in [("backup.bin", &b""[..], MediaKind::Document), ("film.mp4", &real_files()[3].1[..], MediaKind::Video)] {
        let path = dir.path().join(name);
        let file = std::fs::File::create(&path).unwrap();
        std::io::Write::write_all(&mut &file, header).unwrap();
        file.set_len(SIZE).unwrap();
        drop(file);
        let started = std::time::Instant::now();
        let e = check(&path).unwrap_err();
        match &e {
            CampaignError::Media(SendError::FileTooLarge { size, limit, kind: k, .. }) => {
                assert_eq!((*size, *limit, *k), (SIZE, limit_of(kind).max_bytes, kind), "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
        assert!(names_the_file(&e, &path), "{e}");
        assert!(e.to_string().contains("3.2 GB"), "{e}");
        assert!(inspect(&path).is_err());
        // Never read: blocks on disk stay (close to) none.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            assert!(std::fs::metadata(&path).unwrap().blocks() < 1024, "the sparse file was filled");
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the check read the file ({:?})", started.elapsed());
    }
    // Every kind's limit is below 3 GB.
    assert!(LIMITS.iter().all(|l| l.max_bytes < SIZE));
}
