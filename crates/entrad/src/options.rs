//! Options that several subcommands share, each group flattened only into the
//! subcommands that use it (so `entrad emulator --help` lists no client secret),
//! and [`GlobalArgs`], what a command receives once they are parsed.

use std::path::PathBuf;

use clap::{ArgAction, Args};
use secrecy::SecretString;

use crate::formats::{Format, LogFormat};

/// Logging: accepted by every subcommand, before or after its name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct LogArgs {
    /// More logging on stderr (-v info, -vv debug, -vvv trace).
    #[arg(short, long, global = true, action = ArgAction::Count)]
    pub verbose: u8,
    /// Only errors on stderr, no progress bar.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Log lines as text, or as one JSON object per line for a log collector
    /// (the same fields; secrets never appear in either).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "ENTRAD_LOG_FORMAT",
        default_value_t = LogFormat::Text
    )]
    pub log_format: LogFormat,
}

/// `--format`, for the subcommands that print data.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
}

/// Where the configuration is, what to trust and where tokens are cached, and
/// the identity flags: for the subcommands that get tokens.
#[derive(Debug, Args)]
#[command(next_help_heading = "Configuration")]
pub struct ConnectionArgs {
    /// A parameters.json file with the quickstart's keys (the emulator's
    /// entrad.env sets ENTRAD_CONFIG, ENTRAD_CA_FILE and ENTRAD_GRAPH_URL).
    #[arg(long, env = "ENTRAD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Trust the PEM certificate(s) in this file as extra root CAs (e.g. the emulator's ca.pem).
    #[arg(long, env = "ENTRAD_CA_FILE", value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Token cache: memory, file (default), file:PATH, or redis://host:port/db.
    /// A secret: a Redis URL can hold a password.
    #[arg(
        long,
        env = "ENTRAD_CACHE",
        hide_env_values = true,
        value_name = "SPEC"
    )]
    pub cache: Option<SecretString>,
    /// Who the app is and how it proves it.
    #[command(flatten)]
    pub identity: IdentityArgs,
}

/// What `entrad consent-url` needs: the app and its tenant, no credential.
#[derive(Debug, Args)]
#[command(next_help_heading = "Configuration")]
pub struct AppArgs {
    /// A parameters.json file with the quickstart's keys.
    #[arg(long, env = "ENTRAD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Authority URL, e.g. https://login.microsoftonline.com/{tenant}.
    #[arg(long, value_name = "URL", conflicts_with = "tenant_id")]
    pub authority: Option<String>,
    /// Tenant ID or domain (with AZURE_AUTHORITY_HOST or the default host).
    #[arg(long, value_name = "TENANT")]
    pub tenant_id: Option<String>,
    /// Application (client) ID.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
}

/// What a command receives: the options of its groups, with the defaults of
/// the groups it does not take.
#[derive(Debug)]
pub struct GlobalArgs {
    /// `--config` (or ENTRAD_CONFIG).
    pub config: Option<PathBuf>,
    /// --config came from ENTRAD_CONFIG (so `entrad run FILE` takes FILE instead).
    pub config_from_env: bool,
    /// `--format`.
    pub format: Format,
    /// `--ca-file` (or ENTRAD_CA_FILE).
    pub ca_file: Option<PathBuf>,
    /// `-q`: no progress, only errors.
    pub quiet: bool,
    /// `--cache` (or ENTRAD_CACHE).
    pub cache: Option<SecretString>,
    /// The identity flags.
    pub identity: IdentityArgs,
}

impl GlobalArgs {
    /// The logging options alone (a command that gets no token and prints no data).
    pub fn new(log: &LogArgs) -> GlobalArgs {
        GlobalArgs {
            config: None,
            config_from_env: false,
            format: Format::Json,
            ca_file: None,
            quiet: log.quiet,
            cache: None,
            identity: IdentityArgs::default(),
        }
    }

    /// With the connection options.
    pub fn connection(mut self, connection: ConnectionArgs, config_from_env: bool) -> GlobalArgs {
        self.config = connection.config;
        self.config_from_env = config_from_env;
        self.ca_file = connection.ca_file;
        self.cache = connection.cache;
        self.identity = connection.identity;
        self
    }

    /// With the app options (`consent-url`).
    pub fn app(mut self, app: AppArgs) -> GlobalArgs {
        self.config = app.config;
        self.identity.authority = app.authority;
        self.identity.tenant_id = app.tenant_id;
        self.identity.client_id = app.client_id;
        self
    }

    /// With `--format`.
    pub fn output(mut self, output: &OutputArgs) -> GlobalArgs {
        self.format = output.format;
        self
    }
}

/// Flags that override parameters.json and the environment.
#[derive(Debug, Default, Args)]
#[command(next_help_heading = "App and credential")]
pub struct IdentityArgs {
    /// Authority URL, e.g. https://login.microsoftonline.com/{tenant}.
    #[arg(long, value_name = "URL", conflicts_with = "tenant_id")]
    pub authority: Option<String>,
    /// Tenant ID or domain (with AZURE_AUTHORITY_HOST or the default host).
    #[arg(long, value_name = "TENANT")]
    pub tenant_id: Option<String>,
    /// Application (client) ID.
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,
    /// Client secret; other users can see it in the process list: prefer AZURE_CLIENT_SECRET.
    // Entra's secrets may begin with '-'.
    #[arg(long, value_name = "SECRET", allow_hyphen_values = true)]
    pub client_secret: Option<SecretString>,
    /// Certificate: PEM with key and certificate, or PFX; with --private-key, the certificate PEM.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client_secret", "thumbprint", "federated_token_file"])]
    pub certificate: Option<PathBuf>,
    /// Password of a PFX certificate (prefer AZURE_CLIENT_CERTIFICATE_PASSWORD).
    #[arg(long, value_name = "PASSWORD", allow_hyphen_values = true)]
    pub certificate_password: Option<SecretString>,
    /// SHA-1 thumbprint of the certificate (hex), with --private-key: the quickstart's certificate variant.
    #[arg(long, value_name = "HEX", conflicts_with_all = ["client_secret", "federated_token_file"])]
    pub thumbprint: Option<String>,
    /// PEM private key file, with --thumbprint or --certificate.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["client_secret", "federated_token_file"])]
    pub private_key: Option<PathBuf>,
    /// A file holding a client assertion (workload identity), re-read for every token.
    #[arg(long, value_name = "FILE", conflicts_with = "client_secret")]
    pub federated_token_file: Option<PathBuf>,
    /// PKCS#11 module (shared library) of the token holding the app's key, e.g.
    /// /usr/lib/softhsm/libsofthsm2.so: the key never leaves the token. PIN from
    /// ENTRAD_PKCS11_PIN or --pkcs11-pin-file.
    #[arg(long, value_name = "FILE", requires = "pkcs11_key", conflicts_with_all = ["client_secret", "certificate", "thumbprint", "private_key", "federated_token_file"])]
    pub pkcs11_module: Option<PathBuf>,
    /// The key in the token: its label, or id:HEX (the certificate is read from the token, same id or label).
    #[arg(long, value_name = "LABEL|id:HEX", requires = "pkcs11_module")]
    pub pkcs11_key: Option<String>,
    /// The token's label, when the module has several tokens.
    #[arg(long, value_name = "LABEL", requires = "pkcs11_module")]
    pub pkcs11_token: Option<String>,
    /// A file holding the token's user PIN (instead of ENTRAD_PKCS11_PIN).
    #[arg(long, value_name = "FILE", requires = "pkcs11_module")]
    pub pkcs11_pin_file: Option<PathBuf>,
    /// Use a managed identity instead of a secret: system, client-id:ID,
    /// resource-id:ID or object-id:ID (its source is detected from the
    /// environment, as MSAL does: IDENTITY_ENDPOINT, MSI_ENDPOINT, else IMDS).
    #[arg(long, value_name = "IDENTITY", conflicts_with_all = ["client_secret", "certificate", "thumbprint", "private_key", "federated_token_file", "credential"])]
    pub managed_identity: Option<String>,
    /// `chain`: try the environment (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH),
    /// workload identity, managed identity and the Azure CLI in turn, as
    /// azure-identity's DefaultAzureCredential; the default when no credential is configured.
    #[arg(long, value_name = "KIND", value_parser = ["chain"])]
    pub credential: Option<String>,
    /// Scope to request; repeat or space-separate for several (default https://graph.microsoft.com/.default).
    #[arg(help_heading = "Requests", long, value_name = "SCOPE")]
    pub scope: Vec<String>,
    /// Graph base URL for `users` and `get` (default: the origin of `endpoint`, else https://graph.microsoft.com).
    #[arg(
        help_heading = "Requests",
        long,
        env = "ENTRAD_GRAPH_URL",
        value_name = "URL"
    )]
    pub graph_url: Option<String>,
    /// Timeout of each HTTP request, in seconds.
    #[arg(help_heading = "Requests", long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Accept plain http:// for a loopback host (127.0.0.0/8, ::1, localhost) in the
    /// authority, `endpoint` and --graph-url: for local test servers only, as the
    /// secret and the access token then travel unencrypted.
    #[arg(help_heading = "Requests", long)]
    pub allow_insecure_loopback: bool,
    /// Attempts per token or Graph request before giving up on 429/5xx and
    /// network failures (default 4, all within 60 s).
    #[arg(help_heading = "Requests", long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub max_attempts: Option<u32>,
    /// Skip instance discovery for an authority host that is not a known Microsoft
    /// host (MSAL's `instance_discovery=False`): one round trip less, e.g. for the emulator.
    #[arg(help_heading = "Requests", long)]
    pub no_instance_discovery: bool,
    /// Client capabilities to declare (MSAL's `client_capabilities`); `cp1`
    /// opts into continuous access evaluation: day-long tokens that Graph
    /// revokes with a claims challenge, answered with a new token. Repeat or
    /// comma-separate for several.
    #[arg(
        help_heading = "Requests",
        long,
        value_name = "NAME",
        value_delimiter = ','
    )]
    pub client_capabilities: Vec<String>,
}
