//! Placeholder: diacritization.
