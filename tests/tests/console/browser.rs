//! A real browser for the console's tests: Debian's Chromium, headless, driven over
//! WebDriver by `chromedriver` (packages `chromium` and `chromium-driver`; `.ci/run`
//! installs them). A test that needs it fails, with what to install, when it is missing.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// `chromedriver` and the browser it drives.
pub struct Browser {
    pub client: fantoccini::Client,
    driver: Child,
}

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

impl Browser {
    /// Start chromedriver on a free port and open a headless Chromium window of
    /// `width`×`height`.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Self> {
        for path in [CHROMEDRIVER, CHROMIUM] {
            anyhow::ensure!(
                std::path::Path::new(path).exists(),
                "{path} is missing: the console's browser tests need Debian's Chromium and ChromeDriver (apt-get install chromium chromium-driver; .ci/run does)"
            );
        }
        // fantoccini's TLS (unused for a local chromedriver) needs a process-wide provider.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        let url = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        let capabilities: serde_json::Map<String, serde_json::Value> =
            serde_json::from_value(serde_json::json!({
                "goog:chromeOptions": {
                    "binary": CHROMIUM,
                    "args": [
                        "--headless=new", "--no-sandbox", "--disable-gpu",
                        "--disable-dev-shm-usage", "--hide-scrollbars",
                        format!("--window-size={width},{height}"),
                    ],
                }
            }))?;
        let client = loop {
            match fantoccini::ClientBuilder::rustls()?
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => break client,
                Err(e) if started.elapsed() > Duration::from_secs(20) => {
                    anyhow::bail!("chromedriver at {url} did not start a browser: {e}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        };
        client.set_window_size(width, height).await?;
        Ok(Self { client, driver })
    }

    /// Save a PNG of the window under `docs/console/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/console");
        std::fs::create_dir_all(&dir)?;
        let file = dir.join(format!("{name}.png"));
        std::fs::write(&file, png)?;
        Ok(file)
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill().await;
    }
}
