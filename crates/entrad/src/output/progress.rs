//! Items, pages and rate on stderr, only for a person watching a terminal.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A spinner that counts items and pages; inert when stderr is not a terminal.
pub struct Progress {
    bar: Option<ProgressBar>,
    pages: u64,
}

impl Progress {
    /// Shows progress only if `wanted` (not `-q`) and stderr is a terminal.
    pub fn new(wanted: bool) -> Progress {
        let bar = (wanted && std::io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
            // The template is a constant known to parse; fall back to the default style anyway.
            if let Ok(style) = ProgressStyle::with_template(
                "{spinner} {human_pos} items, {msg} pages, {per_sec} [{elapsed}]",
            ) {
                bar.set_style(style);
            }
            bar.set_message("0");
            bar
        });
        Progress { bar, pages: 0 }
    }

    /// One more page of `items` items.
    pub fn page(&mut self, items: usize) {
        self.pages += 1;
        if let Some(bar) = &self.bar {
            bar.inc(items as u64);
            bar.set_message(self.pages.to_string());
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
