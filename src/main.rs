//! `nashra`: parse the command line, call one library function per subcommand, print the result.
//!
//! Errors are printed once, as `nashra: <error>: <cause>…`, and a run in which some article could
//! not be rendered exits with status 1 after finishing the others. A closed stdout (`nashra text
//! … | head`) is not an error.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::Result;
use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use nashra::app::{self, Event};
use nashra::cli::{Cli, Command, PublishArgs, VoicesCommand};
use nashra::pipeline::Progress;
use nashra::voice::{catalog, install};

fn main() -> ExitCode {
    nashra::runtime::mark_start();
    nashra::runtime::settle_allocator();
    // Before any other thread exists: setting the environment is only sound then.
    nashra::runtime::disable_onnxruntime_telemetry();
    let cli = Cli::parse();
    init_logging(cli.quiet, cli.verbose);
    match run(&cli) {
        Ok(code) => code,
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        // --strict: an input failed; like a run that rendered around failures, status 1.
        Err(err) if err.is::<app::StrictStop>() => {
            eprintln!("nashra: {err:#}");
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("nashra: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &Cli) -> Result<ExitCode> {
    let voices_dir = cli.voices_dir.clone().unwrap_or_else(catalog::default_voices_dir);
    let quiet = cli.quiet;
    // A progress bar only for a person watching a terminal; logs and pipes get plain lines.
    let mut reporter = Reporter::new(quiet, io::IsTerminal::is_terminal(&io::stderr()));
    let mut report = |event: Event| reporter.event(&event);
    match &cli.command {
        Command::Edition(args) => {
            let outcome = app::edition(args, &voices_dir, cli.cache_dir.as_deref(), &mut report)?;
            reporter.finish();
            if !quiet {
                let counts = outcome.counts;
                match &outcome.cache_dir {
                    Some(dir) => eprintln!(
                        "nashra: {} sentence(s) synthesized, {} from the cache ({})",
                        counts.synthesized,
                        counts.cached,
                        dir.display()
                    ),
                    None => eprintln!("nashra: {} sentence(s) synthesized", counts.synthesized),
                }
                eprintln!("nashra: wrote {}", outcome.manifest_path.display());
            }
            print_published(quiet, &outcome.published, &args.publish);
            for error in &outcome.manifest.errors {
                eprintln!("nashra: {}: {}", error.source, error.message);
            }
            Ok(if outcome.complete() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Speak(args) => {
            app::speak(args, &voices_dir, &mut report)?;
            if !quiet && !args.to_stdout() {
                eprintln!("nashra: wrote {}", args.output.display());
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Text(args) => {
            let lines = app::text_stage(args, &voices_dir)?;
            let mut out = io::stdout().lock();
            for line in lines {
                writeln!(out, "{line}")?;
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Publish(args) => {
            let published = app::publish_again(args)?;
            print_published(quiet, &published, &args.publish);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => {
            let server = app::serve(args)?;
            let addr = server.local_addr()?;
            // Printed even with -q: it is the one thing the user needs to know.
            eprintln!("nashra: serving {} at http://{addr}/ (Ctrl-C stops)", args.dir.display());
            server.run()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Cache(command) => {
            let mut out = io::stdout().lock();
            write!(out, "{}", app::cache_command(command, cli.cache_dir.as_deref())?)?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Voices(VoicesCommand::List) => {
            let mut out = io::stdout().lock();
            write!(out, "{}", app::voices_listing(&voices_dir))?;
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Voices(VoicesCommand::Install { name, force }) => {
            let voice = app::known_voice(name)?;
            let path = install::install(voice, &voices_dir, *force)?;
            if !quiet {
                eprintln!("nashra: installed {name} at {}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What publishing wrote (unless `-q`) and its warnings (always).
fn print_published(quiet: bool, published: &nashra::publish::Published, args: &PublishArgs) {
    for warning in &published.warnings {
        eprintln!("nashra: warning: {warning}");
    }
    if quiet {
        return;
    }
    for file in &published.root_files {
        eprintln!("nashra: wrote {}", file.display());
    }
    eprintln!(
        "nashra: published {} edition file(s); the feed lists {} edition(s)",
        published.edition_files.len(),
        published.feed_editions
    );
    if args.base_url.is_none() {
        eprintln!(
            "nashra: the feed's links are relative: give --base-url (where the folder will be \
             served from) before submitting it to podcast apps"
        );
    }
}

/// What `nashra edition` shows while it renders: plain lines (see [`print_event`]), or, on a
/// terminal, one bar over the edition's sentences with the article, the audio made so far and
/// an ETA, with warnings printed above it.
struct Reporter {
    quiet: bool,
    bar: Option<ProgressBar>,
    /// Seconds of audio finished (bulletin and articles).
    audio_s: f64,
    terminal: bool,
}

impl Reporter {
    fn new(quiet: bool, terminal: bool) -> Self {
        Self { quiet, bar: None, audio_s: 0.0, terminal }
    }

    fn event(&mut self, event: &Event) {
        let Event::Progress(progress) = event else {
            match &self.bar {
                Some(bar) => bar.suspend(|| print_event(self.quiet, event)),
                None => print_event(self.quiet, event),
            }
            return;
        };
        if self.quiet {
            return;
        }
        if let Progress::EditionStarted { sentences, .. } = progress {
            if self.terminal {
                self.bar = Some(edition_bar(*sentences as u64));
            }
        }
        let Some(bar) = &self.bar else {
            print_event(self.quiet, event);
            return;
        };
        match progress {
            Progress::ArticleStarted { index, total, title } => {
                bar.set_prefix(format!("{:.0} s of audio; [{index}/{total}]", self.audio_s));
                bar.set_message(one_line(title, 40));
            }
            Progress::BulletinStarted { .. } => bar.set_prefix("bulletin"),
            Progress::SentenceDone { .. } => bar.inc(1),
            Progress::ArticleDone { duration_s, .. } | Progress::BulletinDone { duration_s } => {
                self.audio_s += duration_s;
            }
            Progress::ArticleFailed { index, message, .. } => {
                let line = format!("nashra: article {index} failed: {}", one_line(message, 200));
                bar.suspend(|| eprintln!("{line}"));
            }
            Progress::FullEditionDone { .. } => bar.set_message("full edition written"),
            _ => {}
        }
    }

    /// Clears the bar; the summary lines follow.
    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// The bar over an edition's `sentences`: elapsed, bar, sentences, rate, ETA, what is spoken.
fn edition_bar(sentences: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(sentences), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template(
        "{elapsed_precise} {wide_bar} {pos}/{len} sentences, ETA {eta} {prefix} {msg}",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

/// Progress and warnings go to stderr; `-q` keeps only the warnings.
fn print_event(quiet: bool, event: &Event) {
    match event {
        Event::FallbackVoice { voice } => eprintln!(
            "nashra: warning: no Arabic Piper voice is installed, speaking with espeak-ng's \
             built-in '{voice}' voice (install one with `nashra voices install ar_JO-kareem-medium`)"
        ),
        Event::InputFailed { source, message } => {
            eprintln!("nashra: skipping {}: {message}", source.display())
        }
        Event::Duplicate { dropped, kept } => eprintln!(
            "nashra: warning: {} repeats {} (same title and text); it is read once",
            dropped.display(),
            kept.display()
        ),
        Event::Progress(_) if quiet => {}
        Event::Progress(progress) => match progress {
            Progress::ArticleStarted { index, total, title } => {
                eprintln!("nashra: [{index}/{total}] {}", one_line(title, 100))
            }
            Progress::BulletinDone { duration_s, .. } => {
                eprintln!("nashra: bulletin ({duration_s:.1} s)")
            }
            Progress::ArticleDone { duration_s, .. } => {
                eprintln!("nashra:        {duration_s:.1} s of audio")
            }
            Progress::FullEditionDone { duration_s, chapters } => {
                eprintln!("nashra: full edition ({duration_s:.1} s, {chapters} chapters)")
            }
            _ => {}
        },
    }
}

/// At most `max` characters of `text` on one line, for progress lines.
fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    match flat.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &flat[..cut]),
        None => flat,
    }
}

fn init_logging(quiet: bool, verbose: u8) {
    let default = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, _) => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("NASHRA_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("nashra={default}")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        // Colours only for a terminal: a log captured to a file or a pipe stays plain text.
        .with_ansi(io::IsTerminal::is_terminal(&io::stderr()))
        .with_target(false)
        .without_time()
        .init();
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause.downcast_ref::<io::Error>().is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
