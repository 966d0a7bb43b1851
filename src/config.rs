//! Configuration file and profiles.
//!
//! Where things are:
//! - config file: `--config PATH`, else `GSTDASH_CONFIG`, else
//!   `<ProjectDirs("in", "gstdash", "gstdash") config dir>/config.toml`. A missing file at the
//!   default location is an empty config; a missing file that was asked for is an error.
//! - data dir (SQLite cache): `--data-dir`, else `GSTDASH_DATA_DIR`, else `data_dir` in the
//!   file, else the ProjectDirs data dir.
//!
//! A profile is resolved from the file and then the environment, which takes precedence:
//! `GSTDASH_PROFILE` (which profile), `GSTDASH_GSTIN`, `GSTDASH_USERNAME`, `GSTDASH_BASE_URL`,
//! `GSTDASH_API_KEY`, `GSTDASH_API_SECRET`. Without any profile in the file, `GSTDASH_GSTIN` +
//! `GSTDASH_USERNAME` (+ `GSTDASH_BASE_URL`, default production) make a profile named
//! `default`. The environment is always passed in as a function so tests never touch the
//! process environment.
//!
//! API keys and secrets never sit in the file: a profile names an environment variable
//! (`api_key_env`) or a command whose stdout is the value (`api_key_command`, run with
//! `sh -c`). Errors about the file name the file, the line and the key.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;
use toml::Spanned;

use crate::domain::Gstin;
use crate::secret::Secret;

pub const PRODUCTION_URL: &str = "https://api.sandbox.co.in";
pub const TEST_URL: &str = "https://test-api.sandbox.co.in";

/// Name of the profile made from environment variables alone.
pub const ENV_PROFILE_NAME: &str = "default";
pub const DEFAULT_API_KEY_ENV: &str = "GSTDASH_API_KEY";
pub const DEFAULT_API_SECRET_ENV: &str = "GSTDASH_API_SECRET";

pub const ENV_CONFIG: &str = "GSTDASH_CONFIG";
pub const ENV_DATA_DIR: &str = "GSTDASH_DATA_DIR";
pub const ENV_PROFILE: &str = "GSTDASH_PROFILE";
pub const ENV_BASE_URL: &str = "GSTDASH_BASE_URL";
pub const ENV_GSTIN: &str = "GSTDASH_GSTIN";
pub const ENV_USERNAME: &str = "GSTDASH_USERNAME";
pub const ENV_API_KEY: &str = "GSTDASH_API_KEY";
pub const ENV_API_SECRET: &str = "GSTDASH_API_SECRET";

/// Reads a variable of the process environment; what the binary passes as `env`.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// Looks up an environment variable; `None` when unset.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// A variable's value if set and not blank, trimmed.
fn env_value(env: Env<'_>, name: &str) -> Option<String> {
    env(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("in", "gstdash", "gstdash")
}

// ---- Errors ---------------------------------------------------------------------------

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {source}", path.display())]
    Read { path: PathBuf, source: io::Error },

    #[error("the config file {} (given by {from}) does not exist; see config.example.toml for a starting point", path.display())]
    NotFound { path: PathBuf, from: &'static str },

    /// TOML syntax, an unknown key or a value of the wrong type.
    #[error("{}:{line}:{column}: {}{message}", path.display(), key_prefix(key))]
    Syntax {
        path: PathBuf,
        line: usize,
        column: usize,
        key: Option<String>,
        message: String,
    },

    /// A value that parses but is not acceptable (bad GSTIN, unknown environment, …).
    #[error("{}:{line}: {key}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        key: String,
        message: String,
    },

    #[error(
        "profile {name:?} (from {from}) is not defined in {}; {}",
        file_or_none(path),
        list_profiles(available)
    )]
    MissingProfile {
        path: Option<PathBuf>,
        name: String,
        from: &'static str,
        available: Vec<String>,
    },

    #[error(
        "{} defines several profiles ({}) and none is chosen: pass --profile, set GSTDASH_PROFILE, or set default_profile",
        file_or_none(path), available.join(", ")
    )]
    ChooseProfile {
        path: Option<PathBuf>,
        available: Vec<String>,
    },

    #[error(
        "no profile configured: {} and {missing} is not set; \
create a config file (see config.example.toml) or set GSTDASH_GSTIN, GSTDASH_USERNAME and GSTDASH_BASE_URL",
        match path { Some(p) => format!("{} has no [profiles.*] table", p.display()), None => "no config file was found".into() }
    )]
    NoProfile {
        path: Option<PathBuf>,
        missing: &'static str,
    },

    /// An environment override with a bad value.
    #[error("environment variable {var}: {message}")]
    Env { var: &'static str, message: String },

    /// A `*_command` that could not be run or failed. Never carries the command's output.
    #[error("{location}: {key}: {message}")]
    Command {
        location: String,
        key: String,
        message: String,
    },

    #[error(
        "profile {profile:?} has no {what}: set {env_var}, or set {key}_env (an environment variable holding it) \
or {key}_command under [profiles.{profile}] in the config file"
    )]
    MissingCredential {
        profile: String,
        what: &'static str,
        key: &'static str,
        env_var: &'static str,
    },

    #[error("cannot find a default {what} directory (is HOME set?); pass {flag} or set {env_var}")]
    NoDefaultDir {
        what: &'static str,
        flag: &'static str,
        env_var: &'static str,
    },
}

fn key_prefix(key: &Option<String>) -> String {
    key.as_ref().map(|k| format!("{k}: ")).unwrap_or_default()
}

fn file_or_none(path: &Option<PathBuf>) -> String {
    match path {
        Some(p) => p.display().to_string(),
        None => "the configuration (no config file found)".to_string(),
    }
}

fn list_profiles(available: &[String]) -> String {
    if available.is_empty() {
        "no profiles are defined".to_string()
    } else {
        format!("profiles defined: {}", available.join(", "))
    }
}

// ---- Public model ---------------------------------------------------------------------

/// Which Sandbox host a profile talks to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Environment {
    #[default]
    Production,
    Test,
    /// Any other host (`base_url` required), e.g. the built-in simulator.
    Custom,
}

impl Environment {
    pub fn parse(s: &str) -> Option<Environment> {
        match s.trim().to_ascii_lowercase().as_str() {
            "production" => Some(Environment::Production),
            "test" => Some(Environment::Test),
            "custom" => Some(Environment::Custom),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Test => "test",
            Environment::Custom => "custom",
        }
    }
    /// The fixed host of production and test.
    pub fn base_url(self) -> Option<&'static str> {
        match self {
            Environment::Production => Some(PRODUCTION_URL),
            Environment::Test => Some(TEST_URL),
            Environment::Custom => None,
        }
    }
}

impl fmt::Display for Environment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

use crate::app::keymap::{Action as KeyAction, Context, KeySpec, Keymap};
/// The colour theme named in `[ui] theme`; the same type the UI draws with.
pub use crate::app::state::ThemeName as Theme;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UiConfig {
    pub theme: Theme,
    pub mouse: bool,
}

impl UiConfig {
    /// The theme to use: `NO_COLOR` (set and not empty) forces [`Theme::Mono`].
    pub fn effective_theme(&self, env: Env<'_>) -> Theme {
        if env("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            Theme::Mono
        } else {
            self.theme
        }
    }
}

/// Where an API key or secret comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// An environment variable with this name.
    Env(String),
    /// A shell command (`sh -c`) whose trimmed stdout is the value.
    Command(String),
}

/// A profile as written in the file, validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileConfig {
    pub gstin: Gstin,
    pub username: String,
    pub environment: Environment,
    /// The host to talk to: the environment's, or `base_url` for `custom`. No trailing `/`.
    pub base_url: String,
    pub api_key: SecretSource,
    pub api_secret: SecretSource,
}

/// The loaded configuration file (or an empty one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// The file that was read; `None` when there was none.
    pub path: Option<PathBuf>,
    pub default_profile: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub downloads_dir: Option<PathBuf>,
    pub ui: UiConfig,
    pub profiles: BTreeMap<String, ProfileConfig>,
    /// `[keys.<context>] <action> = ["key", …]`: validated against the keymap at load time.
    pub keys: Vec<KeyOverride>,
    /// Line of each key (`profiles.acme.api_key_command`), for later error messages.
    lines: BTreeMap<String, usize>,
}

/// One key override from `[keys.<context>]`: `action = ["k", "F5"]` (an empty list unbinds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyOverride {
    pub context: Context,
    pub action: KeyAction,
    pub keys: Vec<KeySpec>,
}

impl KeyOverride {
    /// Applies overrides in file order to `keymap`.
    pub fn apply_all(overrides: &[KeyOverride], keymap: &mut Keymap) -> Result<(), String> {
        for o in overrides {
            keymap.rebind(o.context, o.action, o.keys.clone())?;
        }
        Ok(())
    }
}

/// A profile ready to use: file values with environment overrides applied and secrets
/// fetched. `Debug` redacts the secrets.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedProfile {
    pub name: String,
    pub gstin: Gstin,
    pub username: String,
    pub base_url: String,
    pub api_key: Option<Secret>,
    pub api_secret: Option<Secret>,
}

impl ResolvedProfile {
    /// The API key and secret, or an error telling how to provide the missing one.
    pub fn credentials(&self) -> Result<(&Secret, &Secret), ConfigError> {
        let missing = |what, key, env_var| ConfigError::MissingCredential {
            profile: self.name.clone(),
            what,
            key,
            env_var,
        };
        let key = self
            .api_key
            .as_ref()
            .ok_or_else(|| missing("API key", "api_key", ENV_API_KEY))?;
        let secret = self
            .api_secret
            .as_ref()
            .ok_or_else(|| missing("API secret", "api_secret", ENV_API_SECRET))?;
        Ok((key, secret))
    }
}

// ---- Raw file shape -------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    default_profile: Option<Spanned<String>>,
    data_dir: Option<Spanned<String>>,
    downloads_dir: Option<Spanned<String>>,
    #[serde(default)]
    ui: RawUi,
    #[serde(default)]
    profiles: BTreeMap<String, Spanned<RawProfile>>,
    #[serde(default)]
    keys: BTreeMap<String, BTreeMap<String, Spanned<Vec<String>>>>,
    // Accepted by the parser only to be refused with a helpful message.
    api_key: Option<Spanned<toml::Value>>,
    api_secret: Option<Spanned<toml::Value>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUi {
    theme: Option<Spanned<String>>,
    mouse: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    gstin: Spanned<String>,
    username: Spanned<String>,
    environment: Option<Spanned<String>>,
    base_url: Option<Spanned<String>>,
    api_key_env: Option<Spanned<String>>,
    api_key_command: Option<Spanned<String>>,
    api_secret_env: Option<Spanned<String>>,
    api_secret_command: Option<Spanned<String>>,
    api_key: Option<Spanned<toml::Value>>,
    api_secret: Option<Spanned<toml::Value>>,
}

// ---- Loading --------------------------------------------------------------------------

impl Config {
    /// `<config dir>/config.toml`; `None` when no home directory is known.
    pub fn default_path() -> Option<PathBuf> {
        project_dirs().map(|d| d.config_dir().join("config.toml"))
    }

    /// Loads the config named by `path` (`--config`), else `GSTDASH_CONFIG`, else the default
    /// location, reading the process environment.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with_env(path, &process_env)
    }

    /// [`Config::load`] with the environment passed in.
    pub fn load_with_env(path: Option<&Path>, env: Env<'_>) -> Result<Config, ConfigError> {
        let explicit = match path {
            Some(p) => Some((p.to_path_buf(), "--config")),
            None => env_value(env, ENV_CONFIG).map(|p| (expand_tilde(&p), ENV_CONFIG)),
        };
        if let Some((path, from)) = explicit {
            if !path.exists() {
                return Err(ConfigError::NotFound { path, from });
            }
            return Config::from_file(&path);
        }
        match Config::default_path() {
            Some(p) if p.exists() => Config::from_file(&p),
            _ => Ok(Config::default()),
        }
    }

    /// Reads and validates one file.
    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.into(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Parses and validates `text`; `path` is used in messages and recorded as the source.
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let src = Source { text, path };
        let raw: RawConfig = toml::from_str(text).map_err(|e| src.syntax(&e))?;
        let mut cfg = Config {
            path: Some(path.to_path_buf()),
            ..Config::default()
        };

        for (key, v) in [("api_key", &raw.api_key), ("api_secret", &raw.api_secret)] {
            if let Some(v) = v {
                return Err(src.invalid(v.span(), key, plain_secret_message(key)));
            }
        }
        if let Some(dir) = &raw.data_dir {
            cfg.lines.insert("data_dir".into(), src.line(dir.span()));
            cfg.data_dir = Some(src.path_value(dir, "data_dir")?);
        }
        if let Some(dir) = &raw.downloads_dir {
            cfg.lines.insert("downloads_dir".into(), src.line(dir.span()));
            cfg.downloads_dir = Some(src.path_value(dir, "downloads_dir")?);
        }
        if let Some(theme) = &raw.ui.theme {
            cfg.ui.theme = Theme::parse(theme.get_ref()).ok().ok_or_else(|| {
                src.invalid(
                    theme.span(),
                    "ui.theme",
                    format!("unknown theme {:?}; expected dark, light or mono", theme.get_ref()),
                )
            })?;
        }
        cfg.ui.mouse = raw.ui.mouse.unwrap_or(false);

        // Key overrides are checked against the real keymap now, so a typo is reported with
        // its line instead of surfacing as a dead key later.
        let mut keymap = Keymap::default();
        for (ctx_name, actions) in &raw.keys {
            for (action_name, keys) in actions {
                let key = format!("keys.{}.{}", toml_key(ctx_name), toml_key(action_name));
                let bad = |msg: String| src.invalid(keys.span(), &key, msg);
                let context = Context::from_name(ctx_name).map_err(&bad)?;
                let action = KeyAction::from_name(action_name).map_err(&bad)?;
                let specs = keys
                    .get_ref()
                    .iter()
                    .map(|k| KeySpec::parse(k))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(&bad)?;
                keymap.rebind(context, action, specs.clone()).map_err(&bad)?;
                cfg.keys.push(KeyOverride {
                    context,
                    action,
                    keys: specs,
                });
            }
        }

        for (name, p) in &raw.profiles {
            let key = format!("profiles.{}", toml_key(name));
            if name.trim().is_empty() {
                return Err(src.invalid(p.span(), &key, "a profile name cannot be empty".into()));
            }
            cfg.lines.insert(key.clone(), src.line(p.span()));
            let profile = src.profile(&key, p.get_ref(), &mut cfg.lines)?;
            cfg.profiles.insert(name.clone(), profile);
        }

        if let Some(d) = &raw.default_profile {
            cfg.lines.insert("default_profile".into(), src.line(d.span()));
            if !cfg.profiles.contains_key(d.get_ref()) {
                let available: Vec<_> = cfg.profiles.keys().cloned().collect();
                return Err(src.invalid(
                    d.span(),
                    "default_profile",
                    format!(
                        "there is no [profiles.{}]; {}",
                        toml_key(d.get_ref()),
                        list_profiles(&available)
                    ),
                ));
            }
            cfg.default_profile = Some(d.get_ref().clone());
        }
        Ok(cfg)
    }

    // ---- Directories ------------------------------------------------------------------

    /// The data directory: `cli` (`--data-dir`), else `GSTDASH_DATA_DIR`, else `data_dir`,
    /// else the platform data directory.
    pub fn resolve_data_dir(&self, cli: Option<&Path>, env: Env<'_>) -> Result<PathBuf, ConfigError> {
        if let Some(p) = cli {
            return Ok(p.to_path_buf());
        }
        if let Some(p) = env_value(env, ENV_DATA_DIR) {
            return Ok(expand_tilde(&p));
        }
        if let Some(p) = &self.data_dir {
            return Ok(p.clone());
        }
        project_dirs()
            .map(|d| d.data_dir().to_path_buf())
            .ok_or(ConfigError::NoDefaultDir {
                what: "data",
                flag: "--data-dir",
                env_var: ENV_DATA_DIR,
            })
    }

    /// Where exports go: `downloads_dir`, else the user's Downloads folder, else the home
    /// directory, else the current directory.
    pub fn resolve_downloads_dir(&self) -> PathBuf {
        if let Some(p) = &self.downloads_dir {
            return p.clone();
        }
        directories::UserDirs::new()
            .and_then(|u| {
                u.download_dir()
                    .map(Path::to_path_buf)
                    .or_else(|| Some(u.home_dir().to_path_buf()))
            })
            .unwrap_or_else(|| PathBuf::from("."))
    }

    // ---- Profiles ---------------------------------------------------------------------

    /// Profile names in the file, sorted.
    pub fn profile_names(&self) -> Vec<String> {
        self.profiles.keys().cloned().collect()
    }

    /// Picks a profile (`name` from `--profile`, else `GSTDASH_PROFILE`, else
    /// `default_profile`, else the only profile in the file, else the environment-only
    /// profile `default`), applies environment overrides and fetches the API key and secret
    /// (running `*_command`s when configured and not overridden).
    pub fn resolve_profile(&self, name: Option<&str>, env: Env<'_>) -> Result<ResolvedProfile, ConfigError> {
        let chosen = match name.map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => Some((n.to_string(), "--profile")),
            None => match env_value(env, ENV_PROFILE) {
                Some(n) => Some((n, ENV_PROFILE)),
                None => self.default_profile.clone().map(|n| (n, "default_profile")),
            },
        };
        let (name, file_profile) = match chosen {
            Some((n, from)) => match self.profiles.get(&n) {
                Some(p) => (n, Some(p)),
                None if n == ENV_PROFILE_NAME => (n, None),
                None => {
                    return Err(ConfigError::MissingProfile {
                        path: self.path.clone(),
                        name: n,
                        from,
                        available: self.profile_names(),
                    });
                }
            },
            None => match self.profiles.len() {
                0 => (ENV_PROFILE_NAME.to_string(), None),
                1 => {
                    let (n, p) = self.profiles.iter().next().expect("one profile");
                    (n.clone(), Some(p))
                }
                _ => {
                    return Err(ConfigError::ChooseProfile {
                        path: self.path.clone(),
                        available: self.profile_names(),
                    });
                }
            },
        };

        let gstin = match env_value(env, ENV_GSTIN) {
            Some(g) => Gstin::parse(&g).map_err(|e| ConfigError::Env {
                var: ENV_GSTIN,
                message: e.to_string(),
            })?,
            None => match file_profile {
                Some(p) => p.gstin.clone(),
                None => {
                    return Err(ConfigError::NoProfile {
                        path: self.path.clone(),
                        missing: ENV_GSTIN,
                    });
                }
            },
        };
        let username = match (env_value(env, ENV_USERNAME), file_profile) {
            (Some(u), _) => u,
            (None, Some(p)) => p.username.clone(),
            (None, None) => {
                return Err(ConfigError::NoProfile {
                    path: self.path.clone(),
                    missing: ENV_USERNAME,
                });
            }
        };
        let base_url = match env_value(env, ENV_BASE_URL) {
            Some(u) => check_base_url(&u).map_err(|message| ConfigError::Env {
                var: ENV_BASE_URL,
                message,
            })?,
            None => file_profile.map_or_else(|| PRODUCTION_URL.to_string(), |p| p.base_url.clone()),
        };

        let default_key = SecretSource::Env(DEFAULT_API_KEY_ENV.into());
        let default_secret = SecretSource::Env(DEFAULT_API_SECRET_ENV.into());
        let api_key = self.secret(
            &name,
            "api_key",
            ENV_API_KEY,
            file_profile.map_or(&default_key, |p| &p.api_key),
            env,
        )?;
        let api_secret = self.secret(
            &name,
            "api_secret",
            ENV_API_SECRET,
            file_profile.map_or(&default_secret, |p| &p.api_secret),
            env,
        )?;
        Ok(ResolvedProfile {
            name,
            gstin,
            username,
            base_url,
            api_key,
            api_secret,
        })
    }

    /// `override_var` wins; then the profile's command or variable.
    fn secret(
        &self,
        profile: &str,
        key: &str,
        override_var: &str,
        source: &SecretSource,
        env: Env<'_>,
    ) -> Result<Option<Secret>, ConfigError> {
        if let Some(v) = env_value(env, override_var) {
            return Ok(Some(Secret::new(v)));
        }
        match source {
            SecretSource::Env(var) => Ok(env_value(env, var).map(Secret::new)),
            SecretSource::Command(cmd) => {
                let full_key = format!("profiles.{}.{key}_command", toml_key(profile));
                let location = match (&self.path, self.lines.get(&full_key)) {
                    (Some(p), Some(l)) => format!("{}:{l}", p.display()),
                    (Some(p), None) => p.display().to_string(),
                    (None, _) => "config".to_string(),
                };
                run_secret_command(cmd)
                    .map(Some)
                    .map_err(|message| ConfigError::Command {
                        location,
                        key: full_key,
                        message,
                    })
            }
        }
    }
}

/// Runs `cmd` with `sh -c` and returns its trimmed stdout. Errors never include the output
/// (it may be the secret); stderr is discarded so nothing leaks onto a terminal UI.
fn run_secret_command(cmd: &str) -> Result<Secret, String> {
    let out = Command::new("sh")
        .arg("-c")
        .arg(cmd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("could not run the command with sh -c: {e}"))?;
    if !out.status.success() {
        let status = match out.status.code() {
            Some(c) => format!("exit status {c}"),
            None => format!("{}", out.status),
        };
        return Err(format!(
            "the command failed ({status}); its output is not shown because it may contain the secret — run it yourself to see why"
        ));
    }
    let text = String::from_utf8(out.stdout).map_err(|_| "the command's output is not UTF-8 text".to_string())?;
    let value = text.trim();
    if value.is_empty() {
        return Err("the command succeeded but printed nothing".to_string());
    }
    Ok(Secret::new(value))
}

fn plain_secret_message(key: &str) -> String {
    format!(
        "plain-text API credentials are not supported in the config file; put the value in an environment \
variable and set {key}_env = \"VAR_NAME\", or set {key}_command = \"…\" to read it from a password manager"
    )
}

/// Checks a base URL and removes trailing slashes.
fn check_base_url(s: &str) -> Result<String, String> {
    let url = s.trim().trim_end_matches('/');
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    match rest {
        None => Err(format!("base URL {s:?} must start with http:// or https://")),
        Some(host) if host.is_empty() || host.starts_with('/') => Err(format!("base URL {s:?} has no host")),
        Some(_) if url.chars().any(|c| c.is_whitespace() || c.is_control()) => {
            Err(format!("base URL {s:?} contains blanks"))
        }
        Some(_) => Ok(url.to_string()),
    }
}

/// `~` and `~/…` relative to the home directory.
fn expand_tilde(s: &str) -> PathBuf {
    let home = || directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf());
    if s == "~" {
        if let Some(h) = home() {
            return h;
        }
    } else if let Some(rest) = s.strip_prefix("~/")
        && let Some(h) = home()
    {
        return h.join(rest);
    }
    PathBuf::from(s)
}

/// A profile name as a TOML key segment: bare when possible, quoted otherwise.
fn toml_key(name: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        name.to_string()
    } else {
        format!("{name:?}")
    }
}

// ---- Positions in the source --------------------------------------------------------

struct Source<'a> {
    text: &'a str,
    path: &'a Path,
}

impl Source<'_> {
    /// 1-based line and column of a byte offset.
    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn line(&self, span: Range<usize>) -> usize {
        self.position(span.start).0
    }

    fn invalid(&self, span: Range<usize>, key: &str, message: String) -> ConfigError {
        ConfigError::Invalid {
            path: self.path.to_path_buf(),
            line: self.line(span),
            key: key.to_string(),
            message,
        }
    }

    fn syntax(&self, e: &toml::de::Error) -> ConfigError {
        let offset = e.span().map_or(0, |s| s.start);
        let (line, column) = self.position(offset);
        ConfigError::Syntax {
            path: self.path.to_path_buf(),
            line,
            column,
            key: key_at(self.text, offset),
            // `api_key`/`api_secret` are fields only to be refused; do not suggest them.
            message: e
                .message()
                .trim()
                .replace('\n', " ")
                .replace(", `api_key`, `api_secret`", ""),
        }
    }

    fn path_value(&self, v: &Spanned<String>, key: &str) -> Result<PathBuf, ConfigError> {
        if v.get_ref().trim().is_empty() {
            return Err(self.invalid(
                v.span(),
                key,
                "the path is empty; remove the key to use the default".into(),
            ));
        }
        Ok(expand_tilde(v.get_ref().trim()))
    }

    fn profile(
        &self,
        key: &str,
        p: &RawProfile,
        lines: &mut BTreeMap<String, usize>,
    ) -> Result<ProfileConfig, ConfigError> {
        let k = |field: &str| format!("{key}.{field}");
        for (field, v) in [
            ("gstin", Some(&p.gstin)),
            ("username", Some(&p.username)),
            ("environment", p.environment.as_ref()),
            ("base_url", p.base_url.as_ref()),
            ("api_key_env", p.api_key_env.as_ref()),
            ("api_key_command", p.api_key_command.as_ref()),
            ("api_secret_env", p.api_secret_env.as_ref()),
            ("api_secret_command", p.api_secret_command.as_ref()),
        ] {
            if let Some(v) = v {
                lines.insert(k(field), self.line(v.span()));
            }
        }
        for (field, v) in [("api_key", &p.api_key), ("api_secret", &p.api_secret)] {
            if let Some(v) = v {
                return Err(self.invalid(v.span(), &k(field), plain_secret_message(field)));
            }
        }

        let gstin =
            Gstin::parse(p.gstin.get_ref()).map_err(|e| self.invalid(p.gstin.span(), &k("gstin"), e.to_string()))?;
        let username = p.username.get_ref().trim().to_string();
        if username.is_empty() {
            return Err(self.invalid(
                p.username.span(),
                &k("username"),
                "the GST portal username is empty".into(),
            ));
        }

        let environment = match &p.environment {
            None => Environment::default(),
            Some(e) => Environment::parse(e.get_ref()).ok_or_else(|| {
                self.invalid(
                    e.span(),
                    &k("environment"),
                    format!(
                        "unknown environment {:?}; expected production, test or custom",
                        e.get_ref()
                    ),
                )
            })?,
        };
        let base_url = match (environment, &p.base_url) {
            (Environment::Custom, Some(u)) => {
                check_base_url(u.get_ref()).map_err(|m| self.invalid(u.span(), &k("base_url"), m))?
            }
            (Environment::Custom, None) => {
                let span = p.environment.as_ref().map_or(0..0, |e| e.span());
                return Err(self.invalid(
                    span,
                    &k("environment"),
                    format!(
                        "environment \"custom\" needs base_url, e.g. base_url = \"http://127.0.0.1:8080\" under [{key}]"
                    ),
                ));
            }
            (env, Some(u)) => {
                return Err(self.invalid(
                    u.span(),
                    &k("base_url"),
                    format!(
                        "base_url is only used with environment = \"custom\" (this profile's environment is \"{env}\", \
which always uses {})",
                        env.base_url().unwrap_or_default()
                    ),
                ));
            }
            (env, None) => env.base_url().expect("fixed host").to_string(),
        };

        let api_key = self.secret_source(key, "api_key", &p.api_key_env, &p.api_key_command, DEFAULT_API_KEY_ENV)?;
        let api_secret = self.secret_source(
            key,
            "api_secret",
            &p.api_secret_env,
            &p.api_secret_command,
            DEFAULT_API_SECRET_ENV,
        )?;
        Ok(ProfileConfig {
            gstin,
            username,
            environment,
            base_url,
            api_key,
            api_secret,
        })
    }

    fn secret_source(
        &self,
        key: &str,
        field: &str,
        env: &Option<Spanned<String>>,
        command: &Option<Spanned<String>>,
        default_env: &str,
    ) -> Result<SecretSource, ConfigError> {
        match (env, command) {
            (Some(_), Some(c)) => Err(self.invalid(
                c.span(),
                &format!("{key}.{field}_command"),
                format!("set either {field}_env or {field}_command, not both"),
            )),
            (Some(e), None) => {
                let name = e.get_ref().trim();
                if name.is_empty() || name.contains(['=', '\0']) || name.chars().any(char::is_whitespace) {
                    return Err(self.invalid(
                        e.span(),
                        &format!("{key}.{field}_env"),
                        format!("{:?} is not an environment variable name", e.get_ref()),
                    ));
                }
                Ok(SecretSource::Env(name.to_string()))
            }
            (None, Some(c)) => {
                if c.get_ref().trim().is_empty() {
                    return Err(self.invalid(
                        c.span(),
                        &format!("{key}.{field}_command"),
                        "the command is empty".into(),
                    ));
                }
                Ok(SecretSource::Command(c.get_ref().clone()))
            }
            (None, None) => Ok(SecretSource::Env(default_env.to_string())),
        }
    }
}

/// The dotted key at a byte offset, read from the source text: the table header in force
/// plus the key on that line (`ui.theme`), or the header itself when the offset is on one.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let mut header = String::new();
    for l in text[..line_start].lines() {
        if let Some(h) = header_of(l) {
            header = h;
        }
    }
    let line = text[line_start..].lines().next().unwrap_or("");
    if let Some(h) = header_of(line) {
        return Some(h);
    }
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('#'));
    match (key, header.is_empty()) {
        (Some(k), true) => Some(k.to_string()),
        (Some(k), false) => Some(format!("{header}.{k}")),
        (None, false) => Some(header),
        (None, true) => None,
    }
}

fn header_of(line: &str) -> Option<String> {
    let t = line.trim();
    if !t.starts_with('[') {
        return None;
    }
    let inner = t.trim_start_matches('[');
    let end = inner.find(']')?;
    Some(inner[..end].trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const EXAMPLE: &str = include_str!("../config.example.toml");

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k: &str| m.get(k).cloned()
    }

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/home/u/.config/gstdash/config.toml"))
    }

    /// The message names the file, the line and the key.
    #[track_caller]
    fn assert_located(err: &ConfigError, line: usize, key: &str) -> String {
        let msg = err.to_string();
        assert!(msg.contains("/home/u/.config/gstdash/config.toml"), "no file in: {msg}");
        assert!(
            msg.contains(&format!("config.toml:{line}:")),
            "no line {line} in: {msg}"
        );
        assert!(msg.contains(key), "no key {key} in: {msg}");
        assert!(!msg.contains('\n'), "not one line: {msg}");
        msg
    }

    const ACME: &str = r#"
default_profile = "acme"

[profiles.acme]
gstin = "27AAPFU0939F1ZV"
username = "acme.traders"
"#;

    #[test]
    fn example_file_parses_and_is_valid() {
        let cfg = parse(EXAMPLE).unwrap();
        assert_eq!(cfg.default_profile.as_deref(), Some("acme"));
        let acme = &cfg.profiles["acme"];
        assert_eq!(acme.gstin.as_str(), "27AAPFU0939F1ZV");
        assert_eq!(acme.base_url, PRODUCTION_URL);
        assert_eq!(acme.api_key, SecretSource::Env("GSTDASH_API_KEY".into()));
        assert_eq!(
            cfg.ui,
            UiConfig {
                theme: Theme::Dark,
                mouse: false
            }
        );
        // Every profile resolves (with the key in the environment).
        let env = env_of(&[("GSTDASH_API_KEY", "k"), ("GSTDASH_API_SECRET", "s")]);
        for name in cfg.profile_names() {
            cfg.resolve_profile(Some(&name), &env).unwrap();
        }
    }

    #[test]
    fn example_file_documents_every_key() {
        for key in [
            "default_profile",
            "data_dir",
            "downloads_dir",
            "[ui]",
            "theme",
            "mouse",
            "gstin",
            "username",
            "environment",
            "base_url",
            "api_key_env",
            "api_key_command",
            "api_secret_env",
            "api_secret_command",
        ] {
            assert!(EXAMPLE.contains(key), "config.example.toml does not mention {key}");
        }
    }

    #[test]
    fn missing_default_file_is_an_empty_config_but_a_named_one_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope.toml");
        let e = Config::load_with_env(Some(&missing), &no_env).unwrap_err();
        assert!(
            e.to_string().contains("nope.toml") && e.to_string().contains("--config"),
            "{e}"
        );
        let m = missing.display().to_string();
        let e = Config::load_with_env(None, &env_of(&[("GSTDASH_CONFIG", &m)])).unwrap_err();
        assert!(e.to_string().contains("GSTDASH_CONFIG"), "{e}");

        let file = dir.path().join("config.toml");
        std::fs::write(&file, ACME).unwrap();
        let f = file.display().to_string();
        let cfg = Config::load_with_env(None, &env_of(&[("GSTDASH_CONFIG", &f)])).unwrap();
        assert_eq!(cfg.path.as_deref(), Some(file.as_path()));
        assert!(cfg.profiles.contains_key("acme"));
        assert_eq!(Config::default().profiles.len(), 0);
    }

    #[test]
    fn syntax_error_names_file_line_and_key() {
        let e = parse("default_profile = \"acme\"\n[ui]\ntheme = \"dark\nmouse = false\n").unwrap_err();
        assert!(matches!(e, ConfigError::Syntax { .. }), "{e:?}");
        assert_located(&e, 3, "ui.theme");
        let e = parse("[ui]\nmouse = fals\n").unwrap_err();
        assert_located(&e, 2, "ui.mouse");
    }

    #[test]
    fn real_file_errors_name_the_real_path() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("my.toml");
        std::fs::write(&file, "[ui]\ntheme = \n").unwrap();
        let e = Config::from_file(&file).unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("{}:2:", file.display())) && e.contains("ui.theme"),
            "{e}"
        );
    }

    #[test]
    fn key_overrides_apply_and_bad_ones_name_their_line() {
        let cfg = parse("[keys.dashboard]\nrefresh = [\"F5\", \"R\"]\nopen_info = []\n").unwrap();
        assert_eq!(cfg.keys.len(), 2);
        let mut km = Keymap::default();
        KeyOverride::apply_all(&cfg.keys, &mut km).unwrap();
        let f5 = KeySpec::parse("F5").unwrap();
        assert_eq!(
            km.lookup(&[Context::Dashboard], f5),
            Some((Context::Dashboard, KeyAction::Refresh))
        );
        assert_eq!(
            km.lookup(&[Context::Dashboard], KeySpec::ch('r')),
            None,
            "old key replaced"
        );
        assert_eq!(km.lookup(&[Context::Dashboard], KeySpec::ch('i')), None, "unbound");

        let e = parse("[keys.dashboard]\nrefrsh = [\"x\"]\n").unwrap_err();
        let msg = assert_located(&e, 2, "keys.dashboard.refrsh");
        assert!(msg.contains("refresh"), "lists the known actions: {msg}");
        let e = parse("\n[keys.dashbord]\nrefresh = [\"x\"]\n").unwrap_err();
        assert_located(&e, 3, "keys.dashbord.refresh");
        let e = parse("[keys.dashboard]\nrefresh = [\"q\"]\n").unwrap_err();
        let msg = assert_located(&e, 2, "keys.dashboard.refresh");
        assert!(msg.contains("already bound"), "{msg}");
        let e = parse("[keys.period_picker]\nconfirm = [\"Ctrl-Hyper-x\"]\n").unwrap_err();
        assert_located(&e, 2, "keys.period_picker.confirm");
    }

    #[test]
    fn unknown_keys_are_refused() {
        let e = parse(&format!("{ACME}gstn_typo = \"x\"\n")).unwrap_err();
        let msg = assert_located(&e, 7, "profiles.acme.gstn_typo");
        assert!(
            msg.contains("expected one of `gstin`") && !msg.contains("`api_key`"),
            "{msg}"
        );
        let e = parse("[ui]\ncolour = \"red\"\n").unwrap_err();
        assert_located(&e, 2, "ui.colour");
        let e = parse("verbose = true\n").unwrap_err();
        assert_located(&e, 1, "verbose");
    }

    #[test]
    fn bad_gstin_gives_the_position() {
        let e = parse(&ACME.replace("27AAPFU0939F1ZV", "27AAPFU0939F1ZX")).unwrap_err();
        let msg = assert_located(&e, 5, "profiles.acme.gstin");
        assert!(msg.contains("position 15"), "{msg}");
    }

    #[test]
    fn unknown_environment() {
        let e = parse(&format!("{ACME}environment = \"prod\"\n")).unwrap_err();
        let msg = assert_located(&e, 7, "profiles.acme.environment");
        assert!(
            msg.contains("prod") && msg.contains("production, test or custom"),
            "{msg}"
        );
    }

    #[test]
    fn custom_environment_needs_base_url() {
        let e = parse(&format!("{ACME}environment = \"custom\"\n")).unwrap_err();
        let msg = assert_located(&e, 7, "profiles.acme.environment");
        assert!(msg.contains("base_url"), "{msg}");

        let e = parse(&format!("{ACME}environment = \"custom\"\nbase_url = \"ftp://x\"\n")).unwrap_err();
        assert_located(&e, 8, "profiles.acme.base_url");

        let e = parse(&format!("{ACME}base_url = \"http://127.0.0.1:8080\"\n")).unwrap_err();
        let msg = assert_located(&e, 7, "profiles.acme.base_url");
        assert!(msg.contains("custom"), "{msg}");

        let cfg = parse(&format!(
            "{ACME}environment = \"custom\"\nbase_url = \"http://127.0.0.1:8080/\"\n"
        ))
        .unwrap();
        assert_eq!(cfg.profiles["acme"].base_url, "http://127.0.0.1:8080");
        let cfg = parse(&format!("{ACME}environment = \"test\"\n")).unwrap();
        assert_eq!(cfg.profiles["acme"].base_url, TEST_URL);
    }

    #[test]
    fn missing_profile_lists_the_existing_ones() {
        let two = format!("{ACME}\n[profiles.beta]\ngstin = \"24AAACQ3770E1ZP\"\nusername = \"beta\"\n");
        let e = parse(&two.replace("default_profile = \"acme\"", "default_profile = \"acne\"")).unwrap_err();
        let msg = assert_located(&e, 2, "default_profile");
        assert!(msg.contains("acne") && msg.contains("acme, beta"), "{msg}");

        let cfg = parse(&two).unwrap();
        let e = cfg.resolve_profile(Some("gamma"), &no_env).unwrap_err().to_string();
        assert!(
            e.contains("gamma") && e.contains("--profile") && e.contains("acme, beta"),
            "{e}"
        );
        assert!(e.contains("/home/u/.config/gstdash/config.toml"), "{e}");
        let e = cfg
            .resolve_profile(None, &env_of(&[("GSTDASH_PROFILE", "delta")]))
            .unwrap_err()
            .to_string();
        assert!(e.contains("delta") && e.contains("GSTDASH_PROFILE"), "{e}");

        let no_default = parse(&two.replace("default_profile = \"acme\"", "")).unwrap();
        let e = no_default.resolve_profile(None, &no_env).unwrap_err().to_string();
        assert!(e.contains("acme, beta") && e.contains("--profile"), "{e}");
    }

    #[test]
    fn plain_text_secrets_are_refused_without_echoing_them() {
        let e = parse(&format!("{ACME}api_key = \"key_live_abcdef\"\n")).unwrap_err();
        let msg = assert_located(&e, 7, "profiles.acme.api_key");
        assert!(msg.contains("api_key_env") && msg.contains("api_key_command"), "{msg}");
        assert!(!msg.contains("key_live_abcdef"), "{msg}");
        let e = parse(&format!("{ACME}api_secret = \"secret_live_x\"\n")).unwrap_err();
        let msg = assert_located(&e, 7, "profiles.acme.api_secret");
        assert!(
            msg.contains("api_secret_env") && !msg.contains("secret_live_x"),
            "{msg}"
        );
        let e = parse(&format!("api_key = \"key_live_top\"\n{ACME}")).unwrap_err();
        let msg = assert_located(&e, 1, "api_key");
        assert!(!msg.contains("key_live_top"), "{msg}");
    }

    #[test]
    fn env_and_command_together_are_refused() {
        let e = parse(&format!("{ACME}api_key_env = \"K\"\napi_key_command = \"echo k\"\n")).unwrap_err();
        assert_located(&e, 8, "profiles.acme.api_key_command");
    }

    #[test]
    fn other_semantic_errors_are_located() {
        let e = parse("[ui]\ntheme = \"blue\"\n").unwrap_err();
        assert_located(&e, 2, "ui.theme");
        let e = parse(&ACME.replace("\"acme.traders\"", "\"  \"")).unwrap_err();
        assert_located(&e, 6, "profiles.acme.username");
        let e = parse(&format!("{ACME}api_secret_env = \"MY VAR\"\n")).unwrap_err();
        assert_located(&e, 7, "profiles.acme.api_secret_env");
        let e = parse("[profiles.acme]\ngstin = \"27AAPFU0939F1ZV\"\n").unwrap_err();
        let msg = assert_located(&e, 1, "profiles.acme");
        assert!(msg.contains("username"), "{msg}");
    }

    #[test]
    fn resolves_file_profile_with_env_secrets() {
        let cfg = parse(&format!("{ACME}api_key_env = \"ACME_KEY\"\n")).unwrap();
        let env = env_of(&[("ACME_KEY", " key_test_1 \n"), ("GSTDASH_API_SECRET", "sec_1")]);
        let p = cfg.resolve_profile(None, &env).unwrap();
        assert_eq!(p.name, "acme");
        assert_eq!(p.gstin.as_str(), "27AAPFU0939F1ZV");
        assert_eq!(p.username, "acme.traders");
        assert_eq!(p.base_url, PRODUCTION_URL);
        assert_eq!(p.api_key.as_ref().unwrap().expose(), "key_test_1");
        assert_eq!(p.api_secret.as_ref().unwrap().expose(), "sec_1");
        let dbg = format!("{p:?}");
        assert!(!dbg.contains("key_test_1") && !dbg.contains("sec_1"), "{dbg}");
        assert!(p.credentials().is_ok());

        // Without secrets the profile still resolves; asking for credentials explains.
        let p = cfg.resolve_profile(None, &no_env).unwrap();
        assert_eq!(p.api_key, None);
        let e = p.credentials().unwrap_err().to_string();
        assert!(
            e.contains("acme") && e.contains("GSTDASH_API_KEY") && e.contains("api_key_command"),
            "{e}"
        );
    }

    #[test]
    fn env_overrides_take_precedence() {
        let two = format!(
            "{ACME}api_key_command = \"exit 7\"\n\n[profiles.beta]\ngstin = \"24AAACQ3770E1ZP\"\nusername = \"beta\"\n"
        );
        let cfg = parse(&two).unwrap();
        let env = env_of(&[
            ("GSTDASH_PROFILE", "beta"),
            ("GSTDASH_GSTIN", "24shubh3221u1z1"),
            ("GSTDASH_USERNAME", "override.user"),
            ("GSTDASH_BASE_URL", "http://127.0.0.1:9999/"),
            ("GSTDASH_API_KEY", "key_env"),
            ("GSTDASH_API_SECRET", "secret_env"),
        ]);
        let p = cfg.resolve_profile(None, &env).unwrap();
        assert_eq!(p.name, "beta");
        assert_eq!(p.gstin.as_str(), "24SHUBH3221U1Z1");
        assert_eq!(p.username, "override.user");
        assert_eq!(p.base_url, "http://127.0.0.1:9999");
        assert_eq!(p.api_key.unwrap().expose(), "key_env");
        // --profile beats GSTDASH_PROFILE; GSTDASH_API_KEY beats a (failing) command.
        let p = cfg.resolve_profile(Some("acme"), &env).unwrap();
        assert_eq!((p.name.as_str(), p.api_key.unwrap().expose()), ("acme", "key_env"));

        let e = cfg
            .resolve_profile(None, &env_of(&[("GSTDASH_GSTIN", "27AAPFU0939F1ZX")]))
            .unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("GSTDASH_GSTIN") && msg.contains("position 15"), "{msg}");
        let e = cfg
            .resolve_profile(Some("beta"), &env_of(&[("GSTDASH_BASE_URL", "localhost:80")]))
            .unwrap_err();
        assert!(e.to_string().contains("GSTDASH_BASE_URL"), "{e}");
    }

    #[test]
    fn env_only_profile_is_named_default() {
        let env = env_of(&[
            ("GSTDASH_GSTIN", "27AAPFU0939F1ZV"),
            ("GSTDASH_USERNAME", "acme.traders"),
            ("GSTDASH_BASE_URL", "http://127.0.0.1:8080"),
            ("GSTDASH_API_KEY", "key_test_x"),
        ]);
        let p = Config::default().resolve_profile(None, &env).unwrap();
        assert_eq!(p.name, "default");
        assert_eq!(p.base_url, "http://127.0.0.1:8080");
        assert_eq!(p.api_key.unwrap().expose(), "key_test_x");
        assert_eq!(p.api_secret, None);
        // Also when asked for by name.
        assert_eq!(
            Config::default().resolve_profile(Some("default"), &env).unwrap().name,
            "default"
        );
        // Without a GSTIN there is nothing to go on.
        let e = Config::default()
            .resolve_profile(None, &env_of(&[("GSTDASH_USERNAME", "u")]))
            .unwrap_err();
        assert!(e.to_string().contains("GSTDASH_GSTIN"), "{e}");
        let e = Config::default()
            .resolve_profile(None, &env_of(&[("GSTDASH_GSTIN", "27AAPFU0939F1ZV")]))
            .unwrap_err();
        assert!(e.to_string().contains("GSTDASH_USERNAME"), "{e}");
    }

    #[test]
    fn command_secrets() {
        let cfg = parse(&format!(
            "{ACME}api_key_command = \"echo key_test_x\"\napi_secret_command = \"printf '  secret_test_y\\n\\n'\"\n"
        ))
        .unwrap();
        let p = cfg.resolve_profile(None, &no_env).unwrap();
        assert_eq!(p.api_key.unwrap().expose(), "key_test_x");
        assert_eq!(p.api_secret.unwrap().expose(), "secret_test_y");
    }

    #[test]
    fn failing_command_reports_key_and_status_but_never_output() {
        let cfg = parse(&format!(
            "{ACME}api_key_command = \"echo key_live_leaked; echo err_leaked >&2; exit 3\"\n"
        ))
        .unwrap();
        let e = cfg.resolve_profile(None, &no_env).unwrap_err();
        let msg = assert_located(&e, 7, "profiles.acme.api_key_command");
        assert!(msg.contains("exit status 3"), "{msg}");
        assert!(!msg.contains("leaked"), "{msg}");
        assert!(!format!("{e:?}").contains("leaked"));

        let cfg = parse(&format!("{ACME}api_secret_command = \"true\"\n")).unwrap();
        let e = cfg.resolve_profile(None, &no_env).unwrap_err().to_string();
        assert!(e.contains("api_secret_command") && e.contains("printed nothing"), "{e}");
    }

    #[test]
    fn directories() {
        let cfg = parse("data_dir = \"/srv/gstdash\"\ndownloads_dir = \"/tmp/exports\"\n").unwrap();
        assert_eq!(
            cfg.resolve_data_dir(None, &no_env).unwrap(),
            PathBuf::from("/srv/gstdash")
        );
        let env = env_of(&[("GSTDASH_DATA_DIR", "/env/dir")]);
        assert_eq!(cfg.resolve_data_dir(None, &env).unwrap(), PathBuf::from("/env/dir"));
        assert_eq!(
            cfg.resolve_data_dir(Some(Path::new("/cli")), &env).unwrap(),
            PathBuf::from("/cli")
        );
        assert_eq!(cfg.resolve_downloads_dir(), PathBuf::from("/tmp/exports"));
        let e = parse("data_dir = \"\"\n").unwrap_err();
        assert_located(&e, 1, "data_dir");
    }

    #[test]
    fn no_color_forces_mono() {
        let ui = parse("[ui]\ntheme = \"light\"\nmouse = true\n").unwrap().ui;
        assert_eq!(
            ui,
            UiConfig {
                theme: Theme::Light,
                mouse: true
            }
        );
        assert_eq!(ui.effective_theme(&no_env), Theme::Light);
        assert_eq!(ui.effective_theme(&env_of(&[("NO_COLOR", "1")])), Theme::Mono);
        assert_eq!(ui.effective_theme(&env_of(&[("NO_COLOR", "")])), Theme::Light);
    }

    #[test]
    fn key_at_reads_headers() {
        let t = "a = 1\n[ui]\ntheme = x\n[profiles.acme]\n";
        assert_eq!(key_at(t, 0).as_deref(), Some("a"));
        assert_eq!(key_at(t, t.find("theme").unwrap() + 8).as_deref(), Some("ui.theme"));
        assert_eq!(
            key_at(t, t.find("[profiles").unwrap()).as_deref(),
            Some("profiles.acme")
        );
    }
}
