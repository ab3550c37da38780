//! `Application::build` connects, migrates and binds the listener first (so tests can use port 0
//! and read the real address); `run_until_stopped` serves until SIGTERM or Ctrl-C, then lets open
//! requests finish within the grace period.
use std::net::SocketAddr;
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use sea_orm::DatabaseConnection;
use tokio::net::TcpListener;

use crate::config::ServeConfig;
use crate::connection::FirstBytesDeadline;
use crate::graphql::{ApiContext, build_schema};
use crate::http::{AppState, PersistedQueries, ResponseCache, metrics_router, router};
use std::sync::Arc;

use crate::disclosure::DisplayPolicy;
use crate::events::{Events, PublicChange};
use crate::metrics::Metrics;
use crate::read_pools::ReadPools;
use crate::statistics::Disclosure;
use crate::{db, demo, keys};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] sea_orm::DbErr),
    #[error("{0}")]
    Keys(#[from] keys::KeyLoadError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Serve(std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
}

pub struct Application {
    listener: TcpListener,
    /// The internal address of `/metrics`, when configured.
    metrics_listener: Option<TcpListener>,
    state: AppState,
    grace: Duration,
}

impl Application {
    pub async fn build(cfg: ServeConfig) -> Result<Self, StartupError> {
        let metrics = Metrics::new();
        let db = db::connect(cfg.database.url(), &metrics).await?;
        db::migrate(&db).await?;
        let keys = keys::load_for(&db, &cfg.keys, cfg.database.is_embedded_default()).await?;
        keys::verify(&db, &keys).await?;
        if cfg.database.is_embedded_default() {
            // The embedded default fills itself with synthetic demo data, so a newcomer sees numbers.
            let k1 = keys.k1.as_ref().ok_or(keys::KeyLoadError::Missing("K1"))?;
            let written = demo::seed(&db, k1, &demo::DemoParams::default()).await?;
            if written > 0 {
                tracing::info!(
                    cells = written,
                    "filled the embedded database with the SYNTHETIC demo data set"
                );
            }
        }
        Self::with_database(cfg, db, metrics, keys).await
    }

    /// Builds on an existing connection (tests prepare the database themselves). Serving needs
    /// K2 only: K1 may live elsewhere, where counts are written.
    pub async fn with_database(
        cfg: ServeConfig,
        db: DatabaseConnection,
        metrics: Metrics,
        keys: keys::KeySet,
    ) -> Result<Self, StartupError> {
        // Keys other than those the stored counts were made with would change every value.
        keys::verify(&db, &keys).await?;
        let k2 = keys.k2.clone().ok_or(keys::KeyLoadError::Missing("K2"))?;
        metrics.set_operation_name_limit(cfg.metrics_max_operation_names);
        let policy = DisplayPolicy::new(cfg.disclosure_threshold)
            .map_err(|e| StartupError::Config(e.to_string()))?;
        let disclosure = Arc::new(Disclosure { k2, policy });
        let redis = cfg
            .redis_url
            .as_deref()
            .and_then(crate::redis_link::RedisLink::open);
        let reads = ReadPools::connect(db.clone(), &cfg.replicas, &metrics).await?;
        // On PostgreSQL every process hears of every public change at once (crate::events): the
        // data version is then looked up again only when told so, or by the poll that stands in
        // while the notification connection is lost.
        let notified = db.get_database_backend() == sea_orm::DbBackend::Postgres;
        let ttl = Duration::from_secs(cfg.cache.response_cache_ttl_seconds);
        let release_check = Duration::from_millis(cfg.cache.release_check_ms);
        let reference = Arc::new(crate::reference::Reference::new(if notified {
            ttl
        } else {
            release_check
        }));
        let cache = ResponseCache::new(
            cfg.cache.response_cache_bytes,
            ttl,
            reference.clone(),
            redis
                .clone()
                .map(|r| (r, cfg.cache.response_cache_prefix.clone())),
        );
        // A change empties the response cache and with it the reference data's version (or
        // only the latter, without a response cache).
        let changed = {
            let (cache, reference) = (cache.clone(), reference.clone());
            PublicChange::new(move || match &cache {
                Some(cache) => cache.data_changed(),
                None => reference.invalidate(),
            })
        };
        let events = Events::new(changed, reads.clone());
        events.start_from_current().await?;
        events.listen(&db, release_check).await;
        // Reads that move to another database may find another data version there.
        let moved = events.clone();
        reads.spawn_checks(
            Duration::from_millis(cfg.replicas.replica_check_ms),
            move || moved.public_changed(),
        );
        let api = ApiContext {
            db,
            reads,
            max_page_size: cfg.max_page_size,
            disclosure,
            k1: keys.k1.map(Arc::new),
            events,
            loader_delay: Duration::from_micros(cfg.dataloader_delay_us),
            max_cell_count: cfg.max_cell_count,
            reference,
        };
        let trusted = cfg
            .trusted_documents
            .as_deref()
            .map(crate::http::load_trusted)
            .transpose()
            .map_err(StartupError::Config)?;
        let persisted = PersistedQueries::new(
            cfg.apq_cache_entries,
            trusted,
            cfg.limits.max_document_bytes,
        )
        .with_documents(crate::http::dashboard_documents());
        let schema = build_schema(
            api.clone(),
            cfg.limits.max_complexity,
            crate::http::recursive_depth(&cfg.limits),
        );
        let listener =
            TcpListener::bind(cfg.listen)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: cfg.listen,
                    source,
                })?;
        let metrics_listener = match cfg.metrics_listen {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartupError::Bind { addr, source })?,
            ),
            None => None,
        };
        Ok(Self {
            listener,
            metrics_listener,
            state: AppState {
                schema,
                api,
                metrics,
                limits: Arc::new(cfg.limits.clone()),
                http: Arc::new(cfg.http.clone()),
                persisted,
                cache,
                ratelimit: crate::ratelimit::RateLimiter::new(&cfg.rate_limit, redis),
            },
            grace: Duration::from_secs(cfg.shutdown_grace_seconds),
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served, when it is.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until SIGTERM or Ctrl-C, then stops accepting and lets open requests finish within
    /// the grace period. Connections are served by hyper directly rather than `axum::serve`, for
    /// the one setting it lacks: a client must send its request head within the header read
    /// timeout (a slowloris client is cut off; the body has its own timeout in the handler), and
    /// a client that sends nothing at all is cut off after the same time.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let addr = self.local_addr().map_err(StartupError::Serve)?;
        tracing::info!(%addr, "ctip-api listening: GraphiQL at http://{addr}/graphql");
        let grace = self.grace;
        let header_timeout = Duration::from_millis(self.state.limits.header_read_timeout_ms);
        if let Some(listener) = self.metrics_listener {
            let metrics = metrics_router(self.state.metrics.clone());
            if let Ok(maddr) = listener.local_addr() {
                tracing::info!(addr = %maddr, "metrics at http://{maddr}/metrics");
            }
            tokio::spawn(async move {
                if let Err(e) = axum::serve(listener, metrics).await {
                    tracing::warn!(error = %e, "the metrics listener stopped");
                }
            });
        }
        let app = router(self.state);
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(header_timeout);
        let graceful = GracefulShutdown::new();
        let shutdown = shutdown_signal();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(accepted) => accepted,
                        Err(e) => {
                            // Out of file descriptors and the like: pause rather than spin.
                            tracing::warn!(error = %e, "cannot accept a connection");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            continue;
                        }
                    };
                    // Handlers learn the peer through a header only this layer sets.
                    let service = TowerToHyperService::new(app.clone().layer(
                        tower_http::set_header::SetRequestHeaderLayer::overriding(
                            axum::http::HeaderName::from_static(crate::http::PEER_HEADER),
                            axum::http::HeaderValue::from_str(&peer.ip().to_string())
                                .unwrap_or(axum::http::HeaderValue::from_static("unknown")),
                        ),
                    ));
                    let conn = builder
                        .serve_connection_with_upgrades(
                            TokioIo::new(FirstBytesDeadline::new(stream, header_timeout)),
                            service,
                        )
                        .into_owned();
                    let conn = graceful.watch(conn);
                    tokio::spawn(async move {
                        if let Err(e) = conn.await {
                            tracing::debug!(error = %e, "connection closed with an error");
                        }
                    });
                }
                _ = &mut shutdown => break,
            }
        }
        drop(self.listener);
        tracing::info!(
            grace_seconds = grace.as_secs(),
            "shutting down: finishing open requests"
        );
        // A stuck request must not hold the process forever.
        if tokio::time::timeout(grace, graceful.shutdown())
            .await
            .is_err()
        {
            tracing::warn!("grace period over: exiting with requests still open");
        }
        Ok(())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
