//! Placeholder: filled in by the ingest stage work.
