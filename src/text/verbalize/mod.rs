//! Verbalization: normalized printed text in, what will be said out.
//!
//! In: text after [`crate::text::normalize()`]. Out: the same text with every number, date, time,
//! amount, percent, abbreviation, Latin word and symbol written as Arabic words; generated words
//! fully vocalized, words of the hint lexicon partly vocalized ([`crate::text::lexicon`]); the
//! printed words, spacing and punctuation otherwise untouched (the diacritizer reads them as
//! context). Never: an ASCII digit or a Latin letter in the output, a slash or symbol read aloud,
//! or an existing haraka removed or moved.
//!
//! Quotes and brackets stay in the output: espeak says nothing for them (the test
//! `quotes_and_brackets_are_silent_for_espeak` in `text::tests` checks it), and the diacritizer
//! vocalizes the words around them better when it sees them (removing them cost 0.07 points of
//! DER on WikiNews, see docs/text.md).
//!
//! Rules (IDs in tests and `tests/data/text/*.tsv`):
//! - `V1` a number's case comes from the words before it (`data/governors.tsv`): genitive after a
//!   preposition, a construct head or a proclitic `بـ`/`لـ`/`كـ`; accusative after إِنَّ and its
//!   sisters or as the object of a listed verb up to four words back in the same clause;
//!   nominative otherwise; right after a preposition a verb's spelling is its verbal noun, in
//!   construct with the number. Its gender comes from the counted noun after it
//!   (`data/noun_gender.tsv`; an unlisted singular in ة is feminine, an unlisted plural in ات
//!   after 3–10 takes the gender its singular likely has), and before a noun it takes
//!   construct form where Arabic does (3–10 and round numbers). `1`/`2` before a singular noun
//!   become the noun + وَاحِد and the noun's dual.
//! - `V2` a number after `عام`/`سنة`, or a 4-digit number followed by `م`/`هـ`, is a year: a genitive
//!   cardinal, with مِيلَادِيًّا / هِجْرِيًّا for the suffix.
//! - `V3` dates: `7 أكتوبر [2023]`, `12/08/2014`, `12-08-2014`, `12.08.2014`, `2014-08-12`, `08/2014`,
//!   `15/09/1445 هـ` (Hijri month names): ordinal day + `مِنْ` + month [+ `عَامَ` year]. The day is
//!   genitive after a preposition or a noun (هجومِ السابعِ من أكتوبر), nominative at the start of a
//!   clause. `نوفمبر 2010` → month + `عَامَ` + year.
//! - `V4` a paired month `أكتوبر/ تشرين الأول` is said once (the first name).
//! - `V5` `12%`, `%12`, `12٪` → number + `فِي الْمِئَةِ`; decimals → `فَاصِلَة` between the parts,
//!   each leading zero of the fraction said.
//! - `V6` a detached proclitic joins what follows: `بـ 7.9` → `بِسَبْعَة...`, `لـ"العالم"` → `للعالم`,
//!   `ب 10` → `بِعَشَرَةِ`.
//! - `V7` Latin words via [`latin`]; slashes and markup symbols are silent; a dash between words is a
//!   pause (`،`). Digits joined to Latin letters (`G20`، `F-16`، `H1N1`، `4G`) are part of a name:
//!   masculine, genitive, in pause (جي عِشْرِين).
//! - `V8` clock times `10:30` via [`time`]; a score or ratio `3:1` → `مُقَابِلَ`.
//! - `V9` abbreviations from `data/abbreviations.tsv` are said in full (`د.` → الدُّكْتُور before a
//!   name, `ق.م` → قَبْلَ الْمِيلَادِ).
//! - `V10` amounts and measures: a symbol or code from `data/units.tsv` before or after a number
//!   (`$7.50`, `5 كم`, `5د.ك`) is said as the counted noun, decimals as the subunit (سِنْت).
//! - `V11` ordinals: `القرن الـ21` → الْحَادِي وَالْعِشْرِينَ; a number after an ordinal head
//!   (`المادة 5`) → الْخَامِسَة, agreeing with the head.
//! - `V12` fractions `1/2`, `3/4`, `1 1/2` → نِصْف، ثَلَاثَةُ أَرْبَاعٍ، وَاحِدٌ وَنِصْفٌ; other `a/b` →
//!   `a عَلَى b`; a range `10-15` → `a إِلَى b`; a negative `-5` → `سَالِب` + number.

pub mod counted;
pub mod date;
pub mod latin;
pub mod number;
pub mod ordinal;
pub mod parse;
pub mod tables;
pub mod time;

pub use date::{date, date_in_case, day_ordinal};
pub use number::{cardinal, number, Case, End, Gender, NumberForm};
pub use ordinal::ordinal;
use ordinal::SUN_LETTERS;

use counted::{counted, Noun, Plural};
use tables::{governor, Count, Role, Unit};

use crate::text::months::{self, MonthFamily};
use crate::text::normalize::{
    is_arabic_letter, is_harakah, DAMMA, DAMMATAN, FATHA, FATHATAN, KASRA, KASRATAN, SHADDA, SUKUN,
    TATWEEL,
};

const PERCENT: &str = "فِي الْمِئَةِ";
const POINT: &str = "فَاصِلَة";
const ZERO: &str = "صِفْر";
/// Longer digit runs are read digit by digit (phone numbers, codes), never as one value.
const MAX_VALUE_DIGITS: usize = 15;

/// A digit run that is a code, not an amount: too long for a value, or three digits or more
/// after a leading zero (a phone number: `0791234567` → صِفْر سَبْعَة تِسْعَة ...).
fn is_code(int: &str) -> bool {
    int.len() > MAX_VALUE_DIGITS || (int.len() >= 3 && int.starts_with('0'))
}
/// How far back (in words) a listed verb makes a number its object (V1).
const VERB_REACH: usize = 4;
/// How far back (in words) a listed verb makes a count of time its adverb, past prepositions
/// (ظلت الطائرة في الجو 3 ساعات).
const TIME_REACH: usize = 6;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// Integer digits (group separators removed) and optional decimal digits.
    Num(String, Option<String>),
    Latin(String),
    Word(String),
    Punct(char),
    Space,
}

fn tokenize(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let start = i;
        if c.is_ascii_digit() {
            let mut int = String::new();
            while i < chars.len() {
                if chars[i].is_ascii_digit() {
                    int.push(chars[i]);
                    i += 1;
                } else if chars[i] == ','
                    && chars.get(i + 1..i + 4).is_some_and(|g| g.iter().all(char::is_ascii_digit))
                    && !chars.get(i + 4).is_some_and(char::is_ascii_digit)
                {
                    i += 1; // thousands separator
                } else {
                    break;
                }
            }
            let mut frac = None;
            let decimal_mark =
                chars.get(i) == Some(&'.') || (chars.get(i) == Some(&',') && !int.is_empty()); // 7,99 (not a 3-digit group)
            if decimal_mark && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
                let f: String = chars[i + 1..].iter().take_while(|c| c.is_ascii_digit()).collect();
                // 12.08.2014 is a date, not 12.08 followed by .2014.
                let date_like = chars.get(i + 1 + f.len()) == Some(&'.')
                    && chars.get(i + 2 + f.len()).is_some_and(char::is_ascii_digit);
                // ... and in 01.11.2010 the 11 is the month, not 11.2010.
                let after_dotted_number =
                    start >= 2 && chars[start - 1] == '.' && chars[start - 2].is_ascii_digit();
                if !date_like && !after_dotted_number {
                    i += 1 + f.len();
                    frac = Some(f);
                }
            }
            out.push(Tok::Num(int, frac));
        } else if c.is_ascii_alphabetic() {
            while i < chars.len()
                && (chars[i].is_ascii_alphabetic()
                    || (matches!(chars[i], '\'' | '-' | '.')
                        && chars.get(i + 1).is_some_and(char::is_ascii_alphabetic)
                        && chars[i - 1].is_ascii_alphabetic()))
            {
                i += 1;
            }
            out.push(Tok::Latin(chars[start..i].iter().collect()));
        } else if is_arabic_letter(c) || is_harakah(c) || c == TATWEEL {
            while i < chars.len()
                && (is_arabic_letter(chars[i]) || is_harakah(chars[i]) || chars[i] == TATWEEL)
            {
                i += 1;
            }
            out.push(Tok::Word(chars[start..i].iter().collect()));
        } else if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            out.push(Tok::Space);
        } else {
            out.push(Tok::Punct(c));
            i += 1;
        }
    }
    out
}

/// Letters that attach to the next word as proclitics.
fn proclitic(letter: char) -> (&'static str, bool) {
    match letter {
        'ب' => ("بِ", true),
        'ل' => ("لِ", true),
        'ك' => ("كَ", true),
        'و' => ("وَ", false),
        _ => ("فَ", false),
    }
}

/// Punctuation that ends a clause: the case context starts afresh after it.
fn ends_clause(c: char) -> bool {
    matches!(c, '.' | '،' | '؛' | ':' | '؟' | '!' | '?' | ',' | ';' | '…' | '-' | '–' | '—')
}

/// Clause punctuation: kept in the spoken text, and espeak ends a clause (pauses) at each.
pub(crate) const CLAUSE_MARKS: [char; 10] = ['.', '،', '؛', ':', '؟', '!', '?', ',', ';', '…'];

/// Quotes and brackets: kept in the spoken text (the diacritizer reads better with them), said
/// by nobody and no pause in espeak.
pub(crate) const QUOTES: [char; 9] = ['"', '«', '»', '“', '”', '(', ')', '[', ']'];

/// Characters kept as printed: clause punctuation, quotes and brackets.
fn kept(c: char) -> bool {
    CLAUSE_MARKS.contains(&c) || QUOTES.contains(&c)
}

fn bare(word: &str) -> String {
    word.chars().filter(|&c| c != TATWEEL && !is_harakah(c)).collect()
}

/// Writes out everything that is not an Arabic word. See the module docs for the rules.
pub fn verbalize(text: &str) -> String {
    let toks = tokenize(text);
    let mut v = Verbalizer {
        toks: &toks,
        out: Vec::new(),
        clause: Vec::new(),
        pending: None,
        conjoined: None,
        last_number_case: Case::Nominative,
        around: Around::default(),
        noun_hint: None,
        next_noun_hint: std::cell::Cell::new(None),
    };
    v.run();
    tidy(&v.out.concat())
}

/// The words right around a number that decide how a verb before it governs it (V1).
#[derive(Debug, Default, Clone, Copy)]
struct Around {
    /// It counts a unit of time (`3 أيام`), which a verb of duration takes as an adverb.
    counts_time: bool,
    /// A word with the article stands right before it (`عدد القتلى 25`): the subject of a كان
    /// before them, so that the number is its predicate. Not after a bracket or a name
    /// (`كان الأولى( 17 )`، `كان مسبار فوياجر 1`).
    after_definite: bool,
}

/// What a number phrase is followed by, for its case and ending.
struct Verbalizer<'a> {
    toks: &'a [Tok],
    out: Vec<String>,
    /// The printed Arabic words of the current clause (bare), for the case of a number (V1).
    clause: Vec<String>,
    /// A detached one-letter proclitic waiting for its word (V6).
    pending: Option<char>,
    /// The case of a number joined by وَ to the number before it (بين عشرةٍ وعشرينَ).
    conjoined: Option<Case>,
    /// The context case of the last number said.
    last_number_case: Case,
    /// The words right around the number being read.
    around: Around,
    /// The case ending of the counted noun printed right after a number (V13).
    noun_hint: Option<NounHint>,
    /// Set while a number phrase is read, taken into `noun_hint` once it is said.
    next_noun_hint: std::cell::Cell<Option<NounHint>>,
}

impl Verbalizer<'_> {
    fn run(&mut self) {
        let mut i = 0;
        while i < self.toks.len() {
            i = match &self.toks[i] {
                Tok::Space => {
                    self.out.push(" ".to_string());
                    i + 1
                }
                Tok::Word(_) => self.word(i),
                Tok::Latin(_) => self.latin(i),
                Tok::Num(..) => self.number(i, None),
                Tok::Punct(_) => self.punct(i),
            };
        }
        if let Some(p) = self.pending.take() {
            self.out.push(p.to_string());
        }
    }

    fn word_at(&self, j: usize) -> Option<&str> {
        match self.toks.get(j) {
            Some(Tok::Word(w)) => Some(w.as_str()),
            _ => None,
        }
    }

    /// Index of the next token that is not a space, from `j`.
    fn skip_space(&self, j: usize) -> usize {
        if matches!(self.toks.get(j), Some(Tok::Space)) {
            j + 1
        } else {
            j
        }
    }

    /// How a phrase ending before token `j` ends: in pause before punctuation or the end.
    fn end_before(&self, j: usize) -> End {
        match self.toks.get(self.skip_space(j)) {
            None => End::Pause,
            Some(Tok::Punct(c)) if ends_clause(*c) || kept(*c) => End::Pause,
            _ => End::Connected,
        }
    }

    /// V1: the case of a number standing after the clause words so far (`skip` of the last
    /// words left out: an ordinal's head noun).
    fn case_after(&self, skip: usize, clitic_genitive: bool) -> Case {
        if clitic_genitive {
            return Case::Genitive;
        }
        if let Some(case) = self.conjoined {
            return case;
        }
        let words = &self.clause[..self.clause.len().saturating_sub(skip)];
        if verbal_noun_after_preposition(words) {
            return Case::Genitive;
        }
        match words.last().and_then(|w| governor(w)) {
            Some(Role::Preposition | Role::Genitive | Role::Year) => return Case::Genitive,
            Some(Role::Accusative | Role::Verb) => return Case::Accusative,
            // كان 3 أشخاص: the subject of كان; but ليصبح 55 (so that it became 55): the
            // predicate, its subject said before.
            Some(Role::Kana) => {
                let result =
                    words.last().is_some_and(|w| w.trim_start_matches(['و', 'ف']).starts_with('ل'));
                return if result { Case::Accusative } else { Case::Nominative };
            }
            None if words.last().is_some_and(|w| masdar_like(w)) => return Case::Genitive,
            _ => {}
        }
        if self.around.counts_time && time_adverb(words) {
            return Case::Accusative;
        }
        // يبلغ من العمر 25 عامًا: the idiom's preposition does not end the verb's reach.
        let words = match words {
            [rest @ .., min, age] if min == "من" && age == "العمر" => rest,
            _ => words,
        };
        match reaching_verb(words) {
            // The object of a transitive verb.
            Some(Role::Verb) => Case::Accusative,
            // أصبح عدد القتلى 25: the predicate of كان past its subject.
            Some(Role::Kana) if self.around.after_definite => Case::Accusative,
            // استمرت الحرب 3 أيام: an adverb of time; قضى 5 أشخاص: the subject.
            Some(Role::During) if self.around.counts_time => Case::Accusative,
            None if object_past_subject(words) => Case::Accusative,
            _ => Case::Nominative,
        }
    }

    /// V3: a date is genitive after a noun (construct: هجومِ السابعِ), nominative at a clause start.
    fn date_case(&self, clitic_genitive: bool) -> Case {
        let case = self.case_after(0, clitic_genitive);
        if case == Case::Nominative && !self.clause.is_empty() {
            return Case::Genitive;
        }
        case
    }

    fn push_said(&mut self, said: String) {
        let prefix = self.pending.take().map(|p| proclitic(p).0).unwrap_or("");
        self.out.push(format!("{prefix}{said}"));
        // Generated words do not govern what follows; the marker stops a verb's reach.
        self.clause.push("#".to_string());
    }

    fn word(&mut self, i: usize) -> usize {
        let Some(w) = self.word_at(i).map(str::to_string) else { return i + 1 };
        let plain = bare(&w);
        // V6: a detached proclitic (بـ، لـ) or a lone و/ب/ل before a number joins what follows.
        let detached = w.ends_with(TATWEEL) && plain.chars().count() == 1 && plain != "ه";
        let proclitic_letter = matches!(plain.as_str(), "و" | "ب" | "ل" | "ف" | "ك");
        let spaced_number = matches!(self.toks.get(i + 1), Some(Tok::Space))
            && matches!(self.toks.get(i + 2), Some(Tok::Num(..)));
        let joined_number = matches!(self.toks.get(i + 1), Some(Tok::Num(..)));
        if self.pending.is_none()
            && (detached || (proclitic_letter && (spaced_number || joined_number)))
        {
            self.pending = plain.chars().next();
            return if spaced_number && !detached { i + 2 } else { i + 1 };
        }
        if plain == "ه" && w.ends_with(TATWEEL) {
            self.out.push("هِجْرِيًّا".to_string());
            return i + 1;
        }
        // V11: الـ21 (the tatweel is gone after normalization: ال + digits), also printed with a
        // space (الـ 41، ال 70): a lone ال is never a word of its own.
        if plain == "ال" {
            let j = self.skip_space(i + 1);
            if let Some(Tok::Num(int, None)) = self.toks.get(j) {
                let int = int.clone();
                if let Some(said) = self.definite_cardinal(j, &int) {
                    self.push_said(said);
                    return j + 1;
                }
                return self.ordinal(j, &int);
            }
            // L1: الـ UN، الـ Bitcoin: the article joins the Latin word's Arabic form (اليو إن).
            if self.pending.is_none() && matches!(self.toks.get(j), Some(Tok::Latin(_))) {
                let next = self.latin(j);
                if let Some(said) = self.out.last_mut() {
                    said.insert_str(0, "ال");
                }
                return next;
            }
        }
        if let Some((said, next)) = self.abbreviation(i) {
            self.push_said(said);
            return next;
        }
        let mut said = w.replace(TATWEEL, "");
        let mut next = i + 1;
        if let Some((m, name, end)) = self.month_at(i) {
            said = name;
            next = self.skip_paired_month(end, m.month); // V4
                                                         // `نوفمبر 2010`: month + year.
            let j = self.skip_space(next);
            if let Some(Tok::Num(y, None)) = self.toks.get(j) {
                if y.len() == 4 && m.family != MonthFamily::Hijri {
                    let end = self.end_before(j + 1);
                    said = format!("{said} عَامَ {}", date::year_words(parse_u64(y), end));
                    next = j + 1;
                }
            }
        } else if plain == said {
            said = match crate::text::lexicon::hint(&said) {
                Some(hint) => hint,
                None => article_hint(&said),
            };
            if let Some(h) = self.noun_hint.take() {
                said = h.apply(&said);
            }
        }
        self.noun_hint = None;
        if let Some(p) = self.pending.take() {
            said = if p == 'ل' && said.starts_with("ال") {
                format!("لل{}", &said["ال".len()..])
            } else {
                format!("{p}{said}")
            };
        }
        self.clause.push(bare(&said));
        self.out.push(said);
        next
    }

    fn latin(&mut self, i: usize) -> usize {
        if let Some((said, next)) = self.abbreviation(i) {
            self.push_said(said);
            return next;
        }
        // V10: a currency code before its number (`USD 5`).
        if let Some((unit, after)) = self.unit_at(i) {
            let j = self.skip_space(after);
            if matches!(self.toks.get(j), Some(Tok::Num(..))) {
                return self.number(j, Some(unit));
            }
        }
        let mut words = Vec::new();
        let mut j = i;
        while let Some(Tok::Latin(l)) = self.toks.get(j) {
            words.push(l.as_str());
            if self.toks.get(j + 1) == Some(&Tok::Space)
                && matches!(self.toks.get(j + 2), Some(Tok::Latin(_)))
            {
                j += 2;
            } else {
                j += 1;
                break;
            }
        }
        let mut said = latin::latin_words(&words);
        // V7: a code of Latin letters and digits (`G20`، `F-16`، `H1N1`، `MH17`): its numbers
        // are part of a name, said as in a code, and the letters after them are read on.
        loop {
            let k = j + usize::from(matches!(self.toks.get(j), Some(Tok::Punct('-'))));
            let Some(Tok::Num(int, None)) = self.toks.get(k) else { break };
            said = format!("{said} {}", code_number(int));
            j = k + 1;
            let Some(Tok::Latin(more)) = self.toks.get(j) else { break };
            said = format!("{said} {}", latin::latin_words(&[more.as_str()]));
            j += 1;
        }
        if matches!(self.toks.get(j), Some(Tok::Num(..))) {
            said.push(' '); // `f9.5`: never glue a transliteration to the number after it
        }
        self.push_said(said);
        j
    }

    fn punct(&mut self, i: usize) -> usize {
        let Some(Tok::Punct(c)) = self.toks.get(i) else { return i + 1 };
        let c = *c;
        // V10: a currency symbol before its number (`$7`, `€ 9`).
        if let Some((unit, after)) = self.unit_at(i) {
            let j = self.skip_space(after);
            if matches!(self.toks.get(j), Some(Tok::Num(..))) {
                return self.number(j, Some(unit));
            }
        }
        match c {
            '%' | '٪' => {
                // `%12`: the number follows.
                let j = self.skip_space(i + 1);
                if let Some(Tok::Num(int, frac)) = self.toks.get(j) {
                    let case = self.case_after(0, self.pending.is_some_and(|p| proclitic(p).1));
                    let said = self.plain_or_decimal(int, frac.as_deref(), case, End::Connected);
                    self.push_said(format!("{said} {PERCENT}"));
                    return j + 1;
                }
                self.push_said(PERCENT.to_string());
            }
            '-' | '−' => {
                // V12: a negative number: `-5` at the start or after a space.
                let after_space = i == 0 || matches!(self.toks.get(i - 1), Some(Tok::Space));
                if after_space && matches!(self.toks.get(i + 1), Some(Tok::Num(..))) {
                    self.out.push("سَالِب ".to_string());
                    return i + 1;
                }
                self.out.push(" ، ".to_string());
                self.clause.clear();
            }
            '–' | '—' => {
                self.out.push(" ، ".to_string());
                self.clause.clear();
            }
            '&' => self.out.push(" وَ ".to_string()),
            _ if kept(c) => {
                self.out.push(c.to_string());
                // Brackets do not end the clause: news prints numbers in them for emphasis
                // (بلغ عددهم (30) شخصًا، المادة (5)), still governed from outside.
                if ends_clause(c) {
                    self.clause.clear();
                }
            }
            // V7: slashes, asterisks, hashes and other symbols are silent.
            _ => self.out.push(" ".to_string()),
        }
        i + 1
    }

    /// V9: an abbreviation printed at `i` (tokens without spaces, longest first).
    fn abbreviation(&self, i: usize) -> Option<(String, usize)> {
        let mut printed = String::new();
        let mut best = None;
        let letter =
            |j: usize| matches!(self.toks.get(j), Some(Tok::Word(w)) if w.chars().count() == 1);
        for j in i..self.toks.len().min(i + 6) {
            match &self.toks[j] {
                Tok::Word(w) | Tok::Latin(w) => printed.push_str(w),
                Tok::Punct('.') => printed.push('.'),
                // Letters printed with spaces for dots: (أ ف ب) is أ.ف.ب.
                Tok::Space if j > 0 && letter(j - 1) && letter(j + 1) => {
                    printed.push('.');
                    continue; // a space ends no abbreviation (ت ع is not ت. + ع)
                }
                _ => break,
            }
            if let Some(a) = tables::abbreviation(&printed) {
                best = Some((a, j + 1));
            }
        }
        let (a, next) = best?;
        if a.title {
            // A title stands before a name: the next token is a word.
            let j = self.skip_space(next);
            if !matches!(self.toks.get(j), Some(Tok::Word(_) | Tok::Latin(_))) || j == next {
                return None;
            }
        }
        Some((a.expansion.to_string(), next))
    }

    /// A unit symbol printed at `i` (tokens without spaces, longest first), and the index after.
    fn unit_at(&self, i: usize) -> Option<(&'static Unit, usize)> {
        let mut printed = String::new();
        let mut best = None;
        let limit = tables::longest_unit_symbol();
        for j in i..self.toks.len().min(i + 5) {
            match &self.toks[j] {
                Tok::Word(w) | Tok::Latin(w) => printed.push_str(w),
                Tok::Punct(c) => printed.push(*c),
                Tok::Num(int, None) if j > i && int.len() == 1 => printed.push_str(int),
                _ => break,
            }
            if printed.chars().count() > limit {
                break;
            }
            if let Some(u) = tables::unit(&printed) {
                best = Some((u, j + 1));
            }
        }
        // A unit written with letters must stand apart: `كم` is a unit in `5 كم`, not in `كمية`.
        best.filter(|&(_, next)| !matches!(self.toks.get(next), Some(Tok::Word(_) | Tok::Latin(_))))
    }

    /// The month named at `j` (one or two words), with the index after it.
    fn month_at(&self, j: usize) -> Option<(&'static months::MonthName, String, usize)> {
        self.month_at_with(j, false)
    }

    /// [`Self::month_at`]; with `after_day`, one-word Hijri months (رمضان، صفر، رجب) count too:
    /// alone they may be ordinary words, after a day number they are months.
    fn month_at_with(
        &self,
        j: usize,
        after_day: bool,
    ) -> Option<(&'static months::MonthName, String, usize)> {
        let w1 = self.word_at(j)?;
        if let (Some(Tok::Space), Some(Tok::Word(w2))) =
            (self.toks.get(j + 1), self.toks.get(j + 2))
        {
            let two = format!("{w1} {w2}");
            if let Some(m) = months::lookup(&two) {
                return Some((m, two, j + 3));
            }
        }
        months::lookup(w1)
            .filter(|m| after_day || m.family != MonthFamily::Hijri)
            .map(|m| (m, w1.to_string(), j + 1))
    }

    /// After a month ending before `j`, a paired `/ other-month` naming the same month: the index
    /// after it (V4).
    fn skip_paired_month(&self, j: usize, month: u32) -> usize {
        let k = self.skip_space(j);
        if self.toks.get(k) == Some(&Tok::Punct('/')) {
            if let Some((m, _, end)) = self.month_at(self.skip_space(k + 1)) {
                if m.month == month {
                    return end;
                }
            }
        }
        j
    }

    /// A number token at `i`, with everything it starts (a date, a time, an amount ...).
    fn number(&mut self, i: usize, unit_before: Option<&'static Unit>) -> usize {
        let Some(Tok::Num(int, frac)) = self.toks.get(i) else { return i + 1 };
        let (int, frac) = (int.clone(), frac.clone());
        let clitic_genitive = self.pending.is_some_and(|p| proclitic(p).1);
        // و joins this number to the one before, alone or with its counted nouns (3 أيام و4
        // ساعات، 3 ملايين دولار و4 آلاف).
        let after_number = self.clause.iter().rposition(|w| w == "#").is_some_and(|at| {
            let nouns = &self.clause[at + 1..];
            nouns.len() <= 2 && nouns.iter().all(|w| tables::noun(w).is_some())
        });
        self.conjoined =
            (self.pending == Some('و') && after_number).then_some(self.last_number_case);
        let counted = self.word_at(self.skip_space(i + 1)).map(bare);
        let before = match i.checked_sub(1).map(|j| &self.toks[j]) {
            Some(Tok::Space) => i.checked_sub(2).and_then(|j| self.word_at(j)),
            _ => i.checked_sub(1).and_then(|j| self.word_at(j)),
        };
        self.around = Around {
            counts_time: counted.is_some_and(|w| tables::is_time_noun(&w)),
            after_definite: before.is_some_and(|w| bare(w).starts_with("ال")),
        };
        self.last_number_case = self.case_after(0, clitic_genitive);
        let (said, next) = self.say_number(i, &int, frac.as_deref(), unit_before, clitic_genitive);
        (self.conjoined, self.around) = (None, Around::default());
        self.push_said(said);
        self.noun_hint = self.next_noun_hint.take();
        next
    }

    fn say_number(
        &self,
        i: usize,
        int: &str,
        frac: Option<&str>,
        unit_before: Option<&'static Unit>,
        clitic_genitive: bool,
    ) -> (String, usize) {
        let after = i + 1;
        let case = self.case_after(0, clitic_genitive);
        if let Some(unit) = unit_before {
            return self.amount_with(int, frac, unit, case, after);
        }
        if frac.is_none() {
            if let Some(r) = self.time_at(i, int, clitic_genitive) {
                return r;
            }
            if let Some(r) = self.numeric_date_at(i, int, clitic_genitive) {
                return r;
            }
            if let Some(r) = self.day_span_at(i, int, clitic_genitive) {
                return r;
            }
            if let Some(r) = self.day_month_at(i, int, clitic_genitive) {
                return r;
            }
            if let Some(r) = self.fraction_at(i, int, case) {
                return r;
            }
            if let Some(r) = self.range_at(i, int, case) {
                return r;
            }
        }
        // V10: unit after the number.
        let j = self.skip_space(after);
        if let Some((unit, next)) = self.unit_at(j) {
            // `2005 م` after عام is a year, not metres.
            let year_suffix = matches!(self.toks.get(j), Some(Tok::Word(w)) if w == "م")
                && (self.is_year_context() || (int.len() == 4 && frac.is_none()));
            if !year_suffix {
                return self.amount_with(int, frac, unit, case, next);
            }
        }
        // `7.9 مليار $`: a scale word, then the unit.
        if self.word_at(j).and_then(scale_noun).is_some() {
            if let Some((unit, next)) = self.unit_at(self.skip_space(j + 1)) {
                let (said, _) = self.amount_with(int, frac, unit, case, after);
                return (said, next);
            }
        }
        // V7: digits with Latin letters right after them name something (`4G`، `3D`): said as in
        // a code, apart from the letters.
        if frac.is_none() && matches!(self.toks.get(after), Some(Tok::Latin(_))) {
            return (format!("{} ", code_number(int)), after);
        }
        // V5: percent after the number.
        if matches!(self.toks.get(j), Some(Tok::Punct('%' | '٪'))) {
            let said = self.plain_or_decimal(int, frac, case, End::Connected);
            return (format!("{said} {PERCENT}"), j + 1);
        }
        if let Some(f) = frac {
            return (decimal(int, f, case), after);
        }
        // V11: a year's noun with the article before one or two digits counts years (للعام 2
        // على التوالي → الثَّانِي), it does not name one.
        if self.is_year_context()
            && int.len() <= 2
            && self.clause.last().is_some_and(|w| has_article(w))
        {
            return self.ordinal_said(i, int);
        }
        // V2: years.
        if let Some(r) = self.year_at(i, int) {
            return r;
        }
        // V8: an hour after الساعة (الساعة 5 صباحا).
        if (self.clause.last().map(String::as_str) == Some("الساعة") || self.second_hour(i))
            && int.len() <= 2
        {
            if let Some(r) = self.hour_at(i, int) {
                return r;
            }
        }
        // V11: a number after an ordinal head (المادة 5).
        if let Some(Role::Ordinal(_)) = self.clause.last().and_then(|w| governor(w)) {
            if int.len() <= 3 && !int.starts_with('0') {
                return self.ordinal_said(i, int);
            }
        }
        self.counted_printed(i, int, case)
    }

    fn is_year_context(&self) -> bool {
        matches!(self.clause.last().and_then(|w| governor(w)), Some(Role::Year))
    }

    fn plain_or_decimal(&self, int: &str, frac: Option<&str>, case: Case, end: End) -> String {
        match frac {
            Some(f) => decimal(int, f, case),
            None => integer(int, NumberForm::new(Gender::Masculine, case).with_end(end)),
        }
    }

    /// V2: a year after عام/سنة, or a 4-digit number with `م`/`هـ` after it.
    fn year_at(&self, i: usize, int: &str) -> Option<(String, usize)> {
        let j = self.skip_space(i + 1);
        let suffix = match self.toks.get(j) {
            Some(Tok::Word(w)) if w == "م" || w == "هـ" || w == "ه" => {
                Some((w.as_str(), j + 1))
            }
            _ => None,
        };
        let suffix =
            suffix.filter(|_| !matches!(self.toks.get(j + 1), Some(Tok::Word(_) | Tok::Num(..))));
        if !(self.is_year_context() || (suffix.is_some() && int.len() == 4)) {
            return None;
        }
        let (end_at, word) = match suffix {
            Some(("م", next)) => (next, Some("مِيلَادِيًّا")),
            Some((_, next)) => (next, Some("هِجْرِيًّا")),
            None => (i + 1, None),
        };
        let end = if word.is_some() { End::Connected } else { self.end_before(i + 1) };
        let mut said =
            integer(int, NumberForm::new(Gender::Masculine, Case::Genitive).with_end(end));
        if let Some(w) = word {
            said = format!("{said} {w}");
        }
        Some((said, end_at))
    }

    /// V11: `الـ24 ساعة` after a preposition, a construct head or a verb, or at a clause start,
    /// is a definite cardinal before its counted noun (خلال الْأَرْبَعِ وَالْعِشْرِينَ ساعة), not an
    /// ordinal (which follows a noun: القرن الـ21). Only 3-99, the amounts news writes this way.
    fn definite_cardinal(&self, i: usize, int: &str) -> Option<String> {
        let value = int.parse::<u64>().ok().filter(|v| (3..=99).contains(v))?;
        if !self.no_noun_head() {
            return self.cardinal_after_plural(value);
        }
        let j = self.skip_space(i + 1);
        let noun = self.word_at(j).filter(|_| j > i + 1).map(bare)?;
        let gender = match tables::noun(&noun) {
            Some((g, _)) => g,
            None => unlisted_gender(&noun)?,
        };
        Some(definite_number(value, gender, self.case_after(0, false)))
    }

    /// V11: `الـ3` after a plural with the article describes it as a definite cardinal
    /// (خلال الأسابيع الـ3 الماضية → الثَّلَاثَةِ), not an ordinal, which describes a singular
    /// (الأسبوع الثالث). Its gender is the opposite of the singular's for 3-10, its case the
    /// plural's.
    fn cardinal_after_plural(&self, value: u64) -> Option<String> {
        let head = self.clause.last()?;
        let plural = head.strip_prefix("ال").or_else(|| head.strip_prefix("وال"))?;
        let gender = match tables::noun(plural) {
            Some((gender, Count::Plural)) => gender,
            Some(_) => return None,
            None => unlisted_plural(plural)?,
        };
        Some(definite_number(value, gender, self.head_case()))
    }

    /// Whether the clause so far ends in no noun an ordinal could describe: nothing, a generated
    /// number, a preposition, a construct head or a verb (في الـ21، خلال الـ24).
    fn no_noun_head(&self) -> bool {
        self.clause.last().map(String::as_str).filter(|w| *w != "#").is_none_or(|w| {
            governor(w).is_some_and(|role| {
                role.is_verb()
                    || matches!(role, Role::Preposition | Role::Genitive | Role::Accusative)
            })
        })
    }

    /// V11: the ordinal `int` at token `i` (after ال printed before the digits: `القرن الـ21`).
    fn ordinal(&mut self, i: usize, int: &str) -> usize {
        let (said, next) = self.ordinal_said(i, int);
        self.push_said(said);
        next
    }

    /// The ordinal agrees with its head, the last word of the clause, and takes its case from the
    /// words before the head.
    fn ordinal_said(&self, i: usize, int: &str) -> (String, usize) {
        let head = self.clause.last();
        let gender = match head.and_then(|w| governor(w)) {
            Some(Role::Ordinal(g)) => g,
            _ => match head.and_then(|w| tables::noun(w.strip_prefix("ال").unwrap_or(w))) {
                Some((g, _)) => g,
                None if head.is_some_and(|w| w.ends_with('ة')) => Gender::Feminine,
                None => Gender::Masculine,
            },
        };
        // The case comes from before the head noun (في القرنِ الحادي والعشرين), or from the
        // word right before when there is no head (في الـ21 من الشهر).
        let case = if self.no_noun_head() { self.case_after(0, false) } else { self.head_case() };
        let end = self.end_before(i + 1);
        if int.len() > MAX_VALUE_DIGITS {
            return (digits_one_by_one(int), i + 1);
        }
        (ordinal(parse_u64(int), gender, case, end), i + 1)
    }

    /// The case of the noun an ordinal describes, the last word of the clause: what the words
    /// before it give, or the genitive when a noun without the article stands right before it
    /// (في إطارِ الدورةِ، فعالياتُ الدورةِ: a construct, whose second noun is genitive). The word
    /// before is surely a noun when it ends in ة or ات, or follows a preposition or a construct
    /// head; otherwise it may be a verb whose subject the head is (انطلقت الدورةُ).
    fn head_case(&self) -> Case {
        // للمرة، بالمادة، وللمرة: the head's own preposition makes it genitive.
        let clitic_preposition = self.clause.last().is_some_and(|w| {
            let w = tables::without_conjunction(w, 2);
            ["لل", "بال", "كال"].iter().any(|p| w.starts_with(p))
        });
        if clitic_preposition {
            return Case::Genitive;
        }
        let case = self.case_after(1, false);
        let construct = match self.clause.as_slice() {
            [rest @ .., noun, head] => {
                let nominal = noun.ends_with('ة')
                    || (noun.ends_with("ات") && noun.chars().count() >= 4)
                    || matches!(
                        rest.last().and_then(|w| governor(w)),
                        Some(Role::Preposition | Role::Genitive)
                    );
                head.starts_with("ال")
                    && !noun.starts_with("ال")
                    && noun != "#"
                    && governor(noun).is_none()
                    && nominal
            }
            _ => false,
        };
        if case == Case::Nominative && construct {
            Case::Genitive
        } else {
            case
        }
    }

    /// V1: a number before a printed noun (or none).
    fn counted_printed(&self, i: usize, int: &str, case: Case) -> (String, usize) {
        let j = self.skip_space(i + 1);
        let next_word = self.word_at(j).filter(|_| j > i + 1).map(bare);
        let value = parse_u64(int);
        let listed = next_word.as_deref().and_then(tables::noun);
        let noun = listed.or_else(|| {
            let word = next_word.as_deref()?;
            if (3..=10).contains(&(value % 100)) {
                if let Some(gender) = unlisted_plural(word) {
                    return Some((gender, Count::Plural));
                }
            }
            // Otherwise only ة says something of an unlisted word here: without it the word may
            // be no noun at all, and the number is said in the masculine either way.
            let gender = unlisted_gender(word)?;
            (gender == Gender::Feminine).then_some((gender, Count::Singular))
        });
        if is_code(int) {
            return (digits_one_by_one(int), i + 1);
        }
        let Some((gender, count)) = noun else {
            let end = self.end_before(i + 1);
            // A year named after a noun (انتخابات 2012، ويكيمانيا 2013) is its genitive.
            let after_noun = self.clause.last().is_some_and(|w| w != "#" && governor(w).is_none());
            let year_like = int.len() == 4 && (1000..=2100).contains(&value);
            let case = if year_like && after_noun && case == Case::Nominative {
                Case::Genitive
            } else {
                case
            };
            // A round hundred or thousand is in construct with any noun after it, listed or not
            // (بمقدار مِئَةِ ضعفٍ), and its form does not depend on the noun's gender. 1900-2100
            // are more often years (انتخابات 2000 شهدت) than amounts.
            let round = value > 0 && value % 100 == 0 && !(1900..=2100).contains(&value);
            // 3-10 are in construct with the plural they count, listed or not (ثَلَاثَةُ
            // فلسطينيين).
            let few = (3..=10).contains(&value);
            let end = match next_word.as_deref() {
                Some(w)
                    if (round || (few && w.chars().count() > 2))
                        && end == End::Connected
                        && could_be_counted(w) =>
                {
                    End::Construct
                }
                _ => end,
            };
            return (integer(int, NumberForm::new(Gender::Masculine, case).with_end(end)), i + 1);
        };
        let noun_word = self.word_at(j).unwrap_or_default().to_string();
        let after_noun = j + 1;
        match (value, count) {
            (1, Count::Singular) if listed.is_some() => {
                // V1: `1 دولار` → دولار وَاحِد.
                let end = self.end_before(after_noun);
                let one = number(1, NumberForm::new(gender, case).with_end(end));
                (format!("{noun_word} {one}"), after_noun)
            }
            (2, Count::Singular) if listed.is_some() => {
                let construct = self
                    .word_at(self.skip_space(after_noun))
                    .is_some_and(|w| tables::noun(&bare(w)).is_some());
                (dual(&noun_word, case, construct), after_noun)
            }
            _ => {
                let last2 = value % 100;
                let end = if (3..=10).contains(&last2) || (last2 == 0 && value > 0) {
                    End::Construct
                } else {
                    End::Connected
                };
                // V13: the counted noun's own case ending. A scale noun before any other noun is
                // in construct with it (مِلْيُونِ مُسْتَخْدِمٍ).
                let following = self.word_at(self.skip_space(after_noun)).map(bare);
                let construct = following.as_deref().is_some_and(|w| {
                    tables::noun(w).is_some()
                        || (scale_noun(&noun_word).is_some() && could_be_counted(w))
                }) && self.skip_space(after_noun) != after_noun;
                // A scale word printed in a form its number does not take is said in the one it
                // does (`3 مليون` → ملايين, `15 ألف.` → ألفًا); otherwise the printed word stays
                // and gets its ending as a hint, which the diacritizer takes better than a word
                // vocalized throughout (measured on WikiNews).
                let said = integer(int, NumberForm::new(gender, case).with_end(end));
                if let Some(word) = scale_form(value, &noun_word, construct) {
                    return (format!("{said} {word}"), after_noun);
                }
                self.next_noun_hint.set(NounHint::for_count(value, &noun_word, count, construct));
                (said, i + 1)
            }
        }
    }

    /// V10: `int[.frac]` of `unit`; `next` is the index after everything printed so far. A scale
    /// word after it (`$7 مليار`) is said before the unit.
    fn amount_with(
        &self,
        int: &str,
        frac: Option<&str>,
        unit: &'static Unit,
        case: Case,
        next: usize,
    ) -> (String, usize) {
        let n = parse_u64(int);
        let j = self.skip_space(next);
        if let Some(scale) = self.word_at(j).and_then(scale_noun) {
            let end = self.end_before(j + 1);
            let unit_word = noun_genitive(&unit.noun, end);
            let said = match frac {
                Some(f) => {
                    format!("{} {} {unit_word}", decimal(int, f, case), bare_word(&self.toks[j]))
                }
                None => format!("{} {unit_word}", counted(n, &scale, case, End::Construct)),
            };
            return (said, j + 1);
        }
        let end = self.end_before(next);
        if let (Some(f), Some((sub_symbol, ratio))) = (frac, unit.subunit) {
            let digits = ratio.to_string().len() - 1;
            let mut f = f.to_string();
            f.truncate(digits);
            while f.len() < digits {
                f.push('0');
            }
            let cents = parse_u64(&f);
            if let Some(sub) = tables::unit(sub_symbol) {
                let said = match (n, cents) {
                    (_, 0) => counted(n, &unit.noun, case, end),
                    (0, c) => counted(c, &sub.noun, case, end),
                    (n, c) => format!(
                        "{} وَ{}",
                        counted(n, &unit.noun, case, End::Connected),
                        counted(c, &sub.noun, case, end)
                    ),
                };
                return (said, next);
            }
        }
        match frac {
            Some(f) => {
                (format!("{} {}", decimal(int, f, case), noun_genitive(&unit.noun, end)), next)
            }
            None if int.len() > MAX_VALUE_DIGITS => (digits_one_by_one(int), next),
            None => (counted(n, &unit.noun, case, end), next),
        }
    }

    /// V8: a whole hour after الساعة.
    fn hour_at(&self, i: usize, h: &str) -> Option<(String, usize)> {
        let (period, next) = self.period_at(i + 1);
        let case = self.hour_case(Case::Nominative);
        let end = if period.is_some_and(|p| !p.is_empty()) {
            End::Connected
        } else {
            self.end_before(next)
        };
        let mut said = time::clock(parse_u64(h) as u32, 0, None, case, end, period.is_some())?;
        if let Some(p) = period.filter(|p| !p.is_empty()) {
            said = format!("{said} {p}");
        }
        Some((said, next))
    }

    /// A period of the day written after a time ending before `next`: `Some("")` when printed as a
    /// word (kept), `Some(words)` when abbreviated (ص، م، am، pm: said), with the index after it.
    fn period_at(&self, next: usize) -> (Option<&'static str>, usize) {
        let k = self.skip_space(next);
        match self.toks.get(k) {
            Some(Tok::Word(w)) => match bare(w).as_str() {
                "ص" => (Some("صَبَاحًا"), k + 1),
                "م" => (Some("مَسَاءً"), k + 1),
                "صباحا" | "صباح" | "مساء" | "مساءا" | "ظهرا" | "ليلا" | "فجرا" | "عصرا" => {
                    (Some(""), next)
                }
                _ => (None, next),
            },
            Some(Tok::Latin(w)) => match w.to_lowercase().as_str() {
                "am" => (Some("صَبَاحًا"), k + 1),
                "pm" => (Some("مَسَاءً"), k + 1),
                _ => (None, next),
            },
            _ => (None, next),
        }
    }

    /// V8: the number at `i` is a second hour joined by و to one after الساعة (بين الساعة 8
    /// و10 صباحا → الثَّامِنَةِ وَالْعَاشِرَةِ), not minutes (الساعة 8 و10 دقائق).
    fn second_hour(&self, i: usize) -> bool {
        let minutes =
            self.word_at(self.skip_space(i + 1)).is_some_and(|w| tables::noun(&bare(w)).is_some());
        let words = self.hour_clause();
        words.len() < self.clause.len() && words.last().is_some_and(|w| w == "الساعة") && !minutes
    }

    /// The clause as an hour joined by و to the number before it reads it: without that
    /// number's marker (بين الساعة 8 و10 → … الساعة), so the second hour sees what the first saw.
    fn hour_clause(&self) -> &[String] {
        match self.clause.as_slice() {
            [rest @ .., marker] if marker == "#" && self.pending == Some('و') => rest,
            words => words,
        }
    }

    /// After الساعة the hour agrees with it; الساعة itself is an adverb (accusative) unless a
    /// preposition governs it.
    fn hour_case(&self, otherwise: Case) -> Case {
        let words = self.hour_clause();
        if words.last().map(String::as_str) != Some("الساعة") {
            return otherwise;
        }
        match words.iter().rev().nth(1).and_then(|w| governor(w)) {
            Some(Role::Preposition | Role::Genitive) => Case::Genitive,
            _ => Case::Accusative,
        }
    }

    /// V8: `h:mm[:ss]` and an optional period word; `3:1` is a score.
    fn time_at(&self, i: usize, h: &str, clitic_genitive: bool) -> Option<(String, usize)> {
        if self.toks.get(i + 1) != Some(&Tok::Punct(':')) {
            return None;
        }
        let Some(Tok::Num(m, None)) = self.toks.get(i + 2) else { return None };
        let case = self.case_after(0, clitic_genitive);
        if m.len() != 2 || h.len() > 2 {
            // A score or ratio: 3:1.
            let a = integer(h, NumberForm::new(Gender::Masculine, case).with_end(End::Connected));
            let end = self.end_before(i + 3);
            let b = integer(m, NumberForm::new(Gender::Masculine, Case::Genitive).with_end(end));
            return Some((format!("{a} مُقَابِلَ {b}"), i + 3));
        }
        let mut next = i + 3;
        let mut seconds = None;
        if self.toks.get(next) == Some(&Tok::Punct(':')) {
            if let Some(Tok::Num(s, None)) = self.toks.get(next + 1) {
                if s.len() == 2 {
                    seconds = Some(parse_u64(s) as u32);
                    next += 2;
                }
            }
        }
        let (period, period_next) = self.period_at(next);
        let case = self.hour_case(case);
        let end = if period.is_some_and(|p| !p.is_empty()) {
            End::Connected
        } else {
            self.end_before(next)
        };
        let mut said = time::clock(
            parse_u64(h) as u32,
            parse_u64(m) as u32,
            seconds,
            case,
            end,
            period.is_some(),
        )?;
        if let Some(p) = period.filter(|p| !p.is_empty()) {
            said = format!("{said} {p}");
        }
        Some((said, period_next))
    }

    /// V3: `d/m/yyyy`, `d-m-yyyy`, `d.m.yyyy`, `yyyy-mm-dd`, `mm/yyyy`, with Hijri months when `هـ`
    /// or هجري follows.
    fn numeric_date_at(&self, i: usize, a: &str, clitic_genitive: bool) -> Option<(String, usize)> {
        let toks = self.toks;
        let sep = |k: usize| match toks.get(k) {
            Some(Tok::Punct(c)) if matches!(c, '/' | '-' | '.') => Some(*c),
            _ => None,
        };
        let num = |k: usize| match toks.get(k) {
            Some(Tok::Num(n, None)) => Some(n.as_str()),
            _ => None,
        };
        let case = self.date_case(clitic_genitive);
        let (day, month, year, next) = match (sep(i + 1), num(i + 2), sep(i + 3), num(i + 4)) {
            (Some(s1), Some(b), Some(s2), Some(c)) if s1 == s2 => {
                if a.len() == 4 && c.len() <= 2 {
                    (parse_u64(c), parse_u64(b), parse_u64(a), i + 5) // ISO
                } else if c.len() == 4 && a.len() <= 2 {
                    (parse_u64(a), parse_u64(b), parse_u64(c), i + 5)
                } else {
                    return None;
                }
            }
            (Some('/' | '-'), Some(y), _, _) if a.len() <= 2 && y.len() == 4 => {
                // mm/yyyy
                let m = parse_u64(a);
                if !(1..=12).contains(&m) {
                    return None;
                }
                let end = self.end_before(i + 3);
                let name = months::canonical(m as u32, MonthFamily::default()).unwrap_or_default();
                return Some((
                    format!("{name} عَامَ {}", date::year_words(parse_u64(y), end)),
                    i + 3,
                ));
            }
            _ => return None,
        };
        // Hijri: `هـ` (said) or a printed هجري/هجرية (kept) after the year.
        let k = self.skip_space(next);
        let (family, hijri_word, next) = match self.word_at(k).map(bare).as_deref() {
            Some("ه") => (MonthFamily::Hijri, true, k + 1),
            Some("هجري" | "هجرية") => (MonthFamily::Hijri, false, next),
            _ => (MonthFamily::default(), false, next),
        };
        if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
            return None;
        }
        if family != MonthFamily::Hijri
            && chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32).is_none()
        {
            return None;
        }
        let end = if hijri_word { End::Connected } else { self.end_before(next) };
        let mut said =
            date::day_month_year(day as u32, month as u32, Some(year as i64), family, case, end);
        if hijri_word {
            said.push_str(" هِجْرِيًّا");
        }
        Some((said, next))
    }

    /// V3: day + month name [+ paired month] [+ year].
    fn day_month_at(&self, i: usize, int: &str, clitic_genitive: bool) -> Option<(String, usize)> {
        let day = parse_u64(int);
        if !(1..=31).contains(&day) || int.len() > 2 {
            return None;
        }
        // `7 أكتوبر`, and the dashed or slashed dateline form `6-تشرين الثاني-2023`.
        let dashed = matches!(self.toks.get(i + 1), Some(Tok::Punct('-' | '/')));
        let at = if dashed { i + 2 } else { self.skip_space(i + 1) };
        let (m, name, end) = self.month_at_with(at, true)?;
        let case = self.date_case(clitic_genitive);
        let mut next = self.skip_paired_month(end, m.month);
        let mut said = format!("{} مِنْ {}", day_ordinal(day as u32, case), genitive_month(&name));
        let j = if dashed && matches!(self.toks.get(next), Some(Tok::Punct('-' | '/'))) {
            next + 1
        } else {
            self.skip_space(next)
        };
        if let Some(Tok::Num(y, None)) = self.toks.get(j) {
            if y.len() == 4 {
                let k = self.skip_space(j + 1);
                let suffix = match self.word_at(k).map(bare).as_deref() {
                    Some("م") => Some("مِيلَادِيًّا"),
                    Some("ه") => Some("هِجْرِيًّا"),
                    _ => None,
                };
                let end = if suffix.is_some() { End::Connected } else { self.end_before(j + 1) };
                said = format!("{said} عَامَ {}", date::year_words(parse_u64(y), end));
                next = j + 1;
                if let Some(s) = suffix {
                    said = format!("{said} {s}");
                    next = k + 1;
                }
            }
        }
        Some((said, next))
    }

    /// V3: the first day of a span before a month is a day too, an ordinal (من 10 إلى 15 مارس →
    /// من الْعَاشِرِ إلى الْخَامِسَ عَشَرَ مِنْ مارس، بين 5 و7 أبريل، 10-15 مارس). After إلى، حتى
    /// or و, only the first day is said here; the second is read on its own, before its month.
    fn day_span_at(&self, i: usize, int: &str, clitic_genitive: bool) -> Option<(String, usize)> {
        let first = parse_u64(int);
        if !(1..=31).contains(&first) || int.len() > 2 {
            return None;
        }
        let j = self.skip_space(i + 1);
        let (second_at, dashed) = match self.toks.get(j) {
            Some(Tok::Word(w)) if ["إلى", "الى", "حتى", "و"].contains(&bare(w).as_str()) => {
                (self.skip_space(j + 1), false)
            }
            Some(Tok::Punct('-' | '–')) => (self.skip_space(j + 1), true),
            _ => return None,
        };
        let Some(Tok::Num(second, None)) = self.toks.get(second_at) else { return None };
        if second.len() > 2 || !(first + 1..=31).contains(&parse_u64(second)) {
            return None;
        }
        self.month_at_with(self.skip_space(second_at + 1), true)?;
        let said = day_ordinal(first as u32, self.date_case(clitic_genitive));
        if dashed {
            let (rest, next) = self.day_month_at(second_at, second, true)?;
            return Some((format!("{said} إِلَى {rest}"), next));
        }
        Some((said, i + 1))
    }

    /// How a fraction ending before `j` ends: in construct before a definite noun (ثَلَاثَةُ أَرْبَاعِ
    /// السكان), otherwise as any phrase.
    fn fraction_end(&self, j: usize) -> End {
        match self.word_at(self.skip_space(j)) {
            Some(w) if j < self.toks.len() && bare(w).starts_with("ال") => End::Construct,
            _ => self.end_before(j),
        }
    }

    /// V12: `a/b` and `n a/b`.
    fn fraction_at(&self, i: usize, int: &str, case: Case) -> Option<(String, usize)> {
        // `n a/b`: a whole number, a space, then a fraction, joined by وَ.
        if matches!(self.toks.get(i + 1), Some(Tok::Space)) {
            if let (
                Some(Tok::Num(a_str, None)),
                Some(Tok::Punct('/')),
                Some(Tok::Num(b_str, None)),
            ) = (self.toks.get(i + 2), self.toks.get(i + 3), self.toks.get(i + 4))
            {
                let (a, b) = (parse_u64(a_str), parse_u64(b_str));
                if a > 0
                    && b > 0
                    && a_str.len() <= MAX_VALUE_DIGITS
                    && b_str.len() <= MAX_VALUE_DIGITS
                {
                    let end = self.fraction_end(i + 5);
                    let whole = integer(
                        int,
                        NumberForm::new(Gender::Masculine, case).with_end(End::Connected),
                    );
                    let part = if (2..=10).contains(&b) {
                        fraction(a, b, case, end)
                    } else {
                        let a_said = integer(
                            a_str,
                            NumberForm::new(Gender::Masculine, case).with_end(End::Connected),
                        );
                        let b_said = integer(
                            b_str,
                            NumberForm::new(Gender::Masculine, Case::Genitive).with_end(end),
                        );
                        format!("{a_said} عَلَى {b_said}")
                    };
                    return Some((format!("{whole} وَ{part}"), i + 5));
                }
            }
        }
        if self.toks.get(i + 1) != Some(&Tok::Punct('/')) {
            return None;
        }
        let Some(Tok::Num(b_str, None)) = self.toks.get(i + 2) else { return None };
        let (a, b) = (parse_u64(int), parse_u64(b_str));
        let end = self.fraction_end(i + 3);
        if (2..=10).contains(&b)
            && !int.starts_with('0')
            && !b_str.starts_with('0')
            && a > 0
            && a < b
        {
            return Some((fraction(a, b, case, end), i + 3));
        }
        if b == 0 || int.len() > MAX_VALUE_DIGITS || b_str.len() > MAX_VALUE_DIGITS {
            return None;
        }
        // `12/08` without a year is a day and month.
        if int.len() <= 2 && b_str.len() == 2 && (1..=31).contains(&a) && (1..=12).contains(&b) {
            let case = self.date_case(false);
            let name = months::canonical(b as u32, MonthFamily::default()).unwrap_or_default();
            return Some((format!("{} مِنْ {name}", day_ordinal(a as u32, case)), i + 3));
        }
        let a_said =
            integer(int, NumberForm::new(Gender::Masculine, case).with_end(End::Connected));
        let b_said =
            integer(b_str, NumberForm::new(Gender::Masculine, Case::Genitive).with_end(end));
        Some((format!("{a_said} عَلَى {b_said}"), i + 3))
    }

    /// V12: `10-15` or `10 - 15` → `a إِلَى b`, a score `2 - 1` after a match word → `a مُقَابِلَ
    /// b`, `1920 × 1080` → `a فِي b`. Dates are read before this.
    fn range_at(&self, i: usize, int: &str, case: Case) -> Option<(String, usize)> {
        let spaced = matches!(self.toks.get(i + 1), Some(Tok::Space));
        let op_at = if spaced { i + 2 } else { i + 1 };
        let Some(Tok::Punct(op)) = self.toks.get(op_at) else { return None };
        if !matches!(op, '-' | '–' | '—' | '×') {
            return None;
        }
        let b_at = if matches!(self.toks.get(op_at + 1), Some(Tok::Space)) {
            op_at + 2
        } else {
            op_at + 1
        };
        if spaced != (b_at == op_at + 2) {
            return None; // `5 -3` is not a range
        }
        let Some(Tok::Num(b, None)) = self.toks.get(b_at) else { return None };
        if int.len() > MAX_VALUE_DIGITS || b.len() > MAX_VALUE_DIGITS {
            return None;
        }
        let (word, case) = match op {
            '×' => ("فِي", case),
            _ if self.about_a_match() => ("مُقَابِلَ", Case::Nominative),
            _ => ("إِلَى", case),
        };
        // A span of years after a noun or at a clause start (الفترة 2020-2023) is said from
        // one to the other, both genitive: مِنْ أَلْفَيْنِ وَعِشْرِينَ إِلَى.
        let year = |n: &str| n.len() == 4 && (1000..=2100).contains(&parse_u64(n));
        let span = word == "إِلَى"
            && case == Case::Nominative
            && year(int)
            && year(b)
            && parse_u64(b) > parse_u64(int);
        let (from, case) = if span { ("مِنْ ", Case::Genitive) } else { ("", case) };
        let end = self.end_before(b_at + 1);
        let a_said =
            integer(int, NumberForm::new(Gender::Masculine, case).with_end(End::Connected));
        let b_said = integer(b, NumberForm::new(Gender::Masculine, Case::Genitive).with_end(end));
        Some((format!("{from}{a_said} {word} {b_said}"), b_at + 1))
    }

    /// Whether the words just said are about a match (a dash between numbers is then a score).
    fn about_a_match(&self) -> bool {
        const MATCH_WORDS: [&str; 16] = [
            "فاز",
            "فوز",
            "بفوز",
            "تعادل",
            "التعادل",
            "هزم",
            "خسر",
            "بنتيجة",
            "النتيجة",
            "بهدف",
            "بهدفين",
            "أهداف",
            "مباراة",
            "المباراة",
            "تغلب",
            "الشوط",
        ];
        let recent: Vec<&str> = self.out.iter().rev().take(40).map(String::as_str).collect();
        recent.iter().any(|piece| {
            piece.split_whitespace().any(|w| MATCH_WORDS.contains(&bare(w).trim_start_matches('و')))
        })
    }
}

/// V13: the case ending a counted noun takes after its number, given to the diacritizer as a
/// hint on the printed noun: genitive plural after 3–10 (ثَلَاثُ سَيَّارَاتٍ), accusative singular
/// after 11–99 (أَحَدَ عَشَرَ تَرْشِيحًا), genitive singular after round hundreds and thousands
/// (مِئَةُ دُولَارٍ); without tanween when another noun follows in construct (عِشْرُونَ مِلْيَارَ
/// دُولَارٍ). Only where the ending is certain: sound plurals in ـات, the scale nouns, singulars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct NounHint {
    /// The mark for the last letter (or, for accusative tanween written with alef, the letter
    /// before the alef).
    mark: char,
}

impl NounHint {
    fn for_count(value: u64, noun: &str, count: Count, construct: bool) -> Option<Self> {
        let last2 = value % 100;
        let noun = bare(noun);
        let mark = |tanween: char, vowel: char| if construct { vowel } else { tanween };
        let mark = match (last2, count) {
            (3..=10, Count::Plural) if noun.ends_with("ات") => mark(KASRATAN, KASRA),
            (3..=10, Count::Plural) if noun == "آلاف" => mark(KASRATAN, KASRA),
            // Diptotes: fatha for the genitive, but kasra in construct (مَلَايِينِ دولارٍ).
            (3..=10, Count::Plural) if noun == "ملايين" || noun == "بلايين" => {
                mark(FATHA, KASRA)
            }
            (11..=99, Count::Singular) if noun.ends_with('ا') || noun.ends_with('ة') => {
                mark(FATHATAN, FATHA)
            }
            (11..=99, Count::Singular) if construct => FATHA,
            (0, Count::Singular) if value > 0 => mark(KASRATAN, KASRA),
            _ => return None,
        };
        Some(Self { mark })
    }

    /// The word with the mark on its last letter (before a final tanween alef).
    fn apply(self, word: &str) -> String {
        let mut chars: Vec<char> = word.chars().collect();
        let at = match chars.last() {
            Some('ا') if self.mark == FATHATAN && chars.len() > 1 => chars.len() - 1,
            Some(_) => chars.len(),
            None => return String::new(),
        };
        if chars[..at].last().is_some_and(|c| is_harakah(*c)) {
            return word.to_string();
        }
        chars.insert(at, self.mark);
        // A hinted singular in ي is a nisba (جنديّ، عسكريّ): its shadda comes with the mark,
        // which the model otherwise leaves out (جِنْدِيٍ).
        if at > 1 && chars[at - 1] == 'ي' {
            chars.insert(at, SHADDA);
        }
        chars.into_iter().collect()
    }
}

/// H2: the article's lām takes sukun before a moon letter (الْقَمَر), a hint the model sometimes
/// misses. Also after the proclitics و، ف، ب، ك.
fn article_hint(word: &str) -> String {
    for prefix in ["", "و", "ف", "ب", "ك", "وب", "فب", "وك"] {
        let Some(rest) = word.strip_prefix(prefix).and_then(|r| r.strip_prefix("ال")) else {
            continue;
        };
        let mut letters = rest.chars();
        let (Some(first), Some(_), Some(_)) = (letters.next(), letters.next(), letters.next())
        else {
            return word.to_string();
        };
        if SUN_LETTERS.contains(first) || first == 'ا' || !is_arabic_letter(first) {
            return word.to_string();
        }
        return format!("{prefix}ال{SUKUN}{rest}");
    }
    word.to_string()
}

/// Every vocalized word the verbalizer generates for numbers, dates, times, amounts and percents
/// (with and without the conjunction وَ): `data/generated_words.txt`, one a line.
///
/// Why a file and not built at start: the words are enumerated by running the generators over
/// every form they have (1,363 words from tens of thousands of phrases), which took 208 ms of
/// every render's CPU, on the thread that prepares the first sentences. The file is what
/// `enumerate_generated` (test builds) gives, and a test fails, saying how to write it again, as
/// soon as the generators or their tables give another list.
const GENERATED_WORDS: &str = include_str!("../data/generated_words.txt");

static GENERATED: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
    std::sync::LazyLock::new(|| GENERATED_WORDS.lines().collect());

/// Every word the generators give, enumerated from them (what `data/generated_words.txt` must
/// hold).
#[cfg(test)]
fn enumerate_generated() -> std::collections::BTreeSet<String> {
    let mut phrases: Vec<String> = Vec::new();
    let cases = [Case::Nominative, Case::Accusative, Case::Genitive];
    let ends = [End::Pause, End::Connected, End::Construct];
    let genders = [Gender::Masculine, Gender::Feminine];
    let mut values: Vec<u64> = (0..=1000).collect();
    for scale in [1_000u64, 1_000_000, 1_000_000_000, 1_000_000_000_000] {
        values.extend((1..=120).map(|k| k * scale));
        values.extend((1..=9).map(|k| k * 100 * scale));
    }
    for &n in &values {
        for g in genders {
            for c in cases {
                for e in ends {
                    phrases.push(number(n, NumberForm::new(g, c).with_end(e)));
                }
            }
        }
    }
    for n in 0..=200 {
        for g in genders {
            for c in cases {
                for e in ends {
                    phrases.push(ordinal(n, g, c, e));
                }
                if (3..=99).contains(&n) {
                    phrases.push(definite_number(n, g, c));
                }
            }
        }
    }
    for h in 0..=24 {
        for m in 0..=59 {
            for c in cases {
                for e in ends {
                    for p in [false, true] {
                        phrases.extend(time::clock(h, m, None, c, e, p));
                    }
                }
            }
        }
    }
    let mut nouns: Vec<Noun<'static>> = tables::all_units().map(|u| u.noun).collect::<Vec<_>>();
    nouns.extend([time::MINUTE, time::SECOND]);
    nouns.extend(FRACTIONS.iter().map(|&(singular, plural)| fraction_noun(singular, plural)));
    nouns.extend(["ألف", "مليون", "مليار", "تريليون"].into_iter().filter_map(scale_noun));
    for noun in &nouns {
        for n in (0..=120).chain([200, 300, 1000, 2000, 3000, 100_000]) {
            for c in cases {
                for e in ends {
                    phrases.push(counted(n, noun, c, e));
                }
            }
        }
        for e in [End::Pause, End::Connected] {
            phrases.push(noun_genitive(noun, e));
        }
    }
    for b in 2..=10 {
        for a in 1..b {
            for c in cases {
                for e in ends {
                    phrases.push(fraction(a, b, c, e));
                }
            }
        }
    }
    phrases.extend(
        [
            PERCENT,
            POINT,
            ZERO,
            "مِنْ",
            "عَامَ",
            "هِجْرِيًّا",
            "مِيلَادِيًّا",
            "إِلَى",
            "عَلَى",
            "مُقَابِلَ",
            "سَالِب",
            "فِي",
            "صَبَاحًا",
            "مَسَاءً",
            "لَيْلًا",
        ]
        .map(str::to_string),
    );
    let mut set = std::collections::BTreeSet::new();
    for phrase in phrases {
        for word in phrase.split(' ') {
            set.insert(word.to_string());
            if let Some(rest) = word.strip_prefix("وَ") {
                set.insert(rest.to_string());
            }
        }
    }
    set
}

/// Whether `word` (as it appears in spoken text, with its vowels) is one the verbalizer generated
/// for a number, date, time, amount or percent, possibly with a proclitic (وَ، فَ، بِ، لِ، كَ)
/// joined to it. The diacritizer shows such runs to the model as a digit (`#`), the way the
/// model saw numbers in training, and keeps their vowels.
pub fn is_generated(word: &str) -> bool {
    if !word.chars().any(is_harakah) {
        return false;
    }
    if GENERATED.contains(word) {
        return true;
    }
    ["وَ", "فَ", "بِ", "لِ", "كَ", "وَبِ", "وَلِ"]
        .iter()
        .filter_map(|p| word.strip_prefix(p))
        .any(|rest| GENERATED.contains(rest))
}

/// A month name after مِنْ: ذو القعدة and ذو الحجة become ذي (one of the five nouns).
fn genitive_month(name: &str) -> String {
    match name.strip_prefix("ذو ") {
        Some(rest) => format!("ذي {rest}"),
        None => name.to_string(),
    }
}

/// `value` (3-99) with the article, before its counted noun: الْأَرْبَعِ وَالْعِشْرِينَ.
fn definite_number(value: u64, gender: Gender, case: Case) -> String {
    let said = number(value, NumberForm::new(gender, case).with_end(End::Connected));
    let words: Vec<&str> = said.split(' ').collect();
    // 11-19: the article goes on the first word only (الْأَحَدَ عَشَرَ).
    let articled = if (11..=19).contains(&value) { 1 } else { words.len() };
    words
        .iter()
        .enumerate()
        .map(|(k, w)| if k < articled { with_article(w) } else { (*w).to_string() })
        .collect::<Vec<_>>()
        .join(" ")
}

/// A vocalized number word with the article ([`ordinal::definite`]) after tanween has given way
/// to the plain vowel; a leading وَ stays in front (وَالْعِشْرِينَ).
fn with_article(word: &str) -> String {
    if let Some(rest) = word.strip_prefix("وَ") {
        return format!("وَ{}", with_article(rest));
    }
    let mut plain: String = word
        .chars()
        .map(|c| match c {
            DAMMATAN => DAMMA,
            KASRATAN => KASRA,
            FATHATAN => FATHA,
            c => c,
        })
        .collect();
    // خَمْسًا → الْخَمْسَ: the alif was the seat of the tanween.
    if word.strip_suffix('ا').is_some_and(|w| w.ends_with(FATHATAN)) {
        plain.pop();
    }
    // ثَمَانٍ → الثَّمَانِي: the yā' a tanween replaced comes back.
    if word == "ثَمَانٍ" {
        plain.push('ي');
    }
    ordinal::definite(&plain)
}

/// A word with the article, bare or after a proclitic (للوفاة، بالمقارنة، وللعام): never the noun a
/// number counts, so a scale noun before it stands alone (مِئَةِ أَلْفٍ بالمقارنة).
fn has_article(word: &str) -> bool {
    // At least three letters after و/ف, so that فلل (villas) keeps its ف.
    let word = tables::without_conjunction(word, 2);
    ["ال", "لل", "بال", "كال"].iter().any(|p| word.starts_with(p))
}

/// The listed verb a number after `words` stands in the reach of (V1): the nearest transitive
/// verb, كان or verb of duration up to [`VERB_REACH`] words back, unless a preposition comes first.
fn reaching_verb(words: &[String]) -> Option<Role> {
    for w in words.iter().rev().take(VERB_REACH) {
        match governor(w) {
            Some(role) if role.is_verb() => return Some(role),
            Some(Role::Preposition) => return None,
            _ => {}
        }
    }
    None
}

/// Whether a count of time after `words` is an adverb of a listed verb before it, up to
/// [`TIME_REACH`] words back and past prepositions, but not past another number.
fn time_adverb(words: &[String]) -> bool {
    words
        .iter()
        .rev()
        .take(TIME_REACH)
        .take_while(|w| *w != "#")
        .any(|w| governor(w).is_some_and(Role::is_verb))
}

/// A verb of the plural or dual, imperfect (يلقون، تتجاوزان) or perfect (قتلوا), or an imperfect
/// after the conjunction و (ويقوم): a new clause, not a counted noun, after a scale noun (مِئَةِ
/// أَلْفٍ يلقون حتفهم، أربعُ مئةِ ألفٍ ويقوم). Only وي: nouns begin with وت and ون (وتيرة).
fn verb_like(word: &str) -> bool {
    let letters = word.chars().count();
    let imperfect = word.starts_with(['ي', 'ت'])
        && (word.ends_with("ون") || word.ends_with("ان"))
        && letters >= 4;
    let after_and = word.starts_with("وي") && letters >= 5;
    imperfect || after_and || (word.ends_with("وا") && letters >= 4)
}

/// A verbal noun of a derived pattern, unlisted (اجتذاب، باستثمار، إنتاج، تسجيل): a construct head,
/// so a number right after it is genitive. Forms II (تفعيل), IV (إفعال), VII and VIII (انفعال،
/// افتعال) and X (استفعال) have shapes that no verb and no plural has; the few names that share
/// them are left out.
fn masdar_like(word: &str) -> bool {
    let word = tables::without_conjunction(word, 4);
    let word = word.strip_prefix(['ب', 'ل', 'ك']).filter(|w| w.chars().count() > 4).unwrap_or(word);
    let letters: Vec<char> = word.chars().collect();
    let n = letters.len();
    let taf_il = matches!(letters[..], ['ت', _, _, 'ي', _]);
    let shape = taf_il
        || (n >= 5
            && letters[n - 2] == 'ا'
            && match letters[0] {
                'إ' => n == 5,
                'ا' => n == 6 || n == 7,
                _ => false,
            });
    shape && !has_article(word) && !["إيران", "إسحاق", "إسلام", "إلهام", "تكريت"].contains(&word)
}

/// Whether `words` end in an unlisted verb of the feminine perfect and its subject, one or two
/// words with the article (اعتقلت الشرطة، أطلقت القوات الإسرائيلية): a number right after them
/// is the verb's object (ثَلَاثَةً وَعِشْرِينَ مشتبها), or the amount of an intransitive one
/// (تراجعت البورصة 2%), accusative either way. A number right after the verb may be its subject
/// or, the verb passive, its deputy (قتلت 3 نساء), and stays nominative.
fn object_past_subject(words: &[String]) -> bool {
    let subject = words.iter().rev().take_while(|w| w.starts_with("ال")).count();
    if !(1..=2).contains(&subject) {
        return false;
    }
    let Some(verb) = words.len().checked_sub(subject + 1).map(|at| &words[at]) else {
        return false;
    };
    feminine_perfect(tables::without_conjunction(verb, 4))
}

/// A verb of the feminine perfect (أعلنت، اعتقلت): a word in ت of four to seven letters, but
/// not in ات (a plural), وت or يت (بيروت، الكويت), and governing nothing listed.
fn feminine_perfect(word: &str) -> bool {
    let letters = word.chars().count();
    word.ends_with('ت')
        && (4..=7).contains(&letters)
        && !["ات", "وت", "يت"].iter().any(|end| word.ends_with(end))
        && word.chars().all(is_arabic_letter)
        && !has_article(word)
        && governor(word).is_none()
}

/// Whether `words` end in a preposition and a verbal noun, the construct head of a number after
/// them (بعد توقفِ ثلاثةِ أيامٍ، بعد دفعِ خمسةِ ملايين). No verb follows a preposition, so
/// there a listed verb's spelling is its verbal noun; an unlisted word counts when it has the
/// shape of the verbal noun of forms V or VI (تفعّل، تفاعل), which an imperfect verb shares but
/// not after a preposition. حتى، منذ and مذ are left out: a verb may follow them (منذ بلغ).
fn verbal_noun_after_preposition(words: &[String]) -> bool {
    let [.., prep, word] = words else { return false };
    let prep = tables::without_conjunction(prep, 1);
    if governor(prep) != Some(Role::Preposition) || ["حتى", "منذ", "مذ"].contains(&prep) {
        return false;
    }
    match governor(word) {
        Some(role) => role.is_verb(),
        None => masdar_like(word) || derived_masdar_with_ta(word),
    }
}

/// The verbal noun shapes of forms V (تفعّل: توقف) and VI (تفاعل: تبادل), which imperfect verbs
/// share, less the place names that share them.
fn derived_masdar_with_ta(word: &str) -> bool {
    let letters: Vec<char> = word.chars().collect();
    matches!(letters[..], ['ت', _, _, _] | ['ت', _, 'ا', _, _])
        && letters.iter().all(|&c| is_arabic_letter(c))
        && !["تونس", "تدمر", "تبوك"].contains(&word)
}

/// Whether an unlisted word after a round number or a scale word may be the noun it counts (in
/// construct with it): an Arabic word that governs nothing, has no article and is not a verb.
fn could_be_counted(word: &str) -> bool {
    word.chars().all(is_arabic_letter)
        && governor(word).is_none()
        && !has_article(word)
        && !verb_like(word)
}

/// The gender of an unlisted word that may be a counted noun ([`could_be_counted`]): feminine
/// for a singular in ة, else masculine.
fn unlisted_gender(word: &str) -> Option<Gender> {
    could_be_counted(word).then(|| {
        if word.ends_with('ة') {
            Gender::Feminine
        } else {
            Gender::Masculine
        }
    })
}

/// An unlisted sound feminine plural (مظاهرات، تصريحات) and the gender of its singular, which a
/// number from 3 to 10 takes the opposite of. The singular is looked up in `noun_gender.tsv`
/// (مظاهرة، قرار); failing that, a stem of a derived verbal noun's shape (تصريح، انتخاب،
/// استثمار، إصلاح) or of مفعول (مشروع، not مفاعلة: مفاوضات) is a masculine singular, any other
/// the feminine singular in ة that most of these plurals come from.
fn unlisted_plural(word: &str) -> Option<Gender> {
    let stem = word.strip_suffix("ات").filter(|s| s.chars().count() >= 3)?;
    if !could_be_counted(word) {
        return None;
    }
    let listed = tables::noun(&format!("{stem}ة")).or_else(|| tables::noun(stem));
    if let Some((gender, Count::Singular)) = listed {
        return Some(gender);
    }
    let letters: Vec<char> = stem.chars().collect();
    let masculine = masdar_like(stem) || matches!(letters[..], ['م', _, c, 'و', _] if c != 'ا');
    Some(if masculine { Gender::Masculine } else { Gender::Feminine })
}

/// A scale noun: the spellings papers print for its singular and for its plural, its two forms
/// vocalized, and how its plural declines.
struct Scale {
    singular: &'static [&'static str],
    plural: &'static [&'static str],
    said: (&'static str, &'static str),
    kind: Plural,
}

/// The scale nouns, for [`scale_noun`] and [`scale_form`].
const SCALES: &[Scale] = &[
    Scale {
        singular: &["ألف", "الف"],
        plural: &["آلاف", "الاف"],
        said: ("أَلْف", "آلَاف"),
        kind: Plural::Broken,
    },
    Scale {
        singular: &["مليون"],
        plural: &["ملايين"],
        said: ("مِلْيُون", "مَلَايِين"),
        kind: Plural::Diptote,
    },
    Scale {
        singular: &["مليار"],
        plural: &["مليارات"],
        said: ("مِلْيَار", "مِلْيَارَات"),
        kind: Plural::Sound,
    },
    Scale {
        singular: &["بليون"],
        plural: &["بلايين"],
        said: ("بِلْيُون", "بَلَايِين"),
        kind: Plural::Diptote,
    },
    Scale {
        singular: &["تريليون", "ترليون"],
        plural: &["تريليونات"],
        said: ("تِرِلْيُون", "تِرِلْيُونَات"),
        kind: Plural::Sound,
    },
];

/// The scale word `printed` after `value` in the form the number takes, when the paper printed
/// another: the plural after 3-10 (ملايين، آلاف), the accusative's tanween and alif after 11-99
/// when no noun follows (ألفًا). `None` when the printed form is right or is no scale word.
fn scale_form(value: u64, printed: &str, construct: bool) -> Option<String> {
    let plain = bare(printed);
    let scale = SCALES.iter().find(|s| s.singular.contains(&plain.as_str()))?;
    let plural = scale.plural[0];
    match value % 100 {
        3..=10 => {
            let hint = NounHint::for_count(value, plural, Count::Plural, construct);
            Some(hint.map_or_else(|| plural.to_string(), |h| h.apply(plural)))
        }
        11..=99 if !construct => Some(format!("{plain}{FATHATAN}ا")),
        _ => None,
    }
}

/// Scale nouns that may follow an amount (`$7 مليار`), printed in the singular or the plural.
fn scale_noun(word: &str) -> Option<Noun<'static>> {
    let plain = bare(word);
    let scale = SCALES
        .iter()
        .find(|s| s.singular.contains(&plain.as_str()) || s.plural.contains(&plain.as_str()))?;
    Some(Noun {
        singular: scale.said.0,
        plural: scale.said.1,
        plural_kind: scale.kind,
        gender: Gender::Masculine,
        adjective: None,
        after: None,
    })
}

fn bare_word(tok: &Tok) -> String {
    match tok {
        Tok::Word(w) => w.clone(),
        _ => String::new(),
    }
}

/// The singular of a unit in the genitive (after a scale word or a decimal: مِلْيَارَاتِ دُولَارٍ).
fn noun_genitive(noun: &Noun, end: End) -> String {
    let mut s = noun.singular.to_string();
    if noun.plural_kind != Plural::Fixed && end != End::Pause {
        s.push(KASRATAN);
    }
    if let Some(adj) = noun.adjective {
        let adj =
            if noun.gender == Gender::Feminine { format!("{adj}َة") } else { adj.to_string() };
        s = if end == End::Pause { format!("{s} {adj}") } else { format!("{s} {adj}{KASRATAN}") };
    }
    if let Some(after) = noun.after {
        s = format!("{s} {after}");
    }
    s
}

/// V1: the dual of a printed noun: `2 مليون` → مليونانِ / مليونا (before a noun in construct).
fn dual(noun: &str, case: Case, construct: bool) -> String {
    let stem = noun.strip_suffix('ة').map_or(noun.to_string(), |s| format!("{s}ت"));
    let ending = match (case == Case::Nominative, construct) {
        (true, false) => "َانِ",
        (false, false) => "َيْنِ",
        (true, true) => "َا",
        (false, true) => "َيْ",
    };
    format!("{stem}{ending}")
}

/// Fraction nouns for denominators 2..=10: singular and plural stems.
const FRACTIONS: [(&str, &str); 9] = [
    ("نِصْف", "أَنْصَاف"),
    ("ثُلُث", "أَثْلَاث"),
    ("رُبُع", "أَرْبَاع"),
    ("خُمُس", "أَخْمَاس"),
    ("سُدُس", "أَسْدَاس"),
    ("سُبُع", "أَسْبَاع"),
    ("ثُمُن", "أَثْمَان"),
    ("تُسُع", "أَتْسَاع"),
    ("عُشْر", "أَعْشَار"),
];

/// A fraction noun (`ثُلُث`, `أَرْبَاع`): masculine, with a broken plural.
fn fraction_noun(singular: &'static str, plural: &'static str) -> Noun<'static> {
    Noun {
        singular,
        plural,
        plural_kind: Plural::Broken,
        gender: Gender::Masculine,
        adjective: None,
        after: None,
    }
}

/// V12: `a/b` for b in 2..=10: نِصْف، ثُلُثَانِ، ثَلَاثَةُ أَرْبَاعٍ.
fn fraction(a: u64, b: u64, case: Case, end: End) -> String {
    let (singular, plural) = FRACTIONS[(b - 2) as usize];
    let noun = fraction_noun(singular, plural);
    if a == 1 {
        // One part is the noun alone (نِصْفٌ), not "one half".
        let mut s = singular.to_string();
        match end {
            End::Pause => {}
            End::Construct => s.push(counted::case_vowel(case)),
            End::Connected => {
                s.push(match case {
                    Case::Nominative => DAMMATAN,
                    Case::Accusative => FATHATAN,
                    Case::Genitive => KASRATAN,
                });
                if case == Case::Accusative {
                    s.push('ا');
                }
            }
        }
        return s;
    }
    counted(a, &noun, case, end)
}

fn parse_u64(digits: &str) -> u64 {
    digits.trim_start_matches('0').parse().unwrap_or(0)
}

/// A number in a code or a name (`G20`، `F-16`, `4G`): masculine, in the genitive and in pause,
/// as such names are said (جي عِشْرِين، إف سِتَّة عَشَر), whatever governs the name.
fn code_number(d: &str) -> String {
    integer(d, NumberForm::new(Gender::Masculine, Case::Genitive))
}

fn digits_one_by_one(d: &str) -> String {
    d.chars()
        .filter_map(|c| c.to_digit(10))
        .map(|v| cardinal(u64::from(v), Gender::Masculine, Case::Nominative))
        .collect::<Vec<_>>()
        .join(" ")
}

fn integer(d: &str, form: NumberForm) -> String {
    let trimmed = d.trim_start_matches('0');
    if trimmed.len() > MAX_VALUE_DIGITS {
        return digits_one_by_one(d);
    }
    number(parse_u64(trimmed), form)
}

/// V5: the fraction part is read as a number, with each leading zero said (`0.05` → صفر فاصلة
/// صفر خمسة).
fn decimal(int: &str, frac: &str, case: Case) -> String {
    let plain = NumberForm::new(Gender::Masculine, case);
    let zeros = frac.chars().take_while(|&c| c == '0').count();
    let mut parts = vec![integer(int, plain), POINT.to_string()];
    let rest = &frac[zeros..];
    parts.extend(std::iter::repeat_n(
        ZERO.to_string(),
        if rest.is_empty() { zeros.max(1) } else { zeros },
    ));
    if !rest.is_empty() {
        parts.push(integer(rest, plain));
    }
    parts.join(" ")
}

/// Collapses the spaces left by silent symbols; no other change to the printed spacing.
fn tidy(s: &str) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out = String::with_capacity(joined.len());
    for c in joined.chars() {
        // A pause mark right after another (a dash after a comma) is said once.
        if c == '،' && (out.ends_with('،') || out.ends_with("، ")) && out.trim_end().ends_with('،')
        {
            continue;
        }
        out.push(c);
    }
    let out = out.replace(" ، ،", " ،");
    out.trim_start_matches(['،', ' ']).trim().to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // tests may unwrap (STYLE.md)
mod tests;
