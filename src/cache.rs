//! A content-addressed cache of what the voice stage computes: sentence audio and the
//! diacritized sentences of a block (issue #6).
//!
//! In: a [`Key`] (a sha256 of everything that decides the result: the exact text given to the
//! model, the voice model's own sha256, speaker, scales, [`crate::voice::FRONTEND_VERSION`] and
//! this file's [`FORMAT_VERSION`]) and the value to store. Out: the same value on a later
//! [`Cache::get_audio`]/[`Cache::get_text`], in this run or any later one; [`CachedSynth`] wraps
//! any [`Synthesizer`] with it, so an interrupted edition resumes, an unchanged edition
//! synthesizes nothing, and an edited article re-synthesizes only its changed sentences.
//!
//! Each entry is one file, `DIR/entries/ab/abcdef….{audio,text}`: a header (magic, format
//! version, kind, sample rate, value length, sha256 of the value) and the value (f32 LE samples,
//! or UTF-8 lines). Entries are written atomically ([`crate::fsutil::write_atomic`]), so two runs
//! sharing the cache, or a run killed mid-write, never leave a half entry under its final name.
//!
//! Must never happen: a damaged or foreign entry returned as audio (a bad header, length or
//! checksum is a miss; the file is removed and a warning logged); the cache failing a render (a
//! write error is logged, and the sentence is used as synthesized); two different inputs sharing
//! a key (every field goes into the hash with its length, so `("ab","c")` and `("a","bc")`
//! differ).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

use crate::fsutil;
use crate::pipeline::Synthesizer;

/// Bumped whenever the entry layout or the meaning of a key changes; old entries then miss and
/// age out through [`Cache::prune`].
pub const FORMAT_VERSION: u32 = 1;

/// The size the cache is brought under after each edition unless `--cache-max-size` says
/// otherwise: about 6 hours of 22 kHz speech.
pub const DEFAULT_MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// Opens every entry file; never changes (the version field says what follows).
const MAGIC: &[u8; 8] = b"NASHRA\xCA\x01";

/// magic, version u32, kind u8, rate u32, count u64, sha256.
const HEADER_LEN: usize = 8 + 4 + 1 + 4 + 8 + 32;

/// Temporary files of a killed writer older than this are removed by [`Cache::prune`]; a
/// younger one may belong to a run still writing.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// The environment variable that moves the cache (`--cache-dir` overrides it).
pub const CACHE_DIR_VAR: &str = "NASHRA_CACHE_DIR";

/// What can go wrong with the cache itself. A render never fails on these: they are logged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    #[error("cannot create the cache folder {path}")]
    CreateDir {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot write the cache entry {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the cache folder {path}")]
    Walk {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot remove the cache entry {path}")]
    Remove {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot read the voice model {path} to fingerprint it")]
    Model {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("no cache folder: set {CACHE_DIR_VAR}, XDG_CACHE_HOME or HOME, or pass --cache-dir")]
    NoDefaultDir,
}

/// The sha256 that names an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; 32]);

impl Key {
    /// Lowercase hex, the entry's file name.
    pub fn hex(&self) -> String {
        hex(&self.0)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Builds a [`Key`] from named fields. Each field is hashed with its name and length, so no
/// two different field lists can collide by shifting bytes from one field to the next.
#[derive(Debug, Clone)]
pub struct KeyBuilder(Sha256);

impl KeyBuilder {
    /// Starts a key of one kind (`audio`, `prepare`): kinds never share keys.
    pub fn new(kind: &str) -> Self {
        let builder = Self(Sha256::new());
        builder.field("nashra-cache", &FORMAT_VERSION.to_le_bytes()).field("kind", kind.as_bytes())
    }

    pub fn field(mut self, name: &str, value: &[u8]) -> Self {
        for part in [name.as_bytes(), value] {
            self.0.update((part.len() as u64).to_le_bytes());
            self.0.update(part);
        }
        self
    }

    pub fn finish(self) -> Key {
        Key(self.0.finalize().into())
    }
}

/// What an entry holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Audio = 1,
    Text = 2,
}

impl Kind {
    fn extension(self) -> &'static str {
        match self {
            Kind::Audio => "audio",
            Kind::Text => "text",
        }
    }
}

/// How big the cache is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub audio_entries: u64,
    pub text_entries: u64,
    pub bytes: u64,
}

/// What [`Cache::prune`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pruned {
    pub removed: u64,
    pub freed_bytes: u64,
    /// The cache after pruning.
    pub left: Stats,
}

/// An entry file: when it was last used, its size, its path.
type EntryFile = (SystemTime, u64, PathBuf);

/// The cache folder.
#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

/// `$NASHRA_CACHE_DIR`, else `$XDG_CACHE_HOME/nashra`, else `~/.cache/nashra`.
pub fn default_dir() -> Result<PathBuf, CacheError> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = var(CACHE_DIR_VAR) {
        return Ok(dir);
    }
    if let Some(xdg) = var("XDG_CACHE_HOME").filter(|p| p.is_absolute()) {
        return Ok(xdg.join("nashra"));
    }
    var("HOME").map(|home| home.join(".cache").join("nashra")).ok_or(CacheError::NoDefaultDir)
}

impl Cache {
    /// Opens (and creates) the cache in `dir`.
    pub fn open(dir: &Path) -> Result<Self, CacheError> {
        let entries = dir.join("entries");
        fs::create_dir_all(&entries)
            .map_err(|source| CacheError::CreateDir { path: entries, source })?;
        Ok(Self { dir: dir.to_path_buf() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, key: &Key, kind: Kind) -> PathBuf {
        let hex = key.hex();
        self.dir.join("entries").join(&hex[..2]).join(format!("{hex}.{}", kind.extension()))
    }

    /// The samples stored under `key` at `rate`, or `None` (absent, damaged, another rate).
    pub fn get_audio(&self, key: &Key, rate: u32) -> Option<Vec<f32>> {
        let (entry_rate, payload) = self.read(key, Kind::Audio)?;
        if entry_rate != rate {
            return None;
        }
        Some(
            payload.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        )
    }

    pub fn put_audio(&self, key: &Key, rate: u32, samples: &[f32]) -> Result<(), CacheError> {
        let payload: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
        self.write(key, Kind::Audio, rate, samples.len() as u64, &payload)
    }

    /// The lines stored under `key`, or `None`.
    pub fn get_text(&self, key: &Key) -> Option<Vec<String>> {
        let (_, payload) = self.read(key, Kind::Text)?;
        let text = String::from_utf8(payload).ok()?;
        serde_json::from_str(&text).ok()
    }

    pub fn put_text(&self, key: &Key, lines: &[String]) -> Result<(), CacheError> {
        let payload = serde_json::to_vec(lines).unwrap_or_default();
        self.write(key, Kind::Text, 0, payload.len() as u64, &payload)
    }

    fn write(
        &self,
        key: &Key,
        kind: Kind,
        rate: u32,
        count: u64,
        payload: &[u8],
    ) -> Result<(), CacheError> {
        let path = self.path(key, kind);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)
                .map_err(|source| CacheError::CreateDir { path: parent.to_path_buf(), source })?;
        }
        let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        bytes.push(kind as u8);
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&count.to_le_bytes());
        bytes.extend_from_slice(&Sha256::digest(payload));
        bytes.extend_from_slice(payload);
        fsutil::write_atomic(&path, &bytes).map_err(|source| CacheError::Write { path, source })
    }

    /// The entry's rate and value, verified; a damaged entry is removed and reported as a miss.
    /// A hit refreshes the file's modification time, which [`Cache::prune`] orders by (access
    /// times are unreliable: most file systems are mounted `relatime` or `noatime`).
    fn read(&self, key: &Key, kind: Kind) -> Option<(u32, Vec<u8>)> {
        let path = self.path(key, kind);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return None,
            Err(err) => {
                tracing::warn!(path = %path.display(), %err, "cannot read a cache entry");
                return None;
            }
        };
        match parse_entry(&bytes, kind) {
            Ok((rate, payload)) => {
                touch(&path);
                Some((rate, payload.to_vec()))
            }
            Err(reason) => {
                tracing::warn!(path = %path.display(), reason, "damaged cache entry removed");
                if let Err(err) = fs::remove_file(&path) {
                    tracing::warn!(path = %path.display(), %err, "cannot remove a damaged cache entry");
                }
                None
            }
        }
    }

    /// Every entry with its size and last use, and stale temporary files.
    fn scan(&self) -> Result<(Vec<EntryFile>, Vec<PathBuf>), CacheError> {
        let root = self.dir.join("entries");
        let walk_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| CacheError::Walk { path, source }
        };
        let mut entries = Vec::new();
        let mut stale = Vec::new();
        let now = SystemTime::now();
        let shards = match fs::read_dir(&root) {
            Ok(shards) => shards,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok((entries, stale)),
            Err(err) => return Err(walk_err(&root)(err)),
        };
        for shard in shards {
            let shard = shard.map_err(walk_err(&root))?.path();
            if !shard.is_dir() {
                continue;
            }
            for file in fs::read_dir(&shard).map_err(walk_err(&shard))? {
                let file = file.map_err(walk_err(&shard))?;
                let path = file.path();
                let Ok(meta) = file.metadata() else { continue };
                let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
                let name = file.file_name().to_string_lossy().into_owned();
                if fsutil::is_temp_file_name(&name) {
                    if now.duration_since(modified).unwrap_or_default() > STALE_TEMP_AGE {
                        stale.push(path);
                    }
                    continue;
                }
                if meta.is_file() {
                    entries.push((modified, meta.len(), path));
                }
            }
        }
        Ok((entries, stale))
    }

    pub fn stats(&self) -> Result<Stats, CacheError> {
        let (entries, _) = self.scan()?;
        Ok(stats_of(entries.iter().map(|(_, len, path)| (*len, path.as_path()))))
    }

    /// Removes the least recently used entries until the cache holds at most `max_bytes`, and
    /// temporary files that killed writers left.
    pub fn prune(&self, max_bytes: u64) -> Result<Pruned, CacheError> {
        let (mut entries, stale) = self.scan()?;
        for path in stale {
            fs::remove_file(&path).map_err(|source| CacheError::Remove { path, source })?;
        }
        // Oldest first; the path breaks ties so the order does not depend on the directory's.
        entries.sort();
        let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
        let mut pruned = Pruned::default();
        let mut kept = Vec::new();
        for (modified, len, path) in entries {
            if total > max_bytes {
                match fs::remove_file(&path) {
                    Ok(()) => {}
                    Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                    Err(source) => return Err(CacheError::Remove { path, source }),
                }
                total -= len;
                pruned.removed += 1;
                pruned.freed_bytes += len;
            } else {
                kept.push((modified, len, path));
            }
        }
        pruned.left = stats_of(kept.iter().map(|(_, len, path)| (*len, path.as_path())));
        Ok(pruned)
    }

    /// The sha256 of the voice model at `path`, hex. Hashing 60 MB takes a noticeable part of
    /// a second, so the digest is remembered in the cache under the file's path, size and
    /// modification time; a model replaced in place changes one of them.
    pub fn model_digest(&self, path: &Path) -> Result<String, CacheError> {
        let model_err = |source| CacheError::Model { path: path.to_path_buf(), source };
        let meta = fs::metadata(path).map_err(model_err)?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
            .unwrap_or_default();
        let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let key = KeyBuilder::new("model-digest")
            .field("path", absolute.as_os_str().as_encoded_bytes())
            .field("size", &meta.len().to_le_bytes())
            .field("mtime", &modified.as_nanos().to_le_bytes())
            .finish();
        if let Some(lines) = self.get_text(&key) {
            if let [digest] = lines.as_slice() {
                return Ok(digest.clone());
            }
        }
        let digest = sha256_file(path).map_err(model_err)?;
        if let Err(err) = self.put_text(&key, std::slice::from_ref(&digest)) {
            tracing::warn!(error = %err, "cannot remember the voice model's digest");
        }
        Ok(digest)
    }
}

fn stats_of<'a>(entries: impl Iterator<Item = (u64, &'a Path)>) -> Stats {
    let mut stats = Stats::default();
    for (len, path) in entries {
        stats.bytes += len;
        match path.extension().and_then(|e| e.to_str()) {
            Some("audio") => stats.audio_entries += 1,
            _ => stats.text_entries += 1,
        }
    }
    stats
}

/// Checks an entry's header and checksum; returns its rate and value, or why it is refused.
fn parse_entry(bytes: &[u8], kind: Kind) -> Result<(u32, &[u8]), &'static str> {
    if bytes.len() < HEADER_LEN {
        return Err("shorter than its header");
    }
    let (header, payload) = bytes.split_at(HEADER_LEN);
    if &header[..8] != MAGIC {
        return Err("not a nashra cache entry");
    }
    let u32_at = |at: usize| {
        u32::from_le_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    if u32_at(8) != FORMAT_VERSION {
        return Err("another format version");
    }
    if header[12] != kind as u8 {
        return Err("another kind of entry");
    }
    let rate = u32_at(13);
    let mut count = [0u8; 8];
    count.copy_from_slice(&header[17..25]);
    let count = u64::from_le_bytes(count);
    let width = if kind == Kind::Audio { 4 } else { 1 };
    if count.checked_mul(width) != Some(payload.len() as u64) {
        return Err("length differs from its header");
    }
    if header[25..57] != Sha256::digest(payload)[..] {
        return Err("checksum mismatch");
    }
    Ok((rate, payload))
}

fn touch(path: &Path) {
    let result =
        fs::File::options().write(true).open(path).and_then(|f| f.set_modified(SystemTime::now()));
    if let Err(err) = result {
        tracing::debug!(path = %path.display(), %err, "cannot refresh a cache entry's time");
    }
}

fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex(&hasher.finalize()))
}

/// How many sentences came from where, for the summary a run prints and tests read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub synthesized: usize,
    pub cached: usize,
}

/// A [`Synthesizer`] that asks the cache before the voice, and stores what the voice says.
///
/// `voice_key` holds everything about the voice that changes its audio (see
/// [`crate::voice::Voice::cache_identity`]); `frontend_key` everything that changes what
/// [`Synthesizer::prepare`] returns. Without a cache it only counts.
pub struct CachedSynth<'a> {
    inner: &'a dyn Synthesizer,
    cache: Option<&'a Cache>,
    voice_key: Vec<u8>,
    frontend_key: Vec<u8>,
    synthesized: AtomicUsize,
    cached: AtomicUsize,
}

impl<'a> CachedSynth<'a> {
    pub fn new(
        inner: &'a dyn Synthesizer,
        cache: Option<&'a Cache>,
        voice_key: Vec<u8>,
        frontend_key: Vec<u8>,
    ) -> Self {
        Self {
            inner,
            cache,
            voice_key,
            frontend_key,
            synthesized: AtomicUsize::new(0),
            cached: AtomicUsize::new(0),
        }
    }

    pub fn counts(&self) -> Counts {
        Counts {
            synthesized: self.synthesized.load(Ordering::Relaxed),
            cached: self.cached.load(Ordering::Relaxed),
        }
    }

    fn audio_key(&self, spoken: &str) -> Key {
        KeyBuilder::new("audio")
            .field("voice", &self.voice_key)
            .field("text", spoken.as_bytes())
            .finish()
    }

    fn prepare_key(&self, sentences: &[&str]) -> Key {
        let mut builder = KeyBuilder::new("prepare")
            .field("frontend", &self.frontend_key)
            .field("count", &(sentences.len() as u64).to_le_bytes());
        for sentence in sentences {
            builder = builder.field("sentence", sentence.as_bytes());
        }
        builder.finish()
    }
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl Synthesizer for CachedSynth<'_> {
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }

    fn finished(&self) {
        self.inner.finished();
    }

    fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, BoxError> {
        let rate = self.inner.sample_rate();
        let key = self.cache.map(|_| self.audio_key(spoken));
        if let (Some(cache), Some(key)) = (self.cache, &key) {
            if let Some(samples) = cache.get_audio(key, rate) {
                self.cached.fetch_add(1, Ordering::Relaxed);
                return Ok(samples);
            }
        }
        let samples = self.inner.synthesize(spoken)?;
        self.synthesized.fetch_add(1, Ordering::Relaxed);
        // An empty clip is a failure the pipeline reports; it is not worth remembering.
        if let (Some(cache), Some(key), false) = (self.cache, &key, samples.is_empty()) {
            if let Err(err) = cache.put_audio(key, rate, &samples) {
                tracing::warn!(error = %err, "cannot store a sentence in the cache");
            }
        }
        Ok(samples)
    }

    fn prepare(&self, sentences: &[&str]) -> Result<Vec<String>, BoxError> {
        let Some(cache) = self.cache else {
            return self.inner.prepare(sentences);
        };
        let key = self.prepare_key(sentences);
        if let Some(prepared) = cache.get_text(&key).filter(|p| p.len() == sentences.len()) {
            return Ok(prepared);
        }
        let prepared = self.inner.prepare(sentences)?;
        if let Err(err) = cache.put_text(&key, &prepared) {
            tracing::warn!(error = %err, "cannot store a block's diacritization in the cache");
        }
        Ok(prepared)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests unwrap by design: a panic is a failed claim
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Says `len(text)` samples of `0.25`, and "prepares" by upper-casing; remembers calls.
    struct Fake {
        calls: Mutex<Vec<String>>,
    }

    impl Fake {
        fn new() -> Self {
            Self { calls: Mutex::new(Vec::new()) }
        }
    }

    impl Synthesizer for Fake {
        fn sample_rate(&self) -> u32 {
            16_000
        }
        fn synthesize(&self, spoken: &str) -> Result<Vec<f32>, BoxError> {
            self.calls.lock().unwrap().push(spoken.to_owned());
            Ok((0..spoken.len()).map(|i| i as f32 / 100.0).collect())
        }
        fn prepare(&self, sentences: &[&str]) -> Result<Vec<String>, BoxError> {
            self.calls.lock().unwrap().push(format!("prepare {}", sentences.join("|")));
            Ok(sentences.iter().map(|s| s.to_uppercase()).collect())
        }
    }

    fn entry_files(cache: &Cache) -> Vec<PathBuf> {
        let (mut entries, _) = cache.scan().unwrap();
        entries.sort();
        entries.into_iter().map(|(_, _, p)| p).collect()
    }

    #[test]
    fn a_second_synthesis_of_the_same_text_comes_from_the_cache_with_the_same_samples() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let fake = Fake::new();
        let synth = CachedSynth::new(&fake, Some(&cache), b"v1".to_vec(), b"f1".to_vec());
        let first = synth.synthesize("hello").unwrap();
        let second = synth.synthesize("hello").unwrap();
        assert_eq!(first, second);
        assert_eq!(first, [0.0, 0.01, 0.02, 0.03, 0.04]);
        synth.synthesize("other").unwrap();
        assert_eq!(synth.counts(), Counts { synthesized: 2, cached: 1 });
        assert_eq!(*fake.calls.lock().unwrap(), ["hello", "other"]);
        // Another run (a new decorator over the same folder) hits too.
        let again = CachedSynth::new(&fake, Some(&cache), b"v1".to_vec(), b"f1".to_vec());
        assert_eq!(again.synthesize("other").unwrap(), synth.synthesize("other").unwrap());
        assert_eq!(again.counts(), Counts { synthesized: 0, cached: 1 });
    }

    #[test]
    fn another_voice_key_misses() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let fake = Fake::new();
        CachedSynth::new(&fake, Some(&cache), b"v1".to_vec(), vec![]).synthesize("hi").unwrap();
        let other = CachedSynth::new(&fake, Some(&cache), b"v2".to_vec(), vec![]);
        other.synthesize("hi").unwrap();
        assert_eq!(other.counts(), Counts { synthesized: 1, cached: 0 });
    }

    #[test]
    fn prepared_blocks_are_cached_by_their_sentences() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let fake = Fake::new();
        let synth = CachedSynth::new(&fake, Some(&cache), vec![], b"f".to_vec());
        assert_eq!(synth.prepare(&["ab", "c"]).unwrap(), ["AB", "C"]);
        assert_eq!(synth.prepare(&["ab", "c"]).unwrap(), ["AB", "C"]);
        assert_eq!(synth.prepare(&["a", "bc"]).unwrap(), ["A", "BC"]);
        assert_eq!(*fake.calls.lock().unwrap(), ["prepare ab|c", "prepare a|bc"]);
    }

    #[test]
    fn without_a_cache_everything_is_synthesized_and_counted() {
        let fake = Fake::new();
        let synth = CachedSynth::new(&fake, None, vec![], vec![]);
        synth.synthesize("x").unwrap();
        synth.synthesize("x").unwrap();
        assert_eq!(synth.counts(), Counts { synthesized: 2, cached: 0 });
    }

    #[test]
    fn a_damaged_entry_is_a_miss_and_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let key = KeyBuilder::new("audio").field("text", b"x").finish();
        cache.put_audio(&key, 22_050, &[0.5, -0.5, 0.25]).unwrap();
        assert_eq!(cache.get_audio(&key, 22_050).unwrap(), [0.5, -0.5, 0.25]);
        assert_eq!(cache.get_audio(&key, 16_000), None, "another rate is a miss");
        let path = cache.path(&key, Kind::Audio);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 0x40; // one flipped bit in a sample
        fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.get_audio(&key, 22_050), None);
        assert!(!path.exists(), "the damaged entry is removed");
        // A truncated entry and a foreign file are misses too.
        cache.put_audio(&key, 22_050, &[0.5, -0.5, 0.25]).unwrap();
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 4]).unwrap();
        assert_eq!(cache.get_audio(&key, 22_050), None);
        fs::write(&path, b"RIFF....WAVEfmt ").unwrap();
        assert_eq!(cache.get_audio(&key, 22_050), None);
        assert_eq!(parse_entry(b"RIFF", Kind::Audio), Err("shorter than its header"));
    }

    #[test]
    fn keys_do_not_collide_by_moving_bytes_between_fields() {
        let a = KeyBuilder::new("k").field("x", b"ab").field("y", b"c").finish();
        let b = KeyBuilder::new("k").field("x", b"a").field("y", b"bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, KeyBuilder::new("k").field("x", b"ab").field("y", b"c").finish());
        assert_eq!(a.hex().len(), 64);
    }

    #[test]
    fn prune_removes_the_least_recently_used_entries_first() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let keys: Vec<Key> =
            (0..4u8).map(|i| KeyBuilder::new("audio").field("i", &[i]).finish()).collect();
        let base = SystemTime::now() - Duration::from_secs(1000);
        for (i, key) in keys.iter().enumerate() {
            cache.put_audio(key, 8000, &[0.0; 100]).unwrap();
            let file = fs::File::options().write(true).open(cache.path(key, Kind::Audio)).unwrap();
            file.set_modified(base + Duration::from_secs(10 * i as u64)).unwrap();
        }
        // Key 0 is used again: it becomes the most recent.
        assert!(cache.get_audio(&keys[0], 8000).is_some());
        let entry = (HEADER_LEN + 400) as u64;
        let stats = cache.stats().unwrap();
        assert_eq!(stats, Stats { audio_entries: 4, text_entries: 0, bytes: 4 * entry });
        let pruned = cache.prune(2 * entry + 10).unwrap();
        assert_eq!((pruned.removed, pruned.freed_bytes), (2, 2 * entry));
        assert_eq!(pruned.left.bytes, 2 * entry);
        let left = entry_files(&cache);
        let expected = [cache.path(&keys[3], Kind::Audio), cache.path(&keys[0], Kind::Audio)];
        assert_eq!(left, expected);
        assert_eq!(cache.prune(0).unwrap().left, Stats::default());
    }

    #[test]
    fn the_model_digest_is_the_files_sha256_and_is_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(&dir.path().join("c")).unwrap();
        let model = dir.path().join("m.onnx");
        fs::write(&model, b"abc").unwrap();
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(cache.model_digest(&model).unwrap(), expected);
        assert_eq!(cache.stats().unwrap().text_entries, 1);
        assert_eq!(cache.model_digest(&model).unwrap(), expected);
        fs::write(&model, b"abcd").unwrap();
        assert_ne!(cache.model_digest(&model).unwrap(), expected, "a changed model is hashed anew");
    }
}
