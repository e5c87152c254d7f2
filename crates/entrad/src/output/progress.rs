//! Items, pages and rate on stderr, only for a person watching a terminal.

use std::io::{IsTerminal, Write as _};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner that counts items and pages; inert when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
    started: Instant,
    items: u64,
    pages: u64,
}

impl Progress {
    /// Shows progress only if `wanted` (not `-q`) and stderr is a terminal.
    pub fn new(wanted: bool) -> Progress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            // A constant template that parses; the default style would do if it did not.
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        });
        Progress {
            bar,
            started: Instant::now(),
            items: 0,
            pages: 0,
        }
    }

    /// One more page of `items` items.
    pub fn page(&mut self, items: usize) {
        self.pages += 1;
        self.items += items as u64;
        if let Some(bar) = &self.bar {
            let seconds = self.started.elapsed().as_secs_f64().max(0.001);
            bar.set_message(format!(
                "{} items, {} pages, {:.0} items/s",
                self.items,
                self.pages,
                self.items as f64 / seconds
            ));
        }
    }

    /// A line on stderr for the person or the script reading it, above the
    /// spinner when there is one; a closed stderr loses the line, nothing more.
    pub fn note(&self, line: &str) {
        let write = || {
            let _ = writeln!(std::io::stderr(), "{line}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
