//! End-to-end tests over real loopback HTTP with `reqwest` (no mocks).

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use super::*;
use crate::api::wire::{self, CountResponse, InvoicesResponse, SaveItem, SaveStatus, header, path};
use crate::domain::ims::{GoodsType, ImsRecord, Section, YesNo};
use crate::domain::ledger::{CashItcBalance, CashLedger, ItcLedger, LiabilityLedger};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 18).unwrap()
}

fn cfg() -> SimConfig {
    SimConfig {
        records: 400,
        today: today(),
        rate_limit_per_min: None,
        save_processing_ms: 0,
        ..SimConfig::default()
    }
}

struct T {
    sim: SimHandle,
    http: Client,
}

impl T {
    async fn new(cfg: SimConfig) -> T {
        T {
            sim: start(cfg, 0).await.unwrap(),
            http: Client::new(),
        }
    }
    fn url(&self, p: &str) -> String {
        format!("{}{p}", self.sim.base_url)
    }
    fn gstin(&self) -> String {
        self.sim.taxpayers[0].gstin.clone()
    }

    async fn send(&self, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = rb.send().await.unwrap();
        let status = r.status();
        let body = r.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&body))),
        )
    }
    async fn get(&self, p: &str, token: &str) -> (StatusCode, Value) {
        self.send(
            self.http
                .get(self.url(p))
                .header(header::API_KEY, DEMO_API_KEY)
                .header(header::AUTHORIZATION, token),
        )
        .await
    }
    async fn post(&self, p: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut rb = self
            .http
            .post(self.url(p))
            .header(header::API_KEY, DEMO_API_KEY)
            .header(header::AUTHORIZATION, token);
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        self.send(rb).await
    }

    async fn platform_token(&self) -> String {
        let (s, v) = self
            .send(
                self.http
                    .post(self.url(path::AUTHENTICATE))
                    .header(header::API_KEY, DEMO_API_KEY)
                    .header(header::API_SECRET, DEMO_API_SECRET),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v["data"]["access_token"].as_str().unwrap().to_string()
    }

    /// authenticate → OTP → verify; returns the taxpayer token of taxpayer `i`.
    async fn login(&self, i: usize) -> String {
        let pt = self.platform_token().await;
        let who = json!({"username": self.sim.taxpayers[i].username, "gstin": self.sim.taxpayers[i].gstin});
        let (s, v) = self.post(path::OTP, &pt, Some(who.clone())).await;
        assert_eq!((s.as_u16(), v["data"]["status_cd"].as_str()), (200, Some("1")), "{v}");
        let (s, v) = self
            .post(&format!("{}?otp={DEMO_OTP}", path::OTP_VERIFY), &pt, Some(who))
            .await;
        assert_eq!(s, 200, "{v}");
        let session: wire::TaxpayerSession = serde_json::from_value(v["data"].clone()).unwrap();
        assert_eq!(session.status_cd.as_deref(), Some("1"));
        session.access_token
    }

    async fn counts(&self, token: &str, goods: GoodsType) -> wire::CountGroup {
        let (_, v) = self
            .get(&format!("{}?type_of_goods={}", path::IMS_COUNT, goods.query()), token)
            .await;
        let r: CountResponse = serde_json::from_value(ok_data(&v)).unwrap();
        wire::count_group(&r, goods).unwrap().clone()
    }

    async fn invoices(&self, token: &str, section: &str, status: Option<&str>) -> Vec<ImsRecord> {
        let q = status.map(|s| format!("&status={s}")).unwrap_or_default();
        let (_, v) = self
            .get(&format!("{}?section={section}{q}", path::IMS_INVOICES), token)
            .await;
        let mut r: InvoicesResponse = serde_json::from_value(ok_data(&v)).unwrap();
        assert_eq!(r.len(), 1, "{v}");
        r.pop_first().unwrap().1
    }

    /// Submits a save/reset body and waits for its final status.
    async fn save(&self, token: &str, body: Value, reset: bool) -> SaveStatus {
        let p = if reset { path::IMS_RESET } else { path::IMS_SAVE };
        let (_, v) = self.post(p, token, Some(body)).await;
        let id = ok_data(&v)["reference_id"].as_str().unwrap().to_string();
        loop {
            let (_, v) = self
                .get(&format!("{}?reference_id={id}", path::IMS_STATUS), token)
                .await;
            let s: SaveStatus = serde_json::from_value(ok_data(&v)).unwrap();
            if s.is_final() {
                return s;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn body(&self, section: Section, items: Vec<SaveItem>, reset: bool) -> Value {
        json!({"rtin": self.gstin(), "reqtyp": if reset { "RESET" } else { "SAVE" }, "invdata": { section.key(): items }})
    }
}

/// `data.data` of a success envelope (asserting the envelope on the way).
fn ok_data(v: &Value) -> Value {
    assert_eq!(v["code"], 200, "{v}");
    assert_eq!(v["data"]["status_cd"], "1", "{v}");
    assert!(v["timestamp"].is_i64() && v["transaction_id"].is_string(), "{v}");
    v["data"]["data"].clone()
}

fn gstn_error(v: &Value) -> (String, String) {
    assert_eq!(v["code"], 200, "{v}");
    assert_eq!(v["data"]["status_cd"], "0", "{v}");
    (
        v["data"]["error"]["error_cd"].as_str().unwrap().into(),
        v["data"]["error"]["message"].as_str().unwrap().into(),
    )
}

#[tokio::test]
async fn auth_flow_reaches_data_and_envelopes_are_fresh() {
    let t = T::new(cfg()).await;
    let token = t.login(0).await;
    let (s, a) = t.get(path::IMS_COUNT, &token).await;
    assert_eq!(s, 200);
    let (_, b) = t.get(path::IMS_COUNT, &token).await;
    assert_ne!(a["transaction_id"], b["transaction_id"]);
    assert!(a["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert!(ok_data(&a)["all_oth"]["ttl_cnt"].as_u64().unwrap() > 0);
    // Another taxpayer sees its own data: the GSTIN comes from the token.
    let other = t.login(1).await;
    let (_, v) = t
        .get(&format!("{}?from=01/01/2026&to=31/01/2026", path::LEDGER_CASH), &other)
        .await;
    assert_eq!(ok_data(&v)["gstin"], t.sim.taxpayers[1].gstin.as_str());
    let (s, v) = t.get("/no/such/path", &token).await;
    assert_eq!((s.as_u16(), v["code"].as_u64()), (404, Some(404)));
    let (s, v) = t.get(path::AUTHENTICATE, &token).await;
    assert_eq!((s.as_u16(), v["code"].as_u64()), (405, Some(405)));
    assert!(v["timestamp"].is_i64());
    t.sim.shutdown().await;
}

#[tokio::test]
async fn auth_failures_use_the_right_layer() {
    let t = T::new(cfg()).await;
    // 401: wrong key or secret.
    let (s, v) = t
        .send(
            t.http
                .post(t.url(path::AUTHENTICATE))
                .header(header::API_KEY, "key_test_nope")
                .header(header::API_SECRET, DEMO_API_SECRET),
        )
        .await;
    assert_eq!(
        (s.as_u16(), &v["code"], &v["message"]),
        (401, &json!(401), &json!("Unauthorized"))
    );
    let (s, _) = t
        .send(
            t.http
                .post(t.url(path::AUTHENTICATE))
                .header(header::API_KEY, DEMO_API_KEY)
                .header(header::API_SECRET, "x"),
        )
        .await;
    assert_eq!(s, 401);
    let pt = t.platform_token().await;
    let who = json!({"username": t.sim.taxpayers[0].username, "gstin": t.gstin()});
    // 403: unknown platform token.
    let (s, _) = t.post(path::OTP, "eyJnot.a.token", Some(who.clone())).await;
    assert_eq!(s, 403);
    // 422: GSTIN pattern.
    let (s, v) = t
        .post(
            path::OTP,
            &pt,
            Some(json!({"username": "acme.traders", "gstin": "29AAACQ3770E000"})),
        )
        .await;
    assert_eq!(
        (s.as_u16(), v["message"].as_str()),
        (422, Some("Invalid GSTIN pattern"))
    );
    // GSTN error: valid pattern, not a demo taxpayer.
    let (s, v) = t
        .post(path::OTP, &pt, Some(json!({"username": "someone", "gstin": t.gstin()})))
        .await;
    assert_eq!(s, 200);
    assert_eq!(gstn_error(&v).0, codes::UNKNOWN_TAXPAYER);
    // Verify without an OTP having been sent, and with the wrong OTP.
    let verify = |otp: &str| format!("{}?otp={otp}", path::OTP_VERIFY);
    let (_, v) = t.post(&verify(DEMO_OTP), &pt, Some(who.clone())).await;
    assert_eq!(gstn_error(&v), ("AUTH4033".into(), "Invalid Session".into()));
    t.post(path::OTP, &pt, Some(who.clone())).await;
    let (s, v) = t.post(&verify("123456"), &pt, Some(who.clone())).await;
    assert_eq!(s, 200);
    assert_eq!(gstn_error(&v).0, "AUTH4033");
    let (_, v) = t.post(&verify(DEMO_OTP), &pt, Some(who)).await;
    let token = v["data"]["access_token"].as_str().unwrap().to_string();
    // Data calls: 401 without key, 403 for unknown or platform tokens.
    let (s, _) = t
        .send(t.http.get(t.url(path::IMS_COUNT)).header(header::AUTHORIZATION, &token))
        .await;
    assert_eq!(s, 401);
    let (s, v) = t.get(path::IMS_COUNT, "nope").await;
    assert_eq!(
        (s.as_u16(), v["message"].as_str()),
        (403, Some("Invalid or expired access token"))
    );
    let (s, _) = t.get(path::IMS_COUNT, &pt).await;
    assert_eq!(s, 403);
    let (s, _) = t
        .send(t.http.get(t.url(path::IMS_COUNT)).header(header::API_KEY, DEMO_API_KEY))
        .await;
    assert_eq!(s, 403);
    t.sim.shutdown().await;
}

#[tokio::test]
async fn expired_token_is_an_invalid_session() {
    let t = T::new(SimConfig {
        token_ttl_secs: 1,
        ..cfg()
    })
    .await;
    let token = t.login(0).await;
    let (s, _) = t.get(path::IMS_COUNT, &token).await;
    assert_eq!(s, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (s, v) = t.get(path::IMS_COUNT, &token).await;
    assert_eq!(s, 200);
    assert_eq!(gstn_error(&v).0, "AUTH4033");
    let (_, v) = t.post(path::SESSION_REFRESH, &token, None).await;
    assert_eq!(gstn_error(&v).0, "AUTH4033");
    t.sim.shutdown().await;
}

#[tokio::test]
async fn refresh_replaces_the_token_and_logout_ends_it() {
    let t = T::new(cfg()).await;
    let old = t.login(0).await;
    let before = crate::sim::state::now_ms();
    let (_, v) = t.post(path::SESSION_REFRESH, &old, None).await;
    let s: wire::TaxpayerSession = serde_json::from_value(v["data"].clone()).unwrap();
    assert_ne!(s.access_token, old);
    assert!(s.token_expiry.0 >= before + 6 * 3600 * 1000 - 1000 && s.token_expiry.0 <= s.session_expiry.0);
    let (_, v) = t.get(path::IMS_COUNT, &old).await;
    assert_eq!(gstn_error(&v).0, "AUTH4033");
    let (_, v) = t.get(path::IMS_COUNT, &s.access_token).await;
    ok_data(&v);
    let (_, v) = t.post(path::LOGOUT, &s.access_token, None).await;
    assert_eq!(v["data"]["status_cd"], "1");
    let (_, v) = t.get(path::IMS_COUNT, &s.access_token).await;
    assert_eq!(gstn_error(&v).0, "AUTH4033");
    t.sim.shutdown().await;
}

#[tokio::test]
async fn counts_and_lists_agree_with_the_records() {
    let t = T::new(cfg()).await;
    let token = t.login(0).await;
    let g = t.counts(&token, GoodsType::Others).await;
    assert_eq!(g.sections.len(), 8);
    let mut total = 0;
    for s in GoodsType::Others.sections() {
        let all = t.invoices(&token, s.query().unwrap(), None).await;
        assert_eq!(all.len() as u64, g.get(*s).total(), "{s}");
        assert_eq!(all, t.sim.records(&t.gstin(), *s));
        total += all.len() as u64;
        let accepted = t.invoices(&token, s.key(), Some("accepted")).await;
        assert_eq!(accepted.len() as u64, g.get(*s).accept, "{s}");
        assert!(accepted.iter().all(|r| r.action == Action::Accepted));
    }
    assert_eq!(total, g.ttl_cnt);
    assert_eq!(
        t.invoices(&token, "cn", None).await,
        t.invoices(&token, "b2bcn", None).await
    );
    assert_eq!(
        t.invoices(&token, "b2b", Some("PENDING")).await.len() as u64,
        g.get(Section::B2b).pending
    );
    // ISD and imports: counts only, consistent.
    for goods in [GoodsType::Isd, GoodsType::Imports] {
        let g = t.counts(&token, goods).await;
        assert_eq!(g.ttl_cnt, g.sections.iter().map(|(_, c)| c.total()).sum::<u64>());
        assert_eq!(g.sections.len(), 4);
    }
    // Bad parameters are GSTN errors that name the value.
    let (_, v) = t.get(&format!("{}?section=XYZ", path::IMS_INVOICES), &token).await;
    let (code, msg) = gstn_error(&v);
    assert!(code == codes::BAD_SECTION && msg.contains("XYZ"), "{msg}");
    let (_, v) = t.get(&format!("{}?section=isd", path::IMS_INVOICES), &token).await;
    assert_eq!(gstn_error(&v).0, codes::BAD_SECTION);
    let (_, v) = t
        .get(&format!("{}?section=B2B&status=maybe", path::IMS_INVOICES), &token)
        .await;
    assert!(gstn_error(&v).1.contains("maybe"));
    t.sim.shutdown().await;
}

#[tokio::test]
async fn save_is_asynchronous_then_visible_in_reads_and_counts() {
    let t = T::new(SimConfig {
        save_processing_ms: 300,
        ..cfg()
    })
    .await;
    let token = t.login(0).await;
    let g = t.gstin();
    let before = t.counts(&token, GoodsType::Others).await.get(Section::B2b);
    let recs = t.invoices(&token, "B2B", Some("no_action_taken")).await;
    let (r1, r2) = (&recs[0], &recs[1]);
    let items = vec![SaveItem::from_record(r1, Some(Action::Accepted)), {
        let mut i = SaveItem::from_record(r2, Some(Action::Rejected));
        i.remarks = Some("Goods not received".into());
        i
    }];
    let (_, v) = t
        .post(path::IMS_SAVE, &token, Some(t.body(Section::B2b, items, false)))
        .await;
    let id = ok_data(&v)["reference_id"].as_str().unwrap().to_string();
    let (_, v) = t.get(&format!("{}?reference_id={id}", path::IMS_STATUS), &token).await;
    assert_eq!(ok_data(&v)["status_cd"], "IP");
    assert_eq!(t.sim.record_action(&g, &r1.key(Section::B2b)), Some(Action::NoAction));
    tokio::time::sleep(Duration::from_millis(450)).await;
    // Processed by the job task even before anyone asks.
    assert_eq!(t.sim.record_action(&g, &r1.key(Section::B2b)), Some(Action::Accepted));
    let (_, v) = t.get(&format!("{}?reference_id={id}", path::IMS_STATUS), &token).await;
    let s: SaveStatus = serde_json::from_value(ok_data(&v)).unwrap();
    assert_eq!(
        (
            s.status_cd.as_str(),
            s.trans_typ_cd.as_deref(),
            s.proc_cnt.as_deref(),
            s.err_cnt.as_deref()
        ),
        ("P", Some("SAV"), Some("2"), Some("0"))
    );
    let after = t.counts(&token, GoodsType::Others).await.get(Section::B2b);
    assert_eq!(
        (after.noaction, after.accept, after.reject),
        (before.noaction - 2, before.accept + 1, before.reject + 1)
    );
    let rejected = t.invoices(&token, "B2B", Some("rejected")).await;
    let back = rejected
        .iter()
        .find(|r| r.key(Section::B2b) == r2.key(Section::B2b))
        .unwrap();
    assert_eq!(back.remarks.as_deref(), Some("Goods not received"));
    assert_eq!(t.sim.save_count(&g, &r1.key(Section::B2b)), 1);
    // Replaying the same save (a retry after a lost response) is refused, not applied twice.
    let s = t
        .save(
            &token,
            t.body(
                Section::B2b,
                vec![SaveItem::from_record(r1, Some(Action::Accepted))],
                false,
            ),
            false,
        )
        .await;
    assert_eq!(s.error_report["b2b"][0].error_cd, "IMSSAV0010");
    assert_eq!(t.sim.save_count(&g, &r1.key(Section::B2b)), 1);
    // Reset goes back to No action.
    let fresh = t
        .sim
        .records(&g, Section::B2b)
        .into_iter()
        .find(|r| r.key(Section::B2b) == r1.key(Section::B2b))
        .unwrap();
    let s = t
        .save(
            &token,
            t.body(Section::B2b, vec![SaveItem::from_record(&fresh, None)], true),
            true,
        )
        .await;
    assert_eq!((s.status_cd.as_str(), s.trans_typ_cd.as_deref()), ("P", Some("RST")));
    assert_eq!(t.sim.record_action(&g, &r1.key(Section::B2b)), Some(Action::NoAction));
    assert_eq!(t.sim.save_count(&g, &r1.key(Section::B2b)), 2);
    // Unknown reference.
    let (_, v) = t
        .get(&format!("{}?reference_id=ffffffffffffff0", path::IMS_STATUS), &token)
        .await;
    assert_eq!(gstn_error(&v).0, "IMS0008");
    t.sim.shutdown().await;
}

#[tokio::test]
async fn record_level_errors() {
    let t = T::new(cfg()).await;
    let token = t.login(0).await;
    let g = t.gstin();
    // Supplier edit after the read → IMSSAV0010.
    let r = t.invoices(&token, "B2B", Some("accepted")).await.remove(0);
    t.sim.supplier_edit(&g, &r.key(Section::B2b));
    let s = t
        .save(
            &token,
            t.body(
                Section::B2b,
                vec![SaveItem::from_record(&r, Some(Action::Rejected))],
                false,
            ),
            false,
        )
        .await;
    assert_eq!(
        (s.status_cd.as_str(), s.proc_cnt.as_deref(), s.err_cnt.as_deref()),
        ("PE", Some("0"), Some("1"))
    );
    let e = &s.error_report["b2b"][0];
    assert_eq!(
        (e.error_cd.as_str(), e.stin.as_str(), e.inv[0].inum.as_str()),
        ("IMSSAV0010", r.stin.as_str(), r.doc_number())
    );
    assert_eq!(t.sim.save_count(&g, &r.key(Section::B2b)), 0);
    // Re-read and retry works.
    let fresh = t
        .sim
        .records(&g, Section::B2b)
        .into_iter()
        .find(|x| x.key(Section::B2b) == r.key(Section::B2b))
        .unwrap();
    assert_ne!(fresh.hash, r.hash);
    let s = t
        .save(
            &token,
            t.body(
                Section::B2b,
                vec![SaveItem::from_record(&fresh, Some(Action::Rejected))],
                false,
            ),
            false,
        )
        .await;
    assert_eq!(s.status_cd, "P");

    // Accepting a credit note needs itcRedReq.
    let cn = t.invoices(&token, "CN", Some("no_action_taken")).await.remove(0);
    let s = t
        .save(
            &token,
            t.body(
                Section::B2bCn,
                vec![SaveItem::from_record(&cn, Some(Action::Accepted))],
                false,
            ),
            false,
        )
        .await;
    assert_eq!(s.error_report["b2bcn"][0].error_cd, "IMSSAV0054");
    assert_eq!(s.error_report["b2bcn"][0].error_msg, "enter value for itcRedReq");
    let mut item = SaveItem::from_record(&cn, Some(Action::Accepted));
    item.itc_red_req = Some("Y".into());
    let s = t.save(&token, t.body(Section::B2bCn, vec![item], false), false).await;
    assert_eq!(s.status_cd, "P");
    let back = t
        .sim
        .records(&g, Section::B2bCn)
        .into_iter()
        .find(|x| x.key(Section::B2bCn) == cn.key(Section::B2bCn))
        .unwrap();
    assert_eq!((back.action, back.itc_red_req), (Action::Accepted, Some(YesNo::Yes)));

    // Pending on a blocked record; unknown record; reject on imports — in one request.
    let blocked = t
        .sim
        .records(&g, Section::B2bCn)
        .into_iter()
        .find(|r| r.pending_blocked() && r.action == Action::NoAction)
        .unwrap();
    let mut ghost = SaveItem::from_record(&cn, Some(Action::Rejected));
    ghost.nt_num = Some("NOSUCH/1".into());
    let mut imp = SaveItem::from_record(&r, Some(Action::Rejected));
    imp.prev_status = Action::NoAction;
    let body = json!({"rtin": g, "reqtyp": "SAVE", "invdata": {
        "b2bcn": [SaveItem::from_record(&blocked, Some(Action::Pending)), ghost],
        "impg": [imp]}});
    let s = t.save(&token, body, false).await;
    assert_eq!((s.status_cd.as_str(), s.err_cnt.as_deref()), ("PE", Some("3")));
    let codes_of = |k: &str| s.error_report[k].iter().map(|e| e.error_cd.clone()).collect::<Vec<_>>();
    assert_eq!(codes_of("b2bcn"), vec![codes::PENDING_BLOCKED.0, codes::NOT_FOUND.0]);
    assert_eq!(codes_of("impg"), vec![codes::IMPORT_REJECT.0]);
    t.sim.shutdown().await;
}

#[tokio::test]
async fn schema_failures_are_er() {
    let t = T::new(cfg()).await;
    let token = t.login(0).await;
    let r = t.invoices(&token, "B2B", Some("no_action_taken")).await.remove(0);
    let item = serde_json::to_value(SaveItem::from_record(&r, Some(Action::Accepted))).unwrap();
    let mut no_action = item.clone();
    no_action.as_object_mut().unwrap().remove("action");
    let mut action_n = item.clone();
    action_n["action"] = json!("N");
    let other = t.sim.taxpayers[1].gstin.clone();
    for body in [
        json!({"rtin": other, "reqtyp": "SAVE", "invdata": {"b2b": [item]}}),
        json!({"rtin": t.gstin(), "reqtyp": "RESET", "invdata": {"b2b": [item]}}),
        json!({"rtin": t.gstin(), "reqtyp": "SAVE", "invdata": {"b2b": [no_action]}}),
        json!({"rtin": t.gstin(), "reqtyp": "SAVE", "invdata": {"b2b": [action_n]}}),
        json!({"rtin": t.gstin(), "reqtyp": "SAVE", "invdata": {}}),
        json!({"rtin": t.gstin(), "reqtyp": "SAVE", "invdata": {"b2b": []}}),
        json!({"rtin": t.gstin(), "reqtyp": "SAVE", "invdata": {"zzz": [item]}}),
        json!({"rtin": t.gstin(), "reqtyp": "SAVE"}),
    ] {
        let s = t.save(&token, body.clone(), false).await;
        assert_eq!(
            (s.status_cd.as_str(), s.err_cd.as_deref(), s.err_msg.as_deref()),
            ("ER", Some("IMSSAV005"), Some("Schema validation failure")),
            "{body}"
        );
        assert_eq!(s.proc_cnt.as_deref(), Some("0"));
    }
    assert_eq!(
        t.sim.record_action(&t.gstin(), &r.key(Section::B2b)),
        Some(Action::NoAction)
    );
    let (s, v) = t
        .send(
            t.http
                .post(t.url(path::IMS_SAVE))
                .header(header::API_KEY, DEMO_API_KEY)
                .header(header::AUTHORIZATION, &token)
                .body("{not json"),
        )
        .await;
    assert_eq!((s.as_u16(), v["code"].as_u64()), (400, Some(400)));
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(5 * 1024 * 1024));
    let (s, v) = t
        .send(
            t.http
                .post(t.url(path::IMS_SAVE))
                .header(header::API_KEY, DEMO_API_KEY)
                .header(header::AUTHORIZATION, &token)
                .body(huge),
        )
        .await;
    assert_eq!((s.as_u16(), v["code"].as_u64()), (413, Some(413)));
    t.sim.shutdown().await;
}

#[tokio::test]
async fn gstr2b_regeneration() {
    let t = T::new(SimConfig {
        save_processing_ms: 200,
        ..cfg()
    })
    .await;
    let token = t.login(0).await;
    let regen = |y: &str, m: &str| wire::path::gstr2b_regenerate(y, m);
    // Feb 2026: draft out on 14/03, 3B not filed (today 18/03) → accepted.
    assert!(!t.sim.gstr3b_filed(ReturnPeriod::new(2026, 2).unwrap()));
    let (_, v) = t.post(&regen("2026", "02"), &token, None).await;
    let id = ok_data(&v)["reference_id"].as_str().unwrap().to_string();
    let status = |id: String| format!("{}?reference_id={id}", path::GSTR2B_REGEN_STATUS);
    let (_, v) = t.get(&status(id.clone()), &token).await;
    assert_eq!(ok_data(&v)["status_cd"], "IP");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, v) = t.get(&status(id.clone()), &token).await;
    let r: wire::RegenStatus = serde_json::from_value(ok_data(&v)).unwrap();
    assert_eq!(r.status_cd, "P");
    // The IMS status endpoint does not know regeneration ids, nor another taxpayer.
    let (_, v) = t.get(&format!("{}?reference_id={id}", path::IMS_STATUS), &token).await;
    assert_eq!(gstn_error(&v).0, "IMS0008");
    let other = t.login(1).await;
    let (_, v) = t.get(&status(id), &other).await;
    assert_eq!(gstn_error(&v).0, "IMS0008");
    let (_, v) = t.get(&status("0032e479bcb644c".into()), &token).await;
    assert_eq!(
        gstn_error(&v),
        (
            "IMS0008".into(),
            "No records found for requested internal transaction Id".into()
        )
    );
    // Jan 2026: 3B filed. Sep 2024: before IMS. Garbage period.
    for (y, m) in [
        ("2026", "01"),
        ("2024", "09"),
        ("2026", "13"),
        ("26", "1"),
        ("2026", "04"),
    ] {
        let (_, v) = t.post(&regen(y, m), &token, None).await;
        assert_eq!(gstn_error(&v).0, "IMS2B007", "{y}/{m}");
    }
    // Mar 2026: not yet.
    let (_, v) = t.post(&regen("2026", "03"), &token, None).await;
    assert_eq!(
        gstn_error(&v),
        ("IMS2B009".into(), "Kindly generate 2b after 14/04/2026".into())
    );
    t.sim.shutdown().await;

    let early = T::new(SimConfig {
        today: NaiveDate::from_ymd_opt(2026, 3, 10).unwrap(),
        ..cfg()
    })
    .await;
    let token = early.login(0).await;
    let (_, v) = early.post(&regen("2026", "02"), &token, None).await;
    assert_eq!(
        gstn_error(&v),
        ("IMS2B009".into(), "Kindly generate 2b after 14/03/2026".into())
    );
    early.sim.shutdown().await;
}

#[tokio::test]
async fn ledgers_over_http() {
    let t = T::new(cfg()).await;
    let token = t.login(0).await;
    // Whole history and a window starting mid-history.
    for (from, to) in [("01/01/2024", "18/03/2026"), ("15/07/2025", "14/02/2026")] {
        let (_, v) = t
            .get(&format!("{}?from={from}&to={to}", path::LEDGER_CASH), &token)
            .await;
        let cash: CashLedger = serde_json::from_value(ok_data(&v)).unwrap();
        assert!(!cash.tr.is_empty());
        assert_eq!(cash.check(), vec![]);
        assert_eq!((cash.fr_dt.as_str(), cash.to_dt.as_str()), (from, to));
        let (_, v) = t
            .get(&format!("{}?from={from}&to={to}", path::LEDGER_ITC), &token)
            .await;
        let d = ok_data(&v);
        assert_eq!(d["provCrdBalList"]["provCrdBal"], json!([]));
        let itc: ItcLedger = serde_json::from_value(d).unwrap();
        assert!(!itc.details.tr.is_empty());
        assert_eq!(itc.check(), vec![]);
        let (_, v) = t
            .get(&format!("{}/2026/02?from={from}&to={to}", path::LEDGER_TAX), &token)
            .await;
        let liab: LiabilityLedger = serde_json::from_value(ok_data(&v)).unwrap();
        assert_eq!(liab.check(), vec![]);
        assert_eq!(liab.to_dt.len(), 6);
        assert!(liab.tr.iter().any(|r| r.dschrg_typ == "cash"));
    }
    let (_, v) = t.get(&format!("{}/2026/03", path::LEDGER_BAL), &token).await;
    let d = ok_data(&v);
    assert!(
        d["cash_bal"]["igst_tot_bal"].is_number() && d["itc_blck_bal"].is_object(),
        "{d}"
    );
    assert!(d["cash_bal"]["igst"].get("tot").is_none());
    let bal: CashItcBalance = serde_json::from_value(d).unwrap();
    assert_eq!(bal.check(), vec![]);
    assert_eq!(bal.gstin, t.gstin());
    // Errors.
    let (_, v) = t
        .get(&format!("{}?from=01/03/2026&to=19/03/2026", path::LEDGER_CASH), &token)
        .await;
    assert_eq!(
        gstn_error(&v),
        ("LG9089".into(), "To Date cannot be beyond the current date".into())
    );
    let (_, v) = t
        .get(&format!("{}?from=2026-01-01&to=18/03/2026", path::LEDGER_ITC), &token)
        .await;
    let (code, msg) = gstn_error(&v);
    assert!(
        code == codes::BAD_DATE && msg.contains("from") && msg.contains("DD/MM/YYYY"),
        "{msg}"
    );
    let (_, v) = t.get(&format!("{}?from=01/03/2026", path::LEDGER_CASH), &token).await;
    assert!(gstn_error(&v).1.contains("to"));
    let (_, v) = t
        .get(&format!("{}?from=10/03/2026&to=01/03/2026", path::LEDGER_CASH), &token)
        .await;
    assert_eq!(gstn_error(&v).0, codes::FROM_AFTER_TO.0);
    let (_, v) = t.get(&format!("{}/2026/05", path::LEDGER_BAL), &token).await;
    assert_eq!(gstn_error(&v).0, codes::BAD_PERIOD);
    t.sim.shutdown().await;
}

#[tokio::test]
async fn rate_limit_headers_and_429() {
    let t = T::new(SimConfig {
        rate_limit_per_min: Some(5),
        ..cfg()
    })
    .await;
    for i in 0..5u32 {
        let r = t
            .http
            .post(t.url(path::AUTHENTICATE))
            .header(header::API_KEY, DEMO_API_KEY)
            .header(header::API_SECRET, DEMO_API_SECRET)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers();
        assert_eq!(h[header::RATE_LIMIT], "5");
        assert_eq!(h[header::RATE_REMAINING].to_str().unwrap(), (4 - i).to_string());
        let reset: i64 = h[header::RATE_RESET].to_str().unwrap().parse().unwrap();
        assert!((reset - chrono::Utc::now().timestamp()).abs() <= 61);
    }
    let r = t
        .http
        .post(t.url(path::AUTHENTICATE))
        .header(header::API_KEY, DEMO_API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()[header::RETRY_AFTER].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    assert_eq!(r.headers()[header::RATE_REMAINING], "0");
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["code"].as_u64(), v["message"].as_str()),
        (Some(429), Some("Too Many Requests"))
    );
    assert!(v["transaction_id"].is_string() && v["timestamp"].is_i64());
    // Another key has its own window.
    let r = t
        .http
        .post(t.url(path::AUTHENTICATE))
        .header(header::API_KEY, "key_test_other")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    t.sim.shutdown().await;
}

/// What happened to one request.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Outcome {
    Ok,
    Status(u16),
    Dropped,
    Corrupt,
}

async fn outcomes(cfg: SimConfig, n: usize) -> Vec<Outcome> {
    let t = T::new(cfg).await;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        let r = t
            .http
            .post(t.url(path::AUTHENTICATE))
            .header(header::API_KEY, DEMO_API_KEY)
            .header(header::API_SECRET, DEMO_API_SECRET)
            .send()
            .await;
        out.push(match r {
            Err(_) => Outcome::Dropped,
            Ok(r) if r.status() != 200 => Outcome::Status(r.status().as_u16()),
            Ok(r) => match r.bytes().await {
                Err(_) => Outcome::Dropped,
                Ok(b) => match serde_json::from_slice::<Value>(&b) {
                    Ok(v) if v["data"]["access_token"].is_string() => Outcome::Ok,
                    _ => Outcome::Corrupt,
                },
            },
        });
    }
    t.sim.shutdown().await;
    out
}

fn share(o: &[Outcome], f: impl Fn(&Outcome) -> bool) -> f64 {
    o.iter().filter(|x| f(x)).count() as f64 / o.len() as f64
}

#[tokio::test]
async fn injected_faults_are_seeded_and_near_their_rates() {
    let n = 300;
    let faults = SimConfig {
        fault_rate: 0.2,
        ..cfg()
    };
    let a = outcomes(faults.clone(), n).await;
    assert_eq!(a, outcomes(faults, n).await, "same seed, same faults");
    let s = share(&a, |o| matches!(o, Outcome::Status(500 | 503)));
    assert!((0.12..0.28).contains(&s), "5xx share {s}");
    assert!(a.contains(&Outcome::Status(500)) && a.contains(&Outcome::Status(503)));
    assert_eq!(share(&a, |o| matches!(o, Outcome::Ok)) + s, 1.0);

    let d = outcomes(
        SimConfig {
            drop_rate: 0.2,
            ..cfg()
        },
        n,
    )
    .await;
    let s = share(&d, |o| *o == Outcome::Dropped);
    assert!((0.12..0.28).contains(&s), "drop share {s}: {d:?}");

    let c = outcomes(
        SimConfig {
            corrupt_rate: 0.2,
            ..cfg()
        },
        n,
    )
    .await;
    let s = share(&c, |o| *o == Outcome::Corrupt);
    assert!((0.12..0.28).contains(&s), "corrupt share {s}");
    assert_eq!(share(&c, |o| *o == Outcome::Ok) + s, 1.0);

    let b = outcomes(
        SimConfig {
            burst_429_every: Some(10),
            ..cfg()
        },
        30,
    )
    .await;
    let throttled: Vec<usize> = b
        .iter()
        .enumerate()
        .filter(|(_, o)| **o == Outcome::Status(429))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(throttled, vec![10, 11, 12, 20, 21, 22, 30]);
}

#[tokio::test]
async fn latency_is_added() {
    let t = T::new(SimConfig {
        latency_ms: 120,
        ..cfg()
    })
    .await;
    let started = Instant::now();
    t.platform_token().await;
    assert!(started.elapsed() >= Duration::from_millis(120));
    t.sim.shutdown().await;
}

#[tokio::test]
async fn same_seed_same_data_over_http() {
    let a = T::new(cfg()).await;
    let b = T::new(cfg()).await;
    assert_eq!(a.sim.taxpayers, b.sim.taxpayers);
    let (ta, tb) = (a.login(0).await, b.login(0).await);
    let strip = |mut v: Value| {
        v.as_object_mut().unwrap().remove("timestamp");
        v.as_object_mut().unwrap().remove("transaction_id");
        v
    };
    for p in [
        format!("{}?section=B2B", path::IMS_INVOICES),
        format!("{}?from=01/01/2025&to=18/03/2026", path::LEDGER_CASH),
    ] {
        assert_eq!(strip(a.get(&p, &ta).await.1), strip(b.get(&p, &tb).await.1), "{p}");
    }
    // All GSTINs valid except the deliberate supplier ones.
    for tp in &a.sim.taxpayers {
        assert!(crate::domain::Gstin::parse(&tp.gstin).is_ok());
        let sups = a.sim.suppliers(&tp.gstin);
        assert_eq!(sups.len(), 300);
        for s in &sups {
            assert_eq!(
                crate::domain::Gstin::parse(&s.gstin).is_ok(),
                s.gstin_valid,
                "{}",
                s.gstin
            );
        }
        assert!((1..=3).contains(&sups.iter().filter(|s| !s.gstin_valid).count()));
    }
    a.sim.shutdown().await;
    b.sim.shutdown().await;
}

#[tokio::test]
async fn a_dropped_save_is_applied_once_whatever_the_retries() {
    let t = T::new(SimConfig {
        drop_rate: 0.4,
        seed: 8,
        ..cfg()
    })
    .await;
    // Any request, retried until a whole body arrives.
    async fn whole(t: &T, rb: impl Fn() -> reqwest::RequestBuilder) -> Value {
        for _ in 0..50 {
            if let Ok(r) = rb().send().await
                && let Ok(b) = r.bytes().await
            {
                return serde_json::from_slice(&b).unwrap();
            }
        }
        panic!("never got through: {}", t.sim.base_url)
    }
    let auth = || {
        t.http
            .post(t.url(path::AUTHENTICATE))
            .header(header::API_KEY, DEMO_API_KEY)
            .header(header::API_SECRET, DEMO_API_SECRET)
    };
    let pt = whole(&t, auth).await["data"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let who = json!({"username": t.sim.taxpayers[0].username, "gstin": t.gstin()});
    let post = |p: String, token: String, body: Value| {
        let t = &t;
        move || {
            t.http
                .post(t.url(&p))
                .header(header::API_KEY, DEMO_API_KEY)
                .header(header::AUTHORIZATION, &token)
                .json(&body)
        }
    };
    let token = loop {
        whole(&t, post(path::OTP.into(), pt.clone(), who.clone())).await;
        let v = whole(
            &t,
            post(format!("{}?otp={DEMO_OTP}", path::OTP_VERIFY), pt.clone(), who.clone()),
        )
        .await;
        // A verify whose answer was lost has used the OTP: ask for another.
        if let Some(tok) = v["data"]["access_token"].as_str() {
            break tok.to_string();
        }
    };
    let r = t
        .sim
        .records(&t.gstin(), Section::B2b)
        .into_iter()
        .find(|r| r.action == Action::NoAction)
        .unwrap();
    let body = t.body(
        Section::B2b,
        vec![SaveItem::from_record(&r, Some(Action::Accepted))],
        false,
    );
    let mut attempts = 0;
    loop {
        attempts += 1;
        let sent = post(path::IMS_SAVE.into(), token.clone(), body.clone())().send().await;
        if let Ok(resp) = sent
            && resp.bytes().await.is_ok()
        {
            break;
        }
    }
    // With this seed the first two saves lose their answers (and the first is applied).
    assert!(attempts > 1, "the seed no longer drops a save");
    assert_eq!(
        t.sim.record_action(&t.gstin(), &r.key(Section::B2b)),
        Some(Action::Accepted)
    );
    assert_eq!(
        t.sim.save_count(&t.gstin(), &r.key(Section::B2b)),
        1,
        "after {attempts} attempts"
    );
    t.sim.shutdown().await;
}
