//! Ingest: article files in, [`Article`]s out.
//!
//! In: paths given on the command line (files or folders). Out: one [`Article`] per file, its text
//! exactly as printed apart from line endings, a byte-order mark and the site's credit lines.
//! Never: speak boilerplate (`Powered by ...`), drop a body paragraph, or fail without naming the
//! file. Three formats are recognised (see [`parse`]): a scraped newspaper page (`page`), Markdown
//! (`markdown`) and plain text (`plain`). Bytes become text in [`decode`] (UTF-8, UTF-16,
//! Windows-1256, ISO-8859-6; binary files refused), and a `.txt`/`.md` file that is really HTML
//! loses its tags, scripts and styles in `tagsoup` before it is parsed.

mod date;
pub mod decode;
mod markdown;
mod page;
mod tagsoup;

use std::fs;
use std::path::{Path, PathBuf};

pub use date::{parse_date, parse_dateline};

use crate::edition::Article;

/// Why an article could not be read. Every variant names the file.
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
    #[error("{}: too large for an article ({bytes} bytes; the limit is {limit})", path.display())]
    TooLarge { path: PathBuf, bytes: u64, limit: u64 },
    #[error("{}: no article text (empty, or nothing but site boilerplate)", path.display())]
    Empty { path: PathBuf },
    #[error("{}: no article files (.txt, .md, .markdown) in this folder", path.display())]
    EmptyFolder { path: PathBuf },
}

/// The largest article file read, in bytes. A news article is a few dozen kilobytes; this bound
/// keeps a mistaken input (a disk image, `/dev/zero`) from filling memory.
pub const MAX_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// File extensions read from a folder.
const ARTICLE_EXTENSIONS: &[&str] = &["txt", "md", "markdown"];

/// The article files named by `inputs`: files as given, in order; a folder gives its article files
/// sorted by name (hidden ones skipped), so an edition's order is reproducible.
pub fn expand_inputs(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, IngestError> {
    let mut out = Vec::new();
    for input in inputs {
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
            let wanted = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| ARTICLE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()));
            // Not `is_file()`: a broken link or a special file named `*.txt` is reported by
            // `read`, never skipped in silence.
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

/// Reads one article file (any encoding [`decode`] knows) and parses it.
pub fn read(path: &Path) -> Result<Article, IngestError> {
    let text = read_text(path)?;
    parse(&text, path)
}

/// The text of a file: at most [`MAX_FILE_BYTES`] of a regular file, decoded.
pub fn read_text(path: &Path) -> Result<String, IngestError> {
    use std::io::Read as _;
    let io_error = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => IngestError::NotFound { path: path.to_path_buf() },
        _ => IngestError::Io { path: path.to_path_buf(), source: e },
    };
    let file = fs::File::open(path).map_err(io_error)?;
    if !file.metadata().map_err(io_error)?.is_file() {
        return Err(IngestError::NotAFile { path: path.to_path_buf() });
    }
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        let bytes = fs::metadata(path).map_or(MAX_FILE_BYTES + 1, |m| m.len());
        return Err(IngestError::TooLarge {
            path: path.to_path_buf(),
            bytes,
            limit: MAX_FILE_BYTES,
        });
    }
    let decoded = decode::decode(&bytes)
        .map_err(|source| IngestError::Decode { path: path.to_path_buf(), source })?;
    if !matches!(decoded.encoding, decode::TextEncoding::Utf8 | decode::TextEncoding::Utf8Bom) {
        tracing::info!(path = %path.display(), encoding = decoded.encoding.name(), "converted to UTF-8");
    }
    Ok(decoded.text)
}

/// Parses article text read from `source`.
///
/// Format: `.md`/`.markdown` files are Markdown. Otherwise, when the second non-empty line is a
/// dateline, the text is a newspaper page (title, dateline, author, body, `•` notes, then
/// headline/dateline pairs of related news). Anything else is plain text: the first line is the
/// title, the rest are paragraphs.
pub fn parse(text: &str, source: &Path) -> Result<Article, IngestError> {
    let text =
        text.strip_prefix('\u{feff}').unwrap_or(text).replace("\r\n", "\n").replace('\r', "\n");
    let text = if tagsoup::looks_like_html(&text) { tagsoup::to_text(&text) } else { text };
    let is_markdown = source
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "md" | "markdown"));
    let article = if is_markdown { markdown::parse(&text) } else { page::parse(&text) };
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
