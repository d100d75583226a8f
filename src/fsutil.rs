//! Files that appear whole or not at all.
//!
//! In: a final path and the bytes to put there. Out: that file, complete, under its final name.
//! Must never happen: a reader (a podcast client, a web server, the next run of nashra) seeing a
//! half-written WAV or manifest under its final name, or a crash leaving the previous good file
//! damaged.
//!
//! The method is hound's `finalize` idea applied to the file system: write into a temporary file
//! in the *same directory* (a rename is only atomic within one file system), flush and `fsync` it,
//! then rename it over the final name. Dropping an [`AtomicFile`] without [`AtomicFile::commit`]
//! deletes the temporary file, so an error or a panic half-way leaves the old file untouched and
//! no litter behind.
//!
//! A process killed with `SIGKILL` runs no destructor, so its temporary file stays. The names are
//! recognisable (`.<final name>.<6 random characters>.nashra.tmp`), and the next run over the same
//! output folder removes them with [`remove_stale_temp_files`], after taking the folder's
//! [`OutputLock`] so that it never deletes the file of a run still writing.
//!
//! Also here: [`OutputLock`], one `nashra edition` at a time per output folder.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file being written under a temporary name, published under its final name by
/// [`commit`](AtomicFile::commit).
///
/// It is buffered (hound writes one sample at a time) and seekable (hound patches the WAV header
/// at the end).
#[derive(Debug)]
pub struct AtomicFile {
    writer: BufWriter<NamedTempFile>,
    path: PathBuf,
}

impl AtomicFile {
    /// Starts a temporary file next to `path`, named `.<file name>.<random>.nashra.tmp` so that a
    /// leftover from a killed process is hidden and recognisable as nashra's own.
    pub fn create(path: &Path) -> io::Result<Self> {
        let name = path.file_name().ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{} does not name a file", path.display()),
            )
        })?;
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let mut prefix = std::ffi::OsString::from(".");
        prefix.push(name);
        prefix.push(".");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).rand_bytes(TEMP_RANDOM_CHARS).suffix(TEMP_SUFFIX);
        // tempfile creates private (0600) files; outputs are meant to be published, so they get
        // the mode any new file gets here (0666 less the umask), like `File::create` would give.
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let temp = builder.tempfile_in(dir)?;
        Ok(Self { writer: BufWriter::new(temp), path: path.to_path_buf() })
    }

    /// The final name this file will have after `commit`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Flushes, `fsync`s and renames the temporary file over the final name, replacing any file
    /// already there in one step.
    pub fn commit(self) -> io::Result<()> {
        let temp = self.writer.into_inner().map_err(|err| err.into_error())?;
        temp.as_file().sync_all()?;
        temp.persist(&self.path).map_err(|err| err.error)?;
        sync_parent_dir(&self.path);
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf)
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer.write_all(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush()
    }
}

impl Seek for AtomicFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.writer.seek(pos)
    }
}

/// A scratch file in `dir` for data that is never published (the full edition's samples while
/// it is assembled), named like an [`AtomicFile`]'s temporary file (`.<name>.<random>.nashra.tmp`)
/// so that a leftover from a killed run is hidden and cleared by [`remove_stale_temp_files`]. It
/// is deleted when dropped.
pub fn scratch_file(dir: &Path, name: &str) -> io::Result<NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .rand_bytes(TEMP_RANDOM_CHARS)
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
}

/// The end of every temporary file name of an [`AtomicFile`].
pub const TEMP_SUFFIX: &str = ".nashra.tmp";
/// Random characters in a temporary file name.
const TEMP_RANDOM_CHARS: usize = 6;
/// How deep below an edition folder stale temporary files are looked for: the edition's own
/// subfolders (a DAISY book, page assets), not a tree someone mounted inside it.
pub const TEMP_SEARCH_DEPTH: usize = 3;

/// Whether `name` is the name of an [`AtomicFile`]'s temporary file: `.`, a non-empty final
/// name, `.`, six alphanumeric characters, [`TEMP_SUFFIX`].
pub fn is_temp_file_name(name: &str) -> bool {
    let Some(inner) = name.strip_prefix('.').and_then(|n| n.strip_suffix(TEMP_SUFFIX)) else {
        return false;
    };
    let Some((final_name, random)) = inner.rsplit_once('.') else {
        return false;
    };
    !final_name.is_empty()
        && random.len() == TEMP_RANDOM_CHARS
        && random.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Removes the temporary files a killed run left in `dir` and in its subfolders down to `depth`
/// levels ([`TEMP_SEARCH_DEPTH`] for an edition folder, 0 for a publication root), and returns
/// their paths. Only regular files whose name [`is_temp_file_name`] are touched; symbolic links
/// are not followed, and a subfolder that is another edition (it holds `edition.json` or a lock
/// file) is left to its own runs. Call it while holding the folder's [`OutputLock`].
pub fn remove_stale_temp_files(dir: &Path, depth: usize) -> io::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    remove_temps_in(dir, depth, &mut removed)?;
    removed.sort();
    Ok(removed)
}

/// Name of the manifest that marks a folder as an edition.
const EDITION_MARKER: &str = "edition.json";

fn remove_temps_in(dir: &Path, depth: usize, removed: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let kind = entry.file_type()?; // does not follow symbolic links
        let path = entry.path();
        let other_edition = || path.join(EDITION_MARKER).exists() || path.join(LOCK_FILE).exists();
        if kind.is_dir() && depth > 0 {
            if !other_edition() {
                remove_temps_in(&path, depth - 1, removed)?;
            }
        } else if kind.is_file() && entry.file_name().to_str().is_some_and(is_temp_file_name) {
            fs::remove_file(&path)?;
            removed.push(path);
        }
    }
    Ok(())
}

/// Name of the lock file inside an output folder.
pub const LOCK_FILE: &str = ".nashra.lock";

/// Why an output folder could not be locked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LockError {
    #[error(
        "{} is in use by another nashra run{}; wait for it to finish or choose another output \
         folder",
        dir.display(),
        pid.map(|p| format!(" (pid {p})")).unwrap_or_default()
    )]
    Busy { dir: PathBuf, pid: Option<u32> },
    #[error("cannot lock {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
}

/// An exclusive lock on an output folder, held until dropped: two runs writing into one folder
/// would interleave their files and race for `edition.json`.
///
/// The lock is an advisory `flock` on `DIR/.nashra.lock`, which holds the owner's pid (for the
/// message the second run prints). The kernel drops the lock when its process dies, even by
/// `SIGKILL`, so a crash never leaves the folder locked; a lock file left by a crash is simply
/// reused. A run that ends normally removes the file (while still holding the lock; a run that
/// opened the old file meanwhile notices that it locked a removed file and starts over).
#[derive(Debug)]
pub struct OutputLock {
    file: File,
    path: PathBuf,
}

impl OutputLock {
    /// Locks `dir` (which must exist) or fails at once, naming the pid that holds it.
    pub fn acquire(dir: &Path) -> Result<Self, LockError> {
        let path = dir.join(LOCK_FILE);
        let io_err = |source| LockError::Io { path: path.clone(), source };
        // A handful of rounds: each retry means another run removed the file between our open
        // and our lock, which cannot keep happening.
        for _ in 0..8 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io_err)?;
            match fs4::FileExt::try_lock(&file) {
                Ok(()) => {}
                Err(fs4::TryLockError::WouldBlock) => {
                    let mut text = String::new();
                    let pid =
                        file.read_to_string(&mut text).ok().and_then(|_| text.trim().parse().ok());
                    return Err(LockError::Busy { dir: dir.to_path_buf(), pid });
                }
                Err(fs4::TryLockError::Error(e)) => return Err(io_err(e)),
            }
            if !same_file(&file, &path) {
                continue; // locked a file that another run has just removed
            }
            file.set_len(0).map_err(io_err)?;
            file.write_all(format!("{}\n", std::process::id()).as_bytes()).map_err(io_err)?;
            return Ok(Self { file, path });
        }
        Err(io_err(io::Error::other("the lock file keeps being replaced")))
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for OutputLock {
    fn drop(&mut self) {
        // Removed while still locked; the lock goes when `file` closes right after.
        if let Err(err) = fs::remove_file(&self.path) {
            tracing::debug!(path = %self.path.display(), %err, "could not remove the lock file");
        }
        let _ = fs4::FileExt::unlock(&self.file);
    }
}

/// Whether the open `file` is still the file at `path` (and not a removed one).
fn same_file(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

/// Writes `bytes` to `path` through an [`AtomicFile`].
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(path)?;
    file.write_all(bytes)?;
    file.commit()
}

/// Makes the rename itself durable. Best effort: the file is already complete and in place, and
/// some platforms (Windows) cannot open a directory for syncing at all.
fn sync_parent_dir(path: &Path) {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        if let Err(err) = std::fs::File::open(dir).and_then(|d| d.sync_all()) {
            tracing::debug!(dir = %dir.display(), %err, "could not sync directory after rename");
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn names_in(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn drop_without_commit_leaves_no_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.wav");
        {
            let mut file = AtomicFile::create(&path).unwrap();
            file.write_all(b"half a file").unwrap();
            file.flush().unwrap();
            assert_eq!(names_in(dir.path()).len(), 1, "the temp file exists while writing");
            assert!(!path.exists());
        }
        assert!(!path.exists());
        assert!(names_in(dir.path()).is_empty(), "left behind: {:?}", names_in(dir.path()));
    }

    #[test]
    fn temp_file_is_hidden_next_to_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edition.json");
        let _file = AtomicFile::create(&path).unwrap();
        let names = names_in(dir.path());
        assert_eq!(names.len(), 1);
        assert!(names[0].starts_with(".edition.json."), "{names:?}");
        assert!(names[0].ends_with(".nashra.tmp"), "{names:?}");
        assert!(is_temp_file_name(&names[0]), "{names:?}");
    }

    #[test]
    fn temp_names_are_recognised_exactly() {
        for ours in
            [".a.wav.Ab3dE9.nashra.tmp", ".edition.json.zzzzzz.nashra.tmp", "..x.000000.nashra.tmp"]
        {
            assert!(is_temp_file_name(ours), "{ours}");
        }
        for theirs in [
            ".a.wav.Ab3dE9.tmp",        // not ours: no .nashra
            "a.wav.Ab3dE9.nashra.tmp",  // not hidden
            ".a.wav.Ab3dE.nashra.tmp",  // five random characters
            ".a.wav.Ab3-E9.nashra.tmp", // not alphanumeric
            "..Ab3dE9.nashra.tmp",      // no final name
            ".nashra.lock",
            ".Ab3dE9.nashra.tmp",
        ] {
            assert!(!is_temp_file_name(theirs), "{theirs}");
        }
    }

    #[test]
    fn stale_temps_are_removed_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::create_dir_all(d.join("sub/deeper")).unwrap();
        let stale = [
            d.join(".01-a.wav.Qw3rT6.nashra.tmp"),
            d.join("sub/.page.html.abcdef.nashra.tmp"),
            d.join("sub/deeper/.x.mp3.ABCDEF.nashra.tmp"),
        ];
        for path in &stale {
            fs::write(path, b"half").unwrap();
        }
        let kept = [d.join("01-a.wav"), d.join(".other.tmp"), d.join("notes.nashra.tmp")];
        for path in &kept {
            fs::write(path, b"keep").unwrap();
        }
        fs::create_dir(d.join(".dir.abcdef.nashra.tmp")).unwrap(); // a folder is never removed
        let removed = remove_stale_temp_files(d, TEMP_SEARCH_DEPTH).unwrap();
        let mut want = stale.to_vec();
        want.sort();
        assert_eq!(removed, want);
        assert!(stale.iter().all(|p| !p.exists()));
        assert!(kept.iter().all(|p| p.exists()));
        assert!(d.join(".dir.abcdef.nashra.tmp").is_dir());
    }

    #[test]
    fn stale_temps_of_other_editions_and_below_the_depth_are_left() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path();
        for sub in ["2023-11-06", "2023-11-07", "assets"] {
            fs::create_dir(r.join(sub)).unwrap();
        }
        fs::write(r.join("2023-11-06/edition.json"), b"{}").unwrap();
        fs::write(r.join("2023-11-07").join(LOCK_FILE), b"1\n").unwrap();
        let theirs = [
            r.join("2023-11-06/.a.wav.abcdef.nashra.tmp"),
            r.join("2023-11-07/.b.wav.abcdef.nashra.tmp"),
        ];
        let ours =
            [r.join(".feed.xml.abcdef.nashra.tmp"), r.join("assets/.x.css.abcdef.nashra.tmp")];
        for path in theirs.iter().chain(&ours) {
            fs::write(path, b"half").unwrap();
        }
        assert_eq!(remove_stale_temp_files(r, 0).unwrap(), [ours[0].clone()]);
        assert_eq!(remove_stale_temp_files(r, TEMP_SEARCH_DEPTH).unwrap(), [ours[1].clone()]);
        assert!(theirs.iter().all(|p| p.exists()));
    }

    #[cfg(unix)]
    #[test]
    fn stale_temp_search_does_not_follow_links_out_of_the_folder() {
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join(".v.wav.abcdef.nashra.tmp");
        fs::write(&victim, b"not ours to delete").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
        assert!(remove_stale_temp_files(dir.path(), TEMP_SEARCH_DEPTH).unwrap().is_empty());
        assert!(victim.exists());
    }

    #[test]
    fn a_second_lock_on_the_same_folder_fails_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let held = OutputLock::acquire(dir.path()).unwrap();
        assert_eq!(fs::read_to_string(held.path()).unwrap(), format!("{}\n", std::process::id()));
        let err = OutputLock::acquire(dir.path()).unwrap_err();
        assert!(
            matches!(err, LockError::Busy { pid: Some(p), .. } if p == std::process::id()),
            "{err}"
        );
        assert!(err.to_string().contains(&format!("(pid {})", std::process::id())), "{err}");
        drop(held);
        assert!(!dir.path().join(LOCK_FILE).exists(), "the lock file goes with the lock");
        let again = OutputLock::acquire(dir.path()).unwrap();
        drop(again);
    }

    #[test]
    fn a_lock_file_left_by_a_crash_is_reused() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(LOCK_FILE), b"999999\n").unwrap(); // no process holds it
        let lock = OutputLock::acquire(dir.path()).unwrap();
        assert_eq!(fs::read_to_string(lock.path()).unwrap(), format!("{}\n", std::process::id()));
    }

    #[test]
    fn commit_replaces_an_existing_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("edition.json");
        fs::write(&path, b"old").unwrap();
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"new contents").unwrap();
        file.flush().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"old", "the old file stays until commit");
        file.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new contents");
        assert_eq!(names_in(dir.path()), vec!["edition.json".to_string()]);
    }

    #[test]
    fn existing_file_untouched_when_failing_before_commit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("01-a.wav");
        fs::write(&path, b"good old audio").unwrap();
        let attempt = || -> io::Result<()> {
            let mut file = AtomicFile::create(&path)?;
            file.write_all(b"garbage")?;
            file.flush()?;
            Err(io::Error::other("synthesis blew up"))
        };
        assert!(attempt().is_err());
        assert_eq!(fs::read(&path).unwrap(), b"good old audio");
        assert_eq!(names_in(dir.path()), vec!["01-a.wav".to_string()]);
    }

    #[test]
    fn seek_back_and_patch_like_a_wav_header() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        let mut file = AtomicFile::create(&path).unwrap();
        file.write_all(b"0000abcdef").unwrap();
        file.seek(SeekFrom::Start(0)).unwrap();
        file.write_all(b"HEAD").unwrap();
        file.seek(SeekFrom::End(0)).unwrap();
        file.write_all(b"!").unwrap();
        file.commit().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"HEADabcdef!");
    }

    #[test]
    fn write_atomic_creates_then_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"one").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"one");
        write_atomic(&path, b"two, longer").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"two, longer");
        assert_eq!(names_in(dir.path()), vec!["a.txt".to_string()]);
    }

    #[test]
    fn create_fails_in_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.txt");
        assert_eq!(AtomicFile::create(&path).unwrap_err().kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn create_rejects_a_path_without_a_file_name() {
        let err = AtomicFile::create(Path::new("/")).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[cfg(unix)]
    #[test]
    fn committed_file_has_the_mode_of_an_ordinary_new_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let ordinary = dir.path().join("ordinary");
        fs::File::create(&ordinary).unwrap();
        write_atomic(&dir.path().join("atomic"), b"x").unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&dir.path().join("atomic")), mode(&ordinary));
    }
}
