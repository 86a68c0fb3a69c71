//! `assetrelay healthcheck --url http://127.0.0.1:PORT/healthz`: one GET with a short
//! timeout, exit 0 on a 2xx answer and 1 otherwise with a one-line reason on stderr. The
//! container image's `HEALTHCHECK` and compose's healthchecks run it, so the image needs no
//! curl. It reads no configuration: a probe must not fail because a secret is unset.

use std::time::Duration;

use url::Url;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The endpoint to probe, e.g. http://127.0.0.1:8080/healthz or …/readyz.
    #[arg(long)]
    url: Url,
    /// Give up after this many milliseconds (connecting and answering).
    #[arg(long, default_value_t = 2_000)]
    timeout_ms: u64,
}

/// Why a probe failed: the one line printed before exiting 1.
#[derive(Debug)]
pub struct Unhealthy(pub String);

impl std::fmt::Display for Unhealthy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Unhealthy {}

/// Probe once; `Ok` is what it printed on success (`<target>: <status>`).
pub async fn run(args: Args) -> Result<String, Unhealthy> {
    let target = shown(&args.url);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(args.timeout_ms))
        // A probe answers for the endpoint it names, not for where a redirect leads.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| Unhealthy(format!("{target}: cannot build the HTTP client: {e}")))?;
    let response = client
        .get(args.url.clone())
        .send()
        .await
        .map_err(|e| Unhealthy(format!("{target}: {}", reason(&e))))?;
    let status = response.status();
    if status.is_success() {
        Ok(format!("{target}: {status}"))
    } else {
        Err(Unhealthy(format!("{target}: answered {status}")))
    }
}

/// The URL as printed: scheme, host, port and path; never user info or a query, which
/// may hold credentials.
fn shown(url: &Url) -> String {
    let host = url.host_str().unwrap_or("");
    match url.port_or_known_default() {
        Some(port) => format!("{}://{host}:{port}{}", url.scheme(), url.path()),
        None => format!("{}://{host}{}", url.scheme(), url.path()),
    }
}

/// The error and its causes on one line, without the URL reqwest would repeat.
fn reason(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        return "no answer in time (timeout)".to_owned();
    }
    let mut parts = Vec::new();
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.contains(&text) {
            parts.push(text);
        }
        source = cause.source();
    }
    if parts.is_empty() {
        parts.push(error.to_string());
    }
    parts.join(": ").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_printed_target_drops_credentials_and_the_query() {
        let url = Url::parse("http://user:secret@127.0.0.1:9101/readyz?token=abc").unwrap();

        assert_eq!(shown(&url), "http://127.0.0.1:9101/readyz");
    }
}
