//! The shape of `.ips` JSON as serde types.
//!
//! Apple adds and drops keys between releases, and damaged files put a
//! string where a number belongs or a number where an object belongs. So
//! every field here is read leniently, in one pass: [`Scalar`] takes any JSON
//! value and remembers what it was; [`Obj`] and [`List`] take an object or an
//! array and record anything else as invalid instead of failing the report.
//! The reader turns each invalid value into a warning naming its JSON path.
//! Unknown keys are skipped. Strings borrow from the input when they hold no
//! escapes, so a typical report is read with few allocations.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::value::MapAccessDeserializer;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::limits::{ElementBudget, MAX_FRAMES, MAX_IMAGES, MAX_SMALL, MAX_THREADS};

/// Any JSON value where a scalar is expected, kept as what it was.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Scalar<'a> {
    /// The key was not there.
    #[default]
    Absent,
    /// `null`.
    Null,
    /// A string (borrowed when it had no escapes).
    Str(Cow<'a, str>),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// A number with a fraction or exponent.
    F64(f64),
    /// `true` / `false`.
    Bool(bool),
    /// An object or array where a scalar belongs (read and dropped).
    Other(&'static str),
}

impl<'a> Scalar<'a> {
    /// The value as text: strings as they are (None when blank), numbers written out.
    pub fn str(&self) -> Option<Cow<'a, str>> {
        match self {
            Scalar::Str(s) if !s.trim().is_empty() => Some(s.clone()),
            Scalar::U64(n) => Some(Cow::Owned(n.to_string())),
            Scalar::I64(n) => Some(Cow::Owned(n.to_string())),
            _ => None,
        }
    }

    /// The value as an unsigned integer: integers, integral floats, and
    /// strings of decimal or `0x` hex digits.
    pub fn u64(&self) -> Option<u64> {
        match self {
            Scalar::U64(n) => Some(*n),
            Scalar::F64(f) if f.fract() == 0.0 && *f >= 0.0 && *f < 1.8e19 => Some(*f as u64),
            Scalar::Str(s) => {
                let s = s.trim();
                crate::hex::parse_prefixed(s).or_else(|| s.parse().ok())
            }
            _ => None,
        }
    }

    /// The value as a signed integer.
    pub fn i64(&self) -> Option<i64> {
        match self {
            Scalar::I64(n) => Some(*n),
            _ => self.u64().and_then(|n| i64::try_from(n).ok()),
        }
    }

    /// The value as a boolean (`true`, `1`, `"true"`).
    pub fn bool(&self) -> Option<bool> {
        match self {
            Scalar::Bool(b) => Some(*b),
            Scalar::U64(0) => Some(false),
            Scalar::U64(1) => Some(true),
            Scalar::Str(s) if s == "true" => Some(true),
            Scalar::Str(s) if s == "false" => Some(false),
            _ => None,
        }
    }

    /// True when the key held something (not absent, not null).
    pub fn is_present(&self) -> bool {
        !matches!(self, Scalar::Absent | Scalar::Null)
    }

    /// What the JSON held, for messages.
    pub fn describe(&self) -> String {
        match self {
            Scalar::Absent => "nothing".into(),
            Scalar::Null => "null".into(),
            Scalar::Str(s) => format!("the string {}", crate::error::excerpt(s, 30)),
            Scalar::U64(n) => format!("the number {n}"),
            Scalar::I64(n) => format!("the number {n}"),
            Scalar::F64(n) => format!("the number {n}"),
            Scalar::Bool(b) => format!("{b}"),
            Scalar::Other(what) => (*what).into(),
        }
    }
}

/// Reads and drops the rest of an object or array.
fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

impl<'de: 'a, 'a> Deserialize<'de> for Scalar<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ScalarVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
            type Value = Scalar<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Scalar::Str(Cow::Owned(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Scalar::U64(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(if v >= 0 { Scalar::U64(v as u64) } else { Scalar::I64(v) })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Scalar::F64(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Scalar::Bool(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Scalar::Null)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map)?;
                Ok(Scalar::Other("an object"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                drain_seq(seq)?;
                Ok(Scalar::Other("an array"))
            }
        }
        deserializer.deserialize_any(ScalarVisitor(PhantomData))
    }
}

/// An object read as `T`, or a note of what stood in its place.
#[derive(Debug, Default)]
pub enum Obj<T> {
    /// The key was not there, or held `null`.
    #[default]
    Absent,
    /// The object.
    Ok(T),
    /// Something other than an object (named for messages).
    Invalid(&'static str),
}

impl<T> Obj<T> {
    /// The object, when there was one.
    pub fn get(&self) -> Option<&T> {
        match self {
            Obj::Ok(t) => Some(t),
            _ => None,
        }
    }

    /// True when there was an object.
    pub fn is_ok(&self) -> bool {
        matches!(self, Obj::Ok(_))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ObjVisitor(PlainSeed::<T>::default()))
    }
}

/// An object read by the seed `S`; anything else is noted as invalid.
struct ObjVisitor<S>(S);

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for ObjVisitor<S> {
    type Value = Obj<S::Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0.deserialize(MapAccessDeserializer::new(map)).map(Obj::Ok)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Obj::Absent)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Obj::Invalid("an array"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Obj::Invalid("a string"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Obj::Invalid("a number"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Obj::Invalid("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Obj::Invalid("a number"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Obj::Invalid("a boolean"))
    }
}

/// An array of at most `MAX` elements, or a note of what stood in its place.
///
/// The cap bounds the memory a hostile file can make the reader allocate;
/// no real report comes near it.
#[derive(Debug, Default)]
pub enum List<T, const MAX: usize> {
    /// The key was not there, or held `null`.
    #[default]
    Absent,
    /// The elements.
    Items(Vec<T>),
    /// Something other than an array.
    Invalid(&'static str),
}

impl<T, const MAX: usize> List<T, MAX> {
    /// The elements (none when absent or invalid).
    pub fn items(&self) -> &[T] {
        match self {
            List::Items(items) => items,
            _ => &[],
        }
    }

    /// Takes the elements out.
    pub fn into_items(self) -> Vec<T> {
        match self {
            List::Items(items) => items,
            _ => Vec::new(),
        }
    }

    /// True when there was an array.
    pub fn is_present(&self) -> bool {
        matches!(self, List::Items(_))
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for List<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ListVisitor::<PlainSeed<T>, MAX> { element: PlainSeed::default(), budget: None })
    }
}

/// An array whose elements `element` reads, counted against `budget` when
/// there is one; anything else is noted as invalid.
struct ListVisitor<'b, S, const MAX: usize> {
    element: S,
    budget: Option<&'b ElementBudget>,
}

impl<'de, S: DeserializeSeed<'de> + Clone, const MAX: usize> Visitor<'de> for ListVisitor<'_, S, MAX> {
    type Value = List<S::Value, MAX>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        // JSON gives no length; most lists here are frames, a few dozen long.
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(1024));
        while let Some(item) = seq.next_element_seed(self.element.clone())? {
            if items.len() == MAX {
                return Err(too_long::<A::Error>(MAX));
            }
            if let Some(budget) = self.budget
                && let Err(limit) = budget.take(1)
            {
                return Err(de::Error::custom(format!(
                    "at most {limit} threads, frames and images in all (no real report has more)"
                )));
            }
            items.push(item);
        }
        Ok(List::Items(items))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(List::Absent)
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map)?;
        Ok(List::Invalid("an object"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(List::Invalid("a string"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(List::Invalid("a number"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(List::Invalid("a number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(List::Invalid("a number"))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(List::Invalid("a boolean"))
    }
}

/// The one-line header before the body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Header<'a> {
    #[serde(borrow)]
    pub app_name: Scalar<'a>,
    #[serde(borrow)]
    pub name: Scalar<'a>,
    #[serde(borrow)]
    pub timestamp: Scalar<'a>,
    #[serde(borrow)]
    pub app_version: Scalar<'a>,
    #[serde(borrow)]
    pub build_version: Scalar<'a>,
    #[serde(borrow, rename = "bundleID")]
    pub bundle_id: Scalar<'a>,
    #[serde(borrow)]
    pub platform: Scalar<'a>,
    #[serde(borrow)]
    pub bug_type: Scalar<'a>,
    #[serde(borrow)]
    pub os_version: Scalar<'a>,
    #[serde(borrow)]
    pub incident_id: Scalar<'a>,
}

/// The body.
///
/// Read by [`BodySeed`] rather than a derived reader: its lists of threads,
/// frames and images count against the read's [`ElementBudget`], which
/// a derived reader has no way to be given. A key given twice keeps its
/// last value.
#[derive(Debug, Default)]
pub struct Body<'a> {
    pub bug_type: Scalar<'a>,
    pub proc_name: Scalar<'a>,
    pub pid: Scalar<'a>,
    pub proc_path: Scalar<'a>,
    pub proc_role: Scalar<'a>,
    pub parent_proc: Scalar<'a>,
    pub parent_pid: Scalar<'a>,
    pub responsible_proc: Scalar<'a>,
    pub coalition_name: Scalar<'a>,
    pub coalition_id: Scalar<'a>,
    pub user_id: Scalar<'a>,
    pub model_code: Scalar<'a>,
    pub cpu_type: Scalar<'a>,
    pub translated: Scalar<'a>,
    pub proc_launch: Scalar<'a>,
    pub capture_time: Scalar<'a>,
    pub incident: Scalar<'a>,
    pub crash_reporter_key: Scalar<'a>,
    pub baseband_version: Scalar<'a>,
    pub os_version: Obj<OsVersion<'a>>,
    pub bundle_info: Obj<BundleInfo<'a>>,
    pub exception: Obj<Exception<'a>>,
    pub termination: Obj<Termination<'a>>,
    pub is_corpse: Scalar<'a>,
    pub asi: Obj<OrderedMap<'a>>,
    pub asi_backtraces: List<Scalar<'a>, MAX_SMALL>,
    pub exception_reason: Obj<ExceptionReason<'a>>,
    pub ktriageinfo: Scalar<'a>,
    pub vm_region_info: Scalar<'a>,
    pub last_exception_backtrace: List<Obj<Frame<'a>>, MAX_FRAMES>,
    pub faulting_thread: Scalar<'a>,
    pub threads: List<Obj<Thread<'a>>, MAX_THREADS>,
    pub used_images: List<Obj<Image<'a>>, MAX_IMAGES>,
    // Keys that only other kinds of report have: they classify a body saved
    // without its header.
    pub memory_status: bool,
    pub largest_process: bool,
    pub panic_string: bool,
    pub process_by_pid: bool,
}

/// Reads a [`Body`], counting its threads, frames and images against `budget`.
pub struct BodySeed<'b> {
    /// The read's element budget.
    pub budget: &'b ElementBudget,
}

impl<'de> DeserializeSeed<'de> for BodySeed<'_> {
    type Value = Body<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Body<'de>, D::Error> {
        struct BodyVisitor<'b, 'a>(&'b ElementBudget, PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for BodyVisitor<'_, 'a> {
            type Value = Body<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Body<'a>, A::Error> {
                let budget = self.0;
                let mut b = Body::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match key.0.as_ref() {
                        "bug_type" => b.bug_type = map.next_value()?,
                        "procName" => b.proc_name = map.next_value()?,
                        "pid" => b.pid = map.next_value()?,
                        "procPath" => b.proc_path = map.next_value()?,
                        "procRole" => b.proc_role = map.next_value()?,
                        "parentProc" => b.parent_proc = map.next_value()?,
                        "parentPid" => b.parent_pid = map.next_value()?,
                        "responsibleProc" => b.responsible_proc = map.next_value()?,
                        "coalitionName" => b.coalition_name = map.next_value()?,
                        "coalitionID" => b.coalition_id = map.next_value()?,
                        "userID" => b.user_id = map.next_value()?,
                        "modelCode" => b.model_code = map.next_value()?,
                        "cpuType" => b.cpu_type = map.next_value()?,
                        "translated" => b.translated = map.next_value()?,
                        "procLaunch" => b.proc_launch = map.next_value()?,
                        "captureTime" => b.capture_time = map.next_value()?,
                        "incident" => b.incident = map.next_value()?,
                        "crashReporterKey" => b.crash_reporter_key = map.next_value()?,
                        "basebandVersion" => b.baseband_version = map.next_value()?,
                        "osVersion" => b.os_version = map.next_value()?,
                        "bundleInfo" => b.bundle_info = map.next_value()?,
                        "exception" => b.exception = map.next_value()?,
                        "termination" => b.termination = map.next_value()?,
                        "isCorpse" => b.is_corpse = map.next_value()?,
                        "asi" => b.asi = map.next_value()?,
                        "asiBacktraces" => b.asi_backtraces = map.next_value()?,
                        "exceptionReason" => b.exception_reason = map.next_value()?,
                        "ktriageinfo" => b.ktriageinfo = map.next_value()?,
                        "vmRegionInfo" => b.vm_region_info = map.next_value()?,
                        "lastExceptionBacktrace" => {
                            b.last_exception_backtrace =
                                map.next_value_seed(Counted::new(budget, ObjSeed(PlainSeed::default())))?
                        }
                        "faultingThread" => b.faulting_thread = map.next_value()?,
                        "threads" => {
                            b.threads = map.next_value_seed(Counted::new(budget, ObjSeed(ThreadSeed { budget })))?
                        }
                        "usedImages" => {
                            b.used_images = map.next_value_seed(Counted::new(budget, ObjSeed(PlainSeed::default())))?
                        }
                        other => {
                            map.next_value::<IgnoredAny>()?;
                            match other {
                                "memoryStatus" => b.memory_status = true,
                                "largestProcess" => b.largest_process = true,
                                "panicString" => b.panic_string = true,
                                "processByPid" => b.process_by_pid = true,
                                _ => {}
                            }
                        }
                    }
                }
                Ok(b)
            }
        }
        deserializer.deserialize_map(BodyVisitor::<'_, 'de>(self.budget, PhantomData))
    }
}

/// An object key, borrowed from the input unless it had escapes (serde's
/// own `Cow<str>` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for KeyVisitor<'a> {
            type Value = Key<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object key")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(KeyVisitor(PhantomData))
    }
}

/// The error for a list longer than any real report's.
fn too_long<E: de::Error>(max: usize) -> E {
    E::custom(format!("at most {max} elements (no real report has more)"))
}

/// Reads a value with its plain `Deserialize`, as a seed.
struct PlainSeed<T>(PhantomData<T>);

impl<T> Default for PlainSeed<T> {
    fn default() -> Self {
        PlainSeed(PhantomData)
    }
}

impl<T> Clone for PlainSeed<T> {
    fn clone(&self) -> Self {
        PlainSeed(PhantomData)
    }
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for PlainSeed<T> {
    type Value = T;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<T, D::Error> {
        T::deserialize(deserializer)
    }
}

/// [`Obj`] of what `S` reads.
#[derive(Clone)]
struct ObjSeed<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for ObjSeed<S> {
    type Value = Obj<S::Value>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(ObjVisitor(self.0))
    }
}

/// A list of at most `MAX` elements that count against the read's budget,
/// each read by `element`.
struct Counted<'b, S, const MAX: usize> {
    budget: &'b ElementBudget,
    element: S,
}

impl<'b, S, const MAX: usize> Counted<'b, S, MAX> {
    fn new(budget: &'b ElementBudget, element: S) -> Self {
        Counted { budget, element }
    }
}

impl<'de, S: DeserializeSeed<'de> + Clone, const MAX: usize> DeserializeSeed<'de> for Counted<'_, S, MAX> {
    type Value = List<S::Value, MAX>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(ListVisitor::<S, MAX> { element: self.element, budget: Some(self.budget) })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OsVersion<'a> {
    #[serde(borrow)]
    pub train: Scalar<'a>,
    #[serde(borrow)]
    pub build: Scalar<'a>,
    #[serde(borrow, rename = "releaseType")]
    pub release_type: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BundleInfo<'a> {
    #[serde(borrow, rename = "CFBundleShortVersionString")]
    pub short_version: Scalar<'a>,
    #[serde(borrow, rename = "CFBundleVersion")]
    pub bundle_version: Scalar<'a>,
    #[serde(borrow, rename = "CFBundleIdentifier")]
    pub identifier: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Exception<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Scalar<'a>,
    #[serde(borrow)]
    pub signal: Scalar<'a>,
    #[serde(borrow)]
    pub subtype: Scalar<'a>,
    #[serde(borrow)]
    pub codes: Scalar<'a>,
    #[serde(borrow, rename = "rawCodes")]
    pub raw_codes: List<Scalar<'a>, MAX_SMALL>,
    #[serde(borrow)]
    pub message: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Termination<'a> {
    #[serde(borrow)]
    pub code: Scalar<'a>,
    #[serde(borrow)]
    pub namespace: Scalar<'a>,
    #[serde(borrow)]
    pub indicator: Scalar<'a>,
    #[serde(borrow, rename = "byProc")]
    pub by_proc: Scalar<'a>,
    #[serde(borrow, rename = "byPid")]
    pub by_pid: Scalar<'a>,
    #[serde(borrow)]
    pub reasons: StrList<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExceptionReason<'a> {
    #[serde(borrow)]
    pub name: Scalar<'a>,
    #[serde(borrow)]
    pub composed_message: Scalar<'a>,
    #[serde(borrow)]
    pub reason: Scalar<'a>,
    #[serde(borrow)]
    pub class: Scalar<'a>,
}

/// One thread; read by [`ThreadSeed`] so that its frames count against the
/// read's budget.
#[derive(Debug, Default)]
pub struct Thread<'a> {
    pub id: Scalar<'a>,
    pub name: Scalar<'a>,
    pub queue: Scalar<'a>,
    pub triggered: Scalar<'a>,
    pub frames: List<Obj<Frame<'a>>, MAX_FRAMES>,
    pub thread_state: Obj<ThreadState<'a>>,
}

/// Reads a [`Thread`] counting its frames against `budget`.
#[derive(Clone, Copy)]
struct ThreadSeed<'b> {
    budget: &'b ElementBudget,
}

impl<'de> DeserializeSeed<'de> for ThreadSeed<'_> {
    type Value = Thread<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Thread<'de>, D::Error> {
        struct ThreadVisitor<'b, 'a>(&'b ElementBudget, PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ThreadVisitor<'_, 'a> {
            type Value = Thread<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a thread object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Thread<'a>, A::Error> {
                let mut t = Thread::default();
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    match key.0.as_ref() {
                        "id" => t.id = map.next_value()?,
                        "name" => t.name = map.next_value()?,
                        "queue" => t.queue = map.next_value()?,
                        "triggered" => t.triggered = map.next_value()?,
                        "frames" => {
                            t.frames = map.next_value_seed(Counted::new(self.0, ObjSeed(PlainSeed::default())))?
                        }
                        "threadState" => t.thread_state = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(t)
            }
        }
        deserializer.deserialize_map(ThreadVisitor::<'_, 'de>(self.budget, PhantomData))
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Frame<'a> {
    #[serde(borrow, rename = "imageOffset")]
    pub image_offset: Scalar<'a>,
    #[serde(borrow, rename = "imageIndex")]
    pub image_index: Scalar<'a>,
    #[serde(borrow)]
    pub symbol: Scalar<'a>,
    #[serde(borrow, rename = "symbolLocation")]
    pub symbol_location: Scalar<'a>,
    #[serde(borrow, rename = "sourceFile")]
    pub source_file: Scalar<'a>,
    #[serde(borrow, rename = "sourceLine")]
    pub source_line: Scalar<'a>,
    #[serde(borrow, rename = "sourceColumn")]
    pub source_column: Scalar<'a>,
    #[serde(borrow)]
    pub inline: Scalar<'a>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Image<'a> {
    #[serde(borrow)]
    pub arch: Scalar<'a>,
    #[serde(borrow)]
    pub base: Scalar<'a>,
    #[serde(borrow)]
    pub size: Scalar<'a>,
    #[serde(borrow)]
    pub uuid: Scalar<'a>,
    #[serde(borrow)]
    pub path: Scalar<'a>,
    #[serde(borrow)]
    pub name: Scalar<'a>,
    #[serde(borrow, rename = "CFBundleIdentifier")]
    pub bundle_id: Scalar<'a>,
    #[serde(borrow, rename = "CFBundleShortVersionString")]
    pub short_version: Scalar<'a>,
}

/// `threadState`: `flavor`, `x: [{value}]`, and named registers
/// `{value, description?, symbol?}`, with Rosetta's state nested under `rosetta`.
#[derive(Debug, Default)]
pub struct ThreadState<'a> {
    pub flavor: Scalar<'a>,
    pub x: Vec<RegisterValue<'a>>,
    pub named: Vec<(Cow<'a, str>, RegisterValue<'a>)>,
    pub rosetta: Option<Box<ThreadState<'a>>>,
}

/// No CPU has more registers than this.
const MAX_REGISTERS: usize = 256;

impl<'de: 'a, 'a> Deserialize<'de> for ThreadState<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StateVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for StateVisitor<'a> {
            type Value = ThreadState<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a thread state object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut state = ThreadState::default();
                while let Some(key) = map.next_key::<Scalar<'a>>()? {
                    let Scalar::Str(key) = key else {
                        map.next_value::<IgnoredAny>()?;
                        continue;
                    };
                    match key.as_ref() {
                        "flavor" => state.flavor = map.next_value()?,
                        "x" => state.x = map.next_value::<List<RegisterValue<'a>, MAX_REGISTERS>>()?.into_items(),
                        "rosetta" => {
                            if let Obj::Ok(inner) = map.next_value::<Obj<ThreadState<'a>>>()? {
                                state.rosetta = Some(Box::new(inner));
                            }
                        }
                        _ => {
                            let value: RegisterValue<'a> = map.next_value()?;
                            if value.value.is_some() && state.named.len() < MAX_REGISTERS {
                                state.named.push((key, value));
                            }
                        }
                    }
                }
                Ok(state)
            }
        }
        deserializer.deserialize_map(StateVisitor(PhantomData))
    }
}

/// One register: `{value, description?, symbol?}`. Anything else in its place
/// is read and ignored (value `None`).
#[derive(Debug, Default)]
pub struct RegisterValue<'a> {
    pub value: Option<u64>,
    pub description: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RegisterValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize, Default)]
        #[serde(default)]
        struct Raw<'a> {
            #[serde(borrow)]
            value: Scalar<'a>,
            #[serde(borrow)]
            description: Scalar<'a>,
        }
        Ok(match Obj::<Raw<'a>>::deserialize(deserializer)? {
            Obj::Ok(raw) => RegisterValue { value: raw.value.u64(), description: raw.description.str() },
            _ => RegisterValue::default(),
        })
    }
}

/// A JSON object of string lists (`asi`), keeping the file's order.
#[derive(Debug, Default)]
pub struct OrderedMap<'a>(pub Vec<(Cow<'a, str>, StrList<'a>)>);

impl<'de: 'a, 'a> Deserialize<'de> for OrderedMap<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for MapVisitor<'a> {
            type Value = OrderedMap<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((key, value)) = map.next_entry::<Scalar<'a>, StrList<'a>>()? {
                    if out.len() < MAX_SMALL {
                        out.push((key.str().unwrap_or(Cow::Borrowed("")), value));
                    }
                }
                Ok(OrderedMap(out))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A list of strings, or a single string where releases differ; anything
/// else reads as empty.
#[derive(Debug, Default)]
pub struct StrList<'a>(pub Vec<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for StrList<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ListVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ListVisitor<'a> {
            type Value = StrList<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or a list of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element::<Scalar<'a>>()? {
                    if let Some(s) = item.str().filter(|_| out.len() < MAX_SMALL) {
                        out.push(s);
                    }
                }
                Ok(StrList(out))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StrList(vec![Cow::Borrowed(v)]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StrList(vec![Cow::Owned(v.to_owned())]))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                drain_map(map)?;
                Ok(StrList::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(StrList::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(StrList::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(StrList::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(StrList::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(StrList::default())
            }
        }
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> serde_json::Deserializer<serde_json::de::StrRead<'_>> {
        serde_json::Deserializer::from_str(text)
    }

    #[test]
    fn budget_spans_every_list() {
        let budget = ElementBudget::new(3);
        let text = r#"{"threads": [{"frames": [{}, {}]}], "usedImages": [{}]}"#;
        let error = BodySeed { budget: &budget }.deserialize(&mut json(text)).unwrap_err();
        assert!(error.to_string().contains("at most 3 threads, frames and images"), "{error}");
        let budget = ElementBudget::new(4);
        assert!(BodySeed { budget: &budget }.deserialize(&mut json(text)).is_ok());
    }

    #[test]
    fn wrong_types_are_kept_as_what_they_were() {
        let frame: Frame<'_> =
            serde_json::from_str(r#"{"imageOffset": "0x10", "imageIndex": [1], "symbol": 7, "inline": "true"}"#)
                .unwrap();
        assert_eq!(frame.image_offset.u64(), Some(16));
        assert_eq!(frame.image_index, Scalar::Other("an array"));
        assert_eq!(frame.symbol.str().as_deref(), Some("7"));
        assert_eq!(frame.inline.bool(), Some(true));
        let budget = ElementBudget::new(100);
        let thread = ThreadSeed { budget: &budget }
            .deserialize(&mut json(r#"{"frames": [{"imageOffset": 1}, "junk", 3, null]}"#))
            .unwrap();
        let frames = thread.frames.items();
        assert!(frames[0].is_ok());
        assert!(matches!(frames[1], Obj::Invalid("a string")));
        assert!(matches!(frames[3], Obj::Absent));
        let body = BodySeed { budget: &budget }
            .deserialize(&mut json(r#"{"threads": {"a": 1}, "osVersion": "iOS"}"#))
            .unwrap();
        assert!(matches!(body.threads, List::Invalid("an object")));
        assert!(matches!(body.os_version, Obj::Invalid("a string")));
    }

    #[test]
    fn lists_are_capped() {
        let json = format!("{{\"rawCodes\": [{}]}}", vec!["1"; MAX_SMALL + 1].join(","));
        let err = serde_json::from_str::<Exception<'_>>(&json).unwrap_err();
        assert!(err.to_string().contains("at most 4096 elements"), "{err}");
    }

    #[test]
    fn strings_borrow() {
        let budget = ElementBudget::new(100);
        let body = BodySeed { budget: &budget }
            .deserialize(&mut json(r#"{"procName": "Sprocket", "procPath": "\/Applications"}"#))
            .unwrap();
        assert!(matches!(body.proc_name, Scalar::Str(Cow::Borrowed("Sprocket"))));
        assert!(matches!(body.proc_path, Scalar::Str(Cow::Owned(_))));
    }
}
