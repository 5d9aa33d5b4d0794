//! Tying frames to the images they lie in: by address, else by the image
//! name the frame line wrote. Both readers' reports go through this, so
//! every consumer finds `Frame::image_index` set wherever it can be.

use std::collections::HashMap;

use crate::model::{Frame, Image, ImageIndex, Report};

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
            if let Some(image) = frame.image_index.and_then(|i| images.get(i)) {
                unname_placeholder(frame, image);
            }
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

/// macOS writes a frame it has no symbol for as `Quillmark + 301432`: the
/// image's name where the symbol goes, and the offset into the image. That
/// is no function name; the frame gets the offset into its image and no
/// symbol, as the iOS form `0x102d94000 + 301432` gives it. A function
/// that is named like its image is told apart by the sum: its offset is
/// into the function, so it does not add up to the frame's address.
fn unname_placeholder(frame: &mut Frame<'_>, image: &Image<'_>) {
    let (Some(symbol), Some(offset)) = (frame.symbol.as_deref(), frame.symbol_offset) else { return };
    // The sum first: it rules out nearly every frame without comparing names.
    if image.start.checked_add(offset) != Some(frame.address) {
        return;
    }
    let names_the_image = image.name.as_deref() == Some(symbol)
        || frame.image_name.as_deref() == Some(symbol)
        || image.file_name() == Some(symbol);
    if names_the_image {
        frame.symbol = None;
        frame.symbol_offset = None;
        frame.image_offset = Some(offset);
    }
}

#[cfg(test)]
mod tests {
    use crate::{Input, Parsed};

    fn frames(text: &str) -> Vec<(Option<String>, Option<u64>, Option<u64>)> {
        let input = Input::from_bytes(text.as_bytes()).unwrap();
        let Ok(Parsed::Crash(report)) = input.parse() else { panic!("not a crash") };
        let frames = &report.threads[0].frames;
        frames.iter().map(|f| (f.symbol.as_deref().map(str::to_string), f.symbol_offset, f.image_offset)).collect()
    }

    #[test]
    fn an_image_name_in_the_symbol_column_is_no_symbol() {
        let report = "Process:               Quillmark [812]\n\
Path:                  /Applications/Quillmark.app/Contents/MacOS/Quillmark\n\
Exception Type:        EXC_BAD_ACCESS (SIGSEGV)\n\
Crashed Thread:        0\n\n\
Thread 0 Crashed:\n\
0   Quillmark                     \t0x0000000102ddd978 Quillmark + 301432\n\
1   Quillmark                     \t0x0000000102ddd000 Quillmark + 12\n\n\
Binary Images:\n\
       0x102d94000 -        0x102eeffff +com.example.quillmark (1.6 - 1604) <31A7AE06-9FDA-33A1-8142-89B60710FB40> /Applications/Quillmark.app/Contents/MacOS/Quillmark\n";
        assert_eq!(
            frames(report),
            // The second adds up to no frame address: a function named
            // like its image, with an offset into the function.
            [(None, None, Some(301432)), (Some("Quillmark".to_string()), Some(12), None)]
        );
    }
}
