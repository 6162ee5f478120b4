//! `ehk-server`: the issuer's service. It keeps the issuer's cards and their holders' data,
//! makes activation letters, activates device-bound cards on phones (and moves them to a new
//! phone), revokes, and signs the revocation list the feed publishes. One process per issuer;
//! SQLite by default, PostgreSQL for several instances.

pub mod config;
pub mod http;
pub mod load;
pub mod postgres;
pub mod ratelimit;
pub mod secret;
pub mod service;
pub mod sqlite;
pub mod store;

use config::{Config, SignerConfig};
use ehk_core::cose::CoseSigner;
use ehk_issuer::letter::LetterFonts;
use http::AppState;
use ratelimit::RateLimiter;
use secret::ServiceSecret;
use service::{Admin, Service, Settings, TrustListFile};
use std::sync::Arc;
use store::Database;

/// The issuer key as the configuration names it. The service signs with it and never shows
/// it; a hardware module would be another [`SignerConfig`] kind returning its own
/// [`CoseSigner`].
pub fn signer(config: &SignerConfig) -> Result<Arc<dyn CoseSigner>, String> {
    match config {
        SignerConfig::File { path } => ehk_core::keys::IssuerKey::read_secret_file(path)
            .map(|k| Arc::new(k) as Arc<dyn CoseSigner>)
            .map_err(|e| format!("issuer key {}: {e}", path.display())),
    }
}

pub fn settings(config: &Config) -> Result<Settings, String> {
    let trust_list = match (&config.trust_list, &config.root_key) {
        (Some(path), Some(root)) => Some(TrustListFile {
            path: path.clone(),
            root: ehk_core::keys::read_public_file(root)
                .map_err(|e| format!("root_key {}: {e}", root.display()))?,
        }),
        (Some(_), None) => {
            return Err("trust_list needs root_key: the list is checked before it is used".into())
        }
        (None, _) => None,
    };
    Ok(Settings {
        project_id: config.project_id,
        regions: config.regions.clone(),
        public_url: config.public_url.trim_end_matches('/').to_string(),
        code_validity_days: config.activation.code_validity_days,
        max_attempts: config.activation.max_attempts,
        revocation_validity_days: config.activation.revocation_validity_days,
        trust_list,
        revocation_list_out: config.revocation_list_out.clone(),
        issuer_name: config.issuer_name.clone(),
        region_names: config
            .region_names
            .iter()
            .filter_map(|(k, v)| Some((k.parse().ok()?, v.clone())))
            .collect(),
    })
}

/// Everything a running service needs, on `db`.
pub fn state<D: Database>(db: D, config: &Config) -> Result<Arc<AppState<D>>, String> {
    let secret = ServiceSecret::read_file(&config.secret_file)?;
    let service = Service::new(db, signer(&config.signer)?, secret, settings(config)?);
    let fonts = match &config.font_dir {
        Some(dir) => LetterFonts::from_dir(dir),
        None => LetterFonts::debian(),
    };
    let fonts = match fonts {
        Ok(fonts) => Some(fonts),
        Err(e) => {
            log::warn!("no PDF letters: {e}");
            None
        }
    };
    Ok(Arc::new(AppState {
        service,
        limiter: RateLimiter::new(
            config.activation.per_client_per_minute,
            config.activation.overall_per_minute,
        )
        .with_trusted_proxies(config.activation.trusted_proxies.clone()),
        apps: config.apps.clone(),
        fonts,
        clock_offset: 0,
    }))
}

/// Serves until `shutdown` completes. Signs the revocation list afresh once a day, so it never
/// expires while the service runs.
pub async fn serve<D: Database>(
    state: Arc<AppState<D>>,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let resign = state.clone();
    let daily = tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(86_400));
        loop {
            interval.tick().await;
            let s = resign.clone();
            let result = tokio::task::spawn_blocking(move || {
                s.service
                    .publish_revocations(&Admin::project("system"), s.now())
            })
            .await;
            match result {
                Ok(Ok(version)) => log::info!("revocation list {version} signed"),
                Ok(Err(e)) => log::error!("revocation list not signed: {e}"),
                Err(e) => log::error!("revocation list task failed: {e}"),
            }
        }
    });
    let app = http::router(state);
    let result = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    daily.abort();
    result
}

/// A service running on its own threads until dropped: for the demo and the tests, which run
/// it in-process on a loopback port.
pub struct Background {
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Serves `state` on `listener` (bound already, so the caller knows the port).
    pub fn start<D: Database>(
        state: Arc<AppState<D>>,
        listener: std::net::TcpListener,
    ) -> std::io::Result<Background> {
        let trust = state
            .service
            .check_trust(state.now())
            .map_err(std::io::Error::other)?;
        log::info!("{trust}");
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            runtime.block_on(async move {
                let listener = match tokio::net::TcpListener::from_std(listener) {
                    Ok(l) => l,
                    Err(e) => {
                        log::error!("ehk-server: {e}");
                        return;
                    }
                };
                if let Err(e) = serve(state, listener, async {
                    let _ = stopped.await;
                })
                .await
                {
                    log::error!("ehk-server: {e}");
                }
            });
        });
        Ok(Background {
            addr,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
