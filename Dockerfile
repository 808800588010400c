# syntax=docker/dockerfile:1
#
# zoho2sheets as a small, non-root container image.
#
# Build (VERSION ends up in `zoho2sheets version`):
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t zoho2sheets .
#
# Run the daemon on the mapping's schedule, with /metrics and /healthz on 9090:
#   docker run -d --name zoho2sheets -p 9090:9090 \
#     -e ZOHO_CLIENT_ID -e ZOHO_CLIENT_SECRET -e ZOHO_REFRESH_TOKEN -e ZOHO_DC \
#     -e SPREADSHEET_ID -e GOOGLE_CREDENTIALS_JSON -e ZOHO2SHEETS_WEBHOOK \
#     zoho2sheets
#
# The image bakes in the repository's mapping.yaml at /etc/zoho2sheets/mapping.yaml.
# To use your own without rebuilding, mount it over that path:
#   -v "$PWD/mapping.yaml:/etc/zoho2sheets/mapping.yaml:ro"
# A key file instead of GOOGLE_CREDENTIALS_JSON:
#   -v "$PWD/key.json:/run/secrets/google.json:ro" -e GOOGLE_APPLICATION_CREDENTIALS=/run/secrets/google.json
#
# Run once and exit (e.g. from a host cron or a Kubernetes CronJob):
#   docker run --rm --env-file zoho2sheets.env zoho2sheets --config /etc/zoho2sheets/mapping.yaml --once
#
# Secrets are passed at run time only: no ARG or ENV here holds one, and
# .dockerignore keeps key files and .env out of the build context.

# The Go version must equal go.mod's `go` directive (ops/dockerfile_test.go checks it).
# The builder runs on the build machine's platform and cross-compiles for the target one
# (docker buildx build --platform linux/amd64,linux/arm64): no emulation, and the same binary
# either way since it is static.
FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build

WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly

# Modules first, in their own layer: it is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG VERSION=dev
# Set by BuildKit for each --platform; empty with the classic builder, where go builds for
# the build machine.
ARG TARGETOS TARGETARCH
RUN --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/zoho2sheets .

# static-debian12 has CA certificates and tzdata (CRON_TZ schedules) and no
# shell; :nonroot runs as uid 65532.
FROM gcr.io/distroless/static-debian12:nonroot

COPY --from=build /out/zoho2sheets /zoho2sheets
COPY mapping.yaml /etc/zoho2sheets/mapping.yaml

# The home of the nonroot user: writable, for anything the binary caches.
WORKDIR /home/nonroot
USER 65532:65532

# --metrics-addr :9090 (in CMD below) serves /metrics and /healthz here.
EXPOSE 9090

ENTRYPOINT ["/zoho2sheets"]
# The daemon by default; pass other flags (e.g. --config … --once) to replace these.
CMD ["--config", "/etc/zoho2sheets/mapping.yaml", "--metrics-addr", ":9090"]
