//! The default podcast cover: a square PNG nashra draws itself, so a feed is complete without any
//! artwork from the newsroom.
//!
//! In: the channel title. Out: a 1400×1400 RGB PNG (Apple's minimum; its maximum is 3000): a dark
//! background and a row of rounded "sound wave" bars in a light tint of the same hue, both picked
//! from a hash of the title, so two publications get two covers while one publication keeps its
//! cover from run to run. No text is drawn, so no font is needed.
//!
//! Must never happen: a cover smaller than 1400×1400, a different cover for the same title, or a
//! newsroom's own `cover.png` overwritten (the caller writes this only when there is none).

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use super::PublishError;

/// Width and height of the cover, in pixels.
pub const SIZE: u32 = 1400;

/// Number of bars in the wave.
const BARS: usize = 25;

/// An sRGB colour.
type Rgb = [u8; 3];

/// The ring's radius and half width, in pixels.
const RING_RADIUS: f64 = 560.0;
const RING_HALF_WIDTH: f64 = 9.0;

/// How far past a shape's edge a pixel centre is still blended with it: [`coverage`] is 0 from
/// half a pixel out, and one more pixel is spare.
const REACH: f64 = 1.5;

/// The radii between which the ring can cover a pixel.
const RING_NEAR: (f64, f64) =
    (RING_RADIUS - RING_HALF_WIDTH - REACH, RING_RADIUS + RING_HALF_WIDTH + REACH);

/// Draws the cover for `title` as packed RGB rows (`SIZE * SIZE * 3` bytes).
pub fn pixels(title: &str) -> Vec<u8> {
    let hash = Sha256::digest(title.as_bytes());
    let hue = f64::from(u16::from_be_bytes([hash[0], hash[1]]) % 360);
    let background = hsl(hue, 0.55, 0.20);
    let ring = hsl(hue, 0.45, 0.30);
    let bar = hsl((hue + 25.0) % 360.0, 0.70, 0.86);

    let size = f64::from(SIZE);
    let centre = size / 2.0;
    let pitch = 44.0;
    let half_width = 13.0;
    let first_x = centre - pitch * (BARS as f64 - 1.0) / 2.0;
    // Bar half-heights: a smooth hump across the row, each bar varied by a byte of the hash.
    let heights: Vec<f64> = (0..BARS)
        .map(|i| {
            let along = std::f64::consts::PI * (i as f64 + 0.5) / BARS as f64;
            let jitter = f64::from(hash[2 + i % 30]) / 255.0;
            (40.0 + 330.0 * along.sin().powf(0.8) * (0.45 + 0.55 * jitter)).max(half_width)
        })
        .collect();

    // The top half, row by row; the bottom half is its mirror image. Why: every shape is
    // centred on the horizontal middle line (the ring, and each bar's `|py - centre|`), so row
    // `SIZE - 1 - y` is row `y` to the bit, and the drawing is half the work (110-140 ms ->
    // 47-49 ms, on a thread beside the voice's, whose cores it shares).
    let row_bytes = (SIZE * 3) as usize;
    let mut data = Vec::with_capacity(row_bytes * SIZE as usize);
    for y in 0..SIZE.div_ceil(2) {
        let py = f64::from(y) + 0.5;
        for x in 0..SIZE {
            let px = f64::from(x) + 0.5;
            let mut colour = background;
            // Each shape is blended only where it can cover the pixel at all (with a pixel to
            // spare): elsewhere its coverage is 0, and blending by 0 gives the colour under it
            // to the bit. Most of the cover is background (the drawing 47 -> 13 ms).
            // A ring around the wave: coverage from the distance to its centre line.
            let r2 = (px - centre).powi(2) + (py - centre).powi(2);
            if r2 > RING_NEAR.0.powi(2) && r2 < RING_NEAR.1.powi(2) {
                let r = r2.sqrt();
                colour = blend(colour, ring, coverage((r - RING_RADIUS).abs() - RING_HALF_WIDTH));
            }
            // The nearest bar: a capsule (a vertical segment with round ends).
            let index = ((px - first_x) / pitch).round().clamp(0.0, BARS as f64 - 1.0) as usize;
            let bx = first_x + pitch * index as f64;
            let half = heights[index] - half_width;
            let dy = ((py - centre).abs() - half).max(0.0);
            if (px - bx).abs() < half_width + REACH && dy < half_width + REACH {
                let distance = ((px - bx).powi(2) + dy * dy).sqrt() - half_width;
                colour = blend(colour, bar, coverage(distance));
            }
            data.extend_from_slice(&colour);
        }
    }
    for y in (0..SIZE / 2).rev() {
        let row = y as usize * row_bytes;
        data.extend_from_within(row..row + row_bytes);
    }
    data
}

/// Covers drawn or being drawn in this process, by title: the PNG, or `None` when it could not
/// be encoded (then [`write()`] encodes again and reports the error).
type Drawn = Mutex<HashMap<String, Arc<OnceLock<Option<Vec<u8>>>>>>;

static DRAWN: LazyLock<Drawn> = LazyLock::new(Drawn::default);

/// The slot of `title`'s cover in [`DRAWN`].
fn slot(title: &str) -> Arc<OnceLock<Option<Vec<u8>>>> {
    let mut drawn = DRAWN.lock().unwrap_or_else(|p| p.into_inner());
    Arc::clone(drawn.entry(title.to_owned()).or_default())
}

/// The PNG of `title`'s cover, drawn once per process (a caller that finds it being drawn
/// waits for it).
fn png(title: &str) -> Option<Vec<u8>> {
    slot(title).get_or_init(|| drawn(title).ok()).clone()
}

/// `title`'s cover drawn and encoded as a PNG.
fn drawn(title: &str) -> Result<Vec<u8>, png::EncodingError> {
    let mut png = Vec::new();
    encode(&mut png, &pixels(title))?;
    Ok(png)
}

/// Starts drawing `title`'s cover on a thread of its own, for [`write()`] to find ready.
///
/// Why: an edition's cover is written after its last programme (a 1400×1400 image drawn and
/// compressed: about 16 ms on one core, 0.1 s before session 18), when the render's end waits
/// for it; drawn as the voice loads, at the start of a render, it takes its time from the
/// front end's. A title that turns out not to be the one written costs those 16 ms.
pub fn draw_ahead(title: &str) {
    let title = title.to_owned();
    let spawned = std::thread::Builder::new().name("cover".into()).spawn(move || {
        png(&title);
    });
    if let Err(e) = spawned {
        tracing::debug!(%e, "no thread to draw the cover ahead");
    }
}

/// Writes the cover for `title` to `path`, atomically.
pub fn write(path: &Path, title: &str) -> Result<(), PublishError> {
    let png = match png(title) {
        Some(png) => png,
        None => drawn(title)
            .map_err(|source| PublishError::Cover { path: path.to_path_buf(), source })?,
    };
    let mut file = crate::fsutil::AtomicFile::create(path)
        .map_err(|source| PublishError::Write { path: path.to_path_buf(), source })?;
    file.write_all(&png)
        .and_then(|()| file.commit())
        .map_err(|source| PublishError::Write { path: path.to_path_buf(), source })
}

fn encode(out: &mut Vec<u8>, rgb: &[u8]) -> Result<(), png::EncodingError> {
    let mut encoder = png::Encoder::new(out, SIZE, SIZE);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Fast (fdeflate, adaptive filters): 4 ms and 80 KB, where High took 50 ms for 56 KB; a
    // podcast cover may be up to 512 KB.
    encoder.set_compression(png::Compression::Fast);
    encoder.set_source_srgb(png::SrgbRenderingIntent::Perceptual);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(rgb)?;
    writer.finish()
}

/// How much of a pixel a shape covers, from the signed distance of the pixel centre to the
/// shape's edge (negative inside): a one-pixel ramp, which anti-aliases the edges.
fn coverage(distance: f64) -> f64 {
    (0.5 - distance).clamp(0.0, 1.0)
}

fn blend(under: Rgb, over: Rgb, alpha: f64) -> Rgb {
    let mix = |a: u8, b: u8| (f64::from(a) * (1.0 - alpha) + f64::from(b) * alpha).round() as u8;
    [mix(under[0], over[0]), mix(under[1], over[1]), mix(under[2], over[2])]
}

/// HSL (hue in degrees, saturation and lightness in 0..=1) to sRGB.
fn hsl(hue: f64, saturation: f64, lightness: f64) -> Rgb {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let h = hue / 60.0;
    let x = chroma * (1.0 - (h % 2.0 - 1.0).abs());
    let (r, g, b) = match h as u32 {
        0 => (chroma, x, 0.0),
        1 => (x, chroma, 0.0),
        2 => (0.0, chroma, x),
        3 => (0.0, x, chroma),
        4 => (x, 0.0, chroma),
        _ => (chroma, 0.0, x),
    };
    let m = lightness - chroma / 2.0;
    let byte = |v: f64| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    [byte(r), byte(g), byte(b)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cover_is_a_1400_square_rgb_png_that_decodes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cover.png");
        write(&path, "نشرة الأخبار").unwrap();
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (1400, 1400));
        assert_eq!(info.color_type, png::ColorType::Rgb);
        assert_eq!(&buf[..info.buffer_size()], pixels("نشرة الأخبار").as_slice());
        let bytes = std::fs::metadata(&path).unwrap().len();
        assert!(bytes < 512 * 1024, "a cover of {bytes} bytes is too heavy for a feed");
    }

    /// The bottom half mirrored from the top gives the pixels that drawing every row gave: the
    /// sha256 below is that of the cover drawn row by row, every shape blended into every pixel
    /// (session 16's code). A change of the design changes it on purpose; a change of the
    /// mirroring, or of which pixels a shape is blended into, must not.
    #[test]
    fn the_mirrored_cover_is_the_cover_drawn_row_by_row() {
        let digest = Sha256::digest(pixels("نشرة الصباح"));
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, "7c33a6364cb15fb080aade6ae8dd98d77e1d616bef32d76defdb2781aabade40");
    }

    #[test]
    fn cover_is_stable_per_title_and_differs_between_titles() {
        let a = pixels("نشرة الصباح");
        assert_eq!(a, pixels("نشرة الصباح"));
        assert_ne!(a, pixels("نشرة المساء"));
        let centre = ((700 * SIZE + 700) * 3) as usize;
        let corner = 0;
        assert_ne!(
            a[centre..centre + 3],
            a[corner..corner + 3],
            "the wave is drawn over the background"
        );
    }

    /// A cover drawn ahead is the one `write` writes, whether the drawing has finished or is
    /// still running when `write` asks for it (it waits), and only the title asked for is drawn.
    #[test]
    fn a_cover_drawn_ahead_is_the_cover_of_its_title() {
        let dir = tempfile::tempdir().unwrap();
        let title = "نشرة المساء (drawn ahead)";
        draw_ahead(title);
        let path = dir.path().join("cover.png");
        write(&path, title).unwrap();
        let mut direct = Vec::new();
        encode(&mut direct, &pixels(title)).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), direct);
        let other = dir.path().join("other.png");
        write(&other, "another title").unwrap();
        assert_ne!(std::fs::read(&other).unwrap(), direct);
    }

    #[test]
    fn hsl_converts_primary_colours() {
        assert_eq!(hsl(0.0, 1.0, 0.5), [255, 0, 0]);
        assert_eq!(hsl(120.0, 1.0, 0.5), [0, 255, 0]);
        assert_eq!(hsl(240.0, 1.0, 0.5), [0, 0, 255]);
        assert_eq!(hsl(0.0, 0.0, 1.0), [255, 255, 255]);
    }
}
