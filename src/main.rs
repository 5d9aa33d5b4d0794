//! The `crashport` command: a thin layer over the library.

mod cli;

/// A run allocates and frees the same few kinds of blocks for every report
/// (its bytes, its model, its JSON), thousands of times. mimalloc serves
/// them from per-thread free lists: a directory converts 8 % faster on one
/// thread than with glibc's allocator tuned for it (docs/PERFORMANCE.md).
/// Built without transparent huge pages (`no_thp`): where the system grants
/// them on request, each would be a 2 MiB page zeroed for a few small
/// blocks, doubling the resident set for no gain in speed (10 MiB instead
/// of 24 on one thread).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    cli::run()
}
