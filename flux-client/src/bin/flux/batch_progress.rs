//! Progress of a batch: lines done and failed, images per minute and time left, on the bar when
//! stderr is a terminal, else as a line every minute; and the closing summary's figures.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use indicatif::ProgressBar;

use crate::progress::{Progress, note};

/// How often a batch whose stderr is not a terminal reports its progress.
const PLAIN_EVERY: Duration = Duration::from_secs(60);

pub struct BatchProgress {
    bar: ProgressBar,
    started: Instant,
    /// Lines done or failed earlier: skipped by this run.
    earlier: AtomicU64,
    total: u64,
    done: AtomicU64,
    failed: AtomicU64,
    images: AtomicU64,
    last_plain: Mutex<Instant>,
}

impl BatchProgress {
    pub fn new(progress: Progress, total: u64) -> Self {
        let bar = progress.bar(total, "lines [{bar:30}] {pos}/{len} {elapsed} {msg}");
        let now = Instant::now();
        Self {
            bar,
            started: now,
            earlier: AtomicU64::new(0),
            total,
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            images: AtomicU64::new(0),
            last_plain: Mutex::new(now),
        }
    }

    pub fn bar(&self) -> &ProgressBar {
        &self.bar
    }

    /// Lines this run skips (done or failed earlier).
    pub fn skipped(&self, lines: u64) {
        self.earlier.fetch_add(lines, Ordering::Relaxed);
        self.bar.inc(lines);
    }

    pub fn line_done(&self, images: usize) {
        self.done.fetch_add(1, Ordering::Relaxed);
        self.images.fetch_add(images as u64, Ordering::Relaxed);
        self.advance();
    }

    pub fn line_failed(&self) {
        self.failed.fetch_add(1, Ordering::Relaxed);
        self.advance();
    }

    fn advance(&self) {
        self.bar.inc(1);
        if self.bar.is_hidden() {
            let mut last = self.last_plain.lock().unwrap_or_else(|e| e.into_inner());
            if last.elapsed() >= PLAIN_EVERY {
                *last = Instant::now();
                let finished = self.earlier.load(Ordering::Relaxed) + self.finished();
                crate::output::eprint_line(&format!(
                    "flux: {finished}/{} lines, {}",
                    self.total,
                    self.status()
                ));
            }
        } else {
            self.bar.set_message(self.status());
        }
    }

    fn finished(&self) -> u64 {
        self.done.load(Ordering::Relaxed) + self.failed.load(Ordering::Relaxed)
    }

    /// `3 failed, 598 images/min, about 2 min left`.
    fn status(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let finished = self.finished();
        let per_second = finished as f64 / elapsed;
        let to_run = self
            .total
            .saturating_sub(self.earlier.load(Ordering::Relaxed));
        let left = to_run.saturating_sub(finished);
        let eta = if per_second > 0.0 {
            format!(", about {} left", human(left as f64 / per_second))
        } else {
            String::new()
        };
        format!(
            "{} failed, {:.0} images/min{eta}",
            self.failed.load(Ordering::Relaxed),
            self.images.load(Ordering::Relaxed) as f64 / elapsed * 60.0,
        )
    }

    /// `120 lines in 12.4 s (9.7 lines/s, 580 images/min)`, for the closing summary.
    pub fn achieved(&self) -> String {
        let elapsed = self.started.elapsed().as_secs_f64().max(1e-3);
        let finished = self.finished();
        format!(
            "{finished} lines in {} ({:.1} lines/s, {:.0} images/min)",
            human(elapsed),
            finished as f64 / elapsed,
            self.images.load(Ordering::Relaxed) as f64 / elapsed * 60.0
        )
    }

    pub fn note(&self, line: &str) {
        note(&self.bar, line);
    }
}

/// `42 s`, `3 min 20 s`, `2 h 5 min`.
fn human(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    match whole {
        0..60 if seconds < 10.0 => format!("{seconds:.1} s"),
        0..60 => format!("{whole} s"),
        60..3600 => format!("{} min {} s", whole / 60, whole % 60),
        _ => format!("{} h {} min", whole / 3600, whole % 3600 / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human(4.26), "4.3 s");
        assert_eq!(human(42.0), "42 s");
        assert_eq!(human(200.0), "3 min 20 s");
        assert_eq!(human(7500.0), "2 h 5 min");
    }
}
