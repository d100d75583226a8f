//! Fuzz target bodies: arbitrary bytes in, a panic out only when nashra breaks a promise.
//!
//! In: any bytes (from cargo-fuzz in `fuzz/`, or a saved crash input replayed by
//! `tests/robustness.rs`). Out: nothing; each function panics when a stage panics or one of the
//! invariants checked here fails. Must never happen: a target that passes by doing nothing (each
//! one runs its stage to the end and checks what it returned), or a target that touches the file
//! system or the network.
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
    &[("ingest", ingest), ("text", text_frontend), ("manifest", manifest)];

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
    let manifest = arbitrary_manifest(&mut bytes);
    let json = serde_json::to_vec_pretty(&manifest).expect("a manifest serializes");
    let back: Manifest = serde_json::from_slice(&json).expect("a written manifest reads back");
    assert_eq!(back, manifest, "the manifest changed on its way through JSON");
    for article in &manifest.articles {
        check_stem(&names::article_file_stem(article.index, &article.title));
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

    /// Seconds as the pipeline writes them: whole milliseconds (`samples_to_seconds`).
    fn seconds(&mut self) -> f64 {
        f64::from(self.u32()) / 1000.0
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

fn arbitrary_manifest(b: &mut Bytes<'_>) -> Manifest {
    let generated_at =
        DateTime::<Utc>::from_timestamp(i64::from(b.u32()), 0).unwrap_or(DateTime::UNIX_EPOCH);
    let voice = VoiceEntry {
        name: b.string(),
        engine: b.string(),
        sample_rate: b.u32(),
        fallback: b.flag(),
        note: b.option_string(),
    };
    let pauses = Pauses {
        sentence: f32::from(b.byte()) / 100.0,
        paragraph: f32::from(b.byte()) / 100.0,
        title: f32::from(b.byte()) / 100.0,
        item: f32::from(b.byte()) / 100.0,
    };
    let articles = (0..b.count(3))
        .map(|_| ArticleEntry {
            id: b.string(),
            index: b.u32() as usize,
            title: b.string(),
            date: b.date(),
            dateline: b.option_string(),
            author: b.option_string(),
            source: b.string(),
            audio: b.string(),
            duration_s: b.seconds(),
            sentences: (0..b.count(4))
                .map(|_| SentenceEntry {
                    kind: b.kind(),
                    text: b.string(),
                    spoken: b.string(),
                    start_s: b.seconds(),
                    end_s: b.seconds(),
                })
                .collect(),
        })
        .collect();
    let bulletin = b.flag().then(|| BulletinEntry {
        audio: b.string(),
        duration_s: b.seconds(),
        items: (0..b.count(4))
            .map(|_| ItemEntry {
                title: b.string(),
                date: b.date(),
                start_s: b.seconds(),
                end_s: b.seconds(),
            })
            .collect(),
    });
    let errors =
        (0..b.count(2)).map(|_| ErrorEntry { source: b.string(), message: b.string() }).collect();
    Manifest {
        nashra_version: b.string(),
        title: b.string(),
        date: b.date(),
        generated_at,
        voice,
        pauses,
        articles,
        bulletin,
        errors,
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
        let m = arbitrary_manifest(&mut Bytes(&data));
        assert!(!m.articles.is_empty() || m.bulletin.is_some() || !m.errors.is_empty());
        manifest(&data);
    }
}
