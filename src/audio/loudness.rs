//! Programme loudness as EBU R128 / ITU-R BS.1770-4 define it, measured with the `ebur128` crate.
//!
//! In: samples (a mono programme, or the interleaved channels of a decoded file) and their rate.
//! Out: integrated loudness in LUFS (gated, K-weighted) and true peak in dBTP; the gain that
//! brings a programme to a target.
//!
//! Must never happen: a gain computed from a sample peak (loudness is what listeners compare, a
//! peak says nothing about it), a gain computed per sentence, or an unbounded gain applied to a
//! programme that is silent or nearly so.
//!
//! Mono against stereo: BS.1770 sums the power of the channels, so the same samples on two
//! channels measure 3.01 dB louder than on one. A mono programme written as stereo is therefore
//! measured with ebur128's `DualMono` channel, which counts the one channel twice; that is exactly
//! what measuring the two identical channels of the stereo file gives (a test holds it). This is
//! the whole of the "-19 LUFS mono = -16 LUFS stereo" rule of podcast practice.

use ebur128::{Channel, EbuR128, Mode};

use super::{AudioError, Layout};

/// Integrated loudness target for mono files, in LUFS (AES TD1004 and the major podcast
/// platforms' guidance for mono speech).
pub const DEFAULT_MONO_TARGET_LUFS: f64 = -19.0;

/// Integrated loudness target for stereo files, in LUFS: the mono target plus 3 dB of channel sum.
pub const DEFAULT_STEREO_TARGET_LUFS: f64 = -16.0;

/// Lowest accepted target, in LUFS: broadcast's -23/-24 LUFS and a margin below.
pub const MIN_TARGET_LUFS: f64 = -31.0;

/// Highest accepted target, in LUFS. Louder than -9 LUFS speech cannot stay under a -1 dBTP
/// ceiling without heavy limiting.
pub const MAX_TARGET_LUFS: f64 = -9.0;

/// The most gain normalization ever applies, in dB. A voice 40 dB under target is broken, and
/// amplifying it further would only raise its noise floor; the measured loudness then shows it.
pub const MAX_GAIN_DB: f64 = 40.0;

/// What a loudness meter reads on a programme or a file.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loudness {
    /// Integrated (programme) loudness in LUFS; `-inf` for silence or audio shorter than one
    /// 400 ms gating block.
    pub integrated_lufs: f64,
    /// The highest true (inter-sample) peak over all channels in dBTP; `-inf` for silence.
    pub true_peak_dbtp: f64,
}

/// Converts decibels to a linear amplitude factor.
pub fn db_to_gain(db: f64) -> f64 {
    10f64.powf(db / 20.0)
}

/// Converts a linear amplitude to decibels (`-inf` for 0).
pub fn gain_to_db(gain: f64) -> f64 {
    20.0 * gain.log10()
}

/// Integrated loudness of a mono programme as it will be heard in `layout`, in LUFS; `-inf` when
/// the programme is silent or shorter than one gating block.
pub fn integrated(samples: &[f32], rate: u32, layout: Layout) -> Result<f64, AudioError> {
    let mut meter = Integrated::new(rate, layout)?;
    meter.add(samples)?;
    meter.lufs()
}

/// [`integrated`] fed a chunk at a time: the full edition is measured as it is written to disk.
pub struct Integrated {
    inner: EbuR128,
}

impl Integrated {
    /// A meter for a mono programme at `rate` as it will be heard in `layout`.
    pub fn new(rate: u32, layout: Layout) -> Result<Self, AudioError> {
        let mut inner = EbuR128::new(1, rate, Mode::I).map_err(AudioError::Loudness)?;
        if layout == Layout::Stereo {
            inner.set_channel(0, Channel::DualMono).map_err(AudioError::Loudness)?;
        }
        Ok(Self { inner })
    }

    /// Adds the next samples.
    pub fn add(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        self.inner.add_frames_f32(samples).map_err(AudioError::Loudness)
    }

    /// The integrated loudness of everything added, in LUFS.
    pub fn lufs(&self) -> Result<f64, AudioError> {
        self.inner.loudness_global().map_err(AudioError::Loudness)
    }
}

/// Loudness of a short sound (a chime, a jingle) as heard in `layout`: the integrated loudness
/// when the sound spans at least one 400 ms gating block, else the ungated loudness of the whole
/// sound, so that even a 200 ms click gets a finite reading.
pub fn sound_loudness(samples: &[f32], rate: u32, layout: Layout) -> Result<f64, AudioError> {
    let gated = integrated(samples, rate, layout)?;
    if gated.is_finite() {
        return Ok(gated);
    }
    let millis = (samples.len() as u64 * 1000 / u64::from(rate.max(1))).max(1);
    let Ok(window) = u32::try_from(millis) else {
        return Ok(gated);
    };
    let mut meter = EbuR128::new(1, rate, Mode::M).map_err(AudioError::Loudness)?;
    meter.set_max_window(window).map_err(AudioError::Loudness)?;
    if layout == Layout::Stereo {
        meter.set_channel(0, Channel::DualMono).map_err(AudioError::Loudness)?;
    }
    meter.add_frames_f32(samples).map_err(AudioError::Loudness)?;
    meter.loudness_window(window).map_err(AudioError::Loudness)
}

/// Integrated loudness and true peak of interleaved audio with `channels` channels, as a meter
/// reads a file: channel 1 and 2 are left and right, a single channel counts once.
pub fn measure(interleaved: &[f32], channels: u16, rate: u32) -> Result<Loudness, AudioError> {
    let mut meter = Meter::new(channels, rate)?;
    meter.add(interleaved)?;
    meter.finish()
}

/// A loudness and true-peak meter fed a chunk at a time, for audio too long to hold whole.
///
/// Its two readings are separate meters ([`Meter::into_parts`]), so that a caller with the
/// audio in hand can feed them on two threads: each costs about as much as decoding a WAV file
/// and the other together (28 and 35 ms for a 150 s article against 64 ms for one meter that
/// does both), and measuring the last written file is in the serial end of a render.
pub struct Meter {
    loudness: LoudnessPart,
    peak: PeakPart,
}

/// The integrated-loudness reading of a [`Meter`].
pub struct LoudnessPart(EbuR128);

/// The true-peak reading of a [`Meter`].
pub struct PeakPart {
    inner: EbuR128,
    channels: u32,
}

impl Meter {
    /// A meter for interleaved audio with `channels` channels at `rate`.
    pub fn new(channels: u16, rate: u32) -> Result<Self, AudioError> {
        let channels = u32::from(channels.max(1));
        let loudness = EbuR128::new(channels, rate, Mode::I).map_err(AudioError::Loudness)?;
        let peak = EbuR128::new(channels, rate, Mode::TRUE_PEAK).map_err(AudioError::Loudness)?;
        Ok(Self { loudness: LoudnessPart(loudness), peak: PeakPart { inner: peak, channels } })
    }

    /// Adds interleaved samples.
    pub fn add(&mut self, interleaved: &[f32]) -> Result<(), AudioError> {
        self.loudness.add(interleaved)?;
        self.peak.add(interleaved)
    }

    /// The two readings, to be fed apart (the same samples to each) and joined again.
    pub fn into_parts(self) -> (LoudnessPart, PeakPart) {
        (self.loudness, self.peak)
    }

    /// The meter whose readings `loudness` and `peak` are.
    pub fn from_parts(loudness: LoudnessPart, peak: PeakPart) -> Self {
        Self { loudness, peak }
    }

    /// The readings over everything added.
    pub fn finish(&self) -> Result<Loudness, AudioError> {
        let integrated_lufs = self.loudness.0.loudness_global().map_err(AudioError::Loudness)?;
        let mut peak = 0f64;
        for channel in 0..self.peak.channels {
            peak = peak.max(self.peak.inner.true_peak(channel).map_err(AudioError::Loudness)?);
        }
        Ok(Loudness { integrated_lufs, true_peak_dbtp: gain_to_db(peak) })
    }
}

impl LoudnessPart {
    /// Adds interleaved samples.
    pub fn add(&mut self, interleaved: &[f32]) -> Result<(), AudioError> {
        self.0.add_frames_f32(interleaved).map_err(AudioError::Loudness)
    }
}

impl PeakPart {
    /// Adds interleaved samples.
    pub fn add(&mut self, interleaved: &[f32]) -> Result<(), AudioError> {
        self.inner.add_frames_f32(interleaved).map_err(AudioError::Loudness)
    }
}

/// The gain in dB that brings a programme measured at `measured_lufs` to `target_lufs`, capped at
/// [`MAX_GAIN_DB`] either way; 0 for a programme with no measurable loudness (silence).
pub fn gain_db_to_target(measured_lufs: f64, target_lufs: f64) -> f64 {
    if !measured_lufs.is_finite() {
        return 0.0;
    }
    (target_lufs - measured_lufs).clamp(-MAX_GAIN_DB, MAX_GAIN_DB)
}

/// Multiplies every sample by `gain` (linear).
pub fn apply_gain(samples: &mut [f32], gain: f64) {
    let gain = gain as f32;
    for sample in samples {
        *sample *= gain;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, amplitude: f64, rate: u32, seconds: f64) -> Vec<f32> {
        let n = (seconds * f64::from(rate)).round() as usize;
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (amplitude * (2.0 * std::f64::consts::PI * freq * t).sin()) as f32
            })
            .collect()
    }

    #[test]
    fn full_scale_1khz_sine_reads_minus_3_lufs_on_one_channel() {
        // BS.1770: a 0 dBFS 997 Hz sine on one channel reads -3.01 LUFS (K-weighting is ~0 dB at
        // 1 kHz; the mean square of a sine is 1/2).
        let tone = sine(997.0, 1.0, 48_000, 5.0);
        let lufs = integrated(&tone, 48_000, Layout::Mono).unwrap();
        assert!((lufs - -3.01).abs() < 0.05, "{lufs}");
    }

    #[test]
    fn dual_mono_reads_like_two_identical_stereo_channels_and_3db_over_mono() {
        let tone = sine(440.0, 0.1, 22_050, 4.0);
        let mono = integrated(&tone, 22_050, Layout::Mono).unwrap();
        let dual = integrated(&tone, 22_050, Layout::Stereo).unwrap();
        let stereo: Vec<f32> = tone.iter().flat_map(|&s| [s, s]).collect();
        let file = measure(&stereo, 2, 22_050).unwrap();
        assert!((dual - file.integrated_lufs).abs() < 1e-6, "{dual} vs {}", file.integrated_lufs);
        assert!((dual - mono - 3.0103).abs() < 0.001, "{mono} -> {dual}");
    }

    #[test]
    fn a_tone_normalized_by_the_computed_gain_lands_within_half_a_lu_of_target() {
        for (rate, target) in [(22_050, -19.0), (16_000, -16.0), (48_000, -23.0)] {
            let mut tone = sine(523.25, 0.02, rate, 6.0);
            let before = integrated(&tone, rate, Layout::Mono).unwrap();
            apply_gain(&mut tone, db_to_gain(gain_db_to_target(before, target)));
            let after = integrated(&tone, rate, Layout::Mono).unwrap();
            assert!((after - target).abs() <= 0.5, "{rate} Hz: {before} -> {after}, not {target}");
            assert!((after - target).abs() < 0.01, "the gain is exact for a steady tone: {after}");
        }
    }

    #[test]
    fn silence_measures_minus_infinity_and_gets_no_gain() {
        let silence = vec![0.0f32; 22_050 * 2];
        let lufs = integrated(&silence, 22_050, Layout::Mono).unwrap();
        assert_eq!(lufs, f64::NEG_INFINITY);
        assert_eq!(gain_db_to_target(lufs, -19.0), 0.0);
        let m = measure(&silence, 1, 22_050).unwrap();
        assert_eq!(m.true_peak_dbtp, f64::NEG_INFINITY);
    }

    #[test]
    fn gain_is_capped_both_ways() {
        assert_eq!(gain_db_to_target(-80.0, -19.0), MAX_GAIN_DB);
        assert_eq!(gain_db_to_target(10.0, -19.0), -29.0);
        assert_eq!(gain_db_to_target(50.0, -19.0), -MAX_GAIN_DB);
    }

    #[test]
    fn true_peak_sees_the_peak_between_samples() {
        // A sine at a quarter of the rate, phase-shifted by 45 degrees: every sample sits at
        // 0.707 of the crest, which true-peak metering must still find (within its 4x accuracy).
        let rate = 48_000;
        let tone: Vec<f32> = (0..rate)
            .map(|i| {
                let phase = std::f64::consts::FRAC_PI_2 * i as f64 + std::f64::consts::FRAC_PI_4;
                (0.5 * phase.sin()) as f32
            })
            .collect();
        let sample_peak = tone.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!((f64::from(sample_peak) - 0.3536).abs() < 0.001);
        let m = measure(&tone, 1, rate).unwrap();
        // libebur128's 4x interpolation filter reads a tenth of a dB high here.
        assert!((m.true_peak_dbtp - gain_to_db(0.5)).abs() < 0.2, "{}", m.true_peak_dbtp);
        assert!(m.true_peak_dbtp > gain_to_db(0.45), "far above the 0.354 sample peak");
    }

    #[test]
    fn a_short_click_gets_a_finite_sound_loudness() {
        let click = sine(1000.0, 0.5, 22_050, 0.2);
        assert_eq!(integrated(&click, 22_050, Layout::Mono).unwrap(), f64::NEG_INFINITY);
        let lufs = sound_loudness(&click, 22_050, Layout::Mono).unwrap();
        // 0.5 amplitude sine: -3.01 + 20 log10(0.5) = -9.03 LUFS, ungated over its length.
        assert!((lufs - -9.03).abs() < 0.2, "{lufs}");
    }

    #[test]
    fn a_meter_fed_in_chunks_reads_like_one_fed_at_once() {
        let tone = sine(440.0, 0.2, 22_050, 3.0);
        let whole = measure(&tone, 1, 22_050).unwrap();
        let mut meter = Meter::new(1, 22_050).unwrap();
        for chunk in tone.chunks(1000) {
            meter.add(chunk).unwrap();
        }
        assert_eq!(meter.finish().unwrap(), whole);
    }

    #[test]
    fn db_conversions_invert_each_other() {
        assert!((db_to_gain(-6.0206) - 0.5).abs() < 1e-5);
        assert!((gain_to_db(db_to_gain(-1.5)) - -1.5).abs() < 1e-12);
        assert_eq!(gain_to_db(0.0), f64::NEG_INFINITY);
    }
}
