//! A real service on loopback for the tests, on SQLite or on a real PostgreSQL server
//! (`EHK_TEST_POSTGRES`, a libpq connection string without a database name, set by
//! `scripts/postgres.sh`; each test gets a database of its own), with the card world a phone
//! needs: root key, issuer key, signed trust list.

#![allow(dead_code)]

use ehk_core::card::claims::CardType;
use ehk_core::keys::IssuerKey;
use ehk_core::trust::list::{IssuerEntry, Role, Roles, TrustList};
use ehk_core::{FeedStore, MemoryKeyStore, Platform, ProjectPin, Wallet};
use ehk_server::http::{now, AppState};
use ehk_server::ratelimit::RateLimiter;
use ehk_server::secret::ServiceSecret;
use ehk_server::service::{Admin, Service, Settings, TrustListFile};
use ehk_server::store::{Database, Totals};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

pub const PROJECT: u32 = 1;
pub const REGION: u32 = 9162;
pub const OTHER_REGION: u32 = 9163;

/// The project's trust list with the service key's entry (both regions, both card types, all
/// roles), changed by `edit`, signed by `signer`.
fn signed_trust_list(
    signer: &IssuerKey,
    issuer: &IssuerKey,
    version: u64,
    edit: impl FnOnce(&mut IssuerEntry),
) -> Vec<u8> {
    let mut trust = TrustList::new(PROJECT);
    trust.version = version;
    trust.issued_at = now() - 86_400;
    trust.expires_at = now() + 90 * 86_400;
    let mut entry = IssuerEntry {
        key_id: issuer.key_id(),
        public_key: issuer.public_key().to_bytes(),
        name: "Landkreis Test".into(),
        roles: Roles::of(&Role::ALL),
        regions: Some(vec![REGION, OTHER_REGION]),
        card_types: CardType::Standard.bit() | CardType::Gold.bit(),
        valid_from: now() - 86_400 * 365,
        valid_until: now() + 86_400 * 365 * 5,
        withdrawn: false,
    };
    edit(&mut entry);
    trust.upsert_issuer(entry).unwrap();
    trust.sign(signer).unwrap()
}

pub struct World {
    pub root: IssuerKey,
    pub issuer: Arc<IssuerKey>,
    pub trust_bytes: Vec<u8>,
    pub dir: tempfile::TempDir,
}

impl World {
    pub fn new() -> World {
        let root = IssuerKey::generate().unwrap();
        let issuer = IssuerKey::generate().unwrap();
        let trust_bytes = signed_trust_list(&root, &issuer, 1, |_| {});
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("trust-list.cose"), &trust_bytes).unwrap();
        World {
            root,
            issuer: Arc::new(issuer),
            trust_bytes,
            dir,
        }
    }

    /// Replaces the trust list next to the running service: version `version`, the service
    /// key's entry changed by `edit`, signed by `signer` (the root, or a forger).
    pub fn publish_trust_list(
        &self,
        signer: &IssuerKey,
        version: u64,
        edit: impl FnOnce(&mut IssuerEntry),
    ) {
        let bytes = signed_trust_list(signer, &self.issuer, version, edit);
        std::fs::write(self.dir.path().join("trust-list.cose"), bytes).unwrap();
    }

    pub fn pin(&self) -> ProjectPin {
        ProjectPin::new(self.root.public_key(), PROJECT, self.trust_bytes.clone()).unwrap()
    }
}

/// A phone: its wallet (device key in memory) and its feed store.
pub struct Phone {
    pub wallet: Wallet,
    pub feed: FeedStore,
}

impl Phone {
    pub fn new(world: &World, name: &str) -> Phone {
        let path = world.dir.path().join(format!("{name}-feed.db"));
        Phone {
            wallet: Wallet::open_in_memory(Arc::new(MemoryKeyStore::default())).unwrap(),
            feed: FeedStore::open(&path, world.pin(), Platform::Android, now()).unwrap(),
        }
    }
}

pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn sqlite(world: &World) -> ehk_server::sqlite::Sqlite {
    ehk_server::sqlite::Sqlite::open(&world.dir.path().join("server.db")).unwrap()
}

/// A fresh database on the test PostgreSQL server; its connection string.
pub fn postgres_url() -> String {
    let base = std::env::var("EHK_TEST_POSTGRES").expect(
        "EHK_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which installs and \
         starts PostgreSQL (scripts/postgres.sh)",
    );
    ehk_server::load::fresh_postgres_database(&base).unwrap()
}

pub fn postgres() -> ehk_server::postgres::Postgres {
    ehk_server::postgres::Postgres::connect(&postgres_url(), 8).unwrap()
}

pub struct Limits {
    pub per_client_per_minute: u32,
    pub overall_per_minute: u32,
    pub max_attempts: u32,
    /// Reverse proxies whose `X-Forwarded-For` the service believes.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            per_client_per_minute: 10_000,
            overall_per_minute: 100_000,
            max_attempts: 5,
            trusted_proxies: Vec::new(),
        }
    }
}

/// The service running on a loopback port until dropped.
pub struct Server<D: Database> {
    pub addr: SocketAddr,
    pub url: String,
    pub state: Arc<AppState<D>>,
    pub token: String,
    _running: ehk_server::Background,
}

impl<D: Database> Server<D> {
    pub fn start(world: &World, db: D, limits: Limits) -> Server<D> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let url = format!("http://{addr}");
        let settings = Settings {
            project_id: PROJECT,
            regions: Some(vec![REGION, OTHER_REGION]),
            public_url: url.clone(),
            code_validity_days: 90,
            max_attempts: limits.max_attempts,
            revocation_validity_days: 7,
            trust_list: Some(TrustListFile {
                path: world.dir.path().join("trust-list.cose"),
                root: world.root.public_key(),
            }),
            revocation_list_out: Some(world.dir.path().join("revocations.cose")),
            issuer_name: "Landratsamt Test".into(),
            region_names: Default::default(),
        };
        let service = Service::new(
            db,
            world.issuer.clone(),
            ServiceSecret::generate(),
            settings,
        );
        let token = service.add_token("Test Admin", None, now()).unwrap();
        let state = Arc::new(AppState {
            service,
            limiter: RateLimiter::new(limits.per_client_per_minute, limits.overall_per_minute)
                .with_trusted_proxies(limits.trusted_proxies.clone()),
            apps: ehk_server::config::AppsConfig {
                android_package: Some("org.ehrenamtskarte.app".into()),
                android_cert_sha256: vec!["AA:BB".into()],
                apple_app_ids: vec!["ABCDE12345.org.ehrenamtskarte.app".into()],
            },
            fonts: Some(ehk_issuer::letter::LetterFonts::debian().unwrap()),
            clock_offset: 0,
        });
        let running = ehk_server::Background::start(state.clone(), listener).unwrap();
        Server {
            addr,
            url,
            state,
            token,
            _running: running,
        }
    }

    pub fn service(&self) -> &Service<D> {
        &self.state.service
    }

    pub fn admin(&self) -> Admin {
        Admin::project("Test Admin")
    }

    pub fn totals(&self) -> Totals {
        self.service().totals().unwrap()
    }

    /// An HTTP client for the admin API with the project admin's token.
    pub fn client(&self) -> reqwest::blocking::Client {
        reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .unwrap()
    }

    pub fn post_json(
        &self,
        token: &str,
        path: &str,
        body: serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client()
            .post(format!("{}{path}", self.url))
            .bearer_auth(token)
            .json(&body)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(serde_json::Value::Null))
    }

    pub fn get_json(&self, token: &str, path: &str) -> (u16, serde_json::Value) {
        let response = self
            .client()
            .get(format!("{}{path}", self.url))
            .bearer_auth(token)
            .send()
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().unwrap_or(serde_json::Value::Null))
    }

    /// Creates a standard card in `region` through the admin API; its id.
    pub fn create_card(&self, name: &str, region: u32) -> i64 {
        let (status, card) = self.post_json(
            &self.token,
            "/api/v1/admin/cards",
            serde_json::json!({
                "holder_name": name,
                "card_type": "standard",
                "region_id": region,
                "valid_from": "2026-01-01",
                "valid_until": "2029-12-31",
            }),
        );
        assert_eq!(status, 201, "{card}");
        card["id"].as_i64().unwrap()
    }

    /// A new letter for card `id`: its link.
    pub fn letter(&self, id: i64) -> String {
        let (status, letter) = self.post_json(
            &self.token,
            &format!("/api/v1/admin/cards/{id}/letter"),
            serde_json::json!({}),
        );
        assert_eq!(status, 200, "{letter}");
        letter["link"].as_str().unwrap().to_string()
    }
}

pub fn temp_path(world: &World, name: &str) -> PathBuf {
    world.dir.path().join(name)
}
