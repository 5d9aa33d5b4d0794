//! Addresses in the JSON form of the model are hex strings (`"0x1a2b"`):
//! JSON numbers above 2^53 lose precision in most readers, and people read
//! addresses in hex.

use serde::Serializer;

use crate::hex;

/// Serializes a `u64` as `"0x..."` (lower case, unpadded).
pub fn serialize<S: Serializer>(value: &u64, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(hex::prefixed(*value).as_str())
}

/// Serializes an `Option<u64>` as `"0x..."` or `null`.
pub fn serialize_opt<S: Serializer>(value: &Option<u64>, serializer: S) -> Result<S::Ok, S::Error> {
    match value {
        Some(value) => serialize(value, serializer),
        None => serializer.serialize_none(),
    }
}

/// Serializes a list of `u64` as `["0x...", ...]`.
pub fn serialize_vec<S: Serializer>(values: &[u64], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_seq(values.iter().map(|v| hex::prefixed(*v).as_str().to_string()))
}
