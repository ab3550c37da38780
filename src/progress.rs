//! Progress of a long import on the command line: a bar when stderr is a terminal, a plain line
//! every few seconds when it is not (a log, CI, `nohup`), so that both a person and a log reader
//! see how far it has got.
use std::io::{IsTerminal, Read};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// How often a plain progress line is written when stderr is not a terminal.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Counts the bytes read through it and shows how far the file has been read.
pub struct ProgressReader<R> {
    inner: R,
    total: u64,
    read: u64,
    started: Instant,
    shown: Instant,
    bar: Option<ProgressBar>,
    done: bool,
}

impl<R: Read> ProgressReader<R> {
    /// `total`: the size of the file in bytes.
    pub fn new(inner: R, total: u64) -> Self {
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = ProgressBar::new(total);
            let style = ProgressStyle::with_template(
                "{msg:10} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.set_message("checking");
            bar
        });
        if bar.is_none() {
            eprintln_plain(&format!("reading {} and checking every line", mb(total)));
        }
        let now = Instant::now();
        ProgressReader {
            inner,
            total,
            read: 0,
            started: now,
            shown: now,
            bar,
            done: false,
        }
    }

    fn advance(&mut self, n: usize) {
        self.read += n as u64;
        if let Some(bar) = &self.bar {
            bar.set_position(self.read);
        } else if self.shown.elapsed() >= PLAIN_EVERY {
            self.shown = Instant::now();
            let percent = (self.read * 100).checked_div(self.total).unwrap_or(100);
            eprintln_plain(&format!(
                "{percent}% read ({} of {})",
                mb(self.read),
                mb(self.total)
            ));
        }
    }

    /// The whole file has been read: what remains is the database's part.
    fn finish_reading(&mut self) {
        if std::mem::replace(&mut self.done, true) {
            return;
        }
        let secs = self.started.elapsed().as_secs_f64();
        match &self.bar {
            Some(bar) => {
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_message(format!(
                    "read and checked {} in {secs:.1} s; writing to the database",
                    mb(self.read)
                ));
                bar.enable_steady_tick(Duration::from_millis(200));
            }
            None => eprintln_plain(&format!(
                "read and checked {} in {secs:.1} s",
                mb(self.read)
            )),
        }
    }

    /// What is shown, to be cleared once the reader has gone into the import.
    pub fn shown(&self) -> Shown {
        Shown(self.bar.clone())
    }
}

/// The bar on the terminal, if there is one.
pub struct Shown(Option<ProgressBar>);

impl Shown {
    /// Removes the bar (before the summary is printed).
    pub fn clear(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() {
            self.finish_reading();
        } else {
            self.advance(n);
        }
        Ok(n)
    }
}

fn eprintln_plain(line: &str) {
    use std::io::Write;
    // Progress is a courtesy: a closed stderr must not stop the import.
    let _ = writeln!(std::io::stderr().lock(), "import: {line}");
}

fn mb(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}
