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
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

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
                match s.strip_prefix("0x") {
                    Some(hex) => u64::from_str_radix(hex, 16).ok(),
                    None => s.parse().ok(),
                }
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
        struct ObjVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjVisitor<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj::Ok)
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
        deserializer.deserialize_any(ObjVisitor(PhantomData))
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
        struct ListVisitor<T, const MAX: usize>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const MAX: usize> Visitor<'de> for ListVisitor<T, MAX> {
            type Value = List<T, MAX>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                // JSON gives no length; most lists here are frames, a few dozen long.
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(16).min(1024));
                while let Some(item) = seq.next_element()? {
                    if items.len() == MAX {
                        return Err(de::Error::custom(format!("at most {MAX} elements (no real report has more)")));
                    }
                    if let Err(limit) = ElementBudget::take() {
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
        deserializer.deserialize_any(ListVisitor::<T, MAX>(PhantomData))
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
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Body<'a> {
    #[serde(borrow)]
    pub bug_type: Scalar<'a>,
    #[serde(borrow, rename = "procName")]
    pub proc_name: Scalar<'a>,
    #[serde(borrow)]
    pub pid: Scalar<'a>,
    #[serde(borrow, rename = "procPath")]
    pub proc_path: Scalar<'a>,
    #[serde(borrow, rename = "procRole")]
    pub proc_role: Scalar<'a>,
    #[serde(borrow, rename = "parentProc")]
    pub parent_proc: Scalar<'a>,
    #[serde(borrow, rename = "parentPid")]
    pub parent_pid: Scalar<'a>,
    #[serde(borrow, rename = "responsibleProc")]
    pub responsible_proc: Scalar<'a>,
    #[serde(borrow, rename = "coalitionName")]
    pub coalition_name: Scalar<'a>,
    #[serde(borrow, rename = "userID")]
    pub user_id: Scalar<'a>,
    #[serde(borrow, rename = "modelCode")]
    pub model_code: Scalar<'a>,
    #[serde(borrow, rename = "cpuType")]
    pub cpu_type: Scalar<'a>,
    #[serde(borrow)]
    pub translated: Scalar<'a>,
    #[serde(borrow, rename = "procLaunch")]
    pub proc_launch: Scalar<'a>,
    #[serde(borrow, rename = "captureTime")]
    pub capture_time: Scalar<'a>,
    #[serde(borrow)]
    pub incident: Scalar<'a>,
    #[serde(borrow, rename = "crashReporterKey")]
    pub crash_reporter_key: Scalar<'a>,
    #[serde(borrow, rename = "osVersion")]
    pub os_version: Obj<OsVersion<'a>>,
    #[serde(borrow, rename = "bundleInfo")]
    pub bundle_info: Obj<BundleInfo<'a>>,
    #[serde(borrow)]
    pub exception: Obj<Exception<'a>>,
    #[serde(borrow)]
    pub termination: Obj<Termination<'a>>,
    #[serde(borrow)]
    pub asi: Obj<OrderedMap<'a>>,
    #[serde(borrow, rename = "asiBacktraces")]
    pub asi_backtraces: List<Scalar<'a>, MAX_SMALL>,
    #[serde(borrow, rename = "exceptionReason")]
    pub exception_reason: Obj<ExceptionReason<'a>>,
    #[serde(borrow)]
    pub ktriageinfo: Scalar<'a>,
    #[serde(borrow, rename = "vmRegionInfo")]
    pub vm_region_info: Scalar<'a>,
    #[serde(borrow, rename = "lastExceptionBacktrace")]
    pub last_exception_backtrace: List<Obj<Frame<'a>>, MAX_FRAMES>,
    #[serde(borrow, rename = "faultingThread")]
    pub faulting_thread: Scalar<'a>,
    #[serde(borrow)]
    pub threads: List<Obj<Thread<'a>>, MAX_THREADS>,
    #[serde(borrow, rename = "usedImages")]
    pub used_images: List<Obj<Image<'a>>, MAX_IMAGES>,
    // Keys that only other kinds of report have: they classify a body saved
    // without its header.
    #[serde(rename = "memoryStatus")]
    pub memory_status: Option<IgnoredAny>,
    #[serde(rename = "largestProcess")]
    pub largest_process: Option<IgnoredAny>,
    #[serde(rename = "panicString")]
    pub panic_string: Option<IgnoredAny>,
    #[serde(rename = "processByPid")]
    pub process_by_pid: Option<IgnoredAny>,
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

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Thread<'a> {
    #[serde(borrow)]
    pub id: Scalar<'a>,
    #[serde(borrow)]
    pub name: Scalar<'a>,
    #[serde(borrow)]
    pub queue: Scalar<'a>,
    #[serde(borrow)]
    pub triggered: Scalar<'a>,
    #[serde(borrow)]
    pub frames: List<Obj<Frame<'a>>, MAX_FRAMES>,
    #[serde(borrow, rename = "threadState")]
    pub thread_state: Obj<ThreadState<'a>>,
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

    #[test]
    fn wrong_types_are_kept_as_what_they_were() {
        let frame: Frame<'_> =
            serde_json::from_str(r#"{"imageOffset": "0x10", "imageIndex": [1], "symbol": 7, "inline": "true"}"#)
                .unwrap();
        assert_eq!(frame.image_offset.u64(), Some(16));
        assert_eq!(frame.image_index, Scalar::Other("an array"));
        assert_eq!(frame.symbol.str().as_deref(), Some("7"));
        assert_eq!(frame.inline.bool(), Some(true));
        let thread: Thread<'_> = serde_json::from_str(r#"{"frames": [{"imageOffset": 1}, "junk", 3, null]}"#).unwrap();
        let frames = thread.frames.items();
        assert!(frames[0].is_ok());
        assert!(matches!(frames[1], Obj::Invalid("a string")));
        assert!(matches!(frames[3], Obj::Absent));
        let body: Body<'_> = serde_json::from_str(r#"{"threads": {"a": 1}, "osVersion": "iOS"}"#).unwrap();
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
        let body: Body<'_> = serde_json::from_str(r#"{"procName": "Sprocket", "procPath": "\/Applications"}"#).unwrap();
        assert!(matches!(body.proc_name, Scalar::Str(Cow::Borrowed("Sprocket"))));
        assert!(matches!(body.proc_path, Scalar::Str(Cow::Owned(_))));
    }
}
