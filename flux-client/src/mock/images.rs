//! The images the mock "generates": small real PNGs whose width:height is exactly the requested
//! aspect ratio, drawn from a hash of the prompt and seed so the same request gives the same bytes.

/// The pixel count of an image's shorter side is at least this.
const SHORT_SIDE: u32 = 64;

/// The width and height of the image for an aspect ratio such as `"16:9"`: exact multiples of the
/// ratio's terms, with the shorter side at least [`SHORT_SIDE`] pixels. `None` for a value that is
/// not `W:H` with positive terms (request validation rejects those before this is asked).
pub(crate) fn dimensions(aspect_ratio: &str) -> Option<(u32, u32)> {
    let (w, h) = aspect_ratio.split_once(':')?;
    let (w, h): (u32, u32) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    if w == 0 || h == 0 || w > 64 || h > 64 {
        return None;
    }
    let scale = SHORT_SIDE.div_ceil(w.min(h));
    Some((w * scale, h * scale))
}

/// A 64-bit FNV-1a hash: stable across Rust versions and platforms, unlike `DefaultHasher`.
fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in *part {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        // Separate the parts so ("ab", "c") and ("a", "bc") differ.
        hash ^= 0xff;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

/// Renders the PNG for `prompt` and `seed` at `width`×`height`: a diagonal gradient between two
/// colours taken from the hash, with stripes whose period comes from it too.
pub(crate) fn render_png(prompt: &str, seed: i64, width: u32, height: u32) -> Vec<u8> {
    let hash = fnv1a(&[prompt.as_bytes(), &seed.to_le_bytes()]);
    let bytes = hash.to_le_bytes();
    let from = [bytes[0], bytes[1], bytes[2]];
    let to = [bytes[3], bytes[4], bytes[5]];
    let stripe = u32::from(bytes[6] % 12) + 4;

    let mut pixels = Vec::with_capacity((width * height * 3) as usize);
    let span = width + height - 2;
    for y in 0..height {
        for x in 0..width {
            let t = (x + y) * 255 / span.max(1);
            let dark = ((x + 2 * y) / stripe) % 2 == 0;
            for channel in 0..3 {
                let a = u32::from(from[channel]);
                let b = u32::from(to[channel]);
                let mut value = (a * (255 - t) + b * t) / 255;
                if dark {
                    value = value * 3 / 4;
                }
                pixels.push(value as u8);
            }
        }
    }

    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing into a Vec with a matching pixel buffer cannot fail.
    let mut writer = encoder.write_header().expect("PNG header into a Vec");
    writer
        .write_image_data(&pixels)
        .expect("PNG data of the declared size");
    writer.finish().expect("PNG end into a Vec");
    out
}

/// The start of a valid PNG (signature and an `IHDR` chunk declaring a huge image), used by the
/// oversized-image fault before its padding.
pub(crate) fn huge_png_header() -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&20_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    out.extend_from_slice(&(ihdr.len() as u32).to_be_bytes());
    let mut chunk = b"IHDR".to_vec();
    chunk.extend_from_slice(&ihdr);
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&crc32(&chunk).to_be_bytes());
    out
}

/// CRC-32 (ISO-HDLC), as PNG chunks use; only for the one small header above.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimensions_keep_the_exact_ratio() {
        // Every ratio the document lists, and a few it may list one day.
        let documented = crate::fields::field("size").map_or(&[][..], |f| f.values);
        for ratio in documented.iter().copied().chain(["5:4", "1:3", "32:9"]) {
            let (w, h) = dimensions(ratio).unwrap();
            let (a, b) = ratio.split_once(':').unwrap();
            let (a, b): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
            assert_eq!(w * b, h * a, "{ratio}: {w}x{h}");
            assert!(w.min(h) >= SHORT_SIDE && w.min(h) < 2 * SHORT_SIDE);
        }
        assert_eq!(dimensions("16:0"), None);
        assert_eq!(dimensions("wide"), None);
    }

    #[test]
    fn same_prompt_and_seed_give_the_same_bytes() {
        let a = render_png("a fox", 7, 128, 72);
        assert_eq!(a, render_png("a fox", 7, 128, 72));
        assert_ne!(a, render_png("a fox", 8, 128, 72));
        assert_ne!(a, render_png("a dog", 7, 128, 72));
        assert!(a.starts_with(b"\x89PNG\r\n\x1a\n"));
    }

    #[test]
    fn crc_matches_the_png_reference_value() {
        // The CRC of an IEND chunk's type, as every PNG file ends with.
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
    }
}
