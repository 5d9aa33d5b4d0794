//! The symbolication step: a report's frames named from debug files.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::sync::Arc;

use symbolic_common::{Arch, CpuFamily};
use uuid::Uuid;

use super::address;
use super::error::DebugFileError;
use super::names::Names;
use super::provider::{ImageKey, Lookup, SymbolProvider};
use crate::model::{Frame, Image, ImageIndex, Report, SourceLocation, SymbolOrigin};

/// What symbolicating a report did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Frames looked at (a frame the report had already expanded into
    /// inlined calls counts once).
    pub frames: usize,
    /// Frames named from a debug file.
    pub symbolicated: usize,
    /// Inlined frames added by expanding those.
    pub inlined_added: usize,
    /// Frames whose image has a debug file that has no function at their
    /// address (they stay as they were).
    pub not_covered: usize,
    /// Frames whose address carried a pointer-authentication code, placed
    /// in an image once it was stripped.
    pub pointer_auth_stripped: usize,
    /// Images with frames whose UUID no debug file has (their frames stay
    /// as they were).
    pub missing: BTreeSet<Uuid>,
    /// Debug files that were found but could not be read, each once.
    pub errors: Vec<Arc<DebugFileError>>,
}

/// Names the frames of `report` (every thread, the Last Exception
/// Backtrace, the Application Specific Backtraces) from what `provider`
/// knows. A frame whose image has a debug file gets the function, the
/// offset into it, and the file and line; calls inlined at its address
/// become frames of their own before it, innermost first, marked
/// `inlined`. Other frames stay as they were. Every named frame says where
/// its name came from ([`SymbolOrigin`]).
pub fn symbolicate(report: &mut Report<'_>, provider: &dyn SymbolProvider, names: &Names) -> Summary {
    let Report { images, threads, last_exception_backtrace, application_specific_backtraces, code_type, .. } = report;
    let placer = Placer::new(images, code_type.map(|c| c.arch));
    let step = Step { placer: &placer, provider, names };
    let mut summary = Summary::default();
    for thread in threads.iter_mut() {
        step.frames(&mut thread.frames, &mut summary);
    }
    if let Some(frames) = last_exception_backtrace {
        step.frames(frames, &mut summary);
    }
    for frames in application_specific_backtraces.iter_mut() {
        step.frames(frames, &mut summary);
    }
    summary
}

/// Finds the image a frame's address lies in.
pub(crate) struct Placer<'r, 'a> {
    pub images: &'r [Image<'a>],
    index: ImageIndex,
    /// The process's architecture, for images whose line gives none.
    process_arch: Option<Arch>,
    /// True when addresses may carry pointer-authentication codes.
    signed_pointers: bool,
}

/// Where a frame is: its image, and the address within it when that is not
/// the frame's own (a signed pointer, stripped).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub image: usize,
    pub stripped: Option<u64>,
}

impl<'r, 'a> Placer<'r, 'a> {
    pub(crate) fn new(images: &'r [Image<'a>], process_arch: Option<Arch>) -> Self {
        let signed_pointers = process_arch.is_some_and(|a| a.cpu_family() == CpuFamily::Arm64)
            || images.iter().any(|i| i.arch == Some(Arch::Arm64e));
        Placer { images, index: ImageIndex::new(images), process_arch, signed_pointers }
    }

    /// The image of a frame: the reader's placement when the address lies
    /// in it, else the image holding the address, else, for a signed
    /// pointer that lies outside every image, the image holding it stripped.
    pub(crate) fn place(&self, frame: &Frame<'_>) -> Option<Place> {
        if let Some(image) = frame.image_index
            && self.images.get(image).is_some_and(|i| i.contains(frame.address))
        {
            return Some(Place { image, stripped: None });
        }
        if let Some(image) = self.index.find(frame.address) {
            return Some(Place { image, stripped: None });
        }
        if !self.signed_pointers {
            return None;
        }
        address::without_pointer_auth(Arch::Arm64e, frame.address)
            .find_map(|stripped| self.index.find(stripped).map(|image| Place { image, stripped: Some(stripped) }))
    }

    /// The architecture an image's code runs as.
    pub(crate) fn arch(&self, image: &Image<'_>) -> Option<Arch> {
        image.arch.or(self.process_arch)
    }
}

struct Step<'s, 'r, 'a> {
    placer: &'s Placer<'r, 'a>,
    provider: &'s dyn SymbolProvider,
    names: &'s Names,
}

impl<'a> Step<'_, '_, 'a> {
    fn frames(&self, frames: &mut Vec<Frame<'a>>, summary: &mut Summary) {
        if frames.is_empty() {
            return;
        }
        let old = std::mem::take(frames);
        let mut out = Vec::with_capacity(old.len());
        // A report symbolicated before (by Apple, or by crashport) already
        // has a call's inlined frames before it: they are one physical
        // frame, looked up once, and replaced together.
        let mut group: Vec<Frame<'a>> = Vec::new();
        let mut physical = 0;
        for frame in old {
            let inlined = frame.inlined;
            group.push(frame);
            if !inlined {
                self.physical(&mut group, physical == 0, &mut out, summary);
                physical += 1;
            }
        }
        // Inlined frames without the frame they were inlined into.
        out.extend(group.drain(..).map(from_report));
        *frames = out;
    }

    fn physical(&self, group: &mut Vec<Frame<'a>>, first: bool, out: &mut Vec<Frame<'a>>, summary: &mut Summary) {
        summary.frames += 1;
        match self.resolve(group, first, summary) {
            Some(frames) => out.extend(frames),
            None => out.extend(group.drain(..).map(from_report)),
        }
        group.clear();
    }

    /// The frames replacing `group`, when a debug file names its address.
    fn resolve(&self, group: &[Frame<'a>], first: bool, summary: &mut Summary) -> Option<Vec<Frame<'a>>> {
        let outer = group.last()?;
        let place = self.placer.place(outer)?;
        let image = &self.placer.images[place.image];
        let uuid = image.uuid?;
        let arch = self.placer.arch(image);
        let address = place.stripped.unwrap_or(outer.address);
        let offset = address.checked_sub(image.start)?;
        let lookup = address::lookup_address(arch.unwrap_or(Arch::Unknown), address, first);
        // A return address at the image's very start has no call before it.
        let relative = lookup.checked_sub(image.start).unwrap_or(offset);
        let found = match self.provider.lookup(&ImageKey { uuid, arch }, relative) {
            Lookup::NoDebugFile => {
                summary.missing.insert(uuid);
                return None;
            }
            Lookup::Failed(error) => {
                if !summary.errors.iter().any(|e| Arc::ptr_eq(e, &error)) {
                    summary.errors.push(error);
                }
                return None;
            }
            Lookup::Found(found) if found.is_empty() => {
                summary.not_covered += 1;
                return None;
            }
            Lookup::Found(found) => found,
        };
        summary.symbolicated += 1;
        summary.inlined_added += found.len() - 1;
        if place.stripped.is_some() {
            summary.pointer_auth_stripped += 1;
        }
        let template = Frame {
            address: outer.address,
            image_name: outer.image_name.clone().or_else(|| image.name.clone()),
            image_index: Some(place.image),
            image_offset: outer.image_offset.or(place.stripped.map(|_| offset)),
            ..Frame::default()
        };
        let frames = found
            .into_iter()
            .map(|symbol| Frame {
                symbol: Some(Cow::Owned(self.names.get(&symbol.function).to_string())),
                // Apple gives the offset of the frame's own address into the
                // function it is in; an inlined call has no entry of its own.
                symbol_offset: match symbol.inlined {
                    true => None,
                    false => symbol.function_address.and_then(|start| offset.checked_sub(start)),
                },
                source: symbol.file.map(|path| SourceLocation {
                    file: Cow::Owned(file_name(&path).to_string()),
                    line: symbol.line,
                    column: None,
                }),
                inlined: symbol.inlined,
                symbol_origin: Some(SymbolOrigin::DebugFile),
                ..template.clone()
            })
            .collect();
        Some(frames)
    }
}

/// A frame kept as the report gave it; a name it has is the report's.
fn from_report(mut frame: Frame<'_>) -> Frame<'_> {
    if frame.symbol.is_some() && frame.symbol_origin.is_none() {
        frame.symbol_origin = Some(SymbolOrigin::Report);
    }
    frame
}

/// The last component of a path as DWARF records it (`/` on Apple
/// platforms; `\` too, for files built elsewhere), as reports name files.
fn file_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().filter(|name| !name.is_empty()).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::symbolicate::provider::{Located, SymbolFrame};
    use std::collections::HashMap;

    /// A provider answering from a table: (uuid, relative address) to frames.
    struct Table(HashMap<(Uuid, u64), Vec<SymbolFrame<'static>>>);

    impl SymbolProvider for Table {
        fn locate(&self, _: &ImageKey) -> Option<Located> {
            None
        }

        fn lookup(&self, image: &ImageKey, address: u64) -> Lookup<'_> {
            if !self.0.keys().any(|(uuid, _)| *uuid == image.uuid) {
                return Lookup::NoDebugFile;
            }
            Lookup::Found(self.0.get(&(image.uuid, address)).cloned().unwrap_or_default())
        }
    }

    fn symbol(name: &'static str, start: u64, line: u32, inlined: bool) -> SymbolFrame<'static> {
        SymbolFrame {
            function: Cow::Borrowed(name),
            function_address: Some(start),
            file: Some(Cow::Borrowed("/src/app/main.c")),
            line: Some(line),
            inlined,
        }
    }

    const APP: Uuid = Uuid::from_u128(0x4c4c4461_5555_3144_a125_54bed328bcd7);

    fn report() -> Report<'static> {
        let image = Image {
            start: 0x1000,
            end: 0x1fff,
            name: Some("App".into()),
            arch: Some(Arch::Arm64),
            version: None,
            bundle_id: None,
            uuid: Some(APP),
            path: None,
            marked_user: false,
        };
        let system = Image { start: 0x9000, end: 0x9fff, name: Some("libc".into()), uuid: None, ..image.clone() };
        let frame = |address| Frame { address, image_index: None, ..Frame::default() };
        Report {
            images: vec![image, system],
            threads: vec![crate::model::Thread {
                frames: vec![
                    frame(0x1010),
                    frame(0x1024),
                    Frame { symbol: Some("start".into()), symbol_offset: Some(8), ..frame(0x9010) },
                ],
                ..Default::default()
            }],
            ..Report::default()
        }
    }

    #[test]
    fn caller_frames_are_looked_up_in_their_call_and_inlined_calls_expand() {
        let table = Table(HashMap::from([
            ((APP, 0x10), vec![symbol("crash", 0x8, 3, false)]),
            // The return address 0x24 is looked up at 0x20 (arm64: one instruction back).
            ((APP, 0x20), vec![symbol("_ZN1a5checkEi", 0x1c, 7, true), symbol("caller", 0x18, 12, false)]),
        ]));
        let mut report = report();
        let summary = symbolicate(&mut report, &table, &Names::default());
        let frames = &report.threads[0].frames;
        let shown: Vec<_> = frames
            .iter()
            .map(|f| {
                (
                    f.symbol.as_deref(),
                    f.symbol_offset,
                    f.source.as_ref().and_then(|s| s.line),
                    f.inlined,
                    f.symbol_origin,
                )
            })
            .collect();
        use SymbolOrigin::*;
        assert_eq!(
            shown,
            [
                (Some("crash"), Some(8), Some(3), false, Some(DebugFile)),
                (Some("a::check(int)"), None, Some(7), true, Some(DebugFile)),
                (Some("caller"), Some(12), Some(12), false, Some(DebugFile)),
                (Some("start"), Some(8), None, false, Some(Report)),
            ]
        );
        assert_eq!(frames[1].address, 0x1024);
        assert_eq!(frames[1].source.as_ref().unwrap().file, "main.c");
        assert_eq!((summary.frames, summary.symbolicated, summary.inlined_added), (3, 2, 1));
    }

    #[test]
    fn symbolicating_twice_changes_nothing() {
        let table = Table(HashMap::from([
            ((APP, 0x10), vec![symbol("crash", 0x8, 3, false)]),
            ((APP, 0x20), vec![symbol("inner", 0x1c, 7, true), symbol("caller", 0x18, 12, false)]),
        ]));
        let mut report = report();
        symbolicate(&mut report, &table, &Names::default());
        let once = format!("{:?}", report.threads);
        symbolicate(&mut report, &table, &Names::default());
        assert_eq!(format!("{:?}", report.threads), once);
    }

    #[test]
    fn missing_debug_files_leave_frames_alone() {
        let mut report = report();
        let before = format!("{:?}", report.threads[0].frames[..2].to_vec());
        let summary = symbolicate(&mut report, &Table(HashMap::new()), &Names::default());
        assert_eq!(format!("{:?}", report.threads[0].frames[..2].to_vec()), before);
        assert_eq!(summary.missing, BTreeSet::from([APP]));
    }

    #[test]
    fn file_names() {
        assert_eq!(file_name("/Users/dev/Demo/src/demo.c"), "demo.c");
        assert_eq!(file_name("C:\\src\\a.cpp"), "a.cpp");
        assert_eq!(file_name("demo.c"), "demo.c");
        assert_eq!(file_name("/weird/"), "/weird/");
    }
}
