//! MP3 through LAME 3.100 (the `mp3lame-encoder` crate builds LAME from bundled sources).
//!
//! In: a mastered [`Programme`](super::Programme). Out: `[ID3v2.3 tag][LAME/Info frame][MPEG audio frames]`.
//!
//! Must never happen: a file whose decoded length differs from the programme's. LAME delays the
//! audio by its encoder delay (576 samples plus the decoder's 529) and pads the last frame; the
//! LAME tag in the first frame records both, and gapless decoders (ffmpeg, Apple's, symphonia)
//! trim them, so the decoded file starts at the programme's first sample and has its exact
//! length. LAME writes a placeholder for that frame when it starts and gives the final bytes only
//! after the flush; they replace the placeholder here, before the file is published. Chapter
//! times (`CHAP`, in milliseconds) and the manifest's times refer to that trimmed audio. A player
//! that ignores the LAME tag plays `1105` extra samples of near-silence first (50 ms at
//! 22.05 kHz) and its chapter marks land that much early; there is no way to serve both kinds of
//! player with one file, and gapless decoding is the norm.
//!
//! The ID3v2.3 tag is written with the `id3` crate (UTF-16 text, which Arabic needs): TIT2 title,
//! TPE1 artist, TALB album, TYER + TDAT date, TRCK track/total, TLAN language, and the chapters as
//! CHAP frames (start/end in ms, a TIT2 inside) under one top-level ordered CTOC, per the ID3v2
//! chapter addendum. Why 2.3 rather than 2.4: version 2.4 stores frame sizes as "syncsafe"
//! integers, and ffmpeg (so every player built on it) guesses whether a size over 127 bytes is
//! syncsafe by looking for the next frame, a guess that fails for the last frame inside a CHAP:
//! measured on the seed bulletin, ffprobe lost 4 of 12 chapters, those with titles over about 60
//! Arabic letters. Version 2.3 sizes are plain integers, read the same way by everyone, and 2.3 is
//! what podcast platforms document.

use std::io::{Seek, SeekFrom, Write};
use std::num::NonZeroU32;
use std::path::Path;

use id3::{Tag, TagLike, Version};
use mp3lame_encoder::{Bitrate, Builder, DualPcm, FlushGap, Mode, MonoPcm, Quality, VbrMode};

use super::{encode_error, Encoder, Format, Header, Mp3Mode, Sink, Tags, Tally};
use crate::audio::chapters;
use crate::audio::{AudioError, Layout};
use crate::fsutil::AtomicFile;

/// Frames handed to LAME per call.
const CHUNK: usize = 8192;

/// Constant bitrates accepted, in kbit/s (the MPEG-1 and MPEG-2 layer III sets that LAME's
/// wrapper exposes). MPEG-2 rates (16 to 24 kHz, every Piper voice) stop at 160.
pub const CBR_KBPS: [u32; 16] =
    [8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];

/// Default CBR bitrate: 64 kbit/s for mono speech (transparent for a 22 kHz voice), 96 for the
/// two identical channels of stereo (joint stereo spends almost nothing on the empty side
/// channel, the rest is margin).
pub fn default_kbps(layout: Layout) -> u32 {
    match layout {
        Layout::Mono => 64,
        Layout::Stereo => 96,
    }
}

/// MP3 sample rates (MPEG-1, MPEG-2 and MPEG-2.5 layer III).
pub const RATES: [u32; 9] = [8000, 11_025, 12_000, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000];

/// The constant bitrates layer III allows at `rate`, among [`CBR_KBPS`]: MPEG-1 rates (32 kHz
/// and up) take 32 to 320 kbit/s, the lower MPEG-2 and 2.5 rates 8 to 160.
pub fn allowed_kbps(rate: u32) -> Vec<u32> {
    let range = if rate >= 32_000 { 32..=320 } else { 8..=160 };
    CBR_KBPS.iter().copied().filter(|k| range.contains(k)).collect()
}

/// Checks that MP3 can hold a programme at `rate` in `mode`: the rate is an MP3 rate (nashra never
/// lets LAME resample, timings are in the programme's samples) and a CBR bitrate exists at it.
/// LAME itself would quietly pick another bitrate.
pub fn validate_for_rate(mode: Mp3Mode, rate: u32) -> Result<(), AudioError> {
    if !RATES.contains(&rate) {
        return Err(AudioError::UnsupportedFormatRate { format: Format::Mp3, rate });
    }
    if let Mp3Mode::Cbr { kbps } = mode {
        let allowed = allowed_kbps(rate);
        if !allowed.contains(&kbps) {
            return Err(AudioError::InvalidBitrate {
                format: Format::Mp3,
                kbps,
                allowed: format!(
                    "{} (at {rate} Hz)",
                    allowed.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    Ok(())
}

/// Checks a mode's bitrate or quality.
pub fn validate(mode: Mp3Mode) -> Result<(), AudioError> {
    match mode {
        Mp3Mode::Cbr { kbps } if !CBR_KBPS.contains(&kbps) => Err(AudioError::InvalidBitrate {
            format: Format::Mp3,
            kbps,
            allowed: CBR_KBPS.map(|k| k.to_string()).join(", "),
        }),
        Mp3Mode::Vbr { quality } if quality > 9 => {
            Err(AudioError::InvalidVbrQuality { value: quality })
        }
        _ => Ok(()),
    }
}

/// The MP3 writer.
#[derive(Debug, Clone, Copy)]
pub struct Mp3Encoder {
    pub mode: Mp3Mode,
}

impl Encoder for Mp3Encoder {
    fn format(&self) -> Format {
        Format::Mp3
    }

    fn begin(&self, header: &Header<'_>, path: &Path) -> Result<Box<dyn Sink>, AudioError> {
        validate(self.mode)?;
        validate_for_rate(self.mode, header.rate)?;
        let fail = |e: BoxError| encode_error(path, Format::Mp3, e);
        let encoder = lame(header, self.mode).map_err(fail)?;
        let mut tag_bytes = Vec::new();
        id3_tag(header.tags, header.chapters, header.rate)
            .write_to(&mut tag_bytes, Version::Id3v23)
            .map_err(|e| encode_error(path, Format::Mp3, e))?;
        let io_err = |source| AudioError::Io { path: path.to_path_buf(), source };
        let mut file = AtomicFile::create(path).map_err(io_err)?;
        file.write_all(&tag_bytes).map_err(io_err)?;
        Ok(Box::new(Mp3Sink {
            encoder,
            file,
            path: path.to_path_buf(),
            layout: header.layout,
            audio_start: tag_bytes.len() as u64,
            buffer: Vec::new(),
            audio_bytes: 0,
            first_byte: None,
            tally: Tally::new(header.len),
        }))
    }
}

/// An MP3 file being written: the ID3 tag, then MPEG frames as LAME makes them; the first frame
/// is LAME's placeholder, overwritten with the final LAME tag (encoder delay and padding, for
/// gapless decoding) when the stream ends.
struct Mp3Sink {
    encoder: mp3lame_encoder::Encoder,
    file: AtomicFile,
    path: std::path::PathBuf,
    layout: Layout,
    /// Where the first MPEG frame starts in the file.
    audio_start: u64,
    buffer: Vec<u8>,
    audio_bytes: usize,
    first_byte: Option<u8>,
    tally: Tally,
}

impl Mp3Sink {
    fn fail(&self, e: impl Into<BoxError>) -> AudioError {
        encode_error(&self.path, Format::Mp3, e)
    }

    /// Moves the encoded bytes in the buffer to the file.
    fn drain(&mut self) -> Result<(), AudioError> {
        if self.first_byte.is_none() {
            self.first_byte = self.buffer.first().copied();
        }
        self.audio_bytes += self.buffer.len();
        self.file
            .write_all(&self.buffer)
            .map_err(|source| AudioError::Io { path: self.path.clone(), source })?;
        self.buffer.clear();
        Ok(())
    }
}

impl Sink for Mp3Sink {
    fn write(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        self.tally.add(samples.len(), &self.path, Format::Mp3)?;
        for chunk in samples.chunks(CHUNK) {
            self.buffer.reserve(mp3lame_encoder::max_required_buffer_size(chunk.len()));
            let encoded = match self.layout {
                Layout::Mono => self.encoder.encode_to_vec(MonoPcm(chunk), &mut self.buffer),
                Layout::Stereo => self
                    .encoder
                    .encode_to_vec(DualPcm { left: chunk, right: chunk }, &mut self.buffer),
            };
            encoded.map_err(|e| self.fail(e))?;
            self.drain()?;
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>) -> Result<(), AudioError> {
        self.tally.complete(&self.path, Format::Mp3)?;
        self.buffer.reserve(7200);
        let flushed = self.encoder.flush_to_vec::<FlushGap>(&mut self.buffer);
        flushed.map_err(|e| self.fail(e))?;
        self.drain()?;

        let tag_size = self.encoder.lame_tag_size();
        let mut tag = Vec::with_capacity(tag_size);
        if self.encoder.lame_tag_encode_to_vec(&mut tag).is_none() {
            return Err(self.fail("LAME did not produce its LAME tag"));
        }
        if tag.len() != tag_size
            || self.audio_bytes < tag_size
            || self.first_byte != Some(0xFF)
            || tag[0] != 0xFF
        {
            return Err(self.fail(format!(
                "the LAME tag ({} bytes) does not match the placeholder frame LAME wrote",
                tag.len()
            )));
        }
        let Self { mut file, path, audio_start, .. } = *self;
        let io_err = |source| AudioError::Io { path: path.clone(), source };
        file.seek(SeekFrom::Start(audio_start)).map_err(io_err)?;
        file.write_all(&tag).map_err(io_err)?;
        file.commit().map_err(io_err)
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn bitrate(kbps: u32) -> Option<Bitrate> {
    Some(match kbps {
        8 => Bitrate::Kbps8,
        16 => Bitrate::Kbps16,
        24 => Bitrate::Kbps24,
        32 => Bitrate::Kbps32,
        40 => Bitrate::Kbps40,
        48 => Bitrate::Kbps48,
        64 => Bitrate::Kbps64,
        80 => Bitrate::Kbps80,
        96 => Bitrate::Kbps96,
        112 => Bitrate::Kbps112,
        128 => Bitrate::Kbps128,
        160 => Bitrate::Kbps160,
        192 => Bitrate::Kbps192,
        224 => Bitrate::Kbps224,
        256 => Bitrate::Kbps256,
        320 => Bitrate::Kbps320,
        _ => return None,
    })
}

fn vbr_quality(quality: u8) -> Quality {
    match quality {
        0 => Quality::Best,
        1 => Quality::SecondBest,
        2 => Quality::NearBest,
        3 => Quality::VeryNice,
        4 => Quality::Nice,
        5 => Quality::Good,
        6 => Quality::Decent,
        7 => Quality::Ok,
        8 => Quality::SecondWorst,
        _ => Quality::Worst,
    }
}

/// A LAME encoder set up for `header`'s rate and layout in `mode`.
fn lame(header: &Header<'_>, mode: Mp3Mode) -> Result<mp3lame_encoder::Encoder, BoxError> {
    let mut builder = Builder::new().ok_or("LAME could not allocate an encoder")?;
    let channels = header.layout.channels();
    builder.set_num_channels(channels as u8)?;
    builder.set_sample_rate(header.rate)?;
    // Never let LAME pick a lower output rate for a low bitrate: timings assume the programme's.
    builder.set_output_sample_rate(NonZeroU32::new(header.rate))?;
    builder.set_mode(match header.layout {
        Layout::Mono => Mode::Mono,
        Layout::Stereo => Mode::JointStereo,
    })?;
    match mode {
        Mp3Mode::Cbr { kbps } => {
            builder.set_vbr_mode(VbrMode::Off)?;
            let rate = bitrate(kbps).ok_or_else(|| format!("no MP3 bitrate of {kbps} kbps"))?;
            builder.set_brate(rate)?;
        }
        Mp3Mode::Vbr { quality } => {
            builder.set_vbr_mode(VbrMode::Mtrh)?;
            builder.set_vbr_quality(vbr_quality(quality))?;
        }
    }
    // Algorithm quality 2: LAME's recommended "-h", near-best noise shaping at modest cost.
    builder.set_quality(Quality::NearBest)?;
    builder.set_to_write_vbr_tag(true)?;
    Ok(builder.build()?)
}

/// The ID3v2 tag of a file: descriptive frames, then chapters.
fn id3_tag(tags: &Tags, chapter_list: &[crate::audio::Chapter], rate: u32) -> Tag {
    let mut tag = Tag::new();
    tag.set_title(tags.title.as_str());
    if let Some(artist) = &tags.artist {
        tag.set_artist(artist.as_str());
    }
    if let Some(album) = &tags.album {
        tag.set_album(album.as_str());
    }
    if let Some(date) = tags.date {
        // ID3v2.3 splits the date: TYER "YYYY" and TDAT "DDMM".
        tag.add_frame(id3::Frame::text("TYER", date.format("%Y").to_string()));
        tag.add_frame(id3::Frame::text("TDAT", date.format("%d%m").to_string()));
    }
    if let Some((track, total)) = tags.track {
        tag.set_track(track);
        tag.set_total_tracks(total);
    }
    if let Some(language) = &tags.language {
        tag.add_frame(id3::Frame::text("TLAN", language.as_str()));
    }
    for frame in chapters::id3_frames(chapter_list, rate, &tags.title) {
        tag.add_frame(frame);
    }
    tag
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::encode::Programme;
    use crate::audio::{chapters::tile, decode, Chapter};
    use chrono::NaiveDate;

    fn tone(rate: u32, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)).round() as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                // A tone that changes every 0.3 s, so frames differ.
                let f = 300.0 + 100.0 * (t / 0.3).floor();
                (0.3 * (2.0 * std::f64::consts::PI * f * t).sin()) as f32
            })
            .collect()
    }

    fn tags() -> Tags {
        Tags {
            title: "هل أعدت روسيا حماس للهجوم على إسرائيل؟".into(),
            artist: Some("مارك تمنيكي".into()),
            album: Some("نشرة الأخبار".into()),
            date: NaiveDate::from_ymd_opt(2023, 11, 6),
            track: Some((2, 5)),
            language: Some("ara".into()),
        }
    }

    fn write(
        samples: &[f32],
        rate: u32,
        layout: Layout,
        mode: Mp3Mode,
        chapters: &[Chapter],
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("programme.mp3");
        let tags = tags();
        let programme = Programme { samples, rate, layout, chapters, tags: &tags };
        Mp3Encoder { mode }.write(&programme, &path).unwrap();
        (dir, path)
    }

    #[test]
    fn decoded_mp3_has_exactly_the_programme_length_and_rate() {
        for (rate, layout, mode) in [
            (22_050, Layout::Mono, Mp3Mode::Cbr { kbps: 64 }),
            (16_000, Layout::Mono, Mp3Mode::Vbr { quality: 4 }),
            (22_050, Layout::Stereo, Mp3Mode::Cbr { kbps: 96 }),
            (44_100, Layout::Mono, Mp3Mode::Cbr { kbps: 128 }),
        ] {
            let samples = tone(rate, 2.345);
            let (_dir, path) = write(&samples, rate, layout, mode, &[]);
            let decoded = decode::decode_file(&path, None).unwrap();
            assert_eq!(decoded.rate, rate);
            assert_eq!(decoded.channels, layout.channels());
            assert_eq!(decoded.frames(), samples.len(), "{rate} Hz {layout:?} {mode:?}");
            // Aligned, not shifted by the encoder delay: the decoded audio follows the input.
            let mono = decoded.to_mono();
            let error: f64 = mono
                .iter()
                .zip(&samples)
                .skip(2000)
                .take(rate as usize)
                .map(|(a, b)| f64::from(a - b).powi(2))
                .sum::<f64>()
                / f64::from(rate);
            let power: f64 = samples
                .iter()
                .skip(2000)
                .take(rate as usize)
                .map(|&s| f64::from(s).powi(2))
                .sum::<f64>()
                / f64::from(rate);
            assert!(error < power * 0.01, "{rate} Hz {mode:?}: error {error} vs power {power}");
        }
    }

    #[test]
    fn id3_tag_holds_the_tags_and_chapters() {
        let rate = 22_050;
        let samples = tone(rate, 3.0);
        let marks = vec![("أولا".to_string(), 0), ("ثانيا".to_string(), 33_075)];
        let chapters = tile(&marks, samples.len() as u64);
        let (_dir, path) =
            write(&samples, rate, Layout::Mono, Mp3Mode::Cbr { kbps: 64 }, &chapters);
        let tag = Tag::read_from_path(&path).unwrap();
        assert_eq!(tag.version(), Version::Id3v23);
        assert_eq!(tag.title(), Some("هل أعدت روسيا حماس للهجوم على إسرائيل؟"));
        assert_eq!(tag.artist(), Some("مارك تمنيكي"));
        assert_eq!(tag.album(), Some("نشرة الأخبار"));
        assert_eq!((tag.track(), tag.total_tracks()), (Some(2), Some(5)));
        assert_eq!(tag.get("TYER").and_then(|f| f.content().text()), Some("2023"));
        assert_eq!(tag.get("TDAT").and_then(|f| f.content().text()), Some("0611"));
        assert_eq!(tag.get("TLAN").and_then(|f| f.content().text()), Some("ara"));
        let found: Vec<(u32, u32, String)> = tag
            .chapters()
            .map(|c| (c.start_time, c.end_time, c.frames[0].content().text().unwrap().to_owned()))
            .collect();
        assert_eq!(found, [(0, 1500, "أولا".into()), (1500, 3000, "ثانيا".into())]);
        let toc: Vec<_> = tag.tables_of_contents().collect();
        assert_eq!(toc.len(), 1);
        assert_eq!(toc[0].elements, ["chp0", "chp1"]);
    }

    #[test]
    fn the_first_audio_frame_is_an_info_tag_with_lame_delay() {
        let rate = 22_050;
        let samples = tone(rate, 1.0);
        let (_dir, path) = write(&samples, rate, Layout::Mono, Mp3Mode::Cbr { kbps: 64 }, &[]);
        let bytes = std::fs::read(&path).unwrap();
        // Skip the ID3v2 tag: 10-byte header + syncsafe size.
        let size = bytes[6..10].iter().fold(0usize, |acc, &b| (acc << 7) | usize::from(b));
        let frame = &bytes[10 + size..];
        assert_eq!(frame[0], 0xFF);
        // CBR files carry "Info" (VBR ones "Xing"), followed by the LAME extension.
        let window = &frame[..200];
        let info = window.windows(4).position(|w| w == b"Info").expect("Info tag");
        assert!(window[info..].windows(4).any(|w| w == b"LAME"), "LAME extension present");
    }

    #[test]
    fn bitrates_and_qualities_are_validated() {
        validate(Mp3Mode::Cbr { kbps: 64 }).unwrap();
        validate(Mp3Mode::Vbr { quality: 9 }).unwrap();
        assert!(validate(Mp3Mode::Cbr { kbps: 65 }).is_err());
        assert!(validate(Mp3Mode::Vbr { quality: 10 }).is_err());
        for kbps in CBR_KBPS {
            assert!(bitrate(kbps).is_some());
        }
    }

    #[test]
    fn an_impossible_bitrate_for_the_rate_is_an_error_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.mp3");
        let tags = tags();
        let samples = tone(22_050, 0.5);
        let programme = Programme::mono(&samples, 22_050, &tags);
        let result = Mp3Encoder { mode: Mp3Mode::Cbr { kbps: 320 } }.write(&programme, &path);
        match result {
            Err(AudioError::InvalidBitrate { kbps: 320, allowed, .. }) => {
                assert_eq!(
                    allowed,
                    "8, 16, 24, 32, 40, 48, 64, 80, 96, 112, 128, 160 (at 22050 Hz)"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(!path.exists());
        let at_7khz = Programme { rate: 7000, ..programme };
        let result = Mp3Encoder { mode: Mp3Mode::Cbr { kbps: 32 } }.write(&at_7khz, &path);
        assert!(matches!(result, Err(AudioError::UnsupportedFormatRate { rate: 7000, .. })));
        assert_eq!(allowed_kbps(44_100).first(), Some(&32));
        assert_eq!(allowed_kbps(44_100).last(), Some(&320));
    }
}
