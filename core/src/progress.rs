//! Progress of long operations (a feed sync, a batch of cards).

/// Told how far a long operation has come. Implemented by the CLI's progress bar and, through
/// the bindings, by the shells.
pub trait Progress {
    fn progress(&self, done: u64, total: u64);
}

/// For callers that do not show progress.
pub struct NoProgress;

impl Progress for NoProgress {
    fn progress(&self, _: u64, _: u64) {}
}
