//! The command line: subcommands and flags.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use secrecy::SecretString;

const AFTER_HELP: &str = "\
Configuration, from low to high precedence:
  --config FILE / `entrad run FILE`  the quickstart's parameters.json (authority, client_id,
                                     scope, secret | thumbprint + private_key_file, endpoint)
  environment                        AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET,
                                     AZURE_CLIENT_CERTIFICATE_PATH, AZURE_CLIENT_CERTIFICATE_PASSWORD,
                                     AZURE_FEDERATED_TOKEN_FILE, AZURE_AUTHORITY_HOST
  $CREDENTIALS_DIRECTORY             systemd's LoadCredential= files client-secret,
                                     client-certificate, client-certificate-password
                                     (where the AZURE_* variables leave them unset)
  flags                              --authority, --tenant-id, --client-id, ...

Token cache (--cache, ENTRAD_CACHE, or `cache` in the parameters file; default `file`):
  memory | file (the user's cache dir, MSAL's token cache format, shared with MSAL apps)
  | file:PATH | redis://[:password@]host:port/db[?prefix=P] | rediss://... (TLS).
  Processes sharing a cache ask the token service once per token lifetime.
  ENTRAD_CACHE_KEY (base64 of 32 bytes) encrypts Redis entries (AES-256-GCM).

The access token goes over https only, to the Graph clouds' hosts and the configured Graph URL
(--graph-url, `endpoint`); http:// needs a loopback host and --allow-insecure-loopback.

Exit codes: 0 ok, 1 internal (a bug, or a service answering nonsense, e.g. a link to another
origin), 2 usage or configuration, 3 authentication (the token service refused),
4 permission (Graph 401/403), 5 network or service unavailable after retries.";

/// `entrad`: a daemon that acts as itself on Microsoft Entra ID and calls Microsoft Graph.
#[derive(Debug, Parser)]
#[command(name = "entrad", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Flags shared by every subcommand.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The quickstart's job: read parameters.json, get a token, GET `endpoint`, print every page.
    Run {
        /// The quickstart's parameters.json, unchanged (secret or certificate variant).
        file: PathBuf,
    },
    /// List users (GET /v1.0/users), every page.
    Users(UsersArgs),
    /// List groups (GET /v1.0/groups), every page, with the options of `users`.
    Groups(UsersArgs),
    /// Any Graph GET, every page (`/v1.0/groups`, `v1.0/users/{id}` or a full URL).
    Get {
        /// A path relative to the Graph URL, or an absolute URL.
        path_or_url: String,
    },
    /// Mirror users and groups into SQLite or PostgreSQL with delta rounds, resumably.
    Sync(SyncArgs),
    /// Acquire a token and print its expiry and decoded claims.
    Token {
        /// Print the raw access token too (it is a credential: handle with care).
        #[arg(long)]
        raw: bool,
    },
    /// Print the admin consent URL for the app (the quickstart's step 4).
    ConsentUrl,
    /// Serve the app's tokens to local processes over the managed identity
    /// protocols (App Service; IMDS with --imds), until SIGTERM.
    Serve(crate::serve::ServeArgs),
    /// Print the shell completion script for SHELL on stdout, e.g.
    /// `entrad completions bash > /usr/share/bash-completion/completions/entrad`.
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page, entrad(1), in roff on stdout, e.g. `entrad man > entrad.1`.
    Man,
    /// Run the offline Entra + Graph emulator.
    #[cfg(feature = "emulator")]
    Emulator(entrad_emulator::EmulatorArgs),
    /// Start the embedded emulator, run the quickstart with a secret and a certificate, print the users.
    #[cfg(feature = "emulator")]
    Demo {
        /// How many users the demo directory holds.
        #[arg(long, default_value_t = 25)]
        users: usize,
    },
}

/// `entrad users` options, as Graph's query parameters.
#[derive(Debug, Args)]
pub struct UsersArgs {
    /// Properties to return (`$select`), comma-separated; also the csv/table columns.
    #[arg(long, value_delimiter = ',', value_name = "PROPS")]
    pub select: Vec<String>,
    /// An OData filter (`$filter`), e.g. "startswith(displayName,'A')".
    #[arg(long, value_name = "EXPR")]
    pub filter: Option<String>,
    /// Sort order (`$orderby`): "displayName", "userPrincipalName desc", ...;
    /// sorting by other properties or with --filter adds `ConsistencyLevel: eventual`
    /// and `$count=true`, as Graph requires.
    #[arg(long, value_name = "PROP[ desc]", value_parser = orderby_clause)]
    pub orderby: Option<String>,
    /// Page size (`$top`, 1 to 999).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=999))]
    pub top: Option<u16>,
    /// Ask for the total count (`$count=true`, with `ConsistencyLevel: eventual`).
    #[arg(long)]
    pub count: bool,
}

/// `entrad sync` options.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// What to mirror: users, groups (with their members), or both (the default).
    #[arg(value_enum)]
    pub kinds: Vec<SyncKind>,
    /// The database: sqlite:PATH or postgres://user[:password]@host[:port]/db
    /// (default: sqlite:mirror.db in the user's data directory, under entrad/).
    #[arg(
        long,
        env = "ENTRAD_SYNC_INTO",
        hide_env_values = true,
        value_name = "DB"
    )]
    pub into: Option<String>,
    /// Properties to request and store as columns, comma-separated (the whole object is kept as JSON too).
    #[arg(long, value_delimiter = ',', value_name = "PROPS")]
    pub select: Vec<String>,
    /// Keep running: a sync every INTERVAL (e.g. 90s, 5m, 1h), give or take a tenth; stops cleanly on SIGTERM or Ctrl-C.
    #[arg(long, value_name = "INTERVAL")]
    pub watch: Option<String>,
    /// A file of tenant ids or domains, one a line (# starts a comment): each is synced with the same app.
    #[arg(long, value_name = "FILE")]
    pub tenants: Option<PathBuf>,
    /// Tenants synced at the same time.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,
    /// Items per delta page to ask Graph for (Prefer: odata.maxpagesize); the
    /// default is the largest Graph allows: fewer requests and transactions.
    #[arg(long, value_name = "N", default_value_t = 999, value_parser = clap::value_parser!(u32).range(1..=999))]
    pub page_size: u32,
    /// Set from the command line: --format was given (json prints the summary as JSON).
    #[arg(skip)]
    pub format_given: bool,
}

/// What `entrad sync` mirrors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncKind {
    /// Users (`/v1.0/users/delta`).
    Users,
    /// Groups and their members (`/v1.0/groups/delta`).
    Groups,
}

/// `--orderby`: one property name, then optionally `asc` or `desc`.
fn orderby_clause(value: &str) -> Result<String, String> {
    let words: Vec<&str> = value.split_whitespace().collect();
    let property_ok = |p: &str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric());
    match words.as_slice() {
        [property] if property_ok(property) => Ok((*property).to_owned()),
        [property, direction]
            if property_ok(property)
                && ["asc", "desc"]
                    .iter()
                    .any(|d| d.eq_ignore_ascii_case(direction)) =>
        {
            Ok(format!("{property} {}", direction.to_ascii_lowercase()))
        }
        _ => Err(
            "expected one property, optionally followed by asc or desc, e.g. \"displayName desc\""
                .to_owned(),
        ),
    }
}

/// Output formats for collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One Graph-shaped document, all pages merged into `value` (the quickstart's output).
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Comma-separated values; columns from --select or the first item.
    Csv,
    /// A text table; columns from --select or the first item.
    Table,
}

/// How log lines are written on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// For people: `TIMESTAMP LEVEL message key=value`.
    Text,
    /// One JSON object per line: `timestamp`, `level`, `fields` (with `message`), `target`, `spans`.
    Json,
}

/// Flags accepted everywhere.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// A parameters.json file with the quickstart's keys.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Output format.
    #[arg(long, global = true, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Trust the PEM certificate(s) in this file as extra root CAs (e.g. the emulator's ca.pem).
    #[arg(long, global = true, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
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
    /// Token cache: memory, file (default), file:PATH, or redis://host:port/db.
    /// A secret: a Redis URL can hold a password.
    #[arg(
        long,
        global = true,
        env = "ENTRAD_CACHE",
        hide_env_values = true,
        value_name = "SPEC"
    )]
    pub cache: Option<SecretString>,
    /// Who the app is and how it proves it.
    #[command(flatten)]
    pub identity: IdentityArgs,
}

/// Flags that override parameters.json and the environment.
#[derive(Debug, Default, Args)]
pub struct IdentityArgs {
    /// Authority URL, e.g. https://login.microsoftonline.com/{tenant}.
    #[arg(long, global = true, value_name = "URL", conflicts_with = "tenant_id")]
    pub authority: Option<String>,
    /// Tenant ID or domain (with AZURE_AUTHORITY_HOST or the default host).
    #[arg(long, global = true, value_name = "TENANT")]
    pub tenant_id: Option<String>,
    /// Application (client) ID.
    #[arg(long, global = true, value_name = "ID")]
    pub client_id: Option<String>,
    /// Client secret; other users can see it in the process list: prefer AZURE_CLIENT_SECRET.
    #[arg(long, global = true, value_name = "SECRET")]
    pub client_secret: Option<SecretString>,
    /// Certificate: PEM with key and certificate, or PFX; with --private-key, the certificate PEM.
    #[arg(long, global = true, value_name = "FILE", conflicts_with_all = ["client_secret", "thumbprint", "federated_token_file"])]
    pub certificate: Option<PathBuf>,
    /// Password of a PFX certificate (prefer AZURE_CLIENT_CERTIFICATE_PASSWORD).
    #[arg(long, global = true, value_name = "PASSWORD")]
    pub certificate_password: Option<SecretString>,
    /// SHA-1 thumbprint of the certificate (hex), with --private-key: the quickstart's certificate variant.
    #[arg(long, global = true, value_name = "HEX", conflicts_with_all = ["client_secret", "federated_token_file"])]
    pub thumbprint: Option<String>,
    /// PEM private key file, with --thumbprint or --certificate.
    #[arg(long, global = true, value_name = "FILE", conflicts_with_all = ["client_secret", "federated_token_file"])]
    pub private_key: Option<PathBuf>,
    /// A file holding a client assertion (workload identity), re-read for every token.
    #[arg(
        long,
        global = true,
        value_name = "FILE",
        conflicts_with = "client_secret"
    )]
    pub federated_token_file: Option<PathBuf>,
    /// PKCS#11 module (shared library) of the token holding the app's key, e.g.
    /// /usr/lib/softhsm/libsofthsm2.so: the key never leaves the token. PIN from
    /// ENTRAD_PKCS11_PIN or --pkcs11-pin-file.
    #[arg(long, global = true, value_name = "FILE", requires = "pkcs11_key", conflicts_with_all = ["client_secret", "certificate", "thumbprint", "private_key", "federated_token_file"])]
    pub pkcs11_module: Option<PathBuf>,
    /// The key in the token: its label, or id:HEX (the certificate is read from the token, same id or label).
    #[arg(
        long,
        global = true,
        value_name = "LABEL|id:HEX",
        requires = "pkcs11_module"
    )]
    pub pkcs11_key: Option<String>,
    /// The token's label, when the module has several tokens.
    #[arg(long, global = true, value_name = "LABEL", requires = "pkcs11_module")]
    pub pkcs11_token: Option<String>,
    /// A file holding the token's user PIN (instead of ENTRAD_PKCS11_PIN).
    #[arg(long, global = true, value_name = "FILE", requires = "pkcs11_module")]
    pub pkcs11_pin_file: Option<PathBuf>,
    /// Use a managed identity instead of a secret: system, client-id:ID,
    /// resource-id:ID or object-id:ID (its source is detected from the
    /// environment, as MSAL does: IDENTITY_ENDPOINT, MSI_ENDPOINT, else IMDS).
    #[arg(long, global = true, value_name = "IDENTITY", conflicts_with_all = ["client_secret", "certificate", "thumbprint", "private_key", "federated_token_file", "credential"])]
    pub managed_identity: Option<String>,
    /// `chain`: try the environment (AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH),
    /// workload identity, managed identity and the Azure CLI in turn, as
    /// azure-identity's DefaultAzureCredential; the default when no credential is configured.
    #[arg(long, global = true, value_name = "KIND", value_parser = ["chain"])]
    pub credential: Option<String>,
    /// Scope to request; repeat or space-separate for several (default https://graph.microsoft.com/.default).
    #[arg(long, global = true, value_name = "SCOPE")]
    pub scope: Vec<String>,
    /// Graph base URL for `users` and `get` (default: the origin of `endpoint`, else https://graph.microsoft.com).
    #[arg(long, global = true, value_name = "URL")]
    pub graph_url: Option<String>,
    /// Timeout of each HTTP request, in seconds.
    #[arg(long, global = true, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..))]
    pub timeout: Option<u64>,
    /// Accept plain http:// for a loopback host (127.0.0.0/8, ::1, localhost) in the
    /// authority, `endpoint` and --graph-url: for local test servers only, as the
    /// secret and the access token then travel unencrypted.
    #[arg(long, global = true)]
    pub allow_insecure_loopback: bool,
    /// Attempts per token or Graph request before giving up on 429/5xx and
    /// network failures (default 4, all within 60 s).
    #[arg(long, global = true, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub max_attempts: Option<u32>,
    /// Skip instance discovery for an authority host that is not a known Microsoft
    /// host (MSAL's `instance_discovery=False`): one round trip less, e.g. for the emulator.
    #[arg(long, global = true)]
    pub no_instance_discovery: bool,
    /// Client capabilities to declare (MSAL's `client_capabilities`); `cp1`
    /// opts into continuous access evaluation: day-long tokens that Graph
    /// revokes with a claims challenge, answered with a new token. Repeat or
    /// comma-separate for several.
    #[arg(long, global = true, value_name = "NAME", value_delimiter = ',')]
    pub client_capabilities: Vec<String>,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags_go_before_or_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "entrad",
            "--format",
            "csv",
            "users",
            "--select",
            "id,displayName",
            "--top",
            "5",
            "--client-id",
            "c",
        ])
        .unwrap();
        assert_eq!(cli.global.format, Format::Csv);
        assert_eq!(cli.global.identity.client_id.as_deref(), Some("c"));
        let Command::Users(users) = cli.command else {
            panic!("not users")
        };
        assert_eq!(users.select, ["id", "displayName"]);
        assert_eq!(users.top, Some(5));
    }

    #[cfg(feature = "emulator")]
    #[test]
    fn the_emulator_feature_brings_emulator_and_demo() {
        assert!(matches!(
            Cli::try_parse_from(["entrad", "emulator", "--users", "3"])
                .unwrap()
                .command,
            Command::Emulator(_)
        ));
        assert!(matches!(
            Cli::try_parse_from(["entrad", "demo"]).unwrap().command,
            Command::Demo { users: 25 }
        ));
    }

    #[cfg(not(feature = "emulator"))]
    #[test]
    fn without_the_emulator_feature_emulator_and_demo_are_unknown() {
        for name in ["emulator", "demo"] {
            let error = Cli::try_parse_from(["entrad", name]).unwrap_err();
            assert_eq!(error.kind(), clap::error::ErrorKind::InvalidSubcommand);
            assert_eq!(error.exit_code(), 2);
        }
    }

    #[test]
    fn refuses_two_credentials_and_a_bad_top() {
        assert!(
            Cli::try_parse_from([
                "entrad",
                "token",
                "--client-secret",
                "x",
                "--certificate",
                "c.pem"
            ])
            .is_err()
        );
        assert!(Cli::try_parse_from(["entrad", "users", "--top", "1000"]).is_err());
    }

    #[test]
    fn orderby_takes_one_property_and_a_direction() {
        let orderby = |value: &str| {
            Cli::try_parse_from(["entrad", "users", "--orderby", value]).map(|cli| {
                match cli.command {
                    Command::Users(users) => users.orderby,
                    _ => None,
                }
            })
        };
        assert_eq!(
            orderby("displayName").unwrap().as_deref(),
            Some("displayName")
        );
        assert_eq!(
            orderby(" userPrincipalName  DESC ").unwrap().as_deref(),
            Some("userPrincipalName desc")
        );
        for bad in [
            "",
            "displayName sideways",
            "displayName,mail",
            "a b c",
            "x&$top=1",
        ] {
            let error = orderby(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad}");
            assert!(
                error.to_string().contains("\"displayName desc\""),
                "{error}"
            );
        }
    }
}
