//! The HTTP client for the Sandbox GST API (reqwest + rustls).
//!
//! Every call goes through [`Client::send`], which adds the documented headers, retries 429
//! and 5xx with bounded exponential backoff and jitter, refreshes the taxpayer session once
//! when it is refused, and turns the three error layers into one [`ApiError`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rand::Rng;
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::{ApiError, ErrorKind};
use super::rate::{self, Observed, Priority, RateBudget};
use super::wire::{
    self, CountGroup, CountResponse, OtpRequest, PlatformToken, RawEnvelope, ReferenceId, RegenStatus, SaveRequest,
    SaveStatus, TaxpayerSession, header, path,
};
use crate::domain::export_ledger::{Gstr1Sections, Gstr3bDetails};
use crate::domain::ims::ImsRecord;
use crate::domain::ledger::{CashItcBalance, CashLedger, ItcLedger, LiabilityLedger};
use crate::domain::outward::{AddedBack, SalesDoc};
use crate::domain::period::fmt_slash;
use crate::domain::{Action, GoodsType, Gstin, ReturnPeriod, Section};
use crate::secret::Secret;

/// Where the client talks to and with what credentials.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub base_url: String,
    pub api_key: Secret,
    /// Needed only for `/authenticate`.
    pub api_secret: Option<Secret>,
    pub timeout: Duration,
    pub retry: RetryPolicy,
    /// Requests a minute to pace on while the API sends no `X-RateLimit-*` headers (`api.md`
    /// §1.6: production allows 100); `None` paces only on what the server says.
    pub assumed_rate_per_min: Option<u32>,
}

impl ClientConfig {
    pub fn new(base_url: impl Into<String>, api_key: Secret, api_secret: Option<Secret>) -> Self {
        ClientConfig {
            base_url: base_url.into().trim_end_matches('/').to_string(),
            api_key,
            api_secret,
            timeout: Duration::from_secs(60),
            retry: RetryPolicy::default(),
            assumed_rate_per_min: Some(rate::ASSUMED_LIMIT_PER_MIN),
        }
    }
}

/// Bounded exponential backoff with full jitter (`api.md` §1.5: 1 s, 2 s, 4 s…).
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// Total attempts including the first.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(1000),
            max_delay: Duration::from_secs(16),
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `n` (1-based retry number); a server's `Retry-After` wins when larger.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let exp = self.base_delay.saturating_mul(1u32 << retry.saturating_sub(1).min(16));
        let capped = exp.min(self.max_delay);
        // Half fixed, half random: spreads retries of parallel jobs without ever going to zero.
        let jitter = rand::rng().random_range(0..=capped.as_millis() as u64 / 2);
        let d = capped / 2 + Duration::from_millis(jitter);
        match retry_after {
            Some(ra) if ra > d => ra,
            _ => d,
        }
    }
}

/// The taxpayer session: token plus its two expiries (`api.md` §2.4).
#[derive(Clone, Debug)]
pub struct TaxpayerTokens {
    pub token: Secret,
    pub token_expiry: DateTime<Utc>,
    pub session_expiry: DateTime<Utc>,
}

impl TaxpayerTokens {
    fn from_wire(s: &TaxpayerSession) -> TaxpayerTokens {
        TaxpayerTokens {
            token: Secret::new(s.access_token.clone()),
            token_expiry: millis(s.token_expiry.0),
            session_expiry: millis(s.session_expiry.0),
        }
    }
}

fn millis(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Last rate-limit headers seen (`X-RateLimit-*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RateInfo {
    pub limit: Option<u32>,
    pub remaining: Option<u32>,
    pub reset_epoch_s: Option<i64>,
}

/// Called whenever the client obtains a new taxpayer session (verify or refresh) so the
/// caller can persist it.
pub type SessionListener = Arc<dyn Fn(&TaxpayerTokens) + Send + Sync>;

#[derive(Default)]
struct Tokens {
    platform: Option<(Secret, DateTime<Utc>)>,
    taxpayer: Option<TaxpayerTokens>,
}

/// Which token a call needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Auth {
    /// `/authenticate`: key + secret.
    KeySecret,
    /// OTP generate/verify: platform JWT.
    Platform,
    /// Taxpayer data calls, refresh, logout.
    Taxpayer,
}

/// Refresh the taxpayer token this long before it expires.
const REFRESH_MARGIN: Duration = Duration::from_secs(15 * 60);
/// The longest `Retry-After` a GET waits out before giving the 429 back to its caller.
const MAX_RATE_WAIT: Duration = Duration::from_secs(65);
/// How many 429s in a row a GET waits out.
const MAX_RATE_RETRIES: u32 = 10;
/// Platform JWTs last 24 h; renew a little earlier.
const PLATFORM_TTL: chrono::Duration = chrono::Duration::hours(23);

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    tokens: Arc<Mutex<Tokens>>,
    rate: Arc<Mutex<RateInfo>>,
    /// The API key's request budget, shared by every clone (see [`rate`]).
    budget: Arc<RateBudget>,
    /// Interactive calls may spend the whole budget; background ones leave a reserve.
    priority: Priority,
    listener: Option<SessionListener>,
    /// Whether the API answered the last call: `false` once a call failed to connect or timed
    /// out after its retries, `true` again with the next HTTP response of any kind.
    link: Arc<tokio::sync::watch::Sender<bool>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.cfg.base_url)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(cfg: ClientConfig) -> Result<Client, ApiError> {
        let http = reqwest::Client::builder()
            .timeout(cfg.timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("gstdash/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::new(ErrorKind::Transport, "client", "tls", e.without_url().to_string()))?;
        let budget = Arc::new(RateBudget::new(cfg.assumed_rate_per_min));
        Ok(Client {
            http,
            cfg: Arc::new(cfg),
            tokens: Arc::new(Mutex::new(Tokens::default())),
            rate: Arc::new(Mutex::new(RateInfo::default())),
            budget,
            priority: Priority::Interactive,
            listener: None,
            link: Arc::new(tokio::sync::watch::Sender::new(true)),
        })
    }

    /// A handle for background bulk work: it shares this client's session and rate budget but
    /// waits whenever only the reserve left for interactive calls remains.
    pub fn background(&self) -> Client {
        Client {
            priority: Priority::Background,
            ..self.clone()
        }
    }

    pub fn base_url(&self) -> &str {
        &self.cfg.base_url
    }

    pub fn on_session(mut self, l: SessionListener) -> Self {
        self.listener = Some(l);
        self
    }

    /// Restores a taxpayer session read from the store.
    pub fn set_session(&self, t: Option<TaxpayerTokens>) {
        self.tokens.lock().expect("tokens lock").taxpayer = t;
    }
    pub fn session(&self) -> Option<TaxpayerTokens> {
        self.tokens.lock().expect("tokens lock").taxpayer.clone()
    }
    pub fn set_platform_token(&self, token: Secret, expires: DateTime<Utc>) {
        self.tokens.lock().expect("tokens lock").platform = Some((token, expires));
    }
    pub fn platform_token(&self) -> Option<(Secret, DateTime<Utc>)> {
        self.tokens.lock().expect("tokens lock").platform.clone()
    }
    pub fn rate_info(&self) -> RateInfo {
        *self.rate.lock().expect("rate lock")
    }

    /// Watches whether the API is reachable (see the `link` field); the engine uses it to
    /// show "offline" and to probe until the connection is back.
    pub fn link(&self) -> tokio::sync::watch::Receiver<bool> {
        self.link.subscribe()
    }

    pub fn is_online(&self) -> bool {
        *self.link.borrow()
    }

    fn set_link(&self, online: bool) {
        self.link.send_if_modified(|v| std::mem::replace(v, online) != online);
    }

    /// Is the API host reachable? One GET of the base URL without credentials: any HTTP
    /// answer (even 404) means yes. No retries: the caller paces its probes.
    pub async fn probe(&self) -> Result<(), ApiError> {
        const ENDPOINT: &str = "GET / (probe)";
        match self.http.get(&self.cfg.base_url).send().await {
            Ok(_) => {
                self.set_link(true);
                Ok(())
            }
            Err(e) => {
                let e = transport(ENDPOINT, e);
                if e.is_unreachable() {
                    self.set_link(false);
                }
                Err(e)
            }
        }
    }

    // ---- Authentication --------------------------------------------------------------

    /// `POST /authenticate`: exchanges key + secret for a 24 h platform token.
    pub async fn authenticate(&self) -> Result<(), ApiError> {
        let v: PlatformToken = self
            .send_retrying(
                Method::POST,
                path::AUTHENTICATE,
                &[],
                None::<&()>,
                Auth::KeySecret,
                Shape::Auth,
            )
            .await?;
        self.set_platform_token(Secret::new(v.access_token), Utc::now() + PLATFORM_TTL);
        Ok(())
    }

    async fn ensure_platform(&self) -> Result<(), ApiError> {
        let fresh = matches!(self.platform_token(), Some((_, exp)) if exp > Utc::now());
        if !fresh {
            self.authenticate().await?;
        }
        Ok(())
    }

    /// `POST /gst/compliance/tax-payer/otp`: sends an OTP to the taxpayer's phone/e-mail.
    pub async fn generate_otp(&self, username: &str, gstin: &Gstin) -> Result<(), ApiError> {
        self.ensure_platform().await?;
        let body = OtpRequest {
            username: username.to_string(),
            gstin: gstin.as_str().to_string(),
        };
        let _: Value = self
            .call(Method::POST, path::OTP, &[], Some(&body), Auth::Platform, Shape::Auth)
            .await?;
        Ok(())
    }

    /// `POST …/otp/verify?otp=`: returns and keeps the taxpayer session.
    pub async fn verify_otp(&self, username: &str, gstin: &Gstin, otp: &str) -> Result<TaxpayerTokens, ApiError> {
        let otp = otp.trim();
        if otp.is_empty() || !otp.chars().all(|c| c.is_ascii_digit()) {
            return Err(ApiError::new(
                ErrorKind::NotLoggedIn,
                "otp",
                "input",
                "OTP must be digits, e.g. 575757",
            ));
        }
        self.ensure_platform().await?;
        let body = OtpRequest {
            username: username.to_string(),
            gstin: gstin.as_str().to_string(),
        };
        let s: TaxpayerSession = self
            .call(
                Method::POST,
                path::OTP_VERIFY,
                &[("otp", otp.to_string())],
                Some(&body),
                Auth::Platform,
                Shape::Auth,
            )
            .await?;
        Ok(self.adopt_session(&s))
    }

    fn adopt_session(&self, s: &TaxpayerSession) -> TaxpayerTokens {
        let t = TaxpayerTokens::from_wire(s);
        self.set_session(Some(t.clone()));
        if let Some(l) = &self.listener {
            l(&t);
        }
        t
    }

    /// `POST …/session/refresh`: extends the taxpayer token by 6 h (must be before expiry).
    pub async fn refresh_session(&self) -> Result<TaxpayerTokens, ApiError> {
        let s: TaxpayerSession = self
            .send_once(
                Method::POST,
                path::SESSION_REFRESH,
                &[],
                None::<&()>,
                Auth::Taxpayer,
                Shape::Auth,
            )
            .await
            .map_err(|e| {
                if e.is_auth() {
                    ApiError {
                        kind: ErrorKind::SessionExpired,
                        ..e
                    }
                } else {
                    e
                }
            })?;
        Ok(self.adopt_session(&s))
    }

    /// `POST …/logout`: ends the taxpayer session and forgets it locally.
    pub async fn logout(&self) -> Result<(), ApiError> {
        let r: Result<Value, _> = self
            .call(
                Method::POST,
                path::LOGOUT,
                &[],
                None::<&()>,
                Auth::Taxpayer,
                Shape::Auth,
            )
            .await;
        self.set_session(None);
        r.map(|_| ())
    }

    // ---- IMS ---------------------------------------------------------------------------

    pub async fn ims_count(&self, goods: GoodsType) -> Result<CountGroup, ApiError> {
        let r: CountResponse = self
            .call(
                Method::GET,
                path::IMS_COUNT,
                &[("type_of_goods", goods.query().to_string())],
                None::<&()>,
                Auth::Taxpayer,
                Shape::Gstn,
            )
            .await?;
        wire::count_group(&r, goods).cloned().ok_or_else(|| {
            ApiError::new(
                ErrorKind::Malformed,
                &format!("GET {}", path::IMS_COUNT),
                "json",
                format!(
                    "data.data: expected the group {:?}, found {:?}",
                    goods.group_key(),
                    r.keys().collect::<Vec<_>>()
                ),
            )
        })
    }

    /// Get Invoices for one section, optionally one status. Records the API sends under
    /// other keys of the same response are ignored only if they belong to another section.
    pub async fn ims_invoices(&self, section: Section, status: Option<&Action>) -> Result<Vec<ImsRecord>, ApiError> {
        let endpoint = format!("GET {}", path::IMS_INVOICES);
        let q = section.query().ok_or_else(|| {
            ApiError::new(
                ErrorKind::Malformed,
                &endpoint,
                "input",
                format!("section {} cannot be listed through the API", section.short()),
            )
        })?;
        let mut query = vec![("section", q.to_string())];
        if let Some(s) = status {
            let v = s.status_query().ok_or_else(|| {
                ApiError::new(ErrorKind::Malformed, &endpoint, "input", format!("unknown status {s}"))
            })?;
            query.push(("status", v.to_string()));
        }
        let mut r: wire::InvoicesResponse = self
            .call(
                Method::GET,
                path::IMS_INVOICES,
                &query,
                None::<&()>,
                Auth::Taxpayer,
                Shape::Gstn,
            )
            .await?;
        Ok(r.remove(section.key()).unwrap_or_default())
    }

    pub async fn ims_save(&self, req: &SaveRequest) -> Result<String, ApiError> {
        let r: ReferenceId = self
            .call(
                Method::POST,
                path::IMS_SAVE,
                &[],
                Some(req),
                Auth::Taxpayer,
                Shape::Gstn,
            )
            .await?;
        Ok(r.reference_id)
    }

    pub async fn ims_reset(&self, req: &SaveRequest) -> Result<String, ApiError> {
        let r: ReferenceId = self
            .call(
                Method::POST,
                path::IMS_RESET,
                &[],
                Some(req),
                Auth::Taxpayer,
                Shape::Gstn,
            )
            .await?;
        Ok(r.reference_id)
    }

    pub async fn ims_status(&self, reference_id: &str) -> Result<SaveStatus, ApiError> {
        self.call(
            Method::GET,
            path::IMS_STATUS,
            &[("reference_id", reference_id.to_string())],
            None::<&()>,
            Auth::Taxpayer,
            Shape::Gstn,
        )
        .await
    }

    // ---- GSTR-2B ----------------------------------------------------------------------

    pub async fn gstr2b_regenerate(&self, period: ReturnPeriod) -> Result<String, ApiError> {
        let p = path::gstr2b_regenerate(&period.path_year(), &period.path_month());
        let r: ReferenceId = self
            .call(Method::POST, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await?;
        Ok(r.reference_id)
    }

    pub async fn gstr2b_regen_status(&self, reference_id: &str) -> Result<RegenStatus, ApiError> {
        self.call(
            Method::GET,
            path::GSTR2B_REGEN_STATUS,
            &[("reference_id", reference_id.to_string())],
            None::<&()>,
            Auth::Taxpayer,
            Shape::Gstn,
        )
        .await
    }

    /// The GSTR-2B document of a period, every file of it (`api.md` §5.1). `None` when GSTN
    /// has no 2B for the period yet (`RET2B1023` being generated, `RET2B1016` nothing to
    /// view): that is an empty result, not a failure. A paginated answer (`fc` files and no
    /// `docdata`) is followed with `file_number=1..=fc` and the documents merged.
    pub async fn gstr2b(&self, period: ReturnPeriod) -> Result<Option<wire::Gstr2bDoc>, ApiError> {
        let p = path::gstr2b(&period.path_year(), &period.path_month());
        let first: wire::Gstr2bEnvelope = match self
            .call(Method::GET, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await
        {
            Ok(d) => d,
            Err(e) if e.code == "RET2B1023" || e.code == "RET2B1016" => return Ok(None),
            Err(e) => return Err(e),
        };
        let mut doc = first.data;
        let files = doc.fc.unwrap_or(0);
        if files > 0 && doc.docdata.as_ref().is_none_or(|d| d.documents() == 0) {
            let mut all = doc.docdata.take().unwrap_or_default();
            for n in 1..=files {
                let page: wire::Gstr2bEnvelope = self
                    .call(
                        Method::GET,
                        &p,
                        &[("file_number", n.to_string())],
                        None::<&()>,
                        Auth::Taxpayer,
                        Shape::Gstn,
                    )
                    .await?;
                if let Some(d) = page.data.docdata {
                    all.extend(d);
                }
            }
            doc.docdata = Some(all);
        }
        Ok(Some(doc))
    }

    // ---- Ledgers -----------------------------------------------------------------------

    pub async fn ledger_balance(&self, period: ReturnPeriod) -> Result<CashItcBalance, ApiError> {
        let p = format!("{}/{}/{}", path::LEDGER_BAL, period.path_year(), period.path_month());
        self.call(Method::GET, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await
    }

    pub async fn ledger_cash(&self, from: NaiveDate, to: NaiveDate) -> Result<CashLedger, ApiError> {
        self.call(
            Method::GET,
            path::LEDGER_CASH,
            &range(from, to),
            None::<&()>,
            Auth::Taxpayer,
            Shape::Gstn,
        )
        .await
    }

    pub async fn ledger_itc(&self, from: NaiveDate, to: NaiveDate) -> Result<ItcLedger, ApiError> {
        self.call(
            Method::GET,
            path::LEDGER_ITC,
            &range(from, to),
            None::<&()>,
            Auth::Taxpayer,
            Shape::Gstn,
        )
        .await
    }

    pub async fn ledger_tax(
        &self,
        period: ReturnPeriod,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<LiabilityLedger, ApiError> {
        let p = format!("{}/{}/{}", path::LEDGER_TAX, period.path_year(), period.path_month());
        self.call(
            Method::GET,
            &p,
            &range(from, to),
            None::<&()>,
            Auth::Taxpayer,
            Shape::Gstn,
        )
        .await
    }

    // ---- GSTR-1 / GSTR-1A / GSTR-3B (export ledger, `api.md` §8) ------------------------

    /// One GSTR-1 (or, with `amendment_form`, GSTR-1A) section of a period: `exp`, `expa`,
    /// `b2b`, `b2ba`, `cdnr`, `cdnra`, `cdnur` or `cdnura`. `RET11416` (no document) is an empty
    /// section, not an error.
    pub async fn gstr1_section(
        &self,
        amendment_form: bool,
        section: &str,
        period: ReturnPeriod,
    ) -> Result<Gstr1Sections, ApiError> {
        let (y, m) = (period.path_year(), period.path_month());
        let p = if amendment_form {
            path::gstr1a_section(section, &y, &m)
        } else {
            path::gstr1_section(section, &y, &m)
        };
        match self
            .call(Method::GET, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await
        {
            Ok(s) => Ok(s),
            Err(e) if e.is_empty_result() => Ok(Gstr1Sections::default()),
            Err(e) => Err(e),
        }
    }

    /// The GSTR-1 (or, with `amendment_form`, GSTR-1A) summary of a period, as sent
    /// (`data.data`; no published schema, read by `export_ledger::sections_with_records`).
    /// `None` on `RET11416`: no document in any section.
    pub async fn gstr1_summary(
        &self,
        amendment_form: bool,
        period: ReturnPeriod,
    ) -> Result<Option<serde_json::Value>, ApiError> {
        let (y, m) = (period.path_year(), period.path_month());
        let p = if amendment_form {
            path::gstr1a_summary(&y, &m)
        } else {
            path::gstr1_summary(&y, &m)
        };
        match self
            .call(Method::GET, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await
        {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_empty_result() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GSTR-3B details of a period; `None` when it cannot exist yet (`RT-R3BQ1004`, GSTR-1 not
    /// filed).
    pub async fn gstr3b_details(&self, period: ReturnPeriod) -> Result<Option<Gstr3bDetails>, ApiError> {
        let p = path::gstr3b(&period.path_year(), &period.path_month());
        match self
            .call(Method::GET, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await
        {
            Ok(d) => Ok(Some(d)),
            Err(e) if e.is_empty_result() || e.code == "RT-R3BQ1004" => Ok(None),
            Err(e) => Err(e),
        }
    }

    // ---- Supplier view (`api.md` §4) ----------------------------------------------------

    pub async fn sales(&self, period: ReturnPeriod) -> Result<SalesDoc, ApiError> {
        let p = path::sales(&period.path_year(), &period.path_month());
        self.call(Method::GET, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await
    }

    /// Rejected records whose liability was added back; `IMS0027` (none) is an empty result.
    pub async fn added_back_liabilities(&self, period: ReturnPeriod) -> Result<AddedBack, ApiError> {
        let p = path::added_back(&period.path_year(), &period.path_month());
        match self
            .call(Method::GET, &p, &[], None::<&()>, Auth::Taxpayer, Shape::Gstn)
            .await
        {
            Ok(a) => Ok(a),
            Err(e) if e.is_empty_result() => Ok(AddedBack {
                rtnprd: period.wire(),
                ..Default::default()
            }),
            Err(e) => Err(e),
        }
    }

    // ---- Transport ----------------------------------------------------------------------

    /// One logical call: proactive refresh, retries, and one refresh-and-retry on a refused
    /// taxpayer token.
    async fn call<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        auth: Auth,
        shape: Shape,
    ) -> Result<T, ApiError> {
        if auth == Auth::Taxpayer && path != path::SESSION_REFRESH && path != path::LOGOUT {
            self.refresh_if_due().await?;
        }
        match self.send_retrying(method.clone(), path, query, body, auth, shape).await {
            Err(e) if auth == Auth::Taxpayer && e.is_auth() && path != path::LOGOUT => {
                // One refresh, then one more try; if the session cannot be refreshed the user
                // must log in again.
                if self.session().is_none() {
                    return Err(ApiError {
                        kind: ErrorKind::NotLoggedIn,
                        ..e
                    });
                }
                match self.refresh_session().await {
                    Ok(_) => self.send_retrying(method, path, query, body, auth, shape).await,
                    Err(re) => Err(ApiError {
                        kind: ErrorKind::SessionExpired,
                        code: e.code,
                        message: format!("{} (session refresh failed: {} {})", e.message, re.code, re.message),
                        ..e
                    }),
                }
            }
            Err(e) if auth == Auth::Platform && matches!(e.kind, ErrorKind::Platform { status: 401 | 403 }) => {
                // Platform JWT expired or revoked: authenticate again once.
                self.authenticate().await?;
                self.send_retrying(method, path, query, body, auth, shape).await
            }
            r => r,
        }
    }

    async fn refresh_if_due(&self) -> Result<(), ApiError> {
        let due = match self.session() {
            Some(t) => {
                let now = Utc::now();
                t.token_expiry > now
                    && t.token_expiry - now < chrono::Duration::from_std(REFRESH_MARGIN).expect("margin")
            }
            None => false,
        };
        if due {
            // A failed proactive refresh is not fatal yet: the token may still work.
            let _ = self.refresh_session().await;
        }
        Ok(())
    }

    async fn send_retrying<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        auth: Auth,
        shape: Shape,
    ) -> Result<T, ApiError> {
        let mut attempt = 1;
        let mut rate_waits = 0;
        loop {
            match self.send_once(method.clone(), path, query, body, auth, shape).await {
                Ok(v) => return Ok(v),
                // A GET refused by the rate limit asks again once the window frees up: the
                // 429 closed the shared budget until then, so the next attempt's slot waits
                // (inside this call's future; the engine and other tasks carry on).
                Err(ApiError {
                    kind: ErrorKind::RateLimited { retry_after },
                    ..
                }) if method == Method::GET
                    && rate_waits < MAX_RATE_RETRIES
                    && retry_after.is_none_or(|ra| ra <= MAX_RATE_WAIT) =>
                {
                    rate_waits += 1;
                }
                // Out of retries (or a POST, never repeated blindly) and the host cannot be
                // reached: the app is offline until a call gets through again.
                Err(e)
                    if e.is_unreachable()
                        && !(attempt < self.cfg.retry.max_attempts && self.should_retry(&method, &e)) =>
                {
                    self.set_link(false);
                    return Err(e);
                }
                Err(e) if attempt < self.cfg.retry.max_attempts && self.should_retry(&method, &e) => {
                    let ra = match e.kind {
                        ErrorKind::RateLimited { retry_after } => retry_after,
                        _ => None,
                    };
                    // A server asking for a longer pause than we are willing to block for
                    // gets the error back; the caller (engine or user) decides when to retry.
                    if ra.is_some_and(|ra| ra > self.cfg.retry.max_delay) {
                        return Err(e);
                    }
                    tokio::time::sleep(self.cfg.retry.delay(attempt, ra)).await;
                    attempt += 1;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// GETs are safe to repeat. POSTs are repeated only when the server clearly did not
    /// process them (429, 503); a save whose answer was lost is the sync engine's job to
    /// reconcile through the status endpoint, never a blind resend.
    fn should_retry(&self, method: &Method, e: &ApiError) -> bool {
        if !e.is_retryable() {
            return false;
        }
        if *method == Method::GET {
            return true;
        }
        matches!(
            e.kind,
            ErrorKind::RateLimited { .. } | ErrorKind::Platform { status: 503 }
        )
    }

    async fn send_once<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<&B>,
        auth: Auth,
        shape: Shape,
    ) -> Result<T, ApiError> {
        let endpoint = format!("{method} {path}");
        let url = format!("{}{}", self.cfg.base_url, path);
        let mut req = self
            .http
            .request(method, &url)
            .header(header::API_KEY, self.cfg.api_key.expose())
            .header(header::API_VERSION, wire::API_VERSION);
        if !query.is_empty() {
            req = req.query(query);
        }
        match auth {
            Auth::KeySecret => {
                let secret = self.cfg.api_secret.as_ref().filter(|s| !s.is_empty()).ok_or_else(|| {
                    ApiError::new(
                        ErrorKind::NotLoggedIn,
                        &endpoint,
                        "config",
                        "no API secret: set GSTDASH_API_SECRET or api_secret_command",
                    )
                })?;
                req = req.header(header::API_SECRET, secret.expose());
            }
            Auth::Platform => {
                let (tok, _) = self
                    .platform_token()
                    .ok_or_else(|| ApiError::new(ErrorKind::NotLoggedIn, &endpoint, "auth", "no platform token"))?;
                req = req
                    .header(header::AUTHORIZATION, tok.expose())
                    .header(header::SOURCE, "primary");
            }
            Auth::Taxpayer => {
                let t = self
                    .session()
                    .ok_or_else(|| ApiError::new(ErrorKind::NotLoggedIn, &endpoint, "auth", "no taxpayer session"))?;
                req = req.header(header::AUTHORIZATION, t.token.expose());
                if shape == Shape::Gstn {
                    // Balances and actions change: never take Sandbox's cached copy (api.md §1.6).
                    req = req.header(header::ACCEPT_CACHE, "false");
                }
            }
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        // Dropped unanswered on a transport error: the budget hears "no news".
        let slot = self.budget.acquire(self.priority).await;
        let resp = req.send().await.map_err(|e| transport(&endpoint, e))?;
        self.set_link(true);
        let status = resp.status();
        let headers = resp.headers().clone();
        self.note_rate(&headers);
        let throttled = (status == StatusCode::TOO_MANY_REQUESTS)
            .then(|| header_secs(&headers, header::RETRY_AFTER).unwrap_or(self.cfg.retry.base_delay));
        slot.settle(observed(&headers), throttled);
        let bytes = resp.bytes().await.map_err(|e| transport(&endpoint, e))?;
        decode(&endpoint, status, &headers, &bytes, shape)
    }

    fn note_rate(&self, h: &HeaderMap) {
        let num = |k: &str| {
            h.get(k)
                .and_then(|v| v.to_str().ok())
                .and_then(|s| s.trim().parse::<i64>().ok())
        };
        if num(header::RATE_LIMIT).is_some() || num(header::RATE_REMAINING).is_some() {
            *self.rate.lock().expect("rate lock") = RateInfo {
                limit: num(header::RATE_LIMIT).map(|v| v as u32),
                remaining: num(header::RATE_REMAINING).map(|v| v.max(0) as u32),
                reset_epoch_s: num(header::RATE_RESET),
            };
        }
    }
}

/// A header holding a whole number of seconds (`Retry-After`).
fn header_secs(h: &HeaderMap, name: &str) -> Option<Duration> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// The `X-RateLimit-*` headers of one answer, with the reset (epoch seconds) made relative.
fn observed(h: &HeaderMap) -> Observed {
    let num = |k: &str| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<i64>().ok())
    };
    Observed {
        limit: num(header::RATE_LIMIT).map(|v| v.clamp(0, u32::MAX as i64) as u32),
        remaining: num(header::RATE_REMAINING).map(|v| v.clamp(0, u32::MAX as i64) as u32),
        reset_in: num(header::RATE_RESET).map(|epoch_s| {
            let ms = epoch_s.saturating_mul(1000) - Utc::now().timestamp_millis();
            Duration::from_millis(ms.clamp(0, 3_600_000) as u64)
        }),
    }
}

fn range(from: NaiveDate, to: NaiveDate) -> Vec<(&'static str, String)> {
    vec![("from", fmt_slash(from)), ("to", fmt_slash(to))]
}

fn transport(endpoint: &str, e: reqwest::Error) -> ApiError {
    // `without_url`: the verify URL carries the OTP.
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "connection dropped while reading the response"
    } else {
        "request failed"
    };
    let e = e.without_url();
    // The cause chain says *why* (refused, reset by peer); none of it holds the URL.
    let mut causes = Vec::new();
    let mut src = std::error::Error::source(&e);
    while let Some(c) = src {
        causes.push(c.to_string());
        src = c.source();
    }
    let mut msg = match causes.last() {
        Some(root) => format!("{what}: {root}"),
        None => format!("{what}: {e}"),
    };
    msg.truncate(300);
    ApiError::new(ErrorKind::Transport, endpoint, "network", msg)
}

/// How a response carries its payload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Auth endpoints: fields directly in `data` (with an optional `status_cd`).
    Auth,
    /// GSTN calls: `data = {status_cd, data | error}`.
    Gstn,
}

/// Turns an HTTP response into a value or an [`ApiError`], checking the HTTP status, then the
/// envelope `code`, then `data.status_cd`, in that order (`api.md` §1.3).
pub fn decode<T: DeserializeOwned>(
    endpoint: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    shape: Shape,
) -> Result<T, ApiError> {
    if shape == Shape::Gstn
        && status.is_success()
        && let Some(v) = decode_gstn_success(body)
    {
        return Ok(v);
    }
    decode_general(endpoint, status, headers, body, shape)
}

/// The common case of a GSTN call, a success, read straight into `T` in one pass. `None` for
/// anything else, which [`decode_general`] then reads (and explains) as before: the checks here
/// are the ones it makes, so both agree on which bodies are successes.
fn decode_gstn_success<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    let env: wire::GstnEnvelope<T> = serde_json::from_slice(body).ok()?;
    if env.code.is_some_and(|code| !(200..300).contains(&code)) {
        return None;
    }
    let data = env.data?;
    let status_cd = data.status_cd.map(|v| match v {
        Value::String(s) => s,
        other => other.to_string(),
    });
    if status_cd.as_deref() == Some("0") {
        return None;
    }
    data.data
}

/// Any response, through a `Value` tree: slower, but it can say exactly where a body is wrong.
fn decode_general<T: DeserializeOwned>(
    endpoint: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    shape: Shape,
) -> Result<T, ApiError> {
    let env: Option<RawEnvelope> = serde_json::from_slice(body).ok();
    let tx = env.as_ref().and_then(|e| e.transaction_id.clone());
    // Built only when an error needs it: a success body can be tens of megabytes.
    let message = env.as_ref().and_then(|e| e.message.clone());
    let platform_msg = || {
        message
            .clone()
            .unwrap_or_else(|| snippet(body, status.canonical_reason().unwrap_or("error")))
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        let retry_after = headers
            .get(header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|s| s.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        return Err(ApiError::new(
            ErrorKind::RateLimited { retry_after },
            endpoint,
            "HTTP 429",
            platform_msg(),
        )
        .with_tx(tx));
    }
    if !status.is_success() {
        return Err(ApiError::new(
            ErrorKind::Platform {
                status: status.as_u16(),
            },
            endpoint,
            format!("HTTP {}", status.as_u16()),
            platform_msg(),
        )
        .with_tx(tx));
    }
    let env = match env {
        Some(e) => e,
        None => {
            let detail = match serde_json::from_slice::<Value>(body) {
                Err(e) => format!("response is not valid JSON ({e})"),
                Ok(_) => "response is not a Sandbox envelope".to_string(),
            };
            return Err(ApiError::new(ErrorKind::Malformed, endpoint, "json", detail));
        }
    };
    if let Some(code) = env.code
        && !(200..300).contains(&code)
    {
        let kind = if code == 429 {
            ErrorKind::RateLimited { retry_after: None }
        } else {
            ErrorKind::Platform { status: code }
        };
        return Err(ApiError::new(kind, endpoint, format!("HTTP {code}"), platform_msg()).with_tx(tx));
    }
    let data = match env.data {
        Some(d) if !d.is_null() => d,
        _ => return Err(ApiError::new(ErrorKind::Malformed, endpoint, "json", "response has no data").with_tx(tx)),
    };
    let status_cd = data.get("status_cd").map(|v| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    });
    if status_cd.as_deref() == Some("0") {
        let err: wire::GstnError = data
            .get("error")
            .cloned()
            .and_then(|e| serde_json::from_value(e).ok())
            .unwrap_or_default();
        let code = if err.error_cd.is_empty() {
            "GSTN".to_string()
        } else {
            err.error_cd
        };
        let kind = if code == "AUTH4033" {
            ErrorKind::SessionExpired
        } else {
            ErrorKind::Gstn
        };
        let msg = if err.message.is_empty() {
            "GSTN reported an error without a message".to_string()
        } else {
            err.message
        };
        return Err(ApiError::new(kind, endpoint, code, msg).with_tx(tx));
    }
    let (payload, prefix) = match shape {
        Shape::Auth => (data, "data"),
        Shape::Gstn => match data.get("data") {
            Some(inner) if !inner.is_null() => (inner.clone(), "data.data"),
            _ => {
                return Err(ApiError::new(
                    ErrorKind::Malformed,
                    endpoint,
                    "json",
                    format!("data.data missing (status_cd {:?})", status_cd.unwrap_or_default()),
                )
                .with_tx(tx));
            }
        },
    };
    serde_path_to_error::deserialize(payload).map_err(|e| {
        let p = e.path().to_string();
        let at = if p == "." {
            prefix.to_string()
        } else {
            format!("{prefix}.{p}")
        };
        ApiError::new(ErrorKind::Malformed, endpoint, "json", format!("{at}: {}", e.inner())).with_tx(tx)
    })
}

/// A short, printable piece of a non-JSON body (an HTML error page, say).
fn snippet(body: &[u8], fallback: &str) -> String {
    let s = String::from_utf8_lossy(body);
    let t: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        fallback.to_string()
    } else {
        t.chars().take(120).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn dec<T: DeserializeOwned>(status: u16, body: Value) -> Result<T, ApiError> {
        decode(
            "GET /x",
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body.to_string().as_bytes(),
            Shape::Gstn,
        )
    }

    #[test]
    fn gstn_error_inside_200() {
        let e = dec::<Value>(200, json!({"code":200,"timestamp":1,"data":{"status_cd":"0","error":{"error_cd":"LG9089","message":"To Date cannot be beyond the current date"}},"transaction_id":"t-1"})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Gstn);
        assert_eq!(e.code, "LG9089");
        assert_eq!(e.transaction_id.as_deref(), Some("t-1"));
        assert!(e.to_string().contains("pick an end date"), "{e}");
    }

    #[test]
    fn platform_error_and_auth4033() {
        let e = dec::<Value>(
            401,
            json!({"code":401,"message":"Unauthorized","timestamp":"1685540073000","transaction_id":"t"}),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Platform { status: 401 });
        assert_eq!(e.message, "Unauthorized");
        let e = dec::<Value>(
            200,
            json!({"code":200,"data":{"status_cd":"0","error":{"error_cd":"AUTH4033","message":"Invalid Session"}}}),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::SessionExpired);
        assert!(e.is_auth());
        // A platform error hiding behind HTTP 200.
        let e = dec::<Value>(200, json!({"code":503,"message":"GSTN down"})).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Platform { status: 503 });
        assert!(e.is_retryable());
    }

    #[test]
    fn malformed_bodies_name_the_field() {
        let e = dec::<CashItcBalance>(
            200,
            json!({"code":200,"data":{"status_cd":"1","data":{"gstin":"x","cash_bal":{"igst_tot_bal":"abc"}}}}),
        )
        .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Malformed);
        assert!(
            e.message.starts_with("data.data.cash_bal.igst_tot_bal"),
            "{}",
            e.message
        );
        let e = decode::<Value>(
            "GET /x",
            StatusCode::OK,
            &HeaderMap::new(),
            b"{\"code\":200,\"data\":{\"sta",
            Shape::Gstn,
        )
        .unwrap_err();
        assert!(e.message.contains("not valid JSON"), "{}", e.message);
        let e = decode::<Value>(
            "GET /x",
            StatusCode::BAD_GATEWAY,
            &HeaderMap::new(),
            b"<html>Bad gateway</html>",
            Shape::Gstn,
        )
        .unwrap_err();
        assert_eq!(e.code, "HTTP 502");
        assert!(e.message.contains("Bad gateway"));
    }

    /// Both ways of reading a body, for comparing them.
    fn both<T: DeserializeOwned>(body: &str) -> (Option<T>, Result<T, ApiError>) {
        let general = decode_general(
            "GET /x",
            StatusCode::OK,
            &HeaderMap::new(),
            body.as_bytes(),
            Shape::Gstn,
        );
        (decode_gstn_success(body.as_bytes()), general)
    }

    #[test]
    fn one_pass_successes_match_the_general_path() {
        // Amounts as numbers, strings and null, the old field name, an unknown field, escapes.
        let body = r#"{"code":200,"data":{"status_cd":"1","data":{"b2b":[
            {"stin":"27AAPFU0939F1ZV","rtnprd":"102025","srcform":"R1","inum":"A\"1\u00e9","idt":"01-10-2025",
             "inv_typ":"R","action":"N","pos":"27","ispendactnallwd":"Y","srcfilstatus":"Filed","hash":"h1",
             "val":"118.50","txval":100,"iamt":0.10,"camt":null,"samt":9.25,"cess":0,"newField":[1,{"a":2}]},
            {"stin":" 27aapfu0939f1zv ","rtnprd":"102025","srcform":"IFF","inum":"B2","idt":"2025-10-02",
             "action":"R","pos":"27","srcfilstatus":"Not Filed","val":12345678901234.56,"txval":1e2}
            ],"b2ba":[]}},"timestamp":"1700000000000","transaction_id":"t-1"}"#;
        let (fast, general) = both::<wire::InvoicesResponse>(body);
        let fast = fast.expect("a success is read in one pass");
        assert_eq!(Some(&fast), general.as_ref().ok());
        let b2b = &fast["b2b"];
        assert_eq!(b2b.len(), 2);
        assert_eq!(b2b[0].inum.as_deref(), Some("A\"1é"));
        assert_eq!(
            b2b[0].iamt.0.to_string(),
            "0.10",
            "exact decimals, never through a float"
        );
        assert_eq!(b2b[1].val.0.to_string(), "12345678901234.56");
        // A numeric status_cd of 1 is a success too.
        let (fast, general) = both::<Value>(r#"{"code":"200","data":{"status_cd":1,"data":{"x":[1]}}}"#);
        assert_eq!(fast, Some(json!({"x":[1]})));
        assert_eq!(fast, general.ok());
    }

    #[test]
    fn anything_but_a_plain_success_takes_the_general_path() {
        let cases = [
            // GSTN error, even with a payload beside it.
            r#"{"code":200,"data":{"status_cd":"0","data":{"b2b":[]},"error":{"error_cd":"RET191106","message":"no"}}}"#,
            r#"{"code":200,"data":{"status_cd":0,"data":{"b2b":[]}}}"#,
            // Envelope code says failure.
            r#"{"code":500,"data":{"status_cd":"1","data":{"b2b":[]}}}"#,
            // No payload.
            r#"{"code":200,"data":{"status_cd":"1","data":null}}"#,
            r#"{"code":200,"data":{"status_cd":"1"}}"#,
            r#"{"code":200,"data":null}"#,
            // Not an envelope the general path accepts either.
            r#"{"code":200,"data":{"status_cd":"1","data":{"b2b":[]}},"timestamp":{"at":1}}"#,
            // A payload that does not fit: the general path names the field.
            r#"{"code":200,"data":{"status_cd":"1","data":{"b2b":[{"val":"abc"}]}}}"#,
            // Duplicate keys: the general path keeps the last one.
            r#"{"code":200,"data":{"status_cd":"1","data":{"b2b":[]},"data":{"b2ba":[]}}}"#,
        ];
        for body in cases {
            let (fast, _) = both::<wire::InvoicesResponse>(body);
            assert!(fast.is_none(), "{body}");
        }
        let e = decode::<wire::InvoicesResponse>(
            "GET /x",
            StatusCode::OK,
            &HeaderMap::new(),
            cases[0].as_bytes(),
            Shape::Gstn,
        )
        .unwrap_err();
        assert_eq!((e.kind, e.code.as_str()), (ErrorKind::Gstn, "RET191106"));
        let e = decode::<wire::InvoicesResponse>(
            "GET /x",
            StatusCode::OK,
            &HeaderMap::new(),
            cases[7].as_bytes(),
            Shape::Gstn,
        )
        .unwrap_err();
        assert!(e.message.starts_with("data.data.b2b[0].val"), "{}", e.message);
        let r = decode::<wire::InvoicesResponse>(
            "GET /x",
            StatusCode::OK,
            &HeaderMap::new(),
            cases[8].as_bytes(),
            Shape::Gstn,
        )
        .unwrap();
        assert_eq!(r.keys().collect::<Vec<_>>(), ["b2ba"]);
    }

    #[test]
    fn rate_limit_reads_retry_after() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        let e = decode::<Value>(
            "GET /x",
            StatusCode::TOO_MANY_REQUESTS,
            &h,
            b"{\"code\":429,\"message\":\"Too Many Requests\"}",
            Shape::Gstn,
        )
        .unwrap_err();
        assert_eq!(
            e.kind,
            ErrorKind::RateLimited {
                retry_after: Some(Duration::from_secs(7))
            }
        );
    }

    #[test]
    fn auth_shape_reads_fields_in_data() {
        let s: TaxpayerSession = decode(
            "POST /otp/verify",
            StatusCode::OK,
            &HeaderMap::new(),
            json!({"code":200,"data":{"access_token":"tok","session_expiry":1712947711000i64,"status_cd":"1","token_expiry":"1712947711000"}}).to_string().as_bytes(),
            Shape::Auth,
        )
        .unwrap();
        assert_eq!(s.token_expiry.0, 1712947711000);
    }

    #[test]
    fn backoff_is_bounded_and_grows() {
        let p = RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(800),
        };
        for r in 1..10 {
            let d = p.delay(r, None);
            assert!(d <= Duration::from_millis(800), "{d:?}");
            assert!(d >= Duration::from_millis(50), "{d:?}");
        }
        assert!(p.delay(4, None) >= Duration::from_millis(400));
        assert_eq!(p.delay(1, Some(Duration::from_secs(3))), Duration::from_secs(3));
    }
}
