//! Links between published files: relative paths inside an output root, and the absolute URLs
//! a feed needs when the root is served from a known address.
//!
//! In: paths read from a manifest (untrusted: a manifest is plain JSON and may be edited by
//! hand), and the `--base-url` given by the user. Out: a checked [`RelPath`], and hrefs for
//! HTML, feeds and SMIL.
//!
//! Must never happen: a path from a manifest that climbs out of the edition folder (`..`, an
//! absolute path, a Windows drive or a backslash) being read, linked or served; a URL with a
//! space, quote or non-ASCII byte left unencoded (podcast apps and XML parsers differ on those).

use std::fmt;
use std::path::{Path, PathBuf};

use super::PublishError;

/// A base URL for absolute links: `http` or `https`, no query or fragment, always ending in `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks and normalizes `text` (a trailing `/` is added).
    ///
    /// ```
    /// use nashra::publish::links::BaseUrl;
    /// assert_eq!(BaseUrl::parse("https://example.org/news").unwrap().as_str(),
    ///            "https://example.org/news/");
    /// assert!(BaseUrl::parse("example.org").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, PublishError> {
        let bad = |reason: &'static str| PublishError::BaseUrl { url: text.to_owned(), reason };
        let rest = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
            .ok_or_else(|| bad("it must start with http:// or https://"))?;
        let host = rest.split('/').next().unwrap_or("");
        if host.is_empty() {
            return Err(bad("it has no host"));
        }
        if text.chars().any(|c| c.is_whitespace() || c.is_control() || !c.is_ascii()) {
            return Err(bad("it must be plain ASCII without spaces (percent-encode the rest)"));
        }
        if text.contains(['?', '#', '"', '<', '>', '\\']) {
            return Err(bad("it must not contain ? # \" < > or \\"));
        }
        let mut url = text.to_owned();
        if !url.ends_with('/') {
            url.push('/');
        }
        Ok(Self(url))
    }

    /// The URL, ending in `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A path relative to a folder, checked to stay inside it: `/`-separated, every segment a plain
/// name (no empty, `.` or `..` segment, no backslash, no drive, no control character).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RelPath(String);

impl RelPath {
    /// Checks `text` as a path relative to a folder.
    ///
    /// ```
    /// use nashra::publish::links::RelPath;
    /// assert!(RelPath::parse("2023-11-06/01-a.wav").is_ok());
    /// assert!(RelPath::parse("../etc/passwd").is_err());
    /// assert!(RelPath::parse("/etc/passwd").is_err());
    /// ```
    pub fn parse(text: &str) -> Result<Self, PublishError> {
        let bad = |reason: &'static str| PublishError::UnsafePath { path: text.to_owned(), reason };
        if text.is_empty() {
            return Err(bad("it is empty"));
        }
        if text.contains('\\') || text.chars().any(char::is_control) {
            return Err(bad("it contains a backslash or a control character"));
        }
        if text.starts_with('/') || text.as_bytes().get(1) == Some(&b':') {
            return Err(bad("it is absolute"));
        }
        if text.split('/').any(|seg| seg.is_empty() || seg == "." || seg == "..") {
            return Err(bad("it has an empty, . or .. segment"));
        }
        Ok(Self(text.to_owned()))
    }

    /// `prefix/self` (a folder name prepended), checked again.
    pub fn under(&self, folder: &str) -> Result<Self, PublishError> {
        if folder.is_empty() {
            return Ok(self.clone());
        }
        Self::parse(&format!("{folder}/{}", self.0))
    }

    /// The path as written, `/`-separated.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The last segment (`01-a.wav`).
    pub fn file_name(&self) -> &str {
        self.0.rsplit('/').next().unwrap_or(&self.0)
    }

    /// The last segment without its extension (`01-a`).
    pub fn stem(&self) -> &str {
        let name = self.file_name();
        match name.rfind('.') {
            Some(0) | None => name,
            Some(dot) => &name[..dot],
        }
    }

    /// The extension, lowercased, without the dot (`wav`); empty when there is none.
    pub fn extension(&self) -> String {
        let name = self.file_name();
        match name.rfind('.') {
            Some(dot) if dot > 0 => name[dot + 1..].to_ascii_lowercase(),
            _ => String::new(),
        }
    }

    /// The file this path names inside `dir`.
    pub fn join_to(&self, dir: &Path) -> PathBuf {
        self.0.split('/').fold(dir.to_path_buf(), |path, seg| path.join(seg))
    }

    /// The path as a relative URL: every segment percent-encoded.
    pub fn href(&self) -> String {
        self.0.split('/').map(encode_segment).collect::<Vec<_>>().join("/")
    }

    /// The path as an absolute URL under `base`, or as a relative URL when there is no base.
    pub fn url(&self, base: Option<&BaseUrl>) -> String {
        match base {
            Some(base) => format!("{}{}", base.as_str(), self.href()),
            None => self.href(),
        }
    }
}

impl fmt::Display for RelPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Percent-encodes one path segment: everything but RFC 3986 unreserved characters.
pub fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The MIME type of an audio file, from its extension; `None` for a format nashra does not
/// publish.
pub fn audio_type(path: &RelPath) -> Option<&'static str> {
    match path.extension().as_str() {
        "mp3" => Some("audio/mpeg"),
        "ogg" | "opus" | "oga" => Some("audio/ogg"),
        "wav" => Some("audio/wav"),
        "m4a" | "aac" => Some("audio/mp4"),
        "flac" => Some("audio/flac"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_gets_a_trailing_slash_and_refuses_non_urls() {
        assert_eq!(
            BaseUrl::parse("http://127.0.0.1:8000").unwrap().as_str(),
            "http://127.0.0.1:8000/"
        );
        assert_eq!(BaseUrl::parse("https://a.org/x/").unwrap().as_str(), "https://a.org/x/");
        for bad in [
            "ftp://a.org",
            "https://",
            "https:///x",
            "https://a.org/a b",
            "https://a.org/?q",
            "https://نشرة.org",
        ] {
            assert!(BaseUrl::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn relative_paths_that_leave_the_folder_are_refused() {
        for bad in
            ["", "/a.wav", "../a.wav", "a/../../b", "a//b", "./a", "a\\b", "C:/a.wav", "a\nb"]
        {
            assert!(RelPath::parse(bad).is_err(), "{bad:?} accepted");
        }
        let path = RelPath::parse("2023-11-06/01-a.b.wav").unwrap();
        assert_eq!(path.file_name(), "01-a.b.wav");
        assert_eq!(path.stem(), "01-a.b");
        assert_eq!(path.extension(), "wav");
        assert_eq!(path.join_to(Path::new("/r")), PathBuf::from("/r/2023-11-06/01-a.b.wav"));
        assert_eq!(RelPath::parse(".hidden").unwrap().stem(), ".hidden");
    }

    #[test]
    fn hrefs_percent_encode_each_segment() {
        let path = RelPath::parse("نشرة 1/a&b\"c.wav").unwrap();
        assert_eq!(path.href(), "%D9%86%D8%B4%D8%B1%D8%A9%201/a%26b%22c.wav");
        let base = BaseUrl::parse("https://a.org/p").unwrap();
        assert_eq!(RelPath::parse("x/y.mp3").unwrap().url(Some(&base)), "https://a.org/p/x/y.mp3");
        assert_eq!(RelPath::parse("x/y.mp3").unwrap().url(None), "x/y.mp3");
        assert_eq!(
            RelPath::parse("y.mp3").unwrap().under("2023-11-06").unwrap().as_str(),
            "2023-11-06/y.mp3"
        );
    }

    #[test]
    fn audio_types_follow_the_extension() {
        let ty = |p: &str| audio_type(&RelPath::parse(p).unwrap());
        assert_eq!(ty("a.MP3"), Some("audio/mpeg"));
        assert_eq!(ty("a.opus"), Some("audio/ogg"));
        assert_eq!(ty("a.ogg"), Some("audio/ogg"));
        assert_eq!(ty("a.wav"), Some("audio/wav"));
        assert_eq!(ty("a.txt"), None);
    }
}
