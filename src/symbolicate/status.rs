//! Which debug files a report needs, and which of them were found (the
//! `crashport dsyms` command).

use serde::Serialize;
use symbolic_common::Arch;
use uuid::Uuid;

use super::frames::Placer;
use super::provider::{ImageKey, Located, SymbolProvider};
use crate::model::Report;

/// One image a report needs a debug file for.
#[derive(Debug, Clone, Serialize)]
pub struct ImageStatus {
    /// Its position in the report's images.
    pub index: usize,
    /// Its name (`Demo`, `libsystem_kernel.dylib`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its UUID; an image without one cannot be matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uuid: Option<Uuid>,
    /// Its architecture (the process's, when the image line gives none).
    #[serde(serialize_with = "crate::model::arch::serialize_opt", skip_serializing_if = "Option::is_none")]
    pub arch: Option<Arch>,
    /// True for the app's own images (the executable and what its bundle holds).
    pub app: bool,
    /// How many frames of all threads (and the Last Exception Backtrace) lie in it.
    pub frames: usize,
    /// How many frames of the crashed thread lie in it.
    pub crashed_thread_frames: usize,
    /// The debug file found for it, or `None`: missing.
    pub debug_file: Option<Located>,
}

/// The images of one report that a debug file would name frames in.
#[derive(Debug, Clone, Serialize)]
pub struct ReportStatus {
    /// Every image a frame lies in, and the app's own images, in report order.
    pub images: Vec<ImageStatus>,
}

impl ReportStatus {
    /// The images without a debug file.
    pub fn missing(&self) -> impl Iterator<Item = &ImageStatus> {
        self.images.iter().filter(|i| i.debug_file.is_none())
    }

    /// True when an image of the app with a frame in the crashed thread has
    /// no debug file: the crash itself would stay unnamed.
    pub fn crashed_app_image_missing(&self) -> bool {
        self.images.iter().any(|i| i.app && i.crashed_thread_frames > 0 && i.debug_file.is_none())
    }
}

/// The images of `report` that frames lie in, plus the app's own images,
/// each with the debug file `provider` would use or `None`.
pub fn status(report: &Report<'_>, provider: &dyn SymbolProvider) -> ReportStatus {
    let placer = Placer::new(&report.images, report.code_type.map(|c| c.arch));
    let mut frames = vec![0usize; report.images.len()];
    let mut crashed = vec![0usize; report.images.len()];
    let crashed_thread = report.crashed_thread().map(|t| t.number);
    let leb = report.last_exception_backtrace.iter().flatten();
    let thread_frames = report.threads.iter().flat_map(|t| t.frames.iter().map(move |f| (Some(t.number), f)));
    for (thread, frame) in thread_frames.chain(leb.map(|f| (None, f))) {
        // Inlined frames share their caller's address: count it once.
        if frame.inlined {
            continue;
        }
        if let Some(place) = placer.place(frame) {
            frames[place.image] += 1;
            if thread.is_some() && thread == crashed_thread {
                crashed[place.image] += 1;
            }
        }
    }
    let app = report.app_images();
    let images = report
        .images
        .iter()
        .enumerate()
        .filter(|(n, image)| !image.is_placeholder() && (frames[*n] > 0 || app[*n]))
        .map(|(n, image)| {
            let arch = placer.arch(image);
            ImageStatus {
                index: n,
                name: image.name.as_deref().map(str::to_string),
                uuid: image.uuid,
                arch,
                app: app[n],
                frames: frames[n],
                crashed_thread_frames: crashed[n],
                debug_file: image.uuid.and_then(|uuid| provider.locate(&ImageKey { uuid, arch })),
            }
        })
        .collect();
    ReportStatus { images }
}
