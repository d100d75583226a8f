//! Writes a programme as a 16-bit PCM WAV file, mono or with the programme on both channels.
//!
//! In: a path, a sample rate, a [`Layout`] and mono `f32` samples (nominally in -1..=1).
//! Out: a WAV file every player reads, published atomically (see [`crate::fsutil`]). Chapters
//! and tags are not written into WAV files (few players read them there); the manifest has them.
//!
//! Must never happen: a half-written WAV under the final name, a wrapped-around sample (a sample
//! above 1.0 must clip, not flip sign into a loud crack), or a WAV whose 32-bit size fields
//! overflow (a file over 4 GiB would get a wrong header: the length is checked first).
//!
//! Conversion is plain rounding of `x * 32767` after clamping, without dither: the voices'
//! noise floor is far above 16-bit quantisation noise, so TPDF dither would only add hiss.

use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::{Encoder, Format, Header, Sink, Tally};
use crate::audio::{AudioError, Layout};
use crate::fsutil::AtomicFile;

/// Bytes of a canonical 16-bit PCM WAV header, counted in the RIFF size field along with data.
const HEADER_BYTES: usize = 44;

/// The most samples a 16-bit mono WAV can hold: the RIFF size (data + 36) must fit in a u32.
pub const MAX_SAMPLES: usize = (u32::MAX as usize - (HEADER_BYTES - 8)) / 2;

/// The WAV writer of the [`Encoder`] trait.
#[derive(Debug, Clone, Copy, Default)]
pub struct WavEncoder;

impl Encoder for WavEncoder {
    fn format(&self) -> Format {
        Format::Wav
    }

    fn begin(&self, header: &Header<'_>, path: &Path) -> Result<Box<dyn Sink>, AudioError> {
        Ok(Box::new(WavSink::begin(path, header.rate, header.layout, header.len)?))
    }
}

/// A WAV file being written: a [`WavStream`] into the temporary file, whose header gets the
/// real sizes at the end, before the file is renamed into place.
struct WavSink {
    stream: WavStream<AtomicFile>,
    path: PathBuf,
    tally: Tally,
}

impl WavSink {
    fn begin(
        path: &Path,
        sample_rate: u32,
        layout: Layout,
        len: usize,
    ) -> Result<Self, AudioError> {
        if sample_rate == 0 {
            return Err(AudioError::InvalidSampleRate { rate: sample_rate });
        }
        let max = MAX_SAMPLES / usize::from(layout.channels());
        if len > max {
            return Err(AudioError::TooLong { path: path.to_path_buf(), samples: len, max });
        }
        let io_err = |source| AudioError::Io { path: path.to_path_buf(), source };
        let file = AtomicFile::create(path).map_err(io_err)?;
        let stream = WavStream::new(file, sample_rate, layout).map_err(io_err)?;
        Ok(Self { stream, path: path.to_path_buf(), tally: Tally::new(len) })
    }
}

impl Sink for WavSink {
    fn write(&mut self, samples: &[f32]) -> Result<(), AudioError> {
        self.tally.add(samples.len(), &self.path, Format::Wav)?;
        self.stream
            .write(samples)
            .map_err(|source| AudioError::Io { path: self.path.clone(), source })
    }

    fn finish(self: Box<Self>) -> Result<(), AudioError> {
        let Self { stream, path, tally } = *self;
        tally.complete(&path, Format::Wav)?;
        let io_err = |source| AudioError::Io { path: path.clone(), source };
        stream.finish().map_err(io_err)?.commit().map_err(io_err)
    }
}

/// Converts one sample to 16-bit PCM: clamped to -1..=1, scaled by 32767, rounded half away
/// from zero. NaN becomes 0 (a silent sample is the least harmful reading of it).
pub fn to_i16(sample: f32) -> i16 {
    if sample.is_nan() {
        return 0;
    }
    (sample.clamp(-1.0, 1.0) * 32767.0).round() as i16
}

/// Writes `samples` as a 16-bit PCM mono WAV at `sample_rate` to `path`, replacing any file
/// there only once the new one is complete.
pub fn write(path: &Path, sample_rate: u32, samples: &[f32]) -> Result<(), AudioError> {
    write_layout(path, sample_rate, Layout::Mono, samples)
}

/// Writes mono `samples` as a 16-bit PCM WAV with `layout`'s channels (every channel the same).
pub fn write_layout(
    path: &Path,
    sample_rate: u32,
    layout: Layout,
    samples: &[f32],
) -> Result<(), AudioError> {
    let mut sink = Box::new(WavSink::begin(path, sample_rate, layout, samples.len())?);
    sink.write(samples)?;
    sink.finish()
}

/// The RIFF and data sizes of a WAV whose length is not known when its header is written (a
/// stream to a pipe): the largest value, which ffmpeg, sox and most players read as "until the
/// end of the stream".
pub const STREAMING_SIZE: u32 = u32::MAX;

/// A 16-bit PCM WAV written as the samples come: to a pipe (`nashra speak -o -`, whose listener
/// should hear the first sentence while the next ones are synthesized) or to a file (every WAV
/// sink).
///
/// The header goes out first with [`STREAMING_SIZE`] in its size fields; each [`write`]
/// converts its samples, writes and flushes them. On a seekable output, [`finish`] then puts
/// the real sizes in the header (a pipe keeps the streaming ones: it cannot seek back).
///
/// [`write`]: WavStream::write
/// [`finish`]: WavStream::finish
#[derive(Debug)]
pub struct WavStream<W: Write> {
    out: W,
    channels: u16,
    /// Sample frames written so far.
    frames: u64,
}

impl<W: Write> WavStream<W> {
    /// Writes the header to `out`.
    pub fn new(mut out: W, sample_rate: u32, layout: Layout) -> io::Result<Self> {
        let channels = layout.channels();
        out.write_all(&header(sample_rate, channels, STREAMING_SIZE, STREAMING_SIZE))?;
        out.flush()?;
        Ok(Self { out, channels, frames: 0 })
    }

    /// Appends mono `samples` (each on every channel) and flushes them, so that a reader sees
    /// them now.
    pub fn write(&mut self, samples: &[f32]) -> io::Result<()> {
        // Converted a piece at a time, so that a whole programme handed over at once is not
        // copied whole.
        const PIECE: usize = 16_384;
        let mut bytes =
            Vec::with_capacity(PIECE.min(samples.len()) * 2 * usize::from(self.channels));
        for piece in samples.chunks(PIECE) {
            bytes.clear();
            for &sample in piece {
                let value = to_i16(sample).to_le_bytes();
                for _ in 0..self.channels {
                    bytes.extend_from_slice(&value);
                }
            }
            self.out.write_all(&bytes)?;
        }
        self.out.flush()?;
        self.frames += samples.len() as u64;
        Ok(())
    }

    /// Sample frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Flushes and returns the output, leaving the streaming sizes in the header.
    pub fn into_inner(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

impl<W: Write + Seek> WavStream<W> {
    /// Writes the real sizes into the header and returns the output. A programme too long for
    /// the 32-bit size fields is an error ([`MAX_SAMPLES`]), as for [`write_layout`].
    pub fn finish(mut self) -> io::Result<W> {
        let data = self.frames * 2 * u64::from(self.channels);
        let data = u32::try_from(data)
            .ok()
            .filter(|&d| d <= u32::MAX - (HEADER_BYTES as u32 - 8))
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidData, "the programme is too long for a WAV")
            })?;
        self.out.seek(SeekFrom::Start(4))?;
        self.out.write_all(&(data + (HEADER_BYTES as u32 - 8)).to_le_bytes())?;
        self.out.seek(SeekFrom::Start(HEADER_BYTES as u64 - 4))?;
        self.out.write_all(&data.to_le_bytes())?;
        self.out.seek(SeekFrom::End(0))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The canonical 44-byte header of 16-bit PCM with the given size fields.
fn header(sample_rate: u32, channels: u16, riff_size: u32, data_size: u32) -> [u8; HEADER_BYTES] {
    let block_align = 2 * channels;
    let mut h = [0u8; HEADER_BYTES];
    let mut at = 0;
    let mut put = |bytes: &[u8]| {
        h[at..at + bytes.len()].copy_from_slice(bytes);
        at += bytes.len();
    };
    put(b"RIFF");
    put(&riff_size.to_le_bytes());
    put(b"WAVEfmt ");
    put(&16u32.to_le_bytes());
    put(&1u16.to_le_bytes()); // PCM
    put(&channels.to_le_bytes());
    put(&sample_rate.to_le_bytes());
    put(&(sample_rate * u32::from(block_align)).to_le_bytes());
    put(&block_align.to_le_bytes());
    put(&16u16.to_le_bytes());
    put(b"data");
    put(&data_size.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_rate_length_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sine-440Hz-22050Hz-mono-1s.wav");
        let samples: Vec<f32> = (0..22050)
            .map(|i| 0.8 * (2.0 * std::f32::consts::PI * 440.0 * i as f32 / 22050.0).sin())
            .collect();
        write(&path, 22050, &samples).unwrap();

        let mut reader = hound::WavReader::open(&path).unwrap();
        let spec = reader.spec();
        assert_eq!(spec.sample_rate, 22050);
        assert_eq!(spec.channels, 1);
        assert_eq!(spec.bits_per_sample, 16);
        assert_eq!(spec.sample_format, hound::SampleFormat::Int);
        assert_eq!(reader.len(), 22050);
        let read: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
        assert_eq!(read.len(), samples.len());
        for (i, (&orig, &back)) in samples.iter().zip(&read).enumerate() {
            let back = f32::from(back) / 32767.0;
            assert!((orig - back).abs() <= 1.0 / 32767.0, "sample {i}: {orig} vs {back}");
        }
        // 44-byte header + 2 bytes per sample.
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 44 + 2 * 22050);
    }

    #[test]
    fn a_finished_stream_and_a_written_file_are_what_hound_writes() {
        let dir = tempfile::tempdir().unwrap();
        let samples: Vec<f32> = (0..1000).map(|i| ((i as f32) * 0.01).sin() * 0.5).collect();
        for layout in [Layout::Mono, Layout::Stereo] {
            // The reference: hound's canonical 16-bit PCM file.
            let reference = dir.path().join("hound.wav");
            let spec = hound::WavSpec {
                channels: layout.channels(),
                sample_rate: 22050,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int,
            };
            let mut writer = hound::WavWriter::create(&reference, spec).unwrap();
            for &sample in &samples {
                for _ in 0..layout.channels() {
                    writer.write_sample(to_i16(sample)).unwrap();
                }
            }
            writer.finalize().unwrap();
            let reference = std::fs::read(&reference).unwrap();

            let whole = dir.path().join("whole.wav");
            write_layout(&whole, 22050, layout, &samples).unwrap();
            assert_eq!(std::fs::read(&whole).unwrap(), reference, "{layout:?}");

            let mut stream = WavStream::new(io::Cursor::new(Vec::new()), 22050, layout).unwrap();
            stream.write(&samples[..300]).unwrap();
            stream.write(&samples[300..]).unwrap();
            assert_eq!(stream.frames(), 1000);
            let streamed = stream.finish().unwrap().into_inner();
            assert_eq!(streamed, reference, "{layout:?}");
        }
    }

    #[test]
    fn an_unfinished_stream_says_its_length_is_unknown() {
        let mut stream = WavStream::new(Vec::new(), 22050, Layout::Mono).unwrap();
        stream.write(&[0.5, -0.5]).unwrap();
        let bytes = stream.into_inner().unwrap();
        assert_eq!(bytes.len(), HEADER_BYTES + 4);
        assert_eq!(&bytes[4..8], &u32::MAX.to_le_bytes());
        assert_eq!(&bytes[40..44], &u32::MAX.to_le_bytes());
        assert_eq!(&bytes[44..], &[0x00, 0x40, 0x00, 0xc0]);
    }

    #[test]
    fn stereo_writes_the_programme_on_both_channels() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stereo.wav");
        write_layout(&path, 22050, Layout::Stereo, &[0.5, -0.25, 0.0]).unwrap();
        let mut reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.spec().channels, 2);
        assert_eq!(reader.duration(), 3);
        let read: Vec<i16> = reader.samples::<i16>().map(|s| s.unwrap()).collect();
        assert_eq!(read, [16384, 16384, -8192, -8192, 0, 0]);
    }

    #[test]
    fn out_of_range_samples_clip_instead_of_wrapping() {
        assert_eq!(to_i16(1.0), 32767);
        assert_eq!(to_i16(-1.0), -32767);
        assert_eq!(to_i16(1.7), 32767);
        assert_eq!(to_i16(-3.0), -32767);
        assert_eq!(to_i16(f32::INFINITY), 32767);
        assert_eq!(to_i16(f32::NEG_INFINITY), -32767);
        assert_eq!(to_i16(f32::NAN), 0);
        assert_eq!(to_i16(0.0), 0);
        // Rounding, not truncation: 0.5/32767 rounds away from zero.
        assert_eq!(to_i16(0.5 / 32767.0), 1);
        assert_eq!(to_i16(0.49 / 32767.0), 0);
        assert_eq!(to_i16(-1.6 / 32767.0), -2);
    }

    #[test]
    fn empty_programme_is_a_valid_empty_wav() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("empty.wav");
        write(&path, 16000, &[]).unwrap();
        let reader = hound::WavReader::open(&path).unwrap();
        assert_eq!(reader.len(), 0);
        assert_eq!(reader.spec().sample_rate, 16000);
    }

    #[test]
    fn zero_sample_rate_is_refused_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.wav");
        assert!(matches!(write(&path, 0, &[0.0]), Err(AudioError::InvalidSampleRate { rate: 0 })));
        assert!(!path.exists());
    }

    #[test]
    fn missing_directory_is_an_io_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope").join("x.wav");
        match write(&path, 16000, &[0.0]) {
            Err(AudioError::Io { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn max_samples_fit_the_riff_size_field() {
        let riff_size = (MAX_SAMPLES as u64) * 2 + 36;
        assert!(riff_size <= u64::from(u32::MAX));
        assert!((MAX_SAMPLES as u64 + 1) * 2 + 36 > u64::from(u32::MAX));
    }
}
