//! An app token from the entrad emulator, the way a daemon gets one from Entra:
//! the quickstart's parameters.json read as it is, the emulator's CA trusted,
//! no instance discovery (its host is not a Microsoft one), the token's secret
//! used for an `Authorization` header and never printed.
//!
//! ```console
//! entrad emulator --state-dir ./emu --listen 127.0.0.1:0 &
//! cargo run -p entrad-auth --example emulator_token -- ./emu/parameters.json ./emu/ca.pem
//! ```
//!
//! Against a real tenant, leave out the CA and instance discovery's `false`.
//! Prints the token's `roles` claim (the application permissions Graph will
//! see) and when it expires. entrad-auth's tests run it against the emulator.

use std::error::Error;

use entrad_auth::{Authority, ConfidentialClient, Credential, HttpOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(parameters), Some(ca_file)) = (args.next(), args.next()) else {
        return Err("usage: emulator_token PARAMETERS_JSON CA_PEM".into());
    };
    let parameters: serde_json::Value = serde_json::from_slice(&std::fs::read(parameters)?)?;
    let field = |name: &str| {
        parameters[name]
            .as_str()
            .ok_or_else(|| format!("the parameters file has no {name}"))
    };
    let client = ConfidentialClient::builder(
        field("client_id")?,
        Authority::parse(field("authority")?)?,
        Credential::secret(field("secret")?),
    )
    .http(HttpOptions::new().with_ca_file(ca_file))
    .instance_discovery(false)
    .build()?;
    // The default cache is in memory: this process only (the entrad CLI's is a file).
    let token = client
        .acquire_token(&["https://graph.microsoft.com/.default"])
        .await?;
    let authorization = format!("Bearer {}", token.secret());
    println!("roles: {}", token.claims()?["roles"]);
    println!(
        "expires in {} s; an Authorization header of {} bytes",
        token
            .expires_on()
            .duration_since(std::time::SystemTime::now())?
            .as_secs(),
        authorization.len()
    );
    Ok(())
}
