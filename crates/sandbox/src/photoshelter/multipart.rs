//! Reads an upload's `multipart/form-data` with axum's streaming [`Multipart`]: text
//! fields are collected (small, capped), file parts are only counted and hashed as they
//! pass, so memory stays flat whatever the upload size.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use sha2::{Digest, Sha256};

/// Longest text field kept.
const MAX_FIELD: usize = 64 * 1024;

/// A file part: its size and hash, never its bytes.
#[derive(Debug, Clone)]
pub struct FilePart {
    pub field: String,
    pub file_name: Option<String>,
    pub bytes: u64,
    pub sha256: String,
}

/// What a multipart body held.
#[derive(Debug, Default)]
pub struct Parsed {
    pub fields: BTreeMap<String, String>,
    pub files: Vec<FilePart>,
}

/// Why a multipart body could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    #[error("invalid multipart body: {}", .0.body_text())]
    Multipart(#[source] MultipartError),
    #[error("field {0:?} is longer than {MAX_FIELD} bytes")]
    FieldTooLong(String),
    #[error("a multipart part has no name")]
    Unnamed,
}

/// Reads the whole body, returning its text fields and its files' digests. A part with a
/// `filename` is a file, as browsers and HTTP clients send them; any other is text.
pub async fn read(mut multipart: Multipart) -> Result<Parsed, FormError> {
    let mut parsed = Parsed::default();
    while let Some(mut field) = multipart.next_field().await.map_err(FormError::Multipart)? {
        let name = field.name().ok_or(FormError::Unnamed)?.to_owned();
        match field.file_name().map(str::to_owned) {
            Some(file_name) => {
                let (bytes, sha256) = digest(&mut field).await?;
                parsed.files.push(FilePart {
                    field: name,
                    file_name: Some(file_name),
                    bytes,
                    sha256,
                });
            }
            None => {
                let value = text(&mut field, &name).await?;
                parsed.fields.insert(name, value);
            }
        }
    }
    Ok(parsed)
}

async fn digest(field: &mut Field<'_>) -> Result<(u64, String), FormError> {
    let mut hash = Sha256::new();
    let mut bytes = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(FormError::Multipart)? {
        bytes += chunk.len() as u64;
        hash.update(&chunk);
    }
    Ok((bytes, hex::encode(hash.finalize())))
}

/// Reads a text field chunk by chunk, so an oversized one is refused without being held.
async fn text(field: &mut Field<'_>, name: &str) -> Result<String, FormError> {
    let mut value = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(FormError::Multipart)? {
        if value.len() + chunk.len() > MAX_FIELD {
            return Err(FormError::FieldTooLong(name.to_owned()));
        }
        value.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&value).into_owned())
}
