//! Placeholder: filled in by the text stage work.
pub mod diacritize;
