//! The real HTTP client against the embedded simulator over loopback: every endpoint the app
//! uses now, and every documented error code on those endpoints.

mod common;

use std::time::Duration;

use chrono::{Datelike, Local, NaiveDate};
use gstdash::api::wire::{SaveItem, SaveRequest};
use gstdash::api::{ErrorKind, TaxpayerTokens};
use gstdash::domain::ims::YesNo;
use gstdash::domain::{Action, GoodsType, ReturnPeriod, Section};
use gstdash::secret::Secret;
use gstdash::sim;

fn today() -> NaiveDate {
    Local::now().date_naive()
}

#[tokio::test]
async fn login_flow_and_auth_errors() {
    let s = common::start(common::config(200)).await;
    let (user, gstin) = common::first(&s);

    // Wrong secret → HTTP 401 from the platform layer.
    let mut cfg =
        gstdash::api::ClientConfig::new(&s.base_url, Secret::new(sim::DEMO_API_KEY), Some(Secret::new("nope")));
    cfg.retry = common::fast_retry();
    let bad = gstdash::api::Client::new(cfg).unwrap();
    let e = bad.authenticate().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Platform { status: 401 });
    assert!(!e.to_string().contains("nope"), "secret leaked: {e}");

    let c = common::client(&s);
    c.authenticate().await.unwrap();
    c.generate_otp(&user, &gstin).await.unwrap();
    // Wrong OTP → AUTH4033 inside a 200.
    let e = c.verify_otp(&user, &gstin, "000000").await.unwrap_err();
    assert_eq!(e.code, "AUTH4033");
    assert!(!e.to_string().contains("000000"), "OTP leaked: {e}");
    let t = c.verify_otp(&user, &gstin, sim::DEMO_OTP).await.unwrap();
    assert!(t.token_expiry > chrono::Utc::now());

    // Data call works; refresh gives a new token and the old one stops working.
    c.ims_count(GoodsType::Others).await.unwrap();
    let old = c.session().unwrap();
    let new = c.refresh_session().await.unwrap();
    assert_ne!(old.token.expose(), new.token.expose());
    let stale = common::client(&s);
    stale.set_session(Some(old));
    // The stale client refreshes once with its (now invalid) token and then gives up clearly.
    let e = stale.ims_count(GoodsType::Others).await.unwrap_err();
    assert!(e.is_auth(), "{e}");
    assert!(e.to_string().contains("log in again"), "{e}");

    // Logout invalidates the session.
    c.logout().await.unwrap();
    assert!(c.session().is_none());
    let e = c.ims_count(GoodsType::Others).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::NotLoggedIn);
    s.shutdown().await;
}

#[tokio::test]
async fn expired_token_is_reported_as_session_expired() {
    let mut cfg = common::config(100);
    cfg.token_ttl_secs = 1;
    let s = common::start(cfg).await;
    let c = common::logged_in(&s).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let e = c
        .ledger_balance(ReturnPeriod::of_date(today()).prev())
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::SessionExpired, "{e}");
    assert_eq!(e.code, "AUTH4033");
    assert!(e.to_string().contains("log in again"));
    s.shutdown().await;
}

#[tokio::test]
async fn refresh_before_expiry_keeps_working() {
    let mut cfg = common::config(100);
    cfg.token_ttl_secs = 3;
    let s = common::start(cfg).await;
    let c = common::logged_in(&s).await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(0));
    let seen2 = seen.clone();
    let c = c.on_session(std::sync::Arc::new(move |_t: &TaxpayerTokens| {
        *seen2.lock().unwrap() += 1
    }));
    // The token is within the refresh margin from the start: the client refreshes proactively.
    c.ims_count(GoodsType::Others).await.unwrap();
    assert!(*seen.lock().unwrap() >= 1, "listener told of the new session");
    s.shutdown().await;
}

#[tokio::test]
async fn ims_counts_match_listed_records() {
    let s = common::start(common::config(600)).await;
    let c = common::logged_in(&s).await;
    let g = c.ims_count(GoodsType::Others).await.unwrap();
    let mut total = 0;
    for sec in GoodsType::Others.sections() {
        let recs = c.ims_invoices(*sec, None).await.unwrap();
        let counts = g.get(*sec);
        assert_eq!(recs.len() as u64, counts.total(), "{sec}");
        for a in Action::KNOWN {
            let filtered = c.ims_invoices(*sec, Some(&a)).await.unwrap();
            assert_eq!(filtered.len() as u64, counts.get(&a), "{sec} {a}");
            assert!(filtered.iter().all(|r| r.action == a));
        }
        total += recs.len() as u64;
        // Field shapes per section.
        for r in &recs {
            assert_eq!(r.nt_num.is_some(), sec.is_note(), "{sec}");
            assert_eq!(r.inv_typ.is_some(), sec.has_inv_typ(), "{sec}");
        }
    }
    assert_eq!(total, g.ttl_cnt);
    for goods in [GoodsType::Isd, GoodsType::Imports] {
        let g = c.ims_count(goods).await.unwrap();
        assert_eq!(g.sections.iter().map(|(_, c)| c.total()).sum::<u64>(), g.ttl_cnt);
    }
    s.shutdown().await;
}

fn request(rtin: &str, reqtyp: &str, section: Section, items: Vec<SaveItem>) -> SaveRequest {
    SaveRequest {
        rtin: rtin.into(),
        reqtyp: reqtyp.into(),
        invdata: [(section.key().to_string(), items)].into_iter().collect(),
    }
}

async fn wait_status(c: &gstdash::api::Client, id: &str) -> gstdash::api::wire::SaveStatus {
    for _ in 0..100 {
        let st = c.ims_status(id).await.unwrap();
        if st.is_final() {
            return st;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    panic!("status never final");
}

#[tokio::test]
async fn save_reset_and_conflicts() {
    let s = common::start(common::config(400)).await;
    let c = common::logged_in(&s).await;
    let rtin = s.taxpayers[0].gstin.clone();
    let before = c.ims_count(GoodsType::Others).await.unwrap().get(Section::B2b);
    let recs = c.ims_invoices(Section::B2b, Some(&Action::NoAction)).await.unwrap();
    let picked: Vec<_> = recs.iter().take(3).cloned().collect();
    let items = picked
        .iter()
        .map(|r| SaveItem::from_record(r, Some(Action::Rejected)))
        .collect();
    let id = c.ims_save(&request(&rtin, "SAVE", Section::B2b, items)).await.unwrap();
    let st = wait_status(&c, &id).await;
    assert_eq!(st.status_cd, "P", "{st:?}");
    let after = c.ims_count(GoodsType::Others).await.unwrap().get(Section::B2b);
    assert_eq!(after.reject, before.reject + 3);
    assert_eq!(after.noaction, before.noaction - 3);
    for r in &picked {
        assert_eq!(s.save_count(&rtin, &r.key(Section::B2b)), 1);
    }

    // Saving again with the stale prev_status → IMSSAV0010 for that record.
    let stale = SaveItem::from_record(&picked[0], Some(Action::Accepted));
    let id = c
        .ims_save(&request(&rtin, "SAVE", Section::B2b, vec![stale]))
        .await
        .unwrap();
    let st = wait_status(&c, &id).await;
    assert_eq!(st.status_cd, "PE");
    assert_eq!(st.error_report["b2b"][0].error_cd, "IMSSAV0010");

    // A supplier edit between read and save → IMSSAV0010 too.
    let fresh = c.ims_invoices(Section::B2b, Some(&Action::NoAction)).await.unwrap();
    let target = fresh[0].clone();
    s.supplier_edit(&rtin, &target.key(Section::B2b));
    let id = c
        .ims_save(&request(
            &rtin,
            "SAVE",
            Section::B2b,
            vec![SaveItem::from_record(&target, Some(Action::Accepted))],
        ))
        .await
        .unwrap();
    let st = wait_status(&c, &id).await;
    assert_eq!(st.error_report["b2b"][0].error_cd, "IMSSAV0010", "{st:?}");

    // Reset the three rejected ones back to No action.
    let rejected = c.ims_invoices(Section::B2b, Some(&Action::Rejected)).await.unwrap();
    let mine: Vec<_> = rejected
        .iter()
        .filter(|r| picked.iter().any(|p| p.key(Section::B2b) == r.key(Section::B2b)))
        .collect();
    assert_eq!(mine.len(), 3);
    let items = mine.iter().map(|r| SaveItem::from_record(r, None)).collect();
    let id = c
        .ims_reset(&request(&rtin, "RESET", Section::B2b, items))
        .await
        .unwrap();
    let st = wait_status(&c, &id).await;
    assert_eq!(st.status_cd, "P", "{st:?}");
    let back = c.ims_count(GoodsType::Others).await.unwrap().get(Section::B2b);
    assert_eq!(back.reject, before.reject);

    // Schema failure → ER / IMSSAV005.
    let mut bad = SaveItem::from_record(&fresh[1], Some(Action::Accepted));
    bad.action = None;
    let id = c
        .ims_save(&request(&rtin, "SAVE", Section::B2b, vec![bad]))
        .await
        .unwrap();
    let st = wait_status(&c, &id).await;
    assert_eq!(st.status_cd, "ER");
    assert_eq!(st.err_cd.as_deref(), Some("IMSSAV005"));
    s.shutdown().await;
}

#[tokio::test]
async fn credit_note_accept_needs_itc_declaration_and_pending_blocked_is_refused() {
    let s = common::start(common::config(2000)).await;
    let c = common::logged_in(&s).await;
    let rtin = s.taxpayers[0].gstin.clone();
    let cns = c.ims_invoices(Section::B2bCn, Some(&Action::NoAction)).await.unwrap();
    assert!(!cns.is_empty(), "simulator has credit notes with no action");
    let item = SaveItem::from_record(&cns[0], Some(Action::Accepted));
    let id = c
        .ims_save(&request(&rtin, "SAVE", Section::B2bCn, vec![item.clone()]))
        .await
        .unwrap();
    let st = wait_status(&c, &id).await;
    let codes: Vec<_> = st.error_report.values().flatten().map(|e| e.error_cd.clone()).collect();
    assert!(codes.contains(&"IMSSAV0054".to_string()), "{st:?}");
    let mut ok = item;
    ok.itc_red_req = Some("Y".into());
    let id = c
        .ims_save(&request(&rtin, "SAVE", Section::B2bCn, vec![ok]))
        .await
        .unwrap();
    assert_eq!(wait_status(&c, &id).await.status_cd, "P");

    let all = c.ims_invoices(Section::B2b, None).await.unwrap();
    if let Some(blocked) = all
        .iter()
        .find(|r| r.ispendactblocked == YesNo::Yes && r.action != Action::Pending)
    {
        let id = c
            .ims_save(&request(
                &rtin,
                "SAVE",
                Section::B2b,
                vec![SaveItem::from_record(blocked, Some(Action::Pending))],
            ))
            .await
            .unwrap();
        let st = wait_status(&c, &id).await;
        assert_eq!(st.status_cd, "PE", "{st:?}");
    }
    s.shutdown().await;
}

#[tokio::test]
async fn gstr2b_regeneration_and_its_errors() {
    let s = common::start(common::config(100)).await;
    let c = common::logged_in(&s).await;
    let t = today();
    // The last month whose 2B exists and whose 3B is not filed: two months back is filed in
    // the simulator, last month's draft exists after the 14th.
    let open = if t.day() > 14 {
        ReturnPeriod::of_date(t).prev()
    } else {
        ReturnPeriod::of_date(t).plus_months(-2)
    };
    match c.gstr2b_regenerate(open).await {
        Ok(id) => {
            let mut last = None;
            for _ in 0..100 {
                let st = c.gstr2b_regen_status(&id).await.unwrap();
                if st.status_cd == "P" {
                    last = Some(st);
                    break;
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
            assert!(last.is_some(), "regeneration finished");
        }
        Err(e) => assert!(e.code == "IMS2B007" || e.code == "IMS2B009", "{e}"),
    }
    let e = c
        .gstr2b_regenerate(ReturnPeriod::of_date(t).plus_months(-6))
        .await
        .unwrap_err();
    assert_eq!(e.code, "IMS2B007", "{e}");
    // The running month has no 2B draft yet.
    let e = c.gstr2b_regenerate(ReturnPeriod::of_date(t)).await.unwrap_err();
    assert_eq!(e.code, "IMS2B009", "{e}");
    let e = c.gstr2b_regen_status("no-such-ref").await.unwrap_err();
    assert_eq!(e.code, "IMS0008");
    s.shutdown().await;
}

#[tokio::test]
async fn ledgers_are_consistent_and_lg9089_is_reported() {
    let s = common::start(common::config(100)).await;
    let c = common::logged_in(&s).await;
    let t = today();
    let period = ReturnPeriod::of_date(t).prev();
    let bal = c.ledger_balance(period).await.unwrap();
    assert!(bal.check().is_empty(), "{:?}", bal.check());
    assert_eq!(bal.gstin, s.taxpayers[0].gstin);

    let from = period.plus_months(-5).first_day();
    let cash = c.ledger_cash(from, period.last_day()).await.unwrap();
    assert!(!cash.tr.is_empty());
    assert!(cash.check().is_empty(), "{:?}", cash.check());
    let itc = c.ledger_itc(from, period.last_day()).await.unwrap();
    assert!(itc.check().is_empty(), "{:?}", itc.check());
    let tax = c
        .ledger_tax(period, period.first_day(), period.last_day())
        .await
        .unwrap();
    assert!(tax.check().is_empty(), "{:?}", tax.check());

    // Two stitched windows equal one long fetch.
    let mid = period.plus_months(-2).first_day();
    let a = c.ledger_cash(from, mid.pred_opt().unwrap()).await.unwrap();
    let b = c.ledger_cash(mid, period.last_day()).await.unwrap();
    let stitched = gstdash::domain::ledger::stitch_cash(vec![a, b]).unwrap();
    assert!(stitched.check().is_empty(), "{:?}", stitched.check());
    assert_eq!(stitched.cl_bal, cash.cl_bal);
    assert_eq!(stitched.tr.len(), cash.tr.len());

    let e = c.ledger_cash(from, t + chrono::Duration::days(3)).await.unwrap_err();
    assert_eq!(e.code, "LG9089");
    assert_eq!(e.kind, ErrorKind::Gstn);
    s.shutdown().await;
}

#[tokio::test]
async fn a_get_refused_by_the_rate_limit_waits_out_retry_after_and_succeeds() {
    let mut cfg = common::config(50);
    cfg.rate_limit_per_min = Some(5);
    let s = common::start(cfg).await;
    s.set_rate_window(Duration::from_secs(2));
    let c = common::logged_in(&s).await; // 3 requests
    // Another program on the same API key spends the rest of the window behind our back, so
    // our budget (two left, by the last headers) is wrong and the next GET meets a 429.
    let other = common::client(&s);
    other.authenticate().await.unwrap();
    other.authenticate().await.unwrap();
    let before = s.throttled_count();
    c.ims_count(GoodsType::Others)
        .await
        .expect("the 429 is waited out and the GET asked again, not shown");
    assert!(s.throttled_count() > before, "the GET did meet the limit");
    assert_eq!(c.rate_info().limit, Some(5), "{:?}", c.rate_info());
    s.shutdown().await;
}

/// A limited simulator with a short window and a logged-in client.
async fn limited(limit: u32) -> (sim::SimHandle, gstdash::api::Client) {
    let mut cfg = common::config(50);
    cfg.rate_limit_per_min = Some(limit);
    let s = common::start(cfg).await;
    s.set_rate_window(Duration::from_secs(2));
    let c = common::logged_in(&s).await;
    (s, c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_gets_from_many_tasks_is_paced_below_the_limit_instead_of_refused() {
    let (s, c) = limited(5).await;
    let tasks: Vec<_> = (0..14)
        .map(|i| {
            let c = c.clone();
            tokio::spawn(async move { c.ims_count(GoodsType::ALL[i % GoodsType::ALL.len()]).await })
        })
        .collect();
    for t in tasks {
        t.await.unwrap().expect("every GET of the burst succeeds");
    }
    // Fourteen asks against five a window: without pacing at least nine would be refused.
    assert_eq!(
        s.throttled_count(),
        0,
        "the client waited for the window instead of sending"
    );
    s.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_users_call_gets_through_while_background_bulk_work_spends_the_budget() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    const BULK: usize = 24;
    let (s, c) = limited(5).await;
    let bulk_done = Arc::new(AtomicUsize::new(0));
    // Three workers on the background handle, as the export ledger's fetch runs.
    let workers: Vec<_> = (0..3)
        .map(|_| {
            let bg = c.background();
            let done = bulk_done.clone();
            tokio::spawn(async move {
                for _ in 0..BULK / 3 {
                    bg.ims_count(GoodsType::Others).await.expect("bulk GET");
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    // Once the bulk work is under way (and has spent the budget down to the reserve)…
    while bulk_done.load(Ordering::SeqCst) < 4 {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let at_click = bulk_done.load(Ordering::SeqCst);
    // …the user's call gets a slot from the reserve, at most one window later.
    c.ims_count(GoodsType::Isd).await.expect("interactive GET");
    let at_answer = bulk_done.load(Ordering::SeqCst);
    assert!(
        at_answer < BULK,
        "the user's call finished before the bulk batch ({at_answer} of {BULK} done)"
    );
    assert!(
        at_answer - at_click <= 5,
        "at most one window of bulk calls went first ({at_click} → {at_answer})"
    );
    for w in workers {
        w.await.unwrap();
    }
    assert_eq!(bulk_done.load(Ordering::SeqCst), BULK);
    assert_eq!(s.throttled_count(), 0, "paced, not refused");
    s.shutdown().await;
}

#[tokio::test]
async fn transient_faults_are_retried_and_corruption_is_reported() {
    let mut cfg = common::config(100);
    cfg.fault_rate = 0.3;
    cfg.drop_rate = 0.1;
    let s = common::start(cfg).await;
    // Login goes through retries too (POSTs only on 429/503, so allow a few tries).
    let c = loop_login(&s).await;
    for _ in 0..20 {
        c.ims_count(GoodsType::Others)
            .await
            .expect("GETs survive 30% faults and 10% drops with retries");
    }
    s.shutdown().await;

    let mut cfg = common::config(100);
    cfg.corrupt_rate = 1.0;
    let s = common::start(cfg).await;
    let c = common::client(&s);
    let e = c.authenticate().await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Malformed, "{e}");
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    s.shutdown().await;
}

async fn loop_login(s: &sim::SimHandle) -> gstdash::api::Client {
    for _ in 0..30 {
        let mut cfg = gstdash::api::ClientConfig::new(
            &s.base_url,
            Secret::new(sim::DEMO_API_KEY),
            Some(Secret::new(sim::DEMO_API_SECRET)),
        );
        // 40 % of requests fail here; ten tries make a lost GET a one-in-ten-thousand event.
        cfg.retry = gstdash::api::RetryPolicy {
            max_attempts: 10,
            ..common::fast_retry()
        };
        let c = gstdash::api::Client::new(cfg).unwrap();
        let (user, gstin) = common::first(s);
        if c.authenticate().await.is_ok()
            && c.generate_otp(&user, &gstin).await.is_ok()
            && c.verify_otp(&user, &gstin, sim::DEMO_OTP).await.is_ok()
        {
            return c;
        }
    }
    panic!("could not log in through faults");
}

#[tokio::test]
async fn otp_errors_auth403_tec4001_and_422() {
    let s = common::start(common::config(20)).await;
    let (user, gstin) = common::first(&s);

    // TEC4001 while the OTP server is down; fine again afterwards.
    s.set_otp_server_down(true);
    let c = common::client(&s);
    c.authenticate().await.unwrap();
    let e = c.generate_otp(&user, &gstin).await.unwrap_err();
    assert_eq!((e.kind.clone(), e.code.as_str()), (ErrorKind::Gstn, "TEC4001"), "{e}");
    s.set_otp_server_down(false);

    // AUTH403 once the user holds the maximum number of live sessions.
    let mut held = Vec::new();
    let e = loop {
        let c = common::client(&s);
        c.authenticate().await.unwrap();
        match c.generate_otp(&user, &gstin).await {
            Ok(()) => {
                c.verify_otp(&user, &gstin, sim::DEMO_OTP).await.unwrap();
                held.push(c);
                assert!(held.len() <= 10, "no session limit");
            }
            Err(e) => break e,
        }
    };
    assert_eq!(e.code, "AUTH403", "{e}");
    assert!(e.message.contains("Maximum session"), "{e}");
    // Logging one out frees a place.
    held.pop().unwrap().logout().await.unwrap();
    let c = common::client(&s);
    c.authenticate().await.unwrap();
    c.generate_otp(&user, &gstin).await.unwrap();

    // 422 for a GSTIN that fails Sandbox's pattern: a platform error, not a GSTN one. The
    // client only sends validated GSTINs, so go around it with a raw request.
    let token = c.platform_token().unwrap().0;
    let r = reqwest::Client::new()
        .post(format!("{}{}", s.base_url, gstdash::api::wire::path::OTP))
        .header("x-api-key", sim::DEMO_API_KEY)
        .header("authorization", token.expose())
        .json(&serde_json::json!({"username": user, "gstin": "29AAACQ3770E000"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body = r.bytes().await.unwrap();
    let e = gstdash::api::client::decode::<serde_json::Value>(
        "POST otp",
        status,
        &Default::default(),
        &body,
        gstdash::api::client::Shape::Auth,
    )
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Platform { status: 422 });
    assert_eq!(e.message, "Invalid GSTIN pattern");
    s.shutdown().await;
}

#[tokio::test]
async fn gstr1_and_gstr3b_for_the_export_ledger() {
    let sim = common::start(common::config(100)).await;
    let c = common::logged_in(&sim).await;
    let jul = gstdash::domain::ReturnPeriod::new(2024, 7).unwrap();
    let exp = c.gstr1_section(false, "exp", jul).await.unwrap();
    assert_eq!(exp.exp.len(), 2, "WPAY and WOPAY groups");
    assert!(exp.exp[0].inv.iter().all(|i| !i.itms.is_empty()));
    // No amendments in July: RET11416 arrives as an empty section, not an error.
    let expa = c.gstr1_section(false, "expa", jul).await.unwrap();
    assert!(expa.is_empty());
    let r3b = c.gstr3b_details(jul).await.unwrap().expect("filed");
    assert_eq!(r3b.ret_period, "072024");
    let zero = &r3b.sup_details.osup_zero;
    let igst: gstdash::domain::Money = exp.exp[0].inv.iter().flat_map(|i| &i.itms).map(|i| i.iamt).sum();
    assert_eq!(zero.iamt, igst, "3.1(b) pays July's 6A IGST exactly");
    // The current period's GSTR-3B cannot exist yet.
    let now = gstdash::domain::ReturnPeriod::of_date(chrono::Local::now().date_naive());
    assert_eq!(c.gstr3b_details(now).await.unwrap(), None);
    // An unknown section is a GSTN error naming what is served.
    let e = c.gstr1_section(false, "bogus", jul).await.unwrap_err();
    assert!(e.message.contains("exp, expa"), "{e}");
    sim.shutdown().await;
}
