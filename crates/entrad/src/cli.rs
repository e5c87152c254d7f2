//! The command line: subcommands and flags.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use crate::formats::{Format, LogFormat};
pub use crate::options::{AppArgs, ConnectionArgs, GlobalArgs, IdentityArgs, LogArgs, OutputArgs};

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

Each command's options (`entrad users --help`) may also come before its name:
`entrad --ca-file ca.pem users` is `entrad users --ca-file ca.pem`; there, an
option the command does not take is left out with a warning.

Exit codes: 0 ok, 1 internal (a bug, or a service answering nonsense, e.g. a link to another
origin), 2 usage or configuration, 3 authentication (the token service refused),
4 permission (Graph 401/403), 5 network or service unavailable after retries.";

/// `entrad`: a daemon that acts as itself on Microsoft Entra ID and calls Microsoft Graph.
#[derive(Debug, Parser)]
#[command(name = "entrad", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    /// Logging, accepted by every subcommand.
    #[command(flatten)]
    pub log: LogArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands, each with the option groups it uses.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// The quickstart's job: read parameters.json, get a token, GET `endpoint`, print every page.
    Run {
        /// The quickstart's parameters.json, unchanged (secret or certificate variant).
        file: PathBuf,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// List users (GET /v1.0/users), every page (or --limit N of them).
    Users {
        /// The query.
        #[command(flatten)]
        args: UsersArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// List groups (GET /v1.0/groups), every page, with the options of `users`.
    Groups {
        /// The query.
        #[command(flatten)]
        args: UsersArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Any Graph GET, every page (`/v1.0/groups`, `v1.0/users/{id}` or a full URL).
    Get {
        /// The request.
        #[command(flatten)]
        args: GetArgs,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Any Graph request, as `gh api`: method, headers, a JSON body; the answer as Graph sent it.
    Api {
        /// The request.
        #[command(flatten)]
        args: ApiArgs,
        /// Output (ndjson with --paginate: one item per line).
        #[command(flatten)]
        output: OutputArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Mirror users and groups into SQLite or PostgreSQL with delta rounds, resumably.
    Sync {
        /// What to mirror, and where.
        #[command(flatten)]
        args: SyncArgs,
        /// Output (json: the summary as JSON).
        #[command(flatten)]
        output: OutputArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Acquire a token and print its expiry and decoded claims.
    Token {
        /// Print the raw access token too (it is a credential: handle with care).
        #[arg(long)]
        raw: bool,
        /// Print only the access token, on one line, for
        /// `curl -H "Authorization: Bearer $(entrad token --only)"`.
        #[arg(long, conflicts_with_all = ["raw", "format"])]
        only: bool,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Print the admin consent URL for the app (the quickstart's step 4).
    ConsentUrl {
        /// The app and its tenant.
        #[command(flatten)]
        app: AppArgs,
    },
    /// Serve the app's tokens to local processes over the managed identity
    /// protocols (App Service; IMDS with --imds), until SIGTERM.
    Serve {
        /// Where to listen, what to serve, and to whom.
        #[command(flatten)]
        args: crate::serve::ServeArgs,
        /// Configuration and identity.
        #[command(flatten)]
        connection: ConnectionArgs,
    },
    /// Print the shell completion script for SHELL on stdout, e.g.
    /// `entrad completions bash > ~/.local/share/bash-completion/completions/entrad`.
    Completions {
        /// The shell: bash, zsh, fish, powershell or elvish.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page entrad(1) in roff on stdout, or with --dir write it and
    /// one page per subcommand (entrad-users(1), ...) into a directory.
    Man {
        /// Write entrad.1 and entrad-SUBCOMMAND.1 here (e.g. ~/.local/share/man/man1).
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// Run the offline Entra + Graph emulator.
    #[cfg(feature = "emulator")]
    Emulator(entrad_emulator::EmulatorArgs),
    /// Start the embedded emulator, run the quickstart with a secret and a certificate, print the users.
    #[cfg(feature = "emulator")]
    Demo {
        /// How many users the demo directory holds.
        #[arg(long, default_value_t = 25)]
        users: usize,
        /// Output.
        #[command(flatten)]
        output: OutputArgs,
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
    /// A search (`$search`), e.g. "displayName:adele vance" (words in any order,
    /// each the start of a word) or "mail:adele"; Graph's own form with quoted
    /// clauses and AND/OR is passed as it is. Adds `ConsistencyLevel: eventual`.
    #[arg(long, value_name = "PROP:WORDS")]
    pub search: Option<String>,
    /// Sort order (`$orderby`): "displayName", "userPrincipalName desc", ...;
    /// sorting by other properties or with --filter adds `ConsistencyLevel: eventual`
    /// and `$count=true`, as Graph requires.
    #[arg(long, value_name = "PROP[ desc]", value_parser = orderby_clause)]
    pub orderby: Option<String>,
    /// Stop after N items, asking Graph for no page past them (and for pages
    /// of N when N is below the page size).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Items per page Graph is asked for (`$top`, 1 to 999; Graph's default is 100):
    /// fewer, larger pages for a big directory. Not a limit: see --limit.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=999))]
    pub page_size: Option<u16>,
    /// The page size's old name (it was never a limit): use --page-size, or --limit.
    #[arg(long, value_name = "N", hide = true, conflicts_with = "page_size", value_parser = clap::value_parser!(u16).range(1..=999))]
    pub top: Option<u16>,
    /// Ask for the total count (`$count=true`, with `ConsistencyLevel: eventual`):
    /// `@odata.count` in json, on stderr with the other formats.
    #[arg(long)]
    pub count: bool,
}

impl UsersArgs {
    /// `--page-size`, or `--top` with a warning that it is not a limit.
    pub fn page_size(&self) -> Option<u16> {
        self.page_size.or_else(|| {
            let top = self.top?;
            tracing::warn!(
                "--top is deprecated: it sets the page size, not how many items are listed; use --page-size {top}, or --limit {top} to stop after {top} items"
            );
            Some(top)
        })
    }
}

/// `entrad get` options.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// A path relative to the Graph URL (`/v1.0/groups`, `v1.0/users/{id}`), or an
    /// absolute URL; used as written (put `$top` in it for the page size).
    pub path_or_url: String,
    /// Stop after N items of a collection, asking Graph for no page past them.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub limit: Option<u64>,
    /// Fetch the first page only; its `@odata.nextLink` (the next page's URL, for
    /// another `entrad get`) is in the json document, on stderr with the other formats.
    #[arg(long)]
    pub no_paginate: bool,
}

/// `entrad api` options, named as `gh api`'s.
#[derive(Debug, Args)]
pub struct ApiArgs {
    /// A path relative to the Graph URL (`/v1.0/users`, `/beta/...`), or an
    /// absolute URL on the Graph's origin.
    pub path_or_url: String,
    /// The HTTP method: GET, POST, PUT, PATCH, DELETE or HEAD (default: GET,
    /// POST with --input).
    #[arg(short = 'X', long, value_name = "METHOD", value_parser = parse_method)]
    pub method: Option<entrad_graph::Method>,
    /// A JSON body from FILE (`-`: stdin).
    #[arg(long, value_name = "FILE")]
    pub input: Option<PathBuf>,
    /// A request header, `Name: value` (repeatable).
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,
    /// Follow `@odata.nextLink`, printing each page (with --format ndjson,
    /// each item on a line).
    #[arg(long)]
    pub paginate: bool,
    /// Print the status line and headers before the body.
    #[arg(short = 'i', long)]
    pub include: bool,
}

fn parse_method(text: &str) -> Result<entrad_graph::Method, String> {
    entrad_graph::Method::parse(text)
        .ok_or_else(|| format!("{text:?} is not one of GET, POST, PUT, PATCH, DELETE, HEAD"))
}

fn parse_header(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!("{text:?} is not `Name: value`")),
    }
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Parses `args` as `main` does: options before the subcommand moved after it.
    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        let args = args.iter().map(std::ffi::OsString::from).collect();
        Cli::try_parse_from(crate::argv::options_after_subcommand(args, &Cli::command()).args)
    }

    #[test]
    fn a_secret_may_begin_with_a_hyphen() {
        use secrecy::ExposeSecret as _;
        for args in [
            &[
                "entrad",
                "--client-secret",
                "-4~8Q~x",
                "users",
                "--client-id",
                "c",
            ][..],
            &[
                "entrad",
                "users",
                "--client-secret",
                "-4~8Q~x",
                "--client-id",
                "c",
            ][..],
        ] {
            let cli = parse(args).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let Command::Users { connection, .. } = cli.command else {
                panic!("not users")
            };
            let secret = connection.identity.client_secret.unwrap();
            assert_eq!(secret.expose_secret(), "-4~8Q~x");
            assert_eq!(connection.identity.client_id.as_deref(), Some("c"));
        }
    }

    #[test]
    fn flags_go_before_or_after_the_subcommand() {
        let cli = parse(&[
            "entrad",
            "--format",
            "csv",
            "-v",
            "users",
            "--select",
            "id,displayName",
            "--top",
            "5",
            "--client-id",
            "c",
        ])
        .unwrap();
        assert_eq!(cli.log.verbose, 1);
        let Command::Users {
            args,
            output,
            connection,
        } = cli.command
        else {
            panic!("not users")
        };
        assert_eq!(output.format, Format::Csv);
        assert_eq!(connection.identity.client_id.as_deref(), Some("c"));
        assert_eq!(args.select, ["id", "displayName"]);
        assert_eq!(args.page_size(), Some(5));
    }

    #[test]
    fn each_subcommand_takes_only_the_options_it_uses() {
        let command = Cli::command();
        let longs = |name: &str| -> Vec<String> {
            let sub = command.find_subcommand(name).unwrap();
            sub.get_arguments()
                .filter_map(|a| a.get_long().map(str::to_owned))
                .collect()
        };
        let users = longs("users");
        for option in [
            "client-secret",
            "pkcs11-module",
            "config",
            "ca-file",
            "format",
            "limit",
        ] {
            assert!(users.iter().any(|l| l == option), "users --{option}");
        }
        let none_of = |name: &str, options: &[&str]| {
            let taken = longs(name);
            for option in options {
                assert!(!taken.iter().any(|l| l == option), "{name} --{option}");
            }
        };
        let credential = [
            "client-secret",
            "certificate",
            "pkcs11-module",
            "pkcs11-pin-file",
            "managed-identity",
            "scope",
            "cache",
        ];
        #[cfg(feature = "emulator")]
        none_of("emulator", &credential);
        none_of("consent-url", &credential);
        none_of(
            "completions",
            &["config", "ca-file", "format", "client-secret"],
        );
        none_of("man", &["config", "format", "client-secret"]);
        none_of("serve", &["format", "limit"]);
        // After the name, refused: the option belongs to other commands.
        let error = parse(&["entrad", "completions", "bash", "--client-secret", "s"]).unwrap_err();
        assert_eq!(error.kind(), clap::error::ErrorKind::UnknownArgument);
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
            Command::Demo { users: 25, .. }
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
            parse(&[
                "entrad",
                "token",
                "--client-secret",
                "x",
                "--certificate",
                "c.pem"
            ])
            .is_err()
        );
        assert!(parse(&["entrad", "users", "--top", "1000"]).is_err());
    }

    #[test]
    fn orderby_takes_one_property_and_a_direction() {
        let orderby = |value: &str| {
            Cli::try_parse_from(["entrad", "users", "--orderby", value]).map(|cli| {
                match cli.command {
                    Command::Users { args, .. } => args.orderby,
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
