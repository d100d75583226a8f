use std::io::Read;
fn main() {
    let cfg = nashra::voice::config::VoiceConfig::load(std::path::Path::new("voices/ar_JO-kareem-medium.onnx.json")).unwrap();
    let f = nashra::voice::Frontend::from_config(&cfg).unwrap();
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    for line in s.lines() {
        let p = f.phonemize(line).unwrap();
        println!("{}", p.iter().map(|x| x.concat()).collect::<Vec<_>>().join(" | "));
    }
}
