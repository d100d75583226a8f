//! Intro, outro and transition sounds: nashra's own chimes, or the user's audio files.
//!
//! In: a [`SoundSource`] per role (`chime`, `none`, or a WAV/MP3/OGG/FLAC file), the programme's
//! rate and loudness target. Out: mono clips at the programme rate, faded at both ends and
//! levelled [`SoundOptions::level_lu`] under the speech target, ready to be placed between speech.
//!
//! Must never happen: third-party audio shipped with nashra (the chimes are synthesized here from
//! sine partials), a sound that jumps out louder than the voice, a click at its edges, or an
//! unbounded file decoded into memory ([`MAX_SOUND_SECONDS`]).
//!
//! The chimes are small bells: each note is a sum of decaying partials at the ratios of a struck
//! bar (1, 2, 2.76, 5.40; the inharmonic 2.76 and 5.40 make it a bell rather than an organ),
//! each partial decaying faster the higher it is. Partials above 0.45 × the sample rate are left
//! out, so a 16 kHz voice gets a duller but alias-free chime.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::loudness::{self, db_to_gain};
use super::{decode, resample, AudioError, Layout};

/// The longest sound file accepted, in seconds: an intro or a sting, not a programme.
pub const MAX_SOUND_SECONDS: f64 = 60.0;

/// Default level of sounds relative to the speech loudness target, in LU: a chime a little under
/// the voice marks a boundary without startling.
pub const DEFAULT_SOUND_LEVEL_LU: f64 = -4.0;

/// Range accepted for [`SoundOptions::level_lu`].
pub const SOUND_LEVEL_RANGE_LU: (f64, f64) = (-30.0, 6.0);

/// Fade at both ends of a sound file, in milliseconds: longer than a speech fade, because a
/// user's file may start or stop in the middle of a note.
pub const SOUND_FADE_MS: f64 = 10.0;

/// Where one sound comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SoundSource {
    /// No sound.
    None,
    /// nashra's own chime for the role.
    Chime,
    /// An audio file (WAV, MP3, Ogg Vorbis or FLAC).
    File(PathBuf),
}

impl FromStr for SoundSource {
    type Err = std::convert::Infallible;

    /// `none`, `chime`, or anything else as a path.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "none" => SoundSource::None,
            "chime" => SoundSource::Chime,
            path => SoundSource::File(PathBuf::from(path)),
        })
    }
}

impl std::fmt::Display for SoundSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SoundSource::None => f.write_str("none"),
            SoundSource::Chime => f.write_str("chime"),
            SoundSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// The place a sound takes; decides which chime `chime` means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Before the bulletin and the full edition: three rising notes.
    Intro,
    /// Between programmes in the full edition: two short falling notes.
    Transition,
    /// After the bulletin and the full edition: three falling notes.
    Outro,
}

/// Which sounds frame the bulletin and the full edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SoundOptions {
    pub intro: SoundSource,
    pub transition: SoundSource,
    pub outro: SoundSource,
    /// Loudness of every sound relative to the speech target, in LU.
    pub level_lu: f64,
}

impl Default for SoundOptions {
    /// An intro chime and a transition chime, no outro.
    fn default() -> Self {
        Self {
            intro: SoundSource::Chime,
            transition: SoundSource::Chime,
            outro: SoundSource::None,
            level_lu: DEFAULT_SOUND_LEVEL_LU,
        }
    }
}

impl SoundOptions {
    /// No sounds at all.
    pub fn none() -> Self {
        Self {
            intro: SoundSource::None,
            transition: SoundSource::None,
            outro: SoundSource::None,
            level_lu: DEFAULT_SOUND_LEVEL_LU,
        }
    }

    /// Checks the level is a finite number in [`SOUND_LEVEL_RANGE_LU`].
    pub fn validate(&self) -> Result<(), AudioError> {
        let (min, max) = SOUND_LEVEL_RANGE_LU;
        if !self.level_lu.is_finite() || !(min..=max).contains(&self.level_lu) {
            return Err(AudioError::InvalidSoundLevel { value: self.level_lu, min, max });
        }
        Ok(())
    }
}

/// The three sounds, loaded and levelled for one programme rate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sounds {
    pub intro: Option<Vec<f32>>,
    pub transition: Option<Vec<f32>>,
    pub outro: Option<Vec<f32>>,
}

/// One sound at `rate`, at `level_lufs`; `None` for [`SoundSource::None`] or a silent file.
pub fn load(
    source: &SoundSource,
    role: Role,
    rate: u32,
    level_lufs: f64,
    layout: Layout,
) -> Result<Option<Vec<f32>>, AudioError> {
    let mut clip = match source {
        SoundSource::None => return Ok(None),
        SoundSource::Chime => chime(role, rate),
        SoundSource::File(path) => read_file(path, rate)?,
    };
    fade(&mut clip, rate, SOUND_FADE_MS);
    let measured = loudness::sound_loudness(&clip, rate, layout)?;
    if !measured.is_finite() {
        tracing::warn!(sound = %source, "the sound is silent; it is left out");
        return Ok(None);
    }
    loudness::apply_gain(&mut clip, db_to_gain(loudness::gain_db_to_target(measured, level_lufs)));
    Ok(Some(clip))
}

/// Decodes a sound file, mixes it to mono and resamples it to `rate`.
fn read_file(path: &Path, rate: u32) -> Result<Vec<f32>, AudioError> {
    // The frame limit is checked at the file's own rate, which is only known once decoding
    // starts; 192 kHz is the highest rate a sound file may reasonably have.
    let limit = (MAX_SOUND_SECONDS * 192_000.0) as u64;
    let decoded = decode::decode_file(path, Some(limit))?;
    let seconds = decoded.frames() as f64 / f64::from(decoded.rate);
    if seconds > MAX_SOUND_SECONDS {
        return Err(AudioError::SoundTooLong {
            path: path.to_path_buf(),
            seconds,
            max: MAX_SOUND_SECONDS,
        });
    }
    if decoded.frames() == 0 {
        return Err(AudioError::NoAudio { path: path.to_path_buf() });
    }
    resample::resample(&decoded.to_mono(), decoded.rate, rate)
}

/// Raised-cosine fade over `ms` at both ends (half the clip at most).
fn fade(clip: &mut [f32], rate: u32, ms: f64) {
    let n = ((ms / 1000.0 * f64::from(rate)).round() as usize).min(clip.len() / 2);
    for i in 0..n {
        let gain = (0.5 - 0.5 * (std::f64::consts::PI * i as f64 / n as f64).cos()) as f32;
        clip[i] *= gain;
        let last = clip.len() - 1 - i;
        clip[last] *= gain;
    }
}

/// One struck note of a chime.
struct Note {
    /// Fundamental, Hz.
    freq: f64,
    /// Onset, seconds from the start of the chime.
    at: f64,
    /// Peak amplitude of the fundamental.
    amplitude: f64,
}

/// Partials of a struck bar: frequency ratio, relative amplitude, decay time constant (s).
const PARTIALS: [(f64, f64, f64); 4] =
    [(1.0, 1.0, 0.60), (2.0, 0.45, 0.35), (2.76, 0.25, 0.22), (5.40, 0.10, 0.10)];

/// Rise time of each note, seconds: fast enough to sound struck, slow enough not to click.
const ATTACK_S: f64 = 0.004;

/// nashra's chime for `role` at `rate`: deterministic, the same samples on every run.
///
/// Notes (equal temperament, A4 = 440 Hz): intro G5 B5 D6 rising (a major triad, bright and
/// open), transition D6 G5 (a falling fourth, "next"), outro D6 B5 G5 falling (the intro undone).
pub fn chime(role: Role, rate: u32) -> Vec<f32> {
    const G5: f64 = 783.99;
    const B5: f64 = 987.77;
    const D6: f64 = 1174.66;
    let (notes, seconds) = match role {
        Role::Intro => (
            vec![
                Note { freq: G5, at: 0.0, amplitude: 0.5 },
                Note { freq: B5, at: 0.16, amplitude: 0.45 },
                Note { freq: D6, at: 0.32, amplitude: 0.45 },
            ],
            1.8,
        ),
        Role::Transition => (
            vec![
                Note { freq: D6, at: 0.0, amplitude: 0.45 },
                Note { freq: G5, at: 0.14, amplitude: 0.5 },
            ],
            1.0,
        ),
        Role::Outro => (
            vec![
                Note { freq: D6, at: 0.0, amplitude: 0.45 },
                Note { freq: B5, at: 0.2, amplitude: 0.45 },
                Note { freq: G5, at: 0.4, amplitude: 0.5 },
            ],
            2.0,
        ),
    };
    let len = (seconds * f64::from(rate)).round() as usize;
    let nyquist_margin = 0.45 * f64::from(rate);
    let mut out = vec![0.0f64; len];
    for note in &notes {
        let start = (note.at * f64::from(rate)).round() as usize;
        for &(ratio, weight, decay) in &PARTIALS {
            let freq = note.freq * ratio;
            if freq > nyquist_margin {
                continue;
            }
            let omega = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
            for (i, sample) in out.iter_mut().enumerate().skip(start) {
                let t = (i - start) as f64 / f64::from(rate);
                let attack = (t / ATTACK_S).min(1.0);
                let attack = 0.5 - 0.5 * (std::f64::consts::PI * attack).cos();
                *sample += note.amplitude
                    * weight
                    * attack
                    * (-t / decay).exp()
                    * (omega * (i - start) as f64).sin();
            }
        }
    }
    // Overlapping notes add up; the chime is scaled to a fixed peak (its level in a programme is
    // set later by loudness, this only keeps the raw clip well inside full scale).
    let peak = out.iter().fold(0f64, |m, s| m.max(s.abs()));
    let scale = if peak > 0.0 { CHIME_PEAK / peak } else { 0.0 };
    let mut clip: Vec<f32> = out.into_iter().map(|s| (s * scale) as f32).collect();
    // The tail has decayed by then; the fade makes its last samples exactly zero.
    fade(&mut clip, rate, 30.0);
    clip
}

/// Sample peak of a raw chime.
const CHIME_PEAK: f64 = 0.7;

#[cfg(test)]
mod tests {
    use super::*;

    /// Magnitude of `freq` in `samples` (Goertzel), normalised to the amplitude of a sine.
    fn tone_level(samples: &[f32], rate: u32, freq: f64) -> f64 {
        let omega = 2.0 * std::f64::consts::PI * freq / f64::from(rate);
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for &x in samples {
            let s0 = f64::from(x) + 2.0 * omega.cos() * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        let power = s1 * s1 + s2 * s2 - 2.0 * omega.cos() * s1 * s2;
        2.0 * power.sqrt() / samples.len() as f64
    }

    #[test]
    fn chimes_have_their_length_and_start_and_end_silent() {
        for (role, seconds) in [(Role::Intro, 1.8), (Role::Transition, 1.0), (Role::Outro, 2.0)] {
            for rate in [16_000, 22_050, 48_000] {
                let clip = chime(role, rate);
                assert_eq!(clip.len(), (seconds * f64::from(rate)).round() as usize);
                assert_eq!(clip[0], 0.0);
                assert_eq!(clip[clip.len() - 1], 0.0);
                let peak = clip.iter().fold(0f32, |m, s| m.max(s.abs()));
                assert!((f64::from(peak) - CHIME_PEAK).abs() < 1e-6, "{role:?} {rate} Hz: {peak}");
            }
        }
    }

    #[test]
    fn the_intro_chime_rises_g5_b5_d6() {
        let rate = 22_050;
        let clip = chime(Role::Intro, rate);
        let window = |at: f64| {
            let start = (at * f64::from(rate)) as usize;
            &clip[start..start + 2205]
        };
        // In the first 100 ms only G5 sounds; after 0.35 s D6 is the newest, loudest note.
        let first = window(0.02);
        assert!(tone_level(first, rate, 783.99) > 0.2);
        assert!(tone_level(first, rate, 1174.66) < 0.01);
        let last = window(0.36);
        assert!(tone_level(last, rate, 1174.66) > tone_level(last, rate, 783.99));
    }

    #[test]
    fn chimes_are_deterministic_and_alias_free_at_low_rates() {
        assert_eq!(chime(Role::Outro, 22_050), chime(Role::Outro, 22_050));
        // At 16 kHz the 5.40 partials (4.2 to 6.3 kHz) fit under 7.2 kHz, but at 8 kHz they do
        // not and are left out: no energy at their aliased frequencies.
        let clip = chime(Role::Intro, 8000);
        let alias = 8000.0 - 783.99 * 5.40;
        assert!(tone_level(&clip[..4000], 8000, alias) < 0.001);
    }

    #[test]
    fn loaded_chimes_sit_at_the_sound_level() {
        for role in [Role::Intro, Role::Transition, Role::Outro] {
            for layout in [Layout::Mono, Layout::Stereo] {
                let clip = load(&SoundSource::Chime, role, 22_050, -23.0, layout).unwrap().unwrap();
                let lufs = loudness::sound_loudness(&clip, 22_050, layout).unwrap();
                assert!((lufs - -23.0).abs() < 0.05, "{role:?} {layout:?}: {lufs}");
            }
        }
        assert_eq!(
            load(&SoundSource::None, Role::Intro, 22_050, -23.0, Layout::Mono).unwrap(),
            None
        );
    }

    #[test]
    fn a_sound_file_is_decoded_mixed_to_mono_resampled_and_levelled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sine-440Hz-44100Hz-stereo-0.5s.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..22_050 {
            let s = (0.5
                * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 44_100.0).sin()
                * 32767.0) as i16;
            writer.write_sample(s).unwrap();
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
        let source: SoundSource = path.to_str().unwrap().parse().unwrap();
        let clip = load(&source, Role::Intro, 22_050, -23.0, Layout::Mono).unwrap().unwrap();
        assert_eq!(clip.len(), 11_025);
        assert_eq!(clip[0], 0.0);
        let lufs = loudness::sound_loudness(&clip, 22_050, Layout::Mono).unwrap();
        assert!((lufs - -23.0).abs() < 0.05, "{lufs}");
        // Still a 440 Hz tone after mixing and resampling.
        let middle = &clip[2000..9000];
        assert!(tone_level(middle, 22_050, 440.0) > 10.0 * tone_level(middle, 22_050, 880.0));
    }

    #[test]
    fn sound_sources_parse_keywords_and_paths() {
        assert_eq!("none".parse::<SoundSource>().unwrap(), SoundSource::None);
        assert_eq!("chime".parse::<SoundSource>().unwrap(), SoundSource::Chime);
        assert_eq!(
            "jingles/intro.mp3".parse::<SoundSource>().unwrap(),
            SoundSource::File("jingles/intro.mp3".into())
        );
        assert_eq!(SoundSource::File("a b.wav".into()).to_string(), "a b.wav");
    }

    #[test]
    fn missing_files_and_bad_levels_are_errors() {
        let source = SoundSource::File("/nonexistent/intro.wav".into());
        assert!(load(&source, Role::Intro, 22_050, -19.0, Layout::Mono).is_err());
        let options = SoundOptions { level_lu: 20.0, ..SoundOptions::default() };
        assert!(matches!(options.validate(), Err(AudioError::InvalidSoundLevel { .. })));
    }
}
