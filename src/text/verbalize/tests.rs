use super::*;

#[test]
fn year_after_aam_is_genitive() {
    assert_eq!(verbalize("عام 2023"), "عام أَلْفَيْنِ وَثَلَاثَةٍ وَعِشْرِينَ");
}

#[test]
fn day_and_month_in_running_text_read_as_a_date() {
    assert_eq!(verbalize("هجوم 7 أكتوبر على"), "هجوم السَّابِعُ مِنْ أكتوبر على");
    assert_eq!(verbalize("في 7 أكتوبر/تشرين الأول،"), "في السَّابِعِ مِنْ أكتوبر،");
    assert_eq!(
        verbalize("يوم، 26 تشرين الأول/ أكتوبر، للاجتماع"),
        "يوم، السَّادِسِ وَالْعِشْرِينَ مِنْ تشرين الأول، للاجتماع"
            .replace("السَّادِسِ", "السَّادِسُ")
            .replace("وَالْعِشْرِينَ", "وَالْعِشْرُونَ")
    );
    assert_eq!(
        verbalize("في 12/08/2014 بتكلفة"),
        "في الثَّانِيَ عَشَرَ مِنْ أغسطس عَامَ أَلْفَيْنِ وَأَرْبَعَةَ عَشَرَ بتكلفة"
    );
    assert_eq!(verbalize("في 5 مايو 1999"), "في الْخَامِسِ مِنْ مايو عَامَ أَلْفٍ وَتِسْعِ مِئَةٍ وَتِسْعَةٍ وَتِسْعِينَ");
}

#[test]
fn paired_month_without_day_is_said_once() {
    assert_eq!(verbalize("في سبتمبر/أيلول لتقديم"), "في سبتمبر لتقديم");
}

#[test]
fn counted_nouns_set_gender_and_construct() {
    assert_eq!(verbalize("تتجاوز 200 مليار دولار"), "تتجاوز مِئَتَا مليار دولار");
    assert_eq!(verbalize("من 200 مليار"), "من مِئَتَيْ مليار");
    assert_eq!(verbalize("4 آلاف دينار"), "أَرْبَعَةُ آلاف دينار");
    assert_eq!(verbalize("3 سيارات"), "ثَلَاثُ سيارات");
    assert_eq!(verbalize("بعد 3 أيام"), "بعد ثَلَاثَةِ أيام");
}

#[test]
fn decimals_percent_and_proclitics() {
    assert_eq!(verbalize("بـ 7.9 مليارات"), "بِسَبْعَة فَاصِلَة تِسْعَة مليارات");
    assert_eq!(verbalize("بنسبة 12%"), "بنسبة اثْنَا عَشَرَ بِالْمِئَةِ");
    assert_eq!(verbalize("%7 فقط"), "سَبْعَة بِالْمِئَةِ فقط");
    assert_eq!(verbalize("0.05"), "صِفْر فَاصِلَة صِفْر خَمْسَة");
    assert_eq!(verbalize("وزير العدل لـ\"العالم\": نعمل"), "وزير العدل للعالم: نعمل");
    assert_eq!(verbalize("بلغ 1,500 دولار"), "بلغ أَلْفٌ وَخَمْسُ مِئَةِ دولار");
}

#[test]
fn latin_quotes_and_brackets_are_never_read() {
    assert_eq!(verbalize("لصحيفة The Hill، من"), "لصحيفة ذا هيل، من");
    assert_eq!(verbalize("قناة RT: “روسيا”"), "قناة آر تي: روسيا");
    assert_eq!(verbalize("طيار (UAVs) [التي] تلقي"), "طيار يو إيه فيز التي تلقي");
}

#[test]
fn hijri_mark_is_spoken() {
    assert_eq!(verbalize("عام 1445 هـ"), "عام أَلْفٍ وَأَرْبَعِ مِئَةٍ وَخَمْسَةٍ وَأَرْبَعِينَ هِجْرِيًّا");
}

#[test]
fn long_digit_runs_are_read_digit_by_digit() {
    let s = verbalize("12345678901234567890");
    assert!(s.starts_with("وَاحِد اثْنَانِ ثَلَاثَة"), "{s}");
}
