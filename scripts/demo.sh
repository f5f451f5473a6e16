#!/usr/bin/env bash
# The README's first command: see edgeops.cloudflare work, offline, in about a minute.
#
#   1. installs ansible-core 2.19 and the test tools into .venv/core-2.19 (once; scripts/bootstrap.sh)
#   2. starts the bundled Cloudflare API emulator on a free 127.0.0.1 port
#   3. runs examples/demo.yml against it twice: the first run reports "changed",
#      the second "ok" with nothing changed (the script fails if it does not)
#   4. stops the emulator (also on Ctrl-C or failure)
#
# Usage: scripts/demo.sh [extra ansible-playbook arguments, e.g. --diff or -v]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION=2.19
VENV="${ROOT}/.venv/core-${VERSION}"
PLAYBOOK="${ROOT}/examples/demo.yml"
EMULATOR="${ROOT}/extras/emulator/cloudflare_emulator.py"
COLLECTIONS="${ROOT}/.build/collections"
EMULATOR_PID=""
EMULATOR_URL=""
WORKDIR=""

die() {
    printf 'demo: ERROR: %s\n' "$*" >&2
    exit 1
}

say() {
    printf '\n==> %s\n' "$*"
}

check_inputs() {
    [[ -f "${PLAYBOOK}" ]] || die "the demo playbook examples/demo.yml is missing from this checkout"
    [[ -f "${EMULATOR}" ]] || die "the emulator extras/emulator/cloudflare_emulator.py is missing from this checkout"
}

# .build/collections/ansible_collections/edgeops/cloudflare -> this checkout (as tests/conftest.py does).
link_collection() {
    local link="${COLLECTIONS}/ansible_collections/edgeops/cloudflare"
    mkdir -p "$(dirname "${link}")"
    if [[ "$(readlink "${link}" 2>/dev/null || true)" != "${ROOT}" ]]; then
        rm -rf "${link}"
        ln -s "${ROOT}" "${link}"
    fi
}

stop_emulator() {
    if [[ -n "${EMULATOR_PID}" ]] && kill -0 "${EMULATOR_PID}" 2>/dev/null; then
        kill "${EMULATOR_PID}" 2>/dev/null || true
        wait "${EMULATOR_PID}" 2>/dev/null || true
        echo "demo: emulator stopped"
    fi
    EMULATOR_PID=""
    if [[ -n "${WORKDIR}" ]]; then
        rm -rf "${WORKDIR}"
    fi
}

# Start the emulator; its first stdout line is its base URL (-> EMULATOR_URL).
start_emulator() {
    local deadline=$((SECONDS + 30)) url=""
    "${VENV}/bin/python" "${EMULATOR}" --host 127.0.0.1 --port 0 \
        >"${WORKDIR}/emulator.out" 2>"${WORKDIR}/emulator.err" &
    EMULATOR_PID=$!
    while [[ -z "${url}" ]]; do
        if ! kill -0 "${EMULATOR_PID}" 2>/dev/null; then
            cat "${WORKDIR}/emulator.err" >&2
            die "the emulator exited before printing its URL"
        fi
        if [[ ${SECONDS} -ge ${deadline} ]]; then
            cat "${WORKDIR}/emulator.err" >&2
            die "the emulator printed no URL within 30s"
        fi
        sleep 0.1
        if [[ "$(wc -l <"${WORKDIR}/emulator.out")" -ge 1 ]]; then
            url="$(head -n 1 "${WORKDIR}/emulator.out")"
        fi
    done
    [[ "${url}" == http://127.0.0.1:* ]] || die "unexpected first line from the emulator: ${url}"
    EMULATOR_URL="${url}"
}

# run_playbook LOGFILE ARGS...: run the demo playbook, showing and keeping its output.
run_playbook() {
    local log="$1"
    shift
    (cd "${ROOT}" && ansible-playbook "${PLAYBOOK}" "$@") 2>&1 | tee "${log}" \
        || die "ansible-playbook ${PLAYBOOK#"${ROOT}"/} failed"
}

# The sum of changed=N over the PLAY RECAP lines of a run.
changed_count() {
    sed -n 's/.*[[:space:]]changed=\([0-9][0-9]*\).*/\1/p' "$1" | awk '{ sum += $1 } END { print sum + 0 }'
}

main() {
    local first second
    check_inputs

    say "bootstrap (.venv/core-${VERSION})"
    "${ROOT}/scripts/bootstrap.sh" "${VERSION}"
    link_collection

    WORKDIR="$(mktemp -d "${TMPDIR:-/tmp}/edgeops-demo.XXXXXX")"
    trap stop_emulator EXIT
    trap 'exit 130' INT TERM

    say "starting the Cloudflare API emulator"
    start_emulator
    echo "demo: emulator at ${EMULATOR_URL} (pid ${EMULATOR_PID})"

    export PATH="${VENV}/bin:${PATH}"
    export ANSIBLE_COLLECTIONS_PATH="${COLLECTIONS}"
    export CLOUDFLARE_API_BASE_URL="${EMULATOR_URL}"
    export CLOUDFLARE_API_TOKEN=test-token
    export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
    unset ANSIBLE_CONFIG

    say "first run: creates the mappings (expect changed)"
    run_playbook "${WORKDIR}/run1.log" "$@"
    say "second run: nothing to do (expect ok, changed=0)"
    run_playbook "${WORKDIR}/run2.log" "$@"
    first="$(changed_count "${WORKDIR}/run1.log")"
    second="$(changed_count "${WORKDIR}/run2.log")"

    echo
    echo "demo: first run changed=${first}, second run changed=${second}"
    [[ "${first}" -gt 0 ]] || die "the first run changed nothing"
    [[ "${second}" -eq 0 ]] || die "the second run was not idempotent"
    echo "demo: OK"
}

main "$@"
