//! The Django Channels server (`channels_server/`): its virtualenv and how to start it.
//!
//! The virtualenv lives beside the other tools, in
//! `$HERALD_TOOLS/channels-server-venv-<hash>`, where `<hash>` is the start of the SHA-256 of
//! the requirements in `channels_server/requirements.txt` (its lines without comments and
//! blanks): changing a pin makes a new one, and every checkout with the same pins shares it. It is made with `python3 -m venv` and `pip install -r` from PyPI,
//! and marked complete only once pip succeeded, so a half-made one is made again rather than
//! used. `crates/devserver/tests/channels_server.rs` finds it the same way.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::Result;
use crate::process::run;
use crate::tools::{self, Apt};

/// Written into the virtualenv once `pip install` succeeded.
const COMPLETE_STAMP: &str = ".herald-complete";

/// Where the server's code is and the Daphne that serves it.
pub struct ChannelsServer {
    /// `channels_server/`, the folder Daphne runs in (it imports `herald_channels` from there).
    pub dir: PathBuf,
    /// The virtualenv's `daphne`.
    pub daphne: PathBuf,
}

/// What the server is started with; the defaults are the demo's development values.
pub struct ChannelsServerSettings<'a> {
    pub port: u16,
    /// The demo backend, asked `GET /api/me` for each connection.
    pub api_url: &'a str,
    /// `X-Broadcast-Secret` for `POST /broadcast`: the devserver's `--channels-secret`.
    pub broadcast_secret: &'a str,
    /// The devserver's `--jwt-secret`.
    pub jwt_secret: &'a str,
}

impl ChannelsServer {
    /// Makes the virtualenv unless a complete one for these requirements is there.
    pub fn ensure(root: &Path, apt: &mut Apt) -> Result<ChannelsServer> {
        let dir = root.join("channels_server");
        let requirements = dir.join("requirements.txt");
        let venv = tools::tools_dir()?.join(venv_name(&requirements)?);
        let daphne = venv.join("bin/daphne");
        if venv.join(COMPLETE_STAMP).is_file() && daphne.is_file() {
            return Ok(ChannelsServer { dir, daphne });
        }
        ensure_python_venv(apt)?;
        println!("xtask: making the Channels server's virtualenv in {} (once per machine)", venv.display());
        let _ = fs::remove_dir_all(&venv);
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        run(Command::new(venv.join("bin/pip"))
            .args(["install", "--disable-pip-version-check", "--no-input", "-r"])
            .arg(&requirements))?;
        if !daphne.is_file() {
            return Err(format!("pip installed the requirements but there is no {}", daphne.display()));
        }
        let stamp = venv.join(COMPLETE_STAMP);
        fs::write(&stamp, "").map_err(|error| format!("{}: {error}", stamp.display()))?;
        Ok(ChannelsServer { dir, daphne })
    }

    /// `daphne` serving the app on 127.0.0.1:`port`, in `channels_server/`.
    pub fn command(&self, settings: &ChannelsServerSettings) -> Command {
        let mut command = Command::new(&self.daphne);
        command
            .args(["-b", "127.0.0.1", "-p"])
            .arg(settings.port.to_string())
            .arg("herald_channels.asgi:application")
            .current_dir(&self.dir)
            .env("HERALD_API_URL", settings.api_url)
            .env("HERALD_CHANNELS_SECRET", settings.broadcast_secret)
            .env("HERALD_JWT_SECRET", settings.jwt_secret)
            // No __pycache__ folders in the checkout.
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env("PYTHONUNBUFFERED", "1");
        command
    }
}

/// `channels-server-venv-<first 12 hex digits of the requirements' SHA-256>`, the requirements
/// being the file's lines without comments and blank lines, trimmed, joined by `\n`.
fn venv_name(requirements: &Path) -> Result<String> {
    let text =
        fs::read_to_string(requirements).map_err(|error| format!("{}: {error}", requirements.display()))?;
    let pins: Vec<&str> =
        text.lines().map(str::trim).filter(|line| !line.is_empty() && !line.starts_with('#')).collect();
    let digest = hex::encode(Sha256::digest(pins.join("\n")));
    Ok(format!("channels-server-venv-{}", &digest[..12]))
}

/// Python 3 with a working `venv` module. Debian splits `ensurepip`, which `venv` needs, into
/// the `python3-venv` package.
fn ensure_python_venv(apt: &mut Apt) -> Result {
    let works = Command::new("python3")
        .args(["-c", "import ensurepip, venv"])
        .output()
        .is_ok_and(|output| output.status.success());
    if works {
        return Ok(());
    }
    apt.install(&["python3", "python3-venv"], "for the Django Channels server's virtualenv")
}
