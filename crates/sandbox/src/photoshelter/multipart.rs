//! A streaming `multipart/form-data` reader for uploads: text fields are collected (small,
//! capped), file parts are only counted and hashed as they pass, so memory stays flat
//! whatever the upload size. (axum's `Multipart` would need another feature and crate.)

use std::collections::BTreeMap;

use axum::body::Body;
use futures::StreamExt;
use sha2::{Digest, Sha256};

/// Longest text field kept.
const MAX_FIELD: usize = 64 * 1024;
/// Longest part header block.
const MAX_HEADERS: usize = 16 * 1024;

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

/// The boundary of a `multipart/form-data` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    let (mime, params) = content_type.split_once(';')?;
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        k.eq_ignore_ascii_case("boundary")
            .then(|| v.trim_matches('"').to_owned())
    })
}

enum Stage {
    /// Before the first delimiter.
    Preamble,
    /// Right after a delimiter: `--` ends the body, CRLF starts a part.
    Delimiter,
    /// Reading a part's header block.
    Headers,
    /// Reading a part's content.
    Content(Part),
    Done,
}

enum Part {
    Field {
        name: String,
        value: Vec<u8>,
    },
    File {
        field: String,
        file_name: Option<String>,
        bytes: u64,
        hash: Sha256,
    },
}

/// Reads the whole body, returning its fields and file digests.
pub async fn read(body: Body, boundary: &str) -> Result<Parsed, String> {
    let first = format!("--{boundary}").into_bytes();
    let delimiter = format!("\r\n--{boundary}").into_bytes();
    let mut parsed = Parsed::default();
    let mut buf: Vec<u8> = Vec::new();
    let mut stage = Stage::Preamble;
    let mut stream = body.into_data_stream();
    loop {
        let more = match stream.next().await {
            Some(chunk) => {
                buf.extend_from_slice(&chunk.map_err(|e| format!("body error: {e}"))?);
                true
            }
            None => false,
        };
        loop {
            stage = match stage {
                Stage::Preamble => match find(&buf, &first) {
                    Some(i) => {
                        buf.drain(..i + first.len());
                        Stage::Delimiter
                    }
                    None if buf.len() > MAX_HEADERS => return Err("no multipart delimiter".into()),
                    None => {
                        stage = Stage::Preamble;
                        break;
                    }
                },
                Stage::Delimiter => match buf.get(..2) {
                    Some(tail) => {
                        let closing = tail == b"--";
                        buf.drain(..2);
                        if closing { Stage::Done } else { Stage::Headers }
                    }
                    None => {
                        stage = Stage::Delimiter;
                        break;
                    }
                },
                Stage::Headers => match find(&buf, b"\r\n\r\n") {
                    Some(i) => {
                        let head = String::from_utf8_lossy(&buf[..i]).into_owned();
                        buf.drain(..i + 4);
                        Stage::Content(part_for(&head)?)
                    }
                    None if buf.len() > MAX_HEADERS => return Err("part headers too long".into()),
                    None => {
                        stage = Stage::Headers;
                        break;
                    }
                },
                Stage::Content(mut part) => match find(&buf, &delimiter) {
                    Some(i) => {
                        feed(&mut part, &buf[..i])?;
                        finish(part, &mut parsed);
                        buf.drain(..i + delimiter.len());
                        Stage::Delimiter
                    }
                    None => {
                        // Keep a tail that may be the start of a split delimiter.
                        let keep = buf.len().min(delimiter.len() - 1);
                        let upto = buf.len() - keep;
                        feed(&mut part, &buf[..upto])?;
                        buf.drain(..upto);
                        stage = Stage::Content(part);
                        break;
                    }
                },
                Stage::Done => {
                    buf.clear();
                    Stage::Done
                }
            };
            if matches!(stage, Stage::Done) {
                break;
            }
        }
        if !more {
            break;
        }
    }
    match stage {
        Stage::Done => Ok(parsed),
        _ => Err("multipart body ended before its closing delimiter".into()),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(pos) = haystack.get(from..)?.iter().position(|b| *b == first) {
        let at = from + pos;
        if haystack.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn part_for(head: &str) -> Result<Part, String> {
    let disposition = head
        .split("\r\n")
        .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
        .ok_or("part without Content-Disposition")?;
    let param = |key: &str| {
        disposition.split(';').find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k == key).then(|| v.trim_matches('"').to_owned())
        })
    };
    let name = param("name").ok_or("part without a name")?;
    Ok(match param("filename") {
        Some(file_name) => Part::File {
            field: name,
            file_name: Some(file_name),
            bytes: 0,
            hash: Sha256::new(),
        },
        None => Part::Field {
            name,
            value: Vec::new(),
        },
    })
}

fn feed(part: &mut Part, data: &[u8]) -> Result<(), String> {
    match part {
        Part::Field { value, .. } => {
            if value.len() + data.len() > MAX_FIELD {
                return Err("text field too long".into());
            }
            value.extend_from_slice(data);
        }
        Part::File { bytes, hash, .. } => {
            *bytes += data.len() as u64;
            hash.update(data);
        }
    }
    Ok(())
}

fn finish(part: Part, parsed: &mut Parsed) {
    match part {
        Part::Field { name, value } => {
            parsed
                .fields
                .insert(name, String::from_utf8_lossy(&value).into_owned());
        }
        Part::File {
            field,
            file_name,
            bytes,
            hash,
        } => parsed.files.push(FilePart {
            field,
            file_name,
            bytes,
            sha256: hex_string(&hash.finalize()),
        }),
    }
}

pub fn hex_string(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(chunks: Vec<&'static [u8]>) -> Body {
        let stream = futures::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
        Body::from_stream(stream)
    }

    #[tokio::test]
    async fn reads_fields_and_hashes_files_split_across_chunks() {
        let raw: &[u8] = b"--XyZ\r\nContent-Disposition: form-data; name=\"gallery_id\"\r\n\r\nG0000000000000001\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jpg\"\r\nContent-Type: image/jpeg\r\n\r\nabc\r\n--Xy\r\n--XyZ--\r\n";
        // Split everywhere, including inside the delimiters.
        let chunks: Vec<&'static [u8]> = raw.chunks(3).collect();
        let parsed = read(body(chunks), "XyZ").await.unwrap();
        assert_eq!(parsed.fields["gallery_id"], "G0000000000000001");
        let file = &parsed.files[0];
        assert_eq!((file.field.as_str(), file.bytes), ("file", 9));
        let expected = hex_string(&Sha256::digest(b"abc\r\n--Xy"));
        assert_eq!(file.sha256, expected);
    }

    #[tokio::test]
    async fn rejects_a_truncated_body() {
        let raw: &'static [u8] =
            b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue";
        assert!(read(body(vec![raw]), "XyZ").await.is_err());
    }

    #[test]
    fn finds_the_boundary_in_the_content_type() {
        assert_eq!(
            boundary("multipart/form-data; boundary=\"ab c\"").as_deref(),
            Some("ab c")
        );
        assert_eq!(boundary("application/json"), None);
    }
}
