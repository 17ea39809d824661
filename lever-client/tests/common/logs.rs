//! Captured tracing output: what a test's calls logged, as text, to assert on.

use std::io::Write;
use std::sync::{Arc, Mutex};

/// Everything a [`Logs::subscriber`] wrote.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    /// A plain-text subscriber at `level` that also logs each span when it closes (with its
    /// recorded fields), writing into the returned capture.
    pub fn subscriber(level: tracing::Level) -> (Logs, impl tracing::Subscriber + Send + Sync) {
        let logs = Logs::default();
        let writer = logs.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        (logs, subscriber)
    }

    /// What was written so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}
