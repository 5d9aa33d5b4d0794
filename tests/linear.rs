//! The work of a read grows in proportion to the input: four times the
//! input makes at most about four times the allocations and allocated
//! bytes, never sixteen, whatever the shape (many frames, long pathological
//! lines, many sections, JSON). Counted, not timed: the count is the same
//! on a busy machine. The time the same shapes take is measured by
//! `benches/linear.rs`.

mod shapes;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use crashport::Input;

/// Counts allocations and bytes of the current thread only (the tests of
/// this file run in parallel threads).
struct Counting;

thread_local! {
    static COUNTS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

fn count(bytes: usize) {
    let _ = COUNTS.try_with(|c| {
        let (n, b) = c.get();
        c.set((n + 1, b + bytes));
    });
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (allocations, bytes allocated) to read `text`.
fn read_counts(text: &str) -> (usize, usize) {
    let before = COUNTS.with(Cell::get);
    let input = Input::from_bytes(text.as_bytes()).unwrap();
    let _ = std::hint::black_box(input.parse());
    let after = COUNTS.with(Cell::get);
    (after.0 - before.0, after.1 - before.1)
}

/// Asserts that reading `make(4n)` costs under 5 times what `make(n)` does.
fn assert_linear(shape: &shapes::Shape) {
    let small = (shape.make)(shape.n);
    let large = (shape.make)(4 * shape.n);
    let ((a1, b1), (a4, b4)) = (read_counts(&small), read_counts(&large));
    let what = shape.what;
    eprintln!("{what}: {} -> {} bytes: {a1} -> {a4} allocations, {b1} -> {b4} bytes", small.len(), large.len());
    assert!(a4 < 5 * a1.max(1), "{what}: 4x the input made {a1} -> {a4} allocations");
    assert!(b4 < 5 * b1.max(1), "{what}: 4x the input allocated {b1} -> {b4} bytes");
}

#[test]
fn many_frames_and_images() {
    assert_linear(&shapes::MANY_FRAMES_AND_IMAGES);
}

#[test]
fn long_pathological_lines() {
    assert_linear(&shapes::LONG_PATHOLOGICAL_LINES);
}

#[test]
fn many_small_sections() {
    assert_linear(&shapes::MANY_SMALL_SECTIONS);
}

#[test]
fn json_bodies() {
    assert_linear(&shapes::JSON_BODIES);
}
