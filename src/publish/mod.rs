//! The publish stage: names and describes what the audio stage wrote.
//!
//! In: the rendered programmes' paths, durations and sentence timings. Out: safe file names
//! ([`names`]) and the `edition.json` manifest ([`manifest`]).
//!
//! Must never happen: a file name derived from untrusted text that leaves the output directory or
//! breaks on another platform, or a manifest that describes files which are not there.
//!
//! This stage knows only [`crate::edition`] types and paths; it never touches audio samples.

pub mod manifest;
pub mod names;

use std::path::PathBuf;

pub use manifest::{
    ArticleEntry, AudioFileEntry, BulletinEntry, ChapterEntry, ErrorEntry, FullEditionEntry,
    ItemEntry, LoudnessEntry, Manifest, MasteringEntry, SentenceEntry, SentenceRef, VoiceEntry,
};

/// Name of the manifest inside the output directory.
pub const MANIFEST_FILE: &str = "edition.json";

/// Name of the bulletin's audio file inside the output directory.
pub const BULLETIN_STEM: &str = "bulletin";

/// Name of the full edition's audio file inside the output directory.
pub const FULL_EDITION_STEM: &str = "full-edition";

/// Errors of the publish stage.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    #[error("cannot serialize the manifest")]
    Serialize(#[source] serde_json::Error),
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path} is not a nashra manifest")]
    Parse {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}
