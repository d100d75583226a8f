//! Writing a mastered programme to files: one [`Encoder`] per format.
//!
//! In: a [`Programme`] (mono samples at their rate, the output [`Layout`], chapters, tags) and a
//! path. Out: a complete file at that path, written under a temporary name and renamed when done.
//!
//! Must never happen: a half-written file under its final name, chapter times that differ from
//! the manifest's, or a decoded file that is longer or shorter than the programme (MP3 files carry
//! a LAME tag with the encoder delay and padding, Opus files a pre-skip and an exact final granule
//! position, so that gapless decoders return exactly the programme's samples).
//!
//! | format | codec | rate | tags and chapters |
//! |---|---|---|---|
//! | `wav` | 16-bit PCM (hound) | the programme's | none (the manifest has them) |
//! | `mp3` | LAME 3.100, CBR or VBR | the programme's | ID3v2.3 text frames, CHAP + CTOC |
//! | `opus` | libopus, Ogg (RFC 7845) | 48 kHz | Vorbis comments, `CHAPTERnnn` |

pub mod mp3;
pub mod opus;
pub mod wav;

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{AudioError, Chapter, Layout};

/// An output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Mp3,
    Opus,
    Wav,
}

impl Format {
    /// File extension, without the dot; also the format's name on the command line.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Mp3 => "mp3",
            Format::Opus => "opus",
            Format::Wav => "wav",
        }
    }

    /// Whether the codec discards information (and so needs headroom under the ceiling).
    pub fn is_lossy(self) -> bool {
        !matches!(self, Format::Wav)
    }

    /// The format a file name's extension asks for (`.ogg` counts as Opus).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "ogg" => Some(Format::Opus),
            other => other.parse().ok(),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

/// A format name that is not `mp3`, `opus` or `wav`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audio format {0:?} (use mp3, opus or wav)")]
pub struct UnknownFormat(pub String);

impl FromStr for Format {
    type Err = UnknownFormat;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mp3" => Ok(Format::Mp3),
            "opus" => Ok(Format::Opus),
            "wav" => Ok(Format::Wav),
            _ => Err(UnknownFormat(s.to_owned())),
        }
    }
}

/// How MP3 files are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mp3Mode {
    /// Constant bitrate in kbit/s: predictable size, what podcast hosts expect.
    Cbr { kbps: u32 },
    /// LAME's variable bitrate, quality 0 (best) to 9: smaller for speech with pauses.
    Vbr { quality: u8 },
}

/// Formats and codec settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncodeOptions {
    /// Every programme is written once per format, in this order; the first is the one the
    /// manifest's `audio` fields name.
    pub formats: Vec<Format>,
    /// MP3 mode; `None` for CBR at [`mp3::default_kbps`].
    pub mp3: Option<Mp3Mode>,
    /// Opus bitrate in kbit/s; `None` for [`opus::default_kbps`].
    pub opus_kbps: Option<u32>,
}

impl Default for EncodeOptions {
    /// MP3 only, at the default bitrate.
    fn default() -> Self {
        Self { formats: vec![Format::Mp3], mp3: None, opus_kbps: None }
    }
}

impl EncodeOptions {
    /// Only `formats`, with default codec settings.
    pub fn formats(formats: &[Format]) -> Self {
        Self { formats: formats.to_vec(), ..Self::default() }
    }

    /// The MP3 mode in effect for `layout`.
    pub fn mp3_mode(&self, layout: Layout) -> Mp3Mode {
        self.mp3.unwrap_or(Mp3Mode::Cbr { kbps: mp3::default_kbps(layout) })
    }

    /// The Opus bitrate in effect for `layout`, in kbit/s.
    pub fn opus_bitrate(&self, layout: Layout) -> u32 {
        self.opus_kbps.unwrap_or_else(|| opus::default_kbps(layout))
    }

    /// Checks there is a format and every codec setting is valid (repeated formats are
    /// dropped by [`EncodeOptions::unique_formats`]).
    pub fn validate(&self, layout: Layout) -> Result<(), AudioError> {
        if self.formats.is_empty() {
            return Err(AudioError::NoFormat);
        }
        mp3::validate(self.mp3_mode(layout))?;
        opus::validate(self.opus_bitrate(layout))
    }

    /// [`validate`](Self::validate), and that every format asked for can hold a programme at
    /// `rate` (MP3 has a fixed set of rates and of bitrates per rate).
    pub fn validate_for_rate(&self, layout: Layout, rate: u32) -> Result<(), AudioError> {
        self.validate(layout)?;
        if self.formats.contains(&Format::Mp3) {
            mp3::validate_for_rate(self.mp3_mode(layout), rate)?;
        }
        Ok(())
    }

    /// The formats without repeats, in the order first given.
    pub fn unique_formats(&self) -> Vec<Format> {
        let mut seen = Vec::new();
        for &format in &self.formats {
            if !seen.contains(&format) {
                seen.push(format);
            }
        }
        seen
    }

    /// The encoder for `format` with these settings.
    pub fn encoder(&self, format: Format, layout: Layout) -> Box<dyn Encoder> {
        match format {
            Format::Wav => Box::new(wav::WavEncoder),
            Format::Mp3 => Box::new(mp3::Mp3Encoder { mode: self.mp3_mode(layout) }),
            Format::Opus => Box::new(opus::OpusEncoder { kbps: self.opus_bitrate(layout) }),
        }
    }
}

/// Descriptive tags written into MP3 (ID3v2) and Opus (Vorbis comments) files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    pub title: String,
    pub artist: Option<String>,
    /// The edition the programme belongs to.
    pub album: Option<String>,
    pub date: Option<NaiveDate>,
    /// Position and total, e.g. article 2 of 5.
    pub track: Option<(u32, u32)>,
    /// ISO 639-2 code of the spoken language (`ara`).
    pub language: Option<String>,
}

/// A mastered programme, ready to be written.
#[derive(Debug, Clone, Copy)]
pub struct Programme<'a> {
    /// Mono samples, already at their loudness and under the ceiling for this kind of file.
    pub samples: &'a [f32],
    pub rate: u32,
    pub layout: Layout,
    /// Chapters in samples at `rate`.
    pub chapters: &'a [Chapter],
    pub tags: &'a Tags,
}

impl<'a> Programme<'a> {
    /// A mono programme without chapters: one piece of speech, as `nashra speak` writes.
    pub fn mono(samples: &'a [f32], rate: u32, tags: &'a Tags) -> Self {
        Self { samples, rate, layout: Layout::Mono, chapters: &[], tags }
    }

    /// What an encoder needs before the samples.
    pub fn header(&self) -> Header<'a> {
        Header {
            len: self.samples.len(),
            rate: self.rate,
            layout: self.layout,
            chapters: self.chapters,
            tags: self.tags,
        }
    }
}

/// A programme's description without its samples, for [`Encoder::begin`].
///
/// The length is given up front: an Opus file's stream serial and last granule position depend
/// on it, and a WAV file's limit is checked before anything is written. A programme streamed from
/// disk (the full edition) knows its length before it is encoded.
#[derive(Debug, Clone, Copy)]
pub struct Header<'a> {
    /// Mono samples that will be written.
    pub len: usize,
    pub rate: u32,
    pub layout: Layout,
    /// Chapters in samples at `rate`.
    pub chapters: &'a [Chapter],
    pub tags: &'a Tags,
}

/// A file being encoded: takes the programme's samples a chunk at a time.
///
/// Dropped without [`finish`](Sink::finish), it leaves no file behind (nor replaces the one
/// already at the path). `Send`: an edition's encoders run on a thread of their own, behind the
/// limiter.
pub trait Sink: Send {
    /// Encodes the next mono samples.
    fn write(&mut self, samples: &[f32]) -> Result<(), AudioError>;

    /// Encodes what is held, completes the file and publishes it under its final name. Fails if
    /// the samples written do not add up to the header's length.
    fn finish(self: Box<Self>) -> Result<(), AudioError>;
}

/// Writes programmes in one format.
///
/// Every file goes through [`begin`](Encoder::begin) and a [`Sink`], whether the programme is in
/// memory ([`write`](Encoder::write)) or streamed from disk: one code path, so a streamed file is
/// the same file.
pub trait Encoder {
    fn format(&self) -> Format;

    /// Starts writing a programme described by `header` to `path` (atomically, on
    /// [`Sink::finish`]).
    fn begin(&self, header: &Header<'_>, path: &Path) -> Result<Box<dyn Sink>, AudioError>;

    /// Writes `programme` to `path` atomically.
    fn write(&self, programme: &Programme<'_>, path: &Path) -> Result<(), AudioError> {
        let mut sink = self.begin(&programme.header(), path)?;
        sink.write(programme.samples)?;
        sink.finish()
    }
}

/// The samples a sink was given against the length its header announced. Every sink keeps
/// one: the header's length decides what is written before the samples (WAV sizes, chapter
/// ends, Opus granule positions), so a programme that does not add up to it is an error, never
/// a file that ends early or runs past its chapters.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tally {
    expected: usize,
    written: usize,
}

impl Tally {
    pub(crate) fn new(expected: usize) -> Self {
        Self { expected, written: 0 }
    }

    /// Counts `count` more samples for the file `path`; more than announced is an error.
    pub(crate) fn add(
        &mut self,
        count: usize,
        path: &Path,
        format: Format,
    ) -> Result<(), AudioError> {
        self.written += count;
        if self.written > self.expected {
            return Err(self.error(path, format));
        }
        Ok(())
    }

    /// Checks, as the file `path` is finished, that every announced sample came.
    pub(crate) fn complete(&self, path: &Path, format: Format) -> Result<(), AudioError> {
        if self.written != self.expected {
            return Err(self.error(path, format));
        }
        Ok(())
    }

    fn error(&self, path: &Path, format: Format) -> AudioError {
        encode_error(
            path,
            format,
            format!(
                "{} samples were written to a programme announced as {}",
                self.written, self.expected
            ),
        )
    }
}

/// An encoding error of `format` for `path`.
pub(crate) fn encode_error(
    path: &Path,
    format: Format,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> AudioError {
    AudioError::Encode { path: path.to_path_buf(), format, source: source.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speech_like(rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                let f = 180.0 + 90.0 * (t / 0.21).floor() % 400.0;
                (0.4 * (2.0 * std::f64::consts::PI * f * t).sin() * (t * 3.0).sin().abs()) as f32
            })
            .collect()
    }

    #[test]
    fn a_programme_streamed_in_chunks_makes_the_same_file_as_one_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let rate = 22_050;
        let samples = speech_like(rate, 3 * rate as usize + 123);
        let tags = Tags { title: "نشرة".into(), track: Some((1, 2)), ..Tags::default() };
        let marks = vec![("أ".to_string(), 0), ("ب".to_string(), 30_000)];
        let chapter_list = crate::audio::chapters::tile(&marks, samples.len() as u64);
        for layout in [Layout::Mono, Layout::Stereo] {
            let programme =
                Programme { samples: &samples, rate, layout, chapters: &chapter_list, tags: &tags };
            for format in [Format::Wav, Format::Mp3, Format::Opus] {
                let encoder = EncodeOptions::default().encoder(format, layout);
                let whole = dir.path().join(format!("whole.{format}"));
                encoder.write(&programme, &whole).unwrap();
                for size in [1, 1000, 4097] {
                    let path = dir.path().join(format!("{size}.{format}"));
                    let mut sink = encoder.begin(&programme.header(), &path).unwrap();
                    for chunk in samples.chunks(size) {
                        sink.write(chunk).unwrap();
                    }
                    sink.finish().unwrap();
                    let same = std::fs::read(&path).unwrap() == std::fs::read(&whole).unwrap();
                    assert!(same, "{format} {layout:?} in chunks of {size}");
                }
            }
        }
    }

    #[test]
    fn a_sink_given_fewer_or_more_samples_than_announced_fails_and_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let samples = speech_like(22_050, 5000);
        let tags = Tags::default();
        let programme = Programme::mono(&samples, 22_050, &tags);
        for format in [Format::Wav, Format::Mp3, Format::Opus] {
            let encoder = EncodeOptions::default().encoder(format, Layout::Mono);
            let path = dir.path().join(format!("x.{format}"));
            let mut short = encoder.begin(&programme.header(), &path).unwrap();
            short.write(&samples[..4000]).unwrap();
            assert!(matches!(short.finish(), Err(AudioError::Encode { .. })), "{format}");
            let mut long = encoder.begin(&programme.header(), &path).unwrap();
            long.write(&samples).unwrap();
            assert!(long.write(&samples[..1]).is_err(), "{format}");
            drop(long);
            assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{format}");
        }
    }

    #[test]
    fn formats_parse_case_insensitively_and_name_their_extension() {
        assert_eq!("MP3".parse::<Format>().unwrap(), Format::Mp3);
        assert_eq!(" opus".parse::<Format>().unwrap(), Format::Opus);
        assert_eq!("wav".parse::<Format>().unwrap().extension(), "wav");
        let err = "flac".parse::<Format>().unwrap_err();
        assert_eq!(err.to_string(), "unknown audio format \"flac\" (use mp3, opus or wav)");
        assert_eq!(Format::from_path(Path::new("a/b.OGG")), Some(Format::Opus));
        assert_eq!(Format::from_path(Path::new("b.mp3")), Some(Format::Mp3));
        assert_eq!(Format::from_path(Path::new("b")), None);
        assert!(Format::Mp3.is_lossy() && Format::Opus.is_lossy() && !Format::Wav.is_lossy());
    }

    #[test]
    fn defaults_are_mp3_cbr_sized_by_layout() {
        let options = EncodeOptions::default();
        assert_eq!(options.formats, [Format::Mp3]);
        assert_eq!(options.mp3_mode(Layout::Mono), Mp3Mode::Cbr { kbps: 64 });
        assert_eq!(options.mp3_mode(Layout::Stereo), Mp3Mode::Cbr { kbps: 96 });
        assert_eq!(options.opus_bitrate(Layout::Mono), 32);
        assert_eq!(options.opus_bitrate(Layout::Stereo), 48);
        options.validate(Layout::Mono).unwrap();
    }

    #[test]
    fn empty_or_invalid_settings_are_refused_and_repeats_dropped() {
        assert!(matches!(
            EncodeOptions::formats(&[]).validate(Layout::Mono),
            Err(AudioError::NoFormat)
        ));
        let bad = EncodeOptions { mp3: Some(Mp3Mode::Cbr { kbps: 100 }), ..Default::default() };
        assert!(matches!(bad.validate(Layout::Mono), Err(AudioError::InvalidBitrate { .. })));
        let bad = EncodeOptions { mp3: Some(Mp3Mode::Vbr { quality: 10 }), ..Default::default() };
        assert!(matches!(bad.validate(Layout::Mono), Err(AudioError::InvalidVbrQuality { .. })));
        let bad = EncodeOptions { opus_kbps: Some(2), ..Default::default() };
        assert!(matches!(bad.validate(Layout::Mono), Err(AudioError::InvalidBitrate { .. })));
        let repeated = EncodeOptions::formats(&[Format::Wav, Format::Mp3, Format::Wav]);
        assert_eq!(repeated.unique_formats(), [Format::Wav, Format::Mp3]);
    }
}
