//! The command line, declared with clap's derive API. Field doc comments are the `--help` text, so
//! they are written for the person at the terminal. Nothing here does work: `main.rs` turns these
//! values into library calls.

use std::net::IpAddr;
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::audio::{Format, SoundSource};

/// Turn Arabic news articles into listenable audio editions with a local Piper voice.
///
/// An edition is one audio file per article (title, dateline, author, body), a headline bulletin,
/// a full edition joining them with chapters, and an edition.json manifest with every sentence's
/// timing. Every programme is levelled to a podcast loudness target. Arabic text is cleaned up,
/// numbers and dates are written out as words, diacritics are restored, and each sentence is
/// synthesized with a Piper voice (or espeak-ng when no Arabic Piper voice is installed).
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

    /// Cache of synthesized sentences [default: $NASHRA_CACHE_DIR, else
    /// $XDG_CACHE_HOME/nashra, else ~/.cache/nashra].
    #[arg(long, global = true, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

// The edition's options are large next to the other commands'; the value is built once per run,
// so boxing it would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Render articles into an audio edition: one file per article, the bulletin, the full
    /// edition with chapters, and edition.json (MP3 by default; see --format).
    ///
    /// Inputs are scraped newspaper pages (title, dateline, author, body, related headlines),
    /// Markdown articles (the # heading is the title), plain text (the first line is the title),
    /// HTML article pages, RSS and Atom feeds (an article per item), JSON exports, and URLs of
    /// pages or feeds. A folder stands for its article files in name order. An edition.toml
    /// (given with --edition, or as an input) describes the whole edition; flags override it.
    /// The same article given twice is read once. If one article cannot be read or spoken, the
    /// others are still rendered and nashra exits with status 1.
    Edition(Box<EditionArgs>),
    /// Speak one text into an audio file (WAV, MP3 or Opus by its extension).
    Speak(SpeakArgs),
    /// Show what one stage of the text pipeline makes of each input line.
    Text(TextArgs),
    /// List or install voices.
    #[command(subcommand)]
    Voices(VoicesCommand),
    /// Publish editions already rendered again: transcripts, chapters, pages, the podcast feed
    /// and, with --daisy, DAISY books (e.g. after changing --base-url).
    ///
    /// PATH is an edition folder (it holds edition.json; when its parent holds a feed.xml, the
    /// parent is published with it as its root) or a publication root (its sub-folders hold
    /// edition.json files). The audio is not touched.
    Publish(PublishCommandArgs),
    /// Show or prune the cache of synthesized sentences (see --cache-dir).
    ///
    /// Every sentence an edition synthesizes is kept there, keyed by its text after the front
    /// end, the voice model's sha256, speaker and scales, so that rendering the same text again
    /// costs no synthesis.
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Preview an output folder over HTTP, with byte ranges so audio can seek.
    ///
    /// Listens on 127.0.0.1 (this machine only) unless --bind says otherwise. Stop with Ctrl-C.
    Serve(ServeArgs),
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

/// Silences placed by the structure of the text, in seconds. Unset values come from
/// edition.toml's `[pauses]`, else the defaults.
#[derive(Debug, Clone, Args)]
pub struct PauseArgs {
    /// Silence between sentences [default: 0.35].
    #[arg(long, value_name = "SECONDS")]
    pub sentence_pause: Option<f32>,

    /// Silence between paragraphs [default: 0.7].
    #[arg(long, value_name = "SECONDS")]
    pub paragraph_pause: Option<f32>,

    /// Silence after the title, the dateline and the author line [default: 0.9].
    #[arg(long, value_name = "SECONDS")]
    pub title_pause: Option<f32>,

    /// Silence between bulletin items, and around the bulletin's intro and outro sounds
    /// [default: 0.9].
    #[arg(long, value_name = "SECONDS")]
    pub item_pause: Option<f32>,

    /// Silence after the dateline and after the author line [default: 0.7].
    #[arg(long, value_name = "SECONDS")]
    pub byline_pause: Option<f32>,

    /// Silence on each side of the transition sound between programmes in the full edition
    /// [default: 1.0].
    #[arg(long, value_name = "SECONDS")]
    pub article_pause: Option<f32>,
}

/// Which articles of feeds are read, and whether a feed item's page may be fetched.
#[derive(Debug, Clone, Args)]
pub struct IngestArgs {
    /// Read only the newest N items of each feed [default: every item].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub feed_items: Option<u64>,

    /// Read only feed items published on or after DATE (YYYY-MM-DD); undated items are skipped.
    #[arg(long, value_name = "DATE")]
    pub since: Option<NaiveDate>,

    /// Fetch the web page of feed items that carry only a link. nashra fetches nothing else on
    /// its own: URLs are fetched only when given as inputs.
    #[arg(long)]
    pub fetch_links: bool,
}

/// How an edition is published beside its audio: pages, transcripts, feed, DAISY book.
#[derive(Debug, Clone, Args)]
pub struct PublishArgs {
    /// Address the output folder will be served from (`https://example.org/news/`). Feed links
    /// become absolute URLs, which podcast apps require; without it they are relative.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Also write a DAISY 2.02 talking book (ncc.html, a SMIL file per programme, the full text)
    /// into each edition folder, for DAISY players.
    #[arg(long)]
    pub daisy: bool,

    /// How many editions the podcast feed keeps, newest first.
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u16).range(1..))]
    pub feed_max: u16,

    /// The newsroom's name: the podcast's title and author, the DAISY publisher [default: the
    /// newest edition's title].
    #[arg(long, value_name = "NAME")]
    pub publisher: Option<String>,
}

/// How the audio files are made: formats, loudness, sounds.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Audio")]
pub struct AudioArgs {
    /// Formats to write, comma-separated: mp3, opus, wav. Each programme is written in each;
    /// edition.json's `audio` fields name the first [default: mp3].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub format: Option<Vec<Format>>,

    /// Write two identical channels instead of one; the loudness target becomes -16 LUFS.
    #[arg(long)]
    pub stereo: bool,

    /// Integrated loudness of every programme, in LUFS [default: -19 mono, -16 with --stereo].
    #[arg(long, value_name = "LUFS", allow_negative_numbers = true)]
    pub loudness: Option<f64>,

    /// Highest true peak of WAV files, in dBTP; MP3 and Opus get 0.5 dB less before encoding.
    #[arg(long, value_name = "DBTP", default_value_t = -1.0, allow_negative_numbers = true)]
    pub true_peak: f64,

    /// MP3 constant bitrate, kbit/s [default: 64 mono, 96 stereo].
    #[arg(long, value_name = "KBPS", conflicts_with = "mp3_vbr")]
    pub mp3_bitrate: Option<u32>,

    /// Encode MP3 with variable bitrate at this quality, 0 (best) to 9, instead of CBR.
    #[arg(long, value_name = "QUALITY")]
    pub mp3_vbr: Option<u8>,

    /// Opus bitrate, kbit/s [default: 32 mono, 48 stereo].
    #[arg(long, value_name = "KBPS")]
    pub opus_bitrate: Option<u32>,

    /// Sound before the bulletin and the full edition: `chime` (nashra's own), `none`, or an
    /// audio file (WAV, MP3, OGG, FLAC) [default: chime].
    #[arg(long, value_name = "SOUND")]
    pub intro: Option<SoundSource>,

    /// Sound between programmes in the full edition: `chime`, `none` or a file [default: chime].
    #[arg(long, value_name = "SOUND")]
    pub transition: Option<SoundSource>,

    /// Sound after the bulletin and the full edition: `chime`, `none` or a file [default: none].
    #[arg(long, value_name = "SOUND")]
    pub outro: Option<SoundSource>,

    /// Loudness of the sounds relative to the speech, in LU.
    #[arg(long, value_name = "LU", default_value_t = -4.0, allow_negative_numbers = true)]
    pub sound_level: f64,

    /// Skip the full edition (intro, bulletin, every article, with chapters, in one file).
    #[arg(long)]
    pub no_full_edition: bool,

    /// Artist tag of the files [default: the article's author, else the edition title].
    #[arg(long, value_name = "NAME")]
    pub artist: Option<String>,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("destination").required(true).multiple(true).args(["out", "root"]))]
pub struct EditionArgs {
    /// Article files, folders, feeds or URLs, rendered in the given order (they replace the
    /// inputs of an edition file).
    #[arg(required_unless_present = "edition", value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Edition description (edition.toml): title, date, voices, pauses, inputs...; the other
    /// flags override it. An input ending in .toml is read the same way.
    #[arg(long, value_name = "FILE")]
    pub edition: Option<PathBuf>,

    /// Edition folder (created if missing). On its own, the folder is also the publication
    /// root: it gets a one-edition feed.xml. With --root, it must be a folder inside ROOT.
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Publication root: the edition goes into ROOT/DATE/ (or --out), and ROOT gets feed.xml
    /// and index.html listing every edition under it, newest first.
    #[arg(long, value_name = "ROOT")]
    pub root: Option<PathBuf>,

    /// Edition title, spoken in the bulletin intro [default: نشرة الأخبار].
    #[arg(long, value_name = "TITLE")]
    pub title: Option<String>,

    /// Edition date, YYYY-MM-DD [default: the newest article date, else today].
    #[arg(long, value_name = "DATE")]
    pub date: Option<NaiveDate>,

    #[command(flatten)]
    pub voice: VoiceArgs,

    /// Voice for the article titles and the bulletin, as --voice [default: the voice that reads
    /// the body]. It must have the same sample rate as the body voice.
    #[arg(long, value_name = "VOICE")]
    pub headline_voice: Option<String>,

    #[command(flatten)]
    pub pauses: PauseArgs,

    #[command(flatten)]
    pub ingest: IngestArgs,

    #[command(flatten)]
    pub publish: PublishArgs,

    #[command(flatten)]
    pub audio: AudioArgs,

    #[command(flatten)]
    pub safety: SafetyArgs,

    #[command(flatten)]
    pub speed: SpeedArgs,
}

/// How fast an edition renders: parallel synthesis and the sentence cache (issue #6).
#[derive(Debug, Clone, Args)]
pub struct SpeedArgs {
    /// Sentences synthesized at once, each on its own ONNX Runtime session [default: the
    /// number of CPU cores]. The audio is the same for any value.
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    #[command(flatten)]
    pub cache: CacheArgs,
}

/// Where the sentence cache is, and whether to use it.
#[derive(Debug, Clone, Args)]
pub struct CacheArgs {
    /// Synthesize every sentence, reading and writing no cache.
    #[arg(long)]
    pub no_cache: bool,

    /// After the edition, remove the least recently used cache entries above this size
    /// (e.g. 500M, 2G; 0 empties it).
    #[arg(long, value_name = "SIZE", value_parser = parse_size,
          default_value = "2G")]
    pub cache_max_size: u64,
}

/// A size in bytes: a number with an optional K, M, G or T suffix (powers of 1024; a
/// trailing B or iB is allowed).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let upper = trimmed.to_ascii_uppercase();
    let upper = upper.strip_suffix("IB").or_else(|| upper.strip_suffix('B')).unwrap_or(&upper);
    let (number, unit) = match upper.char_indices().last() {
        Some((at, c)) if c.is_ascii_alphabetic() => (&upper[..at], c),
        _ => (upper, ' '),
    };
    let scale: u64 = match unit {
        ' ' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        'T' => 1 << 40,
        _ => return Err(format!("{trimmed:?}: the unit must be K, M, G or T")),
    };
    let value: f64 = number
        .trim()
        .parse()
        .map_err(|_| format!("{trimmed:?} is not a size such as 500M or 2G"))?;
    if !value.is_finite() || value < 0.0 || value * scale as f64 > u64::MAX as f64 {
        return Err(format!("{trimmed:?} is not a size such as 500M or 2G"));
    }
    Ok((value * scale as f64).round() as u64)
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
    /// 16000 words, well over the longest news feature.
    #[arg(long, value_name = "CHARS", default_value_t = 100_000)]
    pub max_article_chars: usize,
}

#[derive(Debug, Args)]
pub struct PublishCommandArgs {
    /// An edition folder, or a publication root holding edition folders.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    #[command(flatten)]
    pub publish: PublishArgs,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The folder to serve (an output root or an edition folder).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,

    /// Port to listen on; 0 picks a free one.
    #[arg(long, value_name = "N", default_value_t = crate::serve::DEFAULT_PORT)]
    pub port: u16,

    /// Address to listen on. The default serves this machine only; 0.0.0.0 would serve the
    /// whole network.
    #[arg(long, value_name = "ADDR", default_value_t = crate::serve::DEFAULT_BIND)]
    pub bind: IpAddr,
}

#[derive(Debug, Args)]
pub struct SpeakArgs {
    /// Text to speak; `-` or nothing reads standard input.
    #[arg(value_name = "TEXT|-")]
    pub text: Option<String>,

    /// File to write; .mp3, .opus (or .ogg) and .wav choose the format, anything else is WAV.
    /// `-` streams a WAV to standard output, sentence by sentence, for a player to start at once
    /// (`nashra speak -o - "..." | aplay`).
    ///
    /// The speech is levelled to -19 LUFS under -1 dBTP. A file is levelled as a whole, exactly
    /// on the target; the stream cannot wait for the end, so it keeps the gain that brings its
    /// first sentence to -19 LUFS (the whole may end a dB or two under).
    #[arg(short, long, value_name = "FILE")]
    pub output: PathBuf,

    #[command(flatten)]
    pub voice: VoiceArgs,

    /// Silence between sentences, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 0.35)]
    pub sentence_pause: f32,
}

impl SpeakArgs {
    /// Whether `--output -` asks for the WAV on standard output.
    pub fn to_stdout(&self) -> bool {
        self.output == std::path::Path::new("-")
    }
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
pub enum CacheCommand {
    /// Show the cache folder, its entries and their size.
    Stats,
    /// Remove the least recently used entries until the cache is at most SIZE.
    Prune {
        /// The size to prune to (e.g. 500M, 2G; 0 empties the cache).
        #[arg(long, value_name = "SIZE", value_parser = parse_size, default_value = "2G")]
        max_size: u64,
    },
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
        assert_eq!(args.pauses.sentence_pause, None, "unset: edition.toml or the default");
        assert!(!args.safety.strict);
        assert_eq!(args.safety.max_article_chars, 100_000);
        assert_eq!(args.audio.format, None, "unset: edition.toml or mp3");
        assert_eq!((args.audio.intro, args.audio.outro), (None, None));
        assert_eq!(args.audio.loudness, None);
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
    fn an_edition_file_stands_in_for_inputs() {
        let cli = Cli::try_parse_from(["nashra", "edition", "--edition", "e.toml", "--out", "x"])
            .expect("inputs come from the edition file");
        let Command::Edition(args) = cli.command else { panic!("not edition") };
        assert_eq!(args.edition, Some(PathBuf::from("e.toml")));
        assert!(args.inputs.is_empty());
        assert!(Cli::try_parse_from([
            "nashra",
            "edition",
            "f.xml",
            "--feed-items",
            "0",
            "--out",
            "x"
        ])
        .is_err());
        let cli = Cli::try_parse_from([
            "nashra",
            "edition",
            "f.xml",
            "--feed-items",
            "3",
            "--since",
            "2024-03-01",
            "--fetch-links",
            "--headline-voice",
            "v",
            "--out",
            "x",
        ])
        .expect("feed options");
        let Command::Edition(args) = cli.command else { panic!("not edition") };
        assert_eq!(args.ingest.feed_items, Some(3));
        assert_eq!(args.ingest.since, NaiveDate::from_ymd_opt(2024, 3, 1));
        assert!(args.ingest.fetch_links);
        assert_eq!(args.headline_voice.as_deref(), Some("v"));
    }

    #[test]
    fn publish_options_have_defaults() {
        let cli = Cli::try_parse_from(["nashra", "edition", "a.txt", "--out", "x"]).unwrap();
        let Command::Edition(args) = cli.command else { panic!("not edition") };
        assert_eq!((args.publish.feed_max, args.publish.daisy), (30, false));
    }

    #[test]
    fn edition_takes_a_root_instead_of_or_with_out() {
        let cli = Cli::try_parse_from(["nashra", "edition", "a.txt", "--root", "r", "--daisy"])
            .expect("--root alone is a destination");
        let Command::Edition(args) = cli.command else { panic!("not edition") };
        assert_eq!((args.out, args.root), (None, Some(PathBuf::from("r"))));
        assert!(args.publish.daisy);
        assert!(
            Cli::try_parse_from(["nashra", "edition", "a", "--root", "r", "--out", "r/x"]).is_ok()
        );
        assert!(Cli::try_parse_from(["nashra", "edition", "a", "--out", "x", "--feed-max", "0"])
            .is_err());
    }

    #[test]
    fn serve_defaults_to_this_machine_only() {
        let cli = Cli::try_parse_from(["nashra", "serve", "editions"]).expect("serve DIR");
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        assert_eq!(args.bind, std::net::IpAddr::from([127, 0, 0, 1]));
        assert_eq!(args.port, 8000);
        let cli =
            Cli::try_parse_from(["nashra", "serve", "e", "--port", "0", "--bind", "::1"]).unwrap();
        let Command::Serve(args) = cli.command else { panic!("not serve") };
        assert_eq!((args.port, args.bind.to_string()), (0, "::1".to_owned()));
    }

    #[test]
    fn audio_options_parse_lists_negative_numbers_and_sound_files() {
        let cli = Cli::try_parse_from([
            "nashra",
            "edition",
            "a.txt",
            "-o",
            "x",
            "--format",
            "opus,wav",
            "--loudness",
            "-23",
            "--true-peak",
            "-2",
            "--intro",
            "jingle.flac",
            "--transition",
            "none",
            "--stereo",
        ])
        .expect("valid audio options");
        let Command::Edition(args) = cli.command else { panic!("not edition") };
        assert_eq!(args.audio.format, Some(vec![Format::Opus, Format::Wav]));
        assert_eq!(args.audio.loudness, Some(-23.0));
        assert_eq!(args.audio.true_peak, -2.0);
        assert_eq!(args.audio.intro, Some(SoundSource::File("jingle.flac".into())));
        assert_eq!(args.audio.transition, Some(SoundSource::None));
        assert!(args.audio.stereo);
        assert!(
            Cli::try_parse_from(["nashra", "edition", "a", "-o", "x", "--format", "aac"]).is_err()
        );
        assert!(Cli::try_parse_from([
            "nashra",
            "edition",
            "a",
            "-o",
            "x",
            "--mp3-bitrate",
            "64",
            "--mp3-vbr",
            "2"
        ])
        .is_err());
    }

    #[test]
    fn stage_names_are_the_documented_ones() {
        for name in ["normalized", "spoken", "sentences", "diacritized", "phonemes", "ids"] {
            let cli = Cli::try_parse_from(["nashra", "text", "--stage", name]);
            assert!(cli.is_ok(), "stage {name} rejected");
        }
    }
}
