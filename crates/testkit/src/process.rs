//! The binaries under test as processes: a port to give them, and the signal an
//! orchestrator stops them with.

use std::process::ExitStatus;
use std::time::Duration;

use tokio::process::Child;

/// A port free on 127.0.0.1 right now: bound, read and released, for a child process to
/// listen on (it could be taken in between; on a test machine that does not happen).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port on 127.0.0.1")
        .port()
}

/// Send SIGTERM to `child`, as Kubernetes or systemd stops a service, and wait for it to
/// exit; panics if it is still running after `within`.
pub async fn terminate(child: &mut Child, within: Duration) -> ExitStatus {
    let pid = child.id().expect("the child is still running").to_string();
    // `kill` rather than a signal crate: the workspace forbids unsafe code, and one
    // command is all a test needs.
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(sent.success(), "kill -TERM {pid}: {sent}");
    tokio::time::timeout(within, child.wait())
        .await
        .unwrap_or_else(|_| panic!("still running {within:?} after SIGTERM"))
        .expect("the child's exit status")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_terminated_child_exits_by_the_signal() {
        use std::os::unix::process::ExitStatusExt;
        let mut child = tokio::process::Command::new("sleep")
            .arg("30")
            .kill_on_drop(true)
            .spawn()
            .unwrap();

        let status = terminate(&mut child, Duration::from_secs(5)).await;

        assert_eq!(status.signal(), Some(15), "{status:?}");
    }

    #[test]
    fn a_free_port_can_be_bound() {
        let port = free_port();
        assert!(std::net::TcpListener::bind(("127.0.0.1", port)).is_ok());
    }
}
