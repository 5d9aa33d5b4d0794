//! What a batch tells the person running it, on stderr: notices for skipped
//! files, warnings, and errors, each naming its file.

use std::io::Write;
use std::process::ExitCode;

use anstyle::{AnsiColor, Style};
use crashport::inputs::WalkError;
use crashport::pipeline::Outcome;

const BAD: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const NOTE: Style = AnsiColor::Cyan.on_default();

/// Counts outcomes and prints them as they come.
pub struct Reporter {
    quiet: bool,
    failed: usize,
    stderr: anstream::Stderr,
}

impl Reporter {
    pub fn new(quiet: bool) -> Self {
        Reporter { quiet, failed: 0, stderr: anstream::stderr() }
    }

    pub fn outcome(&mut self, outcome: &Outcome) {
        match outcome {
            Outcome::Converted(c) => {
                for warning in &c.warnings {
                    self.warning(warning);
                }
            }
            Outcome::Skipped(s) => {
                if !self.quiet {
                    let _ = writeln!(
                        self.stderr,
                        "{NOTE}notice{NOTE:#}: {}: skipped: {}",
                        s.path.display(),
                        s.kind.reason()
                    );
                }
            }
            Outcome::Failed(f) => {
                self.failed += 1;
                let _ = writeln!(self.stderr, "{BAD}error{BAD:#}: {f}");
            }
        }
    }

    pub fn warning(&mut self, message: &str) {
        if !self.quiet {
            let _ = writeln!(self.stderr, "{WARN}warning{WARN:#}: {message}");
        }
    }

    pub fn walk_problem(&mut self, problem: &WalkError) {
        self.failed += 1;
        let _ = writeln!(self.stderr, "{BAD}error{BAD:#}: {problem}");
    }

    /// 0 when nothing failed, 1 otherwise.
    pub fn exit_code(&self) -> ExitCode {
        if self.failed > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS }
    }
}
