//! Placeholder: filled in by the publish stage work.
