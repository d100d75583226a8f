//! Sample-rate conversion of whole mono clips, with rubato's synchronous FFT resampler.
//!
//! In: mono samples at `from` Hz. Out: the same sound at `to` Hz, exactly
//! `ceil(len × to / from)` samples long, aligned with the input (rubato's own delay is trimmed), so
//! a position `p` in the input is at `p × to / from` in the output.
//!
//! Must never happen: a length that depends on chunking (timings in the Opus file are derived from
//! it), a shift of the audio by the resampler's delay, or aliasing from a missing low-pass (the
//! FFT resampler band-limits to the lower of the two Nyquist frequencies).
//!
//! Used for intro/outro/transition sounds at a rate other than the programme's, and for Opus,
//! which only takes 48 kHz (and a few lower rates that Piper voices do not use).

use rubato::audioadapter_buffers::direct::InterleavedSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler};

use super::AudioError;

/// Input frames per FFT chunk: large enough for efficiency on whole programmes, small enough
/// that short sounds do not pay for a huge transform.
const CHUNK: usize = 1024;

/// Resamples mono `samples` from `from` Hz to `to` Hz. The same rate returns a copy.
pub fn resample(samples: &[f32], from: u32, to: u32) -> Result<Vec<f32>, AudioError> {
    let mut out = Vec::with_capacity(resampled_len(samples.len(), from, to));
    resample_each(samples, from, to, &mut |chunk| out.extend_from_slice(chunk))?;
    Ok(out)
}

/// Resamples mono `samples` from `from` Hz to `to` Hz, handing the output to `sink` a chunk at a
/// time, so that a long programme never exists whole at the new rate (an hour at 48 kHz is
/// 690 MB of `f32`). The chunks add up to exactly [`resampled_len`] samples, the resampler's delay
/// trimmed off the front; the same rate hands over `samples` as they are.
pub fn resample_each(
    samples: &[f32],
    from: u32,
    to: u32,
    sink: &mut dyn FnMut(&[f32]),
) -> Result<(), AudioError> {
    let mut stream = Stream::new(from, to, samples.len())?;
    stream.push(samples, sink)?;
    stream.finish(sink)
}

/// A resampler that takes its input a chunk at a time (a programme streamed from disk), for an
/// input whose length is known up front; the output is the same as [`resample_each`]'s however
/// the input is cut.
pub struct Stream {
    from: u32,
    to: u32,
    /// `None` at the same rate: the input is passed through.
    resampler: Option<Fft<f32>>,
    /// Input received and not yet consumed by the resampler (less than one of its chunks).
    pending: Vec<f32>,
    buffer: Vec<f32>,
    /// Output frames still to drop (the resampler's delay).
    delay: usize,
    total: usize,
    emitted: usize,
}

impl Stream {
    /// A resampler for `len` samples from `from` Hz to `to` Hz.
    pub fn new(from: u32, to: u32, len: usize) -> Result<Self, AudioError> {
        let total = resampled_len(len, from, to);
        if from == to || len == 0 {
            return Ok(Self {
                from,
                to,
                resampler: None,
                pending: Vec::new(),
                buffer: Vec::new(),
                delay: 0,
                total,
                emitted: 0,
            });
        }
        let resampler = Fft::<f32>::new(from as usize, to as usize, CHUNK, 1, FixedSync::Input)
            .map_err(|e| resample_error(from, to, Box::new(e)))?;
        Ok(Self {
            from,
            to,
            buffer: vec![0f32; resampler.output_frames_max()],
            delay: resampler.output_delay(),
            pending: Vec::with_capacity(2 * CHUNK),
            resampler: Some(resampler),
            total,
            emitted: 0,
        })
    }

    /// Takes the next input samples; hands `sink` what is ready.
    pub fn push(
        &mut self,
        samples: &[f32],
        sink: &mut dyn FnMut(&[f32]),
    ) -> Result<(), AudioError> {
        let mut rest = samples;
        loop {
            let Some(need) = self.resampler.as_ref().map(|r| r.input_frames_next()) else {
                self.emitted += samples.len();
                sink(samples);
                return Ok(());
            };
            let take = need.saturating_sub(self.pending.len()).min(rest.len());
            self.pending.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.pending.len() < need {
                return Ok(());
            }
            self.run(Some(need), sink)?;
        }
    }

    /// Flushes the resampler with silence until every output sample is handed over.
    pub fn finish(mut self, sink: &mut dyn FnMut(&[f32])) -> Result<(), AudioError> {
        if self.resampler.is_some() {
            // What is pending is the end of the input; past it the input is silence.
            let mut last = Some(self.pending.len());
            while self.emitted < self.total {
                self.run(last.take().or(Some(0)), sink)?;
            }
        }
        if self.emitted != self.total {
            return Err(resample_error(
                self.from,
                self.to,
                format!("{} samples out of {} expected", self.emitted, self.total).into(),
            ));
        }
        Ok(())
    }

    /// Runs the resampler once on the first `len` pending samples (a partial chunk when fewer
    /// than it asks for), and empties the pending input.
    fn run(&mut self, len: Option<usize>, sink: &mut dyn FnMut(&[f32])) -> Result<(), AudioError> {
        let (from, to) = (self.from, self.to);
        let error = |e: Box<dyn std::error::Error + Send + Sync>| resample_error(from, to, e);
        let Some(resampler) = self.resampler.as_mut() else { return Ok(()) };
        let need = resampler.input_frames_next();
        let len = len.unwrap_or(need);
        let indexing = if len >= need { Indexing::new() } else { Indexing::new().partial_len(len) };
        let frames = self.pending.len();
        let input =
            InterleavedSlice::new(&self.pending, 1, frames).map_err(|e| error(Box::new(e)))?;
        let capacity = self.buffer.len();
        let mut output = InterleavedSlice::new_mut(&mut self.buffer, 1, capacity)
            .map_err(|e| error(Box::new(e)))?;
        let (_, produced) = resampler
            .process_into_buffer(&input, &mut output, Some(&indexing))
            .map_err(|e| error(Box::new(e)))?;
        self.pending.clear();
        let skip = self.delay.min(produced);
        self.delay -= skip;
        let take = (produced - skip).min(self.total - self.emitted);
        sink(&self.buffer[skip..skip + take]);
        self.emitted += take;
        Ok(())
    }
}

fn resample_error(
    from: u32,
    to: u32,
    source: Box<dyn std::error::Error + Send + Sync>,
) -> AudioError {
    AudioError::Resample { from, to, source }
}

/// Length of `len` samples at `from` Hz once resampled to `to` Hz.
pub fn resampled_len(len: usize, from: u32, to: u32) -> usize {
    if from == to {
        return len;
    }
    let len = len as u128;
    ((len * u128::from(to)).div_ceil(u128::from(from))) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| {
                (0.5 * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                    as f32
            })
            .collect()
    }

    fn rms(samples: &[f32]) -> f64 {
        (samples.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / samples.len() as f64).sqrt()
    }

    /// Frequency from the number of upward zero crossings over the whole buffer.
    fn frequency(samples: &[f32], rate: u32) -> f64 {
        let crossings = samples.windows(2).filter(|w| w[0] < 0.0 && w[1] >= 0.0).count();
        crossings as f64 * f64::from(rate) / samples.len() as f64
    }

    #[test]
    fn lengths_are_exact_for_the_rates_nashra_uses() {
        for (from, to, len) in [
            (22_050, 48_000, 22_050),
            (16_000, 48_000, 16_001),
            (44_100, 22_050, 44_101),
            (48_000, 22_050, 1000),
            (22_050, 48_000, 7),
        ] {
            let out = resample(&sine(440.0, from, len), from, to).unwrap();
            assert_eq!(out.len(), resampled_len(len, from, to), "{from} -> {to}, {len} samples");
        }
        assert_eq!(resampled_len(22_050, 22_050, 48_000), 48_000);
        assert_eq!(resampled_len(1, 22_050, 48_000), 3);
    }

    #[test]
    fn a_tone_keeps_its_pitch_and_level() {
        for (from, to) in [(22_050, 48_000), (44_100, 22_050), (16_000, 48_000)] {
            let input = sine(1000.0, from, from as usize * 2);
            let out = resample(&input, from, to).unwrap();
            let middle = &out[out.len() / 4..out.len() * 3 / 4];
            assert!((frequency(middle, to) - 1000.0).abs() < 2.0, "{from} -> {to}");
            assert!((rms(middle) - rms(&input)).abs() < 0.005, "{from} -> {to}: {}", rms(middle));
        }
    }

    #[test]
    fn an_impulse_stays_where_it_was_in_time() {
        let from = 22_050;
        let to = 48_000;
        let mut input = vec![0.0f32; from as usize];
        let at = 10_000;
        input[at] = 1.0;
        let out = resample(&input, from, to).unwrap();
        let peak = out
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .map(|(i, _)| i)
            .unwrap();
        let expected = (at as f64 * f64::from(to) / f64::from(from)).round() as i64;
        assert!((peak as i64 - expected).abs() <= 1, "impulse at {peak}, expected {expected}");
    }

    #[test]
    fn content_above_the_new_nyquist_is_removed() {
        // 15 kHz at 44.1 kHz resampled to 22.05 kHz (Nyquist 11.025 kHz) must vanish, not alias.
        let input = sine(15_000.0, 44_100, 44_100);
        let out = resample(&input, 44_100, 22_050).unwrap();
        let middle = &out[out.len() / 4..out.len() * 3 / 4];
        assert!(rms(middle) < 0.01, "aliased energy {}", rms(middle));
    }

    #[test]
    fn streamed_chunks_add_up_to_the_whole_clip() {
        let input = sine(523.0, 22_050, 50_000);
        let whole = resample(&input, 22_050, 48_000).unwrap();
        let mut chunks = 0;
        let mut joined = Vec::new();
        resample_each(&input, 22_050, 48_000, &mut |c| {
            chunks += 1;
            joined.extend_from_slice(c);
        })
        .unwrap();
        assert!(chunks > 10, "{chunks} chunks");
        assert_eq!(joined, whole);
    }

    #[test]
    fn same_rate_and_empty_input_are_copies() {
        assert_eq!(resample(&[0.1, 0.2], 22_050, 22_050).unwrap(), vec![0.1, 0.2]);
        assert!(resample(&[], 22_050, 48_000).unwrap().is_empty());
    }
}
