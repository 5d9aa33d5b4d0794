//! Reading time grows linearly with the input: four times the input costs
//! about four times the time, never sixteen, whatever the shape of the
//! input (many frames, long pathological lines, many sections, JSON).
//!
//! Times are this thread's CPU time (not wall time), the best of a few
//! runs, so that a busy machine does not make the test fail.

use crashport::Input;

fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the struct it is given.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(status, 0);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Best-of-5 CPU time to read `text`.
fn read_time(text: &str) -> f64 {
    (0..5)
        .map(|_| {
            let start = thread_cpu_seconds();
            let input = Input::from_bytes(text.as_bytes()).unwrap();
            let _ = std::hint::black_box(input.parse());
            thread_cpu_seconds() - start
        })
        .fold(f64::INFINITY, f64::min)
}

/// Asserts that reading `make(4n)` takes less than 8 times `make(n)`.
fn assert_linear(what: &str, make: impl Fn(usize) -> String, n: usize) {
    let small = make(n);
    let large = make(4 * n);
    let (t1, t4) = (read_time(&small), read_time(&large));
    let ratio = t4 / t1.max(1e-6);
    eprintln!("{what}: {} -> {} bytes, {t1:.4}s -> {t4:.4}s, x{ratio:.1}", small.len(), large.len());
    assert!(ratio < 8.0, "{what}: 4x the input took {ratio:.1}x the time ({t1:.4}s, {t4:.4}s)");
}

const HEADER: &str = "Incident Identifier: 3F1C5E1A-7D64-4E43-9A84-1F0E5C7B2A90\nProcess: Lin [1]\n\
    Exception Type: EXC_BAD_ACCESS (SIGSEGV)\n\n";

#[test]
fn many_frames_and_images() {
    assert_linear(
        "frames and images",
        |n| {
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
        },
        20_000,
    );
}

#[test]
fn long_pathological_lines() {
    // Frame lines full of almost-addresses, unbalanced parentheses and `+`
    // signs: the shapes a backtracking parser chokes on.
    assert_linear(
        "pathological lines",
        |n| {
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
        },
        40_000,
    );
}

#[test]
fn many_small_sections() {
    assert_linear(
        "sections",
        |n| {
            let mut s = String::from(HEADER);
            for t in 0..n {
                s.push_str(&format!(
                    "Thread {t} name:  Dispatch queue: q{t}\nThread {t}:\n\nUnknown Section {t}:\nline\n\n"
                ));
            }
            s
        },
        5_000,
    );
}

#[test]
fn json_bodies() {
    assert_linear(
        ".ips",
        |n| {
            let frames: Vec<String> =
                (0..100).map(|f| format!("{{\"imageOffset\":{f},\"imageIndex\":0,\"symbol\":\"s{f}\"}}")).collect();
            let thread = format!("{{\"id\":1,\"frames\":[{}]}}", frames.join(","));
            let threads = vec![thread; n / 100].join(",");
            format!(
                "{{\"bug_type\":\"309\"}}\n{{\"procName\":\"Lin\",\"threads\":[{threads}],\
                 \"usedImages\":[{{\"base\":4096,\"size\":65536,\"uuid\":\"15a96be2-8f28-3974-b5bf-8d989945ac8c\"}}]}}"
            )
        },
        20_000,
    );
}
