//! nashra (نشرة, "bulletin") turns Arabic news articles into listenable audio editions.
//!
//! The crate is a pipeline of stages, each a module with one job and plain data between them:
//!
//! ```text
//!  files ──ingest──▶ Article ──text──▶ Script (sentences: printed + spoken)
//!                                         │
//!                                       voice  (diacritize ▸ pronounce ▸ phonemize ▸ ids ▸ infer)
//!                                         │
//!                                       audio  (assemble with pauses ▸ encode WAV)
//!                                         │
//!                                      publish (edition.json manifest; transcripts, chapters,
//!                                               page, DAISY book, podcast feed)
//! ```
//!
//! [`serve`] previews a published output root over HTTP.
//!
//! [`pipeline`] is the only place that strings the stages together; `main.rs` only parses the
//! command line and calls one library function per subcommand.

pub mod edition;
pub mod edition_file;
pub mod fsutil;
pub mod runtime;

pub mod audio;
pub mod ingest;
pub mod publish;
pub mod text;
pub mod voice;

pub mod cache;
pub mod pipeline;
pub mod serve;

pub mod app;
pub mod cli;

/// Fuzz target bodies, shared by `fuzz/` and the regression tests (issue #7).
#[doc(hidden)]
pub mod fuzzing;
