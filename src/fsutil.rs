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

use std::io::{self, BufWriter, Seek, SeekFrom, Write};
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
    /// Starts a temporary file next to `path`, named `.<file name>.<random>.tmp` so that a
    /// leftover from a killed process is recognisable and hidden.
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
        builder.prefix(&prefix).suffix(".tmp");
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
        assert!(names[0].ends_with(".tmp"), "{names:?}");
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
