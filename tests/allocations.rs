//! The parse of a typical report borrows from its input: it allocates a
//! bounded number of times (one vector per thread and section), not once per
//! line or string.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use crashport::{Input, Parsed};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations and bytes allocated while parsing `bytes`, plus (frames, images).
fn measure(bytes: &[u8]) -> (usize, usize, usize, usize) {
    let before = (ALLOCATIONS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    let input = Input::from_bytes(bytes).unwrap();
    let parsed = input.parse().unwrap();
    let after = (ALLOCATIONS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed));
    let Parsed::Crash(report) = parsed else { panic!("not a crash") };
    let frames = report.threads.iter().map(|t| t.frames.len()).sum();
    (after.0 - before.0, after.1 - before.1, frames, report.images.len())
}

/// A ~100 KB text report built from a thread and image pattern, so that the
/// test does not depend on the shared corpus.
fn synthetic_text_report() -> String {
    let mut s = String::from(
        "Incident Identifier: 3F1C5E1A-7D64-4E43-9A84-1F0E5C7B2A90\nHardware Model:      iPhone14,2\n\
         Process:             Sprocket [812]\nPath:                /private/var/containers/Bundle/Application/X/Sprocket.app/Sprocket\n\
         Identifier:          com.example.sprocket\nVersion:             2.4.1 (381)\nCode Type:           ARM-64 (Native)\n\
         Date/Time:           2023-03-04 10:11:12.1234 +0100\nOS Version:          iPhone OS 16.3 (20D47)\n\n\
         Exception Type:  EXC_BAD_ACCESS (SIGSEGV)\nException Subtype: KERN_INVALID_ADDRESS at 0x0000000000000010\n\
         Triggered by Thread:  0\n\n",
    );
    for t in 0..40 {
        s.push_str(&format!("Thread {t}{}:\n", if t == 0 { " Crashed" } else { "" }));
        for f in 0..20 {
            s.push_str(&format!(
                "{f:<4}UIKitCore                     \t       0x{:x} -[UIViewController viewDidLoad:] + {f}\n",
                0x192c2e000u64 + (t * 20 + f) as u64 * 16
            ));
        }
        s.push('\n');
    }
    s.push_str("Binary Images:\n");
    for i in 0..300u64 {
        s.push_str(&format!(
            "       0x{:x} -        0x{:x} libExample{i}.dylib arm64e  <{:032x}> /usr/lib/libExample{i}.dylib\n",
            0x192c2e000 + i * 0x10000,
            0x192c2e000 + i * 0x10000 + 0xffff,
            i + 1
        ));
    }
    s
}

#[test]
fn text_parse_allocates_per_section_not_per_line() {
    let text = synthetic_text_report();
    assert!(text.len() > 90_000, "{}", text.len());
    let (allocations, bytes, frames, images) = measure(text.as_bytes());
    assert_eq!((frames, images), (800, 300));
    // One vector per thread (and its growth), the thread and image lists,
    // a few maps: far fewer allocations than the 1,100 strings in the input.
    assert!(allocations < 400, "{allocations} allocations");
    // The model holds numbers and borrowed strings: a few hundred bytes per
    // frame at most, no copy of the text.
    eprintln!("{allocations} allocations, {bytes} bytes for {} bytes of input", text.len());
    assert!(bytes < 4 * text.len(), "{bytes} bytes allocated for {} bytes of input", text.len());
}
