//! DER/WER of Arabic diacritization with the Fadel et al. conventions (`nashra::text::score`).
//!
//! ```text
//! cargo run --release --example der -- score GOLD PREDICTED     score a system's output file
//! cargo run --release --example der -- run GOLD SYSTEM [PART]    diacritize GOLD's bare text, score it
//! cargo run --release --example der -- table [CORPORA]           every row of docs/text.md (make der)
//! ```
//! SYSTEM is `model` (the libtashkeel model alone, one call per line, as piper-tts does),
//! `written` (the model with the writing rules H5 and H6, nothing else) or `nashra` (the
//! pipeline's diacritized text: normalize, verbalize, lexicon hints, sentences diacritized
//! together per line as one block, H5 and H6; what `text::pronounce` then reads to espeak).
//! PART is `all` (default), `dev` or `test`: the WikiNews split by article (even articles tune
//! the lexicon, odd ones are held out; see [`split`]). Blank gold lines are skipped. `--out
//! FILE` writes the predictions.
//!
//! Printed lines are the scorer's four columns, DER then WER: with case ending, without, and the
//! same two excluding letters whose gold label is "no diacritic".

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use nashra::text::diacritize::Diacritizer;
use nashra::text::normalize::is_case_mark;
use nashra::text::score::{self, Scores};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("der: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<()> {
    let (out, args) = take_option(args, "--out");
    match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        ["score", gold, predicted] => {
            let predicted = predicted_lines(Path::new(gold), Path::new(predicted))?;
            let gold = gold_lines(Path::new(gold))?;
            let s = score::score(&refs(&gold), &refs(&predicted))?;
            print_columns(&s);
            Ok(())
        }
        ["run", gold, system] => run_system(Path::new(gold), system, Part::All, out.as_deref()),
        ["run", gold, system, part] => {
            run_system(Path::new(gold), system, Part::parse(part)?, out.as_deref())
        }
        ["errors", gold, predicted] => errors(Path::new(gold), Path::new(predicted)),
        ["table"] => table(&default_corpora()),
        ["table", dir] => table(Path::new(dir)),
        _ => Err("usage: der score GOLD PREDICTED | errors GOLD PREDICTED | run GOLD model|written|nashra [all|dev|test] [--out FILE] | table [CORPORA]".into()),
    }
}

fn take_option(args: &[String], name: &str) -> (Option<PathBuf>, Vec<String>) {
    let mut rest = Vec::new();
    let mut value = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == name {
            value = it.next().map(PathBuf::from);
        } else {
            rest.push(a.clone());
        }
    }
    (value, rest)
}

fn default_corpora() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/diacritization")
}

fn read_lines(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text.lines().map(str::to_string).collect())
}

/// Gold lines without the blank ones (WikiNews separates some articles with blank lines) and
/// without WikiNews' seven `# category` labels, which are not news text (the published libtashkeel
/// figures, DER 2.52 / WER 10.73, leave them out too).
fn gold_lines(path: &Path) -> Result<Vec<String>> {
    Ok(non_blank(read_lines(path)?).into_iter().filter(|l| !is_header(l)).collect())
}

fn non_blank(lines: Vec<String>) -> Vec<String> {
    lines.into_iter().filter(|l| !l.trim().is_empty()).collect()
}

fn is_header(line: &str) -> bool {
    line.starts_with('#')
}

/// A system's output lines, paired with the gold's non-blank lines, without the pairs whose gold
/// line is a header (published outputs keep the header line, some without its `#`).
fn predicted_lines(gold: &Path, predicted: &Path) -> Result<Vec<String>> {
    let gold = non_blank(read_lines(gold)?);
    let predicted = non_blank(read_lines(predicted)?);
    if gold.len() != predicted.len() {
        return Err(format!(
            "gold has {} non-blank lines, prediction {}",
            gold.len(),
            predicted.len()
        )
        .into());
    }
    Ok(gold.iter().zip(predicted).filter(|(g, _)| !is_header(g)).map(|(_, p)| p).collect())
}

fn refs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    All,
    Dev,
    Test,
}

impl Part {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "all" => Ok(Self::All),
            "dev" => Ok(Self::Dev),
            "test" => Ok(Self::Test),
            _ => Err(format!("unknown part {s:?}: want all, dev or test").into()),
        }
    }
}

/// The lines of `part`. Articles are found as WikiNews prints them: a title line (no final
/// sentence punctuation, under 250 characters) starts an article. Articles are numbered in file
/// order; even ones (0, 2, ...) are `dev`, odd ones `test`. Splitting by article keeps a title and
/// its body (which repeat the same names) on the same side.
fn split(lines: &[String], part: Part) -> Vec<usize> {
    let mut article = 0usize;
    let mut keep = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let l = line.trim_end();
        let title = !l.ends_with(['.', '!', '؟', '"', ')']) && l.chars().count() < 250;
        if title && i > 0 {
            article += 1;
        }
        let wanted = match part {
            Part::All => true,
            Part::Dev => article % 2 == 0,
            Part::Test => article % 2 == 1,
        };
        if wanted {
            keep.push(i);
        }
    }
    keep
}

/// The model alone on the bare text of each line (one call per line, as piper-tts does).
fn predict_model(d: &Diacritizer, lines: &[String]) -> Result<Vec<String>> {
    lines.iter().map(|l| Ok(d.model_alone(&score::strip_marks(l))?)).collect()
}

/// The model with nashra's writing rules (H5, H6) on the bare text of each line, without the
/// normalizer, the verbalizer or the hints: what those rules alone add to the model.
fn predict_written(d: &Diacritizer, lines: &[String]) -> Result<Vec<String>> {
    lines.iter().map(|l| Ok(d.diacritize_as_printed(&score::strip_marks(l))?)).collect()
}

/// What the pipeline says for the bare text of each line, taken as one block (normalize,
/// verbalize, sentences, `diacritize_many`), projected back onto the printed words. Words it does
/// not say as printed take the model-alone prediction (`alone`), so both systems are scored on
/// the same letters; returns the predictions and how many such words there were.
fn predict_nashra(
    d: &Diacritizer,
    lines: &[String],
    alone: &[String],
) -> Result<(Vec<String>, usize)> {
    let mut out = Vec::with_capacity(lines.len());
    let mut unsaid = 0;
    for (line, alone) in lines.iter().zip(alone) {
        let bare = score::strip_marks(line);
        let sentences = nashra::text::sentences(&bare);
        let spoken: Vec<&str> = sentences.iter().map(|s| s.spoken.as_str()).collect();
        let said = d.diacritize_many(&spoken)?.join(" ");
        let (prediction, missing) = score::project(&bare, &said, Some(alone));
        unsaid += missing;
        out.push(prediction);
    }
    Ok((out, unsaid))
}

/// Diacritizes the bare text of `lines` with `system` (`model` or `nashra`).
fn predict(d: &Diacritizer, lines: &[String], system: &str) -> Result<(Vec<String>, usize)> {
    let alone = predict_model(d, lines)?;
    match system {
        "model" => Ok((alone, 0)),
        "written" => Ok((predict_written(d, lines)?, 0)),
        "nashra" => predict_nashra(d, lines, &alone),
        _ => Err(format!("unknown system {system:?}: want model, written or nashra").into()),
    }
}

fn run_system(gold: &Path, system: &str, part: Part, out: Option<&Path>) -> Result<()> {
    let all = gold_lines(gold)?;
    let lines: Vec<String> = split(&all, part).into_iter().map(|i| all[i].clone()).collect();
    let d = Diacritizer::new()?;
    let start = Instant::now();
    let (predicted, unsaid) = predict(&d, &lines, system)?;
    eprintln!("{} lines in {:.1} s", lines.len(), start.elapsed().as_secs_f64());
    if let Some(path) = out {
        std::fs::write(path, predicted.join("\n") + "\n")?;
    }
    let s = score::score(&refs(&lines), &refs(&predicted))?;
    print_columns(&s);
    if unsaid > 0 {
        println!("printed words not said as printed (scored as the model alone): {unsaid}");
    }
    Ok(())
}

/// Where the letter errors (with case ending, all letters) of a prediction are: inside words, or
/// on the last letter; and there, whether the word stands before punctuation (the prediction may
/// be a pausal form, وقف) or has the gold's sukun before a hamzat-wasl word (the prediction may
/// carry the helping vowel, مِنَ الْ), or neither.
fn errors(gold: &Path, predicted: &Path) -> Result<()> {
    let predicted = predicted_lines(gold, predicted)?;
    let gold = gold_lines(gold)?;
    let (mut letters, mut counts) = (0u64, [0u64; 4]);
    for (g, p) in gold.iter().zip(&predicted) {
        let gw = score::words(g);
        let pw = score::words(p);
        let after = followers(g);
        for (k, (a, b)) in gw.iter().zip(&pw).enumerate() {
            letters += a.classes.len() as u64;
            let last = a.classes.len() - 1;
            for (i, (x, y)) in a.classes.iter().zip(&b.classes).enumerate() {
                if x == y {
                    continue;
                }
                let next_wasl = gw.get(k + 1).is_some_and(|n| n.letters.starts_with('ا'));
                let sukun = *x == 8; // the scorer's class for U+0652
                let slot = if i < last {
                    0
                } else if after.get(k).copied().unwrap_or(true) {
                    1
                } else if sukun && next_wasl {
                    2
                } else {
                    3
                };
                counts[slot] += 1;
            }
        }
    }
    let pct = |n: u64| n as f64 * 100.0 / letters.max(1) as f64;
    println!("letters: {letters}");
    for (name, n) in [
        ("inside words", counts[0]),
        ("last letter before punctuation or line end (pausal forms)", counts[1]),
        ("last letter, gold sukun before hamzat wasl (helping vowel)", counts[2]),
        ("other case endings", counts[3]),
    ] {
        println!("{name:<60} {n:>6}  DER {:.2}", pct(n));
    }
    Ok(())
}

/// For each scorer word of a line, whether punctuation (or the line end) follows it.
fn followers(line: &str) -> Vec<bool> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !score::is_letter(chars[i]) {
            i += 1;
            continue;
        }
        while i < chars.len() && (score::is_letter(chars[i]) || is_case_mark(chars[i])) {
            i += 1;
        }
        let rest = chars[i..].iter().find(|c| !c.is_whitespace());
        out.push(rest.is_none_or(|c| !score::is_letter(*c) && !c.is_alphanumeric()));
    }
    out
}

fn print_columns(s: &Scores) {
    for (name, t) in [
        ("with case ending", s.with_ce),
        ("without case ending", s.without_ce),
        ("with case ending, excl. no diacritic", s.with_ce_excluding_none),
        ("without case ending, excl. no diacritic", s.without_ce_excluding_none),
    ] {
        println!("{name:<40} DER {:>6.2}  WER {:>6.2}", t.der(), t.wer());
    }
}

/// One row of the table: DER/WER with and without case endings.
fn row(set: &str, system: &str, s: &Scores) -> String {
    format!(
        "| {set} | {system} | {:.2} | {:.2} | {:.2} | {:.2} |",
        s.with_ce.der(),
        s.with_ce.wer(),
        s.without_ce.der(),
        s.without_ce.wer()
    )
}

/// The table's name for [`predict_written`].
const WRITTEN: &str = "the model with H5, H6 (no normalizer, no hints)";

fn table(dir: &Path) -> Result<()> {
    let fadel_test = gold_lines(&dir.join("fadel/test.txt"))?;
    let wikinews = gold_lines(&dir.join("wikinews/WikiNewsTruth.txt"))?;
    println!("| set | system | DER with CE | WER with CE | DER without CE | WER without CE |");
    println!("|---|---|---|---|---|---|");
    let shakkelha = predicted_lines(
        &dir.join("fadel/test.txt"),
        &dir.join("fadel/system_outputs/shakkelha_rnn3_big_avg20_fixed_output.txt"),
    )?;
    let s = score::score(&refs(&fadel_test), &refs(&shakkelha))?;
    println!(
        "{}",
        row("Fadel test", "Shakkelha, published output (check: 1.69 / 5.09 / 1.34 / 2.91)", &s)
    );
    for (name, file) in [
        ("CATT ED, published output", "catt_repo_WikiNews_data_ed_mlm_ns_epoch_178.txt"),
        ("CATT EO, published output", "catt_repo_WikiNews_data_eo_mlm_ns_epoch_193.txt"),
    ] {
        let out = predicted_lines(
            &dir.join("wikinews/WikiNewsTruth.txt"),
            &dir.join("wikinews/system_outputs").join(file),
        )?;
        let s = score::score(&refs(&wikinews), &refs(&out))?;
        println!("{}", row("WikiNews all", name, &s));
    }
    let d = Diacritizer::new()?;
    let alone = predict_model(&d, &wikinews)?;
    let written = predict_written(&d, &wikinews)?;
    let (said, unsaid) = predict_nashra(&d, &wikinews, &alone)?;
    for part in [Part::All, Part::Dev, Part::Test] {
        let idx = split(&wikinews, part);
        let pick = |v: &[String]| -> Vec<String> { idx.iter().map(|&i| v[i].clone()).collect() };
        let gold = pick(&wikinews);
        let set = match part {
            Part::All => format!("WikiNews all ({} lines)", gold.len()),
            Part::Dev => format!("WikiNews tuning half ({} lines)", gold.len()),
            Part::Test => format!("WikiNews held-out half ({} lines)", gold.len()),
        };
        for (system, p) in [
            ("libtashkeel model alone", pick(&alone)),
            (WRITTEN, pick(&written)),
            ("nashra", pick(&said)),
        ] {
            let s = score::score(&refs(&gold), &refs(&p))?;
            println!("{}", row(&set, system, &s));
        }
    }
    let alone = predict_model(&d, &fadel_test)?;
    let written = predict_written(&d, &fadel_test)?;
    let (said, _) = predict_nashra(&d, &fadel_test, &alone)?;
    for (system, p) in [("libtashkeel model alone", &alone), (WRITTEN, &written), ("nashra", &said)]
    {
        let s = score::score(&refs(&fadel_test), &refs(p))?;
        println!("{}", row("Fadel test", system, &s));
    }
    println!();
    println!("WikiNews words nashra does not say as printed (scored as the model alone): {unsaid}");
    Ok(())
}
