//! A minimal W3C WebDriver client over HTTP (ureq + serde_json), enough to drive headless
//! Chromium through chromedriver on 127.0.0.1: sessions, navigation, scripts, clicks, keys and
//! screenshots. Every call is bounded in time; the driver process is killed on drop.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

/// The WebDriver key codes used by the tests.
pub mod keys {
    pub const TAB: &str = "\u{E004}";
    pub const ENTER: &str = "\u{E007}";
    pub const ESCAPE: &str = "\u{E00C}";
    pub const ARROW_LEFT: &str = "\u{E012}";
    pub const ARROW_RIGHT: &str = "\u{E014}";
}

const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A chromedriver process and one browser session in it.
pub struct Browser {
    driver: Child,
    agent: ureq::Agent,
    base: String,
    session: String,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.agent.delete(&format!("{}/session/{}", self.base, self.session)).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Browser {
    /// Starts chromedriver on a free local port and opens a headless Chromium session with a
    /// fresh profile in `profile`.
    pub fn start(profile: &Path) -> Self {
        for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: run `make setup` (Debian packages chromium and chromium-driver)"
            );
        }
        let port = free_port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let mut browser = Self { driver, agent, base, session: String::new() };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let ready =
                browser.request("GET", "/status", None).ok().and_then(|v| v["ready"].as_bool());
            if ready == Some(true) {
                break;
            }
            assert!(Instant::now() < deadline, "chromedriver did not become ready in 30 s");
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = [
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--autoplay-policy=no-user-gesture-required".to_owned(),
            "--window-size=1000,1400".to_owned(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": "/usr/bin/chromium", "args": args}
        }}});
        let value = browser.request("POST", "/session", Some(caps)).expect("a browser session");
        browser.session = value["sessionId"].as_str().expect("sessionId").to_owned();
        browser
    }

    /// Sends one command; `Err` carries WebDriver's error message.
    fn request(&self, method: &str, path: &str, body: Option<Value>) -> Result<Value, String> {
        let url = format!("{}{path}", self.base);
        let response = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .header("Content-Type", "application/json")
                .send(body.unwrap_or_else(|| json!({})).to_string()),
        };
        let mut response = response.map_err(|e| e.to_string())?;
        let text = response.body_mut().read_to_string().map_err(|e| e.to_string())?;
        let value: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))?;
        if response.status().is_success() {
            Ok(value["value"].clone())
        } else {
            Err(format!("{}: {}", value["value"]["error"], value["value"]["message"]))
        }
    }

    fn session_path(&self, rest: &str) -> String {
        format!("/session/{}{rest}", self.session)
    }

    pub fn goto(&self, url: &str) {
        self.request("POST", &self.session_path("/url"), Some(json!({"url": url})))
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its value.
    pub fn eval(&self, script: &str, args: Value) -> Value {
        self.request(
            "POST",
            &self.session_path("/execute/sync"),
            Some(json!({"script": script, "args": args})),
        )
        .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Runs `script`, which calls `done(value)` (the last argument) when finished.
    pub fn eval_async(&self, script: &str, args: Value) -> Value {
        let body = format!("const done = arguments[arguments.length - 1];\n{script}");
        self.request(
            "POST",
            &self.session_path("/execute/async"),
            Some(json!({"script": body, "args": args})),
        )
        .unwrap_or_else(|e| panic!("async script failed: {e}\n{script}"))
    }

    /// Waits until `condition` (an expression) is truthy, polling for at most `seconds`.
    pub fn wait_for(&self, condition: &str, seconds: u64) -> bool {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            if self.eval(&format!("return !!({condition});"), json!([])).as_bool() == Some(true) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Clicks the element matching `css` as a user would (WebDriver element click).
    pub fn click(&self, css: &str) {
        let found = self
            .request(
                "POST",
                &self.session_path("/element"),
                Some(json!({"using": "css selector", "value": css})),
            )
            .unwrap_or_else(|e| panic!("no element {css}: {e}"));
        let id = found[ELEMENT_KEY].as_str().expect("element id").to_owned();
        self.request("POST", &self.session_path(&format!("/element/{id}/click")), Some(json!({})))
            .unwrap_or_else(|e| panic!("cannot click {css}: {e}"));
    }

    /// Presses and releases `key` (one of [`keys`] or a character).
    pub fn press(&self, key: &str) {
        let actions = json!({"actions": [{"type": "key", "id": "keyboard", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}
        ]}]});
        self.request("POST", &self.session_path("/actions"), Some(actions))
            .unwrap_or_else(|e| panic!("cannot press {key:?}: {e}"));
    }

    /// A PNG screenshot of the viewport.
    pub fn screenshot(&self) -> Vec<u8> {
        let data =
            self.request("GET", &self.session_path("/screenshot"), None).expect("screenshot");
        base64::engine::general_purpose::STANDARD
            .decode(data.as_str().expect("base64 text"))
            .expect("base64")
    }
}
