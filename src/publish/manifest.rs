//! `edition.json`: the machine-readable description of one rendered edition.
//!
//! In: what [`crate::pipeline::render`] rendered. Out: pretty-printed JSON next to the audio.
//!
//! Must never happen: a manifest naming audio that was not written (it is written last, after
//! every WAV), a half-written manifest (it goes through [`crate::fsutil::write_atomic`]), a
//! timing not derived from sample counts, or an absolute path (the output directory must stay
//! movable, e.g. onto a web server).
//!
//! Field names are the public schema: readers (feeds, DAISY books, web pages, other tools) rely
//! on them, so renaming one is a breaking change and goes into the CHANGELOG. All times are in
//! seconds, rounded to the millisecond, measured from the first sample of the file they refer to.
//! Dates are ISO 8601 (`2023-11-06`); optional values are `null` when unknown.
//!
//! Times hold for every format of a programme: each file decodes to the same samples (MP3 through
//! its LAME tag, Opus through its pre-skip and final granule position, see
//! [`crate::audio::encode`]), so one set of sentence and chapter times serves them all. Fields
//! added after the first schema (`files`, `chapters`, `mastering`, `full_edition`) default to
//! empty when an older manifest is read.

use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::PublishError;
use crate::audio::{Format, Layout, Pauses};
use crate::edition::BlockKind;

/// The whole edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of nashra that rendered the edition (`0.1.0`).
    pub nashra_version: String,
    /// Title of the edition, e.g. the newspaper and issue.
    pub title: String,
    /// Date of the edition (ISO 8601 `YYYY-MM-DD`), `null` when unknown.
    pub date: Option<NaiveDate>,
    /// When the edition was rendered: RFC 3339 in UTC, whole seconds (`2023-11-06T08:30:00Z`).
    pub generated_at: DateTime<Utc>,
    /// The voice every programme of this edition was spoken with (the body voice when
    /// `headline_voice` is set).
    pub voice: VoiceEntry,
    /// The voice that read the article titles and the bulletin, when edition.toml or
    /// `--headline-voice` chose one other than `voice`; `null` when `voice` read everything.
    #[serde(default)]
    pub headline_voice: Option<VoiceEntry>,
    /// Who publishes the edition (edition.toml `publisher`), `null` when not given.
    #[serde(default)]
    pub publisher: Option<String>,
    /// Language of the edition's text as a BCP 47 tag (`ar`, `ar-IQ`); `null` in manifests
    /// written before this field existed.
    #[serde(default)]
    pub language: Option<String>,
    /// The silences used between sentences, blocks and bulletin items, in seconds.
    pub pauses: Pauses,
    /// The articles that rendered, in reading order. An article that failed is absent here and
    /// listed in `errors`.
    pub articles: Vec<ArticleEntry>,
    /// The headline bulletin; `null` when it had nothing to say or could not be synthesized
    /// (then `errors` says why).
    pub bulletin: Option<BulletinEntry>,
    /// What went wrong, one entry per failed article or bulletin; empty on a clean run.
    pub errors: Vec<ErrorEntry>,
    /// How the audio was levelled and encoded; `null` in manifests older than this field.
    #[serde(default)]
    pub mastering: Option<MasteringEntry>,
    /// The full edition: intro, bulletin, then every article, in one file with chapters; `null`
    /// when it was not asked for or nothing rendered.
    #[serde(default)]
    pub full_edition: Option<FullEditionEntry>,
}

/// The audio settings every file of the edition was made with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MasteringEntry {
    /// `mono` or `stereo` (two identical channels).
    pub layout: Layout,
    /// Integrated loudness every programme was brought to, in LUFS.
    pub target_lufs: f64,
    /// True-peak ceiling of lossless (WAV) files, in dBTP.
    pub ceiling_dbtp: f64,
    /// True-peak ceiling before lossy encoding (MP3, Opus), in dBTP.
    pub lossy_ceiling_dbtp: f64,
    /// The formats written, in order; the first is the one the `audio` fields name.
    pub formats: Vec<Format>,
    /// Sounds framing the bulletin and the full edition: `chime`, `none` or the file given.
    pub intro: String,
    pub transition: String,
    pub outro: String,
}

/// One audio file of a programme, as decoded and measured after it was written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioFileEntry {
    /// `mp3`, `opus` or `wav`.
    pub format: Format,
    /// The file, relative to the directory holding `edition.json`.
    pub path: String,
    /// Size in bytes (what an RSS enclosure's `length` wants).
    pub bytes: u64,
    /// Sample rate of the decoded file, in Hz (Opus is always 48000).
    pub sample_rate: u32,
    /// Channels: 1, or 2 for stereo.
    pub channels: u16,
    /// Length of the decoded audio in seconds, from its sample count.
    pub duration_s: f64,
    /// Loudness of the decoded file.
    pub loudness: LoudnessEntry,
    /// sha256 of what the file was made from: the programme's samples before limiting, its
    /// chapters and tags, every encoding and mastering setting, and nashra's version. A later
    /// run that would encode the same reuses the file as it is (issue #6: re-runs nearly free).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_sha256: Option<String>,
    /// For lossy files: the loudness correction, in dB, the codec needed (carried to the next
    /// programme of the run, so a reused file leaves the run as it found it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub codec_gain_db: Option<f64>,
}

/// A loudness reading (EBU R128 / ITU-R BS.1770-4), to 0.01.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LoudnessEntry {
    /// Integrated loudness in LUFS; `null` for silence.
    pub integrated_lufs: Option<f64>,
    /// Highest true peak over the channels in dBTP; `null` for silence.
    pub true_peak_dbtp: Option<f64>,
}

impl LoudnessEntry {
    /// Rounds readings to 0.01 and turns `-inf` (silence) into `null`.
    pub fn new(integrated_lufs: f64, true_peak_dbtp: f64) -> Self {
        let round = |v: f64| v.is_finite().then(|| (v * 100.0).round() / 100.0);
        Self { integrated_lufs: round(integrated_lufs), true_peak_dbtp: round(true_peak_dbtp) }
    }
}

/// A chapter of an audio file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChapterEntry {
    pub title: String,
    /// Start, in seconds from the start of the file.
    #[serde(with = "millis")]
    pub start_s: f64,
    /// End (exclusive), in seconds; the next chapter starts here.
    #[serde(with = "millis")]
    pub end_s: f64,
}

/// The full edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FullEditionEntry {
    /// The file in the first format (`full-edition.mp3`).
    pub audio: String,
    /// Length in seconds.
    pub duration_s: f64,
    /// Every format written.
    pub files: Vec<AudioFileEntry>,
    /// The bulletin, then one chapter per article.
    pub chapters: Vec<ChapterEntry>,
    /// The bulletin's headlines, timed in this file.
    pub items: Vec<ItemEntry>,
    /// Every article sentence, timed in this file.
    pub sentences: Vec<SentenceRef>,
    /// Where each programme's own time 0 falls in this file, in order: add `start_s` to a time
    /// of `bulletin.*` or of an article's file to find it here. The bulletin's may be negative
    /// (its own file opens with the intro sound, which in this file comes before it too).
    #[serde(default)]
    pub parts: Vec<PartEntry>,
}

/// Where an article's sentence is heard in the full edition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceRef {
    /// The article's `id`.
    pub article: String,
    /// Position in that article's `sentences` (0-based).
    pub index: usize,
    #[serde(with = "millis")]
    pub start_s: f64,
    #[serde(with = "millis")]
    pub end_s: f64,
}

/// The voice used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceEntry {
    /// Voice name, e.g. `ar_JO-kareem-medium`.
    pub name: String,
    /// Engine that produced the audio, e.g. `piper` or `espeak-ng`.
    pub engine: String,
    /// Sample rate of every audio file of the edition, in Hz.
    pub sample_rate: u32,
    /// True when the preferred voice was unavailable and a fallback spoke instead; listeners
    /// should expect lower quality.
    pub fallback: bool,
    /// Free text on the voice (why a fallback was used, for instance); `null` when none.
    pub note: Option<String>,
}

/// One rendered article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleEntry {
    /// Stable identifier within the edition: the audio file's stem (`01-hl-aadt-rwsya-hmas`).
    pub id: String,
    /// 1-based position of the article in the edition, counting failed articles too, so that
    /// positions and file names do not shift when one article fails.
    pub index: usize,
    /// Title as printed.
    pub title: String,
    /// Publication date (ISO 8601), `null` when unknown.
    pub date: Option<NaiveDate>,
    /// Dateline as printed (`6-تشرين الثاني-2023`), `null` when the page had none.
    pub dateline: Option<String>,
    /// Author as printed, `null` when unknown.
    pub author: Option<String>,
    /// The input file the article was read from, as given on the command line (a feed item or
    /// an article of a JSON list as `input#N` or `input#id`).
    pub source: String,
    /// Where the article is published on the web (the page's canonical URL, the feed item's
    /// link), `null` when the input does not say.
    #[serde(default)]
    pub url: Option<String>,
    /// The audio file in the first format, relative to the directory holding `edition.json`
    /// (`01-….mp3`).
    pub audio: String,
    /// Length of the audio file in seconds.
    pub duration_s: f64,
    /// Every spoken sentence, in order, with its place in the audio file.
    pub sentences: Vec<SentenceEntry>,
    /// Every format written, decoded and measured.
    #[serde(default)]
    pub files: Vec<AudioFileEntry>,
    /// Chapters of the file (one, the article).
    #[serde(default)]
    pub chapters: Vec<ChapterEntry>,
}

/// One spoken sentence and where it is heard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceEntry {
    /// Kind of the block the sentence belongs to: `title`, `dateline`, `author`, `paragraph`,
    /// `note`, `intro` or `item`.
    pub kind: BlockKind,
    /// The sentence as printed, for transcripts and captions.
    pub text: String,
    /// The sentence as it was spoken (numbers, dates and Latin words written out).
    pub spoken: String,
    /// Where the speech starts, in seconds from the start of the file.
    #[serde(with = "millis")]
    pub start_s: f64,
    /// Where the speech ends (exclusive), in seconds; the pause that follows is not included.
    #[serde(with = "millis")]
    pub end_s: f64,
    /// 1-based position, within its programme, of the block (title, paragraph, bulletin item…)
    /// the sentence belongs to: sentences sharing it form one paragraph on a page and one
    /// chapter in a feed. `null` in manifests written before nashra recorded it.
    #[serde(default)]
    pub block: Option<usize>,
}

/// The headline bulletin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulletinEntry {
    /// The audio file in the first format, relative to the directory holding `edition.json`
    /// (`bulletin.mp3`).
    pub audio: String,
    /// Length of the audio file in seconds.
    pub duration_s: f64,
    /// The headlines read, in order.
    pub items: Vec<ItemEntry>,
    /// Every spoken sentence (the introduction, then each item's headline and date), with its
    /// place in the bulletin's audio; empty in manifests written before nashra recorded it.
    #[serde(default)]
    pub sentences: Vec<SentenceEntry>,
    /// Every format written, decoded and measured.
    #[serde(default)]
    pub files: Vec<AudioFileEntry>,
    /// The introduction, then one chapter per headline.
    #[serde(default)]
    pub chapters: Vec<ChapterEntry>,
}

/// One headline of the bulletin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemEntry {
    /// The headline as printed.
    pub title: String,
    /// Date printed with the headline (ISO 8601), `null` when none.
    pub date: Option<NaiveDate>,
    /// Where the item's speech starts, in seconds from the start of `bulletin.wav`.
    #[serde(with = "millis")]
    pub start_s: f64,
    /// Where the item's speech ends, in seconds.
    #[serde(with = "millis")]
    pub end_s: f64,
}

/// One programme inside the full-edition file: where its own time 0 falls there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartEntry {
    /// `bulletin`, or the `id` of an article.
    pub id: String,
    /// Where the programme's first sample sits in the full-edition file, in seconds; its
    /// sentence times are shifted by this much.
    #[serde(with = "millis")]
    pub start_s: f64,
}

/// Something that did not render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorEntry {
    /// What failed: the article's input file, or `bulletin`.
    pub source: String,
    /// Why, as one line of text.
    pub message: String,
}

/// Writes `manifest` to `path` as pretty JSON with a final newline, atomically.
pub fn write(path: &Path, manifest: &Manifest) -> Result<(), PublishError> {
    let mut json = serde_json::to_vec_pretty(manifest).map_err(PublishError::Serialize)?;
    json.push(b'\n');
    crate::fsutil::write_atomic(path, &json)
        .map_err(|source| PublishError::Write { path: path.to_path_buf(), source })
}

/// Reads a manifest written by [`write()`].
pub fn read(path: &Path) -> Result<Manifest, PublishError> {
    let bytes = std::fs::read(path)
        .map_err(|source| PublishError::Read { path: path.to_path_buf(), source })?;
    serde_json::from_slice(&bytes)
        .map_err(|source| PublishError::Parse { path: path.to_path_buf(), source })
}

/// Sentence and item times are f64 seconds that are whole milliseconds; this keeps them so on
/// the way in, so a manifest edited by hand cannot smuggle in sub-millisecond noise.
mod millis {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(*value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
        let value = f64::deserialize(deserializer)?;
        if !value.is_finite() || value < 0.0 {
            return Err(serde::de::Error::custom(format!("time {value} is not a positive number")));
        }
        Ok((value * 1000.0).round() / 1000.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample() -> Manifest {
        Manifest {
            nashra_version: "0.1.0".into(),
            title: "نشرة الصباح".into(),
            date: NaiveDate::from_ymd_opt(2023, 11, 6),
            generated_at: Utc.with_ymd_and_hms(2023, 11, 6, 8, 30, 0).unwrap(),
            voice: VoiceEntry {
                name: "ar_JO-kareem-medium".into(),
                engine: "piper".into(),
                sample_rate: 22050,
                fallback: false,
                note: None,
            },
            headline_voice: None,
            publisher: Some("جريدة العالم".into()),
            language: Some("ar".into()),
            pauses: Pauses::default(),
            articles: vec![ArticleEntry {
                id: "01-hl".into(),
                index: 1,
                title: "هل".into(),
                date: NaiveDate::from_ymd_opt(2023, 11, 6),
                dateline: Some("6-تشرين الثاني-2023".into()),
                author: None,
                source: "seeds/a.html".into(),
                url: None,
                audio: "01-hl.wav".into(),
                duration_s: 2.5,
                sentences: vec![SentenceEntry {
                    kind: BlockKind::Title,
                    text: "هل".into(),
                    spoken: "هَلْ".into(),
                    start_s: 0.0,
                    end_s: 1.234,
                    block: Some(1),
                }],
                files: vec![file("01-hl.mp3")],
                chapters: vec![ChapterEntry { title: "هل".into(), start_s: 0.0, end_s: 2.5 }],
            }],
            bulletin: Some(BulletinEntry {
                audio: "bulletin.wav".into(),
                duration_s: 3.0,
                items: vec![ItemEntry {
                    title: "خبر".into(),
                    date: None,
                    start_s: 0.5,
                    end_s: 2.75,
                }],
                sentences: vec![SentenceEntry {
                    kind: BlockKind::Item,
                    text: "خبر".into(),
                    spoken: "خَبَرٌ".into(),
                    start_s: 0.5,
                    end_s: 2.75,
                    block: Some(2),
                }],
                files: vec![file("bulletin.mp3")],
                chapters: vec![],
            }),
            errors: vec![ErrorEntry { source: "seeds/b.html".into(), message: "boom".into() }],
            mastering: Some(MasteringEntry {
                layout: Layout::Mono,
                target_lufs: -19.0,
                ceiling_dbtp: -1.0,
                lossy_ceiling_dbtp: -1.5,
                formats: vec![Format::Mp3, Format::Wav],
                intro: "chime".into(),
                transition: "chime".into(),
                outro: "none".into(),
            }),
            full_edition: Some(FullEditionEntry {
                audio: "full-edition.mp3".into(),
                duration_s: 9.0,
                files: vec![file("full-edition.mp3")],
                chapters: vec![ChapterEntry { title: "نشرة".into(), start_s: 0.0, end_s: 9.0 }],
                items: vec![],
                sentences: vec![SentenceRef {
                    article: "01-hl".into(),
                    index: 0,
                    start_s: 4.5,
                    end_s: 5.734,
                }],
                parts: vec![
                    PartEntry { id: "bulletin".into(), start_s: 0.5 },
                    PartEntry { id: "01-hl".into(), start_s: 3.5 },
                ],
            }),
        }
    }

    fn file(path: &str) -> AudioFileEntry {
        AudioFileEntry {
            format: Format::Mp3,
            path: path.into(),
            bytes: 12_345,
            sample_rate: 22050,
            channels: 1,
            duration_s: 2.5,
            loudness: LoudnessEntry::new(-19.014, -2.5),
            source_sha256: None,
            codec_gain_db: None,
        }
    }

    #[test]
    fn manifest_round_trips_through_json() {
        let manifest = sample();
        let json = serde_json::to_string_pretty(&manifest).unwrap();
        let back: Manifest = serde_json::from_str(&json).unwrap();
        assert_eq!(back, manifest);
    }

    #[test]
    fn json_has_the_documented_field_names_and_formats() {
        let value = serde_json::to_value(sample()).unwrap();
        let keys = |v: &serde_json::Value| {
            let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        assert_eq!(
            keys(&value),
            [
                "articles",
                "bulletin",
                "date",
                "errors",
                "full_edition",
                "generated_at",
                "headline_voice",
                "language",
                "mastering",
                "nashra_version",
                "pauses",
                "publisher",
                "title",
                "voice"
            ]
        );
        assert_eq!(keys(&value["voice"]), ["engine", "fallback", "name", "note", "sample_rate"]);
        assert_eq!(
            keys(&value["pauses"]),
            ["article", "byline", "item", "paragraph", "sentence", "title"]
        );
        let article = &value["articles"][0];
        assert_eq!(
            keys(article),
            [
                "audio",
                "author",
                "chapters",
                "date",
                "dateline",
                "duration_s",
                "files",
                "id",
                "index",
                "sentences",
                "source",
                "title",
                "url"
            ]
        );
        assert_eq!(
            keys(&article["sentences"][0]),
            ["block", "end_s", "kind", "spoken", "start_s", "text"]
        );
        assert_eq!(
            keys(&article["files"][0]),
            ["bytes", "channels", "duration_s", "format", "loudness", "path", "sample_rate"]
        );
        assert_eq!(keys(&article["files"][0]["loudness"]), ["integrated_lufs", "true_peak_dbtp"]);
        assert_eq!(keys(&article["chapters"][0]), ["end_s", "start_s", "title"]);
        assert_eq!(article["files"][0]["format"], "mp3");
        assert_eq!(article["files"][0]["loudness"]["integrated_lufs"], -19.01);
        assert_eq!(
            keys(&value["bulletin"]),
            ["audio", "chapters", "duration_s", "files", "items", "sentences"]
        );
        assert_eq!(
            keys(&value["mastering"]),
            [
                "ceiling_dbtp",
                "formats",
                "intro",
                "layout",
                "lossy_ceiling_dbtp",
                "outro",
                "target_lufs",
                "transition"
            ]
        );
        assert_eq!(value["mastering"]["layout"], "mono");
        assert_eq!(
            keys(&value["full_edition"]),
            ["audio", "chapters", "duration_s", "files", "items", "parts", "sentences"]
        );
        assert_eq!(
            keys(&value["full_edition"]["sentences"][0]),
            ["article", "end_s", "index", "start_s"]
        );
        assert_eq!(keys(&value["bulletin"]["items"][0]), ["date", "end_s", "start_s", "title"]);
        assert_eq!(keys(&value["errors"][0]), ["message", "source"]);

        assert_eq!(value["date"], "2023-11-06");
        assert_eq!(value["generated_at"], "2023-11-06T08:30:00Z");
        assert_eq!(article["sentences"][0]["kind"], "title");
        assert_eq!(article["sentences"][0]["end_s"], 1.234);
        assert_eq!(article["author"], serde_json::Value::Null);
        assert_eq!(value["pauses"]["sentence"].as_f64().unwrap() as f32, 0.35);
    }

    #[test]
    fn written_manifest_reads_back_and_ends_with_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edition.json");
        write(&path, &sample()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n"));
        assert!(text.contains("\n  \"title\": \"نشرة الصباح\""), "pretty, raw UTF-8: {text}");
        assert_eq!(read(&path).unwrap(), sample());
    }

    #[test]
    fn times_are_snapped_to_milliseconds_and_must_be_positive() {
        let json = r#"{"title":"x","date":null,"start_s":1.23449999,"end_s":2.0}"#;
        let item: ItemEntry = serde_json::from_str(json).unwrap();
        assert_eq!(item.start_s, 1.234);
        let json = r#"{"title":"x","date":null,"start_s":-1.0,"end_s":2.0}"#;
        assert!(serde_json::from_str::<ItemEntry>(json).is_err());
    }

    #[test]
    fn manifests_without_the_later_fields_still_read() {
        let mut value = serde_json::to_value(sample()).unwrap();
        value["articles"][0]["sentences"][0].as_object_mut().unwrap().remove("block");
        value["bulletin"].as_object_mut().unwrap().remove("sentences");
        value["full_edition"].as_object_mut().unwrap().remove("parts");
        let object = value.as_object_mut().unwrap();
        object.remove("mastering");
        for article in value["articles"].as_array_mut().unwrap() {
            let article = article.as_object_mut().unwrap();
            article.remove("files");
            article.remove("chapters");
        }
        let old: Manifest = serde_json::from_value(value.clone()).unwrap();
        assert_eq!(old.articles[0].sentences[0].block, None);
        assert!(old.bulletin.unwrap().sentences.is_empty());
        assert!(old.mastering.is_none());
        assert!(old.full_edition.unwrap().parts.is_empty());
        assert!(old.articles[0].files.is_empty());
        value.as_object_mut().unwrap().remove("full_edition");
        assert!(serde_json::from_value::<Manifest>(value).unwrap().full_edition.is_none());
    }

    #[test]
    fn silent_loudness_is_null_and_readings_round_to_hundredths() {
        let silent = LoudnessEntry::new(f64::NEG_INFINITY, f64::NEG_INFINITY);
        assert_eq!(
            serde_json::to_string(&silent).unwrap(),
            r#"{"integrated_lufs":null,"true_peak_dbtp":null}"#
        );
        assert_eq!(LoudnessEntry::new(-18.996, -1.004).integrated_lufs, Some(-19.0));
    }

    #[test]
    fn null_bulletin_round_trips() {
        let mut manifest = sample();
        manifest.bulletin = None;
        let value = serde_json::to_value(&manifest).unwrap();
        assert_eq!(value["bulletin"], serde_json::Value::Null);
        assert_eq!(serde_json::from_value::<Manifest>(value).unwrap(), manifest);
    }
}
