//! The real `ctip-api` binary as a child process, for what only a whole process shows (its log,
//! its exit). It serves the embedded default (synthetic demo data) from a temporary directory.
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct ChildServer {
    child: Child,
    pub addr: SocketAddr,
    /// Every line the process has written to stdout (its log) so far.
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl ChildServer {
    /// Starts `ctip-api serve` with JSON logs and `env`, and waits until it listens.
    pub fn start(env: &[(&str, &str)]) -> ChildServer {
        let dir = tempfile::tempdir().unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ctip-api"))
            .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json"])
            .current_dir(dir.path())
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                sink.lock().unwrap().push(line);
            }
        });
        let mut server = ChildServer {
            child,
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            lines,
            reader: Some(reader),
            _dir: dir,
        };
        let started = Instant::now();
        server.addr = loop {
            let found = server.log().iter().find_map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).ok()?;
                v["fields"]["addr"].as_str()?.parse().ok()
            });
            if let Some(addr) = found {
                break addr;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "the server did not start: {:?}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn log(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Sends SIGTERM and waits for the process to exit; its whole log is then read.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        status
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
