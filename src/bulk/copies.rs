//! The copies of one crash within a run.
//!
//! The same crash often arrives twice: the `.ips` a device wrote and the
//! `.crash` Xcode translated from it, or the `LocallySymbolicated/` and
//! `Unsymbolicated/` copies an `.xccrashpoint` holds. They carry one
//! incident identifier, so they are one crash id; sent twice, the second
//! is a duplicate at best. Before a run converts or sends anything, the
//! files are looked at once for their incident identifiers (their first
//! kilobytes only); where several files share one, each is read in full
//! and the richest is kept: one that converts over one that does not, then
//! the one with the most named frames (a symbolicated copy), then the first
//! in walk order. The others are reported as duplicates of it.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use super::convert::Options;
use super::load::{load, load_head};
use super::ordered::run_ordered;
use super::walk::{InputFile, WalkError};
use crate::model::Parsed;
use crate::read::Input;
use crate::read::identity::{FIRST_LOOK, SEARCH_BYTES, incident_id, may_follow};

/// Which inputs of a run are duplicates, and of what.
#[derive(Debug, Default)]
pub struct Copies {
    /// Walk index of a duplicate → the path of the copy kept.
    duplicates: HashMap<usize, PathBuf>,
}

impl Copies {
    /// The kept copy, when the input at `index` (in walk order) is a
    /// duplicate of it.
    pub fn duplicate_of(&self, index: usize) -> Option<&Path> {
        self.duplicates.get(&index).map(PathBuf::as_path)
    }

    /// How many inputs are duplicates.
    pub fn len(&self) -> usize {
        self.duplicates.len()
    }

    /// True when no input is a duplicate.
    pub fn is_empty(&self) -> bool {
        self.duplicates.is_empty()
    }
}

/// Finds the copies of one crash among `inputs` (a walk's, whose indexes
/// [`Copies::duplicate_of`] takes), with `jobs` threads.
pub fn find(inputs: &[Result<InputFile, WalkError>], options: &Options, jobs: usize) -> Copies {
    let mut by_id: HashMap<uuid::Uuid, Vec<(usize, &InputFile)>> = HashMap::new();
    run_ordered(
        inputs,
        jobs,
        jobs * 16,
        |item| {
            let input = item.as_ref().ok()?;
            let head = load_head(&input.source, FIRST_LOOK)?;
            let id = match incident_id(&head) {
                Some(id) => id,
                None if head.len() == FIRST_LOOK && may_follow(&head) => {
                    incident_id(&load_head(&input.source, SEARCH_BYTES)?)?
                }
                None => return None,
            };
            Some((id, input))
        },
        |index, found| {
            if let Some((id, input)) = found {
                by_id.entry(id).or_default().push((index, input));
            }
            ControlFlow::Continue(())
        },
    );
    let mut copies = Copies::default();
    for group in by_id.into_values().filter(|group| group.len() > 1) {
        let richness: Vec<(bool, usize)> = group.iter().map(|(_, input)| richness(input, options)).collect();
        // The first of the richest, in walk order (the group is in walk order).
        let best = (0..group.len()).rev().max_by_key(|&i| richness[i]).unwrap_or(0);
        let kept = group[best].1.path.clone();
        for (i, (index, _)) in group.iter().enumerate() {
            if i != best {
                copies.duplicates.insert(*index, kept.clone());
            }
        }
    }
    copies
}

/// (reads as a crash, frames with a name): what makes one copy richer
/// than another.
fn richness(input: &InputFile, options: &Options) -> (bool, usize) {
    let Ok(bytes) = load(&input.source, &options.limits, options.memory_map) else { return (false, 0) };
    let Ok(text) = Input::with_limits(&bytes, options.limits) else { return (false, 0) };
    match text.parse() {
        Ok(Parsed::Crash(report)) => {
            let named = report.threads.iter().flat_map(|t| &t.frames).filter(|f| f.symbol.is_some()).count();
            (true, named)
        }
        _ => (false, 0),
    }
}
