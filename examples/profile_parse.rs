use std::path::Path;
use std::time::Instant;
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
    let files: Vec<_> = files.into_iter().filter(|f| (mode == "ips") == f.starts_with(b"{")).collect();
    let opts = crashport::pipeline::Options::default();
    if mode == "pieces" {
        let total: usize = files.iter().map(|f| f.len()).sum();
        let t = Instant::now();
        for _ in 0..200 {
            for f in &files {
                std::hint::black_box(crashport::appcenter::uuid_v5(&crashport::appcenter::NAMESPACE, f));
            }
        }
        println!("sha1 {:.2} ms per pass over {} KiB", t.elapsed().as_secs_f64() * 5.0, total / 1024);
        let t = Instant::now();
        for _ in 0..200 {
            for f in &files {
                std::hint::black_box(base64_simd::STANDARD.encode_to_string(f));
            }
        }
        println!("base64 {:.2} ms", t.elapsed().as_secs_f64() * 5.0);
        let mut no_att = opts.convert.clone();
        no_att.attachment = false;
        let (mut a, mut b, mut c) = (0.0, 0.0, 0.0);
        for f in &files {
            let Ok(i) = crashport::Input::from_bytes(f) else { continue };
            let Ok(crashport::Parsed::Crash(r)) = i.parse() else { continue };
            if crashport::appcenter::convert(&r, f, Some("x"), &opts.convert).is_err() {
                continue;
            }
            let t = Instant::now();
            for _ in 0..200 {
                std::hint::black_box(crashport::appcenter::convert(&r, f, Some("x"), &opts.convert).ok());
            }
            a += t.elapsed().as_secs_f64();
            let t = Instant::now();
            for _ in 0..200 {
                std::hint::black_box(crashport::appcenter::convert(&r, f, Some("x"), &no_att).ok());
            }
            b += t.elapsed().as_secs_f64();
            let t = Instant::now();
            for _ in 0..200 {
                std::hint::black_box(crashport::appcenter::error_id(&r, f));
            }
            c += t.elapsed().as_secs_f64();
        }
        println!("convert {:.2} ms, without attachment {:.2} ms, error id {:.2} ms", a * 5.0, b * 5.0, c * 5.0);
        return;
    }
    if mode == "convert" {
        let mut no_att = opts.convert.clone();
        no_att.attachment = false;
        for f in &files {
            let Ok(i) = crashport::Input::from_bytes(f) else { continue };
            let Ok(crashport::Parsed::Crash(r)) = i.parse() else { continue };
            for _ in 0..20 {
                std::hint::black_box(crashport::appcenter::convert(&r, f, Some("x"), &no_att).ok());
            }
        }
        return;
    }
    if mode == "phases" {
        let (mut tp, mut tc, mut ts) = (0.0, 0.0, 0.0);
        for _ in 0..200 {
            for f in &files {
                let t0 = Instant::now();
                let Ok(i) = crashport::Input::from_bytes(f) else { continue };
                let Ok(crashport::Parsed::Crash(r)) = i.parse() else { continue };
                let t1 = Instant::now();
                let Ok(c) = crashport::appcenter::convert(&r, f, Some("x"), &opts.convert) else { continue };
                let t2 = Instant::now();
                std::hint::black_box(crashport::appcenter::json::container_json(&c.logs, false).unwrap());
                let t3 = Instant::now();
                tp += (t1 - t0).as_secs_f64();
                tc += (t2 - t1).as_secs_f64();
                ts += (t3 - t2).as_secs_f64();
            }
        }
        println!("parse {:.1} ms, convert {:.1} ms, serialize {:.1} ms", tp * 5.0, tc * 5.0, ts * 5.0);
        return;
    }
    for _ in 0..20 {
        for f in &files {
            match mode.as_str() {
                "text" | "ips" => {
                    if let Ok(i) = crashport::Input::from_bytes(f) {
                        std::hint::black_box(i.parse().ok());
                    }
                }
                "json" => {
                    if let crashport::pipeline::Outcome::Converted(c) = crashport::pipeline::convert_bytes(
                        Path::new("x"),
                        f,
                        crashport::pipeline::Origin::Explicit,
                        &opts,
                    ) {
                        std::hint::black_box(crashport::appcenter::json::container_json(&c.logs, false).unwrap());
                    }
                }
                _ => {}
            }
        }
    }
}
#[allow(dead_code)]
fn unused() {}
