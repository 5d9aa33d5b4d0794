//! Symbols behind one small interface, [`SymbolProvider`]: what is known of
//! an address in an image. [`DebugFiles`] answers from the debug files of a
//! [`DebugFileIndex`]; tests answer from a table.
//!
//! [`DebugFiles`] turns each debug file into a symcache (symbolic's compact
//! lookup table: functions, files, lines, inlining) the first time an
//! address of its UUID is asked for, once however many threads ask at the
//! same moment, and keeps it for the run. With a symcache folder, a
//! symcache built in one run is read back by the next.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::ops::Range;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use memmap2::Mmap;
use symbolic_common::{Arch, CpuFamily};
use symbolic_common::{clean_path, join_path};
use symbolic_debuginfo::Symbol;
use symbolic_debuginfo::macho::MachObject;
use symbolic_symcache::transform::{SourceLocation, Transformer};
use symbolic_symcache::{SYMCACHE_VERSION, SymCache, SymCacheConverter};
use uuid::Uuid;

use super::error::{Chain, DebugFileError, DebugFilePath};
use super::index::{DebugFileIndex, DebugFileInfo, SliceId};
use super::macho::{DebugFileKind, slice_prefix};

/// The image an address is asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ImageKey {
    /// The image's LC_UUID, as the report gives it.
    pub uuid: Uuid,
    /// The architecture its code runs as, when known: a preference among
    /// debug files that share a UUID, never a requirement.
    pub arch: Option<Arch>,
}

/// One function at an address, innermost first when calls were inlined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SymbolFrame<'p> {
    /// The name as the debug file holds it (mangled for Swift and C++).
    pub function: Cow<'p, str>,
    /// The function's first address, relative to the image's load address
    /// (for an inlined call: where the inlined code starts).
    pub function_address: Option<u64>,
    /// The source file, as the debug file records it (usually a full path).
    pub file: Option<Cow<'p, str>>,
    /// The source line; `None` when unknown.
    pub line: Option<u32>,
    /// True when this function's code was inlined into the next frame's.
    pub inlined: bool,
}

/// What a provider knows of an address.
#[derive(Debug)]
pub enum Lookup<'p> {
    /// No debug file has the image's UUID.
    NoDebugFile,
    /// The image's debug file could not be read (the error names it).
    Failed(Arc<DebugFileError>),
    /// The functions at the address, innermost first; empty when the debug
    /// file covers no function there.
    Found(Vec<SymbolFrame<'p>>),
}

/// The debug file a provider would answer an image's addresses from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// The file (with its slice for a fat file), for people.
    pub path: String,
    /// Its architecture.
    #[serde(serialize_with = "crate::model::arch::serialize")]
    pub arch: Arch,
    /// What kind of file it is.
    pub kind: DebugFileKind,
    /// True when it holds DWARF (files, lines, inlining), false for names only.
    pub has_dwarf: bool,
}

/// A source of symbols: what is known of an address in an image.
///
/// Addresses are relative to the image's load address (the report's
/// Binary Images start, or `.ips` `imageOffset`), which is the debug file's
/// `__TEXT` vmaddr. Implementations are shared by the threads symbolicating
/// reports in parallel.
pub trait SymbolProvider: Sync {
    /// The debug file an image's addresses would be looked up in.
    fn locate(&self, image: &ImageKey) -> Option<Located>;

    /// The functions at `address` (relative to the image), innermost first.
    fn lookup(&self, image: &ImageKey, address: u64) -> Lookup<'_>;
}

/// The symbol provider over debug files found on disk.
pub struct DebugFiles {
    index: DebugFileIndex,
    /// For each UUID: the sources for any architecture first, then those
    /// for each CPU family its slices have.
    sources: HashMap<Uuid, Vec<Sources>>,
    symcache_dir: Option<PathBuf>,
    /// One symcache per slice that is ever the main source of a UUID,
    /// built on first use.
    caches: Vec<OnceLock<Result<CacheBytes, Arc<DebugFileError>>>>,
    /// How many times each mapped file was parsed into a symcache.
    parses: Vec<AtomicUsize>,
    cache_reads: AtomicUsize,
    cache_errors: Mutex<Vec<DebugFileError>>,
}

/// Which slices answer for a UUID.
struct Sources {
    family: CpuFamily,
    /// The slice looked up in (DWARF first, then a symbol table).
    primary: SliceId,
    /// An executable or library lending its symbol table to a dSYM.
    symbols: Option<SliceId>,
}

enum CacheBytes {
    Built(Vec<u8>),
    Mapped(Mmap),
}

impl CacheBytes {
    fn bytes(&self) -> &[u8] {
        match self {
            CacheBytes::Built(bytes) => bytes,
            CacheBytes::Mapped(map) => map,
        }
    }
}

/// Bumped whenever crashport changes what it puts into a symcache, so a
/// symcache folder never serves one made by an older crashport.
const CACHE_FORMAT: u32 = 1;

impl DebugFiles {
    /// A provider over `index`; with `symcache_dir`, symcaches are read from
    /// and written to that folder (created when missing), named by UUID,
    /// architecture, symcache version and sources.
    pub fn new(index: DebugFileIndex, symcache_dir: Option<PathBuf>) -> DebugFiles {
        let caches = (0..index.len()).map(|_| OnceLock::new()).collect();
        let parses = (0..index.file_count()).map(|_| AtomicUsize::new(0)).collect();
        DebugFiles {
            sources: sources(&index),
            index,
            symcache_dir,
            caches,
            parses,
            cache_reads: AtomicUsize::new(0),
            cache_errors: Mutex::new(Vec::new()),
        }
    }

    /// Finds and indexes the debug files under `paths` (see
    /// [`DebugFileIndex::build`]) and makes a provider over them.
    pub fn open(paths: &[PathBuf], symcache_dir: Option<PathBuf>) -> DebugFiles {
        DebugFiles::new(DebugFileIndex::build(paths), symcache_dir)
    }

    /// The index the provider answers from (its errors name the files that
    /// could not be used).
    pub fn index(&self) -> &DebugFileIndex {
        &self.index
    }

    /// How many times the debug file at `path` was parsed into a symcache:
    /// at most once a run for each UUID it holds, and zero when the symcache
    /// folder had it.
    pub fn parse_count(&self, path: &DebugFilePath) -> usize {
        (0..self.index.file_count())
            .filter(|&file| self.index.file_path(file) == path)
            .map(|file| self.parses[file].load(Ordering::Relaxed))
            .sum()
    }

    /// Parses of all debug files together.
    pub fn total_parses(&self) -> usize {
        self.parses.iter().map(|p| p.load(Ordering::Relaxed)).sum()
    }

    /// How many symcaches were read from the symcache folder.
    pub fn symcache_reads(&self) -> usize {
        self.cache_reads.load(Ordering::Relaxed)
    }

    /// Symcaches that could not be written to the symcache folder, each
    /// naming its file. Symbolication went on from the debug files.
    pub fn symcache_errors(&self) -> Vec<String> {
        match self.cache_errors.lock() {
            Ok(errors) => errors.iter().map(ToString::to_string).collect(),
            Err(poisoned) => poisoned.into_inner().iter().map(ToString::to_string).collect(),
        }
    }

    /// The slice answering for an image, and the slice lending its symbol
    /// table (worked out once, in [`sources`]).
    fn choose(&self, image: &ImageKey) -> Option<(SliceId, Option<SliceId>)> {
        let sources = self.sources.get(&image.uuid)?;
        // Matching is by UUID; the architecture only orders candidates, so a
        // Rosetta report's x86_64 image finds the x86_64 slice first.
        let family = image.arch.map(Arch::cpu_family);
        let source = sources.iter().skip(1).find(|s| Some(s.family) == family).or(sources.first())?;
        Some((source.primary, source.symbols))
    }

    fn symcache(&self, primary: SliceId, symbols: Option<SliceId>) -> Result<&[u8], Arc<DebugFileError>> {
        let cache = self.caches[primary].get_or_init(|| self.load(primary, symbols).map_err(Arc::new));
        match cache {
            Ok(bytes) => Ok(bytes.bytes()),
            Err(error) => Err(Arc::clone(error)),
        }
    }

    fn load(&self, primary: SliceId, symbols: Option<SliceId>) -> Result<CacheBytes, DebugFileError> {
        let info = self.index.info(primary);
        let cache_path = self.symcache_dir.as_ref().map(|dir| dir.join(cache_name(&info, symbols.is_some())));
        if let Some(path) = &cache_path
            && let Some(map) = self.read_cached(path, info.uuid)
        {
            self.cache_reads.fetch_add(1, Ordering::Relaxed);
            return Ok(CacheBytes::Mapped(map));
        }
        let built = self.build(primary, symbols)?;
        if let Some(path) = &cache_path
            && let Err(e) = write_cached(path, &built)
        {
            self.note_cache_error(DebugFileError::Unwritable { path: DebugFilePath::file(path), source: e });
        }
        Ok(CacheBytes::Built(built))
    }

    /// A symcache from the folder, when one is there for this UUID and
    /// reads as the current version.
    fn read_cached(&self, path: &Path, uuid: Uuid) -> Option<Mmap> {
        let file = File::open(path).ok()?;
        // SAFETY: crashport writes these files whole and renames them into
        // place; they are never written in place (see `write_cached`).
        let map = unsafe { Mmap::map(&file) }.ok()?;
        match SymCache::parse(&map) {
            Ok(cache) if cache.is_latest() && cache.debug_id().uuid() == uuid => Some(map),
            _ => None,
        }
    }

    fn note_cache_error(&self, error: DebugFileError) {
        match self.cache_errors.lock() {
            Ok(mut errors) => errors.push(error),
            Err(poisoned) => poisoned.into_inner().push(error),
        }
    }

    /// Parses the debug file into a symcache.
    fn build(&self, primary: SliceId, symbols: Option<SliceId>) -> Result<Vec<u8>, DebugFileError> {
        let info = self.index.info(primary);
        self.parses[self.index.file_of(primary)].fetch_add(1, Ordering::Relaxed);
        if let Some(id) = symbols {
            self.parses[self.index.file_of(id)].fetch_add(1, Ordering::Relaxed);
        }
        let data = self.index.bytes(primary);
        let lender = symbols.map(|id| self.index.bytes(id));
        // symbolic and gimli read hostile DWARF without panicking as far as
        // crashport's tests and their fuzzing reach; should one still panic,
        // that debug file fails and the run goes on.
        panic::catch_unwind(AssertUnwindSafe(|| convert(&info, data, lender))).unwrap_or_else(|payload| {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "a panic".to_string());
            Err(DebugFileError::malformed(
                info.path,
                format!("{}debug information symbolic can read", slice_prefix(info.slice)),
                format!("a panic in the reader: {message}"),
            ))
        })
    }
}

impl SymbolProvider for DebugFiles {
    fn locate(&self, image: &ImageKey) -> Option<Located> {
        let (primary, _) = self.choose(image)?;
        let info = self.index.info(primary);
        Some(Located { path: info.to_string(), arch: info.arch, kind: info.kind, has_dwarf: info.has_dwarf })
    }

    fn lookup(&self, image: &ImageKey, address: u64) -> Lookup<'_> {
        let Some((primary, symbols)) = self.choose(image) else {
            return Lookup::NoDebugFile;
        };
        let bytes = match self.symcache(primary, symbols) {
            Ok(bytes) => bytes,
            Err(error) => return Lookup::Failed(error),
        };
        // Parsing a symcache only checks its header and slices its tables:
        // cheaper than keeping a parsed one beside the bytes it borrows.
        let Ok(cache) = SymCache::parse(bytes) else {
            return Lookup::Found(Vec::new());
        };
        let mut frames = Vec::new();
        let mut locations = cache.lookup(address).peekable();
        while let Some(location) = locations.next() {
            let function = location.function();
            let name = function.name();
            if name.is_empty() || name == "?" {
                continue;
            }
            frames.push(SymbolFrame {
                function: Cow::Borrowed(name),
                function_address: (function.entry_pc() != u32::MAX).then(|| u64::from(function.entry_pc())),
                file: location.file().map(|file| file.full_path()).filter(|f| !f.is_empty()).map(Cow::Owned),
                line: Some(location.line()).filter(|&line| line != 0),
                // Innermost first: every location but the last was inlined into the next.
                inlined: locations.peek().is_some(),
            });
        }
        Lookup::Found(frames)
    }
}

/// The sources of every UUID of `index`: for any architecture, then for
/// each CPU family among its slices.
fn sources(index: &DebugFileIndex) -> HashMap<Uuid, Vec<Sources>> {
    let rank = |id: SliceId| {
        let info = index.info(id);
        match (info.has_dwarf, info.kind == DebugFileKind::Dsym, info.has_symbols) {
            (true, true, _) => 0,
            (true, false, _) => 1,
            (false, _, true) => 2,
            _ => 3,
        }
    };
    let family = |id: SliceId| index.info(id).arch.cpu_family();
    let pick = |ids: &[SliceId], candidates: &mut dyn Iterator<Item = SliceId>| {
        let primary = candidates.min_by_key(|&id| (rank(id), id))?;
        let symbols = ids.iter().copied().find(|&id| {
            let info = index.info(id);
            id != primary
                && info.has_symbols
                && matches!(info.kind, DebugFileKind::Executable | DebugFileKind::Library)
                && family(id) == family(primary)
        });
        Some(Sources { family: family(primary), primary, symbols })
    };
    let mut out = HashMap::new();
    for info in index.debug_files() {
        if out.contains_key(&info.uuid) {
            continue;
        }
        let ids = index.slice_ids(info.uuid);
        let mut list: Vec<Sources> = pick(ids, &mut ids.iter().copied()).into_iter().collect();
        let mut families: Vec<CpuFamily> = Vec::new();
        for &id in ids {
            if !families.contains(&family(id)) {
                families.push(family(id));
            }
        }
        for f in families {
            list.extend(pick(ids, &mut ids.iter().copied().filter(|&id| family(id) == f)));
        }
        out.insert(info.uuid, list);
    }
    out
}

/// `<uuid>-<arch>-v<symcache version>.<crashport's>-<sources>.symcache`:
/// everything that changes what the symcache holds.
fn cache_name(info: &DebugFileInfo<'_>, lent_symbols: bool) -> String {
    let sources = match (info.has_dwarf, lent_symbols) {
        (true, true) => "dwarf+symtab",
        (true, false) => "dwarf",
        (false, true) => "symtab+symtab",
        (false, false) => "symtab",
    };
    format!("{}-{}-v{SYMCACHE_VERSION}.{CACHE_FORMAT}-{sources}.symcache", info.uuid.simple(), info.arch)
}

fn write_cached(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Written beside its final name and renamed into place: a reader never
    // sees half a symcache, and two runs writing the same one both succeed.
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Reads one slice into a symcache: its DWARF functions (with lines and
/// inlined calls), then its symbol table and the lender's, which name what
/// has no DWARF (functions built without `-g`).
fn convert(info: &DebugFileInfo<'_>, data: &[u8], lender: Option<&[u8]>) -> Result<Vec<u8>, DebugFileError> {
    let object = MachObject::parse(data).map_err(|e| {
        let expected = format!("{}a Mach-O header and load commands", slice_prefix(info.slice));
        DebugFileError::malformed(info.path, expected, Chain(&e))
    })?;
    let mut converter = SymCacheConverter::new();
    converter.add_transformer(FullPaths);
    converter.set_arch(object.arch());
    converter.set_debug_id(object.debug_id());
    if object.has_debug_info() {
        let dwarf = |e: &(dyn std::error::Error + 'static)| {
            DebugFileError::malformed(info.path, format!("{}readable DWARF", slice_prefix(info.slice)), Chain(e))
        };
        let session = object.debug_session().map_err(|e| dwarf(&e))?;
        for function in session.functions() {
            let function = function.map_err(|e| dwarf(&e))?;
            converter.process_symbolic_function(&function);
        }
    }
    add_symbols(&mut converter, &object, data);
    // The lender is only a help: a damaged executable beside a good dSYM
    // costs its names, not the dSYM's answers.
    if let Some(lender_data) = lender
        && let Ok(lender) = MachObject::parse(lender_data)
        && lender.load_address() == object.load_address()
    {
        add_symbols(&mut converter, &lender, lender_data);
    }
    let mut out = Vec::new();
    converter.serialize(&mut out).map_err(|e| DebugFileError::unreadable(info.path, e))?;
    Ok(out)
}

/// Stores each source file as its full path alone. A symcache keeps a
/// file as compilation folder, folder and name, joined and cleaned again at
/// every lookup; joined once here, a lookup only copies it.
struct FullPaths;

impl Transformer for FullPaths {
    fn transform_source_location<'f>(&'f mut self, mut location: SourceLocation<'f>) -> SourceLocation<'f> {
        let file = &mut location.file;
        let prefix =
            join_path(file.comp_dir.as_deref().unwrap_or_default(), file.directory.as_deref().unwrap_or_default());
        file.name = Cow::Owned(clean_path(&join_path(&prefix, &file.name)).into_owned());
        file.directory = None;
        file.comp_dir = None;
        location
    }
}

/// Adds the symbol table's functions. Each ends at the next symbol or at
/// the end of its section (`__text`, `__stubs`), so an address past the last
/// function (in the stubs) is not taken for it.
fn add_symbols(converter: &mut SymCacheConverter<'_>, object: &MachObject<'_>, data: &[u8]) {
    let mut symbols: Vec<Symbol<'_>> = object.symbols().collect();
    symbols.sort_by_key(|s| s.address);
    symbols.dedup_by_key(|s| s.address);
    let sections = code_sections(data, object.load_address());
    for n in 0..symbols.len() {
        let start = symbols[n].address;
        let next = symbols.get(n + 1).map(|s| s.address);
        let section_end = sections.iter().find(|r| r.contains(&start)).map(|r| r.end);
        let end = match (next, section_end) {
            (Some(next), Some(end)) => next.min(end),
            (Some(next), None) => next,
            (None, Some(end)) => end,
            // The last symbol outside any code section: its extent is unknown.
            (None, None) => start,
        };
        let symbol = Symbol { name: symbols[n].name.clone(), address: start, size: end.saturating_sub(start) };
        converter.process_symbolic_symbol(&symbol);
    }
}

/// The `__TEXT` code sections' address ranges, relative to `vmaddr`.
fn code_sections(data: &[u8], vmaddr: u64) -> Vec<Range<u64>> {
    let Ok(macho) = goblin::mach::MachO::parse(data, 0) else {
        return Vec::new();
    };
    let mut ranges = Vec::new();
    for segment in macho.segments.iter().filter(|s| s.name().ok() == Some("__TEXT")) {
        // Section headers are read without their data: a dSYM's sections
        // are headers only.
        for (section, _) in segment.into_iter().flatten() {
            if matches!(section.name(), Ok("__text" | "__stubs"))
                && let Some(start) = section.addr.checked_sub(vmaddr)
                && let Some(end) = start.checked_add(section.size)
            {
                ranges.push(start..end);
            }
        }
    }
    ranges
}
