//! The audio stage: from per-sentence speech clips to finished programme files.
//!
//! In: mono `f32` clips at one sample rate (one per spoken sentence), the pauses wanted between
//! them, optional intro/outro/transition sounds, and the formats asked for. Out: one sample buffer
//! per programme with exact sentence spans ([`assemble`]), brought to a loudness target
//! ([`loudness`], [`master`]) under a true-peak ceiling ([`limiter`]), and written as WAV, MP3 or
//! Ogg Opus with tags and chapters ([`encode`], [`chapters`]); each written file is decoded back
//! and measured ([`decode`]).
//!
//! Must never happen:
//! - a timing computed from float seconds: spans are sample counts, seconds are derived from them
//!   once, at the edge ([`samples_to_seconds`]);
//! - a click at a join: every clip and every sound gets a short fade in and out;
//! - per-sentence peak normalization: it makes the level jump from sentence to sentence, which
//!   listeners hear at once. Loudness is set once per programme (DESIGN §4);
//! - a file over its true-peak ceiling, or a half-written file under its final name.
//!
//! A programme is always mono inside nashra; stereo output ([`Layout::Stereo`]) writes the same
//! samples to two channels at the file edge.
//!
//! This module knows nothing of Arabic or of articles; [`crate::pipeline`] decides what is said.

pub mod assemble;
pub mod chapters;
pub mod decode;
pub mod encode;
pub mod limiter;
pub mod loudness;
pub mod master;
pub mod resample;
pub mod sounds;

/// `audio::wav` is where the WAV writer lived first; callers keep using that path.
pub use encode::wav;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use assemble::{Assembler, Span};
pub use chapters::Chapter;
pub use encode::{EncodeOptions, Format, Mp3Mode, Tags};
pub use master::MasterOptions;
pub use sounds::{SoundOptions, SoundSource};

/// The lowest programme sample rate nashra renders. Below it the loudness filters of BS.1770
/// (a shelf near 1.5 kHz) no longer fit under the Nyquist frequency, and no codec we write
/// accepts it.
pub const MIN_SAMPLE_RATE: u32 = 8000;

/// The highest programme sample rate accepted (the Opus and MP3 maxima are 48 kHz).
pub const MAX_SAMPLE_RATE: u32 = 48_000;

/// How many channels a written file has. The programme itself is mono.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    /// One channel.
    #[default]
    Mono,
    /// Two identical channels, for players and platforms that expect stereo. Measured as stereo,
    /// the same samples are 3 dB louder than as mono, which is why the stereo target is -16 LUFS
    /// where the mono one is -19.
    Stereo,
}

impl Layout {
    /// Channels in a file of this layout.
    pub fn channels(self) -> u16 {
        match self {
            Layout::Mono => 1,
            Layout::Stereo => 2,
        }
    }
}

/// The longest pause accepted, in seconds. Pauses come from the command line; a typo like
/// `--pause 7000` must be an error, not a multi-gigabyte buffer of silence.
pub const MAX_PAUSE_SECONDS: f32 = 10.0;

/// The fade applied at both ends of every clip unless told otherwise, in milliseconds. 5 ms is
/// shorter than any phoneme onset worth keeping and long enough to hide the step a Piper clip
/// can start or end on.
pub const DEFAULT_FADE_MS: f32 = 5.0;

/// The longest fade accepted, in milliseconds; beyond this a fade eats into speech.
pub const MAX_FADE_MS: f32 = 50.0;

/// Silences inserted between spoken units, in seconds.
///
/// DESIGN §4 asks for about 0.3 s between sentences and at least 0.6 s after a paragraph or a
/// headline; the defaults sit a little above both because Piper clips already end on a short
/// breath of their own, which listeners count as part of the pause.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pauses {
    /// Between two sentences of the same block.
    pub sentence: f32,
    /// After a paragraph or a note.
    pub paragraph: f32,
    /// After the title.
    pub title: f32,
    /// After the bulletin introduction and between bulletin items.
    pub item: f32,
    /// After the dateline and after the author line. Manifests written before this field existed
    /// used the title pause there, hence the default when reading them.
    #[serde(default = "Pauses::default_byline")]
    pub byline: f32,
    /// In the full edition: the silence on each side of a transition sound between two
    /// programmes (bulletin, articles), or the whole gap when there is no transition sound.
    #[serde(default = "Pauses::default_article")]
    pub article: f32,
}

impl Default for Pauses {
    fn default() -> Self {
        Self {
            sentence: 0.35,
            paragraph: 0.7,
            title: 0.9,
            item: 0.9,
            byline: Self::default_byline(),
            article: Self::default_article(),
        }
    }
}

impl Pauses {
    fn default_byline() -> f32 {
        0.7
    }

    fn default_article() -> f32 {
        1.0
    }

    /// Checks every pause is a finite number of seconds in `0..=MAX_PAUSE_SECONDS`.
    pub fn validate(&self) -> Result<(), AudioError> {
        for (name, value) in [
            ("sentence", self.sentence),
            ("paragraph", self.paragraph),
            ("title", self.title),
            ("item", self.item),
            ("byline", self.byline),
            ("article", self.article),
        ] {
            if !value.is_finite() || !(0.0..=MAX_PAUSE_SECONDS).contains(&value) {
                return Err(AudioError::InvalidPause { name, value, max: MAX_PAUSE_SECONDS });
            }
        }
        Ok(())
    }
}

/// Errors of the audio stage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    #[error("the {name} pause must be between 0 and {max} seconds, not {value}")]
    InvalidPause { name: &'static str, value: f32, max: f32 },
    #[error("the fade must be between 0 and {max} ms, not {value}")]
    InvalidFade { value: f32, max: f32 },
    #[error("a sample rate of {rate} Hz cannot be written")]
    InvalidSampleRate { rate: u32 },
    #[error("{path}: {samples} samples do not fit in one WAV file (at most {max})")]
    TooLong { path: PathBuf, samples: usize, max: usize },
    #[error("cannot write {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("a sample rate of {rate} Hz is outside {min}..={max} Hz")]
    UnsupportedSampleRate { rate: u32, min: u32, max: u32 },
    #[error("the loudness target must be between {min} and {max} LUFS, not {value}")]
    InvalidLoudnessTarget { value: f64, min: f64, max: f64 },
    #[error("the true-peak ceiling must be between {min} and {max} dBTP, not {value}")]
    InvalidCeiling { value: f64, min: f64, max: f64 },
    #[error("the sound level must be between {min} and {max} LU, not {value}")]
    InvalidSoundLevel { value: f64, min: f64, max: f64 },
    #[error("{format} bitrate {kbps} kbps is not one of {allowed}")]
    InvalidBitrate { format: Format, kbps: u32, allowed: String },
    #[error("{format} cannot be written at {rate} Hz")]
    UnsupportedFormatRate { format: Format, rate: u32 },
    #[error("MP3 VBR quality must be 0 (best) to 9, not {value}")]
    InvalidVbrQuality { value: u8 },
    #[error("no output format given (use mp3, opus or wav)")]
    NoFormat,
    #[error("cannot measure loudness")]
    Loudness(#[source] ebur128::Error),
    #[error("cannot resample from {from} Hz to {to} Hz")]
    Resample {
        from: u32,
        to: u32,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("cannot decode {path}")]
    Decode {
        path: PathBuf,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{path} holds no audio")]
    NoAudio { path: PathBuf },
    #[error("{path} is {seconds:.1} s long; sounds may last at most {max} s")]
    SoundTooLong { path: PathBuf, seconds: f64, max: f64 },
    #[error("cannot encode {path} as {format}")]
    Encode {
        path: PathBuf,
        format: Format,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Converts a sample count to seconds, rounded to the millisecond (half up), with integer
/// arithmetic so that equal counts always give equal seconds.
///
/// Returns 0 for a rate of 0 rather than dividing by it.
pub fn samples_to_seconds(samples: u64, sample_rate: u32) -> f64 {
    if sample_rate == 0 {
        return 0.0;
    }
    let rate = u128::from(sample_rate);
    let millis = (u128::from(samples) * 1000 + rate / 2) / rate;
    // A u64 of samples at >= 1 Hz is < 2^64 * 1000 ms; f64 holds every millisecond exactly up
    // to 2^53 ms (285,000 years), far beyond any programme.
    millis as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_to_the_nearest_millisecond() {
        assert_eq!(samples_to_seconds(0, 22050), 0.0);
        assert_eq!(samples_to_seconds(22050, 22050), 1.0);
        // 1 sample at 22050 Hz = 0.04535 ms -> 0 ms; 11 samples = 0.4989 ms -> 0 ms; 12 -> 1 ms.
        assert_eq!(samples_to_seconds(1, 22050), 0.0);
        assert_eq!(samples_to_seconds(11, 22050), 0.0);
        assert_eq!(samples_to_seconds(12, 22050), 0.001);
        assert_eq!(samples_to_seconds(33075, 22050), 1.5);
        assert_eq!(samples_to_seconds(1234, 1000), 1.234);
        assert_eq!(samples_to_seconds(16001, 16000), 1.0);
        assert_eq!(samples_to_seconds(16008, 16000), 1.001);
    }

    #[test]
    fn seconds_of_a_zero_rate_are_zero() {
        assert_eq!(samples_to_seconds(1000, 0), 0.0);
    }

    #[test]
    fn default_pauses_meet_design_minimums() {
        let p = Pauses::default();
        assert_eq!(
            (p.sentence, p.paragraph, p.title, p.item, p.byline, p.article),
            (0.35, 0.7, 0.9, 0.9, 0.7, 1.0)
        );
        assert!(p.paragraph >= 0.6 && p.title >= 0.6 && p.item >= 0.6 && p.byline >= 0.6);
        p.validate().unwrap();
    }

    #[test]
    fn pauses_of_older_manifests_read_with_defaults_for_new_fields() {
        let old = r#"{"sentence":0.3,"paragraph":0.6,"title":0.8,"item":0.9}"#;
        let p: Pauses = serde_json::from_str(old).unwrap();
        assert_eq!((p.sentence, p.title, p.byline, p.article), (0.3, 0.8, 0.7, 1.0));
    }

    #[test]
    fn layouts_have_one_or_two_channels() {
        assert_eq!(Layout::Mono.channels(), 1);
        assert_eq!(Layout::Stereo.channels(), 2);
        assert_eq!(serde_json::to_string(&Layout::Stereo).unwrap(), "\"stereo\"");
    }

    #[test]
    fn negative_huge_or_nan_pauses_are_rejected() {
        for bad in [-0.1, 10.5, f32::NAN, f32::INFINITY] {
            let p = Pauses { paragraph: bad, ..Pauses::default() };
            match p.validate() {
                Err(AudioError::InvalidPause { name: "paragraph", .. }) => {}
                other => panic!("{bad}: {other:?}"),
            }
        }
        Pauses {
            sentence: 0.0,
            paragraph: 10.0,
            title: 0.0,
            item: 0.0,
            byline: 0.0,
            article: 10.0,
        }
        .validate()
        .unwrap();
        let p = Pauses { article: -1.0, ..Pauses::default() };
        assert!(matches!(p.validate(), Err(AudioError::InvalidPause { name: "article", .. })));
    }
}
