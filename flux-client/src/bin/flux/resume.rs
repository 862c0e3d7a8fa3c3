//! Resuming a batch line from its journal ("generated" record): what counts as expired URLs,
//! and finding a line's files already complete on disk before paying for it again.

use std::io::Read;
use std::path::{Path, PathBuf};

use flux_client::{Error, FluxClient, ImageFormat, Images};
use serde_json::json;

/// The stem of image `index` (from 0) of `line`: `line-000007-1`. The line number is padded to
/// a fixed width, not one taken from the input's length: a resumed line must get the name it
/// had (a file written but not yet recorded is then overwritten, not left beside a
/// differently padded copy), whatever was appended to the input since. Longer line numbers are
/// written whole.
pub fn stem(line: usize, index: usize) -> String {
    format!("line-{line:06}-{}", index + 1)
}

/// Whether a failed download says the image URLs are gone (signed URLs expire): only then may
/// a journaled line be generated (and paid for) again. A local disk error, an image host
/// answering 5xx or with something that is not an image keeps the journal.
pub fn expired(error: &Error) -> bool {
    matches!(
        error,
        Error::Download {
            status: Some(403 | 404 | 410),
            ..
        }
    )
}

/// The path of image `slot` (from 0) of `line` when it is on disk as a complete image under its
/// batch name (saved files are renamed into place whole, so a file under its final name with an
/// image header is complete): a file saved before the run was killed, not yet journaled.
pub fn complete_on_disk(dir: &Path, line: usize, slot: usize) -> Option<PathBuf> {
    let stem = stem(line, slot);
    ["png", "jpg", "webp"].iter().find_map(|ext| {
        let path = dir.join(format!("{stem}.{ext}"));
        is_complete_image(&path).then_some(path)
    })
}

/// Whether `path` is a regular file that starts like the image its extension names.
pub fn is_complete_image(path: &Path) -> bool {
    let read = || -> Option<bool> {
        let mut head = [0u8; ImageFormat::SNIFF_LEN];
        let mut file = std::fs::File::open(path).ok()?;
        if !file.metadata().ok()?.is_file() {
            return None;
        }
        file.read_exact(&mut head).ok()?;
        let format = ImageFormat::sniff(&head)?;
        Some(
            path.extension()
                .is_some_and(|ext| ext == format.extension()),
        )
    };
    read().unwrap_or(false)
}

/// How the temporary files of a batch line's images begin (`.flux-line-000001-1-abc.part`).
pub const LINE_PARTS: &str = ".flux-line-";

/// Removes the temporary files named `prefix*.part` that a killed batch left in `dir`: only
/// its own (`.flux-line-*.part` for images, `.flux-gallery-*.part` for pages), never those of a
/// `flux generate` saving there. Called under the directory's lock, so no other batch is
/// writing them.
pub fn remove_parts(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(prefix) && name.ends_with(".part") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The journaled images of `slots` (their index in the answer), to download without paying
/// again: an image without a URL (a base64 image whose file is gone) cannot be.
pub fn from_journal(
    client: &FluxClient,
    created: i64,
    slots: &[(usize, &crate::manifest::ImageRecord)],
) -> Result<Images, Error> {
    let data: Vec<_> = slots
        .iter()
        .map(|(_, image)| json!({"url": image.url, "revised_prompt": image.revised_prompt}))
        .collect();
    let response =
        serde_json::from_value(json!({"created": created, "data": data})).map_err(|e| {
            Error::InvalidRequest {
                field: "journal",
                reason: e.to_string(),
            }
        })?;
    client.images_from_response(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_files_are_found_and_partial_ones_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
        std::fs::write(dir.path().join("line-000003-1.png"), png).unwrap();
        assert_eq!(
            complete_on_disk(dir.path(), 3, 0),
            Some(dir.path().join("line-000003-1.png"))
        );
        assert_eq!(
            complete_on_disk(dir.path(), 3, 1),
            None,
            "the second is missing"
        );
        std::fs::write(dir.path().join("line-000004-1.png"), b"<html>").unwrap();
        assert_eq!(complete_on_disk(dir.path(), 4, 0), None, "not an image");
        std::fs::write(dir.path().join("line-000005-1.jpg"), png).unwrap();
        assert_eq!(complete_on_disk(dir.path(), 5, 0), None, "a PNG named .jpg");
    }

    #[test]
    fn only_the_batch_s_own_temporary_files_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".flux-line-000001-1-abc.part",
            ".flux-flux-17-1-xyz.part",
            "keep.png",
        ] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        remove_parts(dir.path(), LINE_PARTS);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [".flux-flux-17-1-xyz.part", "keep.png"]);
    }
}
