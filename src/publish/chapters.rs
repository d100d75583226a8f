//! Podcasting 2.0 chapters: the JSON chapters format, version 1.2.0, one file per programme.
//!
//! In: a [`Programme`]'s chapters. Out: `{"version":"1.2.0","chapters":[…]}` with `startTime`,
//! `endTime` (seconds) and `title` for each chapter, plus the episode title and podcast name.
//!
//! Must never happen: a chapter list that does not start at 0 or that leaves a gap (a podcast app
//! shows the previous chapter's title over the gap); a title with markup surprises (JSON strings
//! are escaped by serde_json, so any printed title is safe).

use serde::Serialize;

use super::programme::Programme;

/// The version of the JSON chapters format written.
pub const VERSION: &str = "1.2.0";

/// MIME type of a chapters file, as `podcast:chapters` wants it.
pub const MIME_TYPE: &str = "application/json+chapters";

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ChaptersFile<'a> {
    version: &'static str,
    title: &'a str,
    podcast_name: &'a str,
    chapters: Vec<ChapterJson<'a>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ChapterJson<'a> {
    start_time: f64,
    end_time: f64,
    title: &'a str,
}

/// The chapters file of `programme`, pretty-printed, ending in a newline.
pub fn json(programme: &Programme, podcast_name: &str) -> String {
    let file = ChaptersFile {
        version: VERSION,
        title: &programme.title,
        podcast_name,
        chapters: programme
            .chapters
            .iter()
            .map(|c| ChapterJson { start_time: c.start_s, end_time: c.end_s, title: &c.title })
            .collect(),
    };
    // Serializing plain strings and finite numbers cannot fail; fall back to an empty list
    // rather than panic if that ever changes.
    let mut text = serde_json::to_string_pretty(&file)
        .unwrap_or_else(|_| format!("{{\"version\":\"{VERSION}\",\"chapters\":[]}}"));
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::publish::programme::{programmes, tests::sample_manifest};

    #[test]
    fn chapters_file_follows_the_1_2_0_format() {
        let manifest = sample_manifest();
        let all = programmes(&manifest).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(&json(&all[1], "نشرة \"الصباح\"")).unwrap();
        assert_eq!(value["version"], "1.2.0");
        assert_eq!(value["podcastName"], "نشرة \"الصباح\"");
        assert_eq!(value["title"], "هل أعدت روسيا حماس؟");
        let chapters = value["chapters"].as_array().unwrap();
        assert_eq!(chapters.len(), 3);
        assert_eq!(chapters[0]["startTime"], 0.0);
        assert_eq!(chapters[1]["startTime"], 4.5);
        assert_eq!(chapters[1]["title"], "سافر الوفد إلى موسكو.");
        assert_eq!(chapters[2]["endTime"], 12.0);
        for pair in chapters.windows(2) {
            assert_eq!(pair[0]["endTime"], pair[1]["startTime"]);
        }
    }
}
