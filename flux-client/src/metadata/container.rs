//! Putting metadata text into PNG, JPEG and WebP containers and finding it again, through
//! `img-parts` (which keeps every other chunk, CRCs and RIFF sizes right). Pixels are never
//! decoded: the image-data chunks are copied as they are.

use bytes::{BufMut, Bytes, BytesMut};
use img_parts::ImageEXIF;
use img_parts::jpeg::{Jpeg, JpegSegment};
use img_parts::png::{Png, PngChunk};
use img_parts::riff::{RiffChunk, RiffContent};
use img_parts::webp::{CHUNK_VP8X, CHUNK_XMP, WebP};

use super::{ImageMetadata, METADATA_KEYWORD, PARAMETERS_KEYWORD, xmp};
use crate::error::{Error, Result};
use crate::format::ImageFormat;

pub(super) const ITXT: [u8; 4] = *b"iTXt";
/// JPEG comment marker.
pub(super) const COM: u8 = 0xFE;
/// The VP8X flag saying that the file has XMP metadata.
const VP8X_XMP: u8 = 0b0000_0100;

fn damaged(format: ImageFormat, error: img_parts::Error) -> Error {
    Error::Metadata {
        reason: format!("the {} file cannot be read: {error}", format.extension()),
    }
}

fn not_an_image() -> Error {
    Error::Metadata {
        reason: "the bytes are not a PNG, JPEG or WebP image".into(),
    }
}

pub(super) fn jpeg_prefix() -> String {
    format!("{METADATA_KEYWORD}: ")
}

pub(super) fn embed(metadata: &ImageMetadata, image: &[u8]) -> Result<Vec<u8>> {
    let format = ImageFormat::sniff(image).ok_or_else(not_an_image)?;
    let bytes = Bytes::copy_from_slice(image);
    let json = metadata.to_json();
    let out = match format {
        ImageFormat::Png => {
            let mut png = Png::from_bytes(bytes).map_err(|e| damaged(format, e))?;
            let chunks = png.chunks_mut();
            chunks.retain(|chunk| {
                !(chunk.kind() == ITXT
                    && matches!(
                        itxt_keyword(chunk.contents()),
                        Some(k) if k == METADATA_KEYWORD.as_bytes() || k == PARAMETERS_KEYWORD.as_bytes()
                    ))
            });
            // Right after IHDR (which comes first), so that readers stopping at the pixel data
            // see it too.
            let at = 1.min(chunks.len());
            chunks.insert(
                at,
                PngChunk::new(ITXT, itxt(PARAMETERS_KEYWORD, &metadata.parameters())),
            );
            chunks.insert(at, PngChunk::new(ITXT, itxt(METADATA_KEYWORD, &json)));
            png.encoder().bytes()
        }
        ImageFormat::Jpeg => {
            let mut jpeg = Jpeg::from_bytes(bytes).map_err(|e| damaged(format, e))?;
            let prefix = jpeg_prefix();
            let text = jpeg_comment(&json)?;
            let segments = jpeg.segments_mut();
            segments
                .retain(|s| !(s.marker() == COM && s.contents().starts_with(prefix.as_bytes())));
            // After the APPn segments (JFIF, EXIF, ICC), where comments usually sit.
            let at = segments
                .iter()
                .position(|s| !(0xE0..=0xEF).contains(&s.marker()))
                .unwrap_or(segments.len());
            segments.insert(at, JpegSegment::new_with_contents(COM, text));
            jpeg.encoder().bytes()
        }
        ImageFormat::Webp => {
            let mut webp = WebP::from_bytes(bytes).map_err(|e| damaged(format, e))?;
            webp.remove_chunks_by_id(CHUNK_XMP);
            let packet = xmp::packet(&json, &metadata.parameters());
            webp.chunks_mut().push(RiffChunk::new(
                CHUNK_XMP,
                RiffContent::Data(Bytes::from(packet)),
            ));
            // Setting the EXIF it already has makes img-parts switch a simple file to the
            // extended format (a VP8X header) that metadata chunks need.
            let exif = webp.exif();
            webp.set_exif(exif);
            set_vp8x_xmp_flag(&mut webp);
            webp.encoder().bytes()
        }
    };
    Ok(out.to_vec())
}

/// The contents of the JPEG comment segment holding `json`.
pub(super) fn jpeg_comment(json: &str) -> Result<Bytes> {
    let text = format!("{}{json}", jpeg_prefix());
    if text.len() > 65_533 {
        return Err(Error::Metadata {
            reason: format!(
                "the metadata is {} bytes, more than a JPEG comment holds (65533)",
                text.len()
            ),
        });
    }
    Ok(Bytes::from(text))
}

/// The XMP bit of the VP8X header (img-parts keeps only the ICC and EXIF bits up to date).
fn set_vp8x_xmp_flag(webp: &mut WebP) {
    for chunk in webp.chunks_mut() {
        if chunk.id() != CHUNK_VP8X {
            continue;
        }
        if let Some(data) = chunk.content().data()
            && let Some(&flags) = data.first()
            && flags & VP8X_XMP == 0
        {
            let mut fixed = data.to_vec();
            fixed[0] = flags | VP8X_XMP;
            *chunk = RiffChunk::new(CHUNK_VP8X, RiffContent::Data(Bytes::from(fixed)));
        }
    }
}

/// The metadata JSON text in `image`, if any.
pub(super) fn find(image: &[u8]) -> Result<Option<String>> {
    let format = ImageFormat::sniff(image).ok_or_else(not_an_image)?;
    let bytes = Bytes::copy_from_slice(image);
    Ok(match format {
        ImageFormat::Png => {
            let png = Png::from_bytes(bytes).map_err(|e| damaged(format, e))?;
            png.chunks_by_type(ITXT)
                .find_map(|chunk| itxt_text(chunk.contents(), METADATA_KEYWORD))
        }
        ImageFormat::Jpeg => {
            let jpeg = Jpeg::from_bytes(bytes).map_err(|e| damaged(format, e))?;
            let prefix = jpeg_prefix();
            jpeg.segments_by_marker(COM).find_map(|segment| {
                let text = std::str::from_utf8(segment.contents()).ok()?;
                text.strip_prefix(&prefix).map(str::to_owned)
            })
        }
        ImageFormat::Webp => {
            let webp = WebP::from_bytes(bytes).map_err(|e| damaged(format, e))?;
            webp.chunk_by_id(CHUNK_XMP)
                .and_then(|chunk| chunk.content().data())
                .and_then(|data| std::str::from_utf8(data).ok())
                .and_then(xmp::json)
        }
    })
}

/// An uncompressed `iTXt` chunk's data: keyword, NUL, compression flag and method (0, 0), empty
/// language tag and translated keyword (each NUL-ended), then UTF-8 text.
pub(super) fn itxt(keyword: &str, text: &str) -> Bytes {
    let mut data = BytesMut::with_capacity(keyword.len() + text.len() + 5);
    data.put_slice(keyword.as_bytes());
    data.put_slice(&[0, 0, 0, 0, 0]);
    data.put_slice(text.as_bytes());
    data.freeze()
}

fn itxt_keyword(data: &[u8]) -> Option<&[u8]> {
    data.iter().position(|&b| b == 0).map(|end| &data[..end])
}

/// The text of an `iTXt` chunk with `keyword`, when it is uncompressed UTF-8.
fn itxt_text(data: &[u8], keyword: &str) -> Option<String> {
    let rest = data.strip_prefix(keyword.as_bytes())?.strip_prefix(&[0])?;
    let (&[compressed, _method], rest) = rest.split_first_chunk::<2>()?;
    if compressed != 0 {
        return None;
    }
    // Skip the language tag and the translated keyword.
    let lang_end = rest.iter().position(|&b| b == 0)?;
    let rest = &rest[lang_end + 1..];
    let translated_end = rest.iter().position(|&b| b == 0)?;
    String::from_utf8(rest[translated_end + 1..].to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata() -> ImageMetadata {
        ImageMetadata::new(
            json!({"model": "m", "prompt": "a <fox> & \"friends\"\nüñï", "seed": 3, "size": "9:16"}),
            1_700_000_000,
            Some("req-9".into()),
        )
    }

    /// SOI, an APP0 (JFIF) segment, SOS with a little entropy data, EOI.
    fn jpeg() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
        out.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
        out
    }

    /// A lossless WebP: RIFF, WEBP, one VP8L chunk (signature, 1x1, no alpha, some data).
    fn webp() -> Vec<u8> {
        let vp8l = [0x2F, 0, 0, 0, 0, 0x88, 0x88, 0x08];
        let mut body = b"WEBP".to_vec();
        body.extend_from_slice(b"VP8L");
        body.extend_from_slice(&(vp8l.len() as u32).to_le_bytes());
        body.extend_from_slice(&vp8l);
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend_from_slice(&body);
        out
    }

    #[test]
    fn jpeg_round_trip_keeps_the_entropy_data() {
        let original = jpeg();
        let tagged = metadata().embed(&original).unwrap();
        assert!(tagged.ends_with(&[0x12, 0x34, 0x56, 0xFF, 0xD9]));
        assert_eq!(ImageMetadata::read(&tagged).unwrap(), Some(metadata()));
        // Embedding again replaces, not adds.
        let twice = metadata().embed(&tagged).unwrap();
        assert_eq!(twice.len(), tagged.len());
        assert_eq!(ImageMetadata::read(&original).unwrap(), None);
    }

    #[test]
    fn webp_round_trip_gets_an_extended_header_with_the_xmp_flag() {
        let tagged = metadata().embed(&webp()).unwrap();
        let parsed = WebP::from_bytes(Bytes::from(tagged.clone())).unwrap();
        let vp8x = parsed.chunk_by_id(CHUNK_VP8X).expect("a VP8X chunk");
        assert_ne!(vp8x.content().data().unwrap()[0] & VP8X_XMP, 0);
        assert_eq!(ImageMetadata::read(&tagged).unwrap(), Some(metadata()));
        let size = u32::from_le_bytes(tagged[4..8].try_into().unwrap()) as usize;
        assert_eq!(size + 8, tagged.len(), "the RIFF size is updated");
    }

    #[test]
    fn not_an_image_is_an_error() {
        assert!(matches!(
            metadata().embed(b"<html>"),
            Err(Error::Metadata { .. })
        ));
        assert!(ImageMetadata::read(b"GIF89a").is_err());
        // A PNG cut short: refused, not written half-tagged.
        let cut = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01";
        assert!(matches!(
            metadata().embed(cut),
            Err(Error::Metadata { reason }) if reason.contains("png")
        ));
    }
}
