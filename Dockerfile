# inboxd container image: a static binary on a minimal, non-root base.
#
#   docker build --build-arg VERSION=v1.0.0 -t inboxd .
#   docker run -d --name inboxd -p 8080:8080 -v inboxd-data:/data \
#     -e INBOXD_ADMIN_TOKEN="$(openssl rand -hex 32)" inboxd
#
# The default config (docker/config.yaml) listens on 0.0.0.0:8080 and keeps
# the data file in /data. Mount your own at /etc/inboxd/config.yaml to
# connect accounts, and pass the environment variables it names.

FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=""
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/inboxd ./cmd/inboxd \
	&& mkdir -p /out/data

# distroless/static: CA certificates and /etc/passwd with the nonroot user
# (65532), nothing else. Time zones are compiled into the binary.
FROM gcr.io/distroless/static-debian12:nonroot
ENV PATH=/usr/local/bin:/usr/bin:/bin
COPY --from=build /out/inboxd /usr/local/bin/inboxd
COPY docker/config.yaml /etc/inboxd/config.yaml
# The volume's mount point must exist and belong to the runtime user, or a
# fresh named volume would be root's and unwritable.
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["inboxd", "serve", "--config", "/etc/inboxd/config.yaml"]
