//! The command line: `serve` (the default), `keygen`, `sign`, `check` and `errors`.

use crate::catalogue::CATALOGUE;
use crate::config::{LogFormat, Settings};
use crate::crypto;
use crate::merchant;
use crate::operation;
use crate::signature::Mode;
use crate::startup::Application;
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "jenga-sandbox", version, about = "An offline sandbox of Equity Bank's Jenga API")]
#[command(args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default).
    Serve(ServeArgs),
    /// Forward every API request to an upstream (a Jenga UAT), answer with its answers, and
    /// compare each with the sandbox's own (GET /__sandbox/diff). Takes every `serve` option.
    Proxy(ProxyArgs),
    /// Write an RSA-2048 pair: privatekey.pem (PKCS#8) and publickey.pem (SPKI).
    Keygen {
        /// Where to write [default: ~/.JengaApi/keys, where the Python SDK looks].
        #[arg(long)]
        out: Option<PathBuf>,
        /// Replace existing files.
        #[arg(long)]
        force: bool,
    },
    /// Print the Base64 signature of a string, or of an operation's canonical string.
    Sign {
        /// Private key (PKCS#8 or PKCS#1 PEM).
        #[arg(long)]
        key: PathBuf,
        /// The exact string to sign.
        #[arg(long, conflicts_with_all = ["operation", "body"])]
        string: Option<String>,
        /// Operation id (e.g. stk_push): build its canonical string from --body.
        #[arg(long, requires = "body")]
        operation: Option<String>,
        /// JSON request body (or path parameters as a JSON object).
        #[arg(long, requires = "operation")]
        body: Option<PathBuf>,
        /// The calling merchant's code, for formulas that sign it.
        #[arg(long, default_value = merchant::DEFAULT_CODE)]
        merchant: String,
    },
    /// Validate scenario files (the embedded set, ./scenarios and the given directories).
    Check {
        #[arg(long)]
        scenarios: Vec<PathBuf>,
    },
    /// Exit 0 when a running sandbox answers /__sandbox/health (the container image's HEALTHCHECK).
    Health {
        /// The sandbox's base URL [default: from --bind, an unspecified address reached on loopback].
        #[arg(long)]
        url: Option<String>,
        #[arg(long, env = "JENGA_SANDBOX_BIND", help = default_help("The address the sandbox was started with", &Settings::default().bind))]
        bind: Option<String>,
        /// Seconds to wait for the connection, and again for the answer.
        #[arg(long, default_value_t = 3)]
        timeout: u64,
    },
    /// Print the OpenAPI 3.1 document of the API and the admin API (as GET /__sandbox/openapi.json
    /// serves it, with the default bind as its server).
    Openapi,
    /// Print the error catalogue.
    Errors {
        /// As JSON rather than a table.
        #[arg(long)]
        json: bool,
    },
}

/// Options of `serve`. Each has an environment twin; both override the config file. The
/// defaults live in `Settings::default()`; the help texts read them from there.
#[derive(Args, Default)]
struct ServeArgs {
    #[arg(long, env = "JENGA_SANDBOX_BIND", help = default_help("Listen address; port 0 picks a free port", &Settings::default().bind))]
    bind: Option<String>,
    /// YAML config: merchants, callback policy, scenario dirs, limits [default: none, the embedded defaults].
    #[arg(long, env = "JENGA_SANDBOX_CONFIG")]
    config: Option<PathBuf>,
    /// Extra scenario directory, loaded after the embedded set and ./scenarios (repeatable; comma-separated in the environment) [default: none].
    #[arg(long, env = "JENGA_SANDBOX_SCENARIOS", value_delimiter = ',')]
    scenarios: Vec<PathBuf>,
    /// Reload scenario files when they change (a broken file keeps the running set) [default: off].
    #[arg(long, env = "JENGA_SANDBOX_WATCH")]
    watch: bool,
    /// Milliseconds added to every API answer; `latency.jitter_ms` in the config file adds a random part [default: 0].
    #[arg(long, env = "JENGA_SANDBOX_LATENCY_MS")]
    latency_ms: Option<u64>,
    /// Public key for the default merchant (PEM file, or the key text) [default: the embedded test key, fixtures/keys/sandbox-public.pem].
    #[arg(long, env = "JENGA_SANDBOX_PUBLIC_KEY")]
    public_key: Option<String>,
    #[arg(long, env = "JENGA_SANDBOX_SIGNATURE_MODE", value_enum, help = default_help("What a bad signature does", &Settings::default().signature_mode))]
    signature_mode: Option<Mode>,
    #[arg(long, env = "JENGA_SANDBOX_SEED", help = default_help("Seed for every generated id", &Settings::default().seed))]
    seed: Option<u64>,
    #[arg(long, env = "JENGA_SANDBOX_LOG_FORMAT", value_enum, help = default_help("Log lines and the start banner", &Settings::default().log_format))]
    log_format: Option<LogFormat>,
    /// Token for the admin API, needed off loopback [default: none; generated and printed when binding off loopback].
    #[arg(long, env = "JENGA_SANDBOX_ADMIN_TOKEN", hide_env_values = true)]
    admin_token: Option<String>,
    /// Keep state in this file across restarts (saved periodically and at shutdown) [default: none, state in memory only].
    #[arg(long, env = "JENGA_SANDBOX_STATE")]
    state: Option<PathBuf>,
    /// Private key that signs access tokens (PEM file, or the key text); generated at start if absent.
    #[arg(long, env = "JENGA_SANDBOX_TOKEN_KEY", hide_env_values = true)]
    token_key: Option<String>,
}

#[derive(Args)]
struct ProxyArgs {
    /// The upstream's base URL, e.g. https://uat.finserve.africa [default: `upstream` in the config file].
    #[arg(long, env = "JENGA_SANDBOX_UPSTREAM")]
    upstream: Option<String>,
    /// Write each distinct upstream answer here as a scenario file, for `serve --scenarios DIR` [default: none].
    #[arg(long, env = "JENGA_SANDBOX_RECORD")]
    record: Option<PathBuf>,
    #[command(flatten)]
    serve: ServeArgs,
}

impl ProxyArgs {
    fn settings(self) -> Result<Settings, String> {
        let mut settings = self.serve.settings()?;
        if self.upstream.is_some() {
            settings.upstream = self.upstream;
        }
        if self.record.is_some() {
            settings.record = self.record;
        }
        if settings.upstream.is_none() {
            return Err("proxy needs --upstream URL (or `upstream:` in the config file)".into());
        }
        Ok(settings)
    }
}

/// `text [default: VALUE]`, with the value as the config file spells it.
fn default_help(text: &str, value: &impl serde::Serialize) -> String {
    let value = match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    };
    format!("{text} [default: {value}]")
}

impl ServeArgs {
    fn settings(self) -> Result<Settings, String> {
        let mut settings = match &self.config {
            Some(path) => Settings::from_file(path).map_err(|e| e.to_string())?,
            None => Settings::default(),
        };
        if let Some(bind) = self.bind {
            settings.bind = bind;
        }
        settings.scenarios.extend(self.scenarios);
        settings.watch |= self.watch;
        if let Some(ms) = self.latency_ms {
            settings.latency.fixed_ms = ms;
        }
        if self.public_key.is_some() {
            settings.public_key = self.public_key;
        }
        if let Some(mode) = self.signature_mode {
            settings.signature_mode = mode;
        }
        if let Some(seed) = self.seed {
            settings.seed = seed;
        }
        if let Some(format) = self.log_format {
            settings.log_format = format;
        }
        if self.admin_token.is_some() {
            settings.admin_token = self.admin_token;
        }
        if self.state.is_some() {
            settings.state = self.state;
        }
        if self.token_key.is_some() {
            settings.token_key = self.token_key;
        }
        Ok(settings)
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => cli.serve.settings().and_then(serve),
        Some(Command::Serve(args)) => args.settings().and_then(serve),
        Some(Command::Proxy(args)) => args.settings().and_then(serve),
        Some(Command::Keygen { out, force }) => keygen(out, force),
        Some(Command::Sign { key, string, operation, body, merchant }) => sign(key, string, operation, body, &merchant),
        Some(Command::Check { scenarios }) => check(scenarios),
        Some(Command::Errors { json }) => errors(json),
        Some(Command::Health { url, bind, timeout }) => health(url, bind, timeout),
        Some(Command::Openapi) => openapi(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("jenga-sandbox: {message}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: Settings) -> Result<(), String> {
    let log_format = settings.log_format;
    // Dropped when serving ends, which writes out the lines still buffered.
    let _log_writer = init_logging(settings.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    runtime.block_on(async move {
        let app = Application::build(settings).await.map_err(|e| e.to_string())?;
        crate::banner::print(&app.address(), &app.state(), app.proxy(), log_format);
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

/// Log lines go to stderr from a thread of their own: a request never waits for the terminal,
/// and under load many lines share one write (a line per request otherwise costs about a tenth
/// of a signed push's CPU). When nobody reads stderr (`serve 2>&1 | sleep`), the buffer fills
/// and further lines are dropped and counted (`jenga_sandbox_log_lines_dropped_total`), so
/// requests keep being answered. The buffer is allocated whole at start, so it is kept small.
fn init_logging(format: LogFormat) -> tracing_appender::non_blocking::WorkerGuard {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(4_096)
        .finish(std::io::stderr());
    crate::metrics::count_dropped_log_lines(writer.error_counter());
    // Colours only on a terminal, so that a log captured to a file reads as plain text.
    let colours = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_ansi(colours).with_writer(writer);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Pretty => builder.try_init(),
    };
    guard
}

fn keygen(out: Option<PathBuf>, force: bool) -> Result<(), String> {
    let dir = match out {
        Some(dir) => dir,
        None => {
            let home = std::env::var_os("HOME").ok_or("HOME is not set; pass --out DIR")?;
            PathBuf::from(home).join(".JengaApi").join("keys")
        }
    };
    let private_path = dir.join("privatekey.pem");
    let public_path = dir.join("publickey.pem");
    if !force && (private_path.exists() || public_path.exists()) {
        return Err(format!("{} already holds a key pair; pass --force to replace it", dir.display()));
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let (private, public) = crypto::generate_pair()?;
    std::fs::write(&private_path, private).map_err(|e| format!("{}: {e}", private_path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(&private_path, std::fs::Permissions::from_mode(0o600));
    }
    std::fs::write(&public_path, public).map_err(|e| format!("{}: {e}", public_path.display()))?;
    println!("wrote {}", private_path.display());
    println!("wrote {}", public_path.display());
    println!("register the public key: curl -X PUT --data-binary @{} http://127.0.0.1:8080/__sandbox/merchants/9999999999/public-key", public_path.display());
    Ok(())
}

fn sign(
    key: PathBuf,
    string: Option<String>,
    op: Option<String>,
    body: Option<PathBuf>,
    merchant: &str,
) -> Result<(), String> {
    let pem = std::fs::read_to_string(&key).map_err(|e| format!("{}: {e}", key.display()))?;
    let private = crypto::parse_private_key(&pem).map_err(|e| format!("{}: {e}", key.display()))?;
    let text = match (string, op, body) {
        (Some(text), _, _) => text,
        (None, Some(op), Some(body)) => {
            let operations = crate::startup::operations();
            let operation = operations
                .by_id(&op)
                .ok_or_else(|| format!("unknown operation {op:?}; known: {}", operations.ids().join(", ")))?;
            let raw = std::fs::read(&body).map_err(|e| format!("{}: {e}", body.display()))?;
            let input: serde_json::Value =
                serde_json::from_slice(&raw).map_err(|e| format!("{}: not JSON: {e}", body.display()))?;
            let canonical = operation.canonical(&input, merchant).map_err(|e| match e {
                operation::Unsignable::NotSigned(_) => e.to_string(),
                operation::Unsignable::Missing { .. } => format!("{}: {e}", body.display()),
            })?;
            println!("{canonical}");
            canonical
        }
        _ => return Err("give --string S, or --operation OP with --body FILE".into()),
    };
    println!("{}", crypto::sign_sha256(&private, text.as_bytes()));
    Ok(())
}

fn health(url: Option<String>, bind: Option<String>, timeout: u64) -> Result<(), String> {
    let url = match url {
        Some(url) => url,
        None => crate::probe::local_url(&bind.unwrap_or_else(|| Settings::default().bind))?,
    };
    let answer = crate::probe::check(&url, std::time::Duration::from_secs(timeout.max(1)))?;
    println!("{answer}");
    Ok(())
}

fn check(dirs: Vec<PathBuf>) -> Result<(), String> {
    match crate::scenario::load::load(&dirs, true, crate::startup::operations()) {
        Ok(set) => {
            println!("ok: {} scenarios from {} files", set.scenarios.len(), set.files.len());
            Ok(())
        }
        Err(problems) => {
            for problem in &problems {
                println!("{problem}");
            }
            Err(format!("{} problem(s) in scenario files", problems.len()))
        }
    }
}

fn openapi() -> Result<(), String> {
    use std::io::Write;
    let server = format!("http://{}", Settings::default().bind);
    let text = serde_json::to_string_pretty(&crate::openapi::document(&server, crate::admin::ROUTES))
        .map_err(|e| e.to_string())?;
    match writeln!(std::io::stdout().lock(), "{text}") {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}

fn errors(json: bool) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = if json {
        let text = serde_json::to_string_pretty(CATALOGUE).map_err(|e| e.to_string())?;
        writeln!(out, "{text}")
    } else {
        writeln!(out, "{:<8} {:>4} {:>4}  {:<40}  message", "code", "v3", "v2", "families").and_then(|()| {
            CATALOGUE.iter().try_for_each(|row| {
                let families: Vec<&str> = row.families.iter().map(|f| f.name()).collect();
                let (code, v3, v2, message) = (row.code, row.v3_status, row.v2_status, row.message);
                writeln!(out, "{code:<8} {v3:>4} {v2:>4}  {:<40}  {message}", families.join(","))
            })
        })
    };
    // A reader that stops early (`errors | head`) is not a failure.
    match written {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.to_string()),
        _ => Ok(()),
    }
}
