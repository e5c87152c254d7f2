//! `entrad demo`: the whole story offline, in one command.

use std::io;
use std::net::SocketAddr;
use std::path::Path;

use entrad_auth::CacheSpec;
use entrad_emulator::{Config, Emulator};

use crate::cli::{Format, GlobalArgs, IdentityArgs};
use crate::commands::listing::Written;
use crate::commands::run::quickstart;
use crate::config::{EnvConfig, Settings};
use crate::error::Error;
use crate::output::{self, Sink, progress::Progress};

/// Starts the embedded emulator on a free loopback port (in memory, in a
/// temporary state directory), runs the quickstart with its secret and its
/// certificate `parameters*.json`, prints the users once (in `--format`),
/// shows the 403 an app without admin consent gets, and stops the emulator.
pub async fn run(global: &GlobalArgs, users: usize) -> Result<(), Error> {
    let config = Config {
        listen: SocketAddr::from(([127, 0, 0, 1], 0)),
        in_memory: true,
        users,
        ..Config::default()
    };
    let emulator = Emulator::start(config).await?;
    let result = flows(global, &emulator).await;
    emulator.shutdown().await;
    result
}

async fn flows(global: &GlobalArgs, emulator: &Emulator) -> Result<(), Error> {
    let say = |line: String| {
        if !global.quiet {
            eprintln!("demo: {line}");
        }
    };
    say(format!(
        "emulator at {} (tenant {}), CA {}",
        emulator.url(),
        emulator.tenant_id(),
        emulator.ca_file().display()
    ));

    let secret_file = emulator.parameters_file();
    let mut stdout = output::sink(global.format, output::stdout(), Vec::new());
    let secret = flow(
        &secret_file,
        emulator.ca_file(),
        stdout.as_mut(),
        !global.quiet,
    )
    .await?;
    say(format!("secret flow ({}): {secret}", secret_file.display()));

    let certificate_file = emulator.parameters_certificate_file();
    let mut discard = output::sink(Format::Ndjson, Box::new(io::sink()), Vec::new());
    let certificate = flow(
        &certificate_file,
        emulator.ca_file(),
        discard.as_mut(),
        false,
    )
    .await?;
    say(format!(
        "certificate flow ({}): {certificate}",
        certificate_file.display()
    ));
    if certificate.items != secret.items {
        return Err(Error::Demo(format!(
            "the certificate flow listed {} users, the secret flow {}",
            certificate.items, secret.items
        )));
    }

    let unconsented = emulator.state_dir().join("parameters-unconsented.json");
    match flow(&unconsented, emulator.ca_file(), discard.as_mut(), false).await {
        Err(Error::Graph {
            source,
            consent_url,
        }) if source
            .graph_error()
            .is_some_and(|e| e.is_authorization_denied()) =>
        {
            say(format!(
                "an app without admin consent gets Graph's 403 Authorization_RequestDenied; the fix is the quickstart's step 4: {}",
                consent_url.unwrap_or_default()
            ));
            Ok(())
        }
        Err(other) => Err(other),
        Ok(_) => Err(Error::Demo(
            "the app without admin consent was not refused".to_owned(),
        )),
    }
}

/// The quickstart with one of the emulator's parameters files, unchanged;
/// the environment and the flags are left out so they cannot steer the demo.
async fn flow(
    file: &Path,
    ca_file: &Path,
    sink: &mut dyn Sink,
    show_progress: bool,
) -> Result<Written, Error> {
    let parameters = crate::config::load_parameters(file)?;
    let mut settings = Settings::merge(
        Some(parameters),
        EnvConfig::default(),
        &IdentityArgs::default(),
        Some(ca_file.to_path_buf()),
    )?;
    // Every demo's emulator signs with fresh keys under the same tenant and app
    // ids: a token cached on disk by an earlier demo would be refused by this one.
    settings.cache = CacheSpec::Memory;
    quickstart(settings, sink, &mut Progress::new(show_progress)).await
}
