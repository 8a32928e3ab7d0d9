//! A minimal W3C WebDriver client: HTTP/1.1 over a TCP socket to chromedriver on 127.0.0.1,
//! JSON bodies with serde_json. Enough for this test: sessions, navigation, scripts, keys,
//! window size, screenshots, browser logs. No dependency beyond the standard library.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A running chromedriver with one Chromium session; both end when dropped.
pub struct Browser {
    driver: Child,
    port: u16,
    session: String,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium with a fresh profile in `profile`.
    pub fn start(chromium: &str, chromedriver: &str, profile: &std::path::Path) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while browser.request("GET", "/status", None).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not answer");
            std::thread::sleep(Duration::from_millis(100));
        }
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.display()),
                    "--window-size=1400,1800",
                ]
            }
        }}});
        let v = browser
            .request("POST", "/session", Some(&caps))
            .expect("a session starts");
        browser.session = v["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {v}"))
            .to_string();
        browser
    }

    /// `POST /session/{id}/{path}` (or GET without a body); returns the `value` field.
    pub fn call(&self, method: &str, path: &str, body: Option<&Value>) -> Value {
        let v = self
            .request(method, &format!("/session/{}/{path}", self.session), body)
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        if let Some(err) = v["value"].get("error") {
            panic!("{method} {path}: {err}: {}", v["value"]["message"]);
        }
        v["value"].clone()
    }

    /// Opens a URL and waits for the load.
    pub fn goto(&self, url: &str) {
        self.call("POST", "url", Some(&json!({ "url": url })));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub fn run(&self, script: &str, args: Value) -> Value {
        self.call(
            "POST",
            "execute/sync",
            Some(&json!({ "script": script, "args": args })),
        )
    }

    /// Polls `condition` (a JS expression) until it is true.
    pub fn wait_for(&self, condition: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.run(&format!("return !!({condition});"), json!([])) == json!(true) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {condition}"
            );
            std::thread::sleep(Duration::from_millis(30));
        }
    }

    /// Types `keys` (WebDriver key codes allowed) into the element matching `css`.
    pub fn send_keys(&self, css: &str, keys: &str) {
        let el = self.call(
            "POST",
            "element",
            Some(&json!({"using": "css selector", "value": css})),
        );
        let id = el
            .as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("element id")
            .to_string();
        self.call(
            "POST",
            &format!("element/{id}/value"),
            Some(&json!({ "text": keys })),
        );
    }

    /// Sets the window's outer size.
    pub fn resize(&self, width: u32, height: u32) {
        self.call(
            "POST",
            "window/rect",
            Some(&json!({"width": width, "height": height})),
        );
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        use base64::Engine as _;
        let b64 = self.call("GET", "screenshot", None);
        base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().expect("base64 screenshot"))
            .expect("valid base64")
    }

    /// Browser console entries since the last call (chromedriver's log endpoint).
    pub fn console(&self) -> Vec<Value> {
        let v = self.call("POST", "se/log", Some(&json!({"type": "browser"})));
        v.as_array().cloned().unwrap_or_default()
    }

    /// One HTTP/1.1 request to chromedriver; the parsed JSON response.
    fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value, String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(120)))
            .map_err(|e| e.to_string())?;
        let body = body.map(Value::to_string).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            self.port,
            body.len()
        );
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(body.as_bytes()))
            .map_err(|e| e.to_string())?;
        // chromedriver may keep the connection open: read the head, then Content-Length bytes
        // (or chunks up to the final empty one).
        let mut raw = Vec::new();
        let mut buf = [0u8; 65536];
        let split = loop {
            if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
                break p;
            }
            let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("connection closed before the HTTP header".into());
            }
            raw.extend_from_slice(&buf[..n]);
        };
        let headers = String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase();
        let mut payload = raw[split + 4..].to_vec();
        let length = headers
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        let chunked = headers.contains("transfer-encoding: chunked");
        loop {
            let complete = match length {
                Some(len) => payload.len() >= len,
                None if chunked => payload.ends_with(b"0\r\n\r\n"),
                None => false,
            };
            if complete {
                break;
            }
            let n = stream.read(&mut buf).map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            payload.extend_from_slice(&buf[..n]);
        }
        if chunked {
            payload = dechunk(&payload);
        }
        serde_json::from_slice(&payload).map_err(|e| format!("bad JSON from chromedriver: {e}"))
    }
}

/// Decodes an HTTP chunked body.
fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = data.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&data[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&data[eol + 2..eol + 2 + size]);
        data = &data[eol + 2 + size + 2..];
    }
    out
}

impl Drop for Browser {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self.request("DELETE", &format!("/session/{}", self.session), None);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
