use std::path::Path;
fn main() {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let mut files = Vec::new();
    for dir in [
        "fixtures/reports",
        "../shared/corpus/getsentry__apple-crash-report-parser",
        "../shared/corpus/kstenerud__KSCrash",
        "../shared/corpus/facebook__idb",
        "../shared/corpus/MozillaSecurity__FuzzManager",
        "../shared/corpus/inket__MacSymbolicator",
        "../shared/corpus/llvm__llvm-project",
    ] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            files.push(std::fs::read(&p).unwrap());
        }
    }
    let opts = crashport::pipeline::Options::default();
    for _ in 0..20 {
        for f in &files {
            let is_ips = f.starts_with(b"{");
            match mode.as_str() {
                "text" if !is_ips => {
                    if let Ok(i) = crashport::Input::from_bytes(f) {
                        std::hint::black_box(i.parse().ok());
                    }
                }
                "ips" if is_ips => {
                    if let Ok(i) = crashport::Input::from_bytes(f) {
                        std::hint::black_box(i.parse().ok());
                    }
                }
                "json" if !is_ips => {
                    if let crashport::pipeline::Outcome::Converted(c) = crashport::pipeline::convert_bytes(
                        Path::new("x"),
                        f,
                        crashport::pipeline::Origin::Explicit,
                        &opts,
                    ) {
                        std::hint::black_box(serde_json::to_vec(&c.logs).unwrap());
                    }
                }
                _ => {}
            }
        }
    }
}
