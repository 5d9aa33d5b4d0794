//! Which address of a frame to look up, per architecture.

use symbolic_common::{Arch, CpuFamily, InstructionInfo};

/// The address to look a frame up at. A thread's first frame holds the
/// program counter and is looked up as it is; every other frame holds a
/// return address, the instruction after a call, which may already be the
/// next line or the next function, so it is moved back into the call
/// (4 bytes on ARM64, 1 byte on x86, where instructions vary in length).
pub(crate) fn lookup_address(arch: Arch, address: u64, first: bool) -> u64 {
    // symbolic subtracts without checking; an address this low is no
    // return address of any Apple process.
    if address < 16 {
        return address;
    }
    let mut info = InstructionInfo::new(arch, address);
    info.is_crashing_frame(first);
    info.caller_address()
}

/// Address bits an arm64e pointer keeps, widest first: macOS gives user
/// processes 47 bits, iOS devices 39 or more; the pointer-authentication
/// code is in the bits above.
const POINTER_MASKS: [u64; 2] = [(1 << 47) - 1, (1 << 39) - 1];

/// The candidates for an address that may carry a pointer-authentication
/// code (a signed return address in a `Last Exception Backtrace` or a
/// register), widest mask first; none for other architectures or for
/// addresses without high bits.
pub(crate) fn without_pointer_auth(arch: Arch, address: u64) -> impl Iterator<Item = u64> {
    let applies = arch.cpu_family() == CpuFamily::Arm64;
    POINTER_MASKS.into_iter().map(move |mask| address & mask).filter(move |&stripped| applies && stripped != address)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_frames_move_into_the_call() {
        assert_eq!(lookup_address(Arch::Arm64, 0x1_0000_403c, false), 0x1_0000_4038);
        assert_eq!(lookup_address(Arch::Arm64e, 0x1_0000_403c, false), 0x1_0000_4038);
        assert_eq!(lookup_address(Arch::Arm64_32, 0x803c, false), 0x8038);
        assert_eq!(lookup_address(Arch::Amd64, 0x1_0000_068d, false), 0x1_0000_068c);
        assert_eq!(lookup_address(Arch::Amd64, 0x1_0000_066b, true), 0x1_0000_066b);
        assert_eq!(lookup_address(Arch::Arm64, 0x1_0000_4008, true), 0x1_0000_4008);
        assert_eq!(lookup_address(Arch::Arm64, 3, false), 3);
    }

    #[test]
    fn pointer_auth_bits() {
        let signed = 0x2d1b_8001_02e9_4040;
        assert_eq!(without_pointer_auth(Arch::Arm64e, signed).next(), Some(0x1_02e9_4040));
        assert_eq!(without_pointer_auth(Arch::Arm64, signed).next(), Some(0x1_02e9_4040));
        assert_eq!(without_pointer_auth(Arch::Amd64, signed).next(), None);
        assert_eq!(without_pointer_auth(Arch::Arm64, 0x1_02e9_4040).next(), None);
    }
}
