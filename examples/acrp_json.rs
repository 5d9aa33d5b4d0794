//! Sentry's `apple-crash-report-parser` as a whole program, the reference
//! `benches/bulk.sh` runs beside `crashport convert --jobs 1
//! --no-attachment`: every file under the given paths read, parsed as a
//! text report and written to stdout as JSON, one document per report, in
//! one thread. Files it cannot parse are counted on stderr and make the
//! exit status 1.
//!
//! ```sh
//! cargo run --release --example acrp_json -- DIR > /dev/null
//! ```

use std::io::Write;
use std::path::PathBuf;

use apple_crash_report_parser::AppleCrashReport;

fn main() {
    let roots: Vec<PathBuf> = std::env::args().skip(1).map(PathBuf::from).collect();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let (mut parsed, mut refused) = (0usize, 0usize);
    for file in crashport::bulk::walk::walk(&roots).filter_map(Result::ok) {
        let Ok(bytes) = std::fs::read(&file.path) else {
            refused += 1;
            continue;
        };
        let report = std::str::from_utf8(&bytes).ok().and_then(|text| text.parse::<AppleCrashReport>().ok());
        match report {
            Some(report) => {
                serde_json::to_writer(&mut out, &report).expect("stdout is writable");
                out.write_all(b"\n").expect("stdout is writable");
                parsed += 1;
            }
            None => refused += 1,
        }
    }
    out.flush().expect("stdout is writable");
    eprintln!("apple-crash-report-parser: {parsed} parsed, {refused} refused");
    if refused > 0 {
        std::process::exit(1);
    }
}
