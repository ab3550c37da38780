//! The real `ctip-api` binary as a child process, for what only a whole process shows (its log,
//! its trace export, its exit), since the tracing subscriber is global to a process. It runs in a
//! temporary directory with JSON logs and none of the test's own environment.
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the child serves.
pub enum Data {
    /// The embedded default, which fills itself with the synthetic demo data on first start.
    Demo,
    /// A fresh SQLite file: reference data only, keys from the test keys.
    Empty,
}

/// `ctip-api serve` on port 0; killed when dropped, whatever the test did.
pub struct ChildServer {
    child: Child,
    pub addr: SocketAddr,
    /// Every line the process wrote, stdout (the log) and stderr.
    output: Arc<Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
}

impl ChildServer {
    /// Starts the server with `env` (which must let the INFO line `ctip-api listening` through
    /// `RUST_LOG`, if it sets one) and waits until it listens.
    pub fn start(data: Data, env: &[(&str, &str)]) -> ChildServer {
        let dir = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ctip-api"));
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .current_dir(dir.path())
            // Nothing of the test's own environment (a database URL, an OTLP endpoint) leaks in.
            .env_clear()
            .env("RUST_LOG", "info");
        if let Data::Empty = data {
            let keys = crate::helpers::test_keys();
            let url = format!("sqlite://{}?mode=rwc", dir.path().join("ctip.db").display());
            cmd.args(["--database-url", &url])
                .env("CTIP_K2", keys.k2.to_hex());
        }
        let mut child = cmd
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let output = Arc::new(Mutex::new(Vec::new()));
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        // Both pipes are read to their end, so the child never blocks on a full one.
        let stdout = child.stdout.take().unwrap();
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = listening_address(&line) {
                    let _ = addr_tx.send(addr);
                }
                out.lock().unwrap().push(line);
            }
        });
        let stderr = child.stderr.take().unwrap();
        let out = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                out.lock().unwrap().push(line);
            }
        });
        let mut server = ChildServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            output,
            _dir: dir,
        };
        match addr_rx.recv_timeout(Duration::from_secs(120)) {
            Ok(addr) => server.addr = addr,
            Err(_) => panic!("the server did not start:\n{}", server.output()),
        }
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// The lines written so far.
    pub fn lines(&self) -> Vec<String> {
        self.output.lock().unwrap().clone()
    }

    pub fn output(&self) -> String {
        self.lines().join("\n")
    }

    /// Sends SIGTERM and waits (at most `within`) for the process to exit.
    pub async fn terminate(&mut self, within: Duration) -> ExitStatus {
        let pid = self.child.id();
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -TERM {pid} failed");
        let deadline = Instant::now() + within;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                // What the process wrote last is read before the test looks at it.
                tokio::time::sleep(Duration::from_millis(100)).await;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "pid {pid} still running {within:?} after SIGTERM:\n{}",
                self.output()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The address in the JSON log line `ctip-api listening: …`.
fn listening_address(line: &str) -> Option<SocketAddr> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let fields = &v["fields"];
    if !fields["message"]
        .as_str()?
        .starts_with("ctip-api listening")
    {
        return None;
    }
    fields["addr"].as_str()?.parse().ok()
}
