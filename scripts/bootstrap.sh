#!/usr/bin/env bash
# Create or update the test virtual environments of edgeops.cloudflare:
#
#   .venv/core-2.18   ansible-core 2.18.x (the lowest version meta/runtime.yml declares)
#   .venv/core-2.19   ansible-core 2.19.x
#
# Each venv is installed from its pinned tests/requirements-<version>.txt. A stamp
# file (sha256 of the requirements file, this script's layout version and the
# Python version) is written after a successful install; a venv whose stamp still
# matches is left alone, so a second run takes well under a second.
#
# Usage: scripts/bootstrap.sh [VERSION ...]     (default: 2.18 2.19)
# Environment: PYTHON=/path/to/python3.11 overrides the interpreter (default: python3.11, else python3).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV_ROOT="${ROOT}/.venv"
LAYOUT_VERSION=1
ALL_VERSIONS=(2.18 2.19)

log() {
    printf 'bootstrap: %s\n' "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

find_python() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3; do
        [[ -n "${candidate}" ]] || continue
        if command -v "${candidate}" >/dev/null 2>&1 \
            && "${candidate}" -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; then
            command -v "${candidate}"
            return 0
        fi
    done
    die "no Python >= 3.11 with the venv module found (tried \$PYTHON, python3.11, python3)"
}

requirements_file() {
    printf '%s/tests/requirements-%s.txt' "${ROOT}" "$1"
}

# The stamp covers everything that decides what the venv contains.
compute_stamp() {
    local python="$1" requirements="$2"
    {
        printf 'layout=%s\n' "${LAYOUT_VERSION}"
        "${python}" -c 'import sys; print("python=" + sys.version.split()[0])'
        sha256sum <"${requirements}"
    } | sha256sum | cut -d' ' -f1
}

install_venv() {
    local python="$1" venv="$2" requirements="$3"
    local logfile="${venv}.install.log"

    rm -rf "${venv}"
    "${python}" -m venv "${venv}"
    if ! "${venv}/bin/python" -m pip install --disable-pip-version-check \
        -r "${requirements}" >"${logfile}" 2>&1; then
        tail -n 40 "${logfile}" >&2
        die "pip install -r ${requirements} failed (full log: ${logfile})"
    fi
    "${venv}/bin/python" -m pip check >>"${logfile}" 2>&1 \
        || die "pip check failed in ${venv} (see ${logfile})"
}

ensure_venv() {
    local python="$1" version="$2"
    local venv="${VENV_ROOT}/core-${version}"
    local requirements stamp_file wanted start version_text
    requirements="$(requirements_file "${version}")"
    stamp_file="${venv}/.requirements.sha256"

    [[ -f "${requirements}" ]] || die "missing ${requirements}"
    wanted="$(compute_stamp "${python}" "${requirements}")"

    if [[ -x "${venv}/bin/python" && -f "${stamp_file}" && "$(cat "${stamp_file}")" == "${wanted}" ]]; then
        log "${venv#"${ROOT}"/} is up to date"
        return 0
    fi

    start="${SECONDS}"
    log "installing ${venv#"${ROOT}"/} from ${requirements#"${ROOT}"/} ..."
    install_venv "${python}" "${venv}" "${requirements}"
    # A venv whose ansible does not start gets no stamp. The whole output first: head closing
    # the pipe early makes ansible print a BrokenPipeError.
    version_text="$("${venv}/bin/ansible" --version)" || die "${venv#"${ROOT}"/}: ansible --version failed"
    printf '%s\n' "${wanted}" >"${stamp_file}"
    log "${venv#"${ROOT}"/} ready (${version_text%%$'\n'*}) in $((SECONDS - start))s"
}

main() {
    local python version
    local -a versions=("$@")
    [[ ${#versions[@]} -gt 0 ]] || versions=("${ALL_VERSIONS[@]}")

    python="$(find_python)"
    mkdir -p "${VENV_ROOT}"

    # Serialise concurrent bootstraps of the same checkout.
    exec 9>"${VENV_ROOT}/.bootstrap.lock"
    if command -v flock >/dev/null 2>&1; then
        flock 9
    fi

    for version in "${versions[@]}"; do
        case "${version}" in
            2.18 | 2.19) ensure_venv "${python}" "${version}" ;;
            *) die "unknown ansible-core version '${version}' (known: ${ALL_VERSIONS[*]})" ;;
        esac
    done
}

main "$@"
