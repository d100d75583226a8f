//! Chapters: named, contiguous stretches of a programme, in samples, and their two written forms.
//!
//! In: chapter starts (title and sample position) and the programme length. Out: [`Chapter`]s
//! that tile the programme from 0 to its end; ID3v2 `CHAP`/`CTOC` frames (the ID3v2 chapter
//! addendum, version 1.0) and Vorbis-comment chapters (`CHAPTER001=00:00:00.000`,
//! `CHAPTER001NAME=…`) as players and ffmpeg read them.
//!
//! Must never happen: a gap or an overlap between chapters (players show the wrong title), a
//! chapter time that disagrees with the manifest (both are derived from the same sample counts
//! with the same millisecond rounding, [`crate::audio::samples_to_seconds`]), or a chapter that
//! ends before it starts.

use id3::frame::{Chapter as Id3Chapter, Frame, TableOfContents};

/// A chapter: samples `start..end` of the programme, at the programme's rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    pub title: String,
    pub start: u64,
    pub end: u64,
}

/// Chapters that tile `0..total`: each starts at its mark and ends where the next begins, the
/// last at `total`. The first chapter is stretched back to 0 so that nothing precedes it; marks
/// past `total` are clamped; marks out of order are moved up to the one before (a zero-length
/// chapter is kept rather than dropped, so that there is one chapter per mark).
pub fn tile(marks: &[(String, u64)], total: u64) -> Vec<Chapter> {
    let mut starts: Vec<u64> = Vec::with_capacity(marks.len());
    for (i, (_, at)) in marks.iter().enumerate() {
        let floor = starts.last().copied().unwrap_or(0);
        starts.push(if i == 0 { 0 } else { (*at).clamp(floor, total) });
    }
    marks
        .iter()
        .enumerate()
        .map(|(i, (title, _))| Chapter {
            title: title.clone(),
            start: starts[i],
            end: starts.get(i + 1).copied().unwrap_or(total),
        })
        .collect()
}

/// Milliseconds of `samples` at `rate`, rounded half up: the same rounding as the manifest.
pub fn millis(samples: u64, rate: u32) -> u64 {
    if rate == 0 {
        return 0;
    }
    let rate = u128::from(rate);
    ((u128::from(samples) * 1000 + rate / 2) / rate) as u64
}

/// `HH:MM:SS.mmm`, the time format of Vorbis-comment chapters.
pub fn vorbis_timestamp(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02}.{ms:03}")
}

/// Vorbis comments for `chapters` (the Ogg chapter extension, numbered from 001).
pub fn vorbis_comments(chapters: &[Chapter], rate: u32) -> Vec<String> {
    let mut out = Vec::with_capacity(chapters.len() * 2);
    for (i, chapter) in chapters.iter().enumerate() {
        let n = i + 1;
        out.push(format!("CHAPTER{n:03}={}", vorbis_timestamp(millis(chapter.start, rate))));
        out.push(format!("CHAPTER{n:03}NAME={}", one_line(&chapter.title)));
    }
    out
}

/// Element id of the `n`-th chapter (0-based) in ID3 frames.
fn element_id(n: usize) -> String {
    format!("chp{n}")
}

/// Element id of the table of contents.
pub const TOC_ID: &str = "toc";

/// ID3v2 frames for `chapters`: one `CHAP` per chapter (start and end in milliseconds, byte
/// offsets unused as the addendum allows with `0xFFFFFFFF`, a `TIT2` title inside), then one
/// top-level, ordered `CTOC` listing them. Chapters past 2^32 ms (49 days) cannot be expressed and
/// are clamped.
pub fn id3_frames(chapters: &[Chapter], rate: u32, toc_title: &str) -> Vec<Frame> {
    let to_u32 = |samples| u32::try_from(millis(samples, rate)).unwrap_or(u32::MAX);
    let mut frames: Vec<Frame> = chapters
        .iter()
        .enumerate()
        .map(|(i, chapter)| {
            Frame::from(Id3Chapter {
                element_id: element_id(i),
                start_time: to_u32(chapter.start),
                end_time: to_u32(chapter.end),
                start_offset: u32::MAX,
                end_offset: u32::MAX,
                frames: vec![Frame::text("TIT2", one_line(&chapter.title))],
            })
        })
        .collect();
    if !chapters.is_empty() {
        frames.push(Frame::from(TableOfContents {
            element_id: TOC_ID.to_owned(),
            top_level: true,
            ordered: true,
            elements: (0..chapters.len()).map(element_id).collect(),
            frames: vec![Frame::text("TIT2", one_line(toc_title))],
        }));
    }
    frames
}

/// A title on one line: players show chapter names in a single row, and a newline inside a
/// Vorbis comment would be read as the end of the comment by some tools.
fn one_line(title: &str) -> String {
    title.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marks(list: &[(&str, u64)]) -> Vec<(String, u64)> {
        list.iter().map(|(t, s)| ((*t).to_owned(), *s)).collect()
    }

    #[test]
    fn chapters_tile_the_programme_without_gaps() {
        let chapters = tile(&marks(&[("a", 500), ("b", 1000), ("c", 4000)]), 5000);
        let spans: Vec<(u64, u64)> = chapters.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(spans, [(0, 1000), (1000, 4000), (4000, 5000)]);
        assert_eq!(chapters[1].title, "b");
    }

    #[test]
    fn marks_out_of_order_or_past_the_end_are_clamped() {
        let chapters = tile(&marks(&[("a", 0), ("b", 3000), ("c", 2000), ("d", 9000)]), 5000);
        let spans: Vec<(u64, u64)> = chapters.iter().map(|c| (c.start, c.end)).collect();
        assert_eq!(spans, [(0, 3000), (3000, 3000), (3000, 5000), (5000, 5000)]);
        assert!(tile(&[], 100).is_empty());
    }

    #[test]
    fn vorbis_timestamps_are_zero_padded() {
        assert_eq!(vorbis_timestamp(0), "00:00:00.000");
        assert_eq!(vorbis_timestamp(61_001), "00:01:01.001");
        assert_eq!(vorbis_timestamp(3_723_456), "01:02:03.456");
        assert_eq!(vorbis_timestamp(100 * 3_600_000), "100:00:00.000");
    }

    #[test]
    fn millis_round_like_the_manifest() {
        for samples in [0, 1, 11, 12, 22_050, 33_075, 1_234_567] {
            let seconds = crate::audio::samples_to_seconds(samples, 22_050);
            assert_eq!(millis(samples, 22_050) as f64 / 1000.0, seconds, "{samples}");
        }
    }

    #[test]
    fn vorbis_chapters_number_from_001_with_names() {
        let chapters = tile(&marks(&[("نشرة", 0), ("خبر\nثان", 33_075)]), 44_100);
        assert_eq!(
            vorbis_comments(&chapters, 22_050),
            [
                "CHAPTER001=00:00:00.000",
                "CHAPTER001NAME=نشرة",
                "CHAPTER002=00:00:01.500",
                "CHAPTER002NAME=خبر ثان",
            ]
        );
    }

    #[test]
    fn id3_frames_are_chap_per_chapter_then_one_ordered_top_level_ctoc() {
        let chapters = tile(&marks(&[("a", 0), ("b", 11_025)]), 22_050);
        let frames = id3_frames(&chapters, 22_050, "toc title");
        let ids: Vec<&str> = frames.iter().map(|f| f.id()).collect();
        assert_eq!(ids, ["CHAP", "CHAP", "CTOC"]);
        let id3::Content::Chapter(second) = frames[1].content() else { panic!("not CHAP") };
        assert_eq!((second.start_time, second.end_time), (500, 1000));
        assert_eq!((second.start_offset, second.end_offset), (u32::MAX, u32::MAX));
        assert_eq!(second.element_id, "chp1");
        assert_eq!(second.frames[0].content().text(), Some("b"));
        let id3::Content::TableOfContents(toc) = frames[2].content() else { panic!("not CTOC") };
        assert!(toc.top_level && toc.ordered);
        assert_eq!(toc.elements, ["chp0", "chp1"]);
        assert!(id3_frames(&[], 22_050, "x").is_empty());
    }
}
