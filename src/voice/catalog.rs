//! Placeholder: voice catalogue.
