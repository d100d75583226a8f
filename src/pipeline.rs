//! Renders a prepared edition: voice ▸ audio ▸ publish.
//!
//! In: an [`EditionPlan`] (articles already turned into [`Script`]s by the text stage), a
//! [`Synthesizer`] (the voice stage, or a fake in tests) and [`RenderOptions`].
//! Out, in the output directory, in every format asked for (`.mp3`, `.opus`, `.wav`):
//! `bulletin.*` (intro sound, the headlines, outro sound), `NN-slug.*` per article, and
//! `full-edition.*` (intro, bulletin, then every article with a transition sound between them,
//! with chapters); `edition.json` written last. The returned [`Manifest`] is the one written.
//!
//! Each programme is mastered as a whole: one gain to the loudness target (never per sentence),
//! then a true-peak limiter under the ceiling of each kind of file (see [`crate::audio::master`]).
//! The full edition is built from the articles and the bulletin at their target level and then
//! mastered again as a whole, so it meets the target too. It is spooled to a scratch file in the
//! output folder as it is built and streamed back for mastering and encoding, so memory holds one
//! programme at a time, never the edition (issue #6).
//!
//! Must never happen:
//! - one bad article sinking the edition: a synthesis failure is recorded in `errors` and the
//!   other articles still render; only I/O on the output directory stops the run;
//! - a manifest naming audio that is not on disk: it is written after every audio file,
//!   atomically; every file is decoded back and measured before it is listed;
//! - silence standing in for an error (a voice that returns no audio for real text fails the
//!   article instead of leaving a gap);
//! - a timing derived from float seconds: spans are sample counts from the [`Assembler`].
//!
//! This is the only place the stages meet; it does not depend on `voice` or `text` internals,
//! only on the [`Synthesizer`] trait and [`crate::edition`] types.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error as StdError;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, SubsecRound, Utc};

mod speak;

use speak::{SpeakError, Speaker};

use crate::audio::chapters::{self, Chapter};
use crate::audio::decode;
use crate::audio::encode::{EncodeOptions, Format, Header, Tags};
use crate::audio::master::{self, MasterOptions};
use crate::audio::sounds::{SoundOptions, Sounds};
use crate::audio::{self, samples_to_seconds, Assembler, AudioError, Pauses, Span};
use crate::edition::{Article, BlockKind, Headline, Script, Sentence};
use crate::publish::{
    self, names, ArticleEntry, AudioFileEntry, BulletinEntry, ChapterEntry, ErrorEntry,
    FullEditionEntry, ItemEntry, LoudnessEntry, Manifest, MasteringEntry, PartEntry, PublishError,
    SentenceRef, VoiceEntry,
};

/// The spoken language, as the ISO 639-2 code that ID3 `TLAN` and the Opus `LANGUAGE` comment
/// carry. nashra's text stage reads Arabic, whatever voice speaks it.
pub const LANGUAGE: &str = "ara";

/// Anything that can speak one sentence.
///
/// `Sync` so that a later version can synthesize sentences on several threads.
pub trait Synthesizer: Sync {
    /// Sample rate of every clip [`synthesize`](Synthesizer::synthesize) returns, in Hz.
    fn sample_rate(&self) -> u32;

    /// Speaks `spoken` (one sentence, already verbalized and non-empty, as returned by
    /// [`prepare`](Synthesizer::prepare)) as mono `f32` samples.
    fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, Box<dyn StdError + Send + Sync>>;

    /// Turns the sentences of one block into what [`synthesize`](Synthesizer::synthesize) takes,
    /// with the whole block in view. The Arabic diacritizer needs this: the vowels of a word
    /// depend on the sentences around it, and the reference Piper diacritizes whole texts, not
    /// sentences. Must return one string per sentence, in order.
    fn prepare(&self, sentences: &[&str]) -> Result<Vec<String>, Box<dyn StdError + Send + Sync>> {
        Ok(sentences.iter().map(|s| (*s).to_owned()).collect())
    }

    /// Told once this render has no sentence left for this synthesizer, on a synthesis thread,
    /// while the main thread still levels and writes the last programme: what the synthesizer
    /// holds for speed (a voice's ONNX Runtime sessions, hundreds of MB) may go now rather
    /// than after the render, when freeing it would add to the wait. A later
    /// [`synthesize`](Synthesizer::synthesize) must still work. Default: nothing.
    fn finished(&self) {}
}

/// Who reads what. The headline voice reads the article titles and the bulletin (its intro and
/// items), so that headlines stand out; the body voice reads everything else (datelines, bylines,
/// paragraphs, notes). Both must speak at the same sample rate, since a programme is one file.
pub struct Voices<'a> {
    pub body: &'a dyn Synthesizer,
    /// The headline voice and its description for the manifest; `None`: the body voice reads
    /// the headlines too.
    pub headlines: Option<(&'a dyn Synthesizer, VoiceEntry)>,
}

impl<'a> Voices<'a> {
    /// One voice for everything.
    pub fn one(synth: &'a dyn Synthesizer) -> Self {
        Self { body: synth, headlines: None }
    }

    /// The voice that reads blocks of `kind`.
    fn for_kind(&self, kind: BlockKind) -> &'a dyn Synthesizer {
        match (kind, &self.headlines) {
            (BlockKind::Title | BlockKind::Intro | BlockKind::Item, Some((headlines, _))) => {
                *headlines
            }
            _ => self.body,
        }
    }
}

/// One article and what will be said for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedArticle {
    pub article: Article,
    pub script: Script,
}

/// An edition whose text is ready: everything left is voice, audio and publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditionPlan {
    pub title: String,
    pub date: Option<NaiveDate>,
    /// Who publishes the edition; written to the manifest.
    pub publisher: Option<String>,
    /// Language tag of the text (`ar`); written to the manifest.
    pub language: Option<String>,
    pub articles: Vec<PlannedArticle>,
    /// The headline bulletin: an `Intro` block, then one `Item` block per headline.
    pub bulletin: Script,
    /// The headlines behind the bulletin's `Item` blocks, in the same order.
    pub bulletin_items: Vec<Headline>,
    /// Inputs that failed before rendering (unreadable files); carried into the manifest so that
    /// edition.json tells the whole story of the run.
    pub errors: Vec<ErrorEntry>,
}

/// Knobs of [`render`].
#[derive(Debug, Clone, PartialEq)]
pub struct RenderOptions {
    /// Where the audio files and `edition.json` go; created if missing.
    pub out_dir: PathBuf,
    pub pauses: Pauses,
    /// Fade at both ends of every sentence clip, in milliseconds.
    pub fade_ms: f32,
    /// Loudness target, true-peak ceiling and channel layout.
    pub master: MasterOptions,
    /// Formats and codec settings.
    pub encode: EncodeOptions,
    /// Intro, transition and outro sounds.
    pub sounds: SoundOptions,
    /// Whether to write the full edition.
    pub full_edition: bool,
    /// The artist tag; `None` for the article's author, else the edition title.
    pub artist: Option<String>,
    /// Stop at the first article or bulletin that fails ([`RenderError::Stopped`]) instead of
    /// recording it and going on; `edition.json` is then not written (`--strict`).
    pub strict: bool,
    /// Sentences synthesized at once (`--jobs`); the output is the same for any value.
    pub jobs: usize,
}

impl RenderOptions {
    /// Defaults: pauses, 5 ms fades, mono at -19 LUFS under -1 dBTP, MP3, an intro and a
    /// transition chime, the full edition, writing into `out_dir`.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            pauses: Pauses::default(),
            fade_ms: audio::DEFAULT_FADE_MS,
            master: MasterOptions::default(),
            encode: EncodeOptions::default(),
            sounds: SoundOptions::default(),
            full_edition: true,
            artist: None,
            strict: false,
            jobs: 1,
        }
    }
}

/// What [`render`] is doing, for progress bars and logs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// The edition starts: this many articles and, over them and the bulletin, this many
    /// sentences to speak (for an ETA).
    EditionStarted { articles: usize, sentences: usize },
    /// Article `index` (1-based) of `total` starts.
    ArticleStarted { index: usize, total: usize, title: String },
    /// Sentence `done` of the `total` speakable sentences of the current programme (article or
    /// bulletin) is synthesized.
    SentenceDone { done: usize, total: usize },
    /// Article `index` is written.
    ArticleDone { index: usize, total: usize, duration_s: f64 },
    /// Article `index` could not be synthesized; it is listed in the manifest's `errors`.
    ArticleFailed { index: usize, total: usize, message: String },
    /// The bulletin starts, with this many items.
    BulletinStarted { items: usize },
    /// The bulletin is written.
    BulletinDone { duration_s: f64 },
    /// The full edition is written.
    FullEditionDone { duration_s: f64, chapters: usize },
}

/// Errors that stop a render. Synthesis failures do not: they end up in the manifest.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    #[error("invalid render options")]
    Options(#[source] AudioError),
    #[error("cannot create the output directory {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot load the {role} sound")]
    Sound {
        role: &'static str,
        #[source]
        source: AudioError,
    },
    #[error("cannot write audio")]
    Audio(#[source] AudioError),
    #[error("cannot write the manifest")]
    Manifest(#[source] PublishError),
    #[error(
        "the headline voice speaks at {headlines} Hz and the body voice at {body} Hz; \
         choose two voices with the same sample rate"
    )]
    VoiceRates { body: u32, headlines: u32 },
    /// `strict` is set and `input` (an article's input file, or `bulletin`) failed.
    #[error("{input}: {message}")]
    Stopped { input: String, message: String },
}

/// Renders every programme of `plan` into `opts.out_dir` and writes `edition.json` last.
///
/// `voice` describes the voice for the manifest; its `sample_rate` is taken from `synth`, which
/// is what the files really use. The bulletin is rendered first (it is short, and it opens the
/// full edition, which is then built as the articles come).
pub fn render(
    plan: &EditionPlan,
    synth: &dyn Synthesizer,
    voice: VoiceEntry,
    opts: &RenderOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest, RenderError> {
    render_voices(plan, &Voices::one(synth), voice, opts, progress)
}

/// [`render`] with a headline voice besides the body voice; `voice` describes the body voice.
pub fn render_voices(
    plan: &EditionPlan,
    voices: &Voices<'_>,
    voice: VoiceEntry,
    opts: &RenderOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Manifest, RenderError> {
    let synth = voices.body;
    let rate = synth.sample_rate();
    validate(opts, rate)?;
    if let Some((headlines, _)) = &voices.headlines {
        if headlines.sample_rate() != rate {
            return Err(RenderError::VoiceRates { body: rate, headlines: headlines.sample_rate() });
        }
    }
    let sounds = load_sounds(opts, rate)?;
    std::fs::create_dir_all(&opts.out_dir)
        .map_err(|source| RenderError::CreateDir { path: opts.out_dir.clone(), source })?;
    if voice.sample_rate != rate {
        tracing::warn!(
            declared = voice.sample_rate,
            actual = rate,
            "voice entry disagrees with the synthesizer's sample rate; using the synthesizer's"
        );
    }
    let voice = VoiceEntry { sample_rate: rate, ..voice };
    let (previous, previous_written) = previous_files(&opts.out_dir);
    let files =
        FileWriter { opts, rate, codec_gains: RefCell::default(), previous, previous_written };
    let mut full = match opts.full_edition {
        true => Some(FullEdition::new(opts, rate, &sounds)?),
        false => None,
    };

    let sentences = std::iter::once(&plan.bulletin)
        .chain(plan.articles.iter().map(|a| &a.script))
        .flat_map(|script| &script.blocks)
        .flat_map(|block| &block.sentences)
        .filter(|s| !s.spoken.trim().is_empty())
        .count();
    progress(Progress::EditionStarted { articles: plan.articles.len(), sentences });
    let mut errors = plan.errors.clone();
    // The bulletin first (it opens the full edition), then the articles in order.
    let scripts = std::iter::once(&plan.bulletin).chain(plan.articles.iter().map(|a| &a.script));
    let (bulletin, articles) = speak::with_speaker(scripts.collect(), voices, opts, |speaker| {
        let bulletin = render_bulletin(
            plan,
            voices,
            speaker,
            opts,
            &sounds,
            &files,
            full.as_mut(),
            progress,
            &mut errors,
        )?;

        let mut articles = Vec::new();
        let total = plan.articles.len();
        for (position, planned) in plan.articles.iter().enumerate() {
            let index = position + 1;
            let article = &planned.article;
            progress(Progress::ArticleStarted { index, total, title: article.title.clone() });
            let spoken = match speaker.next(progress) {
                Ok(spoken) => spoken,
                Err(failure) => {
                    let message = failure.to_string();
                    if opts.strict {
                        return Err(RenderError::Stopped {
                            input: article_label(article, index),
                            message,
                        });
                    }
                    tracing::warn!(index, source = %article.source.display(), %message, "article failed");
                    errors.push(ErrorEntry {
                        source: article_label(article, index),
                        message: message.clone(),
                    });
                    progress(Progress::ArticleFailed { index, total, message });
                    continue;
                }
            };
            let stem = names::article_file_stem(index, &article.title);
            let sentences = spoken.sentence_entries(rate);
            let spans: Vec<Span> = spoken.sentences.iter().map(|t| t.span).collect();
            let mut samples = spoken.samples;
            match spoken.loudness {
                Some(measured) => {
                    master::normalize_measured(&mut samples, measured, &opts.master);
                }
                None => {
                    master::normalize(&mut samples, rate, &opts.master)
                        .map_err(RenderError::Audio)?;
                }
            }
            if let Some(full) = full.as_mut() {
                let offset = full.add_part(&article.title, &samples)?;
                full.shifts.push((stem.clone(), offset as i64));
                full.sentences.extend(
                    spans
                        .iter()
                        .enumerate()
                        .map(|(i, span)| (stem.clone(), i, shift(*span, offset))),
                );
            }
            let len = samples.len() as u64;
            let chapter_list = chapters::tile(&[(article.title.clone(), 0)], len);
            let tags = Tags {
                title: article.title.clone(),
                artist: opts
                    .artist
                    .clone()
                    .or_else(|| article.author.clone())
                    .or_else(|| Some(plan.title.clone())),
                album: Some(plan.title.clone()),
                date: article.date.or(plan.date),
                track: Some((index as u32, total as u32)),
                language: Some(LANGUAGE.to_owned()),
            };
            let written = files.write_all(&stem, &InMemory(&samples), &chapter_list, &tags)?;
            let duration_s = samples_to_seconds(len, rate);
            articles.push(ArticleEntry {
                id: stem,
                index,
                title: article.title.clone(),
                date: article.date,
                dateline: article.dateline.clone(),
                author: article.author.clone(),
                source: article.source.to_string_lossy().into_owned(),
                url: article.url.clone(),
                audio: written[0].path.clone(),
                duration_s,
                sentences,
                files: written,
                chapters: chapter_entries(&chapter_list, rate),
            });
            progress(Progress::ArticleDone { index, total, duration_s });
        }

        Ok::<_, RenderError>((bulletin, articles))
    })?;

    let full_edition = match full {
        Some(full) if full.parts() > 0 => {
            let entry = full.finish(plan, &sounds, &files, opts)?;
            progress(Progress::FullEditionDone {
                duration_s: entry.duration_s,
                chapters: entry.chapters.len(),
            });
            Some(entry)
        }
        _ => None,
    };

    let manifest = Manifest {
        nashra_version: env!("CARGO_PKG_VERSION").to_string(),
        title: plan.title.clone(),
        date: plan.date,
        generated_at: Utc::now().trunc_subsecs(0),
        voice,
        headline_voice: voices
            .headlines
            .as_ref()
            .map(|(_, entry)| VoiceEntry { sample_rate: rate, ..entry.clone() }),
        publisher: plan.publisher.clone(),
        language: plan.language.clone(),
        pauses: opts.pauses,
        articles,
        bulletin,
        errors,
        mastering: Some(mastering_entry(opts)),
        full_edition,
    };
    publish::manifest::write(&opts.out_dir.join(publish::MANIFEST_FILE), &manifest)
        .map_err(RenderError::Manifest)?;
    Ok(manifest)
}

fn validate(opts: &RenderOptions, rate: u32) -> Result<(), RenderError> {
    opts.pauses.validate().map_err(RenderError::Options)?;
    if !opts.fade_ms.is_finite() || !(0.0..=audio::MAX_FADE_MS).contains(&opts.fade_ms) {
        return Err(RenderError::Options(AudioError::InvalidFade {
            value: opts.fade_ms,
            max: audio::MAX_FADE_MS,
        }));
    }
    if rate == 0 {
        return Err(RenderError::Options(AudioError::InvalidSampleRate { rate }));
    }
    if !(audio::MIN_SAMPLE_RATE..=audio::MAX_SAMPLE_RATE).contains(&rate) {
        return Err(RenderError::Options(AudioError::UnsupportedSampleRate {
            rate,
            min: audio::MIN_SAMPLE_RATE,
            max: audio::MAX_SAMPLE_RATE,
        }));
    }
    opts.master.validate().map_err(RenderError::Options)?;
    opts.encode.validate_for_rate(opts.master.layout, rate).map_err(RenderError::Options)?;
    opts.sounds.validate().map_err(RenderError::Options)
}

fn load_sounds(opts: &RenderOptions, rate: u32) -> Result<Sounds, RenderError> {
    let master = &opts.master;
    let level = master.target_lufs + opts.sounds.level_lu;
    let load = |source, role, name| {
        audio::sounds::load(source, role, rate, level, master.layout)
            .map_err(|source| RenderError::Sound { role: name, source })
    };
    use audio::sounds::Role;
    Ok(Sounds {
        intro: load(&opts.sounds.intro, Role::Intro, "intro")?,
        transition: load(&opts.sounds.transition, Role::Transition, "transition")?,
        outro: load(&opts.sounds.outro, Role::Outro, "outro")?,
    })
}

fn mastering_entry(opts: &RenderOptions) -> MasteringEntry {
    MasteringEntry {
        layout: opts.master.layout,
        target_lufs: opts.master.target_lufs,
        ceiling_dbtp: opts.master.ceiling_for(false),
        lossy_ceiling_dbtp: opts.master.ceiling_for(true),
        formats: opts.encode.unique_formats(),
        intro: opts.sounds.intro.to_string(),
        transition: opts.sounds.transition.to_string(),
        outro: opts.sounds.outro.to_string(),
    }
}

/// A span moved `offset` samples later.
fn shift(span: Span, offset: u64) -> Span {
    Span { start: span.start + offset, end: span.end + offset }
}

fn chapter_entries(list: &[Chapter], rate: u32) -> Vec<ChapterEntry> {
    list.iter()
        .map(|c| ChapterEntry {
            title: c.title.clone(),
            start_s: samples_to_seconds(c.start, rate),
            end_s: samples_to_seconds(c.end, rate),
        })
        .collect()
}

/// Writes a normalized programme in every format, each under its own ceiling, and describes
/// what was written by decoding it back.
struct FileWriter<'a> {
    opts: &'a RenderOptions,
    rate: u32,
    /// The loudness correction, in dB, that the last lossy file of each format needed.
    codec_gains: RefCell<HashMap<Format, f64>>,
    /// The files the last run's edition.json in the output folder lists, by file name.
    previous: HashMap<String, AudioFileEntry>,
    /// When that edition.json was written: a file changed after it was written by a run that
    /// did not finish, and is not what the manifest describes.
    previous_written: Option<std::time::SystemTime>,
}

/// Every audio file that the manifest already in `out_dir` lists, by path, and when the
/// manifest was written; nothing when there is none or it cannot be read (then everything is
/// encoded).
fn previous_files(
    out_dir: &std::path::Path,
) -> (HashMap<String, AudioFileEntry>, Option<std::time::SystemTime>) {
    let path = out_dir.join(publish::MANIFEST_FILE);
    let written = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
    let (Ok(manifest), Some(written)) = (publish::manifest::read(&path), written) else {
        return (HashMap::new(), None);
    };
    let mut files: Vec<AudioFileEntry> = Vec::new();
    files.extend(manifest.articles.into_iter().flat_map(|a| a.files));
    files.extend(manifest.bulletin.into_iter().flat_map(|b| b.files));
    files.extend(manifest.full_edition.into_iter().flat_map(|f| f.files));
    (files.into_iter().map(|f| (f.path.clone(), f)).collect(), Some(written))
}

/// Encodings of one lossy file at most (the first, and four corrections). Why four: each peak
/// correction lowers the limiter's ceiling by what the codec added, but the codec's overshoot
/// can sit where the input was already under the new ceiling; on the espeak bulletin of the
/// end-to-end test, Opus needed three corrections to bring the decoded peak under -1 dBTP.
const LOSSY_ATTEMPTS: usize = 5;

/// Samples per chunk when a programme is streamed through the limiter and the encoders (and read
/// back from disk): 256 KB of `f32`, large enough that the per-chunk costs vanish.
const STREAM_CHUNK: usize = 65_536;

/// A programme's samples at their target loudness, not yet limited, handed over a chunk at a
/// time: an article in memory, or the full edition read back from disk. Every file of a
/// programme, and every new attempt at a lossy file, is made by one pass over its source, so
/// limiting always starts from the unlimited samples.
trait Source {
    /// Samples in all.
    fn len(&self) -> usize;

    /// Hands every sample, times `gain` (linear), to `each` in order, a chunk at a time.
    fn stream(
        &self,
        gain: f32,
        each: &mut dyn FnMut(&[f32]) -> Result<(), RenderError>,
    ) -> Result<(), RenderError>;

    /// Feeds what identifies the samples to the hash of [`FileWriter::source_digest`].
    fn digest(&self, hasher: &mut sha2::Sha256);
}

/// A programme held in memory, already normalized.
struct InMemory<'a>(&'a [f32]);

impl Source for InMemory<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn stream(
        &self,
        gain: f32,
        each: &mut dyn FnMut(&[f32]) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        let mut scratch = Vec::with_capacity(STREAM_CHUNK.min(self.0.len()));
        for chunk in self.0.chunks(STREAM_CHUNK) {
            scratch.clear();
            scratch.extend(chunk.iter().map(|&s| s * gain));
            each(&scratch)?;
        }
        Ok(())
    }

    fn digest(&self, hasher: &mut sha2::Sha256) {
        use sha2::Digest;
        // The samples' little-endian bytes, a block at a time through one buffer.
        let mut bytes = [0u8; 4 * 1024];
        for chunk in self.0.chunks(1024) {
            for (to, sample) in bytes.chunks_exact_mut(4).zip(chunk) {
                to.copy_from_slice(&sample.to_le_bytes());
            }
            hasher.update(&bytes[..4 * chunk.len()]);
        }
    }
}

impl FileWriter<'_> {
    /// Writes `stem.<ext>` for every format; the entries come back in the formats' order.
    ///
    /// Lossless files are limited under the configured ceiling, lossy ones under the lower lossy
    /// ceiling.
    fn write_all(
        &self,
        stem: &str,
        source: &dyn Source,
        chapter_list: &[Chapter],
        tags: &Tags,
    ) -> Result<Vec<AudioFileEntry>, RenderError> {
        let digest = self.source_digest(stem, source, chapter_list, tags);
        if let Some(reused) = self.reuse(stem, &digest) {
            tracing::debug!(stem, "unchanged since the last run: files reused");
            return Ok(reused);
        }
        let mut written = self.encode_all(stem, source, chapter_list, tags)?;
        for entry in &mut written {
            entry.source_sha256 = Some(digest.clone());
        }
        Ok(written)
    }

    /// What decides the files of a programme, hashed: see [`AudioFileEntry::source_sha256`].
    /// The lossy gains carried from the previous programme are in it, since they change the
    /// encoder's input.
    fn source_digest(
        &self,
        stem: &str,
        source: &dyn Source,
        chapter_list: &[Chapter],
        tags: &Tags,
    ) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        let mut gains: Vec<(Format, f64)> =
            self.codec_gains.borrow().iter().map(|(f, g)| (*f, *g)).collect();
        gains.sort_by_key(|(f, _)| f.extension());
        let settings = format!(
            "nashra {}\n{stem}\n{}\n{:?}\n{:?}\n{chapter_list:?}\n{tags:?}\n{gains:?}\n",
            env!("CARGO_PKG_VERSION"),
            self.rate,
            self.opts.encode,
            self.opts.master,
        );
        hasher.update(settings.as_bytes());
        source.digest(&mut hasher);
        hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The entries of the last run for this programme, if every file was made from `source`
    /// and is still on disk at the size it had; the lossy gains are restored as that run left
    /// them.
    fn reuse(&self, stem: &str, source: &str) -> Option<Vec<AudioFileEntry>> {
        let manifest_written = self.previous_written?;
        let mut reused = Vec::new();
        for format in self.opts.encode.unique_formats() {
            let name = format!("{stem}.{}", format.extension());
            let entry = self.previous.get(&name)?;
            let meta = std::fs::metadata(self.opts.out_dir.join(&name)).ok()?;
            if entry.format != format
                || entry.source_sha256.as_deref() != Some(source)
                || entry.bytes != meta.len()
                || meta.modified().ok()? > manifest_written
                || (format.is_lossy() && entry.codec_gain_db.is_none())
            {
                return None;
            }
            reused.push(entry.clone());
        }
        for entry in &reused {
            if let Some(gain) = entry.codec_gain_db {
                self.codec_gains.borrow_mut().insert(entry.format, gain);
            }
        }
        Some(reused)
    }

    fn encode_all(
        &self,
        stem: &str,
        source: &dyn Source,
        chapter_list: &[Chapter],
        tags: &Tags,
    ) -> Result<Vec<AudioFileEntry>, RenderError> {
        let formats = self.opts.encode.unique_formats();
        let (lossless, lossy): (Vec<Format>, Vec<Format>) =
            formats.iter().partition(|f| !f.is_lossy());
        let mut written = Vec::with_capacity(formats.len());
        if !lossless.is_empty() {
            // Every lossless file in one pass: they take the same samples.
            let names: Vec<String> =
                lossless.iter().map(|f| format!("{stem}.{}", f.extension())).collect();
            let ceiling = self.opts.master.ceiling_for(false);
            let report =
                self.encode(source, 0.0, ceiling, &lossless, &names, chapter_list, tags)?;
            tracing::debug!(stem, lossy = false, ?report, "limited");
            for (&format, name) in lossless.iter().zip(&names) {
                let seen = self.inspect(name, source.len())?;
                written.push((format, self.entry(format, name, &seen)?));
            }
        }
        for &format in &lossy {
            let name = format!("{stem}.{}", format.extension());
            let seen = self.write_lossy(format, source, &name, chapter_list, tags)?;
            written.push((format, self.entry(format, &name, &seen)?));
        }
        written.sort_by_key(|(format, _)| formats.iter().position(|f| f == format));
        Ok(written.into_iter().map(|(_, entry)| entry).collect())
    }

    /// The manifest entry of the file `name`, as decoded.
    fn entry(
        &self,
        format: Format,
        name: &str,
        seen: &decode::Inspection,
    ) -> Result<AudioFileEntry, RenderError> {
        let path = self.opts.out_dir.join(name);
        let bytes = std::fs::metadata(&path)
            .map_err(|source| RenderError::Audio(AudioError::Io { path, source }))?
            .len();
        Ok(AudioFileEntry {
            format,
            path: name.to_owned(),
            bytes,
            sample_rate: seen.rate,
            channels: seen.channels,
            duration_s: samples_to_seconds(seen.frames, seen.rate),
            loudness: LoudnessEntry::new(
                seen.loudness.integrated_lufs,
                seen.loudness.true_peak_dbtp,
            ),
            source_sha256: None,
            codec_gain_db: format
                .is_lossy()
                .then(|| self.codec_gains.borrow().get(&format).copied())
                .flatten(),
        })
    }

    /// Writes a lossy file that, *as decoded*, is at the target loudness and under the ceiling.
    ///
    /// Two things move between the encoder's input and a decoder's output. A lossy codec drops
    /// the highest frequencies, which K-weighting counts, so the decoded file reads a few tenths
    /// of a LU low (0.44 LU for MP3 at 64 kbit/s, 0.31 for Opus at 32, on espeak-ng's bright
    /// voice). And it reshapes waveforms, so peaks can grow: the 0.5 dB of extra headroom before
    /// lossy encoding is the usual allowance, but Opus at 32 kbit/s was measured raising the
    /// chime's peaks by 0.9 dB. So each file is decoded and measured; if its loudness is more
    /// than [`CODEC_TOLERANCE_LU`] off, or its true peak is over the ceiling, it is encoded again
    /// with a corrected gain and a lower limiter ceiling (at most [`LOSSY_ATTEMPTS`] times), each
    /// time from the unlimited source. The gain one programme needed is applied up front to the
    /// next, since it is mostly a property of the voice and the codec; the peak correction depends
    /// on the content and is found anew for each file.
    fn write_lossy(
        &self,
        format: Format,
        source: &dyn Source,
        name: &str,
        chapter_list: &[Chapter],
        tags: &Tags,
    ) -> Result<decode::Inspection, RenderError> {
        let master = &self.opts.master;
        // The peak the decoded file must stay under, with the limiter's own margin for meters.
        let allowed_peak = master.ceiling_dbtp - audio::limiter::METER_MARGIN_DB;
        let mut gain_db = self.codec_gains.borrow().get(&format).copied().unwrap_or(0.0);
        let mut ceiling = master.ceiling_for(true);
        let names = [name.to_owned()];
        let mut attempt = 0;
        loop {
            attempt += 1;
            let report =
                self.encode(source, gain_db, ceiling, &[format], &names, chapter_list, tags)?;
            let seen = self.inspect(name, source.len())?;
            let deviation = master.target_lufs - seen.loudness.integrated_lufs;
            let over = seen.loudness.true_peak_dbtp - allowed_peak;
            let level_ok = !deviation.is_finite() || deviation.abs() <= CODEC_TOLERANCE_LU;
            let peak_ok = over <= 0.0 || !over.is_finite();
            tracing::debug!(
                file = name,
                attempt,
                gain_db,
                ceiling,
                deviation,
                over,
                ?report,
                "levelled"
            );
            if (level_ok && peak_ok) || attempt == LOSSY_ATTEMPTS {
                if !peak_ok {
                    tracing::warn!(
                        file = name,
                        peak_dbtp = seen.loudness.true_peak_dbtp,
                        "the decoded file stays over the true-peak ceiling"
                    );
                }
                // Kept to the thousandth of a dB, which edition.json carries exactly: a re-run
                // that reuses this file resumes from the very gain this run goes on with.
                let carried = (gain_db * 1000.0).round() / 1000.0;
                self.codec_gains.borrow_mut().insert(format, carried);
                return Ok(seen);
            }
            if !level_ok {
                gain_db += deviation;
            }
            if !peak_ok {
                // The codec added `over` dB to the input's peak: limit the input that much (and a
                // tenth more) under its own peak, which may already sit under the ceiling.
                ceiling = ceiling.min(report.peak_after_dbtp) - over - 0.1;
            }
        }
    }

    /// Streams `source`, `gain_db` louder, through a limiter under `ceiling` into one file per
    /// format (`names`, in the output directory), and reports what the limiter did.
    #[allow(clippy::too_many_arguments)]
    fn encode(
        &self,
        source: &dyn Source,
        gain_db: f64,
        ceiling: f64,
        formats: &[Format],
        names: &[String],
        chapter_list: &[Chapter],
        tags: &Tags,
    ) -> Result<audio::limiter::LimiterReport, RenderError> {
        let master = &self.opts.master;
        let started = std::time::Instant::now();
        let header = Header {
            len: source.len(),
            rate: self.rate,
            layout: master.layout,
            chapters: chapter_list,
            tags,
        };
        let mut sinks = Vec::with_capacity(formats.len());
        for (&format, name) in formats.iter().zip(names) {
            let path = self.opts.out_dir.join(name);
            let encoder = self.opts.encode.encoder(format, master.layout);
            sinks.push(encoder.begin(&header, &path).map_err(RenderError::Audio)?);
        }
        let options = audio::limiter::LimiterOptions::with_ceiling(ceiling);
        let limiter = audio::limiter::Limiter::new(self.rate, &options);
        let (mut first, rest) = limiter.into_halves();
        let gain = audio::loudness::db_to_gain(gain_db) as f32;
        // The limiter's first pass runs on this thread; its second pass, its meter and the
        // encoders on another, a few chunks behind. Why: at the end of a render nothing else is
        // left to run, and the last article's three limiter passes (0.2 s for 150 s of speech)
        // and MP3s (0.9 s for it, 1.4 s for the bench's full edition, which grows with the
        // edition) took one core. The files are the same: the same samples reach the same
        // encoders in order.
        let report = std::thread::scope(|scope| {
            let (pieces, received) = std::sync::mpsc::sync_channel(PIPELINE_CHUNKS);
            let first_file = self.opts.out_dir.join(names.first().map_or("", String::as_str));
            let writer = scope.spawn(move || write_pieces(rest, sinks, &received, &first_file));
            // Once the writer has stopped (on an error its join gives), nothing more is limited.
            let mut writing = true;
            let fed = source.stream(gain, &mut |chunk| {
                if writing {
                    let mut limited = Vec::with_capacity(chunk.len() + 1024);
                    first.process(chunk, &mut limited);
                    writing = pieces.send(Piece::Samples(limited)).is_ok();
                }
                Ok(())
            });
            if fed.is_ok() {
                let mut last = Vec::new();
                let seen = first.finish(&mut last);
                // A writer that has stopped reports why when joined.
                let _ =
                    pieces.send(Piece::Samples(last)).and_then(|()| pieces.send(Piece::End(seen)));
            }
            drop(pieces);
            let written = writer.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
            fed.and(written)
        })?;
        tracing::debug!(?names, elapsed_ms = started.elapsed().as_millis(), "encoded");
        Ok(report)
    }

    /// Decodes and measures the file `name` in the output directory, of a programme of `len`
    /// samples.
    fn inspect(&self, name: &str, len: usize) -> Result<decode::Inspection, RenderError> {
        let path = self.opts.out_dir.join(name);
        let started = std::time::Instant::now();
        let seen = decode::inspect(&path).map_err(RenderError::Audio)?;
        tracing::debug!(file = name, inspected_ms = started.elapsed().as_millis(), "inspected");
        let expected = audio::resample::resampled_len(len, self.rate, seen.rate) as u64;
        if seen.frames != expected {
            tracing::warn!(
                file = %path.display(),
                decoded = seen.frames,
                expected,
                "decoded length differs from the programme"
            );
        }
        Ok(seen)
    }
}

/// Chunks of [`STREAM_CHUNK`] samples the limiter may run ahead of the encoders (256 KB each).
const PIPELINE_CHUNKS: usize = 4;

/// What [`FileWriter::encode`]'s first limiter pass hands the rest of the limiter and the
/// encoders.
enum Piece {
    Samples(Vec<f32>),
    /// Every sample has been sent: the limiter can finish and the files be completed.
    End(audio::limiter::FirstPassReport),
}

/// Runs the pieces `received` through the rest of the limiter into every sink; at
/// [`Piece::End`], completes the files and gives the limiter's report. Without it (the sender
/// stopped early), the sinks are dropped, which leaves no file behind, and the error names
/// `path` (the first file).
fn write_pieces(
    mut rest: audio::limiter::RestOfLimiter,
    mut sinks: Vec<Box<dyn audio::encode::Sink>>,
    received: &std::sync::mpsc::Receiver<Piece>,
    path: &Path,
) -> Result<audio::limiter::LimiterReport, RenderError> {
    let write = |sinks: &mut Vec<Box<dyn audio::encode::Sink>>, samples: &[f32]| {
        sinks.iter_mut().try_for_each(|sink| sink.write(samples)).map_err(RenderError::Audio)
    };
    let mut limited = Vec::with_capacity(STREAM_CHUNK + 1024);
    for piece in received {
        limited.clear();
        match piece {
            Piece::Samples(samples) => {
                rest.process(&samples, &mut limited);
                write(&mut sinks, &limited)?;
            }
            Piece::End(first) => {
                let report = rest.finish(first, &mut limited);
                write(&mut sinks, &limited)?;
                for sink in sinks {
                    sink.finish().map_err(RenderError::Audio)?;
                }
                return Ok(report);
            }
        }
    }
    let source = std::io::Error::other("the programme ended before all its samples were limited");
    Err(RenderError::Audio(AudioError::Io { path: path.to_path_buf(), source }))
}

/// How far a lossy file's measured loudness may sit from the target before it is encoded again
/// with a correcting gain, in LU.
const CODEC_TOLERANCE_LU: f64 = 0.2;

/// The full edition's samples, spooled to a hidden temporary file in the output folder as they
/// are assembled, so that memory does not grow with the edition (two hours of 22 kHz `f32` are
/// 640 MB; issue #6). Each programme arrives at its own target level; the whole is measured and
/// hashed on the way, and read back a chunk at a time for each file, times the gain that brings
/// it to the target. The file is named like an [`AtomicFile`](crate::fsutil::AtomicFile)'s
/// temporary file, so a run killed before it is removed leaves one that the next run clears; it
/// is deleted when the spool is dropped, on success or error.
struct Spool {
    writer: std::io::BufWriter<tempfile::NamedTempFile>,
    rate: u32,
    len: u64,
    meter: audio::loudness::Integrated,
    hasher: sha2::Sha256,
    /// Gain to the target, in dB, once the spool is finished.
    gain_db: f64,
}

impl Spool {
    fn new(
        out_dir: &std::path::Path,
        rate: u32,
        layout: audio::Layout,
    ) -> Result<Self, RenderError> {
        use sha2::Digest;
        let file =
            crate::fsutil::scratch_file(out_dir, "full-edition.samples").map_err(|source| {
                RenderError::Audio(AudioError::Io { path: out_dir.to_path_buf(), source })
            })?;
        Ok(Self {
            writer: std::io::BufWriter::with_capacity(1 << 16, file),
            rate,
            len: 0,
            meter: audio::loudness::Integrated::new(rate, layout).map_err(RenderError::Audio)?,
            hasher: sha2::Sha256::new(),
            gain_db: 0.0,
        })
    }

    fn io_error(&self, source: std::io::Error) -> RenderError {
        RenderError::Audio(AudioError::Io {
            path: self.writer.get_ref().path().to_path_buf(),
            source,
        })
    }

    /// Appends samples; returns where they landed.
    fn push(&mut self, samples: &[f32]) -> Result<Span, RenderError> {
        use sha2::Digest;
        use std::io::Write;
        let start = self.len;
        self.meter.add(samples).map_err(RenderError::Audio)?;
        let mut bytes = Vec::with_capacity(4 * STREAM_CHUNK.min(samples.len()));
        for chunk in samples.chunks(STREAM_CHUNK) {
            bytes.clear();
            bytes.extend(chunk.iter().flat_map(|s| s.to_le_bytes()));
            self.hasher.update(&bytes);
            self.writer.write_all(&bytes).map_err(|e| self.io_error(e))?;
        }
        self.len += samples.len() as u64;
        Ok(Span { start, end: self.len })
    }

    /// Appends `seconds` of silence (counted as [`Assembler::push_silence`] does).
    fn push_silence(&mut self, seconds: f32) -> Result<u64, RenderError> {
        let count = audio::assemble::silence_len(seconds, self.rate);
        let zeros = vec![0.0f32; count.min(STREAM_CHUNK)];
        let mut left = count;
        while left > 0 {
            let n = left.min(zeros.len());
            self.push(&zeros[..n])?;
            left -= n;
        }
        Ok(count as u64)
    }

    /// Ends writing and finds the gain to the target ([`master::gain_to_target`]).
    fn finish(&mut self, options: &MasterOptions) -> Result<(), RenderError> {
        use std::io::Write;
        self.writer.flush().map_err(|e| self.io_error(e))?;
        let measured = self.meter.lufs().map_err(RenderError::Audio)?;
        self.gain_db = master::gain_to_target(measured, options);
        Ok(())
    }
}

impl Source for Spool {
    fn len(&self) -> usize {
        self.len as usize
    }

    fn stream(
        &self,
        gain: f32,
        each: &mut dyn FnMut(&[f32]) -> Result<(), RenderError>,
    ) -> Result<(), RenderError> {
        use std::io::Read;
        let mut file = self.writer.get_ref().reopen().map_err(|e| self.io_error(e))?;
        let gain = gain * audio::loudness::db_to_gain(self.gain_db) as f32;
        let mut bytes = vec![0u8; 4 * STREAM_CHUNK];
        let mut samples = Vec::with_capacity(STREAM_CHUNK);
        let mut left = self.len;
        while left > 0 {
            let n = left.min(STREAM_CHUNK as u64) as usize;
            file.read_exact(&mut bytes[..4 * n]).map_err(|e| self.io_error(e))?;
            samples.clear();
            samples.extend(
                bytes[..4 * n]
                    .chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) * gain),
            );
            each(&samples)?;
            left -= n as u64;
        }
        Ok(())
    }

    fn digest(&self, hasher: &mut sha2::Sha256) {
        use sha2::Digest;
        let samples = self.hasher.clone().finalize();
        hasher.update(samples);
        hasher.update(format!("gain {:?}\n", self.gain_db).as_bytes());
    }
}

/// The full edition as it is built: the intro, then each programme (bulletin, articles) at its
/// target level, separated by the transition sound, with chapter marks and timed sentences.
struct FullEdition<'s> {
    spool: Spool,
    transition: Option<&'s [f32]>,
    pause: f32,
    /// Title and start sample of each part's chapter.
    marks: Vec<(String, u64)>,
    /// Bulletin items, timed in this file.
    items: Vec<(String, Option<NaiveDate>, Span)>,
    /// Article sentences: article id, index in the article, span in this file.
    sentences: Vec<(String, usize, Span)>,
    /// Each programme's id and where its own sample 0 falls in this file (the bulletin's may be
    /// before 0: its file opens with the intro sound, which here precedes it differently).
    shifts: Vec<(String, i64)>,
}

impl<'s> FullEdition<'s> {
    fn new(opts: &RenderOptions, rate: u32, sounds: &'s Sounds) -> Result<Self, RenderError> {
        let mut spool = Spool::new(&opts.out_dir, rate, opts.master.layout)?;
        if let Some(intro) = &sounds.intro {
            spool.push(intro)?;
        }
        Ok(Self {
            spool,
            transition: sounds.transition.as_deref(),
            pause: opts.pauses.article,
            marks: Vec::new(),
            items: Vec::new(),
            sentences: Vec::new(),
            shifts: Vec::new(),
        })
    }

    fn parts(&self) -> usize {
        self.marks.len()
    }

    /// Appends a programme; returns the sample where its first sample landed.
    fn add_part(&mut self, title: &str, samples: &[f32]) -> Result<u64, RenderError> {
        let mark = if self.marks.is_empty() {
            if self.spool.len > 0 {
                self.spool.push_silence(self.pause)?;
            }
            0
        } else {
            self.spool.push_silence(self.pause)?;
            let mark = self.spool.len;
            if let Some(transition) = self.transition {
                self.spool.push(transition)?;
                self.spool.push_silence(self.pause)?;
            }
            mark
        };
        self.marks.push((title.to_owned(), mark));
        Ok(self.spool.push(samples)?.start)
    }

    /// Adds the outro, masters the whole and writes it in every format.
    fn finish(
        mut self,
        plan: &EditionPlan,
        sounds: &Sounds,
        files: &FileWriter<'_>,
        opts: &RenderOptions,
    ) -> Result<FullEditionEntry, RenderError> {
        if let Some(outro) = &sounds.outro {
            self.spool.push_silence(self.pause)?;
            self.spool.push(outro)?;
        }
        let rate = self.spool.rate;
        self.spool.finish(&opts.master)?;
        let len = self.spool.len;
        let chapter_list = chapters::tile(&self.marks, len);
        let tags = Tags {
            title: plan.title.clone(),
            artist: opts.artist.clone().or_else(|| Some(plan.title.clone())),
            album: Some(plan.title.clone()),
            date: plan.date,
            track: None,
            language: Some(LANGUAGE.to_owned()),
        };
        let written =
            files.write_all(publish::FULL_EDITION_STEM, &self.spool, &chapter_list, &tags)?;
        let seconds = |span: &Span| {
            (samples_to_seconds(span.start, rate), samples_to_seconds(span.end, rate))
        };
        Ok(FullEditionEntry {
            audio: written[0].path.clone(),
            duration_s: samples_to_seconds(len, rate),
            files: written,
            chapters: chapter_entries(&chapter_list, rate),
            items: self
                .items
                .iter()
                .map(|(title, date, span)| {
                    let (start_s, end_s) = seconds(span);
                    ItemEntry { title: title.clone(), date: *date, start_s, end_s }
                })
                .collect(),
            sentences: self
                .sentences
                .iter()
                .map(|(article, index, span)| {
                    let (start_s, end_s) = seconds(span);
                    SentenceRef { article: article.clone(), index: *index, start_s, end_s }
                })
                .collect(),
            parts: self
                .shifts
                .iter()
                .map(|(id, at)| PartEntry {
                    id: id.clone(),
                    start_s: at.signum() as f64 * samples_to_seconds(at.unsigned_abs(), rate),
                })
                .collect(),
        })
    }
}

/// Speaks the bulletin into `bulletin.*`, framed by the intro and outro sounds, and adds its
/// speech to the full edition. `None` when it has nothing to say, or when synthesis failed
/// (recorded in `errors`).
#[allow(clippy::too_many_arguments)]
fn render_bulletin(
    plan: &EditionPlan,
    voices: &Voices<'_>,
    speaker: &mut Speaker<'_, '_, '_>,
    opts: &RenderOptions,
    sounds: &Sounds,
    files: &FileWriter<'_>,
    mut full: Option<&mut FullEdition<'_>>,
    progress: &mut dyn FnMut(Progress),
    errors: &mut Vec<ErrorEntry>,
) -> Result<Option<BulletinEntry>, RenderError> {
    let item_blocks = plan.bulletin.blocks.iter().filter(|b| b.kind == BlockKind::Item).count();
    if item_blocks != plan.bulletin_items.len() {
        tracing::warn!(
            item_blocks,
            headlines = plan.bulletin_items.len(),
            "bulletin items and headlines differ in number; unmatched items take their printed text"
        );
    }
    progress(Progress::BulletinStarted { items: item_blocks });
    let mut spoken = match speaker.next(progress) {
        Ok(spoken) => spoken,
        Err(SpeakError::NothingToSay) => return Ok(None),
        Err(failure) => {
            let message = failure.to_string();
            if opts.strict {
                return Err(RenderError::Stopped {
                    input: publish::BULLETIN_STEM.to_string(),
                    message,
                });
            }
            tracing::warn!(%message, "bulletin failed");
            errors.push(ErrorEntry { source: publish::BULLETIN_STEM.to_string(), message });
            return Ok(None);
        }
    };
    let rate = voices.body.sample_rate();

    // The headlines, with their spans in the speech.
    let mut timed_items = Vec::new();
    let mut ordinal = 0;
    for (block_index, block) in plan.bulletin.blocks.iter().enumerate() {
        if block.kind != BlockKind::Item {
            continue;
        }
        let headline = plan.bulletin_items.get(ordinal);
        ordinal += 1;
        let Some(span) = spoken.block_span(block_index) else {
            continue;
        };
        let title = match headline {
            Some(headline) => headline.title.clone(),
            None => printed_text(&block.sentences),
        };
        timed_items.push((title, headline.and_then(|h| h.date), span));
    }
    // What the bulletin is called: its spoken introduction as printed, else the edition title.
    let intro_title = plan
        .bulletin
        .blocks
        .iter()
        .find(|b| b.kind == BlockKind::Intro)
        .map(|b| printed_text(&b.sentences))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| plan.title.clone());

    let mut speech = std::mem::take(&mut spoken.samples);
    master::normalize(&mut speech, rate, &opts.master).map_err(RenderError::Audio)?;
    let mut full_offset = None;
    if let Some(full) = full.as_deref_mut() {
        let offset = full.add_part(&intro_title, &speech)?;
        full_offset = Some(offset);
        full.items.extend(
            timed_items
                .iter()
                .map(|(title, date, span)| (title.clone(), *date, shift(*span, offset))),
        );
    }

    // The bulletin file: intro sound, the speech, outro sound, levelled as a whole.
    let mut framed = Assembler::new(rate, 0.0);
    if let Some(intro) = &sounds.intro {
        framed.push_raw(intro);
        framed.push_silence(opts.pauses.item);
    }
    let offset = framed.push_raw(&speech).start;
    drop(speech);
    if let (Some(at), Some(full)) = (full_offset, full) {
        full.shifts
            .push((publish::programme::BULLETIN_PART_ID.to_owned(), at as i64 - offset as i64));
    }
    let sentences = spoken.sentence_entries_at(rate, offset);
    if let Some(outro) = &sounds.outro {
        framed.push_silence(opts.pauses.item);
        framed.push_raw(outro);
    }
    let mut samples = framed.finish();
    master::normalize(&mut samples, rate, &opts.master).map_err(RenderError::Audio)?;
    let len = samples.len() as u64;

    let mut marks = vec![(intro_title.clone(), 0)];
    marks.extend(timed_items.iter().map(|(title, _, span)| (title.clone(), span.start + offset)));
    let chapter_list = chapters::tile(&marks, len);
    let tags = Tags {
        title: intro_title,
        artist: opts.artist.clone().or_else(|| Some(plan.title.clone())),
        album: Some(plan.title.clone()),
        date: plan.date,
        track: None,
        language: Some(LANGUAGE.to_owned()),
    };
    let written =
        files.write_all(publish::BULLETIN_STEM, &InMemory(&samples), &chapter_list, &tags)?;
    let items = timed_items
        .into_iter()
        .map(|(title, date, span)| {
            let span = shift(span, offset);
            ItemEntry {
                title,
                date,
                start_s: samples_to_seconds(span.start, rate),
                end_s: samples_to_seconds(span.end, rate),
            }
        })
        .collect();
    let duration_s = samples_to_seconds(len, rate);
    progress(Progress::BulletinDone { duration_s });
    Ok(Some(BulletinEntry {
        audio: written[0].path.clone(),
        duration_s,
        items,
        sentences,
        files: written,
        chapters: chapter_entries(&chapter_list, rate),
    }))
}

fn article_label(article: &Article, index: usize) -> String {
    if article.source.as_os_str().is_empty() {
        format!("article {index}")
    } else {
        article.source.to_string_lossy().into_owned()
    }
}

fn printed_text(sentences: &[Sentence]) -> String {
    let parts: Vec<&str> =
        sentences.iter().map(|s| s.text.trim()).filter(|t| !t.is_empty()).collect();
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::sounds::SoundSource;
    use crate::edition::Block;
    use std::sync::Mutex;

    /// A programme's digest is the SHA-256 of its samples' little-endian bytes, however they
    /// are fed (2,500 samples: two whole blocks and a part).
    #[test]
    fn a_programmes_digest_hashes_its_samples_bytes() {
        use sha2::Digest;
        let samples: Vec<f32> = (0..2500).map(|i| (i as f32 * 0.37).sin()).collect();
        let mut fed = sha2::Sha256::new();
        InMemory(&samples).digest(&mut fed);
        let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        assert_eq!(fed.finalize(), sha2::Sha256::digest(&bytes));
    }

    /// Speaks a sine tone of `per_char` samples per character; fails on any text containing
    /// `FAIL`; remembers what it was asked to say.
    struct ToneSynth {
        rate: u32,
        per_char: usize,
        calls: Mutex<Vec<String>>,
    }

    impl ToneSynth {
        fn new(rate: u32, per_char: usize) -> Self {
            Self { rate, per_char, calls: Mutex::new(Vec::new()) }
        }

        fn len_of(&self, text: &str) -> u64 {
            (text.chars().count() * self.per_char) as u64
        }
    }

    impl Synthesizer for ToneSynth {
        fn sample_rate(&self) -> u32 {
            self.rate
        }

        fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, Box<dyn StdError + Send + Sync>> {
            self.calls.lock().unwrap().push(spoken.to_string());
            if spoken.contains("FAIL") {
                let cause = std::io::Error::other("model exploded");
                return Err(Box::new(AudioError::Io { path: "model.onnx".into(), source: cause }));
            }
            let n = spoken.chars().count() * self.per_char;
            let rate = self.rate as f32;
            Ok((0..n)
                .map(|i| 0.5 * (2.0 * std::f32::consts::PI * 220.0 * i as f32 / rate).sin())
                .collect())
        }
    }

    fn sentence(text: &str) -> Sentence {
        Sentence { text: text.to_string(), spoken: text.to_string() }
    }

    fn block(kind: BlockKind, texts: &[&str]) -> Block {
        Block { kind, sentences: texts.iter().map(|t| sentence(t)).collect() }
    }

    /// An edition of one article with the given blocks and no bulletin.
    fn one_article_plan(source: &str, title: &str, blocks: Vec<Block>) -> EditionPlan {
        EditionPlan {
            title: "t".into(),
            date: None,
            publisher: None,
            language: None,
            articles: vec![planned(source, title, blocks)],
            bulletin: Script::default(),
            bulletin_items: vec![],
            errors: Vec::new(),
        }
    }

    fn planned(source: &str, title: &str, blocks: Vec<Block>) -> PlannedArticle {
        PlannedArticle {
            article: Article {
                source: source.into(),
                title: title.to_string(),
                dateline: Some("6-تشرين الثاني-2023".into()),
                date: NaiveDate::from_ymd_opt(2023, 11, 6),
                author: Some("كاتب".into()),
                ..Article::default()
            },
            script: Script { blocks },
        }
    }

    fn voice() -> VoiceEntry {
        VoiceEntry {
            name: "fake-tone".into(),
            engine: "test".into(),
            sample_rate: 0,
            fallback: false,
            note: Some("sine tones".into()),
        }
    }

    fn two_article_plan() -> EditionPlan {
        EditionPlan {
            title: "نشرة".into(),
            date: NaiveDate::from_ymd_opt(2023, 11, 6),
            publisher: Some("جريدة".into()),
            language: Some("ar".into()),
            articles: vec![
                planned(
                    "seeds/a.html",
                    "هل أعادت روسيا حماس",
                    vec![
                        block(BlockKind::Title, &["هل أعادت روسيا حماس"]),
                        block(BlockKind::Dateline, &["السادس من تشرين الثاني"]),
                        block(BlockKind::Paragraph, &["جملة أولى.", "جملة ثانية أطول قليلا."]),
                        block(BlockKind::Paragraph, &["فقرة ثانية."]),
                        block(BlockKind::Note, &["باحث."]),
                    ],
                ),
                planned(
                    "seeds/b.html",
                    "خبر ثان",
                    vec![
                        block(BlockKind::Title, &["خبر ثان"]),
                        block(BlockKind::Paragraph, &["نص الخبر."]),
                    ],
                ),
            ],
            bulletin: Script {
                blocks: vec![
                    block(BlockKind::Intro, &["إليكم أبرز العناوين."]),
                    block(BlockKind::Item, &["العنوان الأول.", "السادس من تشرين الثاني."]),
                    block(BlockKind::Item, &["العنوان الثاني."]),
                    block(BlockKind::Item, &["العنوان الثالث."]),
                ],
            },
            bulletin_items: vec![
                Headline {
                    title: "العنوان الأول".into(),
                    date: NaiveDate::from_ymd_opt(2023, 11, 6),
                },
                Headline { title: "العنوان الثاني".into(), date: None },
                Headline { title: "العنوان الثالث".into(), date: None },
            ],
            errors: Vec::new(),
        }
    }

    fn wav_len(path: &std::path::Path) -> (u32, u32) {
        let reader = hound::WavReader::open(path).unwrap();
        (reader.spec().sample_rate, reader.len())
    }

    /// Options for timing tests: WAV only, no fades, no sounds, no full edition.
    fn plain(dir: &std::path::Path, pauses: Pauses) -> RenderOptions {
        RenderOptions {
            pauses,
            fade_ms: 0.0,
            encode: EncodeOptions::formats(&[Format::Wav]),
            sounds: SoundOptions::none(),
            full_edition: false,
            ..RenderOptions::new(dir)
        }
    }

    fn test_pauses() -> Pauses {
        Pauses { sentence: 0.1, paragraph: 0.2, title: 0.3, item: 0.4, byline: 0.25, article: 0.5 }
    }

    /// Samples per channel and rate of any file nashra writes, as decoded.
    fn decoded(path: &std::path::Path) -> (u32, u64) {
        let d = decode::decode_file(path, None).unwrap();
        (d.rate, d.frames() as u64)
    }

    /// Everything of a manifest but the time it was made.
    fn timeless(mut manifest: Manifest) -> Manifest {
        manifest.generated_at = chrono::DateTime::UNIX_EPOCH;
        manifest
    }

    /// The encoders' thread limits and writes every piece in order and completes the files
    /// only at the end of the stream, giving the limiter's report; a stream cut short leaves
    /// them unfinished (dropped: no file) and is an error naming the file.
    #[test]
    fn the_encoders_thread_completes_files_only_when_every_sample_has_arrived() {
        type Seen = std::sync::Arc<std::sync::Mutex<(Vec<f32>, bool)>>;
        struct Recorder(Seen);
        impl audio::encode::Sink for Recorder {
            fn write(&mut self, samples: &[f32]) -> Result<(), AudioError> {
                self.0.lock().unwrap().0.extend_from_slice(samples);
                Ok(())
            }
            fn finish(self: Box<Self>) -> Result<(), AudioError> {
                self.0.lock().unwrap().1 = true;
                Ok(())
            }
        }
        let options = audio::limiter::LimiterOptions::with_ceiling(-1.0);
        // A programme with peaks over the ceiling, cut into uneven chunks.
        let programme: Vec<f32> =
            (0..20_000).map(|i| 1.3 * ((i as f32) * 0.05).sin() * ((i % 7) as f32 / 6.0)).collect();
        let mut whole = programme.clone();
        let expected = audio::limiter::limit(&mut whole, 22_050, &options);
        for ended in [true, false] {
            let seen = Seen::default();
            let (mut first, rest) = audio::limiter::Limiter::new(22_050, &options).into_halves();
            let (pieces, received) = std::sync::mpsc::sync_channel(64);
            for chunk in programme.chunks(6_001) {
                let mut limited = Vec::new();
                first.process(chunk, &mut limited);
                pieces.send(Piece::Samples(limited)).unwrap();
            }
            if ended {
                let mut last = Vec::new();
                let report = first.finish(&mut last);
                pieces.send(Piece::Samples(last)).unwrap();
                pieces.send(Piece::End(report)).unwrap();
            }
            drop(pieces);
            let sinks: Vec<Box<dyn audio::encode::Sink>> =
                vec![Box::new(Recorder(std::sync::Arc::clone(&seen)))];
            let written = write_pieces(rest, sinks, &received, Path::new("x.wav"));
            let seen = seen.lock().unwrap();
            assert_eq!(seen.1, ended, "finished without the end: {}", !ended);
            if ended {
                assert_eq!(written.unwrap(), expected);
                assert_eq!(seen.0, whole, "not the samples of the whole limiter");
            } else {
                let err = written.unwrap_err();
                let cause = StdError::source(&err).map(ToString::to_string).unwrap_or_default();
                assert!(cause.contains("x.wav"), "{err}: {cause}");
            }
        }
    }

    #[test]
    fn several_jobs_give_the_same_files_and_manifest_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 40);
        let one =
            RenderOptions { full_edition: true, ..plain(&dir.path().join("one"), test_pauses()) };
        let four = RenderOptions { jobs: 4, ..plain(&dir.path().join("four"), test_pauses()) };
        let four = RenderOptions { full_edition: true, ..four };
        let a = render(&two_article_plan(), &synth, voice(), &one, &mut |_| {}).unwrap();
        let mut done = Vec::new();
        let b = render(&two_article_plan(), &synth, voice(), &four, &mut |p| {
            if let Progress::SentenceDone { done: n, .. } = p {
                done.push(n);
            }
        })
        .unwrap();
        assert_eq!(timeless(a.clone()), timeless(b));
        assert_eq!(done, [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 6, 1, 2], "progress counts up in order");
        for entry in std::fs::read_dir(dir.path().join("one")).unwrap() {
            let name = entry.unwrap().file_name();
            if name.to_string_lossy().ends_with(".wav") {
                let left = std::fs::read(dir.path().join("one").join(&name)).unwrap();
                let right = std::fs::read(dir.path().join("four").join(&name)).unwrap();
                assert!(left == right, "{name:?} differs");
            }
        }
        assert_eq!(a.articles.len(), 2);
    }

    #[test]
    fn with_several_jobs_the_first_failing_sentence_in_script_order_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 10);
        let mut plan = two_article_plan();
        plan.articles[0].script.blocks[2].sentences[0].spoken = "FAIL one".into();
        plan.articles[0].script.blocks[3].sentences[0].spoken = "FAIL two".into();
        let opts = RenderOptions { jobs: 3, ..plain(dir.path(), test_pauses()) };
        let manifest = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        assert_eq!(manifest.errors.len(), 1);
        assert!(
            manifest.errors[0].message.starts_with("sentence 1 of block 3 (Paragraph)"),
            "{:?}",
            manifest.errors[0]
        );
        assert_eq!(manifest.articles.len(), 1);
    }

    #[test]
    fn an_unchanged_re_render_reuses_its_files_and_a_changed_article_is_encoded_again() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(22_050, 200);
        let opts = RenderOptions { full_edition: true, ..RenderOptions::new(dir.path()) };
        let first = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap();
        let mtime =
            |name: &str| std::fs::metadata(dir.path().join(name)).unwrap().modified().unwrap();
        let names =
            ["bulletin.mp3", "01-hl-aadt-rwsya-hmas.mp3", "02-khbr-than.mp3", "full-edition.mp3"];
        let before: Vec<_> = names.iter().map(|n| mtime(n)).collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let second = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap();
        assert_eq!(timeless(first.clone()), timeless(second));
        assert_eq!(
            names.iter().map(|n| mtime(n)).collect::<Vec<_>>(),
            before,
            "nothing re-encoded"
        );
        assert!(first.articles[0].files[0].source_sha256.as_ref().is_some_and(|s| s.len() == 64));

        // The second article changes: it and the full edition are encoded again, not the rest.
        let mut plan = two_article_plan();
        plan.articles[1].script.blocks[1].sentences[0].spoken = "نص آخر للخبر.".into();
        let third = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        let after: Vec<_> = names.iter().map(|n| mtime(n)).collect();
        assert_eq!(after[..2], before[..2]);
        assert!(after[2] > before[2] && after[3] > before[3]);
        assert_ne!(
            third.articles[1].files[0].source_sha256,
            first.articles[1].files[0].source_sha256
        );

        // A file changed on disk since edition.json was written is encoded again.
        std::fs::write(dir.path().join("bulletin.mp3"), b"damaged").unwrap();
        let fourth = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        assert_eq!(fourth.bulletin.unwrap().files[0].bytes, third.bulletin.unwrap().files[0].bytes);
        assert!(std::fs::metadata(dir.path().join("bulletin.mp3")).unwrap().len() > 1000);
    }

    #[test]
    fn two_articles_and_bulletin_render_with_consistent_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("edition");
        let synth = ToneSynth::new(8000, 40);
        let plan = two_article_plan();
        let mut events = Vec::new();
        let manifest =
            render(&plan, &synth, voice(), &RenderOptions::new(&out), &mut |p| events.push(p))
                .unwrap();

        assert!(manifest.errors.is_empty(), "{:?}", manifest.errors);
        assert_eq!(manifest.voice.sample_rate, 8000);
        assert_eq!(manifest.articles.len(), 2);
        assert_eq!(manifest.articles[0].id, "01-hl-aadt-rwsya-hmas");
        assert_eq!(manifest.articles[1].id, "02-khbr-than");
        for (entry, planned) in manifest.articles.iter().zip(&plan.articles) {
            let path = out.join(&entry.audio);
            assert!(entry.audio.ends_with(".mp3"), "MP3 by default: {}", entry.audio);
            let (rate, samples) = decoded(&path);
            assert_eq!(rate, 8000);
            assert_eq!(entry.duration_s, samples_to_seconds(samples, 8000));
            assert_eq!(entry.files.len(), 1);
            assert_eq!(entry.files[0].path, entry.audio);
            assert_eq!(entry.files[0].bytes, std::fs::metadata(&path).unwrap().len());
            assert_eq!(entry.chapters.len(), 1);
            assert_eq!(entry.chapters[0].title, planned.article.title);
            assert_eq!(
                (entry.chapters[0].start_s, entry.chapters[0].end_s),
                (0.0, entry.duration_s)
            );
            let expected: usize = planned.script.blocks.iter().map(|b| b.sentences.len()).sum();
            assert_eq!(entry.sentences.len(), expected);
            let mut last_end = 0.0;
            for s in &entry.sentences {
                assert!(s.start_s >= last_end, "{s:?} starts before {last_end}");
                assert!(s.end_s > s.start_s, "{s:?}");
                assert!(s.end_s <= entry.duration_s, "{s:?} beyond {}", entry.duration_s);
                // The clip length is known exactly from the fake voice.
                let len = synth.len_of(&s.spoken) as f64 / 8000.0;
                assert!((s.end_s - s.start_s - len).abs() <= 0.001, "{s:?} vs {len}");
                last_end = s.end_s;
            }
            assert_eq!(entry.source, planned.article.source.to_string_lossy());
            assert_eq!(entry.dateline.as_deref(), Some("6-تشرين الثاني-2023"));
        }
        assert_eq!(manifest.articles[0].sentences[0].kind, BlockKind::Title);
        assert_eq!(manifest.articles[0].sentences[5].kind, BlockKind::Note);
        let blocks: Vec<Option<usize>> =
            manifest.articles[0].sentences.iter().map(|s| s.block).collect();
        assert_eq!(blocks, [Some(1), Some(2), Some(3), Some(3), Some(4), Some(5)]);

        let bulletin = manifest.bulletin.as_ref().unwrap();
        assert_eq!(bulletin.audio, "bulletin.mp3");
        let (_, samples) = decoded(&out.join("bulletin.mp3"));
        assert_eq!(bulletin.duration_s, samples_to_seconds(samples, 8000));
        // The intro chime comes first: the first item starts after it and the item pause.
        let chime = audio::sounds::chime(audio::sounds::Role::Intro, 8000).len() as f64 / 8000.0;
        assert!(bulletin.items[0].start_s > chime + 0.9, "{:?}", bulletin.items[0]);
        let chapter_titles: Vec<&str> =
            bulletin.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            chapter_titles,
            ["إليكم أبرز العناوين.", "العنوان الأول", "العنوان الثاني", "العنوان الثالث"]
        );
        for (chapter, item) in bulletin.chapters[1..].iter().zip(&bulletin.items) {
            assert_eq!(chapter.start_s, item.start_s);
        }
        assert_eq!(bulletin.items.len(), 3);
        assert_eq!(bulletin.items[0].title, "العنوان الأول");
        assert_eq!(bulletin.items[0].date, NaiveDate::from_ymd_opt(2023, 11, 6));
        for pair in bulletin.items.windows(2) {
            // Consecutive items are separated by exactly the item pause (0.9 s).
            assert!((pair[1].start_s - pair[0].end_s - 0.9).abs() <= 0.001, "{pair:?}");
        }
        assert!(bulletin.items[2].end_s <= bulletin.duration_s);
        // Every bulletin sentence is recorded: the intro, then each item's sentences, with the
        // item spans running from its first sentence's start to its last sentence's end.
        let said: Vec<(&str, Option<usize>)> =
            bulletin.sentences.iter().map(|s| (s.text.as_str(), s.block)).collect();
        assert_eq!(
            said,
            [
                ("إليكم أبرز العناوين.", Some(1)),
                ("العنوان الأول.", Some(2)),
                ("السادس من تشرين الثاني.", Some(2)),
                ("العنوان الثاني.", Some(3)),
                ("العنوان الثالث.", Some(4)),
            ]
        );
        assert_eq!(bulletin.sentences[1].start_s, bulletin.items[0].start_s);
        assert_eq!(bulletin.sentences[2].end_s, bulletin.items[0].end_s);
        assert_eq!(bulletin.sentences[4].end_s, bulletin.items[2].end_s);

        let on_disk = publish::manifest::read(&out.join("edition.json")).unwrap();
        assert_eq!(on_disk, manifest);
        let mut files: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(
            files,
            [
                "01-hl-aadt-rwsya-hmas.mp3",
                "02-khbr-than.mp3",
                "bulletin.mp3",
                "edition.json",
                "full-edition.mp3"
            ]
        );

        assert_eq!(events.first(), Some(&Progress::EditionStarted { articles: 2, sentences: 13 }));
        assert_eq!(events.get(1), Some(&Progress::BulletinStarted { items: 3 }));
        assert!(events.contains(&Progress::ArticleStarted {
            index: 1,
            total: 2,
            title: "هل أعادت روسيا حماس".into()
        }));
        assert!(matches!(events.last(), Some(Progress::FullEditionDone { chapters: 3, .. })));
        let sentence_events =
            events.iter().filter(|e| matches!(e, Progress::SentenceDone { .. })).count();
        assert_eq!(sentence_events, 6 + 2 + 5);
    }

    #[test]
    fn pauses_follow_block_kinds_exactly_in_samples() {
        let dir = tempfile::tempdir().unwrap();
        // 80 samples a character at 8000 Hz: 10 ms a character.
        let synth = ToneSynth::new(8000, 80);
        let plan = one_article_plan(
            "a",
            "ab",
            vec![
                block(BlockKind::Title, &["ab"]),
                block(BlockKind::Dateline, &["abc"]),
                block(BlockKind::Paragraph, &["abc", "abcd"]),
                block(BlockKind::Paragraph, &["a"]),
            ],
        );
        let opts = plain(dir.path(), test_pauses());
        let manifest = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        let times: Vec<(f64, f64)> =
            manifest.articles[0].sentences.iter().map(|s| (s.start_s, s.end_s)).collect();
        // ab: 0..20 ms; title pause 300; abc (dateline): 320..350; byline pause 250;
        // abc: 600..630; sentence pause 100; abcd: 730..770; paragraph pause 200; a: 970..980;
        // tail 100.
        assert_eq!(times, [(0.0, 0.02), (0.32, 0.35), (0.6, 0.63), (0.73, 0.77), (0.97, 0.98)]);
        assert_eq!(manifest.articles[0].duration_s, 1.08);
        assert_eq!(wav_len(&dir.path().join("01-ab.wav")), (8000, 8640));
        assert!(manifest.bulletin.is_none(), "an empty bulletin writes no file");
        assert!(!dir.path().join("bulletin.wav").exists());
    }

    #[test]
    fn failing_article_is_reported_and_the_other_renders() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 40);
        let mut plan = two_article_plan();
        plan.articles[0].script.blocks[2].sentences[1] = sentence("جملة FAIL هنا.");
        let mut failed = Vec::new();
        let manifest = render(&plan, &synth, voice(), &RenderOptions::new(dir.path()), &mut |p| {
            if let Progress::ArticleFailed { index, .. } = p {
                failed.push(index);
            }
        })
        .unwrap();
        assert_eq!(failed, [1]);
        assert_eq!(manifest.articles.len(), 1);
        assert_eq!(manifest.articles[0].index, 2);
        assert_eq!(manifest.articles[0].id, "02-khbr-than");
        assert_eq!(manifest.errors.len(), 1);
        assert_eq!(manifest.errors[0].source, "seeds/a.html");
        assert_eq!(
            manifest.errors[0].message,
            "sentence 2 of block 3 (Paragraph): cannot write model.onnx: model exploded"
        );
        assert!(!dir.path().join("01-hl-aadt-rwsya-hmas.mp3").exists());
        assert!(dir.path().join("02-khbr-than.mp3").exists());
        assert!(manifest.bulletin.is_some());
        assert_eq!(publish::manifest::read(&dir.path().join("edition.json")).unwrap(), manifest);
    }

    #[test]
    fn strict_render_stops_at_the_failing_article_and_writes_no_manifest() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 40);
        let mut plan = two_article_plan();
        plan.articles[1].script.blocks[0].sentences[0] = sentence("FAIL");
        let opts = RenderOptions { strict: true, ..RenderOptions::new(dir.path()) };
        let err = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap_err();
        assert!(
            matches!(&err, RenderError::Stopped { input, .. } if input == &plan.articles[1].article.source.display().to_string()),
            "{err}"
        );
        assert!(err.to_string().contains("model exploded"), "{err}");
        // The bulletin (rendered first) and the first article are whole; nothing after the stop.
        assert!(dir.path().join("bulletin.mp3").exists());
        assert!(dir.path().join("01-hl-aadt-rwsya-hmas.mp3").exists(), "finished files stay whole");
        assert!(!dir.path().join("edition.json").exists());
        assert!(!dir.path().join("full-edition.mp3").exists());
    }

    #[test]
    fn failing_bulletin_is_reported_and_articles_remain() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 40);
        let mut plan = two_article_plan();
        plan.bulletin.blocks[2].sentences[0] = sentence("FAIL");
        let manifest =
            render(&plan, &synth, voice(), &RenderOptions::new(dir.path()), &mut |_| {}).unwrap();
        assert_eq!(manifest.articles.len(), 2);
        assert!(manifest.bulletin.is_none());
        assert_eq!(manifest.errors.len(), 1);
        assert_eq!(manifest.errors[0].source, "bulletin");
        assert!(!dir.path().join("bulletin.mp3").exists());
        // The full edition still holds both articles, the first from the start.
        let full = manifest.full_edition.unwrap();
        let titles: Vec<&str> = full.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["هل أعادت روسيا حماس", "خبر ثان"]);
        assert!(full.items.is_empty());
    }

    #[test]
    fn empty_sentences_are_skipped_not_synthesized() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 80);
        let plan = one_article_plan(
            "a",
            "ab",
            vec![
                block(BlockKind::Title, &["ab"]),
                block(BlockKind::Dateline, &["  ", ""]),
                block(BlockKind::Paragraph, &["\n", " cd ", "\t"]),
            ],
        );
        let opts = plain(dir.path(), test_pauses());
        let manifest = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        // Sorted: two threads may call the voice in either order; clips are placed in script
        // order whoever made them.
        let mut calls = synth.calls.lock().unwrap().clone();
        calls.sort();
        assert_eq!(calls, ["ab", "cd"]);
        let sentences = &manifest.articles[0].sentences;
        assert_eq!(sentences.len(), 2);
        // The empty dateline adds no pause: title pause only, then "cd" (trimmed: 20 samples).
        assert_eq!((sentences[1].start_s, sentences[1].end_s), (0.32, 0.34));
        assert_eq!(sentences[1].spoken, " cd ", "the manifest keeps the sentence as given");
    }

    #[test]
    fn article_with_nothing_to_say_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 10);
        let plan = one_article_plan("", "", vec![block(BlockKind::Paragraph, &[" "])]);
        let manifest =
            render(&plan, &synth, voice(), &RenderOptions::new(dir.path()), &mut |_| {}).unwrap();
        assert!(manifest.articles.is_empty());
        assert_eq!(
            manifest.errors,
            [ErrorEntry {
                source: "article 1".into(),
                message: "nothing to say: every sentence is empty".into()
            }]
        );
    }

    #[test]
    fn silent_voice_output_fails_the_article() {
        struct Mute;
        impl Synthesizer for Mute {
            fn sample_rate(&self) -> u32 {
                16000
            }
            fn synthesize(&self, _: &str) -> Result<Vec<f32>, Box<dyn StdError + Send + Sync>> {
                Ok(Vec::new())
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let plan = two_article_plan();
        let manifest =
            render(&plan, &Mute, voice(), &RenderOptions::new(dir.path()), &mut |_| {}).unwrap();
        assert!(manifest.articles.is_empty());
        assert_eq!(manifest.errors.len(), 3, "two articles and the bulletin");
        assert!(manifest.errors[0].message.ends_with("the voice returned no audio"));
    }

    #[test]
    fn bad_options_are_refused_before_writing_anything() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("never");
        let synth = ToneSynth::new(8000, 10);
        let mut opts = RenderOptions::new(&out);
        opts.pauses.title = -1.0;
        let err = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap_err();
        assert!(matches!(
            err,
            RenderError::Options(AudioError::InvalidPause { name: "title", .. })
        ));
        let mut opts = RenderOptions::new(&out);
        opts.fade_ms = f32::NAN;
        let err = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap_err();
        assert!(matches!(err, RenderError::Options(AudioError::InvalidFade { .. })));
        let err = render(
            &two_article_plan(),
            &ToneSynth::new(0, 10),
            voice(),
            &RenderOptions::new(&out),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(err, RenderError::Options(AudioError::InvalidSampleRate { rate: 0 })));
        let err = render(
            &two_article_plan(),
            &ToneSynth::new(1000, 10),
            voice(),
            &RenderOptions::new(&out),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(
            err,
            RenderError::Options(AudioError::UnsupportedSampleRate { rate: 1000, .. })
        ));
        let mut opts = RenderOptions::new(&out);
        opts.encode.formats.clear();
        let err = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap_err();
        assert!(matches!(err, RenderError::Options(AudioError::NoFormat)));
        let mut opts = RenderOptions::new(&out);
        opts.master.target_lufs = -50.0;
        let err = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap_err();
        assert!(matches!(err, RenderError::Options(AudioError::InvalidLoudnessTarget { .. })));
        let mut opts = RenderOptions::new(&out);
        opts.sounds.intro = SoundSource::File("/nonexistent/jingle.wav".into());
        let err = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap_err();
        assert!(matches!(err, RenderError::Sound { role: "intro", .. }), "{err:?}");
        assert!(!out.exists());
    }

    #[test]
    fn unwritable_output_dir_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("file");
        std::fs::write(&blocker, b"not a directory").unwrap();
        let synth = ToneSynth::new(8000, 10);
        let err = render(
            &two_article_plan(),
            &synth,
            voice(),
            &RenderOptions::new(blocker.join("out")),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(err, RenderError::CreateDir { .. }), "{err:?}");
    }

    #[test]
    fn every_format_decodes_to_the_programme_with_loudness_on_target() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(22_050, 400);
        let opts = RenderOptions {
            encode: EncodeOptions::formats(&[Format::Mp3, Format::Opus, Format::Wav]),
            ..RenderOptions::new(dir.path())
        };
        let manifest = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap();
        let bulletin = manifest.bulletin.as_ref().unwrap();
        let full = manifest.full_edition.as_ref().unwrap();
        let mut programmes: Vec<(&str, f64, &Vec<AudioFileEntry>)> =
            vec![(bulletin.audio.as_str(), bulletin.duration_s, &bulletin.files)];
        programmes.push((full.audio.as_str(), full.duration_s, &full.files));
        for article in &manifest.articles {
            programmes.push((article.audio.as_str(), article.duration_s, &article.files));
        }
        for (audio, duration, files) in programmes {
            let formats: Vec<Format> = files.iter().map(|f| f.format).collect();
            assert_eq!(formats, [Format::Mp3, Format::Opus, Format::Wav]);
            assert_eq!(audio, files[0].path);
            for file in files {
                let path = dir.path().join(&file.path);
                let (rate, frames) = decoded(&path);
                assert_eq!(file.sample_rate, rate);
                assert_eq!(rate, if file.format == Format::Opus { 48_000 } else { 22_050 });
                assert_eq!(file.channels, 1);
                assert_eq!(file.duration_s, samples_to_seconds(frames, rate));
                assert!((file.duration_s - duration).abs() <= 0.001, "{file:?} vs {duration}");
                let lufs = file.loudness.integrated_lufs.unwrap();
                let peak = file.loudness.true_peak_dbtp.unwrap();
                assert!((lufs - -19.0).abs() <= 0.5, "{}: {lufs} LUFS", file.path);
                assert!(peak <= -1.0, "{}: {peak} dBTP", file.path);
                // Measured independently of the manifest: decode and meter again.
                let d = decode::decode_file(&path, None).unwrap();
                let m = audio::loudness::measure(&d.samples, d.channels, d.rate).unwrap();
                assert!((m.integrated_lufs - lufs).abs() < 0.01);
            }
        }
        let mastering = manifest.mastering.unwrap();
        assert_eq!((mastering.target_lufs, mastering.ceiling_dbtp), (-19.0, -1.0));
        assert_eq!(mastering.lossy_ceiling_dbtp, -1.5);
        assert_eq!((mastering.intro.as_str(), mastering.outro.as_str()), ("chime", "none"));
    }

    #[test]
    fn full_edition_is_intro_bulletin_then_articles_between_transitions() {
        let dir = tempfile::tempdir().unwrap();
        let rate = 8000;
        let synth = ToneSynth::new(rate, 80);
        let opts = RenderOptions {
            full_edition: true,
            sounds: SoundOptions::default(),
            ..plain(dir.path(), test_pauses())
        };
        let plan = two_article_plan();
        let manifest = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        let seconds = |samples: usize| samples_to_seconds(samples as u64, rate);
        let intro = audio::sounds::chime(audio::sounds::Role::Intro, rate).len();
        let transition = audio::sounds::chime(audio::sounds::Role::Transition, rate).len();
        let (pause, item_pause) = (4000, 3200); // 0.5 s and 0.4 s at 8 kHz
        let bulletin = manifest.bulletin.as_ref().unwrap();
        let full = manifest.full_edition.as_ref().unwrap();
        assert_eq!(full.audio, "full-edition.wav");
        // The samples spooled to disk while the edition was assembled are gone.
        let hidden: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with('.') && !name.ends_with(".lock"))
            .collect();
        assert!(hidden.is_empty(), "{hidden:?}");
        let (_, frames) = decoded(&dir.path().join(&full.audio));
        assert_eq!(full.duration_s, samples_to_seconds(frames, rate));

        // The bulletin's speech follows the intro and the article pause (not the item pause).
        for (in_full, in_bulletin) in full.items.iter().zip(&bulletin.items) {
            assert_eq!(in_full.title, in_bulletin.title);
            let moved = in_full.start_s - in_bulletin.start_s;
            assert!((moved - seconds(pause - item_pause)).abs() < 0.0015, "{moved}");
        }
        assert_eq!(full.items.len(), 3);

        // Chapters: the bulletin from 0, then each article from its transition sound.
        let titles: Vec<&str> = full.chapters.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["إليكم أبرز العناوين.", "هل أعادت روسيا حماس", "خبر ثان"]);
        assert_eq!(full.chapters[0].start_s, 0.0);
        assert_eq!(full.chapters.last().unwrap().end_s, full.duration_s);
        for pair in full.chapters.windows(2) {
            assert_eq!(pair[0].end_s, pair[1].start_s);
        }
        let bulletin_speech =
            (bulletin.duration_s * f64::from(rate)).round() as usize - intro - item_pause;
        let first_article_mark = intro + pause + bulletin_speech + pause;
        assert_eq!(full.chapters[1].start_s, seconds(first_article_mark));

        // Every article sentence is where its article's own timing says, moved by one offset.
        let offset = seconds(first_article_mark + transition + pause);
        let article = &manifest.articles[0];
        let refs: Vec<&SentenceRef> =
            full.sentences.iter().filter(|r| r.article == article.id).collect();
        assert_eq!(refs.len(), article.sentences.len());
        for (i, r) in refs.iter().enumerate() {
            assert_eq!(r.index, i);
            let own = &article.sentences[i];
            assert!((r.start_s - own.start_s - offset).abs() < 0.0015, "{r:?} vs {own:?}");
            assert!(((r.end_s - r.start_s) - (own.end_s - own.start_s)).abs() < 0.0015);
        }
        assert_eq!(full.sentences.len(), 6 + 2);

        // Each part's shift takes its own file's times to this file's: the publishers'
        // full-edition transcript is built from it.
        let ids: Vec<&str> = full.parts.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["bulletin", article.id.as_str(), manifest.articles[1].id.as_str()]);
        assert!((full.parts[1].start_s - offset).abs() < 0.0015, "{:?}", full.parts[1]);
        for (in_full, in_bulletin) in full.items.iter().zip(&bulletin.items) {
            assert!((in_bulletin.start_s + full.parts[0].start_s - in_full.start_s).abs() < 0.0015);
        }
        for item in &bulletin.items {
            let starts = bulletin.sentences.iter().filter(|s| s.start_s == item.start_s).count();
            assert_eq!(starts, 1, "bulletin sentences are timed in its own file: {item:?}");
        }
    }

    #[test]
    fn stereo_files_carry_two_identical_channels_at_the_stereo_target() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(22_050, 400);
        let opts = RenderOptions {
            master: MasterOptions::for_layout(audio::Layout::Stereo),
            encode: EncodeOptions::formats(&[Format::Wav, Format::Opus, Format::Mp3]),
            full_edition: false,
            ..RenderOptions::new(dir.path())
        };
        let manifest = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap();
        for file in &manifest.articles[0].files {
            assert_eq!(file.channels, 2);
            let lufs = file.loudness.integrated_lufs.unwrap();
            assert!((lufs - -16.0).abs() <= 0.5, "{}: {lufs}", file.path);
            assert!(file.loudness.true_peak_dbtp.unwrap() <= -1.0);
        }
        let wav = decode::decode_file(&dir.path().join(&manifest.articles[0].files[0].path), None)
            .unwrap();
        assert!(wav.samples.chunks(2).all(|lr| lr[0] == lr[1]));
        assert!(manifest.full_edition.is_none());
        assert!(!dir.path().join("full-edition.wav").exists());
    }

    #[test]
    fn a_sound_file_opens_the_bulletin_at_the_programme_rate() {
        let dir = tempfile::tempdir().unwrap();
        let jingle = dir.path().join("jingle-44100Hz-stereo-0.5s.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut writer = hound::WavWriter::create(&jingle, spec).unwrap();
        for i in 0..22_050 {
            let s = (8000.0 * (2.0 * std::f64::consts::PI * 660.0 * f64::from(i) / 44_100.0).sin())
                as i16;
            writer.write_sample(s).unwrap();
            writer.write_sample(s).unwrap();
        }
        writer.finalize().unwrap();
        let out = dir.path().join("out");
        let synth = ToneSynth::new(8000, 80);
        let opts = RenderOptions {
            sounds: SoundOptions {
                intro: SoundSource::File(jingle),
                outro: SoundSource::Chime,
                ..SoundOptions::none()
            },
            ..plain(&out, test_pauses())
        };
        let with_jingle = render(&two_article_plan(), &synth, voice(), &opts, &mut |_| {}).unwrap();
        let none = plain(&dir.path().join("plain"), test_pauses());
        let without = render(&two_article_plan(), &synth, voice(), &none, &mut |_| {}).unwrap();
        let (a, b) = (with_jingle.bulletin.unwrap(), without.bulletin.unwrap());
        // 0.5 s of jingle at 8 kHz and the 0.4 s item pause before the speech; the outro chime
        // (2 s) and another item pause after it.
        assert!((a.items[0].start_s - b.items[0].start_s - 0.9).abs() < 0.0015);
        assert!((a.duration_s - b.duration_s - 0.9 - 0.4 - 2.0).abs() < 0.0015);
        assert_eq!(a.chapters[0].start_s, 0.0);
        assert_eq!(a.chapters[1].start_s, a.items[0].start_s);
    }

    #[test]
    fn unmatched_bulletin_items_fall_back_to_printed_text() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(8000, 10);
        let mut plan = two_article_plan();
        plan.bulletin_items.truncate(1);
        let manifest =
            render(&plan, &synth, voice(), &RenderOptions::new(dir.path()), &mut |_| {}).unwrap();
        let items = &manifest.bulletin.unwrap().items;
        let titles: Vec<&str> = items.iter().map(|i| i.title.as_str()).collect();
        assert_eq!(titles, ["العنوان الأول", "العنوان الثاني.", "العنوان الثالث."]);
    }

    #[test]
    fn the_headline_voice_reads_titles_and_the_bulletin_and_the_body_voice_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let body = ToneSynth::new(8000, 40);
        let headlines = ToneSynth::new(8000, 20);
        let mut headline_entry = voice();
        headline_entry.name = "fake-headlines".into();
        let voices = Voices { body: &body, headlines: Some((&headlines, headline_entry)) };
        let manifest = render_voices(
            &two_article_plan(),
            &voices,
            voice(),
            &RenderOptions::new(dir.path()),
            &mut |_| {},
        )
        .unwrap();
        // Which voice says what, not in which order the threads asked it (a free thread takes
        // the longest sentence within reach; the manifest's order is script order).
        let mut said = headlines.calls.lock().unwrap().clone();
        said.sort();
        let mut expected = vec![
            "إليكم أبرز العناوين.",
            "العنوان الأول.",
            "السادس من تشرين الثاني.",
            "العنوان الثاني.",
            "العنوان الثالث.",
            "هل أعادت روسيا حماس",
            "خبر ثان",
        ];
        expected.sort();
        assert_eq!(said, expected);
        assert_eq!(body.calls.lock().unwrap().len(), 6, "{:?}", body.calls.lock().unwrap());
        assert!(body.calls.lock().unwrap().iter().all(|c| !c.contains("خبر ثان")));
        let title = &manifest.articles[0].sentences[0];
        assert_eq!(title.kind, BlockKind::Title);
        // The title's clip comes from the headline voice: 20 samples per character.
        let expected = (20 * "هل أعادت روسيا حماس".chars().count()) as f64 / 8000.0;
        assert!((title.end_s - title.start_s - expected).abs() <= 0.001);
        assert_eq!(
            manifest.headline_voice.as_ref().map(|v| v.name.as_str()),
            Some("fake-headlines")
        );
        assert_eq!(manifest.headline_voice.as_ref().map(|v| v.sample_rate), Some(8000));
        assert_eq!(manifest.publisher.as_deref(), Some("جريدة"));
    }

    #[test]
    fn voices_of_different_sample_rates_are_refused_before_writing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("never");
        let body = ToneSynth::new(22050, 10);
        let headlines = ToneSynth::new(16000, 10);
        let voices = Voices { body: &body, headlines: Some((&headlines, voice())) };
        let err = render_voices(
            &two_article_plan(),
            &voices,
            voice(),
            &RenderOptions::new(&out),
            &mut |_| {},
        )
        .unwrap_err();
        assert!(matches!(err, RenderError::VoiceRates { body: 22050, headlines: 16000 }));
        assert!(err.to_string().contains("same sample rate"));
        assert!(!out.exists());
    }
}
