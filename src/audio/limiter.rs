//! A look-ahead true-peak limiter: keeps every inter-sample peak of a programme under a ceiling.
//!
//! In: mono samples (already at their programme loudness), their rate, a ceiling in dBTP.
//! Out: the same samples, turned down only around the peaks that would cross the ceiling, and a
//! report of what was done.
//!
//! Must never happen: a true peak over the ceiling after limiting, a gain that jumps from one
//! sample to the next (heard as a click or as distortion), or any change to a programme that is
//! already under the ceiling (it is returned bit for bit).
//!
//! How it works, streaming over the programme (a [`Limiter`] takes it a chunk at a time; [`limit`]
//! runs one over a whole slice):
//! 1. *True-peak detection.* Each sample interval is interpolated at 8 points (8x oversampling,
//!    a 24-tap Blackman-windowed sinc per phase), so the peaks a DAC or a codec's decoder makes
//!    between samples are seen, not only the samples (BS.1770 asks for at least 4x; 8x keeps the
//!    worst-case under-reading near the Nyquist frequency at 0.2 dB rather than 0.7 dB).
//! 2. *Required gain.* `min(1, threshold / peak)` around each interval.
//! 3. *Look-ahead and hold.* The required gain is held as a sliding minimum over the next
//!    `lookahead` samples, so the gain is already down when the peak arrives, and over the
//!    interpolation span (12 samples) on both sides, so the gain is flat under every sample that
//!    shapes the peak between two samples.
//! 4. *Release.* The gain recovers towards 1 with a one-pole release (80 ms by default).
//! 5. *Smoothing.* A moving average over `lookahead + 1` samples turns every step into a ramp.
//!    Every value averaged for a sample `t` is at most the gain any sample within the
//!    interpolation span of `t` requires (each one is a minimum over a window that contains that
//!    span), so the average is too: the smoothing cannot let a peak through.
//!
//! A second pass runs on the first one's output, for a residue over the threshold (the filter's
//! tails reach beyond the held span; a few thousandths of a dB at most), and a meter on the output
//! reports the peak after limiting.
//!
//! The threshold sits [`METER_MARGIN_DB`] under the ceiling: meters oversample differently (ffmpeg
//! resamples to 192 kHz, libebur128 by 4x), and a file limited exactly to -1.0 dBTP by one of them
//! may read -0.98 on another.

use std::collections::VecDeque;
use std::sync::LazyLock;

use super::loudness::{db_to_gain, gain_to_db};

/// Oversampling factor of true-peak detection.
pub const OVERSAMPLING: usize = 8;

/// Input samples on each side of an interpolated point.
const HALF_TAPS: usize = 12;

/// Default look-ahead (and attack ramp), in milliseconds: long enough for the gain to ramp down
/// smoothly before a plosive, short enough not to duck the syllable before it.
pub const DEFAULT_LOOKAHEAD_MS: f64 = 5.0;

/// Default release time constant, in milliseconds.
pub const DEFAULT_RELEASE_MS: f64 = 80.0;

/// How far under the ceiling the limiter aims, in dB, to absorb the differences between
/// true-peak meters.
pub const METER_MARGIN_DB: f64 = 0.1;

/// Intervals [`PeakMeter`] skips at once when nothing under them can raise the peak.
const METER_BLOCK: usize = 32;

/// Limiting passes in cascade (see [`Limiter`]).
const PASSES: usize = 2;

/// Settings of [`limit`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterOptions {
    /// The highest true peak allowed, in dBTP.
    pub ceiling_dbtp: f64,
    pub lookahead_ms: f64,
    pub release_ms: f64,
}

impl LimiterOptions {
    /// Default look-ahead and release under `ceiling_dbtp`.
    pub fn with_ceiling(ceiling_dbtp: f64) -> Self {
        Self { ceiling_dbtp, lookahead_ms: DEFAULT_LOOKAHEAD_MS, release_ms: DEFAULT_RELEASE_MS }
    }
}

/// What [`limit`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LimiterReport {
    /// True peak before limiting, in dBTP (by this module's 8x detector).
    pub peak_before_dbtp: f64,
    /// True peak after limiting, in dBTP.
    pub peak_after_dbtp: f64,
    /// The deepest gain reduction applied, in dB (0 when nothing was over).
    pub max_reduction_db: f64,
    /// Limiting passes run (0 when nothing was over).
    pub passes: usize,
}

/// Limits `samples` in place so that no true peak exceeds the ceiling.
///
/// The same as running a [`Limiter`] over the slice (it is one): a programme limited whole and
/// one limited a chunk at a time come out identical.
pub fn limit(samples: &mut [f32], rate: u32, options: &LimiterOptions) -> LimiterReport {
    let mut limiter = Limiter::new(rate, options);
    let mut out = Vec::with_capacity(samples.len());
    limiter.process(samples, &mut out);
    let report = limiter.finish(&mut out);
    samples.copy_from_slice(&out);
    report
}

/// The highest true peak of `samples` (linear), by 8x interpolation of every interval.
pub fn true_peak(samples: &[f32]) -> f32 {
    let mut meter = PeakMeter::default();
    meter.process(samples);
    meter.finish()
}

/// A true-peak limiter that takes a programme a chunk at a time, so that a programme of any
/// length is limited in a few kilobytes (the full edition is streamed from disk, issue #6).
///
/// Output lags input by the look-ahead and the interpolation span; [`Limiter::finish`] hands over
/// the rest, and in all exactly as many samples come out as went in. The output does not depend
/// on how the input was cut into chunks.
///
/// Two passes run in cascade, the second on the first's output: one pass leaves at most a few
/// thousandths of a dB over the threshold (the interpolation filter's tails reach beyond the held
/// span), and a whole-programme limiter used to measure and run again; a stream cannot be run
/// again, so the second pass is always there, and touches nothing when nothing is over. A meter
/// on the output gives the report its peak after limiting.
#[derive(Debug)]
pub struct Limiter {
    first: FirstPass,
    rest: RestOfLimiter,
    /// Scratch between the halves.
    between: Vec<f32>,
}

/// The first pass of a [`Limiter`] ([`Limiter::into_halves`]).
#[derive(Debug)]
pub struct FirstPass {
    pass: Pass,
}

/// The second pass of a [`Limiter`] and its output meter ([`Limiter::into_halves`]).
#[derive(Debug)]
pub struct RestOfLimiter {
    pass: Pass,
    meter: PeakMeter,
    ceiling_dbtp: f64,
}

/// What the first pass saw, for the report ([`RestOfLimiter::finish`]).
#[derive(Debug, Clone, Copy)]
pub struct FirstPassReport {
    peak: f32,
    min_gain: f64,
}

impl Limiter {
    /// A limiter for a programme at `rate` Hz.
    pub fn new(rate: u32, options: &LimiterOptions) -> Self {
        let threshold = db_to_gain(options.ceiling_dbtp - METER_MARGIN_DB) as f32;
        let lookahead = ((options.lookahead_ms / 1000.0 * f64::from(rate)).round() as usize).max(1);
        let release = 1.0 - (-1.0 / (options.release_ms.max(1.0) / 1000.0 * f64::from(rate))).exp();
        Self {
            first: FirstPass { pass: Pass::new(threshold, lookahead, release) },
            rest: RestOfLimiter {
                pass: Pass::new(threshold, lookahead, release),
                meter: PeakMeter::default(),
                ceiling_dbtp: options.ceiling_dbtp,
            },
            between: Vec::new(),
        }
    }

    /// The limiter as two halves that may run on two threads, the first's output fed to the
    /// second in chunks of any size: the same samples and report as the whole. Why: the three
    /// passes over a programme (two limiting, one metering) are the end of a render's serial
    /// work; split, they take two cores.
    pub fn into_halves(self) -> (FirstPass, RestOfLimiter) {
        (self.first, self.rest)
    }

    /// Takes `input`, appends to `out` every limited sample that is final.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.between.clear();
        self.first.process(input, &mut self.between);
        self.rest.process(&self.between, out);
    }

    /// Appends the samples still held to `out` and reports what was done.
    pub fn finish(mut self, out: &mut Vec<f32>) -> LimiterReport {
        self.between.clear();
        let first = self.first.finish(&mut self.between);
        self.rest.process(&self.between, out);
        self.rest.finish(first, out)
    }
}

impl FirstPass {
    /// Takes `input`, appends to `out` the samples this pass has made final.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.pass.process(input, out);
    }

    /// Appends the samples still held to `out`; what the pass saw goes to
    /// [`RestOfLimiter::finish`].
    pub fn finish(mut self, out: &mut Vec<f32>) -> FirstPassReport {
        self.pass.finish(out);
        FirstPassReport { peak: self.pass.peak, min_gain: self.pass.min_gain }
    }
}

impl RestOfLimiter {
    /// Takes the first pass's output, appends to `out` every limited sample that is final.
    pub fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        let from = out.len();
        self.pass.process(input, out);
        self.meter.process(&out[from..]);
    }

    /// Appends the samples still held to `out` (after every output of the first pass has been
    /// given to [`RestOfLimiter::process`]) and reports what both passes did.
    pub fn finish(mut self, first: FirstPassReport, out: &mut Vec<f32>) -> LimiterReport {
        let from = out.len();
        self.pass.finish(out);
        self.meter.process(&out[from..]);
        let peak_after = self.meter.finish();
        let passes = [first.min_gain, self.pass.min_gain].iter().filter(|&&g| g < 1.0).count();
        let report = LimiterReport {
            peak_before_dbtp: gain_to_db(f64::from(first.peak)),
            peak_after_dbtp: gain_to_db(f64::from(peak_after)),
            max_reduction_db: gain_to_db(first.min_gain.min(self.pass.min_gain)),
            passes,
        };
        if peak_after > self.pass.tolerance {
            tracing::warn!(
                peak_dbtp = report.peak_after_dbtp,
                ceiling_dbtp = self.ceiling_dbtp,
                "true peak still over the ceiling after {PASSES} limiter passes"
            );
        }
        report
    }
}

/// The true peak of a stream, taken a chunk at a time: what a [`Pass`] finds as its input's
/// peak, interval by interval in the same order (so to the bit), without a pass's gain
/// machinery. Why not a pass with an infinite threshold, as the limiter's output meter was:
/// the look-ahead window, the envelope and the delayed copy of every sample made it 45% of the
/// work of the thread that ends a render (the second pass, the meter and the encoders: 154 ms
/// for a 150 s article).
#[derive(Debug, Default)]
struct PeakMeter {
    /// The input not yet measured: the last `2 × HALF_TAPS - 1` samples received, after the
    /// `HALF_TAPS - 1` zeros of the padding before the first (empty until then).
    held: Vec<f32>,
    /// Samples received.
    received: usize,
    peak: f32,
}

impl PeakMeter {
    fn process(&mut self, input: &[f32]) {
        if self.received == 0 {
            self.held.resize(HALF_TAPS - 1, 0.0);
        }
        self.received += input.len();
        self.held.extend_from_slice(input);
        self.measure();
    }

    /// Measures every interval whose window is held and keeps the samples the next needs.
    ///
    /// Intervals go [`METER_BLOCK`] at a time: when the largest sample under all their windows
    /// cannot make a peak over the one found so far, none of them can, and [`interval_peak`]
    /// would have returned for each a sample no larger than that peak; the peak is the same
    /// to the bit, for an eighth of the comparisons on quiet passages.
    fn measure(&mut self) {
        // The interval after sample `n` reads samples `n - HALF_TAPS + 1 ..= n + HALF_TAPS`.
        let windows = self.held.len().saturating_sub(2 * HALF_TAPS - 1);
        let bound = KERNEL.bound;
        let mut start = 0;
        while start < windows {
            let block = METER_BLOCK.min(windows - start);
            // A plain fold, not [`largest_magnitude`] made to take any length: over these 55
            // samples its four lanes measured slower (the meter of a 150 s article about 37 ms
            // against 30).
            let span = &self.held[start..start + block + 2 * HALF_TAPS - 1];
            let largest = span.iter().fold(0f32, |m, s| if s.abs() > m { s.abs() } else { m });
            if largest * bound > self.peak {
                for first in start..start + block {
                    let window: &[f32; 2 * HALF_TAPS] = self.held[first..first + 2 * HALF_TAPS]
                        .try_into()
                        .expect("the window is 2 × HALF_TAPS samples");
                    self.peak = self.peak.max(interval_peak(window, self.peak));
                }
            }
            start += block;
        }
        self.held.drain(..windows);
    }

    /// The peak of everything received (0 for nothing).
    fn finish(mut self) -> f32 {
        if self.received > 0 {
            self.held.extend_from_slice(&[0.0; HALF_TAPS]);
            self.measure();
        }
        self.peak
    }
}

/// One streaming limiting pass.
///
/// The required gain of sample `fed` is computed from the samples around it, and the gain of
/// sample `fed - lookahead - HALF_TAPS` is then final and applied. The input is held, zero-padded
/// by [`HALF_TAPS`] on both sides (as the interpolation of the first and last intervals sees it),
/// from the oldest sample not yet output to the newest received.
#[derive(Debug)]
struct Pass {
    threshold: f32,
    /// A peak within float rounding of the threshold (the product `sample × gain` rounded to
    /// f32) counts as under it.
    tolerance: f32,
    lookahead: usize,
    release: f64,
    /// Input samples; `history[i]` is padded position `base + i`, where padded position `p` is
    /// sample `p - HALF_TAPS`.
    history: Vec<f32>,
    base: usize,
    /// Samples received.
    received: usize,
    /// The next sample whose required gain is computed.
    fed: usize,
    /// Sliding minimum of the required gains: (sample, gain).
    window: VecDeque<(usize, f64)>,
    /// The smoothing average's last `lookahead + 1` envelope values.
    ring: Vec<f64>,
    ring_pos: usize,
    sum: f64,
    envelope: f64,
    previous_interval: f32,
    /// The highest true peak of the input, linear.
    peak: f32,
    /// The lowest gain applied.
    min_gain: f64,
}

impl Pass {
    fn new(threshold: f32, lookahead: usize, release: f64) -> Self {
        let ring = vec![1.0f64; lookahead + 1];
        Self {
            threshold,
            tolerance: threshold * (1.0 + 4.0 * f32::EPSILON),
            lookahead,
            release,
            history: vec![0.0; HALF_TAPS],
            base: 0,
            received: 0,
            fed: 0,
            window: VecDeque::with_capacity(lookahead + 2 * HALF_TAPS + 2),
            sum: ring.len() as f64,
            ring,
            ring_pos: 0,
            envelope: 1.0,
            previous_interval: 0.0,
            peak: 0.0,
            min_gain: 1.0,
        }
    }

    fn delay(&self) -> usize {
        self.lookahead + HALF_TAPS
    }

    fn process(&mut self, input: &[f32], out: &mut Vec<f32>) {
        self.history.extend_from_slice(input);
        self.received += input.len();
        // The interval after `fed` needs the input up to `fed + HALF_TAPS`.
        while self.fed + HALF_TAPS < self.received {
            self.step(true, out);
        }
        self.compact();
    }

    fn finish(&mut self, out: &mut Vec<f32>) {
        self.history.extend_from_slice(&[0.0; HALF_TAPS]);
        while self.fed < self.received {
            self.step(true, out);
        }
        // Past the end nothing is required; the envelope runs on until the last sample is out.
        while self.fed < self.received + self.delay() {
            self.step(false, out);
        }
        self.history.clear();
    }

    /// Drops the held input no longer needed, once there is enough of it to be worth moving.
    fn compact(&mut self) {
        // Padded position of the next sample to output (the interval windows start later).
        let needed = (self.fed + HALF_TAPS).saturating_sub(self.delay());
        let drop = needed.saturating_sub(self.base);
        if drop >= 8192 {
            self.history.drain(..drop);
            self.base += drop;
        }
    }

    /// Computes the required gain of sample `fed` (1 past the end), and outputs the sample whose
    /// gain that makes final.
    fn step(&mut self, inside: bool, out: &mut Vec<f32>) {
        let fed = self.fed;
        self.fed += 1;
        let required = if inside {
            // Padded positions fed + 1 ..= fed + 2 × HALF_TAPS: the samples the interval
            // [fed, fed + 1) interpolates from.
            let from = fed + 1 - self.base;
            let window: &[f32; 2 * HALF_TAPS] = self.history[from..from + 2 * HALF_TAPS]
                .try_into()
                .expect("the window is 2 × HALF_TAPS samples");
            // Intervals that cannot beat the peak found so far, nor reach the threshold, are not
            // interpolated: their gain is 1 whatever they hold.
            let interval = interval_peak(window, self.peak.min(self.threshold));
            self.peak = self.peak.max(interval);
            // The gain at a sample respects the intervals on both sides of it.
            let peak = interval.max(self.previous_interval);
            self.previous_interval = interval;
            if peak > self.tolerance {
                f64::from(self.threshold) / f64::from(peak)
            } else {
                1.0
            }
        } else {
            1.0
        };
        let delay = self.delay();
        let window = &mut self.window;
        while window.back().is_some_and(|&(_, g)| g >= required) {
            window.pop_back();
        }
        window.push_back((fed, required));
        // Samples before the programme (k < 0) still run through the envelope, so that it has
        // already ramped down for a peak at the very start.
        let k = fed as i64 - delay as i64;
        while window.front().is_some_and(|&(i, _)| (i as i64) < k - HALF_TAPS as i64) {
            window.pop_front();
        }
        let held = window.front().map_or(1.0, |&(_, g)| g);
        self.envelope = held.min(self.envelope + (1.0 - self.envelope) * self.release);
        self.sum += self.envelope - self.ring[self.ring_pos];
        self.ring[self.ring_pos] = self.envelope;
        self.ring_pos = (self.ring_pos + 1) % self.ring.len();
        let Ok(k) = usize::try_from(k) else { return };
        let sample = self.history[k + HALF_TAPS - self.base];
        let gain = (self.sum / self.ring.len() as f64).min(1.0);
        if gain < 1.0 {
            out.push((f64::from(sample) * gain) as f32);
            self.min_gain = self.min_gain.min(gain);
        } else {
            out.push(sample);
        }
    }
}

/// The true peak over one interval `[n, n + 1)` from the samples `n - HALF_TAPS + 1 ..= n +
/// HALF_TAPS` around it: the sample `n` and the interpolated points after it. When no
/// interpolated point can exceed `skip` (bounded by the largest nearby sample), only the sample
/// is returned.
fn interval_peak(window: &[f32; 2 * HALF_TAPS], skip: f32) -> f32 {
    let here = window[HALF_TAPS - 1].abs();
    let kernel = &*KERNEL;
    let local = largest_magnitude(window);
    if local * kernel.bound <= skip {
        return here;
    }
    // All the phases at once, tap by tap: one vector of lanes per tap, no sum across lanes,
    // which the compiler runs as packed multiplies and adds. Each phase's sum is still taken
    // in tap order, so the values are those of one dot product per phase to the bit; that
    // form (a chain of dependent scalar additions per phase) made this function 2% of a
    // render's CPU.
    let mut values = [0f32; OVERSAMPLING];
    for (sample, column) in window.iter().zip(&kernel.columns) {
        for (value, tap) in values.iter_mut().zip(column) {
            *value += sample * tap;
        }
    }
    values.iter().fold(here, |peak, value| peak.max(value.abs()))
}

/// The largest `|sample|` of `window`.
///
/// Why not `fold(0, f32::max)`: `f32::max` must pass over a NaN, which keeps the compiler from
/// running the 24 comparisons side by side, and this runs for every sample of every pass (three
/// per programme, in the serial tail of a render). Four running maxima, one per lane, compile
/// to packed maximum instructions: limiting a 150 s article took 301 ms instead of 445 (AMD
/// EPYC, session 12). A NaN sample is passed over here as it was there (`a > m` is false).
fn largest_magnitude(window: &[f32; 2 * HALF_TAPS]) -> f32 {
    let mut lanes = [0f32; 4];
    for chunk in window.chunks_exact(4) {
        for (lane, sample) in lanes.iter_mut().zip(chunk) {
            let magnitude = sample.abs();
            if magnitude > *lane {
                *lane = magnitude;
            }
        }
    }
    lanes.into_iter().fold(0f32, |m, lane| if lane > m { lane } else { m })
}

/// Interpolation coefficients: for each phase `p` in `1..OVERSAMPLING`, the weights of the
/// samples `n - HALF_TAPS + 1 ..= n + HALF_TAPS` that give the value at `n + p / OVERSAMPLING`.
struct Kernel {
    /// `columns[j][p - 1]`: the weight of sample `n - HALF_TAPS + 1 + j` for phase `p` (the
    /// last lane, phase 0, is zero: the sample itself is read directly).
    columns: [[f32; OVERSAMPLING]; 2 * HALF_TAPS],
    /// The largest sum of absolute weights of a phase: no interpolated value can exceed the
    /// largest nearby sample by more than this factor.
    bound: f32,
}

static KERNEL: LazyLock<Kernel> = LazyLock::new(|| {
    let half = HALF_TAPS as f64;
    let mut columns = [[0f32; OVERSAMPLING]; 2 * HALF_TAPS];
    let mut bound = 1.0f32;
    for p in 1..OVERSAMPLING {
        let frac = p as f64 / OVERSAMPLING as f64;
        let mut taps = [0.0f64; 2 * HALF_TAPS];
        for (slot, tap) in taps.iter_mut().enumerate() {
            // Sample offset j from -(HALF_TAPS - 1) to HALF_TAPS; distance u = frac - j.
            let j = slot as f64 - (half - 1.0);
            let u = frac - j;
            let x = std::f64::consts::PI * u;
            let sinc = if u.abs() < 1e-12 { 1.0 } else { x.sin() / x };
            let w = 0.42
                + 0.5 * (std::f64::consts::PI * u / half).cos()
                + 0.08 * (2.0 * std::f64::consts::PI * u / half).cos();
            *tap = sinc * w;
        }
        // Unity gain at DC, so a constant signal interpolates to itself.
        let dc: f64 = taps.iter().sum();
        let taps = taps.map(|t| (t / dc) as f32);
        bound = bound.max(taps.iter().map(|t| t.abs()).sum());
        for (column, tap) in columns.iter_mut().zip(taps) {
            column[p - 1] = tap;
        }
    }
    Kernel { columns, bound }
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::loudness;

    fn sine(freq: f64, amplitude: f64, phase: f64, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                let t = i as f64 / f64::from(rate);
                (amplitude * (2.0 * std::f64::consts::PI * freq * t + phase).sin()) as f32
            })
            .collect()
    }

    /// 1 s of silence, `burst_s` of a sine at `amplitude`, 1 s of silence.
    fn burst(freq: f64, amplitude: f64, rate: u32, burst_s: f64) -> Vec<f32> {
        let mut out = vec![0.0; rate as usize];
        out.extend(sine(freq, amplitude, 0.3, rate, (burst_s * f64::from(rate)) as usize));
        out.extend(vec![0.0; rate as usize]);
        out
    }

    fn ebur128_true_peak_dbtp(samples: &[f32], rate: u32) -> f64 {
        loudness::measure(samples, 1, rate).unwrap().true_peak_dbtp
    }

    /// The output meter reads the peak a limiting pass reads as its input's (a pass with no
    /// threshold, the meter it replaced), to the bit, however the stream is cut: speech-like
    /// noise with loud and quiet stretches, a sine near Nyquist, peaks on the first and last
    /// samples, a stream shorter than the interpolation span, and nothing.
    #[test]
    fn the_peak_meter_reads_what_a_pass_reads() {
        let rate = 22_050;
        let mut seed = 0x2545_f491_u32;
        let noise: Vec<f32> = (0..40_000)
            .map(|i| {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let loud = if (i / 3000) % 3 == 0 { 1.4 } else { 0.2 };
                (f64::from(seed >> 8) / f64::from(1u32 << 24) - 0.5) as f32 * loud
            })
            .collect();
        let mut edges = vec![0.1f32; 500];
        (edges[0], edges[499]) = (0.95, -0.97);
        let signals =
            [noise, sine(10_500.0, 0.9, 0.4, rate, 9000), edges, vec![0.5, -0.8, 0.3], Vec::new()];
        for signal in &signals {
            let mut pass = Pass::new(f32::INFINITY, 0, 1.0);
            let mut sink = Vec::new();
            pass.process(signal, &mut sink);
            pass.finish(&mut sink);
            for size in [1, 7, 31, 4096, 65_536] {
                let mut meter = PeakMeter::default();
                for chunk in signal.chunks(size) {
                    meter.process(chunk);
                }
                let peak = meter.finish();
                assert_eq!(
                    peak.to_bits(),
                    pass.peak.to_bits(),
                    "{} samples, chunks of {size}",
                    signal.len()
                );
            }
            assert_eq!(true_peak(signal).to_bits(), pass.peak.to_bits());
        }
    }

    /// The lane-wise maximum is the plain one, wherever the largest magnitude stands and
    /// whatever its sign, and a NaN is passed over as `f32::max` passes it over.
    #[test]
    fn the_largest_magnitude_of_a_window_is_found_in_any_lane() {
        for at in 0..2 * HALF_TAPS {
            for peak in [0.75f32, -0.75] {
                let mut window = [0f32; 2 * HALF_TAPS];
                for (i, s) in window.iter_mut().enumerate() {
                    *s = ((i * 37 % 11) as f32 - 5.0) / 10.0;
                }
                window[at] = peak;
                window[(at + 5) % (2 * HALF_TAPS)] = f32::NAN;
                let plain = window.iter().fold(0f32, |m, s| m.max(s.abs()));
                assert_eq!(largest_magnitude(&window), plain, "peak at {at}");
                assert_eq!(plain, 0.75);
            }
        }
    }

    #[test]
    fn a_burst_at_plus_6_dbfs_never_exceeds_the_ceiling_in_true_peak() {
        for rate in [16_000, 22_050, 48_000] {
            for freq in [100.0, 997.0, 5_000.0] {
                let mut signal = burst(freq, 2.0, rate, 0.5);
                let report = limit(&mut signal, rate, &LimiterOptions::with_ceiling(-1.0));
                let own = gain_to_db(f64::from(true_peak(&signal)));
                let meter = ebur128_true_peak_dbtp(&signal, rate);
                assert!(own <= -1.0 - METER_MARGIN_DB + 1e-4, "{rate} Hz, {freq} Hz: {own} dBTP");
                assert!(meter <= -1.0, "{rate} Hz, {freq} Hz: ebur128 reads {meter} dBTP");
                // The burst's abrupt start overshoots between samples (as a DAC would).
                assert!(report.peak_before_dbtp >= 6.0, "{report:?}");
                assert!(report.max_reduction_db < -7.0, "{report:?}");
                assert_eq!(report.passes, 1, "{rate} Hz, {freq} Hz: {report:?}");
                // Not crushed either: the burst comes out close to the threshold.
                assert!(meter > -1.5, "{rate} Hz, {freq} Hz: {meter} dBTP");
            }
        }
    }

    #[test]
    fn inter_sample_peaks_near_nyquist_are_caught() {
        // 5.5 kHz at 22050 Hz, phase chosen so that samples miss the crests: the sample peak is
        // well under the true peak, which the limiter must still hold under the ceiling.
        let rate = 22_050;
        let mut signal = sine(5_512.5, 1.0, std::f64::consts::FRAC_PI_4, rate, rate as usize);
        let sample_peak = signal.iter().fold(0f32, |m, s| m.max(s.abs()));
        assert!(sample_peak < 0.75, "{sample_peak}");
        assert!(true_peak(&signal) > 0.99);
        limit(&mut signal, rate, &LimiterOptions::with_ceiling(-1.5));
        assert!(ebur128_true_peak_dbtp(&signal, rate) <= -1.5);
        assert!(gain_to_db(f64::from(true_peak(&signal))) <= -1.5 - METER_MARGIN_DB + 1e-4);
    }

    #[test]
    fn a_programme_under_the_ceiling_is_left_bit_for_bit() {
        let original = burst(440.0, 0.5, 22_050, 1.0);
        let mut signal = original.clone();
        let report = limit(&mut signal, 22_050, &LimiterOptions::with_ceiling(-1.0));
        assert_eq!(signal, original);
        assert_eq!(report.passes, 0);
        assert_eq!(report.max_reduction_db, 0.0);
    }

    #[test]
    fn the_gain_moves_smoothly_and_starts_before_the_peak() {
        // A steady quiet tone with one loud click in the middle: the gain ramps down over the
        // look-ahead before the click and recovers after it, never stepping.
        let rate = 22_050;
        let mut signal = sine(200.0, 0.3, 0.0, rate, rate as usize);
        let original = signal.clone();
        let click = rate as usize / 2;
        signal[click] = 1.5;
        let mut with_click = signal.clone();
        let report = limit(&mut with_click, rate, &LimiterOptions::with_ceiling(-1.0));
        assert_eq!(report.passes, 1);
        // (sample, gain) where the gain can be read off precisely (away from zero crossings).
        let gains: Vec<(usize, f64)> = (0..signal.len())
            .filter(|&i| i != click && original[i].abs() > 0.05)
            .map(|i| (i, f64::from(with_click[i]) / f64::from(original[i])))
            .collect();
        let lookahead = (0.005 * f64::from(rate)).round() as usize;
        // Before the look-ahead window nothing changes.
        let untouched = click - lookahead - 2 * HALF_TAPS - 2;
        assert_eq!(&with_click[..untouched], &original[..untouched]);
        assert!(f64::from(with_click[click - 2] / original[click - 2]) < 0.9, "ramped down");
        // The gain changes per sample no faster than a 5 ms ramp allows.
        let steepest = gains
            .windows(2)
            .map(|w| (w[1].1 - w[0].1).abs() / (w[1].0 - w[0].0) as f64)
            .fold(0.0, f64::max);
        let reduction = 1.0 - db_to_gain(-1.1) / 1.5;
        assert!(steepest < 1.5 * reduction / lookahead as f64, "gain step {steepest}");
        assert!(with_click[click] <= db_to_gain(-1.1) as f32 + 1e-6);
        // Fully recovered half a second later (80 ms release).
        let end = signal.len() - 1;
        assert!((with_click[end] - original[end]).abs() < 1e-3 * original[end].abs().max(1e-3));
    }

    #[test]
    fn a_peak_on_the_very_first_sample_is_limited() {
        let mut signal = vec![1.8f32, 0.5, 0.0, 0.0];
        limit(&mut signal, 22_050, &LimiterOptions::with_ceiling(-1.0));
        assert!(gain_to_db(f64::from(true_peak(&signal))) <= -1.1 + 1e-4, "{signal:?}");
    }

    #[test]
    fn empty_and_silent_programmes_pass_through() {
        let mut empty: Vec<f32> = Vec::new();
        assert_eq!(limit(&mut empty, 22_050, &LimiterOptions::with_ceiling(-1.0)).passes, 0);
        let mut silence = vec![0.0f32; 1000];
        limit(&mut silence, 22_050, &LimiterOptions::with_ceiling(-1.0));
        assert!(silence.iter().all(|&s| s == 0.0));
        assert_eq!(true_peak(&[]), 0.0);
    }

    /// Runs a [`Limiter`] over `signal` cut into chunks of `size`.
    fn limited_in_chunks(signal: &[f32], rate: u32, size: usize) -> (Vec<f32>, LimiterReport) {
        let mut limiter = Limiter::new(rate, &LimiterOptions::with_ceiling(-1.0));
        let mut out = Vec::new();
        for chunk in signal.chunks(size) {
            limiter.process(chunk, &mut out);
        }
        let report = limiter.finish(&mut out);
        (out, report)
    }

    #[test]
    fn a_programme_limited_in_chunks_equals_it_limited_whole() {
        let rate = 22_050;
        // Over and under the ceiling, a click, and the very end over it too.
        let mut signal = burst(997.0, 2.0, rate, 0.3);
        signal.extend(sine(200.0, 0.4, 0.0, rate, 5000));
        signal[rate as usize + 20_000] = 1.7;
        signal.extend(sine(5_000.0, 1.5, 0.1, rate, 300));
        let mut whole = signal.clone();
        let whole_report = limit(&mut whole, rate, &LimiterOptions::with_ceiling(-1.0));
        assert!(whole_report.passes >= 1 && whole != signal);
        for size in [1, 7, 1000, 4096, 4097, 8193, signal.len() + 5] {
            let (chunked, report) = limited_in_chunks(&signal, rate, size);
            assert_eq!(chunked.len(), signal.len(), "chunks of {size}");
            assert!(chunked == whole, "chunks of {size} differ from the whole");
            assert_eq!(report, whole_report, "chunks of {size}");
        }
        // Shorter than the limiter's delay, and empty.
        for short in [&signal[..3], &[][..], &[1.9f32][..]] {
            let mut whole = short.to_vec();
            limit(&mut whole, rate, &LimiterOptions::with_ceiling(-1.0));
            for size in [1, 2, 5] {
                assert_eq!(limited_in_chunks(short, rate, size).0, whole, "{short:?} by {size}");
            }
        }
    }

    #[test]
    fn the_report_measures_before_and_after() {
        let rate = 22_050;
        let mut signal = burst(997.0, 2.0, rate, 0.3);
        let before = gain_to_db(f64::from(true_peak(&signal)));
        let report = limit(&mut signal, rate, &LimiterOptions::with_ceiling(-1.0));
        assert_eq!(report.peak_before_dbtp, before);
        assert_eq!(report.peak_after_dbtp, gain_to_db(f64::from(true_peak(&signal))));
        assert!(report.peak_after_dbtp <= -1.1 + 1e-4, "{report:?}");
    }

    /// The phases computed side by side give each phase's dot product, summed in tap order, to
    /// the bit: the limiter's output did not move when they were.
    #[test]
    fn an_intervals_peak_is_the_largest_of_its_phases_dot_products() {
        let kernel = &*KERNEL;
        let signal = sine(9000.0, 0.9, 0.3, 22_050, 400);
        for n in HALF_TAPS..300 {
            let window: &[f32; 2 * HALF_TAPS] =
                signal[n + 1 - HALF_TAPS..=n + HALF_TAPS].try_into().unwrap();
            let mut expected = window[HALF_TAPS - 1].abs();
            for p in 0..OVERSAMPLING - 1 {
                let taps = kernel.columns.iter().map(|c| c[p]);
                let value: f32 = window.iter().zip(taps).map(|(s, t)| s * t).sum();
                expected = expected.max(value.abs());
            }
            assert_eq!(interval_peak(window, 0.0).to_bits(), expected.to_bits(), "sample {n}");
        }
    }

    #[test]
    fn the_kernel_interpolates_a_slow_sine_exactly_and_bounds_its_gain() {
        let kernel = &*KERNEL;
        assert!(kernel.columns.iter().all(|c| c[OVERSAMPLING - 1] == 0.0), "phase 0 is read");
        assert!(kernel.bound > 1.0 && kernel.bound < 3.0, "{}", kernel.bound);
        let rate = 48_000;
        let signal = sine(1000.0, 1.0, 0.0, rate, 512);
        // The true peak of a full-scale sine is 1.0 however the samples fall.
        let peak = (100..400)
            .map(|n| {
                let window = signal[n + 1 - HALF_TAPS..=n + HALF_TAPS].try_into().unwrap();
                interval_peak(window, 0.0)
            })
            .fold(0f32, f32::max);
        assert!((peak - 1.0).abs() < 1e-3, "{peak}");
    }
}
