//! Fetching an article page or feed by URL, only when the user asked for it.
//!
//! In: a URL the user gave (on the command line or in edition.toml), or the link of a feed item
//! when the user passed `--fetch-links`. Out: the response body and its declared content type.
//! Never: fetch anything the user did not ask for, wait without bound (one overall timeout per
//! request, redirects included), or hold an unbounded body in memory (a size limit, checked while
//! reading).

use std::time::Duration;

/// How long one request may take and how large its body may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The whole request: connecting, redirects, headers and body.
    pub timeout: Duration,
    /// Largest body accepted, in bytes.
    pub max_bytes: u64,
}

impl Default for Limits {
    /// 20 seconds and 5 MiB: a news page with its inline scripts is rarely over 1 MiB, and a
    /// newsroom's run should not hang on one slow site.
    fn default() -> Self {
        Self { timeout: Duration::from_secs(20), max_bytes: 5 * 1024 * 1024 }
    }
}

/// Redirects followed before giving up (http → https → canonical host is three).
const MAX_REDIRECTS: u32 = 5;

/// Why a URL could not be fetched. Every variant holds the URL; the messages leave it to the
/// caller, which names the input it was fetching for.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    #[error("only http:// and https:// URLs can be fetched")]
    NotHttp { url: String },
    #[error("the server answered {status}")]
    Status { url: String, status: u16 },
    #[error("no answer within {seconds} s")]
    Timeout { url: String, seconds: u64 },
    #[error("larger than the limit of {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("cannot fetch: {cause}")]
    Unreachable { url: String, cause: String },
}

/// A fetched document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// The `Content-Type` header, if any (`text/html; charset=utf-8`).
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// Whether `input` names a URL rather than a file.
pub fn is_url(input: &str) -> bool {
    let lower = input.get(..8).unwrap_or(input).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// GETs `url` within `limits`.
pub fn fetch(url: &str, limits: &Limits) -> Result<Fetched, FetchError> {
    if !is_url(url) {
        return Err(FetchError::NotHttp { url: url.to_owned() });
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(limits.timeout))
        .max_redirects(MAX_REDIRECTS)
        .user_agent(concat!("nashra/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();
    let classify = |e: ureq::Error| match e {
        ureq::Error::StatusCode(status) => FetchError::Status { url: url.to_owned(), status },
        ureq::Error::Timeout(_) => {
            FetchError::Timeout { url: url.to_owned(), seconds: limits.timeout.as_secs() }
        }
        ureq::Error::BodyExceedsLimit(_) => {
            FetchError::TooLarge { url: url.to_owned(), limit: limits.max_bytes }
        }
        other => FetchError::Unreachable { url: url.to_owned(), cause: other.to_string() },
    };
    let response = agent
        .get(url)
        .header("Accept", "text/html, application/xhtml+xml, application/rss+xml, application/atom+xml, application/xml;q=0.9, application/json;q=0.9, */*;q=0.5")
        .call()
        .map_err(classify)?;
    let content_type =
        response.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let body = response.into_body().into_with_config().limit(limits.max_bytes).read_to_vec();
    Ok(Fetched { content_type, body: body.map_err(classify)? })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// Serves one canned HTTP response per connection on 127.0.0.1, for as many connections as
    /// `responses` holds; `delay` is slept before answering.
    fn serve(responses: Vec<Vec<u8>>, delay: Duration) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for response in responses {
                let Ok((mut stream, _)) = listener.accept() else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                std::thread::sleep(delay);
                let _ = stream.write_all(&response);
            }
        });
        base
    }

    fn ok(content_type: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .into_bytes();
        r.extend_from_slice(body);
        r
    }

    #[test]
    fn a_page_is_fetched_with_its_content_type() {
        let page = "<html><body><p>نص</p></body></html>".as_bytes();
        let base = serve(vec![ok("text/html; charset=utf-8", page)], Duration::ZERO);
        let got = fetch(&format!("{base}/a.html"), &Limits::default()).unwrap();
        assert_eq!(got.body, page);
        assert_eq!(got.content_type.as_deref(), Some("text/html; charset=utf-8"));
    }

    #[test]
    fn bodies_over_the_limit_are_refused() {
        let base = serve(vec![ok("text/html", &[b'x'; 2000])], Duration::ZERO);
        let limits = Limits { max_bytes: 1000, ..Limits::default() };
        let err = fetch(&format!("{base}/big"), &limits).unwrap_err();
        assert!(matches!(err, FetchError::TooLarge { limit: 1000, .. }), "{err}");
    }

    #[test]
    fn error_statuses_and_slow_servers_are_errors_naming_the_url() {
        let base = serve(
            vec![b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .to_vec()],
            Duration::ZERO,
        );
        let missing = format!("{base}/missing");
        let err = fetch(&missing, &Limits::default()).unwrap_err();
        assert!(matches!(&err, FetchError::Status { status: 404, url } if *url == missing));
        assert_eq!(err.to_string(), "the server answered 404");

        let slow = serve(vec![ok("text/html", b"late")], Duration::from_secs(3));
        let limits = Limits { timeout: Duration::from_millis(300), ..Limits::default() };
        let err = fetch(&format!("{slow}/slow"), &limits).unwrap_err();
        assert!(matches!(err, FetchError::Timeout { .. }), "{err}");
    }

    #[test]
    fn only_http_urls_are_fetched() {
        assert!(is_url("https://example.com/a"));
        assert!(is_url("HTTP://example.com/a"));
        assert!(!is_url("file:///etc/passwd"));
        assert!(!is_url("article.html"));
        assert!(matches!(fetch("ftp://x/y", &Limits::default()), Err(FetchError::NotHttp { .. })));
    }
}
