//! Fuzz target bodies: arbitrary bytes in, a panic out only when nashra breaks a promise.
//!
//! In: any bytes (from cargo-fuzz in `fuzz/`, or a saved crash input replayed by
//! `tests/robustness.rs`). Out: nothing; each function panics when a stage panics or one of the
//! invariants checked here fails. Must never happen: a target that passes by doing nothing (each
//! one runs its stage to the end and checks what it returned), or a target that touches the file
//! system outside a temporary folder, or the network.
//!
//! The bodies live in the library, not in `fuzz/`, so that the inputs the fuzzer found are
//! replayed by the ordinary test suite on stable Rust, without cargo-fuzz.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};

use crate::audio::Pauses;
use crate::edition::BlockKind;
use crate::ingest::{self, decode};
use crate::publish::{
    names, ArticleEntry, BulletinEntry, ErrorEntry, ItemEntry, Manifest, SentenceEntry, VoiceEntry,
};
use crate::text;

/// A fuzz target body.
pub type Target = fn(&[u8]);

/// The fuzz targets, by the name of their folder in `fuzz/corpus/` and `tests/fixtures/fuzz/`.
pub const TARGETS: &[(&str, Target)] =
    &[("ingest", ingest), ("text", text_frontend), ("manifest", manifest), ("publish", publish)];

/// Bytes → [`decode::decode`] → [`ingest::parse`] as a `.txt` and as a `.md` file.
///
/// Checks: decoded text holds no NUL and no stray control character, and decoding it again (as
/// UTF-8) gives it back unchanged; a parsed article has a non-empty title.
pub fn ingest(data: &[u8]) {
    let Ok(decoded) = decode::decode(data) else {
        return;
    };
    let text = &decoded.text;
    assert!(!text.contains('\0'), "NUL survived decoding");
    assert!(
        !text.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')),
        "a control character survived decoding: {text:?}"
    );
    let again = decode::decode(text.as_bytes()).expect("decoded text decodes again");
    assert_eq!(&again.text, text, "decoding is not idempotent");
    for name in ["fuzz.txt", "fuzz.md"] {
        if let Ok(article) = ingest::parse(text, Path::new(name)) {
            assert!(!article.title.trim().is_empty(), "{name}: empty title");
        }
    }
}

/// Bytes (as UTF-8, invalid sequences replaced) → normalize, spoken, segment, sentences.
///
/// Checks: segmentation loses nothing but whitespace and bounds every sentence by
/// [`text::segment::MAX_SENTENCE_CHARS`]; `sentences` returns no sentence with nothing to say.
pub fn text_frontend(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let normalized = text::normalize(&input);
    let _ = text::spoken(&input);
    let segments = text::segment(&normalized);
    let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    assert_eq!(squeeze(&segments.concat()), squeeze(&normalized), "segmentation lost text");
    for segment in &segments {
        assert!(
            segment.chars().count() <= text::segment::MAX_SENTENCE_CHARS,
            "a sentence of {} characters",
            segment.chars().count()
        );
        assert!(!segment.trim().is_empty(), "an empty sentence");
    }
    for sentence in text::sentences(&input) {
        assert!(!sentence.spoken.is_empty(), "a sentence with nothing to say: {sentence:?}");
    }
}

/// Bytes → a [`Manifest`] → JSON (as `publish::manifest::write` serializes it) → a manifest
/// equal to the first; the same bytes read as JSON must parse or fail, never panic; file stems
/// from the fuzzed titles are safe names.
pub fn manifest(data: &[u8]) {
    let _ = serde_json::from_slice::<Manifest>(data);
    let mut bytes = Bytes(data);
    let manifest = arbitrary_manifest(&mut bytes, AudioNames::Arbitrary);
    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
    let back: Manifest = serde_json::from_slice(&json).expect("a written manifest reads back");
    assert_eq!(back, manifest, "the manifest changed on its way through JSON");
    for article in &manifest.articles {
        check_stem(&names::article_file_stem(article.index, &article.title));
    }
}

/// Bytes → a manifest whose audio files exist (in a temporary folder) → the publish writers:
/// WebVTT and SRT transcripts, JSON chapters and the podcast feed of every programme.
///
/// Checks: each transcript reads back (nashra's own strict readers) with one cue per cue
/// written; chapters are JSON; the feed is well-formed XML with one `<item>` per programme.
pub fn publish(data: &[u8]) {
    use crate::publish::{chapters, feed, programme, transcript, EditionRef};

    let manifest = arbitrary_manifest(&mut Bytes(data), AudioNames::Safe);
    let Ok(programmes) = programme::programmes(&manifest) else {
        return; // a manifest the publisher refuses (its own check), not a crash
    };
    for p in &programmes {
        let vtt = transcript::webvtt(&p.cues);
        let read = transcript::read_webvtt(&vtt).unwrap_or_else(|e| panic!("{e}: {vtt}"));
        assert_eq!(read.len(), p.cues.len(), "WebVTT cues: {vtt}");
        let srt = transcript::srt(&p.cues);
        let read = transcript::read_srt(&srt).unwrap_or_else(|e| panic!("{e}: {srt}"));
        assert_eq!(read.len(), p.cues.len(), "SRT cues: {srt}");
        let json = chapters::json(p, &manifest.title);
        serde_json::from_str::<serde_json::Value>(&json).expect("chapters are JSON");
    }
    let count = programmes.len();
    drop(programmes);
    let dir = tempfile::tempdir().expect("a temporary folder");
    let audio = manifest
        .articles
        .iter()
        .map(|a| &a.audio)
        .chain(manifest.bulletin.iter().map(|b| &b.audio));
    for name in audio {
        std::fs::write(dir.path().join(name), b"RIFF").expect("a stand-in audio file");
    }
    let channel = feed::Channel::new(&manifest.title, None);
    let editions = [EditionRef::standalone(dir.path(), manifest)];
    let Ok(rss) = feed::rss(&channel, &editions) else {
        return;
    };
    let items = well_formed_xml(&rss.xml);
    assert_eq!(items + rss.warnings.len(), count, "one item or warning per programme");
}

/// Reads `xml` to the end, panicking on any error; returns the number of `<item>` elements.
fn well_formed_xml(xml: &str) -> usize {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut items = 0;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => return items,
            Ok(quick_xml::events::Event::Start(e)) if e.name().as_ref() == b"item" => items += 1,
            Ok(_) => {}
            Err(e) => panic!("the feed is not well-formed XML: {e}\n{xml}"),
        }
    }
}

/// What `publish::names` promises of a file stem.
fn check_stem(stem: &str) {
    assert!(!stem.is_empty() && stem.len() <= names::MAX_STEM_LEN, "{stem}");
    assert!(
        stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
        "{stem}"
    );
    assert!(!stem.ends_with('-') && !stem.contains("--") && !stem.contains(".."), "{stem}");
}

/// Reads values off the fuzz input; zeros once it runs out.
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }

    fn u32(&mut self) -> u32 {
        u32::from_le_bytes([self.byte(), self.byte(), self.byte(), self.byte()])
    }

    fn flag(&mut self) -> bool {
        self.byte() & 1 == 1
    }

    /// A string of up to 255 bytes of input (invalid UTF-8 replaced).
    fn string(&mut self) -> String {
        let len = usize::from(self.byte()).min(self.0.len());
        let (head, rest) = self.0.split_at(len);
        self.0 = rest;
        String::from_utf8_lossy(head).into_owned()
    }

    fn option_string(&mut self) -> Option<String> {
        self.flag().then(|| self.string())
    }

    fn date(&mut self) -> Option<NaiveDate> {
        let days = i32::try_from(self.u32() % 200_000).ok()?;
        self.flag().then(|| NaiveDate::from_num_days_from_ce_opt(days)).flatten()
    }

    fn kind(&mut self) -> BlockKind {
        const KINDS: [BlockKind; 7] = [
            BlockKind::Title,
            BlockKind::Dateline,
            BlockKind::Author,
            BlockKind::Paragraph,
            BlockKind::Note,
            BlockKind::Intro,
            BlockKind::Item,
        ];
        KINDS[usize::from(self.byte()) % KINDS.len()]
    }

    fn count(&mut self, max: u8) -> usize {
        usize::from(self.byte() % (max + 1))
    }
}

/// How [`arbitrary_manifest`] names audio files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AudioNames {
    /// Any string the bytes give (the JSON round trip must carry anything).
    Arbitrary,
    /// `NN.wav` and `bulletin.wav`, which the publish target creates on disk.
    Safe,
}

fn arbitrary_voice(b: &mut Bytes<'_>) -> VoiceEntry {
    VoiceEntry {
        name: b.string(),
        engine: b.string(),
        sample_rate: b.u32(),
        fallback: b.flag(),
        note: b.option_string(),
    }
}

/// Sentences with times as the pipeline writes them: in order, each after the one before.
fn arbitrary_sentences(b: &mut Bytes<'_>, clock: &mut f64) -> Vec<SentenceEntry> {
    (0..b.count(4))
        .map(|_| {
            let start_s = *clock + f64::from(b.byte()) / 100.0;
            let end_s = start_s + f64::from(b.byte()) / 100.0 + 0.001;
            *clock = end_s;
            SentenceEntry {
                kind: b.kind(),
                text: b.string(),
                spoken: b.string(),
                start_s: snap(start_s),
                end_s: snap(end_s),
                block: b.flag().then(|| usize::from(b.byte()) + 1),
            }
        })
        .collect()
}

/// Whole milliseconds, as `samples_to_seconds` gives.
fn snap(seconds: f64) -> f64 {
    (seconds * 1000.0).round() / 1000.0
}

fn arbitrary_manifest(b: &mut Bytes<'_>, names: AudioNames) -> Manifest {
    let generated_at =
        DateTime::<Utc>::from_timestamp(i64::from(b.u32()), 0).unwrap_or(DateTime::UNIX_EPOCH);
    let voice = arbitrary_voice(b);
    let headline_voice = b.flag().then(|| arbitrary_voice(b));
    let pauses = Pauses {
        sentence: f32::from(b.byte()) / 100.0,
        paragraph: f32::from(b.byte()) / 100.0,
        title: f32::from(b.byte()) / 100.0,
        item: f32::from(b.byte()) / 100.0,
        byline: f32::from(b.byte()) / 100.0,
        article: f32::from(b.byte()) / 100.0,
    };
    let articles = (0..b.count(3))
        .map(|position| {
            let mut clock = 0.0;
            let sentences = arbitrary_sentences(b, &mut clock);
            ArticleEntry {
                id: b.string(),
                index: b.u32() as usize,
                title: b.string(),
                date: b.date(),
                dateline: b.option_string(),
                author: b.option_string(),
                source: b.string(),
                url: b.option_string(),
                audio: match names {
                    AudioNames::Arbitrary => b.string(),
                    AudioNames::Safe => format!("{:02}.wav", position + 1),
                },
                duration_s: snap(clock + f64::from(b.byte()) / 100.0),
                sentences,
                files: Vec::new(),
                chapters: Vec::new(),
            }
        })
        .collect();
    let bulletin = b.flag().then(|| {
        let mut clock = 0.0;
        let sentences = arbitrary_sentences(b, &mut clock);
        let items = (0..b.count(4))
            .map(|_| {
                let start_s = clock + f64::from(b.byte()) / 100.0;
                let end_s = start_s + f64::from(b.byte()) / 100.0 + 0.001;
                clock = end_s;
                ItemEntry {
                    title: b.string(),
                    date: b.date(),
                    start_s: snap(start_s),
                    end_s: snap(end_s),
                }
            })
            .collect();
        BulletinEntry {
            audio: match names {
                AudioNames::Arbitrary => b.string(),
                AudioNames::Safe => "bulletin.wav".to_owned(),
            },
            duration_s: snap(clock + 0.5),
            items,
            sentences,
            files: Vec::new(),
            chapters: Vec::new(),
        }
    });
    let errors =
        (0..b.count(2)).map(|_| ErrorEntry { source: b.string(), message: b.string() }).collect();
    Manifest {
        nashra_version: b.string(),
        title: b.string(),
        date: b.date(),
        generated_at,
        voice,
        headline_voice,
        publisher: b.option_string(),
        language: b.option_string(),
        pauses,
        articles,
        bulletin,
        errors,
        mastering: None,
        full_edition: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_target_runs_on_empty_and_simple_input() {
        for (_, target) in TARGETS {
            target(b"");
            target("عنوان الخبر\nسافر الوفد إلى موسكو يوم 6 تشرين الأول/ أكتوبر 2023.".as_bytes());
        }
    }

    #[test]
    fn the_manifest_target_builds_a_full_manifest_from_enough_bytes() {
        let data: Vec<u8> = (0..4000u32).map(|i| (i * 7 + 3) as u8).collect();
        let m = arbitrary_manifest(&mut Bytes(&data), AudioNames::Arbitrary);
        assert!(!m.articles.is_empty() || m.bulletin.is_some() || !m.errors.is_empty());
        manifest(&data);
    }
}
