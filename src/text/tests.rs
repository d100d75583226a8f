//! Golden rows, data-file hygiene and end-to-end claims on the seed page.

use std::ops::RangeInclusive;
use std::path::Path;

use chrono::NaiveDate;

use super::*;
use crate::edition::{BlockKind, Headline};
use crate::text::verbalize::{number, tables, Case, End, Gender, NumberForm};

/// Reads `tests/data/text/{name}` and returns (line number, columns) for every data row.
fn golden(name: &str) -> Vec<(usize, Vec<String>)> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/text").join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').map(unescape).collect()))
        .collect()
}

/// `\uXXXX` escapes, so invisible characters can be written in golden rows.
fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(p) = rest.find("\\u") {
        out.push_str(&rest[..p]);
        let hex = &rest[p + 2..p + 6];
        out.push(char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap());
        rest = &rest[p + 6..];
    }
    out.push_str(rest);
    out
}

/// Runs `f` on every row's input and reports every mismatch as file:line.
fn check_golden(name: &str, f: impl Fn(&str) -> String) {
    let rows = golden(name);
    assert!(!rows.is_empty(), "{name} has no rows");
    let mut failures = Vec::new();
    for (line, cols) in rows {
        assert_eq!(cols.len(), 3, "tests/data/text/{name}:{line}: want input, expected, rule-id");
        let got = f(&cols[0]);
        if got != cols[1] {
            failures.push(format!(
                "tests/data/text/{name}:{line} [{}]\n  input: {}\n  want:  {}\n  got:   {got}",
                cols[2], cols[0], cols[1]
            ));
        }
    }
    assert!(failures.is_empty(), "{} failing rows:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn golden_cardinal_rows() {
    check_golden("cardinal.tsv", |input| {
        let parts: Vec<&str> = input.split(' ').collect();
        let gender = if parts[1] == "f" { Gender::Feminine } else { Gender::Masculine };
        let case = match parts[2] {
            "acc" => Case::Accusative,
            "gen" => Case::Genitive,
            _ => Case::Nominative,
        };
        let end = match parts.get(3) {
            Some(&"construct") => End::Construct,
            Some(&"connected") => End::Connected,
            _ => End::Pause,
        };
        number(parts[0].parse().unwrap(), NumberForm::new(gender, case).with_end(end))
    });
}

#[test]
fn golden_date_rows() {
    check_golden("date.tsv", |input| {
        let (d, family) = crate::ingest::parse_dateline(input).unwrap();
        verbalize::date(d, family)
    });
}

#[test]
fn golden_segment_rows() {
    check_golden("segment.tsv", |input| segment(&normalize(input)).join(" | "));
}

#[test]
fn golden_spoken_rows() {
    check_golden("spoken.tsv", spoken);
}

#[test]
fn golden_normalize_rows() {
    check_golden("normalize.tsv", normalize);
}

#[test]
fn data_files_have_unique_keys_right_columns_and_no_stray_characters() {
    // (file, text, columns, key columns)
    let files: [(&str, &str, RangeInclusive<usize>, usize); 8] = [
        ("months.tsv", months::MONTHS_TSV, 4..=4, 3), // key = name + family
        ("months.tsv(name+month)", months::MONTHS_TSV, 4..=4, 2),
        ("latin.tsv", verbalize::latin::LATIN_TSV, 2..=2, 1),
        ("noun_gender.tsv", tables::NOUN_GENDER_TSV, 3..=4, 1), // 4th: t, a unit of time
        ("abbreviations.tsv", tables::ABBREVIATIONS_TSV, 3..=3, 1),
        ("governors.tsv", tables::GOVERNORS_TSV, 2..=2, 1),
        ("units.tsv", tables::UNITS_TSV, 9..=9, 1),
        ("lexicon.tsv", lexicon::LEXICON_TSV, 2..=2, 1),
    ];
    let mut problems = Vec::new();
    for (name, text, columns, key_columns) in files {
        let mut seen = std::collections::HashSet::new();
        for (i, line) in text.lines().enumerate() {
            if line.starts_with('#') {
                continue;
            }
            let at = format!("src/text/data/{name}:{}", i + 1);
            let cols: Vec<&str> = line.split('\t').collect();
            if !columns.contains(&cols.len()) {
                problems.push(format!("{at}: {} columns, want {columns:?}", cols.len()));
            }
            if cols.iter().any(|c| c.is_empty() || c.trim() != *c || c.contains("  ")) {
                problems.push(format!("{at}: empty cell or stray space"));
            }
            // Tatweel is allowed only in the Hijri abbreviation هـ.
            if line.contains('\u{0640}') && line != "هـ" {
                problems.push(format!("{at}: tatweel"));
            }
            let key = cols[..key_columns.min(cols.len())].join("\t").to_lowercase();
            if !seen.insert(key) && key_columns != 2 {
                problems.push(format!("{at}: duplicate key"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn unit_symbols_are_unique_across_rows() {
    let mut seen = std::collections::HashSet::new();
    for row in tables::rows(tables::UNITS_TSV) {
        for symbol in row[0].split(' ') {
            assert!(seen.insert(symbol.to_lowercase()), "units.tsv: {symbol} twice");
        }
    }
}

#[test]
fn lexicon_entries_keep_their_letters_and_only_add_marks() {
    for row in tables::rows(lexicon::LEXICON_TSV) {
        let stripped: String = row[1].chars().filter(|&c| !normalize::is_harakah(c)).collect();
        assert_eq!(stripped, row[0], "lexicon.tsv: {} is not {} with marks", row[1], row[0]);
        assert!(row[1].chars().any(normalize::is_harakah), "lexicon.tsv: {} has no vowels", row[0]);
    }
}

/// ASCII digits or Latin letters in spoken text would make espeak switch language or guess;
/// a slash is read "slash". Quotes and brackets stay: espeak says nothing for them (see
/// `quotes_and_brackets_are_silent_for_espeak`).
fn assert_speakable(s: &str) {
    assert!(!s.chars().any(|c| c.is_ascii_alphanumeric()), "not speakable: {s}");
    assert!(!s.contains(['/', '%', '٪', '$', '€', '&', '*', '#', '@']), "symbol read aloud: {s}");
}

/// The spoken text keeps the printed quotes and brackets because the diacritizer reads them as
/// context; this claim is what makes that safe: espeak gives the same phonemes with and without.
#[test]
fn quotes_and_brackets_are_silent_for_espeak() {
    let config = crate::voice::config::VoiceConfig::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/voices/ar_JO-kareem-medium.onnx.json"
    )))
    .unwrap();
    let frontend = crate::voice::Frontend::from_config(&config).unwrap();
    let plain = frontend.phonemize("قَالَ نَعَمْ ثُمَّ ذَهَبَ").unwrap();
    for marked in [
        "قَالَ «نَعَمْ» ثُمَّ ذَهَبَ",
        "قَالَ \"نَعَمْ\" ثُمَّ ذَهَبَ",
        "قَالَ “نَعَمْ” ثُمَّ ذَهَبَ",
        "قَالَ (نَعَمْ) ثُمَّ ذَهَبَ",
        "قَالَ [نَعَمْ] ثُمَّ ذَهَبَ",
    ] {
        assert_eq!(frontend.phonemize(marked).unwrap(), plain, "{marked}");
    }
}

fn seed() -> crate::edition::Article {
    crate::ingest::parse(
        include_str!("../../tests/data/ingest/seed_page.txt"),
        Path::new("seed.txt"),
    )
    .unwrap()
}

#[test]
fn seed_article_script_is_fully_speakable_and_in_order() {
    let script = article_script(&seed());
    let kinds: Vec<BlockKind> = script.blocks.iter().map(|b| b.kind).collect();
    assert_eq!(&kinds[..3], [BlockKind::Title, BlockKind::Dateline, BlockKind::Author]);
    assert_eq!(kinds.iter().filter(|k| **k == BlockKind::Paragraph).count(), 23);
    assert_eq!(kinds.last(), Some(&BlockKind::Note));
    assert_eq!(
        script.blocks[1].sentences[0].spoken,
        "السَّادِسُ مِنْ تشرين الثاني عَامَ أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ"
    );
    assert_eq!(script.blocks[1].sentences[0].text, "6-تشرين الثاني-2023");
    for b in &script.blocks {
        for s in &b.sentences {
            assert_speakable(&s.spoken);
        }
    }
    let all: String =
        script.blocks.iter().flat_map(|b| &b.sentences).map(|s| s.text.as_str()).collect();
    assert!(!all.contains("الاقتصاد النيابية"), "related headlines leaked into the article");
    assert!(!all.contains("Powered"));
}

#[test]
fn seed_paragraph_sentences_keep_the_printed_text() {
    let a = seed();
    let s = sentences(&a.paragraphs[0]);
    assert_eq!(s.len(), 2);
    assert_eq!(
        s[0].text,
        "سافر ممثلو حماس إلى موسكو يوم ، 26 تشرين الأول/ أكتوبر، للاجتماع مع وزراء الخارجية الروس."
    );
    // Printed spacing is kept; حماس and موسكو carry their lexicon vowels, الخارجية the article's.
    assert_eq!(
        s[0].spoken,
        "سافر ممثلو حَمَاس إلى مُوسْكُو يوم ، السَّادِسُ وَالْعِشْرُونَ مِنْ تشرين الأول، للاجتماع مع وزراء الْخارجية الروس."
    );
}

#[test]
fn bulletin_has_intro_then_one_item_per_headline_with_its_date() {
    let a = seed();
    let script = bulletin_script("العالم", NaiveDate::from_ymd_opt(2024, 4, 3), &a.related);
    assert_eq!(script.blocks.len(), 11);
    assert_eq!(script.blocks[0].kind, BlockKind::Intro);
    assert_eq!(
        script.blocks[0].sentences[0].spoken,
        "نشرة العناوين، الْعالم، الثَّالِثُ مِنْ أبريل عَامَ أَلْفَيْنِ وَأَرْبَعَةٍ وَعِشْرِينَ"
    );
    let first = &script.blocks[1];
    assert_eq!(first.kind, BlockKind::Item);
    assert_eq!(first.sentences.len(), 2);
    assert_eq!(first.sentences[0].text, a.related[0].title);
    assert_eq!(first.sentences[1].spoken, "الثَّالِثُ مِنْ أبريل عَامَ أَلْفَيْنِ وَأَرْبَعَةٍ وَعِشْرِينَ");
    for b in &script.blocks {
        for s in &b.sentences {
            assert_speakable(&s.spoken);
        }
    }
    let undated = [Headline { title: "خبر".to_string(), date: None }];
    assert_eq!(bulletin_script("نشرة", None, &undated).blocks[1].sentences.len(), 1);
}

#[test]
fn spoken_folds_then_verbalizes() {
    assert_eq!(spoken("عام ٢٠٢٣"), "عام أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ");
}

#[test]
fn sentences_bound_the_spoken_length_too() {
    // 150 printed characters, but every number grows when written out.
    let printed = "بلغ عدد السكان 12345678 نسمة، وعدد المنازل 2345678 منزلا، وعدد المدارس 345678 مدرسة، وعدد المستشفيات 45678 مستشفى، وعدد الطرق 5678 طريقا.";
    assert!(printed.chars().count() <= segment::MAX_SENTENCE_CHARS);
    // Counted in letters: vowel marks do not lengthen what the voice says.
    let letters = |t: &str| t.chars().filter(|&c| !normalize::is_harakah(c)).count();
    assert!(letters(&spoken(printed)) > segment::MAX_SENTENCE_CHARS);
    let s = sentences(printed);
    assert!(s.len() >= 2, "{s:?}");
    for sentence in &s {
        assert!(letters(&sentence.spoken) <= segment::MAX_SENTENCE_CHARS, "{sentence:?}");
    }
    let rejoined: Vec<&str> = s.iter().flat_map(|x| x.text.split_whitespace()).collect();
    assert_eq!(rejoined, printed.split_whitespace().collect::<Vec<_>>());
}
