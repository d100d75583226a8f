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
    Ok(normalize_measured(samples, measured_lufs, options))
}

/// [`normalize`] for a programme whose loudness was measured as it was made: `measured_lufs`
/// must be the integrated loudness of `samples` in `options.layout`.
pub fn normalize_measured(
    samples: &mut [f32],
    measured_lufs: f64,
    options: &MasterOptions,
) -> Normalization {
    let gain_db = gain_to_target(measured_lufs, options);
    loudness::apply_gain(samples, loudness::db_to_gain(gain_db));
    Normalization { measured_lufs, gain_db }
}

/// The one gain, in dB, that brings a programme measured at `measured_lufs` to the target: what
/// [`normalize`] applies, for a programme measured elsewhere (the full edition, as it is spooled
/// to disk). A programme with no measurable loudness is left as it is, and said so.
pub fn gain_to_target(measured_lufs: f64, options: &MasterOptions) -> f64 {
    if !measured_lufs.is_finite() {
        tracing::warn!("the programme has no measurable loudness; it is left as it is");
    }
    loudness::gain_db_to_target(measured_lufs, options.target_lufs)
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

/// Levels a programme that is written while it is made (`nashra speak -o -`), where
/// [`normalize`] cannot be used: it needs the whole programme before the first sample goes out.
///
/// Still one gain for the whole programme, as this module requires, but decided from its start:
/// the gain that brings the first chunk with a measurable loudness (at least one 400 ms gating
/// block of sound) to the target. Chunks before it are held back until then, so none is heard at
/// another gain. The trade-off: the programme as a whole ends near the target rather than on it,
/// by how much its first sentence differs from its average (a Piper voice keeps a steady level,
/// so typically within a dB or two; docs/bench.md). The true-peak limiter is the streaming
/// [`limiter::Limiter`], so the stream is limited exactly as a whole programme would be; its
/// look-ahead holds back a few milliseconds until the next chunk or [`StreamLeveller::finish`].
#[derive(Debug)]
pub struct StreamLeveller {
    rate: u32,
    options: MasterOptions,
    /// The programme's gain in dB, once decided.
    gain_db: Option<f64>,
    /// Samples waiting for the gain.
    pending: Vec<f32>,
    limiter: limiter::Limiter,
}

impl StreamLeveller {
    /// A leveller for a programme at `rate`, limited for a lossy or lossless file.
    pub fn new(rate: u32, options: MasterOptions, lossy: bool) -> Self {
        let limiter =
            limiter::Limiter::new(rate, &LimiterOptions::with_ceiling(options.ceiling_for(lossy)));
        Self { rate, options, gain_db: None, pending: Vec::new(), limiter }
    }

    /// The gain in dB applied to the whole programme, once the first measurable chunk came.
    pub fn gain_db(&self) -> Option<f64> {
        self.gain_db
    }

    /// Takes the next chunk; returns the samples ready to write, levelled and limited (empty
    /// while the gain is not decided yet).
    pub fn push(&mut self, chunk: Vec<f32>) -> Result<Vec<f32>, AudioError> {
        let mut ready = match self.gain_db {
            Some(_) => chunk,
            None => {
                self.pending.extend(chunk);
                let measured = loudness::integrated(&self.pending, self.rate, self.options.layout)?;
                if !measured.is_finite() {
                    return Ok(Vec::new());
                }
                self.gain_db =
                    Some(loudness::gain_db_to_target(measured, self.options.target_lufs));
                std::mem::take(&mut self.pending)
            }
        };
        Ok(self.level(&mut ready))
    }

    /// The samples still held back: the limiter's look-ahead, and a programme that never
    /// reached one gating block of sound, which is left at its level (as [`normalize`] leaves
    /// silence) and limited.
    pub fn finish(mut self) -> Vec<f32> {
        let mut rest = std::mem::take(&mut self.pending);
        if self.gain_db.is_none() && !rest.is_empty() {
            tracing::warn!("the speech is too short to measure its loudness; it is left as it is");
            self.gain_db = Some(0.0);
        }
        let mut out = self.level(&mut rest);
        self.limiter.finish(&mut out);
        out
    }

    fn level(&mut self, samples: &mut [f32]) -> Vec<f32> {
        loudness::apply_gain(samples, loudness::db_to_gain(self.gain_db.unwrap_or(0.0)));
        let mut out = Vec::with_capacity(samples.len());
        self.limiter.process(samples, &mut out);
        out
    }
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

    fn tone(amp: f64, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                (amp * (2.0 * std::f64::consts::PI * 300.0 * i as f64 / 22_050.0).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn a_stream_keeps_the_gain_of_its_first_measurable_chunk() {
        let rate = 22_050;
        let options = MasterOptions::default();
        let mut leveller = StreamLeveller::new(rate, options, false);
        // 0.1 s: too short to measure, held back.
        assert!(leveller.push(tone(0.05, 2205)).unwrap().is_empty());
        let first = leveller.push(tone(0.05, rate as usize)).unwrap();
        // Everything but the limiter's look-ahead (a few ms) comes out.
        let held = 2205 + 22_050 - first.len();
        assert!(held > 0 && held < rate as usize / 50, "the look-ahead holds back {held}");
        let gain = leveller.gain_db().unwrap();
        // The held-back start got the same gain as the chunk that decided it.
        let g = loudness::db_to_gain(gain) as f32;
        assert!((first[100] - tone(0.05, 2205)[100] * g).abs() < 1e-4);
        assert!((first[5000] - tone(0.05, 22_050)[5000 - 2205] * g).abs() < 1e-4);
        let measured = loudness::integrated(&first, rate, Layout::Mono).unwrap();
        assert!((measured - -19.0).abs() < 0.05, "{measured}");
        // A louder chunk later keeps the same gain (up to the limiter at its peaks).
        let later = leveller.push(tone(0.02, rate as usize)).unwrap();
        let expected = 0.02 * loudness::db_to_gain(gain);
        // (After the held-back end of the first chunk.)
        let peak = later[held..].iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((f64::from(peak) - expected).abs() < 1e-3, "{peak} vs {expected}");
        assert_eq!(leveller.gain_db(), Some(gain));
        let rest = leveller.finish();
        assert_eq!(first.len() + later.len() + rest.len(), 2205 + 2 * 22_050);
    }

    #[test]
    fn a_stream_too_short_to_measure_comes_out_unchanged_at_the_end() {
        let mut leveller = StreamLeveller::new(22_050, MasterOptions::default(), false);
        let short = tone(0.1, 2000);
        assert!(leveller.push(short.clone()).unwrap().is_empty());
        assert_eq!(leveller.finish(), short);
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
