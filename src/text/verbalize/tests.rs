//! Claims about the verbalizer as a whole; row-by-row examples are in `tests/data/text/spoken.tsv`.

use std::collections::HashSet;

use super::*;

#[test]
fn case_comes_from_the_governing_word_before_the_number() {
    assert_eq!(verbalize("في 3 أيام"), "في ثَلَاثَةِ أيام");
    assert_eq!(verbalize("إن 3 أيام"), "إن ثَلَاثَةَ أيام");
    assert_eq!(verbalize("مضت 3 أيام"), "مضت ثَلَاثَةُ أيام");
    // A listed verb reaches over its subject to the number, but not past a preposition.
    assert_eq!(verbalize("بلغ عدد القتلى 30"), "بلغ عدد الْقتلى ثَلَاثِينَ");
    assert_eq!(verbalize("بلغ عدد في 30"), "بلغ عدد في ثَلَاثِينَ");
    // A construct head is not a preposition: the verb reaches over it to its object.
    assert_eq!(verbalize("سجلت نسبة البطالة 12 نقطة"), "سجلت نسبة الْبطالة اثْنَتَيْ عَشْرَةَ نقطةً");
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

/// `data/generated_words.txt` holds exactly the words the generators give. When they change,
/// write it again with `NASHRA_WRITE_GENERATED=1 cargo test --release --lib generated_words_file`.
#[test]
fn the_generated_words_file_lists_what_the_generators_give() {
    let enumerated = enumerate_generated();
    let listed: std::collections::BTreeSet<String> =
        GENERATED_WORDS.lines().map(str::to_owned).collect();
    if listed == enumerated {
        return;
    }
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/text/data/generated_words.txt");
    if std::env::var_os("NASHRA_WRITE_GENERATED").is_some() {
        let text: String = enumerated.iter().map(|w| format!("{w}\n")).collect();
        std::fs::write(&path, text).unwrap();
        return;
    }
    let missing: Vec<&String> = enumerated.difference(&listed).take(5).collect();
    let extra: Vec<&String> = listed.difference(&enumerated).take(5).collect();
    panic!(
        "{} is out of date (missing {missing:?}, extra {extra:?}): write it again with \
         NASHRA_WRITE_GENERATED=1 cargo test --release --lib generated_words_file",
        path.display()
    );
}

#[test]
fn generated_words_are_recognized_with_their_proclitics_and_printed_words_are_not() {
    assert!(is_generated("أَلْفَيْنِ"));
    assert!(is_generated("وَعِشْرِينَ"));
    assert!(is_generated("بِعَشَرَةِ"));
    assert!(is_generated("مِنْ"));
    assert!(!is_generated("من"), "printed words carry no vowels");
    assert!(!is_generated("الْعالم"), "a hinted printed word is not generated");
    for s in [
        "عام 2023",
        "الساعة 10:45",
        "$7.50",
        "3/4",
        "الدورة الـ21",
        "12%",
        "خلال الـ48 ساعة",
        "في الـ3 أيام",
        "في الـ12 شهرا",
    ] {
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

#[test]
fn governors_are_found_under_the_clitics_that_keep_their_role() {
    for (word, role) in [
        ("نسبة", Some(Role::Genitive)),
        ("بنسبة", Some(Role::Genitive)),
        ("وبنسبة", Some(Role::Genitive)),
        ("لكل", Some(Role::Genitive)),
        ("وبعد", Some(Role::Preposition)),
        ("ستدفع", Some(Role::Verb)),
        ("ليبلغ", Some(Role::Verb)),
        ("وسيبلغ", Some(Role::Verb)),
        ("ستستمر", Some(Role::During)),
        ("ستكون", Some(Role::Kana)),
        ("للمرة", Some(Role::Ordinal(Gender::Feminine))),
        ("بالمادة", Some(Role::Ordinal(Gender::Feminine))),
        ("للعام", Some(Role::Year)),
        // لل before a construct head is لِ + the article: no longer a head (للقيمة).
        ("للقيمة", None),
        // بأنّ is not a construct head, لـ before a perfect verb is not the لِ of purpose, and a
        // name in و is not و + a listed word.
        ("بأن", None),
        ("لبلغ", None),
        ("وليد", None),
    ] {
        assert_eq!(governor(word), role, "{word}");
    }
}

/// The article is seen behind a preposition and behind و/ف before one (وللعام، فبالمادة), but a
/// word of three letters keeps its first letter (فلل, villas, has no article).
#[test]
fn the_article_is_found_behind_its_clitics() {
    for word in ["العام", "للعام", "وللعام", "فبالمادة", "والعام", "كالعادة", "وكالعادة"]
    {
        assert!(has_article(word), "{word}");
    }
    for word in ["فلل", "عام", "ولد", "فلان", "بلد"] {
        assert!(!has_article(word), "{word}");
    }
}

#[test]
fn only_units_of_time_and_times_are_marked_as_time() {
    for row in tables::rows(tables::NOUN_GENDER_TSV).filter(|c| c.len() == 4) {
        assert_eq!(row[3], "t", "noun_gender.tsv: {row:?}");
    }
    for word in ["أيام", "ساعة", "عاما", "سنوات", "مرات"] {
        assert!(tables::is_time_noun(word), "{word}");
    }
    for word in ["أشخاص", "دولار", "ساعتين", "الأيام"] {
        assert!(!tables::is_time_noun(word), "{word}");
    }
}

#[test]
fn governors_tsv_lists_each_construct_head_and_preposition_once_bare() {
    for row in tables::rows(tables::GOVERNORS_TSV) {
        assert!(governor(row[0]).is_some(), "governors.tsv: {row:?} has no known role");
    }
    let genitive: HashSet<&str> = tables::rows(tables::GOVERNORS_TSV)
        .filter(|c| c[1] == "gen" || c[1] == "prep")
        .map(|c| c[0])
        .collect();
    for word in &genitive {
        let mut chars = word.chars();
        let first = chars.next().unwrap_or_default();
        assert!(
            !("بلك".contains(first) && genitive.contains(chars.as_str())),
            "{word}: the lookup finds it as {first} + {}; list it bare only",
            chars.as_str()
        );
    }
}

#[test]
fn derived_verbal_nouns_are_construct_heads_and_their_look_alikes_are_not() {
    for word in ["اجتذاب", "باستثمار", "وإنتاج", "انسحاب", "استئناف"]
    {
        assert!(masdar_like(word), "{word}");
    }
    // Verbs, plurals, definite nouns and the names that share the shape.
    for word in ["اجتذب", "استثمر", "احتجاجات", "الأمان", "إيران", "اتحاد"]
    {
        assert!(!masdar_like(word), "{word}");
    }
    assert_eq!(verbalize("اجتذاب 200 مليون"), "اجتذاب مِئَتَيْ مليونٍ");
}

#[test]
fn a_round_number_is_in_construct_with_an_unlisted_noun_but_not_with_a_verb() {
    assert_eq!(verbalize("بمقدار 100 ضعف"), "بمقدار مِئَةِ ضعف");
    assert_eq!(verbalize("نحو 100 قتلوا"), "نحو مِئَةٍ قتلوا");
    assert_eq!(verbalize("كل 100 ألف يلقون"), "كل مِئَةِ ألفٍ يلقون");
    // 1900-2100 after a noun are years, not amounts.
    assert_eq!(verbalize("انتخابات 2000 شهدت"), "انتخابات أَلْفَيْنِ شهدت");
}

#[test]
fn the_article_on_a_number_word_takes_tanween_off_and_assimilates() {
    assert_eq!(with_article("أَرْبَعٍ"), "الْأَرْبَعِ");
    assert_eq!(with_article("وَعِشْرِينَ"), "وَالْعِشْرِينَ");
    // A sun letter takes a shadda, written before its vowel.
    assert_eq!(with_article("ثَلَاثَةُ"), "الث\u{0651}َلَاثَةُ");
    assert_eq!(with_article("خَمْسًا"), "الْخَمْسَ");
    assert_eq!(with_article("ثَمَانٍ"), "الث\u{0651}َمَانِي");
    assert_eq!(with_article("اثْنَتَيْ"), "الِاثْنَتَيْ");
}

#[test]
fn al_before_a_number_is_an_ordinal_after_a_noun_and_a_definite_cardinal_otherwise() {
    assert_eq!(verbalize("القرن الـ21"), "الْقرن الْحَادِي وَالْعِشْرُونَ");
    assert_eq!(verbalize("خلال الـ24 ساعة"), "خلال الْأَرْبَعِ وَالْعِشْرِينَ ساعة");
    // Without a counted noun after it, a number after a preposition is an ordinal (a day).
    assert_eq!(verbalize("في الـ21 من الشهر"), "في الْحَادِي وَالْعِشْرِينَ من الشهر");
}

#[test]
fn an_ordinal_is_genitive_after_a_noun_in_construct_and_nominative_after_a_possible_verb() {
    // A noun without the article before the ordinal's noun: after a preposition, or ending in
    // ة or ات, it cannot be a verb, and the two are a construct.
    let genitive = "الْحَادِيَةِ وَالْأَرْبَعِينَ";
    assert!(verbalize("في إطار الدورة الـ41").ends_with(genitive));
    assert!(verbalize("انطلقت فعاليات الدورة الـ41").ends_with(genitive));
    assert!(verbalize("بمناسبة الذكرى الـ50").ends_with("الْخَمْسِينَ"));
    // انطلقت may be the verb whose subject the noun is.
    assert!(verbalize("انطلقت الدورة الـ41").ends_with("الْحَادِيَةُ وَالْأَرْبَعُونَ"));
    // A short word in ات (مات، بات) may be a verb.
    assert!(verbalize("مات الملك الـ5 في").ends_with("الْخَامِسُ في"));
}

#[test]
fn a_scale_word_printed_in_a_form_its_number_does_not_take_is_said_in_the_one_it_does() {
    // 3-10 take the plural, genitive (papers often print the singular).
    assert_eq!(verbalize("نحو 3 مليون شخص"), "نحو ثَلَاثَةِ ملايينِ شخص");
    assert_eq!(verbalize("نحو 3 ألف شخص"), "نحو ثَلَاثَةِ آلافِ شخص");
    // 11-99 take the accusative singular: its tanween and alif when no noun follows.
    assert_eq!(verbalize("بلغ 15 ألف."), "بلغ خَمْسَةَ عَشَرَ ألفًا.");
    assert_eq!(verbalize("بلغ 15 ألف شخص"), "بلغ خَمْسَةَ عَشَرَ ألفَ شخص");
    // A diptote plural in construct takes kasra, on its own fatha.
    assert_eq!(verbalize("خسر 5 ملايين دولار"), "خسر خَمْسَةَ ملايينِ دولار");
    assert_eq!(verbalize("يعيش 5 ملايين في"), "يعيش خَمْسَةُ ملايينَ في");
}

#[test]
fn an_unlisted_plural_in_at_takes_the_gender_of_its_singular() {
    // The singular is listed (مظاهرة) or is feminine in ة by default.
    assert_eq!(unlisted_plural("مظاهرات"), Some(Gender::Feminine));
    assert_eq!(unlisted_plural("مفاوضات"), Some(Gender::Feminine));
    // A derived verbal noun's stem or مفعول is a masculine singular.
    for word in ["تصريحات", "انتخابات", "استثمارات", "إصلاحات", "مشروعات", "موضوعات"]
    {
        assert_eq!(unlisted_plural(word), Some(Gender::Masculine), "{word}");
    }
    // Too short to be a plural (مات، بات), or no noun at all.
    assert_eq!(unlisted_plural("مات"), None);
    assert_eq!(unlisted_plural("بالسيارات"), None);
    // Only 3-10 (and 103-110 ...) take the plural.
    assert_eq!(verbalize("خرجت 15 مظاهرات"), "خرجت خَمْسَةَ عَشَرَ مظاهرات");
}

#[test]
fn right_after_a_preposition_a_verb_is_its_verbal_noun_in_construct_with_the_number() {
    assert!(verbal_noun_after_preposition(&["بعد".into(), "توقف".into()]));
    assert!(verbal_noun_after_preposition(&["وبعد".into(), "دفع".into()]));
    assert!(verbal_noun_after_preposition(&["قبل".into(), "تمديد".into()]));
    assert!(verbal_noun_after_preposition(&["عبر".into(), "تبادل".into()]));
    // A verb may follow منذ and حتى; a place name shares the shape; a noun of another shape.
    assert!(!verbal_noun_after_preposition(&["منذ".into(), "بلغ".into()]));
    assert!(!verbal_noun_after_preposition(&["حتى".into(), "تبلغ".into()]));
    assert!(!verbal_noun_after_preposition(&["في".into(), "تونس".into()]));
    assert!(!verbal_noun_after_preposition(&["في".into(), "غزة".into()]));
    assert!(!verbal_noun_after_preposition(&["توقف".into()]));
}

#[test]
fn past_the_definite_subject_of_a_feminine_perfect_verb_a_number_is_its_object() {
    let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
    assert!(object_past_subject(&words("اعتقلت الشرطة")));
    assert!(object_past_subject(&words("وأعلنت القوات الإسرائيلية")));
    // Right after the verb (its subject, or a passive's deputy), past three words, past a
    // preposition, after a plural, a name in وت or a listed verb (its own rules): not this rule.
    assert!(!object_past_subject(&words("قتلت")));
    assert!(!object_past_subject(&words("أعلنت الشرطة المحلية الفلسطينية")));
    assert!(!object_past_subject(&words("أعلنت في الشرطة")));
    assert!(!object_past_subject(&words("مظاهرات الطلاب")));
    assert!(!object_past_subject(&words("بيروت الشرقية")));
    assert!(!object_past_subject(&words("استمرت الحرب")));
    assert_eq!(verbalize("قتلت 3 نساء"), "قتلت ثَلَاثُ نساء");
}

#[test]
fn a_listed_singular_printed_with_its_tanween_alif_is_found() {
    assert_eq!(tables::noun("وزيرا"), tables::noun("وزير"));
    assert!(tables::noun("وزير").is_some());
    // Only singulars: the alif of a plural or dual is no tanween.
    assert_eq!(tables::noun("سنواتا"), None);
}

#[test]
fn a_hinted_singular_in_ya_gets_the_shadda_of_its_nisba() {
    let genitive = NounHint { mark: '\u{064D}' };
    assert_eq!(genitive.apply("جندي"), "جندي\u{0651}\u{064D}");
    let accusative = NounHint { mark: '\u{064B}' };
    assert_eq!(accusative.apply("عسكريا"), "عسكري\u{0651}\u{064B}ا");
    assert_eq!(accusative.apply("قتيلا"), "قتيل\u{064B}ا");
}

#[test]
fn al_and_a_number_after_a_plural_is_a_cardinal_describing_it() {
    assert_eq!(verbalize("خلال الأيام الـ5 الماضية"), "خلال الْأيام الْخَمْسَةِ الْماضية");
    assert_eq!(verbalize("خلال الساعات الـ5 الماضية"), "خلال الساعات الْخَمْسِ الْماضية");
    // After a singular it is an ordinal.
    assert_eq!(verbalize("خلال اليوم الـ5 من"), "خلال الْيوم الْخَامِسِ من");
}

#[test]
fn letters_printed_with_spaces_for_dots_are_an_abbreviation_only_as_a_whole() {
    assert_eq!(verbalize("(أ ف ب)"), "(فْرَانْس بْرِس)");
    // ت. (هاتف) is an abbreviation; ت followed by a space and another letter is not it.
    assert_eq!(verbalize("(ت ع)"), "(ت ع)");
    assert_eq!(verbalize("أ و ب"), "أ و ب");
}
