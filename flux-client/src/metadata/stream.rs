//! Embedding metadata into an image while it streams to disk, so that a large download is not
//! held in memory: the bytes before the insertion point (a PNG's signature and `IHDR`, a JPEG's
//! `SOI` and `APPn` segments) are held, the chunks or segment are inserted there (encoded by
//! `img-parts`), and the rest passes through untouched. A WebP file needs its RIFF size and
//! header rewritten, so it is held whole and embedded at the end (the API sends PNG or JPEG).
//!
//! A paid image is never dropped for its metadata: when there is no place for it (a damaged or
//! unusual file), the bytes are written as received and [`Inserter::skipped`] says why.

use std::borrow::Cow;

use bytes::Bytes;
use img_parts::jpeg::JpegSegment;
use img_parts::png::PngChunk;

use super::container::{COM, ITXT, itxt, jpeg_comment};
use super::{ImageMetadata, METADATA_KEYWORD, PARAMETERS_KEYWORD};
use crate::error::{Error, Result};
use crate::format::ImageFormat;

/// At most this much of a PNG or JPEG is held looking for the insertion point.
const HEAD_LIMIT: usize = 1 << 20;
/// A PNG's signature and `IHDR` chunk (13 bytes of data): always the first 33 bytes.
const PNG_HEAD: usize = 8 + 12 + 13;

enum Split {
    /// Insert before this offset.
    At(usize),
    /// Not enough bytes to tell yet.
    NeedMore,
    /// Hold the whole file and embed at the end.
    Whole,
}

/// Inserts `metadata` into the image bytes pushed through it.
pub(crate) struct Inserter<'m> {
    metadata: &'m ImageMetadata,
    held: Vec<u8>,
    /// Inserted, or given up: the rest passes through.
    passing: bool,
    whole: bool,
    skipped: Option<Error>,
}

impl<'m> Inserter<'m> {
    pub(crate) fn new(metadata: &'m ImageMetadata) -> Self {
        Self {
            metadata,
            held: Vec::new(),
            passing: false,
            whole: false,
            skipped: None,
        }
    }

    /// The bytes to write for `chunk` (possibly none yet, possibly more than `chunk`).
    pub(crate) fn push<'a>(&mut self, chunk: &'a [u8]) -> Cow<'a, [u8]> {
        if self.passing {
            return Cow::Borrowed(chunk);
        }
        self.held.extend_from_slice(chunk);
        if self.whole {
            return Cow::Borrowed(&[]);
        }
        match split(&self.held) {
            Split::At(at) => match self.insert() {
                Ok(insert) => {
                    let mut out = Vec::with_capacity(self.held.len() + insert.len());
                    out.extend_from_slice(&self.held[..at]);
                    out.extend_from_slice(&insert);
                    out.extend_from_slice(&self.held[at..]);
                    self.held = Vec::new();
                    self.passing = true;
                    Cow::Owned(out)
                }
                Err(error) => Cow::Owned(self.give_up(error)),
            },
            Split::Whole => {
                self.whole = true;
                Cow::Borrowed(&[])
            }
            Split::NeedMore if self.held.len() > HEAD_LIMIT => {
                Cow::Owned(self.give_up(Error::Metadata {
                    reason: format!(
                        "no place for the metadata in the image's first {HEAD_LIMIT} bytes"
                    ),
                }))
            }
            Split::NeedMore => Cow::Borrowed(&[]),
        }
    }

    /// The bytes still to write at the end of the image: the whole image, embedded (or as
    /// received, when it cannot be), when it was held whole or ended before the insertion point.
    pub(crate) fn finish(&mut self) -> Vec<u8> {
        if self.passing {
            return Vec::new();
        }
        match self.metadata.embed(&self.held) {
            Ok(bytes) => {
                self.held = Vec::new();
                self.passing = true;
                bytes
            }
            Err(error) => self.give_up(error),
        }
    }

    /// Why the metadata was not embedded, when it was not (the image is written as received).
    pub(crate) fn skipped(&self) -> Option<&Error> {
        self.skipped.as_ref()
    }

    /// Gives up embedding: the held bytes are written as they came, and so is the rest.
    fn give_up(&mut self, reason: Error) -> Vec<u8> {
        self.skipped = Some(reason);
        self.passing = true;
        std::mem::take(&mut self.held)
    }

    /// The encoded chunks (PNG) or segment (JPEG) to insert.
    fn insert(&self) -> Result<Bytes> {
        let json = self.metadata.to_json();
        match ImageFormat::sniff(&self.held) {
            Some(ImageFormat::Png) => {
                let mut out = PngChunk::new(ITXT, itxt(METADATA_KEYWORD, &json))
                    .encoder()
                    .bytes()
                    .to_vec();
                out.extend_from_slice(
                    &PngChunk::new(ITXT, itxt(PARAMETERS_KEYWORD, &self.metadata.parameters()))
                        .encoder()
                        .bytes(),
                );
                Ok(Bytes::from(out))
            }
            _ => Ok(JpegSegment::new_with_contents(COM, jpeg_comment(&json)?)
                .encoder()
                .bytes()),
        }
    }
}

fn split(head: &[u8]) -> Split {
    if head.len() < ImageFormat::SNIFF_LEN {
        return Split::NeedMore;
    }
    match ImageFormat::sniff(head) {
        Some(ImageFormat::Png) => {
            if head.len() < PNG_HEAD {
                Split::NeedMore
            } else if head[8..16] == *b"\0\0\0\x0dIHDR" {
                Split::At(PNG_HEAD)
            } else {
                // Not a well-formed PNG: `embed` at the end reports it.
                Split::Whole
            }
        }
        Some(ImageFormat::Jpeg) => jpeg_split(head),
        _ => Split::Whole,
    }
}

/// After `SOI` and the `APPn` segments that follow it (JFIF, EXIF, ICC), where `embed` puts
/// the comment too.
fn jpeg_split(head: &[u8]) -> Split {
    let mut at = 2;
    loop {
        let Some(&[marker_start, marker, high, low]) = head.get(at..at + 4) else {
            return Split::NeedMore;
        };
        if marker_start != 0xFF {
            return Split::Whole;
        }
        if !(0xE0..=0xEF).contains(&marker) {
            return Split::At(at);
        }
        at += 2 + usize::from(u16::from_be_bytes([high, low]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata() -> ImageMetadata {
        ImageMetadata::new(json!({"prompt": "a fox", "seed": 1}), 1, None)
    }

    fn streamed(image: &[u8], piece: usize) -> Vec<u8> {
        let metadata = metadata();
        let mut inserter = Inserter::new(&metadata);
        let mut out = Vec::new();
        for chunk in image.chunks(piece) {
            out.extend_from_slice(&inserter.push(chunk));
        }
        out.extend(inserter.finish());
        assert!(inserter.skipped().is_none());
        out
    }

    fn png() -> Vec<u8> {
        b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR\0\0\0\x01\0\0\0\x01\x08\0\0\0\0\x3a\x7e\x9b\x55\
          \0\0\0\x0aIDAT\x78\x9c\x63\x68\0\0\0\x82\0\x81\x77\xcd\x72\xb6\0\0\0\0IEND\xae\x42\x60\x82"
            .to_vec()
    }

    fn jpeg() -> Vec<u8> {
        let mut out = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        out.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        out.extend_from_slice(&[0xFF, 0xE1, 0x00, 0x04, 0xAB, 0xCD]);
        out.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x08, 1, 1, 0, 0, 0x3F, 0]);
        out.extend_from_slice(&[0x12, 0x34, 0x56, 0xFF, 0xD9]);
        out
    }

    #[test]
    fn streaming_gives_the_bytes_embedding_the_whole_file_gives() {
        for image in [png(), jpeg()] {
            let whole = metadata().embed(&image).unwrap();
            for piece in [1, 3, 7, 64, 4096] {
                assert_eq!(streamed(&image, piece), whole, "pieces of {piece}");
            }
            assert_eq!(ImageMetadata::read(&whole).unwrap(), Some(metadata()));
        }
    }

    #[test]
    fn a_large_png_is_not_held() {
        let metadata = metadata();
        let mut inserter = Inserter::new(&metadata);
        let head = &png()[..PNG_HEAD];
        let out = inserter.push(head);
        assert!(out.len() > PNG_HEAD, "inserted as soon as IHDR is in");
        let chunk = vec![0u8; 1 << 16];
        assert!(matches!(inserter.push(&chunk), Cow::Borrowed(_)));
        assert!(inserter.held.is_empty());
    }

    #[test]
    fn an_image_without_a_place_for_metadata_is_written_as_received() {
        let metadata = metadata();
        // A PNG cut short: held, then given back whole at the end.
        let mut inserter = Inserter::new(&metadata);
        assert!(inserter.push(&png()[..20]).is_empty());
        assert_eq!(inserter.finish(), &png()[..20]);
        assert!(matches!(inserter.skipped(), Some(Error::Metadata { .. })));
        // A PNG signature without IHDR (a damaged file): held whole, given back unchanged.
        let odd = b"\x89PNG\r\n\x1a\n-not-a-real-png-".to_vec();
        let mut inserter = Inserter::new(&metadata);
        let mut out = inserter.push(&odd).into_owned();
        out.extend(inserter.finish());
        assert_eq!(out, odd);
        assert!(inserter.skipped().is_some());
    }
}
