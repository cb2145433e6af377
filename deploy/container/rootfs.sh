#!/bin/sh
# rootfs.sh BINARY DIR: lays out the cardvault image's whole file system in
# DIR: the static binary, a passwd and group naming the unprivileged user
# (65532) the vault runs as, the CA certificates it verifies providers with,
# and its data directory. The Dockerfile's build stage and the CI test of
# the image both use it, so they build the same image.
set -eu
bin=$1
dir=$2
ca=${CA_CERTIFICATES:-/etc/ssl/certs/ca-certificates.crt}
mkdir -p "$dir/etc/ssl/certs" "$dir/data" "$dir/tmp"
cp "$bin" "$dir/cardvault"
chmod 0755 "$dir/cardvault"
printf 'root:x:0:0:root:/:/sbin/nologin\ncardvault:x:65532:65532:cardvault:/data:/sbin/nologin\n' >"$dir/etc/passwd"
printf 'root:x:0:\ncardvault:x:65532:\n' >"$dir/etc/group"
cp "$ca" "$dir/etc/ssl/certs/ca-certificates.crt"
chmod 0700 "$dir/data"
chmod 1777 "$dir/tmp"
