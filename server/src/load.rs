//! The load and crash test of the activation path: many clients activating cards at a real
//! `ehk-server` process on loopback, optionally killed with SIGKILL mid-way and restarted, and
//! afterwards a check of the database: every code used exactly once with its credential
//! recorded (the one its client got), or still usable; no card with two live credentials.
//! Used by `ehk-loadtest` (the figures in the README) and by the tests (small runs).

use crate::secret::ServiceSecret;
use crate::service::{Admin, NewCard, Service, Settings};
use crate::store::{Database, Totals, Tx};
use ed25519_dalek::SigningKey;
use ehk_core::activation::{ActivationCode, ActivationError, ActivationService};
use ehk_core::card::claims::CardType;
use ehk_core::keys::IssuerKey;
use ehk_core::trust::list::{IssuerEntry, Role, Roles, TrustList};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const REGION: u32 = 9162;

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// A libpq connection string of a database for this run.
    Postgres(String),
}

#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub activations: usize,
    pub clients: usize,
    /// Kill the service with SIGKILL after this many activations, then restart it.
    pub kill_after: Option<usize>,
    pub backend: Backend,
    /// The `ehk-server` binary.
    pub server_bin: PathBuf,
    pub work_dir: PathBuf,
}

#[derive(Debug, Clone)]
pub struct LoadReport {
    pub backend: &'static str,
    pub activations: usize,
    pub clients: usize,
    pub kills: usize,
    /// Requests answered by a network error (the service was down) and sent again.
    pub retries: usize,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    /// The database right after the kill, before the restart.
    pub after_kill: Option<Totals>,
    pub totals: Totals,
    /// Letters whose stored live credential is not exactly the one their client received.
    pub mismatched: usize,
}

impl LoadReport {
    pub fn per_second(&self) -> f64 {
        self.activations as f64 / self.elapsed.as_secs_f64()
    }

    /// The invariants a run must keep; the first one broken.
    pub fn check(&self) -> Result<(), String> {
        let n = self.activations as u64;
        let t = &self.totals;
        if t.codes_used != n || t.credentials != n || t.active_credentials != n {
            return Err(format!(
                "expected {n} used codes and credentials, got {t:?}"
            ));
        }
        if t.cards_with_two_active != 0 || t.used_codes_without_credential != 0 {
            return Err(format!("an activation was doubled or lost: {t:?}"));
        }
        if self.mismatched != 0 {
            return Err(format!(
                "{} clients hold another credential than the stored one",
                self.mismatched
            ));
        }
        if let Some(k) = &self.after_kill {
            if k.cards_with_two_active != 0
                || k.used_codes_without_credential != 0
                || k.codes_used != k.credentials
            {
                return Err(format!("after the kill: {k:?}"));
            }
        }
        Ok(())
    }
}

struct Prepared {
    config: PathBuf,
    url: String,
    letters: Vec<(i64, ActivationCode)>,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Keys, trust list, secret, configuration, and the cards with their letters, made through the
/// service's own rules before the service process starts.
fn prepare(o: &LoadOptions) -> Result<Prepared, String> {
    let dir = &o.work_dir;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    let root = IssuerKey::generate().map_err(|e| e.to_string())?;
    let issuer = IssuerKey::generate().map_err(|e| e.to_string())?;
    issuer
        .write_secret_file(&dir.join("issuer.key"))
        .map_err(|e| e.to_string())?;
    let now = unix_now();
    let mut trust = TrustList::new(1);
    trust.version = 1;
    trust.issued_at = now - 86_400;
    trust.expires_at = now + 30 * 86_400;
    trust
        .upsert_issuer(IssuerEntry {
            key_id: issuer.key_id(),
            public_key: issuer.public_key().to_bytes(),
            name: "Landkreis Last".into(),
            roles: Roles::of(&[Role::Cards]),
            regions: Some(vec![REGION]),
            card_types: CardType::Standard.bit() | CardType::Gold.bit(),
            valid_from: now - 86_400,
            valid_until: now + 365 * 86_400,
            withdrawn: false,
        })
        .map_err(|e| e.to_string())?;
    std::fs::write(
        dir.join("trust-list.cose"),
        trust.sign(&root).map_err(|e| e.to_string())?,
    )
    .map_err(|e| e.to_string())?;
    root.write_public_file(&dir.join("root.key.pub"))
        .map_err(|e| e.to_string())?;
    let secret = ServiceSecret::create_file(&dir.join("secret.hex"))?;
    let port = free_port().map_err(|e| e.to_string())?;
    let url = format!("http://127.0.0.1:{port}");
    let database = match &o.backend {
        Backend::Sqlite => "kind = \"sqlite\"\npath = \"load.db\"".to_string(),
        Backend::Postgres(conn) => {
            format!("kind = \"postgres\"\nurl = \"{conn}\"\npool_size = 32")
        }
    };
    let config = dir.join("ehk-server.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:{port}\"\npublic_url = \"{url}\"\nproject_id = 1\n\
             issuer_name = \"Landkreis Last\"\n\
             regions = [{REGION}]\nsecret_file = \"secret.hex\"\ntrust_list = \"trust-list.cose\"\n\
             root_key = \"root.key.pub\"\n\
             [database]\n{database}\n[signer]\nkind = \"file\"\npath = \"issuer.key\"\n\
             [activation]\nper_client_per_minute = 10000000\noverall_per_minute = 10000000\n"
        ),
    )
    .map_err(|e| e.to_string())?;
    let settings = Settings {
        project_id: 1,
        regions: Some(vec![REGION]),
        public_url: url.clone(),
        code_validity_days: 90,
        max_attempts: 5,
        revocation_validity_days: 7,
        trust_list: None,
        revocation_list_out: None,
        issuer_name: "Landkreis Last".into(),
        region_names: Default::default(),
    };
    let signer = Arc::new(issuer);
    let letters = match &o.backend {
        Backend::Sqlite => {
            let db =
                crate::sqlite::Sqlite::open(&dir.join("load.db")).map_err(|e| e.to_string())?;
            make_letters(Service::new(db, signer, secret, settings), o.activations)?
        }
        Backend::Postgres(conn) => {
            let db = crate::postgres::Postgres::connect(conn, 4).map_err(|e| e.to_string())?;
            make_letters(Service::new(db, signer, secret, settings), o.activations)?
        }
    };
    Ok(Prepared {
        config,
        url,
        letters,
    })
}

fn make_letters<D: Database>(
    service: Service<D>,
    n: usize,
) -> Result<Vec<(i64, ActivationCode)>, String> {
    let admin = Admin::project("load test");
    let now = unix_now();
    (0..n)
        .map(|i| {
            let card = service
                .create_card(
                    &admin,
                    &NewCard {
                        holder_name: format!("Person {i}"),
                        birthday: None,
                        card_type: "standard".into(),
                        region_id: REGION,
                        valid_from: "2026-01-01".into(),
                        valid_until: Some("2030-12-31".into()),
                    },
                    now,
                )
                .map_err(|e| e.to_string())?;
            let letter = service
                .new_letter(&admin, card.id, now)
                .map_err(|e| e.to_string())?;
            Ok((card.id, letter.code))
        })
        .collect()
}

fn start_server(o: &LoadOptions, config: &Path, url: &str) -> Result<Child, String> {
    let mut child = Command::new(&o.server_bin)
        .args(["serve", "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("{}: {e}", o.server_bin.display()))?;
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if client.get(format!("{url}/activate")).send().is_ok() {
            return Ok(child);
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("ehk-server exited: {status}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    Err("ehk-server did not come up in 30 s".into())
}

fn totals(o: &LoadOptions) -> Result<Totals, String> {
    read_back(o, &[]).map(|(t, _)| t)
}

/// The totals, and how many of `expected` (card, device key, credential) differ from the
/// stored live credential.
fn read_back(
    o: &LoadOptions,
    expected: &[(i64, [u8; 32], Vec<u8>)],
) -> Result<(Totals, usize), String> {
    fn check<D: Database>(
        db: D,
        expected: &[(i64, [u8; 32], Vec<u8>)],
    ) -> Result<(Totals, usize), String> {
        db.transaction(&mut |tx| -> Result<_, crate::store::StoreError> {
            let totals = tx.totals()?;
            let mut mismatched = 0;
            for (card, key, credential) in expected {
                let live = tx.live_credentials(*card)?;
                if live.len() != 1
                    || live[0].device_key != *key
                    || live[0].credential != *credential
                {
                    mismatched += 1;
                }
            }
            Ok((totals, mismatched))
        })
        .map_err(|e| e.to_string())
    }
    match &o.backend {
        Backend::Sqlite => check(
            crate::sqlite::Sqlite::open(&o.work_dir.join("load.db")).map_err(|e| e.to_string())?,
            expected,
        ),
        Backend::Postgres(conn) => check(
            crate::postgres::Postgres::connect(conn, 2).map_err(|e| e.to_string())?,
            expected,
        ),
    }
}

/// A new, empty database on the PostgreSQL server `base` (a connection string without a
/// database name); its connection string.
pub fn fresh_postgres_database(base: &str) -> Result<String, String> {
    let mut admin = postgres::Client::connect(&format!("{base} dbname=postgres"), postgres::NoTls)
        .map_err(|e| format!("PostgreSQL at {base}: {e}"))?;
    let mut id = [0u8; 6];
    getrandom::getrandom(&mut id).map_err(|e| e.to_string())?;
    let name = format!("ehk_{}", hex::encode(id));
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .map_err(|e| e.to_string())?;
    Ok(format!("{base} dbname={name}"))
}

/// Runs the load (and, with `kill_after`, the crash) test; the report says what happened.
pub fn run(o: &LoadOptions) -> Result<LoadReport, String> {
    let prepared = prepare(o)?;
    let server = Arc::new(Mutex::new(Some(start_server(
        o,
        &prepared.config,
        &prepared.url,
    )?)));
    let service = ActivationService::new(&prepared.url)
        .map_err(|e| e.to_string())?
        .with_timeout(Duration::from_secs(20));
    let letters = Arc::new(prepared.letters.clone());
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let retries = AtomicUsize::new(0);
    let results: Mutex<Vec<(i64, [u8; 32], Vec<u8>)>> = Mutex::new(Vec::new());
    let latencies: Mutex<Vec<Duration>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<String>> = Mutex::new(None);
    let after_kill: Mutex<Option<Totals>> = Mutex::new(None);
    let kills = AtomicUsize::new(0);
    let started = Instant::now();
    let (next, done, retries, kills) = (&next, &done, &retries, &kills);
    let (results_ref, latencies_ref, failure_ref, after_kill_ref) =
        (&results, &latencies, &failure, &after_kill);
    let (server_ref, letters_ref, service_ref, prepared_ref) =
        (&server, &letters, &service, &prepared);
    std::thread::scope(|scope| {
        if let Some(at) = o.kill_after {
            scope.spawn(move || {
                while done.load(Ordering::SeqCst) < at && failure_ref.lock().unwrap().is_none() {
                    std::thread::sleep(Duration::from_millis(5));
                }
                let mut guard = server_ref.lock().unwrap();
                if let Some(mut child) = guard.take() {
                    // SIGKILL: no shutdown, no flush, in the middle of transactions.
                    let _ = child.kill();
                    let _ = child.wait();
                    kills.fetch_add(1, Ordering::SeqCst);
                    match totals(o) {
                        Ok(t) => *after_kill_ref.lock().unwrap() = Some(t),
                        Err(e) => *failure_ref.lock().unwrap() = Some(format!("after kill: {e}")),
                    }
                    match start_server(o, &prepared_ref.config, &prepared_ref.url) {
                        Ok(child) => *guard = Some(child),
                        Err(e) => *failure_ref.lock().unwrap() = Some(format!("restart: {e}")),
                    }
                }
            });
        }
        for _ in 0..o.clients {
            scope.spawn(move || loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= letters_ref.len() || failure_ref.lock().unwrap().is_some() {
                    return;
                }
                let (card, code) = &letters_ref[i];
                let mut seed = [0u8; 32];
                if getrandom::getrandom(&mut seed).is_err() {
                    *failure_ref.lock().unwrap() = Some("no randomness".into());
                    return;
                }
                let device = SigningKey::from_bytes(&seed);
                let t0 = Instant::now();
                let give_up = t0 + Duration::from_secs(90);
                let answer = loop {
                    match service_ref.activate(code, &device, false, unix_now()) {
                        Err(ActivationError::Network(_)) | Err(ActivationError::Refused { .. })
                            if Instant::now() < give_up =>
                        {
                            // The service is down (or answering "unavailable"): the same
                            // request again, with the same device key.
                            retries.fetch_add(1, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(50));
                        }
                        other => break other,
                    }
                };
                match answer {
                    Ok(activated) => {
                        latencies_ref.lock().unwrap().push(t0.elapsed());
                        results_ref.lock().unwrap().push((
                            *card,
                            device.verifying_key().to_bytes(),
                            activated.credential,
                        ));
                        done.fetch_add(1, Ordering::SeqCst);
                    }
                    Err(e) => {
                        *failure_ref.lock().unwrap() = Some(format!("letter {i}: {e:?}"));
                        return;
                    }
                }
            });
        }
    });
    let elapsed = started.elapsed();
    if let Some(mut child) = server.lock().unwrap().take() {
        let _ = child.kill();
        let _ = child.wait();
    }
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    let results = results.into_inner().unwrap();
    let (totals, mismatched) = read_back(o, &results)?;
    let mut latencies = latencies.into_inner().unwrap();
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or_default()
    };
    Ok(LoadReport {
        backend: match o.backend {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        },
        activations: results.len(),
        clients: o.clients,
        kills: kills.load(Ordering::SeqCst),
        retries: retries.load(Ordering::SeqCst),
        elapsed,
        p50: pick(0.5),
        p99: pick(0.99),
        after_kill: after_kill.into_inner().unwrap(),
        totals,
        mismatched,
    })
}
