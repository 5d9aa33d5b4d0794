//! Reading time grows linearly with the input: four times the input costs
//! about four times the CPU time, never sixteen, for each shape of
//! `tests/shapes` (the test of the same name counts allocations; this
//! measures time, which a test cannot do reliably on a shared machine).
//!
//! ```sh
//! cargo bench --bench linear
//! ```
//! Prints, per shape, the ratio of the CPU times (best of 9 runs each) and
//! exits with status 1 when one is 8 or more.

#[path = "../tests/shapes/mod.rs"]
mod shapes;

use crashport::Input;

fn thread_cpu_seconds() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes the struct it is given.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    assert_eq!(status, 0);
    t.tv_sec as f64 + t.tv_nsec as f64 / 1e9
}

/// Best-of-9 CPU time to read `text`.
fn read_time(text: &str) -> f64 {
    (0..9)
        .map(|_| {
            let start = thread_cpu_seconds();
            let input = Input::from_bytes(text.as_bytes()).unwrap();
            let _ = std::hint::black_box(input.parse());
            thread_cpu_seconds() - start
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let mut worst: f64 = 0.0;
    for shape in &shapes::ALL {
        let small = (shape.make)(shape.n);
        let large = (shape.make)(4 * shape.n);
        let (t1, t4) = (read_time(&small), read_time(&large));
        let ratio = t4 / t1.max(1e-6);
        worst = worst.max(ratio);
        println!(
            "{:<20} {:>9} -> {:>9} bytes  {:.4} s -> {:.4} s  x{ratio:.1}",
            shape.what,
            small.len(),
            large.len(),
            t1,
            t4
        );
    }
    if worst >= 8.0 {
        eprintln!("a shape's time grew {worst:.1}x for 4x the input");
        std::process::exit(1);
    }
}
