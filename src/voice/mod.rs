//! Placeholder: filled in by the voice stage work.
pub mod catalog;
pub mod install;
