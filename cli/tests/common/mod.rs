//! Running `ehk` in a scratch directory, and the keys and trust list most tests start from.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// 2026-11-29 12:00 UTC.
pub const NOW: &str = "1795953600";

pub fn ehk_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ehk"));
    cmd.current_dir(dir).arg("--now").arg(NOW).args(args);
    cmd
}

pub fn ehk(dir: &Path, args: &[&str]) -> Output {
    ehk_cmd(dir, args).output().expect("run ehk")
}

/// Runs `ehk` and returns its standard output, failing the test on a non-zero exit.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = ehk(dir, args);
    assert!(
        out.status.success(),
        "ehk {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Root and issuer keys and a trust list giving the issuer `roles` for `regions`.
pub fn keys_and_trust(roles: &str, regions: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["key", "generate", "--out", "root.key"]);
    ok(d, &["key", "generate", "--out", "issuer.key"]);
    ok(
        d,
        &[
            "trust",
            "init",
            "--root-key",
            "root.key",
            "--project",
            "1",
            "--out",
            "trust.cose",
        ],
    );
    ok(
        d,
        &[
            "trust",
            "add-issuer",
            "--root-key",
            "root.key",
            "--list",
            "trust.cose",
            "--issuer-pub",
            "issuer.key.pub",
            "--name",
            "Landkreis Test",
            "--roles",
            roles,
            "--regions",
            regions,
            "--valid-from",
            "2026-01-01",
            "--valid-until",
            "2030-12-31",
        ],
    );
    dir
}
