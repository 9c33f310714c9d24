//! A progress line on standard error for long runs that read standard input (`check` of a
//! large list, `probe` of many URLs), as the recon tools researchers use show one. Only when
//! standard error is a terminal, and not with `--no-progress`: piped or redirected runs, CI
//! and tests never see it.

use std::io::{self, IsTerminal, Read};

use indicatif::{ProgressBar, ProgressStyle};

/// Standard input, counting what is read on a spinner line when a terminal shows it.
pub struct ProgressReader<R> {
    inner: R,
    bar: Option<ProgressBar>,
}

impl<R: Read> ProgressReader<R> {
    pub fn new(inner: R, what: &'static str, disabled: bool) -> Self {
        let bar = (!disabled && io::stderr().is_terminal()).then(|| {
            let bar = ProgressBar::new_spinner();
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "{{spinner}} {what}: {{bytes}} read ({{bytes_per_sec}}), {{elapsed}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        ProgressReader { inner, bar }
    }
}

impl<R: Read> Read for ProgressReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
            if n == 0 {
                bar.finish_and_clear();
            }
        }
        Ok(n)
    }
}

impl<R> Drop for ProgressReader<R> {
    fn drop(&mut self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
