//! The command line, declared with clap's derive API. Field doc comments are the `--help` text, so
//! they are written for the person at the terminal. Nothing here does work: `main.rs` turns these
//! values into library calls.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Turn Arabic news articles into listenable audio editions with a local Piper voice.
///
/// An edition is one audio file per article (title, dateline, author, body), a headline bulletin,
/// and an edition.json manifest with every sentence's timing. Arabic text is cleaned up, numbers
/// and dates are written out as words, diacritics are restored, and each sentence is synthesized
/// with a Piper voice (or espeak-ng when no Arabic Piper voice is installed).
#[derive(Debug, Parser)]
#[command(name = "nashra", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// Print nothing but errors and warnings (no progress).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Print more about what happens (repeat for even more).
    #[arg(short, long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,

    /// Folder with installed voices [default: $NASHRA_VOICES_DIR, else the voices/ folder of the
    /// source tree, else ~/.local/share/nashra/voices].
    #[arg(long, global = true, value_name = "DIR")]
    pub voices_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render articles into an audio edition: one WAV per article, bulletin.wav and edition.json.
    ///
    /// Inputs are scraped newspaper pages (title, dateline, author, body, related headlines),
    /// Markdown articles (the # heading is the title) or plain text (the first line is the title).
    /// A folder stands for its .txt and .md files in name order. If one article cannot be read or
    /// spoken, the others are still rendered and nashra exits with status 1.
    Edition(EditionArgs),
    /// Speak one text into a WAV file.
    Speak(SpeakArgs),
    /// Show what one stage of the text pipeline makes of each input line.
    Text(TextArgs),
    /// List or install voices.
    #[command(subcommand)]
    Voices(VoicesCommand),
}

/// Which voice speaks, and how.
#[derive(Debug, Clone, Args)]
pub struct VoiceArgs {
    /// Voice: a name in the voices folder (ar_JO-kareem-medium), a path to a .onnx model (its
    /// .onnx.json beside it), or `espeak` for espeak-ng's own Arabic voice. Without it, the best
    /// installed Arabic Piper voice is used, else espeak-ng (and nashra says so).
    #[arg(long, value_name = "VOICE")]
    pub voice: Option<String>,

    /// Use this .onnx.json instead of the one beside the model (e.g. an Arabic config with other
    /// weights of the same architecture).
    #[arg(long, value_name = "FILE")]
    pub voice_config: Option<PathBuf>,

    /// Speaker name or number, for voices with several speakers.
    #[arg(long, value_name = "SPEAKER")]
    pub speaker: Option<String>,

    /// Speaking time factor: 1.0 is the voice's default pace, 1.2 is 20% slower.
    #[arg(long, value_name = "FACTOR")]
    pub length_scale: Option<f32>,

    /// Variation of the voice (Piper noise_scale) [default: from the voice config].
    #[arg(long, value_name = "FACTOR")]
    pub noise_scale: Option<f32>,

    /// Variation of phoneme durations (Piper noise_w) [default: from the voice config].
    #[arg(long, value_name = "FACTOR")]
    pub noise_w: Option<f32>,
}

/// Silences placed by the structure of the text, in seconds.
#[derive(Debug, Clone, Args)]
pub struct PauseArgs {
    /// Silence between sentences.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.35)]
    pub sentence_pause: f32,

    /// Silence between paragraphs.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.7)]
    pub paragraph_pause: f32,

    /// Silence after the title, the dateline and the author line.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.9)]
    pub title_pause: f32,

    /// Silence between bulletin items.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.9)]
    pub item_pause: f32,
}

#[derive(Debug, Args)]
pub struct EditionArgs {
    /// Article files or folders, rendered in the given order.
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output folder (created if missing).
    #[arg(short, long, value_name = "DIR")]
    pub out: PathBuf,

    /// Edition title, spoken in the bulletin intro [default: نشرة الأخبار].
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,

    /// Edition date, YYYY-MM-DD [default: the newest article date, else today].
    #[arg(long, value_name = "DATE")]
    pub date: Option<NaiveDate>,

    #[command(flatten)]
    pub voice: VoiceArgs,

    #[command(flatten)]
    pub pauses: PauseArgs,

    #[command(flatten)]
    pub safety: SafetyArgs,
}

/// What to do with bad input (issue #7).
#[derive(Debug, Clone, Args)]
pub struct SafetyArgs {
    /// Stop at the first article that cannot be read or spoken, with exit status 1, instead of
    /// rendering the others; edition.json is then left as it was.
    #[arg(long)]
    pub strict: bool,

    /// Refuse an article with more characters than this (title, dateline, author, body and
    /// notes), so that a mistaken input cannot make hours of audio: 100000 characters are about
    /// 15000 words, well over the longest news feature.
    #[arg(long, value_name = "CHARS", default_value_t = 100_000)]
    pub max_article_chars: usize,
}

#[derive(Debug, Args)]
pub struct SpeakArgs {
    /// Text to speak; `-` or nothing reads standard input.
    #[arg(value_name = "TEXT|-")]
    pub text: Option<String>,

    /// WAV file to write.
    #[arg(short, long, value_name = "FILE.wav")]
    pub output: PathBuf,

    #[command(flatten)]
    pub voice: VoiceArgs,

    /// Silence between sentences, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.35)]
    pub sentence_pause: f32,
}

/// A stage of the text pipeline, in pipeline order; each includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// Cleaned-up text, still as printed (invisible characters, digits, punctuation folded).
    Normalized,
    /// What will be said: numbers, dates, symbols and Latin words written out in Arabic.
    Spoken,
    /// The spoken text split into sentences, one per output line.
    Sentences,
    /// The spoken text with diacritics restored (needs onnxruntime), one line per input line.
    Diacritized,
    /// espeak-ng phonemes, one line per input line, sentences separated by " | ".
    Phonemes,
    /// Piper phoneme ids, one line per input line, sentences separated by " | ".
    Ids,
}

#[derive(Debug, Args)]
pub struct TextArgs {
    /// The stage to show.
    #[arg(long, value_enum, value_name = "STAGE")]
    pub stage: Stage,

    /// Input file with one text per line; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub input: Option<PathBuf>,

    /// Voice whose front end to use for diacritized, phonemes and ids (a .onnx.json alone is
    /// enough) [default: as for `edition`].
    #[arg(long, value_name = "VOICE")]
    pub voice: Option<String>,

    /// Use this .onnx.json instead of the one beside the model.
    #[arg(long, value_name = "FILE")]
    pub voice_config: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum VoicesCommand {
    /// List installed voices and the voices nashra knows how to install.
    List,
    /// Download a known voice into the voices folder, verifying its size and sha256.
    Install {
        /// Voice name, e.g. ar_JO-kareem-medium or ar_JO-kareem-low.
        #[arg(value_name = "NAME")]
        name: String,

        /// Download again even if the voice is installed and verifies.
        #[arg(long)]
        force: bool,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn edition_requires_inputs_and_out() {
        assert!(Cli::try_parse_from(["nashra", "edition", "--out", "x"]).is_err());
        assert!(Cli::try_parse_from(["nashra", "edition", "a.txt"]).is_err());
        let cli = Cli::try_parse_from(["nashra", "edition", "a.txt", "b", "--out", "x", "-q"])
            .expect("valid edition command");
        let Command::Edition(args) = cli.command else { panic!("not edition") };
        assert_eq!(args.inputs, [PathBuf::from("a.txt"), PathBuf::from("b")]);
        assert!(cli.quiet);
        assert_eq!(args.pauses.sentence_pause, 0.35);
        assert!(!args.safety.strict);
        assert_eq!(args.safety.max_article_chars, 100_000);
    }

    #[test]
    fn strict_and_the_article_limit_parse() {
        let cli = Cli::try_parse_from([
            "nashra",
            "edition",
            "a.txt",
            "--out",
            "x",
            "--strict",
            "--max-article-chars",
            "5000",
        ])
        .expect("valid edition command");
        let Command::Edition(args) = cli.command else { panic!("not edition") };
        assert!(args.safety.strict);
        assert_eq!(args.safety.max_article_chars, 5000);
    }

    #[test]
    fn stage_names_are_the_documented_ones() {
        for name in ["normalized", "spoken", "sentences", "diacritized", "phonemes", "ids"] {
            let cli = Cli::try_parse_from(["nashra", "text", "--stage", name]);
            assert!(cli.is_ok(), "stage {name} rejected");
        }
    }
}
