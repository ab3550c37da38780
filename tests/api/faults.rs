//! The database going away mid-service: clear coded errors while it is gone, recovery when it
//! returns. PostgreSQL only (reached through a TCP proxy the test can cut); on SQLite the
//! database is a file inside the process and cannot go away.
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use ctip_api::config::ServeConfig;
use ctip_api::metrics::Metrics;
use ctip_api::startup::Application;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::helpers::TestApp;

/// A TCP proxy to PostgreSQL that can be cut (every connection dropped, new ones refused).
struct Proxy {
    addr: std::net::SocketAddr,
    up: Arc<AtomicBool>,
    conns: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let conns: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::default();
        let (up2, conns2) = (up.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the database is "gone"
                }
                let target = target.clone();
                let handle = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                conns2.lock().await.push(handle);
            }
        });
        Proxy { addr, up, conns }
    }

    async fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for h in self.conns.lock().await.drain(..) {
            h.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
#[ignore = "needs PostgreSQL: set CTIP_TEST_DATABASE_URL=postgres://… and run with --include-ignored (.ci/run does)"]
async fn while_the_database_is_gone_requests_get_a_coded_error_and_service_recovers_when_it_returns()
 {
    let base = std::env::var("CTIP_TEST_DATABASE_URL")
        .expect("CTIP_TEST_DATABASE_URL names the PostgreSQL this test cuts off");
    assert!(
        base.starts_with("postgres"),
        "this test proxies a PostgreSQL server: CTIP_TEST_DATABASE_URL is {base}"
    );
    let seeded = TestApp::spawn().await;
    let target = "127.0.0.1:5432".to_owned();
    assert!(
        seeded.database_url.contains(&target),
        "the test proxies PostgreSQL at {target}"
    );
    let proxy = Proxy::start(target.clone()).await;
    let url = seeded
        .database_url
        .replace(&target, &proxy.addr.to_string());
    let metrics = Metrics::new();
    let db = ctip_api::db::connect(&url, &metrics).await.unwrap();
    let mut cfg = ServeConfig::for_database(&url);
    cfg.keys.keys_file = std::path::PathBuf::from("/nonexistent/ctip-test-keys.env");
    cfg.keys.k2 = Some(crate::helpers::test_keys().k2.to_hex().into());
    // Every request must reach the database: no answers from the response cache.
    cfg.cache.response_cache_bytes = 0;
    let keys = ctip_api::keys::load(&cfg.keys, false).unwrap();
    let app = Application::with_database(cfg, db, metrics, keys)
        .await
        .unwrap();
    let addr = app.local_addr().unwrap();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let ask = || async {
        client
            .post(format!("http://{addr}/graphql"))
            .json(&serde_json::json!({ "query": "{ region(code: \"VN\") { code } caseStatistics(metric: CASES_DETECTED) { total { display } } }" }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap()
    };
    let ready = || async {
        client
            .get(format!("http://{addr}/ready"))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    assert_eq!(ask().await["data"]["region"]["code"], "VN");
    proxy.cut().await;
    let started = std::time::Instant::now();
    let down = ask().await;
    assert!(
        started.elapsed() < std::time::Duration::from_secs(15),
        "an answer in bounded time"
    );
    assert_eq!(
        down["errors"][0]["extensions"]["code"], "INTERNAL",
        "{down}"
    );
    let text = down.to_string().to_lowercase();
    for leak in ["select", "sqlx", "connection", "5432", "postgres"] {
        assert!(
            !text.contains(leak),
            "no internal detail ({leak}) in {down}"
        );
    }
    assert_eq!(ready().await, 503);
    proxy.restore();
    let mut recovered = false;
    for _ in 0..50 {
        if ask().await["data"]["region"]["code"] == "VN" {
            recovered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(recovered, "service resumes when the database returns");
    assert_eq!(ready().await, 200);
}
