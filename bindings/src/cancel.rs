//! Calls that wait on the network (a feed sync, an activation) are async exports: Kotlin gets a
//! `suspend fun`, Swift an `async` function. The work runs on a thread of its own, so the
//! caller's executor is never blocked, and it can be cancelled from the caller.

use ehk_core::feed::SyncCancel;
use std::sync::Arc;

/// A cancel for one call (a sync or an activation), made by the caller before it starts that
/// call and passed to it: a `cancel()` at any time, even before the call has begun, stops that
/// call and no other (Swift does not pass a task's cancellation to Rust; its
/// `withTaskCancellationHandler` may run before the call starts). One per call.
#[derive(uniffi::Object, Default)]
pub struct Cancellation(SyncCancel);

#[uniffi::export]
impl Cancellation {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    pub fn cancel(&self) {
        self.0.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.is_cancelled()
    }
}

/// Cancels the call it belongs to when the caller drops the call's future (a cancelled Kotlin
/// coroutine); disarmed once the call has finished.
struct CancelOnDrop(Option<SyncCancel>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(token) = self.0.take() {
            token.cancel();
        }
    }
}

/// Runs `work` on a new thread named `name` with the caller's cancel (or a fresh one) and
/// awaits its result. Dropping the returned future cancels the work. `None`: no thread could
/// be started, or it ended without an answer.
pub(crate) async fn on_own_thread<T: Send + 'static>(
    name: &str,
    cancellation: Option<Arc<Cancellation>>,
    work: impl FnOnce(&SyncCancel) -> T + Send + 'static,
) -> Option<T> {
    let token = cancellation.map(|c| c.0.clone()).unwrap_or_default();
    let mut armed = CancelOnDrop(Some(token.clone()));
    let (done, result) = futures_channel::oneshot::channel();
    std::thread::Builder::new()
        .name(name.into())
        .spawn(move || {
            let _ = done.send(work(&token));
        })
        .ok()?;
    let answer = result.await.ok();
    armed.0 = None;
    answer
}
