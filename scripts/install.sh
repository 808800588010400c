#!/bin/sh
# install.sh: download a released zoho2sheets binary for this machine and
# verify it against the release's checksums file. The GitHub Action
# (action.yml) runs it; it works by hand too:
#
#   ZOHO2SHEETS_VERSION=v1.2.3 sh scripts/install.sh     # prints the binary's path
#
# Environment (all optional):
#   ZOHO2SHEETS_VERSION       which release: v1.2.3 (or 1.2.3) exactly; v1 or v1.2 for the latest
#                             release, accepted only if it has that major (and minor) version;
#                             "latest" for the latest release. Anything else (a branch, a commit,
#                             empty) has no release: exit 3.
#   ZOHO2SHEETS_RELEASES_URL  where releases live (default: this repository's GitHub releases);
#                             tests point it at a local fake release.
#   ZOHO2SHEETS_INSTALL_DIR   where the binary goes (default: $RUNNER_TEMP/zoho2sheets-bin, else
#                             ./zoho2sheets-bin)
#   RUNNER_OS, RUNNER_ARCH    the platform as GitHub Actions names it; without them, uname.
#
# Exit status: 0 installed (the binary's path is the only line on stdout);
# 3 no release matches this version or platform (the action then builds from
# source); 1 anything else, a checksum mismatch above all: a download that
# does not match the release's checksums is never installed.
#
# POSIX sh: it runs on Linux and macOS runners, and on Windows in Git Bash.
set -eu

releases=${ZOHO2SHEETS_RELEASES_URL:-https://github.com/zoho2sheets/zoho2sheets/releases}
version=${ZOHO2SHEETS_VERSION:-}
dir=${ZOHO2SHEETS_INSTALL_DIR:-${RUNNER_TEMP:-.}/zoho2sheets-bin}
checksums=checksums.txt

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }
norelease() { say "$*"; exit 3; }

# The platform, in Go's names (GOOS, GOARCH), which the release's archive
# names use.
os=${RUNNER_OS:-$(uname -s)}
case $os in
Linux | linux) os=linux ;;
macOS | Darwin | darwin) os=darwin ;;
Windows | windows | MINGW* | MSYS* | CYGWIN*) os=windows ;;
*) norelease "no release for the operating system $os" ;;
esac
arch=${RUNNER_ARCH:-$(uname -m)}
case $arch in
X64 | x86_64 | amd64) arch=amd64 ;;
ARM64 | arm64 | aarch64) arch=arm64 ;;
*) norelease "no release for the architecture $arch" ;;
esac
exe=zoho2sheets
if [ "$os" = windows ]; then exe=zoho2sheets.exe; fi
asset="zoho2sheets_${os}_${arch}.tar.gz"

# Which release to download from, and which version the binary must report
# (want: an exact version, or a prefix ending in "." for vN and vN.M).
case $version in
latest) path=latest/download want= ;;
v[0-9]*.*[0-9].*[0-9]* | [0-9]*.*[0-9].*[0-9]*)
	v=${version#v}
	path=download/v$v want=$v
	;;
v[0-9]*) path=latest/download want=${version#v}. ;;
'') norelease "no version given and no release tag to go by: build from source" ;;
*) norelease "$version is not a release tag (a branch or a commit?): build from source" ;;
esac
case $want in
*[!0-9A-Za-z.-]*) norelease "$version is not a release tag: build from source" ;;
esac

tmp=$(mktemp -d 2>/dev/null || mktemp -d -t zoho2sheets)
trap 'rm -rf "$tmp"' EXIT

# HTTPS only, redirects included, unless the releases URL itself is plain
# HTTP (a local test server).
proto='=https'
case $releases in http://*) proto='=https,http' ;; esac

# fetch URL FILE: 0 fetched, 3 not there (404), 1 any other failure.
fetch() {
	code=$(curl -sS -L --retry 3 --retry-connrefused --proto "$proto" --proto-redir "$proto" -o "$2" -w '%{http_code}' "$1") || {
		say "download of $1 failed"
		return 1
	}
	case $code in
	200) return 0 ;;
	404) return 3 ;;
	*)
		say "download of $1: HTTP $code"
		return 1
		;;
	esac
}

url=$releases/$path
rc=0
fetch "$url/$asset" "$tmp/$asset" || rc=$?
case $rc in
0) ;;
3) norelease "no release asset $url/$asset" ;;
*) exit 1 ;;
esac
rc=0
fetch "$url/$checksums" "$tmp/$checksums" || rc=$?
if [ "$rc" -ne 0 ]; then die "the release has $asset but no readable $checksums: refusing an unverified download"; fi

# The checksums file has lines "<sha256>  <file name>".
expected=$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/$checksums")
if [ -z "$expected" ]; then die "$checksums of $url lists no $asset: refusing an unverified download"; fi
if command -v sha256sum >/dev/null 2>&1; then
	actual=$(sha256sum "$tmp/$asset" | awk '{ print $1 }')
elif command -v shasum >/dev/null 2>&1; then
	actual=$(shasum -a 256 "$tmp/$asset" | awk '{ print $1 }')
else
	die "neither sha256sum nor shasum is installed: cannot verify the download"
fi
if [ "$actual" != "$expected" ]; then
	die "checksum mismatch for $asset from $url: the release's $checksums says sha256 $expected, the download is $actual; not installing it (a corrupted or tampered download)"
fi

mkdir -p "$tmp/x"
tar -xzf "$tmp/$asset" -C "$tmp/x" "$exe" || die "$asset has no $exe in it"
chmod +x "$tmp/x/$exe"

# A major (or minor) ref like v1 takes the latest release only if it is a v1:
# a v2 binary may not take v1's flags.
if [ -n "$want" ] && [ "$want" != "${want%.}" ]; then
	got=$("$tmp/x/$exe" version | awk '{ print $2 }')
	got=${got#v}
	case $got in
	"$want"*) ;;
	*) norelease "the latest release is $got, not a $version release: build from source" ;;
	esac
fi

mkdir -p "$dir"
mv -f "$tmp/x/$exe" "$dir/$exe"
say "installed zoho2sheets ${version} ($os/$arch, sha256 $actual) at $dir/$exe"
printf '%s\n' "$dir/$exe"
