//! Page helpers on [`Browser`] for dashboard tests: open, click, type, read,
//! and wait for a condition by polling the page (never a fixed sleep).

use std::time::Duration;

use fantoccini::Locator;

use crate::Browser;

impl Browser {
    /// Navigates to `url` and waits for the page to load.
    pub async fn open(&self, url: &str) -> crate::Result<()> {
        self.client()
            .goto(url)
            .await
            .map_err(|e| format!("cannot open {url}: {e}"))?;
        Ok(())
    }

    /// Waits up to `timeout` for an element matching `css` and clicks it.
    pub async fn click(&self, css: &str, timeout: Duration) -> crate::Result<()> {
        let element = self.wait_element(css, timeout).await?;
        element
            .click()
            .await
            .map_err(|e| format!("cannot click {css}: {e}"))?;
        Ok(())
    }

    /// Replaces the text of the input matching `css` by `text`, as typing does
    /// (select all, then type, so `input` events fire).
    pub async fn type_into(&self, css: &str, text: &str, timeout: Duration) -> crate::Result<()> {
        let element = self.wait_element(css, timeout).await?;
        element.click().await?;
        // Ctrl+A, release the modifier, Backspace, then the text.
        element.send_keys("\u{E009}a\u{E000}\u{E003}").await?;
        if !text.is_empty() {
            element.send_keys(text).await?;
        }
        Ok(())
    }

    /// The texts of every element matching `css`, in document order. An
    /// element the page re-rendered between finding and reading it (a stale
    /// reference) makes it look again, a few times.
    pub async fn texts(&self, css: &str) -> crate::Result<Vec<String>> {
        let mut attempts = 0;
        'look: loop {
            attempts += 1;
            let mut out = Vec::new();
            for element in self.client().find_all(Locator::Css(css)).await? {
                match element.text().await {
                    Ok(text) => out.push(text),
                    Err(fantoccini::error::CmdError::Standard(e))
                        if e.error == fantoccini::error::ErrorStatus::StaleElementReference
                            && attempts < 5 =>
                    {
                        continue 'look;
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            return Ok(out);
        }
    }

    /// An attribute of the first element matching `css` (waiting up to `timeout` for it).
    pub async fn attr(
        &self,
        css: &str,
        name: &str,
        timeout: Duration,
    ) -> crate::Result<Option<String>> {
        let element = self.wait_element(css, timeout).await?;
        Ok(element.attr(name).await?)
    }

    /// Polls the texts of every element matching `css` until `ok` accepts
    /// them; returns them, or an error showing the last texts seen.
    pub async fn wait_texts(
        &self,
        css: &str,
        timeout: Duration,
        ok: impl Fn(&[String]) -> bool,
    ) -> crate::Result<Vec<String>> {
        let found = crate::poll_async(timeout, async || match self.texts(css).await {
            Err(e) => Ok(Err(e)),
            Ok(texts) if ok(&texts) => Ok(Ok(texts)),
            Ok(texts) => Err(texts),
        })
        .await;
        found.unwrap_or_else(|timed_out| {
            Err(format!(
                "{css}: condition not met within {timeout:?}; last seen {:?}",
                timed_out.last
            )
            .into())
        })
    }

    /// Scrolls the first element matching `css` into view (for screenshots).
    pub async fn scroll_to(&self, css: &str, timeout: Duration) -> crate::Result<()> {
        self.wait_element(css, timeout).await?;
        let script = "document.querySelector(arguments[0]).scrollIntoView({block: 'center'})";
        self.client()
            .execute(script, vec![serde_json::Value::String(css.to_owned())])
            .await?;
        Ok(())
    }

    /// Runs `script` in the page and reads the value it returns as a `T`.
    pub async fn json<T: serde::de::DeserializeOwned>(&self, script: &str) -> crate::Result<T> {
        let value = self
            .client()
            .execute(script, vec![])
            .await
            .map_err(|e| format!("script failed: {e}: {script}"))?;
        Ok(serde_json::from_value(value)
            .map_err(|e| format!("script result of an unexpected shape: {e}: {script}"))?)
    }

    /// Runs `script` (which returns JSON) until `ok` accepts the value it
    /// reads as a `T`; returns it, or panics after `timeout` with `what`
    /// and the last value seen. Polls, never sleeps blind.
    pub async fn wait_json<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        &self,
        script: &str,
        what: &str,
        timeout: Duration,
        ok: impl Fn(&T) -> bool,
    ) -> T {
        crate::eventually_async(timeout, what, async || {
            let value = self
                .client()
                .execute(script, vec![])
                .await
                .expect("run script");
            match serde_json::from_value::<T>(value).ok() {
                Some(v) if ok(&v) => Ok(v),
                last => Err(last),
            }
        })
        .await
    }

    /// Polls the page's URL until `ok` accepts it; returns it, or an error
    /// showing the URL it stayed at.
    pub async fn wait_url(
        &self,
        timeout: Duration,
        ok: impl Fn(&str) -> bool,
    ) -> crate::Result<String> {
        let found = crate::poll_async(timeout, async || match self.client().current_url().await {
            Err(e) => Ok(Err(e.into())),
            Ok(url) if ok(url.as_str()) => Ok(Ok(url.to_string())),
            Ok(url) => Err(url.to_string()),
        })
        .await;
        found.unwrap_or_else(|timed_out| {
            Err(format!("the URL stayed {} for {timeout:?}", timed_out.last).into())
        })
    }

    /// The text of an open `alert()`, if any.
    pub async fn alert_text(&self) -> Option<String> {
        self.client().get_alert_text().await.ok()
    }

    /// Resizes the window (e.g. to a phone's 390×844).
    pub async fn resize(&self, width: u32, height: u32) -> crate::Result<()> {
        self.client().set_window_size(width, height).await?;
        Ok(())
    }

    async fn wait_element(
        &self,
        css: &str,
        timeout: Duration,
    ) -> crate::Result<fantoccini::elements::Element> {
        Ok(self
            .client()
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("no element {css} within {timeout:?}: {e}"))?)
    }
}
