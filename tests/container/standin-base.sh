#!/usr/bin/env bash
# Builds the stand-in for the Dockerfile's python:*-slim base where no image registry is reachable
# (docs/container.md): Debian bookworm (debootstrap minbase) with python3, python3-venv, python3-pip and a
# `python` link, the host's CA bundle (the package index is reached through it) and, optionally, pip
# constraints. Built once per content (script, CA bundle, constraints) and kept in podman's storage.
# Prints the image reference. Needs root, debootstrap and podman.
#   CA_BUNDLE       the CA bundle pip uses here (default /etc/ssl/certs/ca-certificates.crt)
#   PIP_CONSTRAINTS lines for the base's pip constraint file, e.g. torch==2.13.0+cpu (default: none)
#   DEBIAN_MIRROR   default http://deb.debian.org/debian
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export CONTAINERS_CONF=${CONTAINERS_CONF:-$here/containers.conf}
ca_bundle=${CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
constraints=${PIP_CONSTRAINTS:-}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

key=$({ cat "$0" "$ca_bundle"; printf '%s\n' "$constraints" "$mirror"; } | sha256sum | cut -c1-12)
image=localhost/newsbrief-standin:$key
if podman image exists "$image"; then
    echo "$image"
    exit 0
fi

root=$(mktemp -d "${TMPDIR:-/var/tmp}/newsbrief-standin.XXXXXX")
trap 'rm -rf --one-file-system "$root"' EXIT
debootstrap --variant=minbase --include=python3,python3-venv,python3-pip,python-is-python3 \
    bookworm "$root" "$mirror" >&2
cp "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
printf '%s\n' "$constraints" > "$root/etc/pip-constraints.txt"
printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\nconstraint = /etc/pip-constraints.txt\n' \
    > "$root/etc/pip.conf"
# what Debian's slim images leave out too
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
tar -C "$root" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
    --change 'CMD ["python3"]' \
    - "$image" >&2
echo "$image"
