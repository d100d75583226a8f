//! Whole pages in several common layouts (tests/fixtures/html/, described in its README): each
//! test states the exact title, date, author and paragraphs, and that no furniture is read.

use chrono::NaiveDate;

use super::*;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/html/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

fn related(a: &Article) -> Vec<(&str, Option<NaiveDate>)> {
    a.related.iter().map(|h| (h.title.as_str(), h.date)).collect()
}

/// Fails naming every furniture phrase found anywhere in the article's spoken parts.
fn assert_no_furniture(a: &Article, phrases: &[&str]) {
    let spoken = format!(
        "{}\n{:?}\n{:?}\n{}\n{}",
        a.title,
        a.dateline,
        a.author,
        a.paragraphs.join("\n"),
        a.notes.join("\n")
    );
    let found: Vec<&&str> = phrases.iter().filter(|p| spoken.contains(**p)).collect();
    assert!(found.is_empty(), "furniture read aloud: {found:?}\nin:\n{spoken}");
}

#[test]
fn wordpress_post_gives_title_date_author_body_and_related_lists() {
    let a = parse_page(&fixture("wordpress-single-post.html"));
    assert_eq!(a.title, "بلدية المدينة تطلق مشروعا لتحديث شبكة المياه في الأحياء الشرقية");
    assert_eq!(a.date, ymd(2024, 3, 12));
    assert_eq!(a.dateline.as_deref(), Some("12 آذار 2024"));
    assert_eq!(a.author.as_deref(), Some("سارة الخطيب"));
    assert_eq!(a.url.as_deref(), Some("https://madina.example/2024/03/12/water-network/"));
    assert_eq!(
        a.paragraphs,
        [
            "أعلنت بلدية المدينة، صباح الثلاثاء، إطلاق مشروع لتحديث شبكة المياه في الأحياء الشرقية بكلفة تبلغ 12 مليون دينار، على أن تنتهي أعماله خلال ثمانية عشر شهرا.",
            "وقال رئيس البلدية في مؤتمر صحفي إن المشروع يشمل استبدال 140 كيلومترا من الأنابيب القديمة، وإنشاء ثلاثة خزانات جديدة، وتركيب عدادات ذكية في نحو 25 ألف منزل.",
            "وأوضح أن نسبة الفاقد في الشبكة الحالية تتجاوز 40%، وهو ما يحرم آلاف الأسر من وصول المياه بانتظام خلال أشهر الصيف.",
            "مراحل التنفيذ",
            "وتبدأ المرحلة الأولى في حي النزهة الشهر المقبل، تليها أحياء الربوة والسلام والقدس الجديدة، بحسب الجدول الذي نشرته البلدية على موقعها.",
            "ودعا سكان الأحياء المشمولة إلى التعاون مع الفرق الفنية، مؤكدا أن انقطاع المياه خلال الأعمال لن يتجاوز ست ساعات في اليوم الواحد.",
            "من جهتهم، رحب عدد من سكان الحي الشرقي بالمشروع، لكنهم طالبوا بالإسراع في إصلاح الأعطال المتكررة قبل حلول الصيف.",
        ]
    );
    assert!(a.notes.is_empty());
    assert_eq!(
        related(&a),
        [
            ("وزارة المياه تبدأ صيانة سد الوادي قبل موسم الأمطار", ymd(2024, 2, 20)),
            ("البلدية تدرس تعرفة جديدة لعدادات المياه الذكية", ymd(2024, 3, 2)),
            ("حفر ثلاثة آبار جديدة لتغذية الأحياء الشمالية", ymd(2024, 3, 9)),
            ("افتتاح مدرسة جديدة للبنات في حي الربوة", ymd(2024, 3, 12)),
            ("تنظيم سوق شعبي أسبوعي في ساحة البلدية", ymd(2024, 3, 11)),
            ("صيانة الطرق الرئيسية تبدأ الأحد المقبل في وسط المدينة", ymd(2024, 3, 11)),
            ("المكتبة العامة تمدد ساعات العمل خلال شهر رمضان", ymd(2024, 3, 10)),
            ("ارتفاع أسعار المياه المعبأة مع بداية الصيف", None),
        ]
    );
    assert_no_furniture(
        &a,
        &[
            "جريدة المدينة",
            "الرئيسية",
            "عاجل",
            "الأرصاد",
            "تصوير",
            "شارك",
            "فيسبوك",
            "الوسوم",
            "صحفية متخصصة",
            "مقال رائع",
            "نسمع عن هذه",
            "اترك تعليقاً",
            "المقال السابق",
            "البحث",
            "إعلان",
            "WordPress",
            "adsbygoogle",
            "_stq",
            "اقرأ أيضا",
        ],
    );
}

#[test]
fn generic_news_theme_with_both_calendars_and_cards_parses() {
    let a = parse_page(&fixture("arabic-news-theme.html"));
    assert_eq!(a.title, "الحكومة تقر موازنة العام المقبل بعجز يقل عن 3 مليارات");
    assert_eq!(a.date, ymd(2023, 11, 6));
    assert_eq!(a.dateline.as_deref(), Some("الاثنين 22 ربيع الآخر 1445 هـ الموافق 6 نوفمبر 2023 م"));
    assert_eq!(a.author.as_deref(), Some("أحمد عبد الله"));
    assert_eq!(a.url, None);
    assert_eq!(a.paragraphs.len(), 6, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[0].starts_with("أقر مجلس الوزراء في جلسته الأسبوعية"));
    assert!(a.paragraphs[5].starts_with("يذكر أن الدين العام بلغ"));
    assert_eq!(
        related(&a),
        [
            ("البنك المركزي يبقي أسعار الفائدة دون تغيير للشهر الثالث", None),
            ("النواب يبدأون مناقشة قانون ضريبة الدخل المعدل", ymd(2023, 11, 5)),
            ("تراجع معدل التضخم السنوي إلى 2.1 بالمئة في أكتوبر", ymd(2023, 11, 2)),
            ("صندوق النقد يشيد بإصلاحات المالية العامة في تقريره الأخير", ymd(2023, 10, 30)),
        ]
    );
    assert_no_furniture(
        &a,
        &[
            "من نحن",
            "أعلن معنا",
            "فيسبوك",
            "الرئيسية",
            "عاجل",
            "الدفاع المدني",
            "شارك الخبر",
            "أرشيفية",
            "إعلان",
            "googletag",
            "الكلمات المفتاحية",
            "التعليقات",
            "موازنة تقشفية",
            "الأكثر قراءة",
            "فنانة شهيرة",
            "النشرة البريدية",
            "جميع الحقوق",
            "تصميم وبرمجة",
            "عدد المشاهدات",
            "اقرأ أيضا",
            "البنك المركزي",
            "gtag",
        ],
    );
}

#[test]
fn seed_article_wrapped_in_a_page_equals_the_scraped_text() {
    let from_text =
        crate::ingest::page::parse(include_str!("../../../tests/data/ingest/seed_page.txt"))
            .unwrap();
    let a = parse_page(&fixture("seed-article-in-page.html"));
    assert_eq!(a.title, from_text.title);
    assert_eq!(a.dateline, from_text.dateline);
    assert_eq!(a.date, ymd(2023, 11, 6));
    assert_eq!(a.author, from_text.author);
    assert_eq!(a.paragraphs.len(), 23);
    assert_eq!(a.paragraphs, from_text.paragraphs);
    assert_eq!(a.notes, from_text.notes);
    assert_eq!(a.related.len(), 10);
    assert_eq!(a.related, from_text.related);
    assert_no_furniture(
        &a,
        &[
            "Powered",
            "weebtech",
            "الرئيسية",
            "آخر الأنباء",
            "البرلمان يعقد",
            "طباعة",
            "كتاب العالم",
            "استطلاع",
        ],
    );
}

#[test]
fn amp_page_uses_json_ld_authors_and_skips_amp_components() {
    let a = parse_page(&fixture("amp-article.html"));
    assert_eq!(a.title, "تونس: انطلاق موسم جني الزيتون وسط توقعات بصابة قياسية");
    assert_eq!(a.date, ymd(2023, 11, 14));
    assert_eq!(a.dateline, None, "منذ ساعتين is not a dateline");
    assert_eq!(a.author.as_deref(), Some("ليلى بن عمر وكريم الطرابلسي"));
    assert_eq!(a.url.as_deref(), Some("https://nabd.example/tunisia/olive-harvest-2023"));
    assert_eq!(a.paragraphs.len(), 4, "{:#?}", a.paragraphs);
    assert!(a.paragraphs[3].starts_with("ويعد قطاع الزيتون"));
    assert_eq!(
        related(&a),
        [
            ("أسعار زيت الزيتون تبلغ مستويات غير مسبوقة في الأسواق العالمية", ymd(2023, 11, 10)),
            ("الجزائر تتوقع ارتفاع إنتاج الزيتون بنسبة عشرين بالمئة", ymd(2023, 11, 8)),
        ]
    );
    assert_no_furniture(
        &a,
        &["الرئيسية", "إعلان", "gtag", "النسخة الكاملة", "جميع الحقوق", "☰", "-amp-start"],
    );
}

#[test]
fn nested_layout_tables_with_br_paragraphs_and_inline_scripts_parse() {
    let a = parse_page(&fixture("odd-markup-nested-tables-br.html"));
    assert_eq!(a.title, "وصول أول قطار يربط الميناء بالمنطقة الحرة");
    assert_eq!(a.date, ymd(2014, 8, 12));
    assert_eq!(a.dateline.as_deref(), Some("١٢/٠٨/٢٠١٤"));
    assert_eq!(a.author.as_deref(), Some("نادر السعدي"));
    assert_eq!(
        a.paragraphs,
        [
            "وصل صباح أمس أول قطار شحن إلى محطة المنطقة الحرة قادما من الميناء، في رحلة تجريبية استغرقت أقل من ساعتين ، بعد أن كانت الشاحنات تقطع المسافة نفسها في يوم كامل.",
            "وقال مدير هيئة السكك الحديدية إن الخط الجديد، الذي يبلغ طوله 87 كيلومترا، سيخفف الضغط عن الطريق السريع ويقلل كلفة النقل بنحو الثلث.",
            "وأضاف أن الهيئة ستشغل رحلتين يوميا في المرحلة الأولى، على أن يرتفع العدد إلى ست رحلات مطلع العام المقبل بعد استلام قاطرات جديدة.",
            "ويأتي المشروع ضمن خطة حكومية لتطوير البنية التحتية للنقل، بتمويل مشترك من الموازنة العامة وقرض ميسر من أحد الصناديق العربية.",
            "ورحب رجال أعمال في المنطقة الحرة بالخطوة، معتبرين أنها ستجعل المنطقة أكثر جذبا للاستثمارات الصناعية",
        ]
    );
    assert!(a.related.is_empty());
    assert_no_furniture(
        &a,
        &[
            "الصفحة الرئيسية",
            "الأرشيف",
            "document.write",
            "إعلان",
            "طباعة",
            "أرسل لصديق",
            "جميع الحقوق",
            "بقلم",
        ],
    );
}

#[test]
fn unclosed_tags_embeds_and_an_unmarked_maghrebi_dateline_parse() {
    let a = parse_page(&fixture("odd-markup-unclosed-tags.html"));
    assert_eq!(a.title, "الجزائر: افتتاح أكبر محطة لتحلية مياه البحر في الغرب");
    assert_eq!(a.date, ymd(2023, 6, 11));
    assert_eq!(a.dateline.as_deref(), Some("الأحد 11 جوان 2023 - 14:20"));
    assert_eq!(a.author.as_deref(), Some("ياسين مرابط"));
    assert_eq!(a.paragraphs.len(), 5, "{:#?}", a.paragraphs);
    assert_eq!(
        a.paragraphs[3],
        "وقال الوزير في كلمته إن «الأمن المائي أولوية وطنية»، داعيا إلى ترشيد الاستهلاك والحد من التبذير."
    );
    assert!(a.paragraphs[4].starts_with("وكلف إنجاز المحطة نحو 400 مليون دولار"));
    assert_eq!(
        related(&a),
        [
            ("وهران تحتضن الدورة المقبلة من المعرض الدولي للفلاحة", ymd(2023, 6, 10)),
            ("انخفاض أسعار الخضر في أسواق الجملة بالعاصمة", ymd(2023, 6, 9)),
        ]
    );
    assert_no_furniture(
        &a,
        &[
            "pageId",
            "تعليق",
            "لحظة تدشين",
            "twitter",
            "فيديو",
            "جافاسكربت",
            "مياه\n",
            "وهران تحتضن",
            "Copyright",
            "margin",
        ],
    );
}

#[test]
fn a_page_without_markup_text_falls_back_to_json_ld_article_body() {
    let a = parse_page(
        r#"<html><head><script type="application/ld+json">{"@type":"NewsArticle",
        "headline":"عنوان يكتبه السكربت","datePublished":"2024-01-02",
        "articleBody":"الفقرة الأولى من الخبر.\nالفقرة الثانية من الخبر."}</script></head>
        <body><div id="app"></div><script>render()</script></body></html>"#,
    );
    assert_eq!(a.title, "عنوان يكتبه السكربت");
    assert_eq!(a.date, ymd(2024, 1, 2));
    assert_eq!(a.paragraphs, ["الفقرة الأولى من الخبر.", "الفقرة الثانية من الخبر."]);
}

#[test]
fn a_feed_fragment_keeps_paragraphs_and_drops_the_appeared_first_footer() {
    let body = parse_fragment(
        "<p>بقلم: هدى سليم</p><p>الفقرة الأولى من التقرير، وفيها تفاصيل.</p>\
         <figure><img src='x.jpg'><figcaption>تعليق الصورة</figcaption></figure>\
         <p>الفقرة الثانية.</p><p>اقرأ أيضا: <a href='/y'>عنوان خبر آخر ذي صلة</a></p>\
         <p>The post <a href='/x'>عنوان</a> appeared first on <a href='/'>الموقع</a>.</p>",
        "عنوان",
    );
    assert_eq!(body.author.as_deref(), Some("هدى سليم"));
    assert_eq!(body.paragraphs, ["الفقرة الأولى من التقرير، وفيها تفاصيل.", "الفقرة الثانية."]);
    assert_eq!(body.related, [Headline { title: "عنوان خبر آخر ذي صلة".into(), date: None }]);
}

#[test]
fn a_read_also_label_with_tanween_is_taken_whole() {
    // `اقرأ أيضاً` begins with the shorter label `اقرأ أيضا`; the headline must not start with
    // the label's leftover tanween.
    for label in ["اقرأ أيضاً", "اقرأ أيضا", "طالع أيضاً"] {
        let line = format!("{label}: وزير الخارجية يزور بغداد اليوم");
        assert_eq!(read_also(&line).as_deref(), Some("وزير الخارجية يزور بغداد اليوم"), "{line}");
    }
    assert_eq!(read_also("اقرأ أيضاً").as_deref(), Some(""));
    assert_eq!(read_also("قرأت أيضاً الخبر كاملاً"), None);
}
