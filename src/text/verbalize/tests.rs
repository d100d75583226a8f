//! Claims about the verbalizer as a whole; row-by-row examples are in `tests/data/text/spoken.tsv`.

use super::*;

#[test]
fn case_comes_from_the_governing_word_before_the_number() {
    assert_eq!(verbalize("في 3 أيام"), "في ثَلَاثَةِ أيام");
    assert_eq!(verbalize("إن 3 أيام"), "إن ثَلَاثَةَ أيام");
    assert_eq!(verbalize("مضت 3 أيام"), "مضت ثَلَاثَةُ أيام");
    // A listed verb reaches over its subject to the number, but not past a preposition.
    assert_eq!(verbalize("بلغ عدد القتلى 30"), "بلغ عدد الْقتلى ثَلَاثِينَ");
    assert_eq!(verbalize("بلغ عدد في 30"), "بلغ عدد في ثَلَاثِينَ");
}

#[test]
fn a_number_joined_by_wa_takes_the_case_of_the_one_before() {
    assert_eq!(verbalize("بين 10 و20"), "بين عَشَرَةٍ وَعِشْرِينَ");
}

#[test]
fn gender_comes_from_the_counted_noun() {
    assert_eq!(verbalize("7 جنود"), "سَبْعَةُ جنود");
    assert_eq!(verbalize("7 سيارات"), "سَبْعُ سياراتٍ");
    // An unlisted singular in ة is feminine.
    assert_eq!(verbalize("13 لجنة"), "ثَلَاثَ عَشْرَةَ لجنةً");
}

#[test]
fn printed_spacing_quotes_and_brackets_are_kept() {
    assert_eq!(verbalize("قال : « نعم »"), "قال : « نعم »");
    assert_eq!(verbalize("(أ) و [ب]"), "(أ) و [ب]");
}

#[test]
fn slashes_and_markup_are_silent() {
    assert_eq!(verbalize("أ / ب * ج # د"), "أ ب ج د");
}

#[test]
fn generated_words_are_recognized_with_their_proclitics_and_printed_words_are_not() {
    assert!(is_generated("أَلْفَيْنِ"));
    assert!(is_generated("وَعِشْرِينَ"));
    assert!(is_generated("بِعَشَرَةِ"));
    assert!(is_generated("مِنْ"));
    assert!(!is_generated("من"), "printed words carry no vowels");
    assert!(!is_generated("الْعالم"), "a hinted printed word is not generated");
    for s in ["عام 2023", "الساعة 10:45", "$7.50", "3/4", "الدورة الـ21", "12%"] {
        let said = verbalize(s);
        for w in said.split(|c: char| !(is_arabic_letter(c) || is_harakah(c))) {
            if w.chars().any(is_harakah) {
                assert!(is_generated(w), "{s}: {w} in {said}");
            }
        }
    }
}

#[test]
fn long_digit_runs_are_read_digit_by_digit() {
    let s = verbalize("12345678901234567890");
    assert!(s.starts_with("وَاحِد اثْنَانِ ثَلَاثَة"), "{s}");
}
