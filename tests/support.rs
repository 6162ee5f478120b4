//! Finding the independent tools the interop tests run. A missing tool is a test failure with
//! a message saying how to install it, never a silent skip.

use std::path::PathBuf;

/// The Python with pycose: `EHK_TEST_PYTHON`, else the venv that `scripts/test.sh` prepares.
pub fn python_with_pycose() -> PathBuf {
    if let Ok(p) = std::env::var("EHK_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let cache =
        std::env::var("EHK_TOOLCHAIN_CACHE").unwrap_or_else(|_| "/var/cache/ehk-toolchains".into());
    let venv = PathBuf::from(cache).join("venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with pycose at {}: run scripts/test.sh (it installs it) or set EHK_TEST_PYTHON",
        venv.display()
    );
    venv
}

pub fn zbarimg() -> PathBuf {
    let path = PathBuf::from("/usr/bin/zbarimg");
    assert!(
        path.exists(),
        "zbarimg is missing: run scripts/test.sh (it installs Debian's zbar-tools)"
    );
    path
}

pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("interop")
}
