#!/usr/bin/env bash
# Builds the Debian bookworm rootfs that every stand-in image starts from, as a tarball for
# `docker import`. Trimmed like the official debian:*-slim (no docs, man pages, locales, apt lists
# or caches). Usage: rootfs.sh WORK_DIR OUT_TAR [SUITE]. Any change here rebuilds all images.
set -euo pipefail
dir=$1 out=$2 suite=${3:-bookworm}
mirror=http://deb.debian.org/debian
rm -rf "$dir"
debootstrap --variant=minbase --include=ca-certificates "$suite" "$dir" "$mirror"

# What official slim images exclude from every later package install.
cat >"$dir/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'CFG'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
Acquire::GzipIndexes "true";
Acquire::Languages "none";
CFG
echo 'APT::Install-Recommends "false"; APT::Install-Suggests "false";' >"$dir/etc/apt/apt.conf.d/docker-no-recommends"
rm -f "$dir/etc/apt/sources.list"
cat >"$dir/etc/apt/sources.list.d/debian.sources" <<CFG
Types: deb
URIs: $mirror
Suites: $suite $suite-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: $suite-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
CFG

# Container runtime files come from the engine.
: >"$dir/etc/hostname"
: >"$dir/etc/resolv.conf"
: >"$dir/etc/machine-id"
rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* \
  "$dir"/var/log/* "$dir"/tmp/* "$dir"/var/cache/debconf/*-old "$dir"/var/lib/dpkg/*-old
find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/lintian/*
find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

tar --numeric-owner --xattrs -C "$dir" -cf "$out" .
rm -rf "$dir"
