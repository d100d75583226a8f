//! Ingest: article files in, [`Article`]s out.
//!
//! In: paths given on the command line (files or folders). Out: one [`Article`] per file, its text
//! exactly as printed apart from line endings, a byte-order mark and the site's credit lines.
//! Never: speak boilerplate (`Powered by ...`), drop a body paragraph, or fail without naming the
//! file. Three formats are recognised (see [`parse`]): a scraped newspaper page (`page`), Markdown
//! (`markdown`) and plain text (`plain`).

mod date;
pub mod html;
mod markdown;
mod page;

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
    #[error("{}: not UTF-8 text (byte {offset}); save it as UTF-8", path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{}: no article text (empty, or nothing but site boilerplate)", path.display())]
    Empty { path: PathBuf },
    #[error("{}: no article files (.txt, .md, .markdown) in this folder", path.display())]
    EmptyFolder { path: PathBuf },
}

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
            if !hidden && wanted && path.is_file() {
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

/// Reads one article file (UTF-8, a leading BOM ignored) and parses it.
pub fn read(path: &Path) -> Result<Article, IngestError> {
    let bytes = fs::read(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => IngestError::NotFound { path: path.to_path_buf() },
        _ => IngestError::Io { path: path.to_path_buf(), source: e },
    })?;
    let text = String::from_utf8(bytes).map_err(|e| IngestError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    parse(&text, path)
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
