# cardvault container image: a static binary on an empty base ("FROM
# scratch") with CA certificates and a passwd entry, running as an
# unprivileged user. Only the build stage comes from a registry.
#
#   docker build --build-arg VERSION=$(git describe --always --dirty) -t cardvault .
#   podman build --build-arg VERSION=... -t cardvault .
#
# Where no registry is reachable, build the binary outside and use
# deploy/container/Containerfile.prebuilt (see docs/deploy.md).

ARG GO_IMAGE=docker.io/library/golang:1.26-bookworm

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/cardvault ./cmd/cardvault \
 && sh deploy/container/rootfs.sh /out/cardvault /out/image

FROM scratch
COPY --from=build /out/image/rootfs/ /
COPY --from=build --chown=65532:65532 /out/image/data /data
USER 65532:65532
ENV CARDVAULT_LISTEN=0.0.0.0:8080 \
    CARDVAULT_DATA_DIR=/data \
    CARDVAULT_DRAIN_DELAY=5s \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
EXPOSE 8080
VOLUME ["/data"]
ENTRYPOINT ["/cardvault"]
CMD ["serve"]
