# syntax=docker/dockerfile:1
# ctip-api: a multi-stage build. The first stage compiles the release binary (the dashboard in
# web/dist/ is embedded into it); the second holds that binary alone on a slim Debian, run as an
# unprivileged user. TLS is rustls (no OpenSSL); the image needs no package beyond the base.
#
#   docker build -t ctip-api .
#   docker run -p 8080:8080 -e DATABASE_URL=postgres://... -e CTIP_K2=... ctip-api
#
# Probes: GET /health (liveness: the process answers) and GET /ready (readiness: the database
# answers with every migration applied, and a read replica within its lag bound when configured).
# Prometheus metrics on CTIP_METRICS_LISTEN (9464 here), for the cluster's monitoring only.

FROM rust:1.89-bookworm AS build
WORKDIR /src
COPY . .
# BuildKit caches the registry and the target folder between builds.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin ctip-api \
    && cp target/release/ctip-api /ctip-api \
    && strip /ctip-api

FROM debian:bookworm-slim
RUN groupadd --system --gid 10001 ctip \
    && useradd --system --uid 10001 --gid ctip --home-dir /var/lib/ctip --create-home ctip
COPY --from=build /ctip-api /usr/local/bin/ctip-api
USER 10001:10001
WORKDIR /var/lib/ctip
ENV CTIP_LISTEN=0.0.0.0:8080 \
    CTIP_METRICS_LISTEN=0.0.0.0:9464 \
    CTIP_LOG_FORMAT=json \
    CTIP_KEYS_FILE=/run/secrets/ctip-keys.env
EXPOSE 8080 9464
# The image has no curl: bash's /dev/tcp asks /ready.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /ready HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/ctip-api"]
CMD ["serve"]
