//! Verbalization: normalized printed text in, what will be said out.
pub mod number;

pub use number::{cardinal, number, Case, Gender, NumberForm};
