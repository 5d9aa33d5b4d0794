//! The `crashport` command: a thin layer over the library.

mod cli;

/// A run allocates and frees the same few kinds of blocks for every report
/// (its bytes, its model, its JSON), thousands of times. mimalloc serves
/// them from per-thread free lists: a directory converts 8 % faster on one
/// thread than with glibc's allocator tuned for it (docs/PERFORMANCE.md),
/// for a resident set of some tens of megabytes instead of ten.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
