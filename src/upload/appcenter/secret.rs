//! The App Secret: it opens the app's crash store, so it never appears in
//! output, logs or errors. The type cannot print it; only the request
//! header reads it.

use std::fmt;

/// An App Center App Secret (a UUID).
#[derive(Clone, PartialEq, Eq)]
pub struct AppSecret(String);

impl AppSecret {
    /// Accepts a UUID; the error does not repeat what it was given.
    pub fn parse(text: &str) -> Result<AppSecret, String> {
        let text = text.trim();
        match uuid::Uuid::try_parse(text) {
            Ok(_) => Ok(AppSecret(text.to_string())),
            Err(_) => Err(format!(
                "the App Secret must be a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx); the value given ({} characters) is not one",
                text.chars().count()
            )),
        }
    }

    /// A stand-in for a dry run without a secret: the requests it shows
    /// are masked anyway.
    pub fn placeholder() -> AppSecret {
        AppSecret("00000000-0000-0000-0000-000000000000".to_string())
    }

    /// The value, for the `App-Secret` header only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// A stable, irreversible tag of the secret (for naming the journal).
    pub fn fingerprint(&self) -> String {
        use sha1::{Digest, Sha1};
        let digest = Sha1::digest(format!("crashport journal {}", self.0).as_bytes());
        crate::hex::encode_bytes(&digest[..6])
    }
}

impl fmt::Debug for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AppSecret(****)")
    }
}

impl fmt::Display for AppSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("********-****-****-****-************")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_printed() {
        let secret = AppSecret::parse("0b9c5d43-7b1a-4f8e-9a47-6f1d2c3b4a59").unwrap();
        assert!(!format!("{secret} {secret:?} {}", secret.fingerprint()).contains("0b9c5d43"));
        let err = AppSecret::parse("not-a-secret-value").unwrap_err();
        assert!(!err.contains("not-a-secret-value"));
    }
}
