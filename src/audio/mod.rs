//! The audio stage: from per-sentence speech clips to one programme file.
//!
//! In: mono `f32` clips at one sample rate (one per spoken sentence) and the pauses wanted between
//! them. Out: one sample buffer with exact sentence spans ([`assemble`]), written as a 16-bit PCM
//! WAV ([`wav`]).
//!
//! Must never happen:
//! - a timing computed from float seconds: spans are sample counts, seconds are derived from them
//!   once, at the edge ([`samples_to_seconds`]);
//! - a click at a join: every clip gets a short fade in and out;
//! - per-sentence peak normalization: it makes the level jump from sentence to sentence, which
//!   listeners hear at once. Loudness is a programme-wide step (DESIGN §4) and lives elsewhere.
//!
//! This module knows nothing of Arabic or of articles; [`crate::pipeline`] decides what is said.

pub mod assemble;
pub mod wav;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use assemble::{Assembler, Span};

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
    /// After the title, the dateline and the author line.
    pub title: f32,
    /// After the bulletin introduction and between bulletin items.
    pub item: f32,
}

impl Default for Pauses {
    fn default() -> Self {
        Self { sentence: 0.35, paragraph: 0.7, title: 0.9, item: 0.9 }
    }
}

impl Pauses {
    /// Checks every pause is a finite number of seconds in `0..=MAX_PAUSE_SECONDS`.
    pub fn validate(&self) -> Result<(), AudioError> {
        for (name, value) in [
            ("sentence", self.sentence),
            ("paragraph", self.paragraph),
            ("title", self.title),
            ("item", self.item),
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
    #[error("cannot encode {path} as WAV")]
    Wav {
        path: PathBuf,
        #[source]
        source: hound::Error,
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
        assert_eq!((p.sentence, p.paragraph, p.title, p.item), (0.35, 0.7, 0.9, 0.9));
        assert!(p.paragraph >= 0.6 && p.title >= 0.6 && p.item >= 0.6);
        p.validate().unwrap();
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
        Pauses { sentence: 0.0, paragraph: 10.0, title: 0.0, item: 0.0 }.validate().unwrap();
    }
}
