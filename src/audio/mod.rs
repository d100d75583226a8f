//! Placeholder: filled in by the audio stage work.
