//! `Binary Images`, one line per image in the report's order.
//!
//! ```text
//!        0x18a94d000 -        0x18aeb5fff libswiftCore.dylib arm64e  <a49d560c13233bfba7e8762be0c1b2ef> /usr/lib/swift/libswiftCore.dylib
//!                0x0 - 0xffffffffffffffff ??? unknown-arch  <00000000000000000000000000000000> ???
//!     0x7ff816360000 -     0x7ff81681c704 com.apple.CoreFoundation (6.9) <9da51ee2-cd79-3042-a96e-e0b9bd693182> /System/Library/...
//!        0x103f71000 -        0x10417bfff libffmpeg.dylib (*) <4c4c448a-5555-3144-a162-14920b52fb22> /Applications/...
//! ```
//!
//! iOS names an image by its name and architecture and writes its UUID
//! without dashes; macOS names it by its bundle identifier when it has one,
//! gives its version (`*` for none) instead of the architecture, and dashes
//! the UUID. Old reports' `+` mark, when the report had it, leads the name.

use super::{Family, right};
use crate::hex::Hex;
use crate::model::{Image, Report};

/// `Binary Images:`, the lines, and a blank line.
pub(super) fn write_images(r: &Report<'_>, family: Family, out: &mut String) {
    out.push_str("Binary Images:\n");
    for image in &r.images {
        write_image(image, family, out);
    }
    out.push('\n');
}

fn write_image(image: &Image<'_>, family: Family, out: &mut String) {
    // `.ips` gives the placeholder a size of 0, so its end is the address
    // before its start: Apple computes `base + size - 1` and writes
    // 0xffffffffffffffff; the model keeps it at 0.
    let end = if image.is_placeholder() && image.end == image.start { image.start.wrapping_sub(1) } else { image.end };
    right(out, Hex::prefixed(image.start, 1).as_str(), 18);
    out.push_str(" - ");
    right(out, Hex::prefixed(end, 1).as_str(), 18);
    out.push(' ');
    if image.marked_user {
        out.push('+');
    }
    let mut uuid = uuid::Uuid::encode_buffer();
    match family {
        Family::Embedded => {
            out.push_str(image.name.as_deref().unwrap_or("???"));
            out.push(' ');
            out.push_str(image.arch.map_or("unknown-arch", |a| a.name()));
            out.push_str("  <");
            out.push_str(image.uuid.unwrap_or_default().simple().encode_lower(&mut uuid));
        }
        Family::Mac => {
            out.push_str(image.bundle_id.as_deref().or(image.name.as_deref()).unwrap_or("???"));
            out.push_str(" (");
            out.push_str(image.version.as_deref().unwrap_or("*"));
            out.push_str(") <");
            out.push_str(image.uuid.unwrap_or_default().hyphenated().encode_lower(&mut uuid));
        }
    }
    out.push_str("> ");
    out.push_str(image.path.as_deref().unwrap_or("???"));
    out.push('\n');
}
