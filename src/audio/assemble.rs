//! Joins speech clips and silences into one programme, keeping exact positions.
//!
//! In: mono `f32` clips, all at the assembler's sample rate, and silences in seconds.
//! Out: one buffer, plus a [`Span`] per clip giving where it landed, in samples.
//!
//! Must never happen: a position derived from adding float seconds (drift of a few ms per
//! sentence adds up to audible subtitle lag over an article), a click at a join, or any change of
//! a clip's level other than the fades at its two ends.

use super::{DEFAULT_FADE_MS, MAX_FADE_MS, MAX_PAUSE_SECONDS};

/// Where a clip sits in the programme: samples `start..end` (end exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u64,
    pub end: u64,
}

impl Span {
    /// Length in samples.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Collects mono audio at one sample rate.
///
/// Every clip is faded in and out over `fade_ms`: Piper clips may start or end away from zero,
/// and butting such an edge against silence is a step, heard as a click. A raised-cosine ramp is
/// used rather than a linear one because its slope is zero at both ends, so the fade itself adds
/// no corner.
#[derive(Debug, Clone)]
pub struct Assembler {
    sample_rate: u32,
    fade_len: usize,
    samples: Vec<f32>,
}

impl Assembler {
    /// An empty programme at `sample_rate` with `fade_ms` fades. The fade is clamped to
    /// `0..=MAX_FADE_MS` (NaN counts as 0); callers that take it from users validate it first.
    pub fn new(sample_rate: u32, fade_ms: f32) -> Self {
        let fade_ms = if fade_ms.is_finite() { fade_ms.clamp(0.0, MAX_FADE_MS) } else { 0.0 };
        let fade_len = (f64::from(fade_ms) / 1000.0 * f64::from(sample_rate)).round() as usize;
        Self { sample_rate, fade_len, samples: Vec::new() }
    }

    /// An empty programme with the default 5 ms fades.
    pub fn with_default_fade(sample_rate: u32) -> Self {
        Self::new(sample_rate, DEFAULT_FADE_MS)
    }

    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Fade length in samples at each end of a clip (before shortening for short clips).
    pub fn fade_len(&self) -> usize {
        self.fade_len
    }

    /// Samples so far.
    pub fn len(&self) -> u64 {
        self.samples.len() as u64
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Appends a clip with a fade at each end and returns where it landed.
    ///
    /// A clip shorter than two fades gets fades of half its length, so the two never overlap.
    /// Samples are otherwise copied unchanged: no gain, no normalization.
    pub fn push_speech(&mut self, clip: &[f32]) -> Span {
        let start = self.len();
        let offset = self.samples.len();
        self.samples.extend_from_slice(clip);
        let added = &mut self.samples[offset..];
        let fade = self.fade_len.min(added.len() / 2);
        for i in 0..fade {
            let gain = fade_gain(i, fade);
            added[i] *= gain;
            let last = added.len() - 1 - i;
            added[last] *= gain;
        }
        Span { start, end: self.len() }
    }

    /// Appends samples exactly as given (no fades): for sounds that carry their own fades, and for
    /// programmes already assembled. Returns where they landed.
    pub fn push_raw(&mut self, samples: &[f32]) -> Span {
        let start = self.len();
        self.samples.extend_from_slice(samples);
        Span { start, end: self.len() }
    }

    /// Appends `seconds` of silence, rounded to the nearest sample, and returns how many samples
    /// that was. Negative or NaN counts as 0; more than `MAX_PAUSE_SECONDS` is cut to it, so no
    /// input can make this allocate without bound.
    pub fn push_silence(&mut self, seconds: f32) -> u64 {
        let count = silence_len(seconds, self.sample_rate);
        self.push_silence_samples(count);
        count as u64
    }

    /// Appends exactly `count` samples of silence.
    pub fn push_silence_samples(&mut self, count: usize) {
        self.samples.resize(self.samples.len() + count, 0.0);
    }

    /// The programme so far.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// The programme.
    pub fn finish(self) -> Vec<f32> {
        self.samples
    }
}

/// Samples of a `seconds` pause at `rate`, as [`Assembler::push_silence`] counts them: rounded to
/// the nearest sample, negative or NaN as 0, at most `MAX_PAUSE_SECONDS`.
pub fn silence_len(seconds: f32, rate: u32) -> usize {
    let seconds = if seconds.is_finite() { seconds.clamp(0.0, MAX_PAUSE_SECONDS) } else { 0.0 };
    (f64::from(seconds) * f64::from(rate)).round() as usize
}

/// Gain of the `i`-th sample of an `n`-sample fade-in: 0 at `i = 0`, rising towards 1 (reached
/// by the first sample after the fade).
fn fade_gain(i: usize, n: usize) -> f32 {
    let x = i as f64 / n as f64;
    (0.5 - 0.5 * (std::f64::consts::PI * x).cos()) as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_clips_with_half_second_pause_land_at_exact_samples() {
        let mut a = Assembler::new(1000, 5.0);
        let clip = vec![0.5f32; 1000];
        let first = a.push_speech(&clip);
        assert_eq!(a.push_silence(0.5), 500);
        let second = a.push_speech(&clip);
        assert_eq!(first, Span { start: 0, end: 1000 });
        assert_eq!(second, Span { start: 1500, end: 2500 });
        assert_eq!(a.len(), 2500);
        assert_eq!(a.finish().len(), 2500);
    }

    #[test]
    fn fades_start_and_end_at_zero_and_leave_the_middle_untouched() {
        // 5 ms at 8000 Hz = 40 samples each end.
        let mut a = Assembler::new(8000, 5.0);
        assert_eq!(a.fade_len(), 40);
        let clip: Vec<f32> = (0..400).map(|i| 0.25 + i as f32 / 1000.0).collect();
        a.push_speech(&clip);
        let out = a.finish();
        assert_eq!(out[0], 0.0);
        assert_eq!(out[399], 0.0);
        // Strictly rising gain inside the fade-in, strictly falling inside the fade-out.
        for i in 1..40 {
            assert!(out[i] > 0.0 && out[i] < clip[i], "fade-in sample {i}: {}", out[i]);
            let gain = out[i] / clip[i];
            assert!(gain > out[i - 1] / clip[i - 1]);
            let j = 399 - i;
            assert!(out[j] > 0.0 && out[j] < clip[j], "fade-out sample {j}: {}", out[j]);
        }
        assert_eq!(&out[40..360], &clip[40..360]);
    }

    #[test]
    fn fade_gain_is_symmetric_raised_cosine() {
        assert_eq!(fade_gain(0, 10), 0.0);
        assert!((fade_gain(5, 10) - 0.5).abs() < 1e-7);
        assert!((fade_gain(2, 10) + fade_gain(8, 10) - 1.0).abs() < 1e-6);
    }

    #[test]
    fn short_clip_fades_do_not_overlap() {
        let mut a = Assembler::new(8000, 5.0);
        let span = a.push_speech(&[1.0; 10]);
        assert_eq!(span, Span { start: 0, end: 10 });
        let out = a.finish();
        assert_eq!(out[0], 0.0);
        assert_eq!(out[9], 0.0);
        // Fades of 5 samples each: symmetric, every sample attenuated once.
        for i in 0..5 {
            assert_eq!(out[i], out[9 - i]);
            assert!(out[i] < 1.0);
        }
    }

    #[test]
    fn raw_samples_are_copied_without_fades() {
        let mut a = Assembler::new(8000, 5.0);
        a.push_silence_samples(3);
        assert_eq!(a.push_raw(&[0.5, 0.5]), Span { start: 3, end: 5 });
        assert_eq!(a.finish(), vec![0.0, 0.0, 0.0, 0.5, 0.5]);
    }

    #[test]
    fn zero_fade_copies_clip_exactly() {
        let mut a = Assembler::new(22050, 0.0);
        let clip = [0.9f32, -0.3, 0.1];
        a.push_speech(&clip);
        assert_eq!(a.finish(), clip.to_vec());
    }

    #[test]
    fn silence_length_is_exact_in_samples() {
        let mut a = Assembler::new(22050, 5.0);
        assert_eq!(a.push_silence(0.3), 6615);
        assert_eq!(a.push_silence(0.7), 15435);
        a.push_silence_samples(3);
        assert_eq!(a.len(), 6615 + 15435 + 3);
        assert!(a.finish().iter().all(|&s| s == 0.0));
    }

    #[test]
    fn hostile_silences_are_bounded() {
        let mut a = Assembler::new(1000, 5.0);
        assert_eq!(a.push_silence(-1.0), 0);
        assert_eq!(a.push_silence(f32::NAN), 0);
        assert_eq!(a.push_silence(f32::INFINITY), 0);
        assert_eq!(a.push_silence(1e9), 10_000);
    }

    #[test]
    fn empty_clip_gives_an_empty_span_at_the_end() {
        let mut a = Assembler::new(1000, 5.0);
        a.push_silence_samples(7);
        let span = a.push_speech(&[]);
        assert_eq!(span, Span { start: 7, end: 7 });
        assert!(span.is_empty());
    }

    #[test]
    fn clip_level_is_never_normalized() {
        // A quiet clip stays quiet: no per-sentence peak normalization.
        let mut a = Assembler::new(1000, 0.0);
        a.push_speech(&[0.01, -0.02, 0.01]);
        a.push_speech(&[0.9, -0.9]);
        assert_eq!(a.finish(), vec![0.01, -0.02, 0.01, 0.9, -0.9]);
    }

    #[test]
    fn fade_length_follows_the_sample_rate() {
        assert_eq!(Assembler::new(22050, 5.0).fade_len(), 110); // 110.25
        assert_eq!(Assembler::new(16000, 5.0).fade_len(), 80);
        assert_eq!(Assembler::new(16000, f32::NAN).fade_len(), 0);
        assert_eq!(Assembler::new(1000, 1000.0).fade_len(), 50);
        assert_eq!(Assembler::with_default_fade(16000).fade_len(), 80);
    }
}
