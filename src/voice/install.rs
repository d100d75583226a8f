//! Placeholder: voice installation.
