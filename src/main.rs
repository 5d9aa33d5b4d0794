//! The `crashport` command: a thin layer over the library.

mod cli;

fn main() -> std::process::ExitCode {
    tune_allocator();
    cli::run()
}

/// glibc's allocator returns freed memory to the system as soon as a few
/// hundred kilobytes are free, and serves every block over 128 KiB with its
/// own `mmap`. A conversion allocates and frees blocks of that size for
/// every report (the file, its base64, its JSON), so a directory run spent
/// its time faulting the same pages in again: 12,000 page faults for 6,000
/// reports on one thread, more with several. Keeping up to 64 MiB and
/// mapping only blocks over 4 MiB brings that down to a few hundred; the
/// resident set stays under 10 MiB.
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 64 << 20);
    }
}
