//! Reading and driving a console page through WebDriver: wait for an element, its text,
//! click, type; a background operation's end; whether the page fits its window.

use std::future::Future;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

/// How long an element or a state may take to appear.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Poll `probe` until it says yes, or fail naming `what`.
pub async fn until<F, Fut>(what: &str, timeout: Duration, mut probe: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !probe().await {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

pub async fn body_text(b: &Client) -> String {
    match b.find(Locator::Css("body")).await {
        Ok(body) => body.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

/// The element, waited for; a missing one fails with the page it was looked for on.
pub async fn element(b: &Client, css: &str) -> fantoccini::elements::Element {
    match b
        .wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css(css))
        .await
    {
        Ok(element) => element,
        Err(e) => {
            let url = b.current_url().await.ok();
            panic!("no `{css}` on {url:?}: {e}\n{}", body_text(b).await)
        }
    }
}

pub async fn text_of(b: &Client, css: &str) -> String {
    element(b, css).await.text().await.unwrap()
}

/// Click something that does not leave the page (a checkbox).
pub async fn tick(b: &Client, css: &str) {
    element(b, css).await.click().await.unwrap();
}

/// Click a link or a form's button and wait until the next page replaced this one (a
/// WebDriver click does not always wait for the navigation it starts).
pub async fn click(b: &Client, css: &str) {
    let old = b.find(Locator::Css("html")).await.unwrap();
    element(b, css).await.click().await.unwrap();
    until(
        &format!("the page after clicking `{css}`"),
        PATIENCE,
        || async { old.tag_name().await.is_err() },
    )
    .await;
}

pub async fn fill(b: &Client, css: &str, text: &str) {
    let field = b.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// A background operation's page, once htmx has swapped in its end (no reload).
pub async fn job_result(b: &Client) -> String {
    b.wait()
        .at_most(PATIENCE)
        .for_element(Locator::Css("#job[data-state=\"done\"]"))
        .await
        .unwrap_or_else(|e| panic!("the operation did not end on the page: {e}"));
    text_of(b, "#result").await
}

/// The page is no wider than the window (tables scroll inside their box).
pub async fn fits(b: &Client, page: &str) {
    let widths = b
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .unwrap();
    let (scroll, inner) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(
        scroll <= inner + 1,
        "{page} is {scroll} px wide in a {inner} px window"
    );
}
