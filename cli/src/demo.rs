//! `ehk demo`: the whole card story in a temporary directory, on the same core calls the
//! issuer, verifier and phone apps use.

use crate::files::{write_atomic, CliResult};
use crate::output::{verification_text, write_card_files};
use crate::stores::print_stores;
use clap::Args;
use ehk_core::activation::ActivationService;
use ehk_core::feed::SyncCancel;
use ehk_core::progress::NoProgress;
use ehk_core::stores::{NearbyQuery, Position, SearchQuery, SortOrder, StoreDb};
use ehk_core::{
    CardType, Day, FeedStore, FileKeyStore, IssuerEntry, IssuerKey, Lang, Platform, ProjectPin,
    QrPayload, RevocationList, Role, Roles, TrustList, Verification, Verifier, Wallet,
};
use ehk_issuer::publish::{publish, PublishOptions};
use ehk_issuer::qr_image::render_terminal;
use ehk_issuer::stores::generate::synthetic_snapshot;
use ehk_issuer::{issue_card, CardRequest};
use ehk_server::http::AppState;
use ehk_server::ratelimit::RateLimiter;
use ehk_server::secret::ServiceSecret;
use ehk_server::service::{Admin, NewCard, Service, Settings, TrustListFile};
use ehk_server::sqlite::Sqlite;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Args)]
pub struct DemoArgs {
    /// Keep the files in this directory instead of a temporary one.
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Do not draw QR codes in the terminal.
    #[arg(long)]
    no_qr: bool,
    /// Language of the verifier's texts: de or en.
    #[arg(long, default_value = "en")]
    lang: String,
}

const REGION: u32 = 9162;

fn step(n: u32, title: &str) {
    println!("\n== {n}. {title}");
}

fn expect(result: &Verification, valid: bool, lang: Lang) -> Result<(), String> {
    println!("{}", indent(&verification_text(result, lang)));
    if result.is_valid() == valid {
        Ok(())
    } else {
        Err(format!("demo expected valid={valid}, got {result:?}"))
    }
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|l| format!("   {l}\n"))
        .collect::<String>()
        .trim_end()
        .to_string()
}

pub fn run(a: DemoArgs, now: i64) -> CliResult {
    let lang = if a.lang == "de" { Lang::De } else { Lang::En };
    let temp;
    let dir = match &a.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.clone()
        }
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let show_qr = |text: &str| -> CliResult<()> {
        if !a.no_qr {
            println!("{}", render_terminal(text)?);
        }
        println!("   {text}");
        Ok(())
    };
    println!("Ehrenamtskarte demo in {}", dir.display());

    step(
        1,
        "The Land creates its root key and a key for the store feed; the Landkreis creates an issuer key, and one for its online issuer service",
    );
    let root = IssuerKey::generate()?;
    let feed_key = IssuerKey::generate()?;
    let issuer = IssuerKey::generate()?;
    let service_key = IssuerKey::generate()?;
    root.write_secret_file(&dir.join("root.key"))?;
    root.write_public_file(&dir.join("root.key.pub"))?;
    feed_key.write_secret_file(&dir.join("feed.key"))?;
    feed_key.write_public_file(&dir.join("feed.key.pub"))?;
    issuer.write_secret_file(&dir.join("issuer.key"))?;
    issuer.write_public_file(&dir.join("issuer.key.pub"))?;
    service_key.write_secret_file(&dir.join("service-issuer.key"))?;
    service_key.write_public_file(&dir.join("service-issuer.key.pub"))?;
    println!(
        "   root key {}, feed key {}, issuer key {} (secret files mode 0600)",
        root.key_id(),
        feed_key.key_id(),
        issuer.key_id()
    );

    step(
        2,
        "The root signs a trust list: the Landkreis may issue cards for region 9162, the Land's feed key publishes stores and news for the whole project",
    );
    let mut trust = TrustList::new(1);
    trust.version = 1;
    trust.issued_at = now;
    trust.expires_at = now + 90 * 86_400;
    // The Landkreis's offline key and its issuer service's key: cards for region 9162.
    for (key, name) in [
        (&issuer, "Landkreis Musterstadt"),
        (&service_key, "Landkreis Musterstadt (Aktivierungsdienst)"),
    ] {
        trust.upsert_issuer(IssuerEntry {
            key_id: key.key_id(),
            public_key: key.public_key().to_bytes(),
            name: name.into(),
            roles: Roles::of(&[Role::Cards]),
            regions: Some(vec![REGION]),
            card_types: CardType::Standard.bit() | CardType::Gold.bit(),
            valid_from: now - 86_400,
            valid_until: now + 5 * 365 * 86_400,
            withdrawn: false,
        })?;
    }
    trust.upsert_issuer(IssuerEntry {
        key_id: feed_key.key_id(),
        public_key: feed_key.public_key().to_bytes(),
        name: "Land Musterland (Vergünstigungen)".into(),
        roles: Roles::of(&[Role::Stores, Role::News]),
        // The store list is the whole project's: its signer is not limited to regions.
        regions: None,
        card_types: 0,
        valid_from: now - 86_400,
        valid_until: now + 5 * 365 * 86_400,
        withdrawn: false,
    })?;
    let trust_bytes = trust.sign(&root)?;
    write_atomic(&dir.join("trust-list.cose"), &trust_bytes)?;
    let mut verifier = Verifier::new(root.public_key());
    verifier.load_trust_list(&trust_bytes)?;
    println!(
        "   trust list v1, {} bytes; the shop's verifier has loaded it and works offline from here",
        trust_bytes.len()
    );

    let today = Day::in_berlin(now).ok_or("clock out of range")?;
    let request = |name: &str, device_key: Option<[u8; 32]>| CardRequest {
        holder_name: name.into(),
        birthday: None,
        card_type: CardType::Standard,
        project_id: 1,
        region_id: REGION,
        valid_from: today,
        valid_until: Some(today.add_days(3 * 365)),
        device_key,
    };

    step(3, "A static card (paper/PDF): the issuer's signature alone");
    let (paper, paper_claims) = issue_card(&issuer, &request("Erika Mustermann", None), now)?;
    let paper_text = QrPayload::Credential(paper.clone()).encode();
    write_card_files(&dir, "paper-card", &paper_text)?;
    println!(
        "   {} bytes, {} QR characters; PNG and SVG in {}",
        paper.len(),
        paper_text.len(),
        dir.display()
    );
    show_qr(&paper_text)?;
    println!("   The shop scans it:");
    expect(&verifier.verify(&paper_text, now), true, lang)?;

    step(
        4,
        "A device-bound card: the holder's phone signs a fresh code every 30 seconds",
    );
    let wallet = Wallet::open(
        &dir.join("wallet.db"),
        Arc::new(FileKeyStore::new(dir.join("wallet-keys"))),
    )?;
    let device_key = wallet.device_public_key()?;
    let (_, bound_claims) = {
        let (credential, claims) =
            issue_card(&issuer, &request("Max Mustermann", Some(device_key)), now)?;
        wallet.add_credential(&credential, &verifier, now)?;
        (credential, claims)
    };
    let live = wallet.present(&bound_claims.card_id_hex(), now)?;
    println!("   {} QR characters", live.len());
    show_qr(&live)?;
    println!("   The shop scans it 10 seconds later:");
    expect(&verifier.verify(&live, now + 10), true, lang)?;
    println!("   Someone shows a screenshot of it two minutes later:");
    expect(&verifier.verify(&live, now + 120), false, lang)?;

    step(
        5,
        "An edited screenshot: one byte of the paper card changed (the name)",
    );
    let mut edited = paper.clone();
    if let Some(at) = edited.windows(4).position(|w| w == b"Erik") {
        edited[at] = b'A';
    }
    let edited_text = QrPayload::Credential(edited).encode();
    expect(&verifier.verify(&edited_text, now), false, lang)?;

    step(
        6,
        "The issuer revokes the paper card; the shop's verifier loads the signed list",
    );
    let revocations = RevocationList::new(1, now, now + 7 * 86_400, vec![paper_claims.card_id]);
    let revocation_bytes = revocations.sign(&issuer);
    write_atomic(&dir.join("revocations.cose"), &revocation_bytes)?;
    verifier.load_revocation_list(&revocation_bytes)?;
    println!(
        "   revocation list v1 with 1 card, {} bytes",
        revocation_bytes.len()
    );
    expect(&verifier.verify(&paper_text, now), false, lang)?;
    println!("   The device-bound card is still good:");
    expect(
        &verifier.verify(
            &wallet.present(&bound_claims.card_id_hex(), now + 30)?,
            now + 31,
        ),
        true,
        lang,
    )?;

    step(
        7,
        "The Land publishes the store list as a signed feed; the phone syncs it",
    );
    let issuer_db = StoreDb::open(&dir.join("issuer-stores.db"))?;
    issuer_db.import_snapshot(&synthetic_snapshot(10_000, 7, 0))?;
    let report = publish(
        &dir.join("feed"),
        &feed_key,
        &root.public_key(),
        &issuer_db.snapshot(0)?,
        &trust_bytes,
        &[revocation_bytes.clone()],
        now,
        &PublishOptions::default(),
    )?;
    println!(
        "   feed version {}: {}",
        report.version,
        report
            .artifacts
            .iter()
            .map(|a| format!("{} ({} bytes)", a.name, a.size))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let url = crate::feed::serve_in_background(&dir.join("feed"))?;
    // The phone's one entry object: opened once with the project the app is pinned to (root
    // key, project id and the trust list it ships with).
    let feed_store = FeedStore::open(
        &dir.join("phone-feed.db"),
        ProjectPin::new(root.public_key(), 1, trust_bytes.clone())?,
        Platform::Android,
        now,
    )?;
    let phone = feed_store.stores();
    let started = std::time::Instant::now();
    let options = feed_store.sync_options();
    let report = feed_store.sync(&url, &options, now, &NoProgress, &SyncCancel::new())?;
    println!(
        "   {:?} in {} ms from {url}: {} stores on the phone",
        report.outcome,
        started.elapsed().as_millis(),
        phone.store_count()?
    );
    let again = feed_store.sync(&url, &options, now, &NoProgress, &SyncCancel::new())?;
    println!("   syncing again: {:?} (conditional GET)", again.outcome);

    step(
        8,
        "Offline: search with German spellings, nearby stores, favorites",
    );
    let marienplatz = Position::new(48.1374, 11.5755);
    let started = std::time::Instant::now();
    let found = phone.search(&SearchQuery {
        text: "Baeckerei".into(),
        near: Some(marienplatz),
        sort: SortOrder::Distance,
        limit: 3,
        ..Default::default()
    })?;
    println!(
        "   \"Baeckerei\" (finds Bäckerei) nearest to Marienplatz first ({} µs):",
        started.elapsed().as_micros()
    );
    print_stores(&found);
    let nearest = phone.nearby(&NearbyQuery {
        position: marienplatz,
        limit: 3,
        radius_m: None,
        category: Some(4),
    })?;
    println!("   the 3 nearest culture partners:");
    print_stores(&nearest);
    if let Some(first) = nearest.first() {
        phone.set_favorite(first.id, true, now)?;
        println!("   marked as favorite: {}", first.name);
    }
    println!("   The same sync refreshed the phone's verifier (the paper card was revoked):");
    expect(&feed_store.verify(&paper_text, now), false, lang)?;

    step(
        9,
        "The Landkreis's issuer service (ehk-server): a card and its activation letter",
    );
    let service_dir = dir.join("service");
    std::fs::create_dir_all(&service_dir)?;
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let service_url = format!("http://{}", listener.local_addr()?);
    let revocations_out = service_dir.join("revocations.cose");
    let state = Arc::new(AppState {
        service: Service::new(
            Sqlite::open(&service_dir.join("ehk-server.db"))?,
            Arc::new(IssuerKey::read_secret_file(
                &dir.join("service-issuer.key"),
            )?),
            ServiceSecret::generate(),
            Settings {
                project_id: 1,
                regions: Some(vec![REGION]),
                public_url: service_url.clone(),
                code_validity_days: 90,
                max_attempts: 5,
                revocation_validity_days: 7,
                trust_list: Some(TrustListFile {
                    path: dir.join("trust-list.cose"),
                    root: root.public_key(),
                }),
                revocation_list_out: Some(revocations_out.clone()),
                issuer_name: "Landratsamt Musterstadt".into(),
                region_names: Default::default(),
            },
        ),
        limiter: RateLimiter::new(30, 6000),
        apps: Default::default(),
        fonts: None,
        clock_offset: now - ehk_server::http::now(),
    });
    let running = ehk_server::Background::start(state.clone(), listener)?;
    let clerk = Admin::project("Sachbearbeiterin Demo");
    let card = state.service.create_card(
        &clerk,
        &NewCard {
            holder_name: "Jürgen Weiß".into(),
            birthday: None,
            card_type: "standard".into(),
            region_id: REGION,
            valid_from: today.to_string(),
            valid_until: Some(today.add_days(3 * 365).to_string()),
        },
        now,
    )?;
    let letter = state.service.new_letter(&clerk, card.id, now)?;
    println!(
        "   card {} for {} waits for activation; the letter's code {} (stored only hashed)",
        card.id,
        card.holder_name,
        letter.code.grouped()
    );
    println!("   the letter's QR code holds {}", letter.link);
    show_qr(&letter.link)?;

    step(
        10,
        "The holder's phone opens the letter's link: the card is activated on this phone",
    );
    let activation_service = ActivationService::new(&service_url)?;
    let phone_a = Wallet::open(
        &dir.join("phone-a-wallet.db"),
        Arc::new(FileKeyStore::new(dir.join("phone-a-keys"))),
    )?;
    let phone_a_feed = FeedStore::open(
        &dir.join("phone-a-feed.db"),
        ProjectPin::new(root.public_key(), 1, trust_bytes.clone())?,
        Platform::Android,
        now,
    )?;
    let activated =
        phone_a.activate(&letter.link, &activation_service, &phone_a_feed, false, now)?;
    println!(
        "   card {} for {} is on the phone, bound to its device key",
        activated.card.card_id, activated.card.holder_name
    );
    let shown_a = phone_a.present(&activated.card.card_id, now)?;
    println!("   The shop scans the phone's code:");
    expect(&feed_store.verify(&shown_a, now + 5), true, lang)?;

    step(
        11,
        "A new phone: the card moves after the holder confirms; the old phone's card is revoked",
    );
    let phone_b = Wallet::open(
        &dir.join("phone-b-wallet.db"),
        Arc::new(FileKeyStore::new(dir.join("phone-b-keys"))),
    )?;
    let phone_b_feed = FeedStore::open(
        &dir.join("phone-b-feed.db"),
        ProjectPin::new(root.public_key(), 1, trust_bytes.clone())?,
        Platform::Ios,
        now,
    )?;
    match phone_b.activate(
        &letter.code.grouped(),
        &activation_service,
        &phone_b_feed,
        false,
        now,
    ) {
        Err(ehk_core::Error::Activation(e)) => println!("   typed code, first try: {e}"),
        other => return Err(format!("demo expected the move question, got {other:?}").into()),
    }
    let moved = phone_b.activate(
        &letter.code.grouped(),
        &activation_service,
        &phone_b_feed,
        true,
        now,
    )?;
    println!(
        "   after confirming: card {} moved to the new phone ({})",
        moved.card.card_id,
        if moved.moved {
            "the old one is revoked"
        } else {
            "?"
        }
    );
    drop(running);
    let service_revocations = std::fs::read(&revocations_out)?;
    let report = publish(
        &dir.join("feed"),
        &feed_key,
        &root.public_key(),
        &issuer_db.snapshot(0)?,
        &trust_bytes,
        &[revocation_bytes.clone(), service_revocations],
        now + 60,
        &PublishOptions::default(),
    )?;
    let synced = feed_store.sync(&url, &options, now + 60, &NoProgress, &SyncCancel::new())?;
    println!(
        "   the Land publishes feed version {} with the service's revocation list; the shop syncs: {:?}",
        report.version, synced.outcome
    );
    println!("   The old phone's code is refused:");
    expect(
        &feed_store.verify(
            &phone_a.present(&activated.card.card_id, now + 90)?,
            now + 90,
        ),
        false,
        lang,
    )?;
    println!("   The new phone's code is accepted:");
    expect(
        &feed_store.verify(&phone_b.present(&moved.card.card_id, now + 90)?, now + 90),
        true,
        lang,
    )?;

    if a.dir.is_some() {
        println!("\nThe same check from the command line:");
        println!("   ehk verify --root {0}/root.key.pub --trust-list {0}/trust-list.cose --revocations {0}/revocations.cose --png {0}/paper-card.png", dir.display());
    }
    println!("\ndemo finished: every check came out as expected");
    Ok(ExitCode::SUCCESS)
}
