//! Build facts for `crashport --version`: the commit the binary was built
//! from (`unknown` outside a git checkout) and the target triple.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".to_string());
    let dirty = Command::new("git")
        .args(["status", "--porcelain", "--untracked-files=no"])
        .output()
        .ok()
        .filter(|out| out.status.success())
        .is_some_and(|out| !out.stdout.is_empty());
    let suffix = if dirty && commit != "unknown" { "-modified" } else { "" };
    println!("cargo:rustc-env=CRASHPORT_COMMIT={commit}{suffix}");
    println!("cargo:rustc-env=CRASHPORT_TARGET={}", std::env::var("TARGET").unwrap_or_default());
    // Asked of git rather than assumed to be `.git/HEAD`: in a worktree
    // `.git` is a file, and a path that does not exist would make cargo
    // run this script (and rebuild crashport) on every build.
    println!("cargo:rerun-if-changed=build.rs");
    for file in ["HEAD", "index"] {
        let path = Command::new("git")
            .args(["rev-parse", "--git-path", file])
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
            .map(|s| s.trim().to_string());
        if let Some(path) = path.filter(|p| std::path::Path::new(p).exists()) {
            println!("cargo:rerun-if-changed={path}");
        }
    }
}
