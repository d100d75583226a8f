//! The publish stage: describes what the audio stage wrote, and publishes it where people listen.
//!
//! In: the rendered programmes' paths, durations and sentence timings (the [`Manifest`]).
//! Out: safe file names ([`names`]), the `edition.json` manifest ([`manifest`]), and from the
//! manifest alone ([`write_all`]): transcripts ([`transcript`]), chapters ([`chapters`]), an
//! accessible read-along page ([`page`]), optionally a DAISY 2.02 talking book ([`daisy`]), and
//! for the publication root a podcast feed ([`feed`]), a list of editions and a cover image
//! ([`cover`]).
//!
//! Must never happen: a file name derived from untrusted text that leaves the output directory or
//! breaks on another platform; a manifest, feed or page that describes files which are not there;
//! a user-provided string reaching XML or HTML unescaped; a half-written file under its final
//! name (everything goes through [`crate::fsutil::write_atomic`]).
//!
//! This stage knows only [`crate::edition`] types and paths; it never touches audio samples.
//!
//! **Layout.** An edition folder holds the audio, `edition.json` and everything derived from them.
//! A publication root holds edition folders (one per date by default) plus `feed.xml`,
//! `index.html` (the list of editions) and `cover.png`; the feed collects every
//! `ROOT/*/edition.json`, newest first. An edition rendered on its own (no root) is its own root:
//! its folder also gets a one-edition `feed.xml` and `cover.png`.

pub mod chapters;
pub mod cover;
pub mod daisy;
pub mod feed;
pub mod links;
pub mod manifest;
pub mod names;
pub mod page;
pub mod programme;
pub mod site;
pub mod transcript;

use std::path::{Path, PathBuf};

pub use links::{BaseUrl, RelPath};
pub use manifest::{
    ArticleEntry, AudioFileEntry, BulletinEntry, ChapterEntry, ErrorEntry, FullEditionEntry,
    ItemEntry, LoudnessEntry, Manifest, MasteringEntry, PartEntry, SentenceEntry, SentenceRef,
    VoiceEntry,
};
pub use site::EditionRef;

/// Name of the manifest inside the output directory.
pub const MANIFEST_FILE: &str = "edition.json";

/// Name of the bulletin's audio file inside the output directory.
pub const BULLETIN_STEM: &str = "bulletin";

/// Name of the podcast feed in a publication root.
pub const FEED_FILE: &str = "feed.xml";

/// Name of the page of an edition, and of the list of editions in a root.
pub const PAGE_FILE: &str = "index.html";

/// Name of the cover image in a publication root.
pub const COVER_FILE: &str = "cover.png";

/// How many editions a feed keeps unless told otherwise: a month of daily editions.
pub const DEFAULT_FEED_MAX: usize = 30;

/// Name of the full edition's audio file inside the output directory.
pub const FULL_EDITION_STEM: &str = "full-edition";

/// Errors of the publish stage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    #[error("cannot serialize the manifest")]
    Serialize(#[source] serde_json::Error),
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a nashra manifest")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("invalid base URL {url:?}: {reason}")]
    BaseUrl { url: String, reason: &'static str },
    #[error("unsafe path {path:?} in the manifest: {reason}")]
    UnsafePath { path: String, reason: &'static str },
    #[error("cannot publish {programme}: {detail}")]
    Timing { programme: String, detail: String },
    #[error("cannot encode the cover image {path}")]
    Cover {
        path: PathBuf,
        #[source]
        source: png::EncodingError,
    },
    #[error("cannot make a DAISY book of {path}: {reason}")]
    Daisy { path: PathBuf, reason: String },
    #[error("{edition} is not a folder directly inside the publication root {root}")]
    NotInRoot { edition: PathBuf, root: PathBuf },
}

/// What to publish, and where it will be served from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishOptions {
    /// Where the publication root will be served from; feeds need absolute URLs. `None` writes
    /// relative links (fine for `nashra serve` and most browsers, not for podcast directories).
    pub base_url: Option<BaseUrl>,
    /// Also write a DAISY 2.02 talking book into the edition folder.
    pub daisy: bool,
    /// How many editions the feed keeps, newest first.
    pub feed_max: usize,
    /// The newsroom's name: podcast title and author, DAISY publisher. `None`: the newest
    /// edition's title.
    pub publisher: Option<String>,
    /// The publication root holding the edition folder; `None`: the edition folder is its own
    /// root.
    pub root: Option<PathBuf>,
}

impl Default for PublishOptions {
    fn default() -> Self {
        Self {
            base_url: None,
            daisy: false,
            feed_max: DEFAULT_FEED_MAX,
            publisher: None,
            root: None,
        }
    }
}

/// What [`write_all`] wrote, and what the user should hear about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Published {
    /// Files written into the edition folder.
    pub edition_files: Vec<PathBuf>,
    /// Files written into the publication root (the feed, the list of editions, the cover).
    pub root_files: Vec<PathBuf>,
    /// How many editions the feed lists.
    pub feed_editions: usize,
    /// Things that did not stop publishing but deserve a warning.
    pub warnings: Vec<String>,
}

/// Publishes the edition in `edition_dir` (described by `manifest`), then its publication root:
/// the one call the pipeline's caller makes after rendering.
pub fn write_all(
    edition_dir: &Path,
    manifest: &Manifest,
    opts: &PublishOptions,
) -> Result<Published, PublishError> {
    let mut published;
    match &opts.root {
        None => {
            let edition = EditionRef::standalone(edition_dir, manifest.clone());
            published = write_edition(&edition, opts)?;
            let root = write_root(edition_dir, std::slice::from_ref(&edition), opts)?;
            published.merge_root(root);
        }
        Some(root) => {
            let folder = site::folder_in_root(edition_dir, root)?;
            let edition = EditionRef::in_root(root, &folder, manifest.clone());
            published = write_edition(&edition, opts)?;
            let (editions, warnings) = site::collect(root)?;
            published.warnings.extend(warnings);
            let written = write_root(root, &editions, opts)?;
            published.merge_root(written);
        }
    }
    Ok(published)
}

impl Published {
    fn merge_root(&mut self, root: Published) {
        self.root_files = root.root_files;
        self.feed_editions = root.feed_editions;
        self.warnings.extend(root.warnings);
    }
}

/// Writes the files of one edition: per programme a WebVTT and an SRT transcript and a chapters
/// file; the edition's page; the DAISY book when asked for.
pub fn write_edition(
    edition: &EditionRef,
    opts: &PublishOptions,
) -> Result<Published, PublishError> {
    let programmes = programme::programmes(&edition.manifest)?;
    let podcast_name = opts.publisher.as_deref().unwrap_or(&edition.manifest.title);
    let mut written = Vec::new();
    let mut put = |name: String, text: &str| -> Result<(), PublishError> {
        let path = edition.dir.join(&name);
        write_text(&path, text)?;
        written.push(path);
        Ok(())
    };
    for programme in &programmes {
        put(format!("{}.vtt", programme.stem), &transcript::webvtt(&programme.cues))?;
        put(format!("{}.srt", programme.stem), &transcript::srt(&programme.cues))?;
        put(
            format!("{}.{}", programme.stem, feed::CHAPTERS_EXTENSION),
            &chapters::json(programme, podcast_name),
        )?;
    }
    if opts.daisy {
        let book = daisy::Book::new(&edition.manifest, &programmes, opts.publisher.as_deref());
        for (name, text) in daisy::files(&book, &edition.dir)? {
            put(name, &text)?;
        }
    }
    let mut warnings = Vec::new();
    let book = match daisy::book_state(&edition.dir) {
        _ if opts.daisy => true,
        daisy::BookState::Current => true,
        daisy::BookState::Absent => false,
        daisy::BookState::Stale => {
            warnings.push(format!(
                "{} holds a DAISY book older than its audio, which it may not match: pass --daisy \
                 to rewrite it (the page does not link it)",
                edition.dir.display()
            ));
            false
        }
    };
    let links = page::EditionLinks {
        home: edition.is_in_root().then(|| format!("../{PAGE_FILE}")),
        feed: if edition.is_in_root() { format!("../{FEED_FILE}") } else { FEED_FILE.to_owned() },
        daisy: book.then(|| daisy::NCC_FILE.to_owned()),
    };
    put(PAGE_FILE.to_owned(), &page::edition_page(&edition.manifest, &programmes, &links))?;
    Ok(Published { edition_files: written, warnings, ..Published::default() })
}

/// The feed's title: the publisher's name, else the newest edition's title.
fn channel_title(opts: &PublishOptions, newest: Option<&str>) -> String {
    opts.publisher.clone().or_else(|| newest.map(programme::one_line)).unwrap_or_default()
}

/// Starts drawing the cover that [`write_all`] will write for an edition titled `title` into
/// `edition_dir`, if the publication root has none ([`cover::draw_ahead`]).
pub fn draw_cover_ahead(edition_dir: &Path, opts: &PublishOptions, title: &str) {
    let root = opts.root.as_deref().unwrap_or(edition_dir);
    if !root.join(COVER_FILE).exists() {
        cover::draw_ahead(&channel_title(opts, Some(title)));
    }
}

/// Writes the files of a publication root from its editions (newest first): the cover (only when
/// there is none, so a newsroom's own artwork stays), the feed, and, when the root holds edition
/// folders, the list of editions.
pub fn write_root(
    root: &Path,
    editions: &[EditionRef],
    opts: &PublishOptions,
) -> Result<Published, PublishError> {
    let mut published = Published::default();
    let channel_title = channel_title(opts, editions.first().map(|e| e.manifest.title.as_str()));
    let cover = root.join(COVER_FILE);
    if !cover.exists() {
        cover::write(&cover, &channel_title)?;
        published.root_files.push(cover);
    }
    let in_feed = &editions[..editions.len().min(opts.feed_max)];
    let channel = feed::Channel::new(&channel_title, opts.base_url.as_ref());
    let rss = feed::rss(&channel, in_feed)?;
    published.warnings.extend(rss.warnings);
    let feed_path = root.join(FEED_FILE);
    write_text(&feed_path, &rss.xml)?;
    published.root_files.push(feed_path);
    published.feed_editions = in_feed.len();
    if editions.iter().any(EditionRef::is_in_root) {
        let path = root.join(PAGE_FILE);
        write_text(&path, &page::root_page(&channel_title, editions))?;
        published.root_files.push(path);
    }
    Ok(published)
}

fn write_text(path: &Path, text: &str) -> Result<(), PublishError> {
    crate::fsutil::write_atomic(path, text.as_bytes())
        .map_err(|source| PublishError::Write { path: path.to_path_buf(), source })
}

/// Removes what XML 1.0 cannot hold at all (C0 controls other than tab, newline and carriage
/// return, and the non-characters U+FFFE/U+FFFF): such a character in a title would make the
/// whole feed unreadable. Everything else is escaped by the writer.
pub fn xml_safe(text: &str) -> String {
    text.chars()
        .filter(|&c| !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}'))
        .collect()
}
