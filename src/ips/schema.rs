//! The shape of `.ips` JSON as serde types.
//!
//! Every field is optional and unknown fields are ignored: Apple adds and
//! drops keys between releases. Strings borrow from the input when they hold
//! no escapes ([`Str`]), so a typical report is read with few allocations.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A string borrowed from the input when possible.
///
/// serde's own `Cow<str>` always copies when wrapped in `Option`; this type
/// asks the deserializer for a borrowed string first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Str<'a>(pub Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Str<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for StrVisitor<'a> {
            type Value = Str<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v)))
            }
            // `bug_type` and a few others are strings in some releases and
            // numbers in others.
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Str(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(StrVisitor(PhantomData))
    }
}

impl<'a> Str<'a> {
    /// The string, or `None` when it is empty or only white space.
    pub fn non_empty(this: &Option<Str<'a>>) -> Option<Cow<'a, str>> {
        match this {
            Some(Str(s)) if !s.trim().is_empty() => Some(s.clone()),
            _ => None,
        }
    }
}

/// The one-line header before the body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Header<'a> {
    #[serde(borrow)]
    pub app_name: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub timestamp: Option<Str<'a>>,
    #[serde(borrow)]
    pub app_version: Option<Str<'a>>,
    #[serde(borrow)]
    pub build_version: Option<Str<'a>>,
    #[serde(borrow, rename = "bundleID")]
    pub bundle_id: Option<Str<'a>>,
    pub platform: Option<i64>,
    #[serde(borrow)]
    pub bug_type: Option<Str<'a>>,
    #[serde(borrow)]
    pub os_version: Option<Str<'a>>,
    #[serde(borrow)]
    pub incident_id: Option<Str<'a>>,
}

/// The body.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Body<'a> {
    #[serde(borrow)]
    pub bug_type: Option<Str<'a>>,
    #[serde(borrow, rename = "procName")]
    pub proc_name: Option<Str<'a>>,
    pub pid: Option<u64>,
    #[serde(borrow, rename = "procPath")]
    pub proc_path: Option<Str<'a>>,
    #[serde(borrow, rename = "procRole")]
    pub proc_role: Option<Str<'a>>,
    #[serde(borrow, rename = "parentProc")]
    pub parent_proc: Option<Str<'a>>,
    #[serde(rename = "parentPid")]
    pub parent_pid: Option<u64>,
    #[serde(borrow, rename = "responsibleProc")]
    pub responsible_proc: Option<Str<'a>>,
    #[serde(borrow, rename = "coalitionName")]
    pub coalition_name: Option<Str<'a>>,
    #[serde(rename = "userID")]
    pub user_id: Option<u64>,
    #[serde(borrow, rename = "modelCode")]
    pub model_code: Option<Str<'a>>,
    #[serde(borrow, rename = "cpuType")]
    pub cpu_type: Option<Str<'a>>,
    pub translated: Option<bool>,
    #[serde(borrow, rename = "procLaunch")]
    pub proc_launch: Option<Str<'a>>,
    #[serde(borrow, rename = "captureTime")]
    pub capture_time: Option<Str<'a>>,
    #[serde(borrow)]
    pub incident: Option<Str<'a>>,
    #[serde(borrow, rename = "crashReporterKey")]
    pub crash_reporter_key: Option<Str<'a>>,
    #[serde(borrow, rename = "osVersion")]
    pub os_version: Option<OsVersion<'a>>,
    #[serde(borrow, rename = "bundleInfo")]
    pub bundle_info: Option<BundleInfo<'a>>,
    #[serde(borrow)]
    pub exception: Option<Exception<'a>>,
    #[serde(borrow)]
    pub termination: Option<Termination<'a>>,
    #[serde(borrow)]
    pub asi: Option<OrderedMap<Str<'a>, StrList<'a>>>,
    #[serde(borrow, rename = "asiBacktraces")]
    pub asi_backtraces: Option<Vec<Str<'a>>>,
    #[serde(borrow, rename = "exceptionReason")]
    pub exception_reason: Option<ExceptionReason<'a>>,
    #[serde(borrow)]
    pub ktriageinfo: Option<Str<'a>>,
    #[serde(borrow, rename = "vmRegionInfo")]
    pub vm_region_info: Option<Str<'a>>,
    #[serde(borrow, rename = "lastExceptionBacktrace")]
    pub last_exception_backtrace: Option<Vec<Frame<'a>>>,
    #[serde(rename = "faultingThread")]
    pub faulting_thread: Option<u64>,
    #[serde(borrow)]
    pub threads: Option<Vec<Thread<'a>>>,
    #[serde(borrow, rename = "usedImages")]
    pub used_images: Option<Vec<Image<'a>>>,
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
    pub train: Option<Str<'a>>,
    #[serde(borrow)]
    pub build: Option<Str<'a>>,
    #[serde(borrow, rename = "releaseType")]
    pub release_type: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct BundleInfo<'a> {
    #[serde(borrow, rename = "CFBundleShortVersionString")]
    pub short_version: Option<Str<'a>>,
    #[serde(borrow, rename = "CFBundleVersion")]
    pub bundle_version: Option<Str<'a>>,
    #[serde(borrow, rename = "CFBundleIdentifier")]
    pub identifier: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Exception<'a> {
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub signal: Option<Str<'a>>,
    #[serde(borrow)]
    pub subtype: Option<Str<'a>>,
    #[serde(borrow)]
    pub codes: Option<Str<'a>>,
    #[serde(rename = "rawCodes")]
    pub raw_codes: Option<Vec<u64>>,
    #[serde(borrow)]
    pub message: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Termination<'a> {
    pub code: Option<u64>,
    #[serde(borrow)]
    pub namespace: Option<Str<'a>>,
    #[serde(borrow)]
    pub indicator: Option<Str<'a>>,
    #[serde(borrow, rename = "byProc")]
    pub by_proc: Option<Str<'a>>,
    #[serde(rename = "byPid")]
    pub by_pid: Option<u64>,
    #[serde(borrow)]
    pub reasons: Option<StrList<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExceptionReason<'a> {
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub composed_message: Option<Str<'a>>,
    #[serde(borrow)]
    pub reason: Option<Str<'a>>,
    #[serde(borrow, rename = "type")]
    pub kind: Option<Str<'a>>,
    #[serde(borrow)]
    pub class: Option<Str<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Thread<'a> {
    pub id: Option<u64>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
    #[serde(borrow)]
    pub queue: Option<Str<'a>>,
    pub triggered: Option<bool>,
    #[serde(borrow)]
    pub frames: Option<Vec<Frame<'a>>>,
    #[serde(borrow, rename = "threadState")]
    pub thread_state: Option<ThreadState<'a>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Frame<'a> {
    #[serde(rename = "imageOffset")]
    pub image_offset: Option<u64>,
    #[serde(rename = "imageIndex")]
    pub image_index: Option<i64>,
    #[serde(borrow)]
    pub symbol: Option<Str<'a>>,
    #[serde(rename = "symbolLocation")]
    pub symbol_location: Option<u64>,
    #[serde(borrow, rename = "sourceFile")]
    pub source_file: Option<Str<'a>>,
    #[serde(rename = "sourceLine")]
    pub source_line: Option<u32>,
    #[serde(rename = "sourceColumn")]
    pub source_column: Option<u32>,
    pub inline: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Image<'a> {
    #[serde(borrow)]
    pub source: Option<Str<'a>>,
    #[serde(borrow)]
    pub arch: Option<Str<'a>>,
    pub base: Option<u64>,
    pub size: Option<u64>,
    #[serde(borrow)]
    pub uuid: Option<Str<'a>>,
    #[serde(borrow)]
    pub path: Option<Str<'a>>,
    #[serde(borrow)]
    pub name: Option<Str<'a>>,
}

/// `threadState`: `flavor`, `x: [{value}]`, and named registers
/// `{value, description?, symbol?}`, with Rosetta's state nested under `rosetta`.
#[derive(Debug, Default)]
pub struct ThreadState<'a> {
    pub flavor: Option<Str<'a>>,
    pub x: Vec<RegisterValue<'a>>,
    pub named: Vec<(Str<'a>, RegisterValue<'a>)>,
    pub rosetta: Option<Box<ThreadState<'a>>>,
}

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
                while let Some(key) = map.next_key::<Str<'a>>()? {
                    match key.0.as_ref() {
                        "flavor" => state.flavor = Some(map.next_value()?),
                        "x" => state.x = map.next_value()?,
                        "rosetta" => state.rosetta = Some(Box::new(map.next_value()?)),
                        _ => {
                            let value: RegisterValue<'a> = map.next_value()?;
                            if value.value.is_some() {
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
    pub description: Option<Str<'a>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for RegisterValue<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ValueVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for ValueVisitor<'a> {
            type Value = RegisterValue<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a register `{\"value\": ...}`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = RegisterValue::default();
                while let Some(key) = map.next_key::<Str<'a>>()? {
                    match key.0.as_ref() {
                        "value" => out.value = Some(map.next_value()?),
                        "description" => out.description = Some(map.next_value()?),
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RegisterValue::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(RegisterValue::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(RegisterValue::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(RegisterValue::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(RegisterValue::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(RegisterValue::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(RegisterValue::default())
            }
        }
        deserializer.deserialize_any(ValueVisitor(PhantomData))
    }
}

/// A JSON object read as a list of pairs, keeping the file's order.
#[derive(Debug)]
pub struct OrderedMap<K, V>(pub Vec<(K, V)>);

impl<K, V> Default for OrderedMap<K, V> {
    fn default() -> Self {
        OrderedMap(Vec::new())
    }
}

impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<K, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<K, V>(PhantomData<(K, V)>);
        impl<'de, K: Deserialize<'de>, V: Deserialize<'de>> Visitor<'de> for MapVisitor<K, V> {
            type Value = OrderedMap<K, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(pair) = map.next_entry()? {
                    out.push(pair);
                }
                Ok(OrderedMap(out))
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

/// A list of strings, or a single string where releases differ.
#[derive(Debug, Default)]
pub struct StrList<'a>(pub Vec<Str<'a>>);

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
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(StrList(out))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StrList(vec![Str(Cow::Borrowed(v))]))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StrList(vec![Str(Cow::Owned(v.to_owned()))]))
            }
        }
        deserializer.deserialize_any(ListVisitor(PhantomData))
    }
}
