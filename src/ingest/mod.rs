//! Ingest: article files, pages, feeds and exports in, [`Article`]s out.
//!
//! In: the inputs given on the command line or in edition.toml: files, folders, or URLs the user
//! wrote out. Out: one [`Article`] per article found, its text as printed apart from line
//! endings, a byte-order mark, markup and the site's furniture (navigation, share bars, credits).
//! Never: speak boilerplate (`Powered by ...`), drop a body paragraph, fetch a URL the user did
//! not give (a feed item's link is fetched only with [`IngestOptions::fetch_links`]), or fail
//! without naming the input.
//!
//! Formats ([`Format`], chosen by [`detect`] from the extension, the server's content type, then
//! the text itself): scraped newspaper pages and plain text (`page`), Markdown (`markdown`), HTML
//! pages ([`html`]), RSS and Atom feeds ([`feed`]), JSON exports ([`json`]). A feed or a JSON list
//! gives several articles, each of which may fail alone ([`Ingested`]).
//!
//! Bytes become text in [`decode`] (UTF-8, UTF-16, Windows-1256, ISO-8859-6, a declared charset;
//! binary files refused). A `.txt` or `.md` file that holds a whole HTML page is read as HTML; one
//! with stray markup (a script or style block, a few tags) loses it in `tagsoup` first.

mod date;
pub mod decode;
pub mod feed;
pub mod fetch;
pub mod html;
pub mod json;
mod markdown;
mod page;
mod tagsoup;

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

pub use date::{is_timestamp, parse_date, parse_dateline, parse_instant};

use crate::edition::Article;

/// Why an input or one of its articles could not be read. Every variant names the input (a
/// feed item or JSON article as `input#N` or `input#id`).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IngestError {
    #[error("{}: no such file or folder", path.display())]
    NotFound { path: PathBuf },
    #[error("{}: cannot read: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{}: {source}", path.display())]
    Decode { path: PathBuf, source: decode::DecodeError },
    #[error("{}: not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("{}: no article text (empty, or nothing but site boilerplate)", path.display())]
    Empty { path: PathBuf },
    #[error(
        "{}: no article files (.txt, .md, .html, .xml, .rss, .atom, .json) in this folder",
        path.display()
    )]
    EmptyFolder { path: PathBuf },
    #[error("{}: {size} bytes, more than the {limit} bytes an article input may have", path.display())]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error(
        "{}: the page has a title but no article text (is its text written by scripts?)",
        path.display()
    )]
    NoText { path: PathBuf },
    #[error("{}: {source}", path.display())]
    Fetch { path: PathBuf, source: fetch::FetchError },
    #[error("{}: {source}", path.display())]
    Feed { path: PathBuf, source: feed::FeedError },
    #[error("{}: {reason}", path.display())]
    FeedItem { path: PathBuf, reason: String },
    #[error("{}: {source}", path.display())]
    Json { path: PathBuf, source: json::JsonError },
    #[error("{}: an edition file, not an article (pass it with --edition)", path.display())]
    EditionFile { path: PathBuf },
}

impl IngestError {
    /// The input, or the article of an input (`feed.xml#3`), that failed.
    pub fn input(&self) -> &Path {
        match self {
            Self::NotFound { path }
            | Self::Io { path, .. }
            | Self::Decode { path, .. }
            | Self::NotAFile { path }
            | Self::Empty { path }
            | Self::EmptyFolder { path }
            | Self::TooLarge { path, .. }
            | Self::NoText { path }
            | Self::Fetch { path, .. }
            | Self::Feed { path, .. }
            | Self::FeedItem { path, .. }
            | Self::Json { path, .. }
            | Self::EditionFile { path } => path,
        }
    }
}

/// Largest input file read, in bytes. Real article pages are well under 5 MiB; the bound keeps a
/// wrong path (a video, a disk image) from being read into memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// File extensions read from a folder.
const ARTICLE_EXTENSIONS: &[&str] =
    &["txt", "md", "markdown", "html", "htm", "xhtml", "xml", "rss", "atom", "json"];

/// The format of an input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A scraped newspaper page or plain text.
    Text,
    Markdown,
    Html,
    /// RSS or Atom.
    Feed,
    Json,
    /// An edition description (`edition.toml`), not an article.
    Edition,
}

/// How inputs are read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestOptions {
    /// Which feed items become articles.
    pub feed: feed::Selection,
    /// Fetch the linked page of a feed item that carries no text.
    pub fetch_links: bool,
    /// Timeout and size limit of every fetch.
    pub limits: fetch::Limits,
}

/// What one input gave: its articles, and the articles in it that failed (a feed item without
/// text, a JSON object without a title).
#[derive(Debug, Default)]
pub struct Ingested {
    pub articles: Vec<Article>,
    pub failed: Vec<IngestError>,
}

/// Whether an input names a URL rather than a file.
pub fn is_url(input: &Path) -> bool {
    input.to_str().is_some_and(fetch::is_url)
}

/// The article inputs named by `inputs`: files and URLs as given, in order; a folder gives its
/// article files sorted by name (hidden ones skipped), so an edition's order is reproducible.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for input in inputs {
        if is_url(input) {
            out.push(input.clone());
            continue;
        }
        let meta = fs::metadata(input).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => IngestError::NotFound { path: input.clone() },
            _ => IngestError::Io { path: input.clone(), source: e },
        })?;
        if !meta.is_dir() {
            out.push(input.clone());
            continue;
        }
        let entries =
            fs::read_dir(input).map_err(|e| IngestError::Io { path: input.clone(), source: e })?;
        let mut found = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| IngestError::Io { path: input.clone(), source: e })?;
            let path = entry.path();
            let name = entry.file_name();
            let hidden = name.to_string_lossy().starts_with('.');
            let wanted = extension(&path).is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e.as_str()));
            // Not `is_file()`: a broken link or a special file named `*.txt` is reported by
            // `read_input`, never skipped in silence.
            if !hidden && wanted && !path.is_dir() {
                found.push(path);
            }
        }
        if found.is_empty() {
            return Err(IngestError::EmptyFolder { path: input.clone() });
        }
        found.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
        out.extend(found);
    }
    Ok(out)
}

/// Reads one input (a file or a URL) in whatever format it is.
pub fn read_input(input: &Path, options: &IngestOptions) -> Result<Ingested, IngestError> {
    let (text, content_type) = if is_url(input) {
        let url = input.to_string_lossy();
        let fetched = fetch::fetch(&url, &options.limits)
            .map_err(|source| IngestError::Fetch { path: input.to_path_buf(), source })?;
        let text = decode_bytes(&fetched.body, input, fetched.content_type.as_deref())?;
        (text, fetched.content_type)
    } else {
        (read_text(input)?, None)
    };
    let format = detect(input, &text, content_type.as_deref());
    articles_of(format, &text, input, options)
}

/// Reads one article file (any encoding [`decode`] knows) and parses it as text or Markdown.
pub fn read(path: &Path) -> Result<Article, IngestError> {
    parse(&read_text(path)?, path)
}

/// The text of an input file: a regular file of at most [`MAX_FILE_BYTES`], decoded.
pub fn read_text(path: &Path) -> Result<String, IngestError> {
    use std::io::Read as _;
    let io_error = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => IngestError::NotFound { path: path.to_path_buf() },
        _ => IngestError::Io { path: path.to_path_buf(), source: e },
    };
    let file = fs::File::open(path).map_err(io_error)?;
    let meta = file.metadata().map_err(io_error)?;
    if !meta.is_file() {
        // A device (`/dev/zero`), FIFO or socket: reading could block or never end.
        return Err(IngestError::NotAFile { path: path.to_path_buf() });
    }
    let too_large =
        |size| IngestError::TooLarge { path: path.to_path_buf(), size, limit: MAX_FILE_BYTES };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    // Bounded even if the file grows while it is read.
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    decode_bytes(&bytes, path, None)
}

/// Text from the bytes of `path`, with the charset a server declared, if any.
fn decode_bytes(
    bytes: &[u8],
    path: &Path,
    content_type: Option<&str>,
) -> Result<String, IngestError> {
    let decoded = decode::decode_declared(bytes, content_type)
        .map_err(|source| IngestError::Decode { path: path.to_path_buf(), source })?;
    if !matches!(decoded.encoding, decode::TextEncoding::Utf8 | decode::TextEncoding::Utf8Bom) {
        tracing::info!(path = %path.display(), encoding = decoded.encoding.name(), "converted to UTF-8");
    }
    Ok(decoded.text)
}

/// Lower-case extension of a path or of a URL's path (query and fragment left out).
fn extension(input: &Path) -> Option<String> {
    let s = input.to_string_lossy();
    let path = if fetch::is_url(&s) {
        let end = s.find(['?', '#']).unwrap_or(s.len());
        let without_scheme = s[..end].split_once("://").map_or(&s[..end], |(_, rest)| rest);
        // A bare host (`https://example.com`) has no extension.
        without_scheme.split_once('/').map_or("", |(_, path)| path).to_owned()
    } else {
        s.into_owned()
    };
    Path::new(&path).extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase)
}

/// The format of an input: by extension when it names one, else by the content type a server
/// declared, else by the text (`{`/`[` is JSON, an `<rss>`/`<feed>` root a feed, `<html>` a page).
/// `.xml` files are sniffed too, since XHTML pages end so as well as feeds.
pub fn detect(input: &Path, text: &str, content_type: Option<&str>) -> Format {
    match extension(input).as_deref() {
        Some("txt") => return Format::Text,
        Some("md" | "markdown") => return Format::Markdown,
        Some("html" | "htm" | "xhtml") => return Format::Html,
        Some("rss" | "atom") => return Format::Feed,
        Some("json") => return Format::Json,
        Some("toml") => return Format::Edition,
        _ => {}
    }
    let mime = content_type
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .unwrap_or_default();
    match mime.as_str() {
        "text/html" | "application/xhtml+xml" => return Format::Html,
        "application/rss+xml" | "application/atom+xml" | "application/rdf+xml" => {
            return Format::Feed
        }
        "application/json" | "application/feed+json" => return Format::Json,
        "text/markdown" => return Format::Markdown,
        _ => {}
    }
    sniff(text)
}

/// The format the text itself shows.
fn sniff(text: &str) -> Format {
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if start.starts_with(['{', '[']) && serde_json::from_str::<serde_json::Value>(start).is_ok() {
        return Format::Json;
    }
    if !start.starts_with('<') {
        return Format::Text;
    }
    match root_element(start).as_deref() {
        Some("rss" | "feed" | "rdf") => Format::Feed,
        _ => Format::Html,
    }
}

/// The local name of the first element of a markup text, lower-cased (`rdf:RDF` → `rdf`).
fn root_element(text: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = false;
    reader.config_mut().allow_dangling_amp = true;
    for _ in 0..64 {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)) => {
                return Some(String::from_utf8_lossy(e.local_name().as_ref()).to_ascii_lowercase());
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
    None
}

/// The articles of a text in `format`; `source` names the input.
fn articles_of(
    format: Format,
    text: &str,
    source: &Path,
    options: &IngestOptions,
) -> Result<Ingested, IngestError> {
    match format {
        Format::Text | Format::Markdown => {
            let article = parse_text(text, source, format == Format::Markdown)?;
            Ok(Ingested { articles: vec![article], failed: Vec::new() })
        }
        Format::Html => {
            let article = html_article(text, source)?;
            Ok(Ingested { articles: vec![article], failed: Vec::new() })
        }
        Format::Feed => {
            let parsed = feed::parse(text)
                .map_err(|e| IngestError::Feed { path: source.to_path_buf(), source: e })?;
            let mut ingested = Ingested::default();
            for item in feed::select(parsed.items, options.feed) {
                let label = item_label(source, &item.position.to_string());
                match item_article(item, &label, options) {
                    Ok(article) => ingested.articles.push(article),
                    Err(err) => ingested.failed.push(err),
                }
            }
            Ok(ingested)
        }
        Format::Json => {
            let parsed = json::parse(text)
                .map_err(|e| IngestError::Json { path: source.to_path_buf(), source: e })?;
            let mut ingested = Ingested::default();
            for entry in parsed {
                let key = entry.id.clone().unwrap_or_else(|| entry.position.to_string());
                let label = item_label(source, &key);
                match entry.article {
                    Ok(mut article) => {
                        article.source = label;
                        ingested.articles.push(article);
                    }
                    Err(e) => ingested.failed.push(IngestError::Json { path: label, source: e }),
                }
            }
            Ok(ingested)
        }
        Format::Edition => Err(IngestError::EditionFile { path: source.to_path_buf() }),
    }
}

/// The article of an HTML page.
fn html_article(text: &str, source: &Path) -> Result<Article, IngestError> {
    let mut article = html::parse_page(text);
    if article.title.is_empty() {
        return Err(IngestError::Empty { path: source.to_path_buf() });
    }
    if article.paragraphs.is_empty() {
        return Err(IngestError::NoText { path: source.to_path_buf() });
    }
    article.source = source.to_path_buf();
    Ok(article)
}

/// `feed.xml#3`: one article of a multi-article input.
fn item_label(source: &Path, key: &str) -> PathBuf {
    PathBuf::from(format!("{}#{key}", source.display()))
}

/// The article of a feed item: its own HTML or text, else (when allowed) its linked page.
fn item_article(
    item: feed::FeedItem,
    label: &Path,
    options: &IngestOptions,
) -> Result<Article, IngestError> {
    if item.title.is_empty() {
        return Err(IngestError::FeedItem { path: label.to_path_buf(), reason: "no title".into() });
    }
    let text = [&item.content, &item.summary]
        .into_iter()
        .flatten()
        .map(|t| match t {
            feed::Text::Html(h) => html::parse_fragment(h, &item.title),
            feed::Text::Plain(p) => {
                html::Body { paragraphs: plain_paragraphs(p), ..html::Body::default() }
            }
        })
        .find(|body| !body.paragraphs.is_empty());
    let mut article = match (text, &item.link) {
        (Some(body), _) => Article {
            author: body.author,
            paragraphs: body.paragraphs,
            notes: body.notes,
            related: body.related,
            ..Article::default()
        },
        (None, Some(link)) if options.fetch_links => linked_page(link, label, options)?,
        (None, Some(link)) => {
            return Err(IngestError::FeedItem {
                path: label.to_path_buf(),
                reason: format!(
                    "the item has only a link ({link}); pass --fetch-links to read the linked page"
                ),
            })
        }
        (None, None) => {
            return Err(IngestError::FeedItem {
                path: label.to_path_buf(),
                reason: "the item has no text and no link".into(),
            })
        }
    };
    article.title = item.title;
    article.source = label.to_path_buf();
    article.date = item.date.or(article.date);
    article.author = item.author.or(article.author);
    article.url = item.link.or(article.url);
    if item.date.is_some() {
        // The feed's date is a timestamp, not a printed dateline.
        article.dateline = None;
    }
    Ok(article)
}

/// The article of a feed item's linked page (fetched because the user allowed it).
fn linked_page(link: &str, label: &Path, options: &IngestOptions) -> Result<Article, IngestError> {
    let fetched = fetch::fetch(link, &options.limits).map_err(|e| IngestError::FeedItem {
        path: label.to_path_buf(),
        reason: format!("cannot read the linked page {link}: {e}"),
    })?;
    let text = decode_bytes(&fetched.body, label, fetched.content_type.as_deref())?;
    let article = html::parse_page(&text);
    if article.paragraphs.is_empty() {
        return Err(IngestError::NoText { path: label.to_path_buf() });
    }
    Ok(article)
}

/// Paragraphs of plain text: blank-line separated blocks, soft-wrapped lines joined.
pub(crate) fn plain_paragraphs(text: &str) -> Vec<String> {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(html::collapse)
        .filter(|p| !p.is_empty() && !is_boilerplate(p))
        .collect()
}

/// An article dropped because an earlier input had the same one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub dropped: PathBuf,
    pub kept: PathBuf,
}

/// Keeps the first of articles with the same title and body once normalized (digits folded,
/// diacritics, tatweel, punctuation and spacing ignored), in order.
pub fn dedup(articles: Vec<Article>) -> (Vec<Article>, Vec<Duplicate>) {
    let mut seen: HashMap<String, PathBuf> = HashMap::new();
    let mut kept = Vec::new();
    let mut dropped = Vec::new();
    for article in articles {
        let key = identity(&article);
        match seen.get(&key) {
            Some(first) => {
                dropped.push(Duplicate { dropped: article.source.clone(), kept: first.clone() })
            }
            None => {
                seen.insert(key, article.source.clone());
                kept.push(article);
            }
        }
    }
    (kept, dropped)
}

/// What makes two articles the same: title and body, normalized.
fn identity(article: &Article) -> String {
    let norm = |s: &str| {
        let clean: String = crate::text::normalize(s)
            .chars()
            .filter(|c| !crate::text::normalize::is_harakah(*c) && *c != '\u{0640}')
            .map(|c| if c.is_alphanumeric() { c } else { ' ' })
            .collect();
        html::collapse(&clean)
    };
    let mut key = norm(&article.title);
    for p in &article.paragraphs {
        key.push('\n');
        key.push_str(&norm(p));
    }
    key
}

/// Parses article text read from `source`.
///
/// Format: `.md`/`.markdown` files are Markdown. Otherwise, when the second non-empty line is a
/// dateline, the text is a newspaper page (title, dateline, author, body, `•` notes, then
/// headline/dateline pairs of related news). Anything else is plain text: the first line is the
/// title, the rest are paragraphs.
pub fn parse(text: &str, source: &Path) -> Result<Article, IngestError> {
    let is_markdown = extension(source).is_some_and(|e| matches!(e.as_str(), "md" | "markdown"));
    parse_text(text, source, is_markdown)
}

fn parse_text(text: &str, source: &Path, markdown: bool) -> Result<Article, IngestError> {
    // A web page saved as text: read by the HTML reader. Text with stray markup (a script or
    // style block, a few tags) loses the markup and stays text, so that no code is spoken.
    if tagsoup::is_document(text) {
        return html_article(text, source);
    }
    let text =
        text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n").replace('\r', "\n");
    let text = if tagsoup::looks_like_html(&text) { tagsoup::to_text(&text) } else { text };
    let article = if markdown { markdown::parse(&text) } else { page::parse(&text) };
    match article {
        Some(mut a) if !a.title.is_empty() => {
            a.source = source.to_path_buf();
            Ok(a)
        }
        _ => Err(IngestError::Empty { path: source.to_path_buf() }),
    }
}

/// Site credits and footer lines that are part of the scraped page but never of the article.
const BOILERPLATE_PREFIXES: &[&str] = &[
    "powered by",
    "design by",
    "designed by",
    "developed by",
    "all rights reserved",
    "copyright",
    "©",
    "جميع الحقوق محفوظة",
    "تصميم وبرمجة",
    "تصميم و برمجة",
    "برمجة وتصميم",
];

/// Whether a line is site boilerplate (credits, copyright), to be dropped wherever it appears.
pub(crate) fn is_boilerplate(line: &str) -> bool {
    let lower = line.trim().to_lowercase();
    if BOILERPLATE_PREFIXES.iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    // A Latin-only line that mentions a credit ("weebtech | Powered by ...").
    let latin_only = !lower.chars().any(|c| ('\u{0600}'..='\u{06ff}').contains(&c));
    latin_only && ["powered by", "design by", "designed by"].iter().any(|p| lower.contains(p))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests;
