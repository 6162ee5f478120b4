//! Activations under load with the service killed (SIGKILL) mid-way and restarted, on SQLite
//! and on PostgreSQL: no activation lost or doubled, every client holds the credential the
//! database recorded. A small run; `ehk-loadtest` makes the README's figures.

use ehk_server::load::{fresh_postgres_database, run, Backend, LoadOptions};

fn crash_run(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let report = run(&LoadOptions {
        activations: 400,
        clients: 16,
        kill_after: Some(150),
        backend,
        server_bin: env!("CARGO_BIN_EXE_ehk-server").into(),
        work_dir: dir.path().to_path_buf(),
    })
    .unwrap();
    assert_eq!(report.kills, 1);
    let after_kill = report
        .after_kill
        .clone()
        .expect("checked right after the kill");
    assert!(after_kill.codes_used >= 150, "{after_kill:?}");
    report.check().unwrap();
}

#[test]
fn sqlite_survives_a_kill_during_activations() {
    crash_run(Backend::Sqlite);
}

#[test]
fn postgres_survives_a_kill_during_activations() {
    let base = std::env::var("EHK_TEST_POSTGRES").expect(
        "EHK_TEST_POSTGRES is not set: run the tests through scripts/test.sh, which starts PostgreSQL",
    );
    crash_run(Backend::Postgres(fresh_postgres_database(&base).unwrap()));
}
