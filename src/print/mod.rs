//! Printers of the crash model: views of a [`Report`](crate::model::Report)
//! for people, beside the model they print. The JSON form is the model's
//! own `Serialize` (docs/MODEL.md).

pub mod apple_text;
pub mod summary;
pub mod triage;
