#!/bin/sh
# rootfs.sh BINARY DIR: lays out the cardvault image's file system in
# DIR/rootfs: the static binary, a passwd and group naming the unprivileged
# user (65532) the vault runs as, the CA certificates it verifies providers
# with; and DIR/data, the data directory the image copies in owned by that
# user. The Dockerfile's build stage and the CI test of the image both use
# it, so they build the same image.
set -eu
bin=$1
dir=$2
ca=${CA_CERTIFICATES:-/etc/ssl/certs/ca-certificates.crt}
root=$dir/rootfs
mkdir -p "$root/etc/ssl/certs" "$root/tmp" "$dir/data"
cp "$bin" "$root/cardvault"
chmod 0755 "$root/cardvault"
printf 'root:x:0:0:root:/:/sbin/nologin\ncardvault:x:65532:65532:cardvault:/data:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\ncardvault:x:65532:\n' >"$root/etc/group"
cp "$ca" "$root/etc/ssl/certs/ca-certificates.crt"
chmod 1777 "$root/tmp"
