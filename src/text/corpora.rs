//! Claims measured on the public corpora beside the checkout (`../shared/corpora`, see each
//! SOURCE.md): the DER/WER scorer against Shakkelha's published output, the NeMo Arabic
//! text-normalization cases, and the sentence-split cases. Each test states its pass rate
//! exactly, and the cases we do not pass are listed in a data file with the reason, so the list
//! cannot grow silently.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::normalize::{is_harakah, TATWEEL};
use super::score;

fn corpus(path: &str) -> String {
    let full = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora").join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| {
        panic!("{}: {e} (the shared corpora must sit beside the checkout)", full.display())
    })
}

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/text").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn scorer_reproduces_the_published_shakkelha_scores() {
    let gold = corpus("diacritization/fadel/test.txt");
    let out =
        corpus("diacritization/fadel/system_outputs/shakkelha_rnn3_big_avg20_fixed_output.txt");
    let gold: Vec<&str> = gold.lines().collect();
    let out: Vec<&str> = out.lines().collect();
    let s = score::score(&gold, &out).unwrap();
    let got: Vec<String> =
        [s.with_ce, s.without_ce, s.with_ce_excluding_none, s.without_ce_excluding_none]
            .iter()
            .map(|t| format!("{:.2}/{:.2}", t.der(), t.wer()))
            .collect();
    // Fadel et al. / AliOsm/shakkelha README: DER/WER incl. and excl. no-diacritic letters.
    assert_eq!(got, ["1.69/5.09", "1.34/2.91", "1.95/4.89", "1.54/2.83"]);
}

/// How a NeMo expectation and our spoken text are compared: NeMo writes numbers unvocalized and
/// with its own spellings, so both sides are reduced to bare letters: harakat and tatweel removed,
/// hamza seats and madda on alef folded to ا, ى to ي, ة to ه, مائة to مئة, punctuation dropped,
/// a detached وَ joined to its word, spaces collapsed. Nothing else is forgiven: a different word,
/// case ending in letters (ون/ين, ان/ين) or word order is a failure.
pub(crate) fn fold_for_comparison(text: &str) -> String {
    let letters: String = text
        .chars()
        .filter(|&c| !is_harakah(c) && c != TATWEEL)
        .map(|c| match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ى' => 'ي',
            'ة' => 'ه',
            c if c.is_alphanumeric() || c.is_whitespace() => c,
            _ => ' ',
        })
        .collect();
    let words: Vec<String> = letters
        .split_whitespace()
        .map(|w| w.replace("مائه", "مئه").replace("مائت", "مئت"))
        .collect();
    let mut out: Vec<String> = Vec::new();
    let mut pending_wa = false;
    for w in words {
        if w == "و" {
            pending_wa = true;
            continue;
        }
        out.push(if pending_wa { format!("و{w}") } else { w });
        pending_wa = false;
    }
    out.join(" ")
}

/// One NeMo text-normalization case (written → spoken).
struct NemoCase {
    category: String,
    input: String,
    expected: Vec<String>,
}

fn nemo_tn_cases() -> Vec<NemoCase> {
    let text = corpus("normalization/nemo_ar_tn_itn_tests.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (dir, cat, input, expected, alternatives) =
        (col("direction"), col("category"), col("input"), col("expected"), col("alternatives"));
    lines
        .map(|l| l.split('\t').collect::<Vec<&str>>())
        .filter(|c| c[dir].starts_with("TN"))
        .map(|c| {
            let mut expected = vec![c[expected].to_string()];
            expected.extend(c[alternatives].split('|').filter(|a| !a.is_empty()).map(String::from));
            NemoCase { category: c[cat].to_string(), input: c[input].to_string(), expected }
        })
        .collect()
}

#[test]
fn nemo_arabic_normalization_cases_pass_except_the_listed_ones() {
    let cases = nemo_tn_cases();
    assert_eq!(cases.len(), 178, "TN rows in nemo_ar_tn_itn_tests.tsv");
    // tests/data/text/nemo_exceptions.tsv: input, category (not-msa | convention), reason.
    let listed: BTreeMap<String, (String, String)> = data("nemo_exceptions.tsv")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            assert_eq!(c.len(), 3, "nemo_exceptions.tsv: {l}");
            assert!(matches!(c[1], "not-msa" | "convention"), "nemo_exceptions.tsv: {l}");
            (c[0].to_string(), (c[1].to_string(), c[2].to_string()))
        })
        .collect();
    let mut failing = BTreeSet::new();
    let mut report = Vec::new();
    let mut by_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for case in &cases {
        let got = super::spoken(&case.input);
        let ok = case.expected.iter().any(|e| fold_for_comparison(e) == fold_for_comparison(&got));
        let entry = by_category.entry(case.category.clone()).or_default();
        entry.1 += 1;
        if ok {
            entry.0 += 1;
        } else {
            failing.insert(case.input.clone());
            if !listed.contains_key(&case.input) {
                report.push(format!(
                    "[{}] {}\n  nemo: {}\n  ours: {}",
                    case.category, case.input, case.expected[0], got
                ));
            }
        }
    }
    let stale: Vec<&String> = listed.keys().filter(|k| !failing.contains(*k)).collect();
    assert!(
        report.is_empty() && stale.is_empty(),
        "{} failing cases not in nemo_exceptions.tsv:\n{}\nlisted but passing: {stale:?}",
        report.len(),
        report.join("\n")
    );
    let passed = cases.len() - failing.len();
    let not_msa = listed.values().filter(|(k, _)| k == "not-msa").count();
    // The pass rate, stated (docs/text.md): all cases, and the cases whose gold is correct MSA.
    assert_eq!(
        (passed, cases.len(), not_msa),
        (EXPECTED_NEMO_PASSED, 178, EXPECTED_NEMO_NOT_MSA),
        "per category (passed, total): {by_category:?}"
    );
}

/// NeMo TN cases passed (of 178), and cases whose expectation is not correct MSA.
const EXPECTED_NEMO_PASSED: usize = 63;
const EXPECTED_NEMO_NOT_MSA: usize = 33;

#[test]
fn sentence_split_cases_pass_except_the_listed_ones() {
    let listed: BTreeMap<usize, String> = data("sentence_exceptions.tsv")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (n, reason) = l.split_once('\t').unwrap();
            (n.parse().unwrap(), reason.to_string())
        })
        .collect();
    let mut failing = BTreeSet::new();
    let mut report = Vec::new();
    let text = corpus("sentences/ar_sentence_split_cases.jsonl");
    let cases: Vec<serde_json::Value> =
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(cases.len(), 8);
    for (i, case) in cases.iter().enumerate() {
        let n = i + 1;
        let input = case["input"].as_str().unwrap();
        // Our sentences are normalized text (bidi marks dropped), so the expectation is too.
        let expected: Vec<String> = case["expected_segments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| super::normalize(s.as_str().unwrap()))
            .collect();
        let got = super::segment(&super::normalize(input));
        if got != expected {
            failing.insert(n);
            if !listed.contains_key(&n) {
                report.push(format!("case {n}:\n  want: {expected:?}\n  got:  {got:?}"));
            }
        }
    }
    let stale: Vec<&usize> = listed.keys().filter(|k| !failing.contains(*k)).collect();
    assert!(
        report.is_empty() && stale.is_empty(),
        "failing cases not in sentence_exceptions.tsv:\n{}\nlisted but passing: {stale:?}",
        report.join("\n")
    );
    assert_eq!((cases.len() - failing.len(), cases.len()), (EXPECTED_SENTENCES_PASSED, 8));
}

/// Sentence-split cases passed (of 8).
const EXPECTED_SENTENCES_PASSED: usize = 6;
