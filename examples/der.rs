//! DER/WER of Arabic diacritization with the Fadel et al. conventions (`nashra::text::score`).
//!
//! ```text
//! cargo run --release --example der -- score GOLD PREDICTED     score a system's output file
//! cargo run --release --example der -- run GOLD SYSTEM [PART]    diacritize GOLD's bare text, score it
//! cargo run --release --example der -- table [CORPORA]           every row of docs/text.md (make der)
//! ```
//! SYSTEM is `model` (the libtashkeel model alone, one call per line, as piper-tts does) or
//! `nashra` (what the pipeline sends to espeak: normalize, verbalize, lexicon hints, sentences
//! diacritized together per line as one block). PART is `all` (default), `dev` or `test`: the
//! WikiNews split by article (even articles tune the lexicon, odd ones are held out; see
//! [`split`]). Blank gold lines are skipped. `--out FILE` writes the predictions.
//!
//! Printed lines are the scorer's four columns, DER then WER: with case ending, without, and the
//! same two excluding letters whose gold label is "no diacritic".

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use nashra::text::diacritize::Diacritizer;
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
        ["table"] => table(&default_corpora()),
        ["table", dir] => table(Path::new(dir)),
        _ => Err("usage: der score GOLD PREDICTED | run GOLD model|nashra [all|dev|test] [--out FILE] | table [CORPORA]".into()),
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
        return Err(format!("gold has {} non-blank lines, prediction {}", gold.len(), predicted.len()).into());
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

/// Diacritizes the bare text of `lines` with `system`; returns the predictions (as the scorer
/// will read them) and the number of printed words the pipeline did not say as printed.
fn predict(d: &Diacritizer, lines: &[String], system: &str) -> Result<(Vec<String>, usize)> {
    let mut out = Vec::with_capacity(lines.len());
    let mut unsaid = 0;
    for line in lines {
        let bare = score::strip_marks(line);
        match system {
            "model" => out.push(d.diacritize(&bare)?),
            "nashra" => {
                let sentences = nashra::text::sentences(&bare);
                let spoken: Vec<&str> = sentences.iter().map(|s| s.spoken.as_str()).collect();
                let said = d.diacritize_many(&spoken)?.join(" ");
                // Words the pipeline does not say as printed are scored with the model's own
                // prediction, so both rows cover the same letters.
                let alone = d.diacritize(&bare)?;
                let (prediction, missing) = score::project(&bare, &said, Some(&alone));
                unsaid += missing;
                out.push(prediction);
            }
            _ => return Err(format!("unknown system {system:?}: want model or nashra").into()),
        }
    }
    Ok((out, unsaid))
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
fn row(name: &str, s: &Scores) -> String {
    format!(
        "| {name} | {:.2} | {:.2} | {:.2} | {:.2} |",
        s.with_ce.der(),
        s.with_ce.wer(),
        s.without_ce.der(),
        s.without_ce.wer()
    )
}

fn table(dir: &Path) -> Result<()> {
    let fadel_test = gold_lines(&dir.join("fadel/test.txt"))?;
    let wikinews = gold_lines(&dir.join("wikinews/WikiNewsTruth.txt"))?;
    println!("| set / system | DER with CE | WER with CE | DER without CE | WER without CE |");
    println!("|---|---|---|---|---|");
    let shakkelha = predicted_lines(
        &dir.join("fadel/test.txt"),
        &dir.join("fadel/system_outputs/shakkelha_rnn3_big_avg20_fixed_output.txt"),
    )?;
    println!(
        "{}",
        row(
            "Fadel test, Shakkelha published output (check: 1.69 / 5.09 / 1.34 / 2.91)",
            &score::score(&refs(&fadel_test), &refs(&shakkelha))?
        )
    );
    for (name, file) in [
        ("CATT ED", "catt_repo_WikiNews_data_ed_mlm_ns_epoch_178.txt"),
        ("CATT EO", "catt_repo_WikiNews_data_eo_mlm_ns_epoch_193.txt"),
    ] {
        let out = predicted_lines(
            &dir.join("wikinews/WikiNewsTruth.txt"),
            &dir.join("wikinews/system_outputs").join(file),
        )?;
        let s = score::score(&refs(&wikinews), &refs(&out))?;
        println!("{}", row(&format!("WikiNews all, {name} published output"), &s));
    }
    let d = Diacritizer::new()?;
    for part in [Part::All, Part::Dev, Part::Test] {
        let idx = split(&wikinews, part);
        let lines: Vec<String> = idx.iter().map(|&i| wikinews[i].clone()).collect();
        for system in ["model", "nashra"] {
            let (p, unsaid) = predict(&d, &lines, system)?;
            let s = score::score(&refs(&lines), &refs(&p))?;
            let note = if unsaid > 0 { format!(" ({unsaid} words unsaid)") } else { String::new() };
            println!(
                "{}",
                row(&format!("WikiNews {part:?} ({} lines), {system}{note}", lines.len()), &s)
            );
        }
    }
    for system in ["model", "nashra"] {
        let (p, _) = predict(&d, &fadel_test, system)?;
        let s = score::score(&refs(&fadel_test), &refs(&p))?;
        println!("{}", row(&format!("Fadel test, {system}"), &s));
    }
    Ok(())
}
