//! The editions of a publication root, newest first.
//!
//! In: a root folder whose sub-folders hold `edition.json` files. Out: [`EditionRef`]s ordered
//! newest first (edition date, then render time, then folder name), and a warning for every
//! folder that has an `edition.json` nashra cannot read.
//!
//! Must never happen: one damaged edition hiding every other one from the feed (it is skipped
//! with a warning); an edition folder outside its root; an order that changes between two runs
//! over the same files.

use std::cmp::Reverse;
use std::path::{Path, PathBuf};

use super::links::RelPath;
use super::{manifest, Manifest, PublishError, MANIFEST_FILE};

/// One edition and where it lives.
#[derive(Debug, Clone, PartialEq)]
pub struct EditionRef {
    /// The edition folder's name inside the root (`2023-11-06`); empty when the edition folder is
    /// its own root.
    pub folder: String,
    /// The edition folder.
    pub dir: PathBuf,
    pub manifest: Manifest,
}

impl EditionRef {
    /// An edition that is its own root.
    pub fn standalone(dir: &Path, manifest: Manifest) -> Self {
        Self { folder: String::new(), dir: dir.to_path_buf(), manifest }
    }

    /// The edition in `root/folder`.
    pub fn in_root(root: &Path, folder: &str, manifest: Manifest) -> Self {
        Self { folder: folder.to_owned(), dir: root.join(folder), manifest }
    }

    /// Whether the edition sits in a folder of a larger root.
    pub fn is_in_root(&self) -> bool {
        !self.folder.is_empty()
    }

    /// `path` (relative to the edition folder) as a path relative to the root.
    pub fn from_root(&self, path: &RelPath) -> Result<RelPath, PublishError> {
        path.under(&self.folder)
    }
}

/// The name of `edition_dir` inside `root`, if it is a folder directly inside it.
pub fn folder_in_root(edition_dir: &Path, root: &Path) -> Result<String, PublishError> {
    let not_in_root =
        || PublishError::NotInRoot { edition: edition_dir.to_path_buf(), root: root.to_path_buf() };
    let absolute = |p: &Path| std::path::absolute(p).map_err(|_| not_in_root());
    let (edition, root_abs) = (absolute(edition_dir)?, absolute(root)?);
    let name = edition.file_name().and_then(|n| n.to_str()).ok_or_else(not_in_root)?;
    if edition.parent() != Some(root_abs.as_path()) || RelPath::parse(name).is_err() {
        return Err(not_in_root());
    }
    Ok(name.to_owned())
}

/// Every edition under `root`, newest first, and a warning per unreadable manifest.
pub fn collect(root: &Path) -> Result<(Vec<EditionRef>, Vec<String>), PublishError> {
    let entries = std::fs::read_dir(root)
        .map_err(|source| PublishError::Read { path: root.to_path_buf(), source })?;
    let mut editions = Vec::new();
    let mut warnings = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|source| PublishError::Read { path: root.to_path_buf(), source })?;
        let Some(folder) = entry.file_name().to_str().map(str::to_owned) else { continue };
        let manifest_path = entry.path().join(MANIFEST_FILE);
        if folder.starts_with('.') || RelPath::parse(&folder).is_err() || !manifest_path.is_file() {
            continue;
        }
        match manifest::read(&manifest_path) {
            Ok(manifest) => editions.push(EditionRef::in_root(root, &folder, manifest)),
            Err(err) => {
                let mut message = format!("skipping {}: {err}", manifest_path.display());
                if let Some(cause) = std::error::Error::source(&err) {
                    message.push_str(&format!(": {cause}"));
                }
                warnings.push(message);
            }
        }
    }
    sort_newest_first(&mut editions);
    Ok((editions, warnings))
}

/// Newest edition date first (undated editions last), then the latest render, then the folder
/// name, so that the order is total and stable.
pub fn sort_newest_first(editions: &mut [EditionRef]) {
    editions.sort_by_key(|e| {
        (Reverse(e.manifest.date), Reverse(e.manifest.generated_at), Reverse(e.folder.clone()))
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::programme::tests::sample_manifest;
    use chrono::NaiveDate;

    #[test]
    fn editions_are_collected_newest_first_and_bad_ones_reported() {
        let root = tempfile::tempdir().unwrap();
        let put = |folder: &str, date: Option<(i32, u32, u32)>| {
            let mut m = sample_manifest();
            m.date = date.and_then(|(y, mo, d)| NaiveDate::from_ymd_opt(y, mo, d));
            std::fs::create_dir_all(root.path().join(folder)).unwrap();
            manifest::write(&root.path().join(folder).join(MANIFEST_FILE), &m).unwrap();
        };
        put("2023-11-06", Some((2023, 11, 6)));
        put("2024-01-02", Some((2024, 1, 2)));
        put("undated", None);
        put("2023-11-06-evening", Some((2023, 11, 6)));
        std::fs::create_dir_all(root.path().join("broken")).unwrap();
        std::fs::write(root.path().join("broken/edition.json"), "{").unwrap();
        std::fs::create_dir_all(root.path().join("not-an-edition")).unwrap();
        std::fs::write(root.path().join("feed.xml"), "").unwrap();

        let (editions, warnings) = collect(root.path()).unwrap();
        let folders: Vec<&str> = editions.iter().map(|e| e.folder.as_str()).collect();
        assert_eq!(folders, ["2024-01-02", "2023-11-06-evening", "2023-11-06", "undated"]);
        assert_eq!(warnings.len(), 1);
        assert!(
            warnings[0].contains("broken") && warnings[0].contains("not a nashra manifest"),
            "{warnings:?}"
        );
    }

    #[test]
    fn an_edition_must_sit_directly_in_its_root() {
        let root = tempfile::tempdir().unwrap();
        assert_eq!(
            folder_in_root(&root.path().join("2023-11-06"), root.path()).unwrap(),
            "2023-11-06"
        );
        assert!(folder_in_root(&root.path().join("a/b"), root.path()).is_err());
        assert!(folder_in_root(root.path(), root.path()).is_err());
        assert!(folder_in_root(Path::new("/elsewhere/x"), root.path()).is_err());
    }
}
