# jenga-sandbox as a fixture service:
#   docker build -t jenga-sandbox .
#   docker run --rm -p 127.0.0.1:8080:8080 -e JENGA_SANDBOX_ADMIN_TOKEN=T jenga-sandbox
# Only the two official bases are pulled; no `# syntax=` line, which would pull a frontend image.

FROM rust:1.95-bookworm AS build
WORKDIR /src
# Cargo.toml's release profile (fat LTO, one codegen unit) buys about 10% CPU per signed request
# and costs minutes of single-threaded linking: its last step alone took 7.5 of a 20-minute image
# build on 2 busy cores. A fixture service in CI wants the image soon more than that 10%, so the
# image builds with per-crate optimisation only and parallel codegen.
ENV CARGO_PROFILE_RELEASE_LTO=false \
    CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
COPY . .
# Optional: a name for the sources (CI passes the commit), so that a layer cache can never hand back a
# binary built from other sources.
ARG SOURCE_ID=unknown
# The registry and target/ are cache mounts: a rebuild after a source edit compiles only this crate.
# The binary is copied out of the mount in the same step, as the mount is not part of the layer.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked \
    && install -D -m 0755 target/release/jenga-sandbox /out/jenga-sandbox

FROM debian:bookworm-slim
# No ca-certificates: callbacks go over plain HTTP (reqwest is built without TLS), and the fixtures,
# scenarios and test keys are embedded in the binary, so the binary is the only file added.
RUN useradd --system --uid 10001 --user-group --home-dir /srv/jenga-sandbox --create-home \
        --shell /usr/sbin/nologin jenga
COPY --from=build /out/jenga-sandbox /usr/local/bin/jenga-sandbox
USER jenga
# The working directory is where `./scenarios` is looked for and where a relative --state file goes:
# mount scenario files at /srv/jenga-sandbox/scenarios.
WORKDIR /srv/jenga-sandbox
# Defaults, each overridable with `docker run -e`. Off loopback the admin API needs a token: set
# JENGA_SANDBOX_ADMIN_TOKEN, or read the generated one from the banner (`docker logs`).
ENV JENGA_SANDBOX_BIND=0.0.0.0:8080 \
    JENGA_SANDBOX_SIGNATURE_MODE=strict \
    JENGA_SANDBOX_LOG_FORMAT=pretty
EXPOSE 8080
# The image holds no curl: the binary probes itself. `health` reads JENGA_SANDBOX_BIND like `serve`
# does, so the probe follows a changed port, and it needs no shell. Every 3 s: docker (and a
# GitHub service container) reports healthy only after the first probe, so a short interval is a
# faster start for a CI job; a probe costs a process start.
HEALTHCHECK --interval=3s --timeout=3s --retries=3 CMD ["jenga-sandbox", "health"]
# The server is PID 1 and handles SIGTERM and SIGINT itself: queued callbacks are delivered, then it
# exits 0, within `docker stop`'s 10 s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["jenga-sandbox"]
CMD ["serve"]
