//! Compact JSON, byte for byte what `serde_json::to_writer` writes, with a
//! faster path for strings.
//!
//! An appleError is mostly strings: symbols, paths, image names, addresses,
//! UUIDs. serde_json looks each byte of each string up in its escape table;
//! here eight bytes are checked at a time (the last few as the string's
//! last eight, overlapping), and a string with nothing to escape (nearly all
//! of them) is copied whole. The structure (braces, commas, colons, `null`)
//! follows serde_json's compact layout, integers are
//! written with `itoa` as serde_json does, and floats are handed to
//! serde_json itself, so the output cannot drift from it;
//! `tests` below and the golden files hold it to that.

use serde::Serialize;
use serde::ser::{self, Error as _, Impossible};
use serde_json::Error;

/// Appends `value` as compact JSON.
pub fn write<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    value.serialize(&mut Compact { out })
}

struct Compact<'o> {
    out: &'o mut Vec<u8>,
}

/// serde_json's escapes: 0 for a byte written as it is, else the letter
/// after the backslash (`u` for `\u00XX`).
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = b'u';
        byte += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Non-zero when one of the eight bytes of `word` is below `0x20`, a quote
/// or a backslash (the usual zero-byte test, which never misses one).
fn escape_bits(word: u64) -> u64 {
    let below = |n: u64| word.wrapping_sub(ONES * n) & !word & HIGHS;
    let zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    below(0x20) | zero(word ^ (ONES * u64::from(b'"'))) | zero(word ^ (ONES * u64::from(b'\\')))
}

/// True when some byte of `bytes` must be escaped. Whole words only: the
/// last few bytes are read as the string's last eight (overlapping the
/// words before), or, in a string under eight bytes, as two overlapping
/// halves; building a padded word in memory instead would stall on the
/// store.
fn needs_escape(bytes: &[u8]) -> bool {
    let (words, _) = bytes.as_chunks::<8>();
    let found = words.iter().fold(0, |found, word| found | escape_bits(u64::from_le_bytes(*word)));
    found | escape_bits(last_word(bytes)) != 0
}

/// The last eight bytes of `bytes` as a word; shorter strings are made up
/// to eight with bytes of their own (or `a`, for under four).
fn last_word(bytes: &[u8]) -> u64 {
    if let Some(last) = bytes.last_chunk::<8>() {
        return u64::from_le_bytes(*last);
    }
    if let (Some(low), Some(high)) = (bytes.first_chunk::<4>(), bytes.last_chunk::<4>()) {
        return u64::from(u32::from_le_bytes(*low)) | u64::from(u32::from_le_bytes(*high)) << 32;
    }
    bytes.iter().fold(ONES * u64::from(b'a'), |word, &byte| (word << 8) | u64::from(byte))
}

fn write_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escape(bytes) {
        let mut copied = 0;
        for (at, &byte) in bytes.iter().enumerate() {
            let escape = ESCAPE[usize::from(byte)];
            if escape != 0 {
                out.extend_from_slice(&bytes[copied..at]);
                write_escape(out, byte, escape);
                copied = at + 1;
            }
        }
        out.extend_from_slice(&bytes[copied..]);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

fn write_escape(out: &mut Vec<u8>, byte: u8, escape: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    if escape == b'u' {
        out.extend_from_slice(&[b'\\', b'u', b'0', b'0', HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]]);
    } else {
        out.extend_from_slice(&[b'\\', escape]);
    }
}

fn write_integer(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

/// An object, array or variant being written: whether a comma is due, and
/// what closes it.
pub struct Compound<'a, 'o> {
    ser: &'a mut Compact<'o>,
    first: bool,
    close: &'static [u8],
}

impl<'a, 'o> Compound<'a, 'o> {
    fn open(ser: &'a mut Compact<'o>, open: &[u8], close: &'static [u8]) -> Self {
        ser.out.extend_from_slice(open);
        Compound { ser, first: true, close }
    }

    fn comma(&mut self) {
        if !self.first {
            self.ser.out.push(b',');
        }
        self.first = false;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.comma();
        value.serialize(&mut *self.ser)
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), Error> {
        self.comma();
        write_str(self.ser.out, key);
        self.ser.out.push(b':');
        value.serialize(&mut *self.ser)
    }

    fn close(self) -> Result<(), Error> {
        self.ser.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// `{"variant":` before a variant's content.
fn variant_open(variant: &str) -> Vec<u8> {
    let mut open = vec![b'{'];
    write_str(&mut open, variant);
    open.push(b':');
    open
}

impl<'a, 'o> ser::Serializer for &'a mut Compact<'o> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, 'o>;
    type SerializeTuple = Compound<'a, 'o>;
    type SerializeTupleStruct = Compound<'a, 'o>;
    type SerializeTupleVariant = Compound<'a, 'o>;
    type SerializeMap = Compound<'a, 'o>;
    type SerializeStruct = Compound<'a, 'o>;
    type SerializeStructVariant = Compound<'a, 'o>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        write_integer(self.out, v);
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        serde_json::to_writer(&mut *self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut seq = Compound::open(self, b"[", b"]");
        for byte in v {
            seq.element(byte)?;
        }
        seq.close()
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.out.extend_from_slice(&variant_open(variant));
        value.serialize(&mut *self)?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        Ok(Compound::open(self, b"[", b"]"))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Compound<'a, 'o>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        let mut open = variant_open(variant);
        open.push(b'[');
        Ok(Compound::open(self, &open, b"]}"))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Compound<'a, 'o>, Error> {
        Ok(Compound::open(self, b"{", b"}"))
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Compound<'a, 'o>, Error> {
        Ok(Compound::open(self, b"{", b"}"))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Compound<'a, 'o>, Error> {
        let mut open = variant_open(variant);
        open.push(b'{');
        Ok(Compound::open(self, &open, b"}}"))
    }
}

impl ser::SerializeSeq for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTuple for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeTupleVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.element(value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeMap for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.comma();
        key.serialize(MapKey { out: self.ser.out })?;
        self.ser.out.push(b':');
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStruct for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

impl ser::SerializeStructVariant for Compound<'_, '_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        self.field(key, value)
    }
    fn end(self) -> Result<(), Error> {
        self.close()
    }
}

/// Object keys: strings, and integers written as strings, as serde_json
/// takes them. The logs have no other kind of key, so the rest is refused.
struct MapKey<'o> {
    out: &'o mut Vec<u8>,
}

fn key_must_be_a_string() -> Error {
    Error::custom("key must be a string")
}

macro_rules! integer_keys {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, v: $type) -> Result<(), Error> {
            self.out.push(b'"');
            write_integer(self.out, v);
            self.out.push(b'"');
            Ok(())
        }
    )*};
}

macro_rules! refused_keys {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, _: $type) -> Result<(), Error> {
            Err(key_must_be_a_string())
        }
    )*};
}

impl ser::Serializer for MapKey<'_> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Impossible<(), Error>;
    type SerializeTuple = Impossible<(), Error>;
    type SerializeTupleStruct = Impossible<(), Error>;
    type SerializeTupleVariant = Impossible<(), Error>;
    type SerializeMap = Impossible<(), Error>;
    type SerializeStruct = Impossible<(), Error>;
    type SerializeStructVariant = Impossible<(), Error>;

    integer_keys!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);
    refused_keys!(serialize_bool: bool, serialize_f32: f32, serialize_f64: f64, serialize_bytes: &[u8]);

    fn serialize_str(self, v: &str) -> Result<(), Error> {
        write_str(self.out, v);
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        write_str(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_none(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_must_be_a_string())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_must_be_a_string())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use proptest::prelude::*;
    use serde::Serialize;

    use super::write;

    fn same_as_serde_json<T: Serialize + ?Sized>(value: &T) {
        let mut ours = Vec::new();
        write(&mut ours, value).unwrap();
        assert_eq!(String::from_utf8_lossy(&ours), serde_json::to_string(value).unwrap());
    }

    #[test]
    fn every_ascii_byte_is_escaped_as_serde_json_escapes_it() {
        let all: String = (0u8..0x80).map(char::from).collect();
        same_as_serde_json(&all);
        // Each byte alone and at every position of an eight-byte word.
        for byte in 0u8..0x80 {
            for at in 0..12 {
                let mut text = "abcdefghijkl".to_string();
                text.insert(at, char::from(byte));
                same_as_serde_json(&text);
            }
        }
        same_as_serde_json("é ✓ 😀 \u{7f} \u{2028} \"quoted\" back\\slash\ttab\r\n");
        // Short strings, read as overlapping halves or byte by byte.
        for len in 0..=16 {
            for at in 0..len {
                for special in ['"', '\\', '\n', '\u{1}', '\u{1f}', 'é'] {
                    let mut text: String = "abcdefghijklmnop"[..len].to_string();
                    text.replace_range(at..=at, special.encode_utf8(&mut [0; 4]));
                    same_as_serde_json(&text);
                }
            }
        }
    }

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(u8),
        Tuple(i32, f64),
        Struct { a: Option<bool>, b: &'static str },
    }

    #[derive(Serialize)]
    #[serde(tag = "type", rename_all = "camelCase")]
    enum Tagged {
        One { x: u64 },
        Two(BTreeMap<String, serde_json::Value>),
    }

    #[derive(Serialize)]
    struct Everything {
        flag: bool,
        small: i8,
        big: u128,
        negative: i64,
        float: f64,
        nan: f64,
        letter: char,
        bytes: Vec<u8>,
        none: Option<u8>,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u8>,
        unit: (),
        shapes: Vec<Shape>,
        tagged: Vec<Tagged>,
        numbered: BTreeMap<u32, &'static str>,
        empty_list: Vec<u8>,
        empty_map: BTreeMap<String, u8>,
        #[serde(flatten)]
        rest: BTreeMap<String, serde_json::Value>,
    }

    #[test]
    fn structure_numbers_and_enums_match_serde_json() {
        let value = Everything {
            flag: true,
            small: -5,
            big: u128::MAX,
            negative: i64::MIN,
            float: 1.5e-7,
            nan: f64::NAN,
            letter: '"',
            bytes: vec![0, 7, 255],
            none: None,
            skipped: None,
            unit: (),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(3),
                Shape::Tuple(-1, 2.25),
                Shape::Struct { a: Some(false), b: "x\u{1}" },
            ],
            tagged: vec![
                Tagged::One { x: 9 },
                Tagged::Two(BTreeMap::from([("k\n".to_string(), serde_json::json!({"n": [1, -2, 3.5, null]}))])),
            ],
            numbered: BTreeMap::from([(1, "one"), (20, "twenty")]),
            empty_list: Vec::new(),
            empty_map: BTreeMap::new(),
            rest: BTreeMap::from([("extra".to_string(), serde_json::json!("value"))]),
        };
        same_as_serde_json(&value);
    }

    proptest! {
        #[test]
        fn any_string_matches_serde_json(text in any::<String>()) {
            same_as_serde_json(&text);
        }

        #[test]
        fn any_ascii_string_matches_serde_json(bytes in proptest::collection::vec(0u8..0x80, 0..64)) {
            let text: String = bytes.into_iter().map(char::from).collect();
            same_as_serde_json(&text);
        }
    }
}
