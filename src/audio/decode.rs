//! Reads audio files back into samples: user sounds (intro, outro, transition) and the files
//! nashra writes, which are decoded after writing to measure what a listener will really get.
//!
//! In: a path to WAV, MP3, Ogg Vorbis, FLAC (through symphonia) or Ogg Opus (through libopus,
//! which symphonia lacks). Out: interleaved `f32` samples with their rate and channel count,
//! exactly as a gapless player presents them: MP3 encoder delay and padding removed using the LAME
//! tag, Opus pre-skip removed and the end trimmed to the final granule position.
//!
//! Must never happen: an unbounded decode of a hostile file (callers give a frame limit), a
//! panic on malformed input (errors name the file), or timings read from a decoder that did not
//! trim encoder delay (the offsets would shift every chapter by tens of milliseconds).

use std::fs::File;
use std::io::Read;
use std::path::Path;

use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use super::loudness::{self, Loudness};
use super::AudioError;

/// The only rate Ogg Opus decodes to here (RFC 7845 recommends decoding at 48 kHz).
pub const OPUS_RATE: u32 = 48_000;

/// Largest Opus frame: 120 ms at 48 kHz.
const OPUS_MAX_FRAME: usize = 5760;

/// Decoded audio.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub rate: u32,
    pub channels: u16,
    /// Interleaved samples, `frames() × channels` of them.
    pub samples: Vec<f32>,
}

impl Decoded {
    /// Samples per channel.
    pub fn frames(&self) -> usize {
        self.samples.len() / usize::from(self.channels.max(1))
    }

    /// The channels averaged into one.
    pub fn to_mono(&self) -> Vec<f32> {
        let channels = usize::from(self.channels.max(1));
        if channels == 1 {
            return self.samples.clone();
        }
        let scale = 1.0 / channels as f32;
        self.samples.chunks_exact(channels).map(|f| f.iter().sum::<f32>() * scale).collect()
    }
}

/// What a written file holds, measured by decoding it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Inspection {
    pub rate: u32,
    pub channels: u16,
    /// Samples per channel, as decoded.
    pub frames: u64,
    pub loudness: Loudness,
}

/// A run of decoded audio handed to a [`decode_each`] sink.
#[derive(Debug, Clone, Copy)]
pub struct Chunk<'a> {
    pub rate: u32,
    pub channels: u16,
    /// Interleaved samples.
    pub samples: &'a [f32],
}

/// What receives decoded chunks; an error stops decoding and is returned.
pub type Sink<'s> = dyn FnMut(Chunk<'_>) -> Result<(), AudioError> + 's;

/// Decodes `path` completely; more than `max_frames` frames is an error (`None`: no limit, for
/// files nashra wrote itself).
pub fn decode_file(path: &Path, max_frames: Option<u64>) -> Result<Decoded, AudioError> {
    let mut decoded = Decoded { rate: 0, channels: 0, samples: Vec::new() };
    decode_each(path, &mut |chunk| {
        decoded.rate = chunk.rate;
        decoded.channels = chunk.channels;
        decoded.samples.extend_from_slice(chunk.samples);
        let frames = decoded.frames() as u64;
        match max_frames {
            Some(max) if frames > max => Err(AudioError::SoundTooLong {
                path: path.to_path_buf(),
                seconds: frames as f64 / f64::from(chunk.rate.max(1)),
                max: max as f64 / f64::from(chunk.rate.max(1)),
            }),
            _ => Ok(()),
        }
    })?;
    if decoded.channels == 0 || decoded.rate == 0 {
        return Err(AudioError::NoAudio { path: path.to_path_buf() });
    }
    Ok(decoded)
}

/// Decodes `path` a chunk at a time, as a gapless player would present it, handing each chunk
/// to `sink` (so that an hour of audio is never held whole).
pub fn decode_each(path: &Path, sink: &mut Sink<'_>) -> Result<(), AudioError> {
    if is_ogg_opus(path)? {
        decode_opus(path, sink)
    } else {
        decode_symphonia(path, sink)
    }
}

/// Chunks of decoded audio on their way to the true-peak meter's thread.
const INSPECT_CHUNKS: usize = 16;

/// Decodes `path` and measures it: what the manifest reports about each written file.
///
/// The true peak is read on a thread of its own, beside the decoding and the loudness
/// ([`loudness::Meter`]): measuring the last article's file is part of a render's serial end
/// (72 ms on one core for a 150 s article, about 40 on two).
pub fn inspect(path: &Path) -> Result<Inspection, AudioError> {
    let (mut rate, mut channels, mut frames) = (0, 0, 0u64);
    std::thread::scope(|scope| {
        let mut loudness: Option<loudness::LoudnessPart> = None;
        let mut peaks = None;
        let decoded = decode_each(path, &mut |chunk| {
            let format = (chunk.rate, chunk.channels);
            if loudness.is_none() {
                let (reading, mut peak) =
                    loudness::Meter::new(chunk.channels, chunk.rate)?.into_parts();
                let (sender, received) = std::sync::mpsc::sync_channel::<Vec<f32>>(INSPECT_CHUNKS);
                let meter = scope.spawn(move || {
                    for samples in received {
                        peak.add(&samples)?;
                    }
                    Ok::<_, AudioError>(peak)
                });
                (loudness, peaks) = (Some(reading), Some((sender, meter)));
                (rate, channels) = format;
            } else if format != (rate, channels) {
                return Err(decode_error(path, "the rate or channels change mid-stream"));
            }
            frames += (chunk.samples.len() / usize::from(chunk.channels.max(1))) as u64;
            if let Some((sender, _)) = &peaks {
                // A meter that stopped on an error reports it when joined.
                let _ = sender.send(chunk.samples.to_vec());
            }
            loudness.as_mut().map_or(Ok(()), |reading| reading.add(chunk.samples))
        });
        let peak = peaks.map(|(sender, meter)| {
            drop(sender);
            meter.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
        });
        decoded?;
        let (Some(loudness), Some(peak)) = (loudness, peak) else {
            return Err(AudioError::NoAudio { path: path.to_path_buf() });
        };
        let meter = loudness::Meter::from_parts(loudness, peak?);
        Ok(Inspection { rate, channels, frames, loudness: meter.finish()? })
    })
}

fn decode_error(
    path: &Path,
    source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> AudioError {
    AudioError::Decode { path: path.to_path_buf(), source: source.into() }
}

fn io_error(path: &Path, source: std::io::Error) -> AudioError {
    AudioError::Io { path: path.to_path_buf(), source }
}

/// An Ogg file whose first packet is an Opus identification header.
fn is_ogg_opus(path: &Path) -> Result<bool, AudioError> {
    let mut head = [0u8; 36];
    let mut file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut filled = 0;
    while filled < head.len() {
        match file.read(&mut head[filled..]).map_err(|e| io_error(path, e))? {
            0 => break,
            n => filled += n,
        }
    }
    // A first Ogg page with one segment: 27-byte header, 1 lacing byte, then the packet.
    Ok(filled == head.len() && &head[..4] == b"OggS" && &head[28..36] == b"OpusHead")
}

fn decode_symphonia(path: &Path, sink: &mut Sink<'_>) -> Result<(), AudioError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let stream = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(&hint, stream, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| decode_error(path, e))?;
    let track = format
        .default_track(TrackType::Audio)
        .ok_or_else(|| AudioError::NoAudio { path: path.to_path_buf() })?;
    let track_id = track.id;
    let params = track
        .codec_params
        .as_ref()
        .and_then(|p| p.audio())
        .ok_or_else(|| AudioError::NoAudio { path: path.to_path_buf() })?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| decode_error(path, e))?;

    let mut scratch: Vec<f32> = Vec::new();
    loop {
        let packet = match format.next_packet() {
            Ok(Some(packet)) => packet,
            Ok(None) => break,
            Err(SymphoniaError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                break
            }
            Err(e) => return Err(decode_error(path, e)),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buffer = decoder.decode(&packet).map_err(|e| decode_error(path, e))?;
        let rate = buffer.spec().rate();
        let channels = buffer.spec().channels().count() as u16;
        buffer.copy_to_vec_interleaved(&mut scratch);
        if !scratch.is_empty() {
            sink(Chunk { rate, channels, samples: &scratch })?;
        }
    }
    Ok(())
}

/// The fields of an `OpusHead` packet (RFC 7845 §5.1) that decoding needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpusHead {
    pub channels: u8,
    pub pre_skip: u16,
    pub input_rate: u32,
    /// Output gain in dB × 256 (Q7.8).
    pub output_gain: i16,
    pub mapping_family: u8,
}

impl OpusHead {
    /// Parses an identification header; `None` if it is not one this decoder handles.
    pub fn parse(packet: &[u8]) -> Option<Self> {
        if packet.len() < 19 || &packet[..8] != b"OpusHead" || packet[8] & 0xF0 != 0 {
            return None;
        }
        Some(Self {
            channels: packet[9],
            pre_skip: u16::from_le_bytes([packet[10], packet[11]]),
            input_rate: u32::from_le_bytes([packet[12], packet[13], packet[14], packet[15]]),
            output_gain: i16::from_le_bytes([packet[16], packet[17]]),
            mapping_family: packet[18],
        })
    }
}

fn decode_opus(path: &Path, sink: &mut Sink<'_>) -> Result<(), AudioError> {
    let file = File::open(path).map_err(|e| io_error(path, e))?;
    let mut reader = ogg::PacketReader::new(std::io::BufReader::new(file));
    let mut next = || -> Result<Option<ogg::Packet>, AudioError> {
        reader.read_packet().map_err(|e| decode_error(path, e))
    };
    let bad = |what: &str| decode_error(path, format!("not a valid Ogg Opus stream: {what}"));
    let head_packet = next()?.ok_or_else(|| bad("empty"))?;
    let serial = head_packet.stream_serial();
    let head = OpusHead::parse(&head_packet.data).ok_or_else(|| bad("no OpusHead"))?;
    let channels = match (head.mapping_family, head.channels) {
        (0, 1) => opus::Channels::Mono,
        (0, 2) => opus::Channels::Stereo,
        _ => return Err(bad("only mono and stereo (mapping family 0) are supported")),
    };
    let tags = next()?.ok_or_else(|| bad("no OpusTags"))?;
    if !tags.data.starts_with(b"OpusTags") {
        return Err(bad("no OpusTags"));
    }
    let mut decoder = opus::Decoder::new(OPUS_RATE, channels).map_err(|e| decode_error(path, e))?;
    let width = usize::from(head.channels);
    let gain = 10f32.powf(f32::from(head.output_gain) / (20.0 * 256.0));
    let mut frame = vec![0f32; OPUS_MAX_FRAME * width];
    // Samples decoded so far, counted from the stream's start (pre-skip included), which is how
    // granule positions count.
    let mut decoded: u64 = 0;
    let skip = u64::from(head.pre_skip);
    while let Some(packet) = next()? {
        if packet.stream_serial() != serial {
            continue;
        }
        let frames = decoder
            .decode_float(&packet.data, &mut frame, false)
            .map_err(|e| decode_error(path, e))?;
        let (start, end) = (decoded, decoded + frames as u64);
        decoded = end;
        // A page's granule position is where its last packet ends; on the last page it is
        // lower than what the packets decode to, and the excess is the encoder's padding.
        let limit = match packet.absgp_page() {
            u64::MAX => end,
            granule => end.min(granule),
        };
        let from = start.max(skip);
        if limit > from {
            let lo = usize::try_from(from - start).unwrap_or(0) * width;
            let hi = usize::try_from(limit - start).unwrap_or(0) * width;
            let samples = &mut frame[lo..hi];
            if head.output_gain != 0 {
                samples.iter_mut().for_each(|s| *s *= gain);
            }
            sink(Chunk { rate: OPUS_RATE, channels: u16::from(head.channels), samples })?;
        }
        if packet.last_in_stream() {
            break;
        }
    }
    if decoded < skip {
        return Err(bad("shorter than its pre-skip"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wav_files_decode_to_their_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sine-440Hz-16000Hz-stereo.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 16_000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&path, spec).unwrap();
        for i in 0..1600i32 {
            writer.write_sample((i * 10) as i16).unwrap();
            writer.write_sample(-(i * 10) as i16).unwrap();
        }
        writer.finalize().unwrap();
        let decoded = decode_file(&path, None).unwrap();
        assert_eq!((decoded.rate, decoded.channels, decoded.frames()), (16_000, 2, 1600));
        assert!((decoded.samples[2] - 10.0 / 32768.0).abs() < 1e-6);
        assert!(decoded.to_mono().iter().all(|&s| s.abs() < 1e-6), "L + R cancel");
    }

    /// Inspecting a file (its true peak measured on a thread of its own) reads what one meter
    /// reads over its decoded samples, to the bit; a file that is not audio is an error
    /// naming it.
    #[test]
    fn inspecting_a_file_reads_what_one_meter_reads_over_its_samples() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("speechlike.wav");
        let samples: Vec<f32> = (0..3 * 44_100)
            .map(|i| {
                let t = i as f32 / 22_050.0;
                let envelope = 0.3 + 0.5 * (t * 3.0).sin().abs();
                envelope * ((t * 1870.0).sin() + 0.4 * (t * 9300.0).sin()) * 0.6
            })
            .collect();
        crate::audio::wav::write_layout(&path, 22_050, crate::audio::Layout::Stereo, &samples)
            .unwrap();
        let seen = inspect(&path).unwrap();
        let decoded = decode_file(&path, None).unwrap();
        let mode = ebur128::Mode::I | ebur128::Mode::TRUE_PEAK;
        let mut one = ebur128::EbuR128::new(2, 22_050, mode).unwrap();
        one.add_frames_f32(&decoded.samples).unwrap();
        let lufs = one.loudness_global().unwrap();
        let peak = loudness::gain_to_db(one.true_peak(0).unwrap().max(one.true_peak(1).unwrap()));
        assert_eq!((seen.rate, seen.channels, seen.frames), (22_050, 2, samples.len() as u64));
        assert!(lufs.is_finite() && peak.is_finite());
        assert_eq!(seen.loudness.integrated_lufs.to_bits(), lufs.to_bits());
        assert_eq!(seen.loudness.true_peak_dbtp.to_bits(), peak.to_bits());

        let garbage = dir.path().join("garbage.wav");
        std::fs::write(&garbage, b"RIFF, but nothing a decoder can read").unwrap();
        let err = inspect(&garbage).unwrap_err();
        assert!(err.to_string().contains("garbage.wav"), "{err}");
    }

    #[test]
    fn a_frame_limit_stops_long_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.wav");
        crate::audio::wav::write(&path, 8000, &vec![0.1; 80_000]).unwrap();
        match decode_file(&path, Some(8000)) {
            Err(AudioError::SoundTooLong { seconds, max, .. }) => {
                assert!(seconds > 1.0 && max == 1.0, "{seconds} {max}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn garbage_and_missing_files_are_errors_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("noise.mp3");
        std::fs::write(&path, b"this is not audio at all, just some text").unwrap();
        let err = decode_file(&path, None).unwrap_err();
        assert!(err.to_string().contains("noise.mp3"), "{err}");
        let missing = dir.path().join("missing.wav");
        assert!(matches!(decode_file(&missing, None), Err(AudioError::Io { .. })));
    }

    #[test]
    fn opus_head_parses_the_fields_of_rfc_7845() {
        let mut head = b"OpusHead".to_vec();
        head.extend([1, 2]);
        head.extend(312u16.to_le_bytes());
        head.extend(22_050u32.to_le_bytes());
        head.extend((-256i16).to_le_bytes());
        head.push(0);
        let parsed = OpusHead::parse(&head).unwrap();
        assert_eq!(
            parsed,
            OpusHead {
                channels: 2,
                pre_skip: 312,
                input_rate: 22_050,
                output_gain: -256,
                mapping_family: 0
            }
        );
        assert_eq!(OpusHead::parse(&head[..18]), None);
        let mut wrong_version = head.clone();
        wrong_version[8] = 0x10;
        assert_eq!(OpusHead::parse(&wrong_version), None);
    }
}
