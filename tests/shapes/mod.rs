//! Inputs that grow: the shapes whose reading must cost in proportion to
//! their size (many frames and images, long pathological lines, many small
//! sections, long `.ips` lists). Shared by `tests/linear.rs` (allocation
//! counts) and `benches/linear.rs` (CPU time).
#![allow(dead_code)]

/// A named input that can be made at any size `n`, and its base size.
pub struct Shape {
    pub what: &'static str,
    pub make: fn(usize) -> String,
    pub n: usize,
}

pub const HEADER: &str = "Incident Identifier: 3F1C5E1A-7D64-4E43-9A84-1F0E5C7B2A90\nProcess: Lin [1]\n\
    Exception Type: EXC_BAD_ACCESS (SIGSEGV)\n\n";

fn make_many_frames_and_images(n: usize) -> String {
    let mut s = String::from(HEADER);
    for t in 0..n / 100 {
        s.push_str(&format!("Thread {t}:\n"));
        for f in 0..100 {
            s.push_str(&format!("{f:<4}libLin.dylib   0x{:016x} lin_{f} + {f} (lin.c:{f})\n", 0x1000 + f * 4));
        }
        s.push('\n');
    }
    s.push_str("Binary Images:\n");
    for i in 0..n / 10 {
        s.push_str(&format!(
            "0x{:x} - 0x{:x} lib{i}.dylib arm64 <{i:032x}> /usr/lib/lib{i}.dylib\n\n",
            i * 0x10000,
            i * 0x10000 + 0xffff
        ));
    }
    s
}

pub const MANY_FRAMES_AND_IMAGES: Shape =
    Shape { what: "frames and images", make: make_many_frames_and_images, n: 20_000 };

/// Frame lines full of almost-addresses, unbalanced parentheses and `+`
/// signs: the shapes a backtracking parser chokes on.
fn make_long_pathological_lines(n: usize) -> String {
    let mut s = String::from(HEADER);
    s.push_str("Thread 0 Crashed:\n");
    let noise = "0x0x 0xg (a:1 + + ( 0x12 +";
    for f in 0..200 {
        s.push_str(&format!(
            "{f}   lib  {} 0x1000 sym {} + 1 (f.c:{})\n",
            noise.repeat(n / 200),
            "(".repeat(n / 400),
            f
        ));
    }
    s
}

pub const LONG_PATHOLOGICAL_LINES: Shape =
    Shape { what: "pathological lines", make: make_long_pathological_lines, n: 40_000 };

fn make_many_small_sections(n: usize) -> String {
    let mut s = String::from(HEADER);
    for t in 0..n {
        s.push_str(&format!("Thread {t} name:  Dispatch queue: q{t}\nThread {t}:\n\nUnknown Section {t}:\nline\n\n"));
    }
    s
}

pub const MANY_SMALL_SECTIONS: Shape = Shape { what: "sections", make: make_many_small_sections, n: 5_000 };

fn make_json_bodies(n: usize) -> String {
    let frames: Vec<String> =
        (0..100).map(|f| format!("{{\"imageOffset\":{f},\"imageIndex\":0,\"symbol\":\"s{f}\"}}")).collect();
    let thread = format!("{{\"id\":1,\"frames\":[{}]}}", frames.join(","));
    let threads = vec![thread; n / 100].join(",");
    format!(
        "{{\"bug_type\":\"309\"}}\n{{\"procName\":\"Lin\",\"threads\":[{threads}],\
                 \"usedImages\":[{{\"base\":4096,\"size\":65536,\"uuid\":\"15a96be2-8f28-3974-b5bf-8d989945ac8c\"}}]}}"
    )
}

pub const JSON_BODIES: Shape = Shape { what: ".ips", make: make_json_bodies, n: 20_000 };

/// Every shape.
pub const ALL: [Shape; 4] = [MANY_FRAMES_AND_IMAGES, LONG_PATHOLOGICAL_LINES, MANY_SMALL_SECTIONS, JSON_BODIES];
