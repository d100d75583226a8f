//! Renders a prepared edition: voice ▸ audio ▸ publish.
//!
//! In: an [`EditionPlan`] (articles already turned into [`Script`]s by the text stage), a
//! [`Synthesizer`] (the voice stage, or a fake in tests) and [`RenderOptions`].
//! Out: `NN-slug.wav` per article, `bulletin.wav`, and `edition.json` written last, all in the
//! output directory; the returned [`Manifest`] is the one written.
//!
//! Must never happen:
//! - one bad article sinking the edition: a synthesis failure is recorded in `errors` and the
//!   other articles still render; only I/O on the output directory stops the run;
//! - a manifest naming audio that is not on disk: it is written after every WAV, atomically;
//! - silence standing in for an error (a voice that returns no audio for real text fails the
//!   article instead of leaving a gap);
//! - a timing derived from float seconds: spans are sample counts from the [`Assembler`].
//!
//! This is the only place the stages meet; it does not depend on `voice` or `text` internals,
//! only on the [`Synthesizer`] trait and [`crate::edition`] types.

use std::error::Error as StdError;
use std::path::PathBuf;

use chrono::{NaiveDate, SubsecRound, Utc};

use crate::audio::{self, samples_to_seconds, Assembler, AudioError, Pauses, Span};
use crate::edition::{Article, BlockKind, Headline, Script, Sentence};
use crate::publish::{
    self, names, ArticleEntry, BulletinEntry, ErrorEntry, ItemEntry, Manifest, PublishError,
    SentenceEntry, VoiceEntry,
};

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
    /// Stop at the first article or bulletin that fails ([`RenderError::Stopped`]) instead of
    /// recording it and going on; `edition.json` is then not written (`--strict`).
    pub strict: bool,
}

impl RenderOptions {
    /// Default pauses and fades, writing into `out_dir`.
    pub fn new(out_dir: impl Into<PathBuf>) -> Self {
        Self {
            out_dir: out_dir.into(),
            pauses: Pauses::default(),
            fade_ms: audio::DEFAULT_FADE_MS,
            strict: false,
        }
    }
}

/// What [`render`] is doing, for progress bars and logs.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Progress {
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
/// is what the files really use.
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

    let mut errors = plan.errors.clone();
    let mut articles = Vec::new();
    let total = plan.articles.len();
    for (position, planned) in plan.articles.iter().enumerate() {
        let index = position + 1;
        let article = &planned.article;
        progress(Progress::ArticleStarted { index, total, title: article.title.clone() });
        let spoken = match speak(&planned.script, voices, opts, progress) {
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
        let audio_name = format!("{stem}.wav");
        audio::wav::write(&opts.out_dir.join(&audio_name), rate, &spoken.samples)
            .map_err(RenderError::Audio)?;
        let duration_s = samples_to_seconds(spoken.samples.len() as u64, rate);
        articles.push(ArticleEntry {
            id: stem,
            index,
            title: article.title.clone(),
            date: article.date,
            dateline: article.dateline.clone(),
            author: article.author.clone(),
            source: article.source.to_string_lossy().into_owned(),
            url: article.url.clone(),
            audio: audio_name,
            duration_s,
            sentences: spoken.sentence_entries(rate),
        });
        progress(Progress::ArticleDone { index, total, duration_s });
    }

    let bulletin = render_bulletin(plan, voices, opts, progress, &mut errors)?;

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
        full_edition: None,
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
    Ok(())
}

/// Speaks the bulletin into `bulletin.wav`. `None` when it has nothing to say, or when synthesis
/// failed (recorded in `errors`).
fn render_bulletin(
    plan: &EditionPlan,
    voices: &Voices<'_>,
    opts: &RenderOptions,
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
    let spoken = match speak(&plan.bulletin, voices, opts, progress) {
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
    let audio_name = format!("{}.wav", publish::BULLETIN_STEM);
    audio::wav::write(&opts.out_dir.join(&audio_name), rate, &spoken.samples)
        .map_err(RenderError::Audio)?;

    let mut items = Vec::new();
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
        items.push(ItemEntry {
            title,
            date: headline.and_then(|h| h.date),
            start_s: samples_to_seconds(span.start, rate),
            end_s: samples_to_seconds(span.end, rate),
        });
    }
    let duration_s = samples_to_seconds(spoken.samples.len() as u64, rate);
    progress(Progress::BulletinDone { duration_s });
    let sentences = spoken.sentence_entries(rate);
    Ok(Some(BulletinEntry { audio: audio_name, duration_s, items, sentences }))
}

/// A programme as spoken: its samples and where each sentence landed.
struct Spoken<'a> {
    samples: Vec<f32>,
    sentences: Vec<TimedSentence<'a>>,
}

struct TimedSentence<'a> {
    block: usize,
    kind: BlockKind,
    sentence: &'a Sentence,
    span: Span,
}

impl Spoken<'_> {
    /// The manifest's view of every spoken sentence: printed and spoken text, seconds from the
    /// sample spans, and the 1-based block it belongs to.
    fn sentence_entries(&self, rate: u32) -> Vec<SentenceEntry> {
        self.sentences
            .iter()
            .map(|timed| SentenceEntry {
                kind: timed.kind,
                text: timed.sentence.text.clone(),
                spoken: timed.sentence.spoken.clone(),
                start_s: samples_to_seconds(timed.span.start, rate),
                end_s: samples_to_seconds(timed.span.end, rate),
                block: Some(timed.block + 1),
            })
            .collect()
    }

    /// From the start of the block's first spoken sentence to the end of its last one.
    fn block_span(&self, block: usize) -> Option<Span> {
        let mut timed = self.sentences.iter().filter(|t| t.block == block);
        let first = timed.next()?;
        let last = timed.next_back().unwrap_or(first);
        Some(Span { start: first.span.start, end: last.span.end })
    }
}

#[derive(Debug, thiserror::Error)]
enum SpeakError {
    #[error("nothing to say: every sentence is empty")]
    NothingToSay,
    #[error("sentence {sentence} of block {block} ({kind:?}): {message}")]
    Synthesis { block: usize, sentence: usize, kind: BlockKind, message: String },
}

/// The silence after a block, by what the block is.
fn pause_after(kind: BlockKind, pauses: &Pauses) -> f32 {
    match kind {
        BlockKind::Title | BlockKind::Dateline | BlockKind::Author => pauses.title,
        BlockKind::Paragraph | BlockKind::Note => pauses.paragraph,
        BlockKind::Intro | BlockKind::Item => pauses.item,
    }
}

/// Speaks `script` sentence by sentence: the sentence pause inside a block, the block's own pause
/// after it, and a short tail (one sentence pause) at the end so players do not cut the last
/// syllable. Blocks with nothing to say add no pause.
fn speak<'a>(
    script: &'a Script,
    voices: &Voices<'_>,
    opts: &RenderOptions,
    progress: &mut dyn FnMut(Progress),
) -> Result<Spoken<'a>, SpeakError> {
    let total = script
        .blocks
        .iter()
        .flat_map(|b| &b.sentences)
        .filter(|s| !s.spoken.trim().is_empty())
        .count();
    if total == 0 {
        return Err(SpeakError::NothingToSay);
    }
    let mut assembler = Assembler::new(voices.body.sample_rate(), opts.fade_ms);
    let mut sentences = Vec::with_capacity(total);
    // Kind of the last block that said something: decides the pause before the next sentence.
    let mut previous: Option<BlockKind> = None;
    for (block_index, block) in script.blocks.iter().enumerate() {
        let mut spoke_in_block = false;
        let said: Vec<(usize, &Sentence)> = block
            .sentences
            .iter()
            .enumerate()
            .filter(|(_, s)| !s.spoken.trim().is_empty())
            .collect();
        if said.is_empty() {
            continue;
        }
        let synth = voices.for_kind(block.kind);
        let texts: Vec<&str> = said.iter().map(|(_, s)| s.spoken.trim()).collect();
        let prepared = synth.prepare(&texts).map_err(|err| SpeakError::Synthesis {
            block: block_index + 1,
            sentence: said[0].0 + 1,
            kind: block.kind,
            message: error_chain(err.as_ref()),
        })?;
        if prepared.len() != said.len() {
            return Err(SpeakError::Synthesis {
                block: block_index + 1,
                sentence: said[0].0 + 1,
                kind: block.kind,
                message: format!(
                    "the voice prepared {} sentences for {}",
                    prepared.len(),
                    said.len()
                ),
            });
        }
        for ((sentence_index, sentence), text) in said.into_iter().zip(&prepared) {
            let fail = |message: String| SpeakError::Synthesis {
                block: block_index + 1,
                sentence: sentence_index + 1,
                kind: block.kind,
                message,
            };
            let clip = synth.synthesize(text).map_err(|err| fail(error_chain(err.as_ref())))?;
            if clip.is_empty() {
                return Err(fail("the voice returned no audio".to_string()));
            }
            if spoke_in_block {
                assembler.push_silence(opts.pauses.sentence);
            } else if let Some(kind) = previous {
                assembler.push_silence(pause_after(kind, &opts.pauses));
            }
            let span = assembler.push_speech(&clip);
            sentences.push(TimedSentence { block: block_index, kind: block.kind, sentence, span });
            spoke_in_block = true;
            progress(Progress::SentenceDone { done: sentences.len(), total });
        }
        if spoke_in_block {
            previous = Some(block.kind);
        }
    }
    assembler.push_silence(opts.pauses.sentence);
    Ok(Spoken { samples: assembler.finish(), sentences })
}

/// An error and its causes on one line: `a: b: c`.
fn error_chain(err: &(dyn StdError + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
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
    use crate::edition::Block;
    use std::sync::Mutex;

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
            let (rate, samples) = wav_len(&path);
            assert_eq!(rate, 8000);
            assert_eq!(entry.duration_s, samples_to_seconds(u64::from(samples), 8000));
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
        assert_eq!(bulletin.audio, "bulletin.wav");
        let (_, samples) = wav_len(&out.join("bulletin.wav"));
        assert_eq!(bulletin.duration_s, samples_to_seconds(u64::from(samples), 8000));
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
            ["01-hl-aadt-rwsya-hmas.wav", "02-khbr-than.wav", "bulletin.wav", "edition.json"]
        );

        assert_eq!(
            events.first(),
            Some(&Progress::ArticleStarted {
                index: 1,
                total: 2,
                title: "هل أعادت روسيا حماس".into()
            })
        );
        assert!(matches!(events.last(), Some(Progress::BulletinDone { .. })));
        let sentence_events =
            events.iter().filter(|e| matches!(e, Progress::SentenceDone { .. })).count();
        assert_eq!(sentence_events, 6 + 2 + 5);
    }

    #[test]
    fn pauses_follow_block_kinds_exactly_in_samples() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(1000, 10);
        let plan = one_article_plan(
            "a",
            "ab",
            vec![
                block(BlockKind::Title, &["ab"]),
                block(BlockKind::Paragraph, &["abc", "abcd"]),
                block(BlockKind::Paragraph, &["a"]),
            ],
        );
        let opts = RenderOptions {
            out_dir: dir.path().to_path_buf(),
            pauses: Pauses { sentence: 0.1, paragraph: 0.2, title: 0.3, item: 0.4 },
            fade_ms: 0.0,
            strict: false,
        };
        let manifest = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        let times: Vec<(f64, f64)> =
            manifest.articles[0].sentences.iter().map(|s| (s.start_s, s.end_s)).collect();
        // ab: 0..20; title pause 300; abc: 320..350; sentence pause 100; abcd: 450..490;
        // paragraph pause 200; a: 690..700; tail 100.
        assert_eq!(times, [(0.0, 0.02), (0.32, 0.35), (0.45, 0.49), (0.69, 0.7)]);
        assert_eq!(manifest.articles[0].duration_s, 0.8);
        assert_eq!(wav_len(&dir.path().join("01-ab.wav")), (1000, 800));
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
        assert!(!dir.path().join("01-hl-aadt-rwsya-hmas.wav").exists());
        assert!(dir.path().join("02-khbr-than.wav").exists());
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
        assert!(dir.path().join("01-hl-aadt-rwsya-hmas.wav").exists(), "finished files stay whole");
        assert!(!dir.path().join("edition.json").exists());
        assert!(!dir.path().join("bulletin.wav").exists());
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
        assert!(!dir.path().join("bulletin.wav").exists());
    }

    #[test]
    fn empty_sentences_are_skipped_not_synthesized() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(1000, 10);
        let plan = one_article_plan(
            "a",
            "ab",
            vec![
                block(BlockKind::Title, &["ab"]),
                block(BlockKind::Dateline, &["  ", ""]),
                block(BlockKind::Paragraph, &["\n", " cd ", "\t"]),
            ],
        );
        let opts = RenderOptions {
            out_dir: dir.path().to_path_buf(),
            pauses: Pauses { sentence: 0.1, paragraph: 0.2, title: 0.3, item: 0.4 },
            fade_ms: 0.0,
            strict: false,
        };
        let manifest = render(&plan, &synth, voice(), &opts, &mut |_| {}).unwrap();
        assert_eq!(*synth.calls.lock().unwrap(), ["ab", "cd"]);
        let sentences = &manifest.articles[0].sentences;
        assert_eq!(sentences.len(), 2);
        // The empty dateline adds no pause: title pause only, then "cd" (trimmed: 20 samples).
        assert_eq!((sentences[1].start_s, sentences[1].end_s), (0.32, 0.34));
        assert_eq!(sentences[1].spoken, " cd ", "the manifest keeps the sentence as given");
    }

    #[test]
    fn article_with_nothing_to_say_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let synth = ToneSynth::new(1000, 10);
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
        assert_eq!(
            *headlines.calls.lock().unwrap(),
            [
                "هل أعادت روسيا حماس",
                "خبر ثان",
                "إليكم أبرز العناوين.",
                "العنوان الأول.",
                "السادس من تشرين الثاني.",
                "العنوان الثاني.",
                "العنوان الثالث."
            ]
        );
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
