//! `nashra serve`: a small static HTTP server to preview an output root (pages, feed, audio) as a
//! listener would get it.
//!
//! In: a folder and an address (127.0.0.1 unless told otherwise). Out: `GET` and `HEAD` answers
//! for the files under the folder, with byte ranges (`206 Partial Content`, `Accept-Ranges`),
//! so that browsers can seek in audio; `index.html` for a folder.
//!
//! Must never happen: a file outside the folder being served (`..` segments, encoded or not, are
//! refused; symbolic links that lead out of the folder are not followed; hidden files such as
//! the temporary `.name.tmp` files of an atomic write are not served); a slow or hostile client
//! holding the server (requests are size-limited, sockets time out, connections are capped);
//! listening on every interface by surprise.
//!
//! It is a preview tool, not a production server: one request per connection
//! (`Connection: close`), no compression, no caching headers beyond `no-cache`.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The port `nashra serve` listens on unless told otherwise.
pub const DEFAULT_PORT: u16 = 8000;

/// The address `nashra serve` binds unless told otherwise: this machine only.
pub const DEFAULT_BIND: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// Longest request head (request line and headers) accepted, in bytes.
const MAX_HEAD: usize = 16 * 1024;

/// Most connections handled at once; more get `503`.
const MAX_CONNECTIONS: usize = 64;

/// How long a client may stay silent, or refuse to read, before its connection is dropped.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(20);

/// Errors that stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    #[error("{path} is not a folder")]
    NotAFolder { path: PathBuf },
    #[error("cannot listen on {addr}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: io::Error,
    },
    #[error("the listening socket failed")]
    Accept(#[source] io::Error),
}

/// A bound server, not yet running.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    root: PathBuf,
    stop: Arc<AtomicBool>,
}

/// Stops a running [`Server`] from another thread.
#[derive(Debug, Clone)]
pub struct StopHandle {
    stop: Arc<AtomicBool>,
    addr: SocketAddr,
}

impl StopHandle {
    /// Asks the server to stop after the connection it is accepting; returns at once.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept with a connection of our own.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

impl Server {
    /// Binds `addr` to serve the files under `root`.
    pub fn bind(root: &Path, addr: SocketAddr) -> Result<Self, ServeError> {
        let root = root
            .canonicalize()
            .ok()
            .filter(|p| p.is_dir())
            .ok_or_else(|| ServeError::NotAFolder { path: root.to_path_buf() })?;
        let listener =
            TcpListener::bind(addr).map_err(|source| ServeError::Bind { addr, source })?;
        Ok(Self { listener, root, stop: Arc::new(AtomicBool::new(false)) })
    }

    /// The address actually bound (with the port the system chose for port 0).
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// A handle that stops [`run`](Self::run).
    pub fn stop_handle(&self) -> io::Result<StopHandle> {
        Ok(StopHandle { stop: Arc::clone(&self.stop), addr: self.local_addr()? })
    }

    /// Answers requests until stopped, one thread per connection.
    pub fn run(&self) -> Result<(), ServeError> {
        let active = Arc::new(AtomicUsize::new(0));
        for stream in self.listener.incoming() {
            if self.stop.load(Ordering::SeqCst) {
                break;
            }
            let mut stream = match stream {
                Ok(stream) => stream,
                // A client that gave up between connect and accept is not the server's problem.
                Err(err) if is_transient(&err) => continue,
                Err(err) => return Err(ServeError::Accept(err)),
            };
            if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                let _ = respond_error(&mut stream, 503, "Service Unavailable", false);
                continue;
            }
            active.fetch_add(1, Ordering::SeqCst);
            let root = self.root.clone();
            let active = Arc::clone(&active);
            std::thread::spawn(move || {
                if let Err(err) = handle(stream, &root) {
                    tracing::debug!(%err, "connection ended with an error");
                }
                active.fetch_sub(1, Ordering::SeqCst);
            });
        }
        Ok(())
    }
}

fn is_transient(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::Interrupted
    )
}

/// A parsed request head.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    method: String,
    target: String,
    range: Option<String>,
}

fn handle(mut stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(SOCKET_TIMEOUT))?;
    stream.set_write_timeout(Some(SOCKET_TIMEOUT))?;
    let request = match read_head(&mut stream) {
        Ok(Some(request)) => request,
        Ok(None) => return Ok(()),
        Err(status) => {
            respond_error(&mut stream, status, reason(status), false)?;
            linger(&mut stream);
            return Ok(());
        }
    };
    let head_only = request.method == "HEAD";
    if request.method != "GET" && !head_only {
        return respond_error(&mut stream, 405, "Method Not Allowed", false);
    }
    let status = match resolve(root, &request.target) {
        Ok(path) => serve_file(&mut stream, &path, request.range.as_deref(), head_only),
        Err(status) => respond_error(&mut stream, status, reason(status), head_only),
    };
    tracing::info!(method = %request.method, target = %request.target, "served");
    status
}

/// Closes our side, then reads and drops what the client still sends (bounded in bytes and
/// time), so that unread input does not make the system reset the connection before the client
/// has read our answer.
fn linger(stream: &mut TcpStream) {
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let _ = io::copy(&mut stream.take(64 * 1024), &mut io::sink());
}

/// Reads the request line and headers; `Err(status)` for a request to refuse, `Ok(None)` for a
/// connection closed before sending anything.
fn read_head(stream: &mut TcpStream) -> Result<Option<Request>, u16> {
    let mut reader = BufReader::new(stream.take(MAX_HEAD as u64 + 1));
    let mut lines = Vec::new();
    let mut total = 0;
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(|_| 400u16)?;
        total += n;
        if total > MAX_HEAD {
            return Err(431);
        }
        if n == 0 {
            if lines.is_empty() {
                return Ok(None);
            }
            return Err(400);
        }
        let line = line.trim_end_matches(['\r', '\n']).to_owned();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let mut parts = lines[0].split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(400);
    };
    if !version.starts_with("HTTP/1.") {
        return Err(505);
    }
    let range = lines[1..].iter().find_map(|header| {
        let (name, value) = header.split_once(':')?;
        name.trim().eq_ignore_ascii_case("range").then(|| value.trim().to_owned())
    });
    Ok(Some(Request { method: method.to_owned(), target: target.to_owned(), range }))
}

/// The file a request target names under `root`, or the status to answer with.
fn resolve(root: &Path, target: &str) -> Result<PathBuf, u16> {
    if !target.starts_with('/') {
        return Err(400);
    }
    let path = target.split(['?', '#']).next().unwrap_or("");
    let decoded = percent_decode(path).ok_or(400u16)?;
    let mut file = root.to_path_buf();
    for segment in decoded.split('/').filter(|s| !s.is_empty()) {
        if segment == ".." || segment == "." || segment.contains(['\\', '\0']) {
            return Err(403);
        }
        if segment.starts_with('.') {
            return Err(404);
        }
        file.push(segment);
    }
    if file.is_dir() {
        file.push("index.html");
    }
    // Resolve symbolic links and make sure the result is still inside the root.
    let real = file.canonicalize().map_err(|_| 404u16)?;
    if !real.starts_with(root) {
        return Err(403);
    }
    if !real.is_file() {
        return Err(404);
    }
    Ok(real)
}

/// Decodes `%XX` escapes; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// What a `Range` header asks for, against a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Range {
    /// Bytes `start..=end`.
    Part { start: u64, end: u64 },
    /// A range that lies past the end of the file.
    Unsatisfiable,
    /// No usable range (absent, malformed, or several ranges): send the whole file.
    Whole,
}

fn parse_range(header: Option<&str>, len: u64) -> Range {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return Range::Whole;
    };
    if spec.contains(',') {
        return Range::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return Range::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    match (first.parse::<u64>().ok(), last.parse::<u64>().ok()) {
        (Some(start), _) if start >= len => Range::Unsatisfiable,
        (Some(start), None) if last.is_empty() => Range::Part { start, end: len - 1 },
        (Some(start), Some(end)) if end >= start => Range::Part { start, end: end.min(len - 1) },
        (None, Some(suffix)) if first.is_empty() => {
            if suffix == 0 || len == 0 {
                Range::Unsatisfiable
            } else {
                Range::Part { start: len.saturating_sub(suffix), end: len - 1 }
            }
        }
        _ => Range::Whole,
    }
}

/// The `Content-Type` of a file, from its extension.
pub fn content_type(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "xml" => "application/xml; charset=utf-8",
        "json" => "application/json",
        "vtt" => "text/vtt; charset=utf-8",
        "srt" => "application/x-subrip; charset=utf-8",
        "smil" => "application/smil+xml",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "ogg" | "opus" | "oga" => "audio/ogg",
        "m4a" => "audio/mp4",
        "flac" => "audio/flac",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    }
}

fn serve_file(
    stream: &mut TcpStream,
    path: &Path,
    range: Option<&str>,
    head_only: bool,
) -> io::Result<()> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(_) => return respond_error(stream, 404, "Not Found", head_only),
    };
    let len = file.metadata()?.len();
    let kind = content_type(path);
    let (status, start, count, extra) = match parse_range(range, len) {
        Range::Whole => (200, 0, len, String::new()),
        Range::Part { start, end } => {
            (206, start, end - start + 1, format!("Content-Range: bytes {start}-{end}/{len}\r\n"))
        }
        Range::Unsatisfiable => {
            let head = format!(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{len}\r\n\
                 Accept-Ranges: bytes\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            return stream.write_all(head.as_bytes());
        }
    };
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {kind}\r\nContent-Length: {count}\r\n{extra}\
         Accept-Ranges: bytes\r\nCache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n\r\n",
        reason(status)
    );
    stream.write_all(head.as_bytes())?;
    if !head_only {
        file.seek(SeekFrom::Start(start))?;
        io::copy(&mut file.take(count), stream)?;
    }
    stream.flush()
}

fn respond_error(
    stream: &mut TcpStream,
    status: u16,
    text: &str,
    head_only: bool,
) -> io::Result<()> {
    let body = format!("{status} {text}\n");
    let mut response = format!(
        "HTTP/1.1 {status} {text}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n",
        body.len()
    );
    if status == 405 {
        response.push_str("Allow: GET, HEAD\r\n");
    }
    response.push_str("Connection: close\r\n\r\n");
    if !head_only {
        response.push_str(&body);
    }
    stream.write_all(response.as_bytes())?;
    stream.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        416 => "Range Not Satisfiable",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A running server on 127.0.0.1 with a port of its own, stopped on drop.
    struct Running {
        addr: SocketAddr,
        stop: StopHandle,
        thread: Option<std::thread::JoinHandle<()>>,
        _dir: tempfile::TempDir,
    }

    impl Drop for Running {
        fn drop(&mut self) {
            self.stop.stop();
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    fn start() -> Running {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("2023-11-06")).unwrap();
        std::fs::write(root.join("index.html"), "<!DOCTYPE html><title>x</title>").unwrap();
        std::fs::write(
            root.join("2023-11-06/a.wav"),
            (0u8..=255).cycle().take(1000).collect::<Vec<_>>(),
        )
        .unwrap();
        std::fs::write(root.join("2023-11-06/a.vtt"), "WEBVTT\n").unwrap();
        std::fs::write(root.join("2023-11-06/.a.wav.123.tmp"), "partial").unwrap();
        std::fs::write(dir.path().join("secret.txt"), "outside").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("secret.txt"), root.join("link.txt")).unwrap();
        let server = Server::bind(&root, SocketAddr::from(([127, 0, 0, 1], 0))).unwrap();
        let addr = server.local_addr().unwrap();
        let stop = server.stop_handle().unwrap();
        let thread = std::thread::spawn(move || server.run().unwrap());
        Running { addr, stop, thread: Some(thread), _dir: dir }
    }

    /// Sends `request` raw and returns (status, headers in lowercase, body).
    fn send(addr: SocketAddr, request: &str) -> (u16, String, Vec<u8>) {
        let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5)).unwrap();
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = Vec::new();
        stream.read_to_end(&mut response).unwrap();
        let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8(response[..split].to_vec()).unwrap();
        let status = head[9..12].parse().unwrap();
        (status, head.to_lowercase(), response[split + 4..].to_vec())
    }

    fn get(addr: SocketAddr, path: &str, extra: &str) -> (u16, String, Vec<u8>) {
        send(addr, &format!("GET {path} HTTP/1.1\r\nHost: x\r\n{extra}\r\n"))
    }

    #[test]
    fn whole_files_come_with_their_type_and_range_support() {
        let server = start();
        let (status, head, body) = get(server.addr, "/2023-11-06/a.wav", "");
        assert_eq!(status, 200);
        assert!(head.contains("content-type: audio/wav\r\n"), "{head}");
        assert!(head.contains("accept-ranges: bytes"), "{head}");
        assert!(head.contains("content-length: 1000"), "{head}");
        assert_eq!(body.len(), 1000);
        let (_, head, body) = get(server.addr, "/2023-11-06/a.vtt", "");
        assert!(head.contains("content-type: text/vtt; charset=utf-8"), "{head}");
        assert_eq!(body, b"WEBVTT\n");
        let (status, head, _) = get(server.addr, "/", "");
        assert_eq!(status, 200);
        assert!(head.contains("text/html"), "a folder serves its index.html");
    }

    #[test]
    fn ranges_give_partial_content() {
        let server = start();
        let (status, head, body) = get(server.addr, "/2023-11-06/a.wav", "Range: bytes=10-19\r\n");
        assert_eq!(status, 206);
        assert!(head.contains("content-range: bytes 10-19/1000"), "{head}");
        assert_eq!(body, (10u8..20).collect::<Vec<_>>());
        let (status, head, body) = get(server.addr, "/2023-11-06/a.wav", "Range: bytes=990-\r\n");
        assert_eq!((status, body.len()), (206, 10));
        assert!(head.contains("content-range: bytes 990-999/1000"), "{head}");
        let (status, head, body) = get(server.addr, "/2023-11-06/a.wav", "Range: bytes=-4\r\n");
        assert_eq!(status, 206);
        assert!(head.contains("content-range: bytes 996-999/1000"), "{head}");
        assert_eq!(body, [996 % 256, 997 % 256, 998 % 256, 999 % 256].map(|b| b as u8));
        let (status, head, _) = get(server.addr, "/2023-11-06/a.wav", "Range: bytes=5000-\r\n");
        assert_eq!(status, 416);
        assert!(head.contains("content-range: bytes */1000"), "{head}");
        let (status, _, body) = get(server.addr, "/2023-11-06/a.wav", "Range: bytes=0-1,5-6\r\n");
        assert_eq!((status, body.len()), (200, 1000), "several ranges: the whole file");
    }

    #[test]
    fn head_sends_headers_only() {
        let server = start();
        let (status, head, body) = send(server.addr, "HEAD /2023-11-06/a.wav HTTP/1.1\r\n\r\n");
        assert_eq!(status, 200);
        assert!(head.contains("content-length: 1000"));
        assert!(body.is_empty());
        let (status, head, _) = send(server.addr, "POST /index.html HTTP/1.1\r\n\r\n");
        assert_eq!(status, 405);
        assert!(head.contains("allow: get, head"));
    }

    #[test]
    fn nothing_outside_the_root_or_hidden_is_served() {
        let server = start();
        for path in [
            "/../secret.txt",
            "/2023-11-06/../../secret.txt",
            "/%2e%2e/secret.txt",
            "/2023-11-06/%2E%2E/%2E%2E/secret.txt",
            "/a%5c..%5csecret.txt",
        ] {
            let (status, _, body) = get(server.addr, path, "");
            assert_eq!(status, 403, "{path}");
            assert!(!String::from_utf8_lossy(&body).contains("outside"), "{path}");
        }
        #[cfg(unix)]
        assert_eq!(get(server.addr, "/link.txt", "").0, 403, "a symlink out of the root");
        assert_eq!(get(server.addr, "/2023-11-06/.a.wav.123.tmp", "").0, 404);
        assert_eq!(get(server.addr, "/missing.wav", "").0, 404);
        assert_eq!(get(server.addr, "/%zz", "").0, 400);
        assert_eq!(send(server.addr, "GET relative HTTP/1.1\r\n\r\n").0, 400);
        let huge = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD));
        assert_eq!(send(server.addr, &huge).0, 431);
    }

    #[test]
    fn range_parsing_covers_the_forms_of_rfc_9110() {
        assert_eq!(parse_range(Some("bytes=0-0"), 10), Range::Part { start: 0, end: 0 });
        assert_eq!(parse_range(Some("bytes=5-100"), 10), Range::Part { start: 5, end: 9 });
        assert_eq!(parse_range(Some("bytes=-100"), 10), Range::Part { start: 0, end: 9 });
        assert_eq!(parse_range(Some("bytes=-0"), 10), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=10-"), 10), Range::Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=7-3"), 10), Range::Whole);
        assert_eq!(parse_range(Some("items=1-2"), 10), Range::Whole);
        assert_eq!(parse_range(None, 10), Range::Whole);
    }

    #[test]
    fn binding_a_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("f");
        std::fs::write(&file, "").unwrap();
        assert!(matches!(
            Server::bind(&file, SocketAddr::from(([127, 0, 0, 1], 0))),
            Err(ServeError::NotAFolder { .. })
        ));
    }
}
