//! The `assetrelay-sandbox` binary: flags and graceful shutdown.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::eventually;

const BIN: &str = env!("CARGO_BIN_EXE_assetrelay-sandbox");

fn help() -> String {
    let out = Command::new(BIN)
        .arg("--help")
        .env("ASSETRELAY_SANDBOX_PS_API_KEY", "super-secret-key")
        .output()
        .unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_lists_every_flag() {
    let help = help();

    for flag in [
        "--listen",
        "--ingress-url",
        "--connection",
        "--seed",
        "--id-seed",
        "--state-file",
        "--log-json",
        "--photoshelter-webhook-secret",
        "--smintio-webhook-secret",
        "--webhook-max-attempts",
        "--webhook-initial-backoff-ms",
        "--webhook-max-backoff-ms",
        "--webhook-timeout-ms",
        "--token-lifetime-secs",
        "--ps-api-key",
        "--ps-email",
        "--ps-password",
        "--ps-org-id",
        "--ps-oauth-token",
        "--smintio-tenant",
        "--smintio-client-id",
        "--smintio-client-secret",
        "--smintio-refresh-token",
        "--adapter-secret",
        "--adapter-signature-header",
        "--adapter-timestamp-header",
        "--adapter-tolerance-secs",
    ] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn help_never_shows_a_secret_from_the_environment() {
    assert!(!help().contains("super-secret-key"));
}

#[cfg(unix)]
#[tokio::test]
async fn the_binary_saves_its_state_file_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(BIN)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--state-file"])
        .arg(&state)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let health = format!("http://127.0.0.1:{port}/_sandbox/health");
    eventually("the binary to serve", || async {
        reqwest::get(&health)
            .await
            .ok()
            .filter(|r| r.status() == 200)
    })
    .await;

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();

    assert!(killed.success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the binary did not stop on SIGTERM");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
    assert!(state.exists(), "the state file is saved on SIGTERM");
}
