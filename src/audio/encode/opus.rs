//! Ogg Opus (RFC 7845) through libopus (the `opus` crate builds it from bundled sources) and the
//! `ogg` crate's page writer.
//!
//! In: a mastered [`Programme`](super::Programme) at any rate. Out: a 48 kHz Ogg Opus file: an `OpusHead` page, an
//! `OpusTags` page, then audio pages of 20 ms packets, about one second per page.
//!
//! Must never happen: a decoded length other than the programme's (resampled to 48 kHz), or a
//! timing offset. The programme is resampled to 48 kHz with rubato (an exact length,
//! `ceil(n × 48000 / rate)`, no shift). libopus delays its output by its look-ahead; that count
//! goes into `OpusHead` as the pre-skip, which decoders discard. The encoder is fed zeros past the
//! end until every real sample has come out, and the last page's granule position is exactly
//! `pre-skip + length`, so decoders drop the padding. Chapter times (Vorbis comments
//! `CHAPTER001=HH:MM:SS.mmm`, `CHAPTER001NAME=…`, the Ogg chapter extension that ffmpeg and
//! players read) and the manifest's times thus refer to the decoded audio.

use std::io::Write;
use std::path::Path;

use ogg::writing::{PacketWriteEndInfo, PacketWriter};

use super::{encode_error, Encoder, Format, Header, Sink, Tags, Tally};
use crate::audio::{chapters, resample, AudioError, Layout};
use crate::fsutil::AtomicFile;

/// Opus's native rate; everything is resampled to it.
pub const RATE: u32 = 48_000;

/// Samples per packet: 20 ms, Opus's default frame and the best compromise for speech.
const FRAME: usize = 960;

/// Largest packet libopus may produce for one 20 ms frame (1275 bytes per stream, with room).
const MAX_PACKET: usize = 4000;

/// Audio per Ogg page, in samples at 48 kHz: one second, like `opusenc`, so a seek lands close.
const PAGE_SAMPLES: usize = 48_000;

/// Accepted bitrates, kbit/s.
pub const KBPS_RANGE: (u32, u32) = (6, 256);

/// Default bitrate: 32 kbit/s for mono speech (Opus is transparent for speech there), 48 for two
/// identical channels.
pub fn default_kbps(layout: Layout) -> u32 {
    match layout {
        Layout::Mono => 32,
        Layout::Stereo => 48,
    }
}

/// Checks a bitrate is within [`KBPS_RANGE`].
pub fn validate(kbps: u32) -> Result<(), AudioError> {
    let (min, max) = KBPS_RANGE;
    if !(min..=max).contains(&kbps) {
        return Err(AudioError::InvalidBitrate {
            format: Format::Opus,
            kbps,
            allowed: format!("{min} to {max}"),
        });
    }
    Ok(())
}

/// The Ogg Opus writer.
#[derive(Debug, Clone, Copy)]
pub struct OpusEncoder {
    pub kbps: u32,
}

impl Encoder for OpusEncoder {
    fn format(&self) -> Format {
        Format::Opus
    }

    fn begin(&self, header: &Header<'_>, path: &Path) -> Result<Box<dyn Sink>, AudioError> {
        let fail = |e: BoxError| encode_error(path, Format::Opus, e);
        let channels = match header.layout {
            Layout::Mono => opus::Channels::Mono,
            Layout::Stereo => opus::Channels::Stereo,
        };
        let mut encoder = opus::Encoder::new(RATE, channels, opus::Application::Audio)
            .map_err(|e| fail(Box::new(e)))?;
        let bits = i32::try_from(self.kbps.saturating_mul(1000)).map_err(|e| fail(Box::new(e)))?;
        encoder.set_bitrate(opus::Bitrate::Bits(bits)).map_err(|e| fail(Box::new(e)))?;
        encoder.set_complexity(10).map_err(|e| fail(Box::new(e)))?;
        let lookahead = encoder.get_lookahead().map_err(|e| fail(Box::new(e)))?;
        let pre_skip = u16::try_from(lookahead).map_err(|e| fail(Box::new(e)))?;
        let length = resample::resampled_len(header.len, header.rate, RATE);
        // Enough packets that every input sample is decoded after the pre-skip.
        let frames = (length + usize::from(pre_skip)).div_ceil(FRAME);

        let head = opus_head(header.layout.channels() as u8, pre_skip, header.rate);
        let tags = opus_tags(header.tags, header.chapters, header.rate);
        let serial = stream_serial(&header.tags.title, length);
        let io_err = |source| AudioError::Io { path: path.to_path_buf(), source };
        let file = AtomicFile::create(path).map_err(io_err)?;
        let mut writer = PacketWriter::new(file);
        writer.write_packet(head, serial, PacketWriteEndInfo::EndPage, 0).map_err(io_err)?;
        writer.write_packet(tags, serial, PacketWriteEndInfo::EndPage, 0).map_err(io_err)?;
        Ok(Box::new(OpusSink {
            resampler: Some(resample::Stream::new(header.rate, RATE, header.len)?),
            packer: Packer {
                encoder,
                width: usize::from(header.layout.channels()),
                pending: Vec::with_capacity(FRAME * 2),
                packet: vec![0u8; MAX_PACKET],
                error: None,
                pages: Pages {
                    writer,
                    serial,
                    end: u64::from(pre_skip) + length as u64,
                    frames,
                    written: 0,
                    segments: 0,
                    page_start: 0,
                    error: None,
                },
            },
            path: path.to_path_buf(),
            tally: Tally::new(header.len),
        }))
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An Ogg Opus file being written: the input is resampled to 48 kHz as it comes, cut into 20 ms
/// frames, encoded, and each packet goes onto its page at once.
struct OpusSink {
    /// Taken by `finish`.
    resampler: Option<resample::Stream>,
    packer: Packer,
    path: std::path::PathBuf,
    tally: Tally,
}

impl OpusSink {
    /// The first error of the encoder or of the file, if any.
    fn check(&mut self) -> Result<(), AudioError> {
        if let Some(e) = self.packer.error.take() {
            return Err(encode_error(&self.path, Format::Opus, Box::new(e)));
        }
        if let Some(source) = self.packer.pages.error.take() {
            return Err(AudioError::Io { path: self.path.clone(), source });
        }
        Ok(())
    }
}

impl Sink for OpusSink {
    fn write(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        self.tally.add(samples.len(), &self.path, Format::Opus)?;
        let packer = &mut self.packer;
        if let Some(resampler) = self.resampler.as_mut() {
            resampler.push(samples, &mut |chunk| chunk.iter().for_each(|&s| packer.push(s)))?;
        }
        self.check()
    }

    fn finish(mut self: Box<Self>) -> Result<(), AudioError> {
        self.tally.complete(&self.path, Format::Opus)?;
        let packer = &mut self.packer;
        if let Some(resampler) = self.resampler.take() {
            resampler.finish(&mut |chunk| chunk.iter().for_each(|&s| packer.push(s)))?;
        }
        // Zeros past the end until the look-ahead has let every real sample out.
        while packer.pages.written < packer.pages.frames
            && packer.error.is_none()
            && packer.pages.error.is_none()
        {
            packer.push(0.0);
        }
        self.check()?;
        let Self { packer, path, .. } = *self;
        let io_err = |source| AudioError::Io { path: path.clone(), source };
        let mut file = packer.pages.writer.into_inner();
        file.flush().map_err(io_err)?;
        file.commit().map_err(io_err)
    }
}

/// Collects 48 kHz samples into 20 ms frames and encodes each full frame.
struct Packer {
    encoder: opus::Encoder,
    /// Channels per frame; mono samples are written to each.
    width: usize,
    pending: Vec<f32>,
    packet: Vec<u8>,
    /// The first encoder error; later samples are ignored.
    error: Option<opus::Error>,
    pages: Pages,
}

impl Packer {
    fn push(&mut self, sample: f32) {
        if self.error.is_some() || self.pages.error.is_some() {
            return;
        }
        for _ in 0..self.width {
            self.pending.push(sample);
        }
        if self.pending.len() == FRAME * self.width {
            match self.encoder.encode_float(&self.pending, &mut self.packet) {
                Ok(len) => self.pages.write(&self.packet[..len]),
                Err(e) => self.error = Some(e),
            }
            self.pending.clear();
        }
    }
}

/// Puts packets on Ogg pages: about a second per page, the last packet ending the stream at the
/// exact granule position of the programme's end.
struct Pages {
    writer: PacketWriter<'static, AtomicFile>,
    serial: u32,
    /// Granule position of the last decoded sample: pre-skip + length.
    end: u64,
    /// Packets the stream has in all.
    frames: usize,
    /// Packets written.
    written: usize,
    /// Lacing values of the current page: a page holds at most 255, and a packet never spills
    /// onto the next page here (its granule would then be ambiguous).
    segments: usize,
    page_start: usize,
    /// The first write error; later packets are dropped.
    error: Option<std::io::Error>,
}

impl Pages {
    fn write(&mut self, packet: &[u8]) {
        if self.error.is_some() || self.written >= self.frames {
            return;
        }
        let worst_packet_segments = MAX_PACKET / 255 + 1;
        let decoded_through = (self.written + 1) * FRAME;
        let granule = (decoded_through as u64).min(self.end);
        self.segments += packet.len() / 255 + 1;
        let info = if self.written + 1 == self.frames {
            PacketWriteEndInfo::EndStream
        } else if decoded_through - self.page_start >= PAGE_SAMPLES
            || self.segments + worst_packet_segments > 255
        {
            self.segments = 0;
            self.page_start = decoded_through;
            PacketWriteEndInfo::EndPage
        } else {
            PacketWriteEndInfo::NormalPacket
        };
        self.written += 1;
        if let Err(e) = self.writer.write_packet(packet.to_vec(), self.serial, info, granule) {
            self.error = Some(e);
        }
    }
}

/// The identification header (RFC 7845 §5.1): version 1, channel mapping family 0.
fn opus_head(channels: u8, pre_skip: u16, input_rate: u32) -> Vec<u8> {
    let mut head = Vec::with_capacity(19);
    head.extend_from_slice(b"OpusHead");
    head.push(1);
    head.push(channels);
    head.extend_from_slice(&pre_skip.to_le_bytes());
    head.extend_from_slice(&input_rate.to_le_bytes());
    head.extend_from_slice(&0i16.to_le_bytes());
    head.push(0);
    head
}

/// The comment header (RFC 7845 §5.2): vendor string, then `KEY=value` comments.
fn opus_tags(tags: &Tags, chapter_list: &[crate::audio::Chapter], rate: u32) -> Vec<u8> {
    let mut comments = vec![format!("TITLE={}", tags.title)];
    if let Some(artist) = &tags.artist {
        comments.push(format!("ARTIST={artist}"));
    }
    if let Some(album) = &tags.album {
        comments.push(format!("ALBUM={album}"));
    }
    if let Some(date) = tags.date {
        comments.push(format!("DATE={}", date.format("%Y-%m-%d")));
    }
    if let Some((track, total)) = tags.track {
        comments.push(format!("TRACKNUMBER={track}"));
        comments.push(format!("TRACKTOTAL={total}"));
    }
    if let Some(language) = &tags.language {
        comments.push(format!("LANGUAGE={language}"));
    }
    comments.extend(chapters::vorbis_comments(chapter_list, rate));

    let vendor = format!("nashra {} ({})", env!("CARGO_PKG_VERSION"), opus::version());
    let mut out = Vec::new();
    out.extend_from_slice(b"OpusTags");
    push_string(&mut out, &vendor);
    out.extend_from_slice(&(comments.len() as u32).to_le_bytes());
    for comment in &comments {
        push_string(&mut out, comment);
    }
    out
}

fn push_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// A stream serial number derived from the content (FNV-1a), so that the same programme gives
/// the same file on every run.
fn stream_serial(title: &str, len: usize) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in title.bytes().chain(len.to_le_bytes()) {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::encode::Programme;
    use crate::audio::{chapters::tile, decode};

    fn tone(rate: u32, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)).round() as usize;
        (0..n)
            .map(|i| {
                (0.3 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    fn tags() -> Tags {
        Tags {
            title: "نشرة الأخبار".into(),
            artist: Some("nashra".into()),
            album: Some("نشرة".into()),
            date: chrono::NaiveDate::from_ymd_opt(2023, 11, 6),
            track: Some((1, 3)),
            language: Some("ara".into()),
        }
    }

    fn write(
        samples: &[f32],
        rate: u32,
        layout: Layout,
        chapters: &[crate::audio::Chapter],
    ) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("programme.opus");
        let tags = tags();
        let programme = Programme { samples, rate, layout, chapters, tags: &tags };
        OpusEncoder { kbps: 32 }.write(&programme, &path).unwrap();
        (dir, path)
    }

    /// Every Ogg page of a file: (granule position, header type flags).
    fn pages(bytes: &[u8]) -> Vec<(u64, u8)> {
        let mut out = Vec::new();
        let mut at = 0;
        while at + 27 <= bytes.len() {
            assert_eq!(&bytes[at..at + 4], b"OggS", "page at byte {at}");
            let flags = bytes[at + 5];
            let granule = u64::from_le_bytes(bytes[at + 6..at + 14].try_into().unwrap());
            let count = usize::from(bytes[at + 26]);
            let body: usize = bytes[at + 27..at + 27 + count].iter().map(|&b| usize::from(b)).sum();
            out.push((granule, flags));
            at += 27 + count + body;
        }
        assert_eq!(at, bytes.len());
        out
    }

    #[test]
    fn decoded_opus_is_48khz_with_exactly_the_resampled_length() {
        for (rate, layout, seconds) in [
            (22_050, Layout::Mono, 2.345),
            (16_000, Layout::Stereo, 1.0),
            (48_000, Layout::Mono, 0.01),
        ] {
            let samples = tone(rate, seconds);
            let (_dir, path) = write(&samples, rate, layout, &[]);
            let decoded = decode::decode_file(&path, None).unwrap();
            assert_eq!(decoded.rate, 48_000);
            assert_eq!(decoded.channels, layout.channels());
            let expected = resample::resampled_len(samples.len(), rate, RATE);
            assert_eq!(decoded.frames(), expected, "{rate} Hz {layout:?} {seconds} s");
        }
    }

    #[test]
    fn decoded_opus_is_aligned_with_the_programme() {
        // A click at 1.000 s must decode at 48000 ± 2 samples: pre-skip and resampler delay are
        // both accounted for.
        let rate = 22_050;
        let mut samples = vec![0.0f32; rate as usize * 2];
        for (i, s) in samples[22_050..22_050 + 40].iter_mut().enumerate() {
            *s = 0.8 * (std::f32::consts::PI * i as f32 / 40.0).sin();
        }
        let (_dir, path) = write(&samples, rate, Layout::Mono, &[]);
        let decoded = decode::decode_file(&path, None).unwrap();
        let peak = decoded
            .samples
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        // The bump peaks 20 samples (at 22050) into it: 1 s + 0.907 ms.
        let expected = 48_000 + (20.0 * 48_000.0 / 22_050.0) as usize;
        assert!(peak.abs_diff(expected) <= 3, "peak at {peak}, expected {expected}");
    }

    #[test]
    fn headers_pages_and_granules_follow_rfc_7845() {
        let rate = 22_050;
        let samples = tone(rate, 2.5);
        let marks = vec![("أولا".to_string(), 0), ("ثانيا".to_string(), 33_075)];
        let chapters = tile(&marks, samples.len() as u64);
        let (_dir, path) = write(&samples, rate, Layout::Mono, &chapters);
        let bytes = std::fs::read(&path).unwrap();
        let pages = pages(&bytes);
        // OpusHead alone on a beginning-of-stream page, OpusTags alone, both granule 0.
        assert_eq!(pages[0], (0, 0x02));
        assert_eq!(pages[1].0, 0);
        let file = std::fs::File::open(&path).unwrap();
        let mut reader = ogg::PacketReader::new(file);
        let head = reader.read_packet().unwrap().unwrap();
        let parsed = decode::OpusHead::parse(&head.data).unwrap();
        assert_eq!(parsed.channels, 1);
        assert_eq!(parsed.input_rate, 22_050);
        assert_eq!(parsed.output_gain, 0);
        assert!(parsed.pre_skip > 0 && parsed.pre_skip < 1000, "{}", parsed.pre_skip);
        // The last page ends the stream at exactly pre-skip + resampled length.
        let (last_granule, last_flags) = *pages.last().unwrap();
        assert_eq!(last_flags & 0x04, 0x04, "end-of-stream flag");
        let resampled = resample::resampled_len(samples.len(), rate, RATE) as u64;
        assert_eq!(last_granule, u64::from(parsed.pre_skip) + resampled);
        // Granules never decrease, and audio pages hold about a second each.
        assert!(pages.windows(2).all(|w| w[0].0 <= w[1].0));
        assert_eq!(pages.len(), 2 + 3, "2.5 s in three audio pages");

        let tags = reader.read_packet().unwrap().unwrap().data;
        let text = String::from_utf8_lossy(&tags);
        for comment in [
            "TITLE=نشرة الأخبار",
            "ARTIST=nashra",
            "DATE=2023-11-06",
            "TRACKNUMBER=1",
            "LANGUAGE=ara",
            "CHAPTER001=00:00:00.000",
            "CHAPTER001NAME=أولا",
            "CHAPTER002=00:00:01.500",
            "CHAPTER002NAME=ثانيا",
        ] {
            assert!(text.contains(comment), "missing {comment} in {text}");
        }
        assert!(tags.starts_with(b"OpusTags"));
        let vendor_len = u32::from_le_bytes(tags[8..12].try_into().unwrap()) as usize;
        let count = u32::from_le_bytes(tags[12 + vendor_len..16 + vendor_len].try_into().unwrap());
        assert_eq!(count, 11, "7 tags and 2 × 2 chapter comments");
    }

    #[test]
    fn bitrates_are_validated_and_serials_are_stable() {
        validate(32).unwrap();
        assert!(validate(5).is_err() && validate(300).is_err());
        assert_eq!(stream_serial("a", 10), stream_serial("a", 10));
        assert_ne!(stream_serial("a", 10), stream_serial("a", 11));
    }
}
