//! `edition.toml`: an edition described in a file, so a newsroom's daily run is one command.
//!
//! In: the path of a TOML file (schema in docs/inputs.md). Out: an [`EditionFile`] with every
//! path made relative to the file's folder, values checked. Never: ignore a key (an unknown key
//! is an error naming the key and the file, so a typo such as `titel` cannot pass unnoticed), or
//! read a value the run cannot honour: formats and sounds are parsed into the audio stage's own
//! types here, so a misspelt format is refused before anything is rendered.
//!
//! Command-line flags override the file; merging is `app`'s job.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Deserialize;

use crate::audio::{Format, SoundSource};
use crate::ingest::{is_url, parse_date};

/// Why an edition file could not be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EditionFileError {
    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {message}", path.display())]
    Toml { path: PathBuf, message: String },
    #[error("{}: `{key}`: {message}", path.display())]
    Invalid { path: PathBuf, key: &'static str, message: String },
}

/// An edition file, as written (paths already resolved against the file's folder).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EditionFile {
    /// The file itself, for messages.
    pub path: PathBuf,
    pub title: Option<String>,
    pub date: Option<NaiveDate>,
    pub publisher: Option<String>,
    /// BCP 47 tag of the text's language: `ar` or a regional `ar-…`.
    pub language: Option<String>,
    /// The voice for everything (`voice = "ar_JO-kareem-medium"`).
    pub voice: Option<String>,
    /// `[voices] headlines = …, body = …`: each overrides `voice` for its role.
    pub headline_voice: Option<String>,
    pub body_voice: Option<String>,
    pub pauses: PauseValues,
    pub feed: FeedValues,
    pub extras: Extras,
    /// Files, folders and URLs, in reading order.
    pub inputs: Vec<PathBuf>,
}

/// `[pauses]`, in seconds; unset values keep the command line's or the defaults.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PauseValues {
    pub sentence: Option<f32>,
    pub paragraph: Option<f32>,
    pub title: Option<f32>,
    pub item: Option<f32>,
    pub byline: Option<f32>,
    pub article: Option<f32>,
}

/// `[feed]`: which items of the feeds among the inputs are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FeedValues {
    /// The newest N items of each feed.
    pub items: Option<usize>,
    /// Items published on or after this date.
    pub since: Option<NaiveDate>,
    /// Fetch the linked page of items that carry no text.
    pub fetch_links: Option<bool>,
}

/// Settings of the audio and publish stages (loudness, encoding formats, intro, transition and
/// outro sounds, the published address). They are parsed and checked here and handed to the
/// application, which applies those its build supports and reports the others.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// Target programme loudness, LUFS (e.g. -19).
    pub loudness: Option<f64>,
    /// Audio formats to write, in order; empty: not set.
    pub formats: Vec<Format>,
    /// The sound before the bulletin and the full edition (`chime`, `none` or a file).
    pub intro: Option<SoundSource>,
    /// The sound between programmes in the full edition.
    pub transition: Option<SoundSource>,
    /// The sound after the bulletin and the full edition.
    pub outro: Option<SoundSource>,
    /// Where the edition's folder will be published (`https://example.com/editions/today/`).
    pub base_url: Option<String>,
}

/// The file's TOML, key by key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    title: Option<String>,
    date: Option<DateValue>,
    publisher: Option<String>,
    language: Option<String>,
    voice: Option<String>,
    voices: Option<RawVoices>,
    pauses: Option<PauseValues>,
    loudness: Option<f64>,
    formats: Option<Vec<String>>,
    intro: Option<String>,
    transition: Option<String>,
    outro: Option<String>,
    base_url: Option<String>,
    feed: Option<RawFeed>,
    #[serde(default)]
    inputs: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVoices {
    headlines: Option<String>,
    body: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFeed {
    items: Option<i64>,
    since: Option<DateValue>,
    fetch_links: Option<bool>,
}

/// A TOML date (`date = 2023-11-06`) or a string (`date = "2023-11-06"`).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum DateValue {
    Toml(toml::value::Datetime),
    Text(String),
}

impl EditionFile {
    /// Reads and checks `path`.
    pub fn load(path: &Path) -> Result<Self, EditionFileError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| EditionFileError::Io { path: path.to_path_buf(), source })?;
        Self::parse(&text, path)
    }

    /// Parses the text of an edition file read from `path` (relative paths in it are resolved
    /// against `path`'s folder).
    pub fn parse(text: &str, path: &Path) -> Result<Self, EditionFileError> {
        let raw: Raw = toml::from_str(text).map_err(|e| EditionFileError::Toml {
            path: path.to_path_buf(),
            message: e.to_string().trim_end().to_owned(),
        })?;
        let invalid = |key: &'static str, message: String| EditionFileError::Invalid {
            path: path.to_path_buf(),
            key,
            message,
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let resolve = |s: &str| -> PathBuf {
            let p = PathBuf::from(s);
            if is_url(&p) || p.is_absolute() {
                p
            } else {
                base.join(p)
            }
        };
        // `chime` and `none` are nashra's words; anything else is a sound file beside this one.
        let sound = |s: &str| match s.trim() {
            "chime" => SoundSource::Chime,
            "none" => SoundSource::None,
            path => SoundSource::File(resolve(path)),
        };
        let date = raw.date.map(|d| date_value(d).map_err(|m| invalid("date", m))).transpose()?;
        let language = raw.language.map(|l| l.trim().to_owned());
        if let Some(lang) = &language {
            let primary = lang.split(['-', '_']).next().unwrap_or("").to_ascii_lowercase();
            if primary != "ar" {
                return Err(invalid(
                    "language",
                    format!("{lang:?}: nashra reads Arabic text only (`ar`, `ar-IQ`, ...)"),
                ));
            }
        }
        let (headline_voice, body_voice) =
            raw.voices.map(|v| (v.headlines, v.body)).unwrap_or_default();
        let feed = match raw.feed {
            None => FeedValues::default(),
            Some(f) => FeedValues {
                items: f
                    .items
                    .map(|n| {
                        usize::try_from(n)
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| invalid("feed.items", format!("{n}: must be 1 or more")))
                    })
                    .transpose()?,
                since: f
                    .since
                    .map(|d| date_value(d).map_err(|m| invalid("feed.since", m)))
                    .transpose()?,
                fetch_links: f.fetch_links,
            },
        };
        if let Some(lufs) = raw.loudness {
            if !lufs.is_finite() || !(-70.0..=0.0).contains(&lufs) {
                return Err(invalid("loudness", format!("{lufs}: LUFS between -70 and 0")));
            }
        }
        let formats = raw
            .formats
            .unwrap_or_default()
            .iter()
            .map(|f| f.parse::<Format>().map_err(|unknown| invalid("formats", unknown.to_string())))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(url) = &raw.base_url {
            if !is_url(Path::new(url)) {
                return Err(invalid("base_url", format!("{url:?}: an http:// or https:// URL")));
            }
        }
        if let Some(empty) = raw.inputs.iter().position(|i| i.trim().is_empty()) {
            return Err(invalid("inputs", format!("entry {} is empty", empty + 1)));
        }
        Ok(Self {
            path: path.to_path_buf(),
            title: raw.title,
            date,
            publisher: raw.publisher,
            language,
            voice: raw.voice,
            headline_voice,
            body_voice,
            pauses: raw.pauses.unwrap_or_default(),
            feed,
            extras: Extras {
                loudness: raw.loudness,
                formats,
                intro: raw.intro.as_deref().map(sound),
                transition: raw.transition.as_deref().map(sound),
                outro: raw.outro.as_deref().map(sound),
                base_url: raw.base_url,
            },
            inputs: raw.inputs.iter().map(|i| resolve(i.trim())).collect(),
        })
    }
}

fn date_value(value: DateValue) -> Result<NaiveDate, String> {
    match value {
        DateValue::Toml(dt) => match (dt.date, dt.time) {
            (Some(d), None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
                    .ok_or_else(|| format!("{dt}: not a calendar date"))
            }
            _ => Err(format!("{dt}: a date (YYYY-MM-DD), without a time")),
        },
        DateValue::Text(s) => {
            parse_date(&s).ok_or_else(|| format!("{s:?}: not a date (YYYY-MM-DD or a dateline)"))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;

    const FULL: &str = r#"
title = "نشرة المساء"
date = 2023-11-06
publisher = "جريدة المدينة"
language = "ar-IQ"
voice = "ar_JO-kareem-medium"
loudness = -19
formats = ["MP3", "wav"]
intro = "sounds/intro.wav"
transition = "none"
outro = "/srv/sounds/outro.wav"
base_url = "https://example.com/editions/"
inputs = ["seed.txt", "pages/", "https://example.com/news/1.html"]

[voices]
headlines = "ar_JO-kareem-low"

[pauses]
sentence = 0.3
item = 1.2
article = 2

[feed]
items = 5
since = "2023-11-01"
fetch_links = true
"#;

    fn parse(text: &str) -> Result<EditionFile, EditionFileError> {
        EditionFile::parse(text, Path::new("/news/evening/edition.toml"))
    }

    #[test]
    fn every_key_parses_and_paths_are_relative_to_the_file() {
        let f = parse(FULL).unwrap();
        assert_eq!(f.title.as_deref(), Some("نشرة المساء"));
        assert_eq!(f.date, NaiveDate::from_ymd_opt(2023, 11, 6));
        assert_eq!(f.publisher.as_deref(), Some("جريدة المدينة"));
        assert_eq!(f.language.as_deref(), Some("ar-IQ"));
        assert_eq!(f.voice.as_deref(), Some("ar_JO-kareem-medium"));
        assert_eq!(f.headline_voice.as_deref(), Some("ar_JO-kareem-low"));
        assert_eq!(f.body_voice, None);
        assert_eq!(
            f.pauses,
            PauseValues {
                sentence: Some(0.3),
                item: Some(1.2),
                article: Some(2.0),
                ..PauseValues::default()
            }
        );
        assert_eq!(
            f.feed,
            FeedValues {
                items: Some(5),
                since: NaiveDate::from_ymd_opt(2023, 11, 1),
                fetch_links: Some(true)
            }
        );
        assert_eq!(
            f.extras,
            Extras {
                loudness: Some(-19.0),
                formats: vec![Format::Mp3, Format::Wav],
                intro: Some(SoundSource::File("/news/evening/sounds/intro.wav".into())),
                transition: Some(SoundSource::None),
                outro: Some(SoundSource::File("/srv/sounds/outro.wav".into())),
                base_url: Some("https://example.com/editions/".into()),
            }
        );
        assert_eq!(
            f.inputs,
            [
                PathBuf::from("/news/evening/seed.txt"),
                PathBuf::from("/news/evening/pages/"),
                PathBuf::from("https://example.com/news/1.html"),
            ]
        );
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_the_key_and_the_file() {
        for (text, key) in [
            ("titel = \"x\"", "titel"),
            ("[pauses]\nsentnce = 0.3", "sentnce"),
            ("[voices]\nheadline = \"x\"", "headline"),
            ("[feed]\nnewest = 3", "newest"),
        ] {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.starts_with("/news/evening/edition.toml: "), "{err}");
            assert!(err.contains(&format!("unknown field `{key}`")), "{err}");
        }
    }

    #[test]
    fn wrong_values_are_errors_naming_the_key() {
        for (text, key) in [
            ("language = \"en\"", "`language`"),
            ("loudness = 3.0", "`loudness`"),
            ("formats = [\"wma\"]", "`formats`"),
            ("base_url = \"example.com\"", "`base_url`"),
            ("date = \"tomorrow\"", "`date`"),
            ("date = 2023-11-06T10:00:00", "`date`"),
            ("[feed]\nitems = 0", "`feed.items`"),
            ("inputs = [\"a.txt\", \" \"]", "`inputs`"),
        ] {
            let err = parse(text).unwrap_err();
            assert!(matches!(err, EditionFileError::Invalid { .. }), "{text}: {err}");
            assert!(err.to_string().contains(key), "{text}: {err}");
        }
        let err = parse("title = 5").unwrap_err().to_string();
        assert!(err.contains("invalid type") && err.contains("title"), "{err}");
        // The same words as `--format wma` on the command line.
        let err = parse("formats = [\"mp3\", \"wma\"]").unwrap_err().to_string();
        assert!(err.contains("unknown audio format \"wma\" (use mp3, opus or wav)"), "{err}");
    }

    #[test]
    fn an_empty_file_is_an_empty_edition() {
        assert_eq!(
            parse("").unwrap(),
            EditionFile { path: "/news/evening/edition.toml".into(), ..EditionFile::default() }
        );
    }

    #[test]
    fn a_missing_file_is_an_error_naming_it() {
        let err = EditionFile::load(Path::new("/no/such/edition.toml")).unwrap_err();
        assert!(err.to_string().starts_with("/no/such/edition.toml: cannot read"), "{err}");
    }
}
