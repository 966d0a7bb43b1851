//! Offline: the API becomes unreachable (a loopback proxy in front of the simulator stops
//! listening), the engine says so, the app keeps working from the store and decisions keep
//! queuing; when the proxy listens again the engine notices by itself (probing), says it is
//! back, and sends nothing until the user pushes.

mod common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use gstdash::api::{Client, ClientConfig};
use gstdash::domain::{Action, GoodsType, Section};
use gstdash::secret::Secret;
use gstdash::sim;
use gstdash::store::{OutboxState, Store, StoredProfile};
use gstdash::sync::push::PushPolicy;
use gstdash::sync::{Decision, JobKind, SyncCommand, SyncEvent, Target, engine};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};
use tokio::task::JoinHandle;

/// A TCP forwarder on a fixed loopback port that can be switched off (port closed, every
/// open connection cut) and on again.
struct Proxy {
    port: u16,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let p = Proxy {
            port,
            upstream,
            tasks: Arc::default(),
        };
        p.serve(listener);
        p
    }

    fn serve(&self, listener: TcpListener) {
        let (upstream, tasks) = (self.upstream, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let pipe = tokio::spawn(async move {
                    if let Ok(mut out) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                tasks.lock().unwrap().push(pipe);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    fn stop(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }

    async fn resume(&self) {
        let mut tries = 0;
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", self.port)).await {
                Ok(l) => break l,
                Err(e) if tries < 100 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(e) => panic!("port {} not free again: {e}", self.port),
            }
        };
        self.serve(listener);
    }
}

async fn next_matching(rx: &mut UnboundedReceiver<SyncEvent>, mut f: impl FnMut(&SyncEvent) -> bool) -> SyncEvent {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let e = rx.recv().await.expect("engine alive");
            if f(&e) {
                return e;
            }
        }
    })
    .await
    .expect("event arrives")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_queues_keeps_the_cache_comes_back_by_itself_and_sends_only_on_push() {
    let sim = common::start(common::config(200)).await;
    let upstream: SocketAddr = sim.base_url.trim_start_matches("http://").parse().unwrap();
    let proxy = Proxy::start(upstream).await;
    let base_url = format!("http://127.0.0.1:{}", proxy.port);
    let mut cfg = ClientConfig::new(
        &base_url,
        Secret::new(sim::DEMO_API_KEY),
        Some(Secret::new(sim::DEMO_API_SECRET)),
    );
    cfg.retry = common::fast_retry();
    cfg.timeout = Duration::from_secs(5);
    let client = Client::new(cfg).unwrap();
    let (user, gstin) = common::first(&sim);
    client.authenticate().await.unwrap();
    client.generate_otp(&user, &gstin).await.unwrap();
    client.verify_otp(&user, &gstin, sim::DEMO_OTP).await.unwrap();

    let dir = tempfile::tempdir().unwrap();
    let s = Store::open_in(dir.path()).unwrap();
    s.upsert_profile(&StoredProfile {
        name: "p".into(),
        gstin: sim.taxpayers[0].gstin.clone(),
        username: user.clone(),
        base_url: base_url.clone(),
        updated_at: Utc::now(),
    })
    .unwrap();
    let store = Arc::new(Mutex::new(s));
    let (etx, mut rx) = unbounded_channel();
    let (cmd, handle) = engine::spawn_with(client, store.clone(), "p".into(), etx, PushPolicy::fast());

    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let e = next_matching(&mut rx, |e| {
        matches!(e, SyncEvent::RecordsLoaded { from_cache: false, .. })
    })
    .await;
    let SyncEvent::RecordsLoaded { records, .. } = e else {
        unreachable!()
    };
    let rec = records
        .iter()
        .find(|r| r.action == Action::NoAction && r.flags().is_empty())
        .unwrap()
        .clone();
    let decision = Decision {
        section: Section::B2b,
        record: rec,
        target: Target::Set(Action::Rejected),
        remarks: None,
        itc_reduction: None,
    };

    // The API goes away.
    proxy.stop();
    cmd.send(SyncCommand::RefreshCounts {
        goods: GoodsType::Others,
    })
    .unwrap();
    next_matching(&mut rx, |e| matches!(e, SyncEvent::Link { online: false })).await;
    // Decisions keep queuing, and the section is still there from the store.
    cmd.send(SyncCommand::Stage {
        batch: 1,
        decisions: vec![decision.clone()],
    })
    .unwrap();
    next_matching(
        &mut rx,
        |e| matches!(e, SyncEvent::Outbox { staged } if staged.len() == 1),
    )
    .await;
    cmd.send(SyncCommand::PullRecords { section: Section::B2b }).unwrap();
    let e = next_matching(&mut rx, |e| {
        matches!(
            e,
            SyncEvent::RecordsLoaded { .. }
                | SyncEvent::Failed {
                    job: JobKind::Records(_),
                    ..
                }
        )
    })
    .await;
    assert!(
        matches!(&e, SyncEvent::RecordsLoaded { from_cache: true, records: r, .. } if r.len() == records.len()),
        "{e:?}"
    );
    next_matching(&mut rx, |e| {
        matches!(
            e,
            SyncEvent::Failed {
                job: JobKind::Records(_),
                ..
            }
        )
    })
    .await;

    // Back: the engine's probe finds it without any command.
    proxy.resume().await;
    next_matching(&mut rx, |e| matches!(e, SyncEvent::Link { online: true })).await;
    let key = decision.key();
    let gstin = sim.taxpayers[0].gstin.clone();
    let outbox = store.lock().unwrap().outbox("p").unwrap();
    assert_eq!(outbox.len(), 1);
    assert_eq!(
        outbox[0].state,
        OutboxState::Staged,
        "nothing is sent behind the user's back"
    );
    assert_eq!(sim.save_count(&gstin, &key), 0);

    // The user saves: now it goes, once.
    cmd.send(SyncCommand::Push).unwrap();
    next_matching(&mut rx, |e| matches!(e, SyncEvent::PushProgress { applied: 1, .. })).await;
    assert_eq!(sim.save_count(&gstin, &key), 1);
    assert_eq!(sim.record_action(&gstin, &key), Some(Action::Rejected));

    cmd.send(SyncCommand::Shutdown).unwrap();
    handle.await.unwrap();
    proxy.stop();
    sim.shutdown().await;
}
