//! Tying frames to the images they lie in: by address, else by the image
//! name the frame line wrote. Both readers' reports go through this, so
//! every consumer finds `Frame::image_index` set wherever it can be.

use std::collections::HashMap;

use crate::model::{Frame, ImageIndex, Report};

/// Sets `image_index` on frames that do not have one: by address (the
/// smallest image containing it), else by the image name the frame line wrote.
pub(super) fn link_frames(report: &mut Report<'_>) {
    let index = ImageIndex::new(&report.images);
    let images = &report.images;
    // Built on first use: most reports place every frame by address.
    let mut by_name: Option<HashMap<&str, usize>> = None;
    let mut resolve = |frames: &mut [Frame<'_>]| {
        for frame in frames.iter_mut().filter(|f| f.image_index.is_none()) {
            frame.image_index = index.find(frame.address).or_else(|| {
                let name = frame.image_name.as_deref()?;
                let map = by_name.get_or_insert_with(|| {
                    let mut map = HashMap::with_capacity(images.len());
                    // The placeholder (`0x0 - 0xffffffffffffffff ???`) is no
                    // image, and `???` in a frame line names none.
                    for (n, image) in images.iter().enumerate().rev().filter(|(_, i)| !i.is_placeholder()) {
                        if let Some(name) = image.name.as_deref().filter(|&name| name != "???") {
                            map.insert(name, n);
                        }
                    }
                    map
                });
                map.get(name).copied()
            });
        }
    };
    for thread in &mut report.threads {
        resolve(&mut thread.frames);
    }
    if let Some(frames) = &mut report.last_exception_backtrace {
        resolve(frames);
    }
    for frames in &mut report.application_specific_backtraces {
        resolve(frames);
    }
}
