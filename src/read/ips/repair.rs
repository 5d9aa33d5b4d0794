//! Closing a JSON body that was cut off.
//!
//! Sync tools and size-limited uploads cut `.ips` files short. Everything
//! up to the last complete element is still good: this finds the last point
//! where the document could end (after a complete element, or just inside an
//! opened object or array) and closes the brackets still open there.

/// The longest prefix of `text` that ends after a complete element, with the
/// brackets it needs appended, and where it was cut. `None` when `text` is
/// not an object or array cut off mid-way (it is complete, or holds no
/// complete element at all).
pub(crate) fn close_truncated(text: &str) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    if !matches!(bytes.first(), Some(b'{' | b'[')) {
        return None;
    }
    let mut closers: Vec<u8> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    // Every bracket and comma is a place the document could end, so the
    // open brackets at the last such place are the ones still open at the
    // end of the text.
    let mut cut = None;
    for (i, &c) in bytes.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == b'\\' {
                escaped = true;
            } else if c == b'"' {
                in_string = false;
            }
            continue;
        }
        match c {
            b'"' => in_string = true,
            b'{' => {
                closers.push(b'}');
                cut = Some(i + 1);
            }
            b'[' => {
                closers.push(b']');
                cut = Some(i + 1);
            }
            b'}' | b']' => {
                closers.pop();
                if closers.is_empty() {
                    return None;
                }
                cut = Some(i + 1);
            }
            b',' => cut = Some(i),
            _ => {}
        }
    }
    let cut = cut?;
    let mut repaired = String::with_capacity(cut + closers.len());
    repaired.push_str(&text[..cut]);
    repaired.extend(closers.iter().rev().map(|&c| c as char));
    Some((repaired, cut))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn closed(text: &str) -> Option<String> {
        close_truncated(text).map(|(s, _)| s)
    }

    #[test]
    fn closes_after_the_last_complete_element() {
        assert_eq!(closed(r#"{"a": 1, "b": [1, 2"#).as_deref(), Some(r#"{"a": 1, "b": [1]}"#));
        assert_eq!(closed(r#"{"a": {"x": "y, z"}, "b": "cut o"#).as_deref(), Some(r#"{"a": {"x": "y, z"}}"#));
        assert_eq!(
            closed(r#"{"threads": [{"id": 1}, {"id": 2, "fr"#).as_deref(),
            Some(r#"{"threads": [{"id": 1}, {"id": 2}]}"#)
        );
        assert_eq!(closed(r#"{"a": [{"b": 1}"#).as_deref(), Some(r#"{"a": [{"b": 1}]}"#));
        assert_eq!(closed(r#"{"esc": "a\"b, c"#).as_deref(), Some(r#"{}"#));
        for complete in [r#"{"a": 1}"#, "[1, 2]"] {
            assert_eq!(closed(complete), None);
        }
        assert_eq!(closed("nothing"), None);
    }

    #[test]
    fn every_prefix_closes_to_valid_json() {
        let doc = r#"{"a": [1, {"b": "c\"d"}, [], {}], "e": {"f": null, "g": [true, false]}, "h": 1.5}"#;
        for end in 1..doc.len() {
            if let Some(fixed) = closed(&doc[..end]) {
                serde_json::from_str::<serde_json::Value>(&fixed).unwrap_or_else(|e| panic!("{fixed}: {e}"));
            }
        }
    }
}
