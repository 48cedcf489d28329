# Multi-stage build of a static ingestd binary on a distroless, non-root base.
# (Not built on the development machines: they have no Docker engine.)
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ingestd ./cmd/ingestd \
 && mkdir -p /out/data /out/config

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ingestd /usr/local/bin/ingestd
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/config /config
ENV INGESTD_DATA_DIR=/data \
    INGESTD_BEATS_LISTEN=0.0.0.0:5044 \
    INGESTD_HTTP_LISTEN=0.0.0.0:9600
USER 65532:65532
EXPOSE 5044 9600
VOLUME ["/data", "/config"]
# distroless has no shell or curl: the binary checks its own monitoring API.
HEALTHCHECK --interval=15s --timeout=3s --start-period=5s --retries=3 \
  CMD ["/usr/local/bin/ingestd", "health"]
ENTRYPOINT ["/usr/local/bin/ingestd"]
# Mount a config at /config/ingestd.yml and use: run -c /config/ingestd.yml
CMD ["run"]
