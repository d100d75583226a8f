use std::io::Read;
fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let mode = std::env::args().nth(1).unwrap_or_default();
    for line in s.lines() {
        let out = match mode.as_str() {
            "normalize" => nashra::text::normalize(line),
            "spoken" => nashra::text::sentences(line).iter().map(|x| x.spoken.clone()).collect::<Vec<_>>().join(" "),
            "sentences" => nashra::text::sentences(line).iter().map(|x| x.text.clone()).collect::<Vec<_>>().join(" | "),
            _ => nashra::text::spoken(line),
        };
        println!("{out}");
    }
}
