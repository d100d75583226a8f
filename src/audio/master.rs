//! Mastering a programme: one gain to the loudness target, then a true-peak limiter per ceiling.
//!
//! In: a whole mono programme (an article, the bulletin, the full edition) and
//! [`MasterOptions`]. Out: the programme at its target loudness ([`normalize`]), and, per
//! output kind, a copy limited under that kind's ceiling ([`limit_for`]): -1 dBTP by default for
//! WAV, 0.5 dB lower for MP3 and Opus, whose decoders overshoot the encoder's input by a few
//! tenths of a dB.
//!
//! Must never happen: a gain that differs along the programme other than at the limiter's peaks
//! (no per-sentence or per-block normalization), or a ceiling a file can exceed.

use serde::{Deserialize, Serialize};

use super::limiter::{self, LimiterOptions, LimiterReport};
use super::loudness::{self, DEFAULT_MONO_TARGET_LUFS, DEFAULT_STEREO_TARGET_LUFS};
use super::{AudioError, Layout};

/// Default true-peak ceiling of lossless files, in dBTP.
pub const DEFAULT_CEILING_DBTP: f64 = -1.0;

/// Extra headroom for files that go through a lossy encoder, in dB (-1.5 dBTP by default).
pub const LOSSY_HEADROOM_DB: f64 = 0.5;

/// Accepted ceilings, in dBTP.
pub const CEILING_RANGE_DBTP: (f64, f64) = (-12.0, 0.0);

/// How programmes are levelled.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MasterOptions {
    /// Channels of the written files; the target depends on it.
    pub layout: Layout,
    /// Integrated loudness every programme is brought to, in LUFS, measured in `layout`.
    pub target_lufs: f64,
    /// Highest true peak of a lossless file, in dBTP; lossy files get [`LOSSY_HEADROOM_DB`] less.
    pub ceiling_dbtp: f64,
}

impl MasterOptions {
    /// The podcast defaults for `layout`: -19 LUFS mono or -16 LUFS stereo, -1 dBTP.
    pub fn for_layout(layout: Layout) -> Self {
        let target_lufs = match layout {
            Layout::Mono => DEFAULT_MONO_TARGET_LUFS,
            Layout::Stereo => DEFAULT_STEREO_TARGET_LUFS,
        };
        Self { layout, target_lufs, ceiling_dbtp: DEFAULT_CEILING_DBTP }
    }

    /// Checks the target and the ceiling are finite and in range.
    pub fn validate(&self) -> Result<(), AudioError> {
        let (min, max) = (loudness::MIN_TARGET_LUFS, loudness::MAX_TARGET_LUFS);
        if !self.target_lufs.is_finite() || !(min..=max).contains(&self.target_lufs) {
            return Err(AudioError::InvalidLoudnessTarget { value: self.target_lufs, min, max });
        }
        let (min, max) = CEILING_RANGE_DBTP;
        if !self.ceiling_dbtp.is_finite() || !(min..=max).contains(&self.ceiling_dbtp) {
            return Err(AudioError::InvalidCeiling { value: self.ceiling_dbtp, min, max });
        }
        Ok(())
    }

    /// The ceiling for a file: the configured one for lossless files, lower for lossy ones.
    pub fn ceiling_for(&self, lossy: bool) -> f64 {
        if lossy {
            self.ceiling_dbtp - LOSSY_HEADROOM_DB
        } else {
            self.ceiling_dbtp
        }
    }
}

impl Default for MasterOptions {
    fn default() -> Self {
        Self::for_layout(Layout::Mono)
    }
}

/// What [`normalize`] measured and did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Normalization {
    /// Integrated loudness before, in LUFS (`-inf` for silence).
    pub measured_lufs: f64,
    /// Gain applied to the whole programme, in dB.
    pub gain_db: f64,
}

/// Brings the whole programme to `options.target_lufs` with one gain.
pub fn normalize(
    samples: &mut [f32],
    rate: u32,
    options: &MasterOptions,
) -> Result<Normalization, AudioError> {
    let measured_lufs = loudness::integrated(samples, rate, options.layout)?;
    let gain_db = loudness::gain_db_to_target(measured_lufs, options.target_lufs);
    loudness::apply_gain(samples, loudness::db_to_gain(gain_db));
    if !measured_lufs.is_finite() {
        tracing::warn!("the programme has no measurable loudness; it is left as it is");
    }
    Ok(Normalization { measured_lufs, gain_db })
}

/// Limits `samples` in place under the ceiling for a lossy or lossless file.
pub fn limit_for(
    samples: &mut [f32],
    rate: u32,
    options: &MasterOptions,
    lossy: bool,
) -> LimiterReport {
    limiter::limit(samples, rate, &LimiterOptions::with_ceiling(options.ceiling_for(lossy)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_podcast_practice_per_layout() {
        let mono = MasterOptions::for_layout(Layout::Mono);
        assert_eq!((mono.target_lufs, mono.ceiling_dbtp), (-19.0, -1.0));
        let stereo = MasterOptions::for_layout(Layout::Stereo);
        assert_eq!((stereo.target_lufs, stereo.ceiling_dbtp), (-16.0, -1.0));
        assert_eq!(mono.ceiling_for(true), -1.5);
        assert_eq!(mono.ceiling_for(false), -1.0);
        mono.validate().unwrap();
    }

    #[test]
    fn out_of_range_targets_and_ceilings_are_refused() {
        for target in [-40.0, 0.0, f64::NAN] {
            let options = MasterOptions { target_lufs: target, ..MasterOptions::default() };
            assert!(matches!(options.validate(), Err(AudioError::InvalidLoudnessTarget { .. })));
        }
        for ceiling in [0.5, -20.0, f64::INFINITY] {
            let options = MasterOptions { ceiling_dbtp: ceiling, ..MasterOptions::default() };
            assert!(matches!(options.validate(), Err(AudioError::InvalidCeiling { .. })));
        }
    }

    #[test]
    fn speech_like_bursts_are_normalized_as_a_whole_not_one_by_one() {
        // A loud and a quiet "sentence": after normalization their ratio is unchanged (one gain),
        // and the programme measures the target.
        let rate = 22_050;
        let tone = |amp: f64, n: usize| -> Vec<f32> {
            (0..n)
                .map(|i| {
                    (amp * (2.0 * std::f64::consts::PI * 300.0 * i as f64 / 22_050.0).sin()) as f32
                })
                .collect()
        };
        let mut programme = tone(0.05, rate as usize * 2);
        programme.extend(vec![0.0; 5000]);
        programme.extend(tone(0.2, rate as usize * 2));
        let ratio_before = programme[rate as usize * 2 + 5000 + 100] / programme[100];
        let options = MasterOptions::default();
        let result = normalize(&mut programme, rate, &options).unwrap();
        let ratio_after = programme[rate as usize * 2 + 5000 + 100] / programme[100];
        assert!((ratio_before - ratio_after).abs() < 1e-4);
        let after = loudness::integrated(&programme, rate, Layout::Mono).unwrap();
        assert!((after - -19.0).abs() < 0.01, "{after}");
        assert!((result.gain_db - (-19.0 - result.measured_lufs)).abs() < 1e-9);
    }

    #[test]
    fn lossy_copies_are_limited_lower_than_lossless_ones() {
        let rate = 22_050;
        let loud: Vec<f32> = (0..rate)
            .map(|i| {
                (1.2 * (2.0 * std::f64::consts::PI * 440.0 * f64::from(i) / 22_050.0).sin()) as f32
            })
            .collect();
        let options = MasterOptions::default();
        let mut lossless = loud.clone();
        let mut lossy = loud;
        limit_for(&mut lossless, rate, &options, false);
        limit_for(&mut lossy, rate, &options, true);
        let peak = |s: &[f32]| loudness::measure(s, 1, rate).unwrap().true_peak_dbtp;
        assert!(peak(&lossless) <= -1.0 && peak(&lossless) > -1.3, "{}", peak(&lossless));
        assert!(peak(&lossy) <= -1.5 && peak(&lossy) > -1.8, "{}", peak(&lossy));
    }
}
