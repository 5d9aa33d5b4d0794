//! Ctrl-C and SIGTERM: the first asks the run to stop at the next report
//! (the journal stays whole, the summary says where the run stopped); a
//! second ends the process at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};

use signal_hook::consts::{SIGINT, SIGTERM};

/// Installs the handlers; the returned flag holds the number of the first
/// signal received (0 until then).
pub fn install() -> Arc<AtomicUsize> {
    let signal = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(AtomicBool::new(false));
    for number in [SIGINT, SIGTERM] {
        // Registered first, so that it sees the flag as the previous signal
        // left it: the second signal terminates (128 + its number).
        let exit_code = 128 + number as u32;
        let _ = signal_hook::flag::register_conditional_shutdown(number, exit_code as i32, Arc::clone(&seen));
        let _ = signal_hook::flag::register(number, Arc::clone(&seen));
        let _ = signal_hook::flag::register_usize(number, Arc::clone(&signal), number as usize);
    }
    signal
}
