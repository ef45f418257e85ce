#!/usr/bin/env bash
# The whole test suite: formatting, vet, staticcheck, generated code, the
# tests with the race detector, and every fuzz target for a short while.
# FUZZTIME sets how long each fuzz target runs (default 5s; 0 skips them).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

# Debian packages the tests need, installed when missing.
need_pkgs=()
for p in ${GOWMI_DEBIAN_PACKAGES:-e2fsprogs dosfstools util-linux mount dbus-daemon procps systemd systemd-journal-remote}; do
	dpkg -s "$p" >/dev/null 2>&1 || need_pkgs+=("$p")
done
if ((${#need_pkgs[@]})); then
	step "installing ${need_pkgs[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}"
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "not gofmt-formatted:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
staticcheck=$(go env GOPATH)/bin/staticcheck
if ! [ -x "$staticcheck" ]; then
	go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
fi
"$staticcheck" ./...

step "go test -race"
go test -race -count=1 ./...

fuzztime=${FUZZTIME:-5s}
if [ "$fuzztime" != 0 ]; then
	step "fuzz targets, $fuzztime each"
	grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
		pkg=./$(dirname "${f#./}")
		for target in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do
			echo "-- $pkg $target"
			go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg" >/tmp/gowmi-fuzz.log 2>&1 || { cat /tmp/gowmi-fuzz.log; exit 1; }
			tail -n 1 /tmp/gowmi-fuzz.log
		done
	done
fi
echo
echo "all checks passed"
