//! The real binary with a malformed `broker.url` that carries a password: it must refuse
//! to start at once, naming the key, and print the password nowhere.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;

const PASSWORD: &str = "s3cr3tpw";

#[tokio::test]
async fn a_broker_url_without_slashes_stops_the_ingress_at_start_without_printing_its_password() {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay-ingress"))
        .env_clear()
        // No `//`: the AMQP parser used to answer with the whole URL in its error.
        .env(
            "ASSETRELAY_BROKER__URL",
            format!("amqp:guest:{PASSWORD}@127.0.0.1:5672"),
        )
        .env("ASSETRELAY_INGRESS__LISTEN", "127.0.0.1:0")
        .env("ASSETRELAY_TOPOLOGY__DECLARE_ON_START", "false")
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let read = |mut pipe: Box<dyn tokio::io::AsyncRead + Unpin + Send>| {
        tokio::spawn(async move {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text).await;
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let stdout = read(Box::new(child.stdout.take().unwrap()));
    let stderr = read(Box::new(child.stderr.take().unwrap()));

    let exited = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    if exited.is_err() {
        child.kill().await.unwrap();
    }
    let (stdout, stderr) = (stdout.await.unwrap(), stderr.await.unwrap());

    let status = exited
        .unwrap_or_else(|_| panic!("still running after 10 s; its output:\n{stdout}\n{stderr}"))
        .unwrap();
    assert!(!status.success(), "{status:?}");
    assert!(stderr.contains("broker.url"), "{stderr}");
    assert!(
        !stdout.contains(PASSWORD) && !stderr.contains(PASSWORD),
        "the password leaked:\n{stdout}\n{stderr}"
    );
}
