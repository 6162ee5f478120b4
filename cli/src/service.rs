//! `ehk service`: the issuer's work against a running `ehk-server` through its admin API.
//! The token comes from a file or the environment, never from the command line (where other
//! users of the machine could read it).

use crate::files::CliResult;
use clap::{Args, Subcommand};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Args)]
pub struct ServiceArgs {
    /// The service's base URL, e.g. https://karte.example.org.
    #[arg(long, env = "EHK_SERVICE_URL")]
    url: String,
    /// A file holding the admin token (else the environment variable EHK_SERVICE_TOKEN).
    #[arg(long)]
    token_file: Option<PathBuf>,
    #[command(subcommand)]
    command: ServiceCommand,
}

#[derive(Subcommand)]
enum ServiceCommand {
    /// Create a card, waiting for activation; prints its id.
    Add {
        /// Holder's name as on the ID card.
        #[arg(long)]
        name: String,
        /// standard or gold.
        #[arg(long, default_value = "standard")]
        card_type: String,
        #[arg(long)]
        region: u32,
        /// YYYY-MM-DD.
        #[arg(long)]
        valid_from: String,
        /// YYYY-MM-DD (standard cards).
        #[arg(long)]
        valid_until: Option<String>,
        /// YYYY-MM-DD.
        #[arg(long)]
        birthday: Option<String>,
    },
    /// Create cards from an issuer's table file (CSV as `ehk issue --csv` reads it: German or
    /// English headers, comma or semicolon, UTF-8 or Windows-1252); every row is checked first,
    /// and nothing is created if any row is bad. Prints the new ids by line.
    Import {
        file: PathBuf,
        /// The project of the cards (the service's).
        #[arg(long, default_value_t = 1)]
        project: u32,
        /// Region for rows without one.
        #[arg(long)]
        region: Option<u32>,
        /// Check every row and print what would be created; create nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// A new activation letter for a card (earlier codes stop working): prints code and link.
    Letter {
        id: i64,
        /// Print only the link.
        #[arg(long)]
        link_only: bool,
    },
    /// Revoke a card: its phones' codes are refused after the next feed.
    Revoke {
        id: i64,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Give a card a new end of validity.
    Renew {
        id: i64,
        /// YYYY-MM-DD; leave out for a gold card.
        #[arg(long)]
        valid_until: Option<String>,
    },
    /// List cards (those of your regions).
    List {
        /// Holder names containing this.
        #[arg(long)]
        name: Option<String>,
        /// waiting, active or revoked.
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        region: Option<u32>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// A card with its history.
    Show { id: i64 },
    /// Sign the revocation list afresh (the service writes it out for the feed).
    Publish,
}

struct Client {
    http: reqwest::blocking::Client,
    url: String,
    token: String,
}

impl Client {
    fn new(a: &ServiceArgs) -> CliResult<Client> {
        let token = match &a.token_file {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?,
            None => std::env::var("EHK_SERVICE_TOKEN")
                .map_err(|_| "give --token-file FILE or set EHK_SERVICE_TOKEN")?,
        };
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(60))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Client {
            http,
            url: a.url.trim_end_matches('/').to_string(),
            token: token.trim().to_string(),
        })
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder) -> CliResult<Value> {
        let response = request.bearer_auth(&self.token).send()?;
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        if !status.is_success() {
            let message = body["error"].as_str().unwrap_or("no details").to_string();
            return Err(
                format!("the service refused (HTTP {}): {message}", status.as_u16()).into(),
            );
        }
        Ok(body)
    }

    fn get(&self, path: &str, query: &[(&str, String)]) -> CliResult<Value> {
        self.send(self.http.get(format!("{}{path}", self.url)).query(query))
    }

    fn post(&self, path: &str, body: Value) -> CliResult<Value> {
        self.send(self.http.post(format!("{}{path}", self.url)).json(&body))
    }
}

fn card_line(c: &Value) -> String {
    format!(
        "{:>6}  {:<30} {:<8} region {:<6} {} – {}  {}",
        c["id"],
        c["holder_name"].as_str().unwrap_or(""),
        c["card_type"].as_str().unwrap_or(""),
        c["region_id"],
        c["valid_from"].as_str().unwrap_or(""),
        c["valid_until"].as_str().unwrap_or("unbefristet"),
        c["status"].as_str().unwrap_or("")
    )
}

pub fn run(a: ServiceArgs) -> CliResult {
    let client = Client::new(&a)?;
    match a.command {
        ServiceCommand::Add {
            name,
            card_type,
            region,
            valid_from,
            valid_until,
            birthday,
        } => {
            let card = client.post(
                "/api/v1/admin/cards",
                json!({
                    "holder_name": name,
                    "card_type": card_type,
                    "region_id": region,
                    "valid_from": valid_from,
                    "valid_until": valid_until,
                    "birthday": birthday,
                }),
            )?;
            println!("{}", card["id"]);
        }
        ServiceCommand::Import {
            file,
            project,
            region,
            dry_run,
        } => {
            let bytes = crate::files::read(&file)?;
            let defaults = ehk_issuer::batch::BatchDefaults {
                project_id: project,
                region_id: region,
                valid_from: None,
                valid_until: None,
            };
            let plan = ehk_issuer::batch::check_csv(&bytes, &defaults, crate::files::system_now())?;
            for e in &plan.errors {
                eprintln!("{}: line {}: {}", file.display(), e.line, e.reason);
            }
            let bound: Vec<u64> = plan
                .cards
                .iter()
                .filter(|row| row.request.device_key.is_some())
                .map(|row| row.line)
                .collect();
            if !bound.is_empty() {
                return Err(format!(
                    "lines {bound:?} name a device key: the service binds cards to phones at activation; remove the deviceKey column. Nothing created."
                )
                .into());
            }
            if !plan.errors.is_empty() {
                return Err(format!(
                    "{} bad rows: nothing created (fix them and import the file again)",
                    plan.errors.len()
                )
                .into());
            }
            for row in &plan.cards {
                let r = &row.request;
                let card = json!({
                    "holder_name": r.holder_name,
                    "card_type": r.card_type.as_str(),
                    "region_id": r.region_id,
                    "valid_from": r.valid_from.to_string(),
                    "valid_until": r.valid_until.map(|d| d.to_string()),
                    "birthday": r.birthday.map(|d| d.to_string()),
                });
                if dry_run {
                    println!(
                        "line {}: would create {} ({}, region {}, {} – {})",
                        row.line,
                        r.holder_name,
                        r.card_type.as_str(),
                        r.region_id,
                        r.valid_from,
                        r.valid_until
                            .map_or("unbefristet".to_string(), |d| d.to_string())
                    );
                    continue;
                }
                let created = client.post("/api/v1/admin/cards", card).map_err(|e| {
                    format!("line {}: {e} (the rows before it were created)", row.line)
                })?;
                println!("line {}: card {}", row.line, created["id"]);
            }
            if dry_run {
                println!(
                    "dry run: {} cards would be created, nothing was",
                    plan.cards.len()
                );
            }
        }
        ServiceCommand::Letter { id, link_only } => {
            let letter = client.post(&format!("/api/v1/admin/cards/{id}/letter"), json!({}))?;
            if link_only {
                println!("{}", letter["link"].as_str().unwrap_or(""));
            } else {
                println!("code: {}", letter["code"].as_str().unwrap_or(""));
                println!("link: {}", letter["link"].as_str().unwrap_or(""));
                println!("valid until (Unix time): {}", letter["expires_at"]);
            }
        }
        ServiceCommand::Revoke { id, reason } => {
            let card = client.post(
                &format!("/api/v1/admin/cards/{id}/revoke"),
                json!({ "reason": reason }),
            )?;
            println!("{}", card_line(&card));
        }
        ServiceCommand::Renew { id, valid_until } => {
            let card = client.post(
                &format!("/api/v1/admin/cards/{id}/renew"),
                json!({ "valid_until": valid_until }),
            )?;
            println!("{}", card_line(&card));
        }
        ServiceCommand::List {
            name,
            status,
            region,
            limit,
        } => {
            let mut query = vec![("limit", limit.to_string())];
            if let Some(n) = name {
                query.push(("name", n));
            }
            if let Some(s) = status {
                query.push(("status", s));
            }
            if let Some(r) = region {
                query.push(("region", r.to_string()));
            }
            let cards = client.get("/api/v1/admin/cards", &query)?;
            for c in cards.as_array().into_iter().flatten() {
                println!("{}", card_line(c));
            }
        }
        ServiceCommand::Show { id } => {
            let card = client.get(&format!("/api/v1/admin/cards/{id}"), &[])?;
            println!("{}", card_line(&card["card"]));
            for e in card["audit"].as_array().into_iter().flatten() {
                println!(
                    "  {}  {:<12} {:<28} {}",
                    e["at"],
                    e["action"].as_str().unwrap_or(""),
                    e["actor"].as_str().unwrap_or(""),
                    e["detail"].as_str().unwrap_or("")
                );
            }
        }
        ServiceCommand::Publish => {
            let answer = client.post("/api/v1/admin/publish", json!({}))?;
            println!(
                "revocation list version {}",
                answer["revocation_list_version"]
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
