//! A 50 MiB upload streams with flat memory. In its own test binary so no other test
//! moves this process's peak RSS.

// Helpers outside #[test] fns panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;

use assetrelay_photoshelter::client::{Upload, UploadSource};
use common::TestApp;
use sha2::{Digest, Sha256};

const MIB: usize = 1024 * 1024;
const SIZE: usize = 50 * MIB;

/// Peak resident set size of this process (`VmHWM`), in bytes.
fn peak_rss() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Writes `SIZE` bytes of a varying pattern, 1 MiB at a time, returning their sha256.
fn write_file(path: &std::path::Path) -> String {
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    let mut hash = Sha256::new();
    let mut chunk = vec![0u8; MIB];
    for i in 0..SIZE / MIB {
        for (j, b) in chunk.iter_mut().enumerate() {
            *b = (i * 31 + j * 7) as u8;
        }
        hash.update(&chunk);
        file.write_all(&chunk).unwrap();
    }
    file.flush().unwrap();
    hex::encode(hash.finalize())
}

#[tokio::test]
async fn a_50_mib_upload_streams_without_buffering_the_file() {
    let app = TestApp::spawn().await;
    let gallery = app.gallery("Big").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.tif");
    let expected_sha = write_file(&path);
    let client = app.client();
    client.gallery_children(&gallery).await.unwrap(); // log in and warm up first
    let before = peak_rss();

    let uploaded = client
        .upload(&Upload {
            gallery_id: gallery,
            file_name: "big.tif".into(),
            content_type: Some("image/tiff".into()),
            searchable: None,
            source: UploadSource::File(path),
        })
        .await
        .unwrap();

    let growth = peak_rss().saturating_sub(before);
    eprintln!("peak RSS growth during the upload: {} KiB", growth / 1024);
    // Client and sandbox share this process: neither may hold the file.
    assert!(growth < 16 * MIB, "peak RSS grew by {} MiB", growth / MIB);
    assert_eq!(uploaded.file_size, Some(SIZE as u64));
    let state = app.media_state(&uploaded.id).await;
    assert_eq!(state["versions"][0]["bytes"], SIZE as u64);
    assert_eq!(state["versions"][0]["sha256"], expected_sha);
}
