//! `assetrelay healthcheck --url …`: the binary against the in-process sandbox (its
//! `/_sandbox/health` answers 200, an unknown path 404), with an empty environment and a
//! configuration file that does not exist, so a probe provably reads no configuration.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failed assertion

use std::process::Output;

use assetrelay_sandbox::SandboxConfig;

async fn healthcheck(url: &str) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_assetrelay"))
        .args(["healthcheck", "--timeout-ms", "2000", "--url", url])
        .env_clear()
        .env("ASSETRELAY_CONFIG", "/nonexistent/assetrelay.toml")
        .output()
        .await
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test]
async fn exits_0_when_the_endpoint_answers_2xx() {
    let sandbox = assetrelay_sandbox::spawn(SandboxConfig::default())
        .await
        .unwrap();

    let output = healthcheck(&format!("{}/_sandbox/health", sandbox.base_url)).await;

    assert!(output.status.success(), "{output:?}");
    sandbox.stop().await;
}

#[tokio::test]
async fn exits_1_with_the_status_when_the_endpoint_answers_otherwise() {
    let sandbox = assetrelay_sandbox::spawn(SandboxConfig::default())
        .await
        .unwrap();

    let output = healthcheck(&format!("{}/no-such-probe", sandbox.base_url)).await;

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert_eq!(
        stderr(&output),
        format!(
            "unhealthy: http://{}/no-such-probe: answered 404 Not Found\n",
            sandbox.addr
        )
    );
    sandbox.stop().await;
}

#[tokio::test]
async fn exits_1_on_one_line_without_the_credentials_when_nothing_listens() {
    let port = assetrelay_testkit::free_port();

    let output = healthcheck(&format!(
        "http://probe:s3cret@127.0.0.1:{port}/healthz?token=t0ken"
    ))
    .await;

    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = stderr(&output);
    assert!(
        stderr.starts_with(&format!("unhealthy: http://127.0.0.1:{port}/healthz: ")),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        !stderr.contains("s3cret") && !stderr.contains("t0ken"),
        "{stderr}"
    );
}
