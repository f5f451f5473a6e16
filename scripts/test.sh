#!/usr/bin/env bash
# The test command of edgeops.cloudflare: every quality gate, on every supported ansible-core.
#
#   scripts/test.sh                   all gates on ansible-core 2.18 and 2.19
#   scripts/test.sh --fast            pytest on 2.19 only
#   scripts/test.sh --only sanity     one gate (or a comma list: --only lint,docs)
#   scripts/test.sh --core 2.18       one ansible-core version
#
# Gates, per ansible-core version:
#   pytest     python -m pytest over tests/unit, tests/emulator, tests/integration
#   units      ansible-test units --venv --requirements --python 3.11
#   sanity     ansible-test sanity --python 3.11 (no ignore files allowed)
#   integration  ansible-test integration --venv --requirements --python 3.11 (the targets in
#              tests/integration/targets, each against its own emulator on 127.0.0.1)
#   lint       ansible-lint (plain, in the checkout; .ansible-lint: production profile)
# and once, on 2.19:
#   modulepath the pytest integration suite and the ansible-test targets again with the in-process
#              path switched off (EDGEOPS_CLOUDFLARE_IN_PROCESS=false, edgeops_cloudflare_in_process:
#              false): every task runs its module through AnsiballZ (docs/in-process.md)
#   docs       antsibull-docs lint-collection-docs --plugin-docs ., docsite pages up to date
#              (scripts/docsite_rst.py --check), docsite build (sphinx-init + build, offline)
#   changelog  antsibull-changelog lint, and generate + a release rehearsal in a scratch copy
#
# units, sanity, integration, docs, changelog and the ansible-test half of modulepath run on a
# staged copy of the files git knows (tracked + untracked-not-ignored) in
# .build/ansible_collections/edgeops/cloudflare.
# Ends with a line "gates: N passed, N failed"; exits non-zero when any gate failed.
# pytest runs on PYTEST_WORKERS xdist workers (default 2: most of the time is spent in
# ansible-playbook and emulator processes); extra options go through PYTEST_ADDOPTS (e.g. "-x").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${ROOT}/.build"
STAGE="${BUILD}/ansible_collections/edgeops/cloudflare"
PYTEST_COLLECTIONS="${BUILD}/collections"
GET_PIP_STANDIN="${ROOT}/tests/ansible-test/get_pip_standin.py"
PYTEST_DIRS=(tests/unit tests/emulator tests/integration)
VERSION_GATES=(pytest units sanity integration lint)  # on each ansible-core version, in this order
ONCE_GATES=(modulepath docs changelog)     # on DOCS_VERSION only
ALL_GATES=("${VERSION_GATES[@]}" "${ONCE_GATES[@]}")
ALL_VERSIONS=(2.18 2.19)
DOCS_VERSION=2.19

GATES=("${ALL_GATES[@]}")
VERSIONS=("${ALL_VERSIONS[@]}")
RESULTS=()
PASSED=0
FAILED=0
GATES_RUN=0

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
}

say() {
    printf '\n==> %s\n' "$*"
}

split_csv() {
    local IFS=','
    # shellcheck disable=SC2206  # intended word splitting on commas
    REPLY_LIST=($1)
}

contains() {
    local needle="$1" item
    shift
    for item in "$@"; do
        [[ "${item}" == "${needle}" ]] && return 0
    done
    return 1
}

parse_args() {
    local gate version
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --fast)
                GATES=(pytest)
                VERSIONS=("${DOCS_VERSION}")
                ;;
            --only)
                [[ $# -ge 2 ]] || { echo "--only needs a gate (${ALL_GATES[*]})" >&2; exit 2; }
                split_csv "$2"
                GATES=("${REPLY_LIST[@]}")
                shift
                ;;
            --core)
                [[ $# -ge 2 ]] || { echo "--core needs a version (${ALL_VERSIONS[*]})" >&2; exit 2; }
                split_csv "$2"
                VERSIONS=("${REPLY_LIST[@]}")
                shift
                ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                echo "unknown option: $1 (see --help)" >&2
                exit 2
                ;;
        esac
        shift
    done
    for gate in "${GATES[@]}"; do
        contains "${gate}" "${ALL_GATES[@]}" || { echo "unknown gate '${gate}' (known: ${ALL_GATES[*]})" >&2; exit 2; }
    done
    for version in "${VERSIONS[@]}"; do
        contains "${version}" "${ALL_VERSIONS[@]}" || { echo "unknown version '${version}' (known: ${ALL_VERSIONS[*]})" >&2; exit 2; }
    done
}

# run_gate NAME VERSION COMMAND...: run one gate, record its result and duration.
run_gate() {
    local name="$1" version="$2" start status label
    shift 2
    label="${name}"
    [[ "${version}" == - ]] || label="${name} (ansible-core ${version})"
    say "${label}"
    start="${SECONDS}"
    [[ "${version}" == - ]] || GATES_RUN=$((GATES_RUN + 1))
    if "$@"; then
        status=PASS
        PASSED=$((PASSED + 1))
    else
        status=FAIL
        FAILED=$((FAILED + 1))
    fi
    RESULTS+=("$(printf '  %-4s  %-10s  %-5s  %5ss' "${status}" "${name}" "${version}" "$((SECONDS - start))")")
    echo "--> ${label}: ${status} in $((SECONDS - start))s"
}

venv_dir() {
    printf '%s/.venv/core-%s' "${ROOT}" "$1"
}

# Run a command with one venv's tools first on PATH.
in_venv() {
    local version="$1" venv
    shift
    venv="$(venv_dir "${version}")"
    env PATH="${venv}/bin:${PATH}" VIRTUAL_ENV="${venv}" "$@"
}

# The versions whose venv a selected gate uses.
needed_versions() {
    local version gate
    for version in "${VERSIONS[@]}"; do
        for gate in "${GATES[@]}"; do
            if contains "${gate}" "${VERSION_GATES[@]}" || [[ "${version}" == "${DOCS_VERSION}" ]]; then
                echo "${version}"
                break
            fi
        done
    done
}

bootstrap() {
    local -a versions
    mapfile -t versions < <(needed_versions)
    [[ ${#versions[@]} -eq 0 ]] || "${ROOT}/scripts/bootstrap.sh" "${versions[@]}"
}

# Copy the files git knows into the staging tree; stale files disappear with the old tree.
stage_collection() {
    local fresh="${BUILD}/.stage.$$"
    rm -rf "${BUILD}"/.stage.*  # leftovers of interrupted runs (we hold the lock)
    mkdir -p "${fresh}" "$(dirname "${STAGE}")"
    git -C "${ROOT}" ls-files -z --cached --others --exclude-standard \
        | while IFS= read -r -d '' path; do
            # Tracked files deleted in the work tree are still listed by git.
            if [[ -e "${ROOT}/${path}" || -L "${ROOT}/${path}" ]]; then
                printf '%s\0' "${path}"
            fi
        done \
        | tar -C "${ROOT}" --null --files-from=- -cf - \
        | tar -C "${fresh}" -xf - || return 1
    # Its own (empty) git repository: ansible-test lists a collection's files with
    # git when it finds a .git above the cwd, and the checkout's .gitignore hides .build/.
    git -C "${fresh}" init -q || return 1
    rm -rf "${STAGE}" && mv "${fresh}" "${STAGE}" || return 1
    echo "staged $(find "${STAGE}" -type f | wc -l) files in ${STAGE#"${ROOT}"/}"
}

# ansible-test downloads get-pip from a host we cannot reach; put the stand-in where it looks first.
install_get_pip_standin() {
    local version="$1" pip_version cache
    pip_version="$("$(venv_dir "${version}")/bin/python" -c '
import types
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(types.SimpleNamespace(version="3.11"))["pip"])
')"
    cache="${HOME}/.ansible/test/cache/get_pip_${pip_version//./_}.py"
    mkdir -p "$(dirname "${cache}")"
    if ! cmp -s "${GET_PIP_STANDIN}" "${cache}"; then
        cp "${GET_PIP_STANDIN}" "${cache}"
    fi
    echo "ansible-core ${version}: pip ${pip_version} bootstrap stand-in at ${cache}"
}

# pytest runs from the checkout itself; ansible-playbook finds the collection through
# .build/collections/ansible_collections/edgeops/cloudflare -> checkout, the tree that
# tests/conftest.py and tests/integration/harness.py also use, so a plain
# `python -m pytest` behaves exactly as this gate does.
gate_pytest() {
    local version="$1" dir
    local -a dirs=()
    for dir in "${PYTEST_DIRS[@]}"; do
        [[ -d "${ROOT}/${dir}" ]] && dirs+=("${dir}")
    done
    if [[ ${#dirs[@]} -eq 0 ]]; then
        echo "no test directories (${PYTEST_DIRS[*]}) found"
        return 1
    fi
    run_pytest "${version}" "${dirs[@]}"
}

# run_pytest VERSION ARGS...: pytest in the checkout, as the pytest gate runs it; the caller's
# environment (e.g. EDGEOPS_CLOUDFLARE_IN_PROCESS=false run_pytest ...) reaches every test.
run_pytest() {
    local version="$1" rc=0
    shift
    (
        cd "${ROOT}" \
            && in_venv "${version}" env ANSIBLE_COLLECTIONS_PATH="${PYTEST_COLLECTIONS}" \
                python -m pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" "$@"
    ) || rc=$?
    if [[ ${rc} -eq 5 ]]; then
        echo "pytest collected no tests: counted as a failure"
    fi
    return "${rc}"
}

# run_targets VERSION DIR ARGS...: ansible-test integration in the collection tree DIR.
run_targets() {
    local version="$1" dir="$2"
    shift 2
    install_get_pip_standin "${version}" || return 1
    (cd "${dir}" && in_venv "${version}" ansible-test integration --venv --requirements --python 3.11 --color no "$@")
}

# copy_stage SCRATCH: a copy of the staged collection under SCRATCH (ansible-test and
# antsibull-changelog want .../ansible_collections/edgeops/cloudflare); prints its path.
copy_stage() {
    local copy="$1/ansible_collections/edgeops/cloudflare"
    mkdir -p "$(dirname "${copy}")" && cp -a "${STAGE}" "${copy}" && printf '%s\n' "${copy}"
}

# Both execution paths pass the same tests (docs/in-process.md). The pytest integration suite
# runs again with EDGEOPS_CLOUDFLARE_IN_PROCESS=false, but for the tests that choose the path
# themselves (marker path_specific), already run in the pytest gate. The ansible-test targets run
# again in a scratch copy whose tests/integration/integration_config.yml (vars_files of every
# target's play) sets edgeops_cloudflare_in_process: false; at -vvv the action plugins say which
# path each task took, and not one may have run in the controller's process.
gate_modulepath() {
    local version="$1" scratch copy log rc=0
    EDGEOPS_CLOUDFLARE_IN_PROCESS=false run_pytest "${version}" -m "not path_specific" tests/integration || return 1
    scratch="$(mktemp -d)"
    log="${BUILD}/logs/modulepath-${version}.log"
    mkdir -p "${BUILD}/logs"
    if copy="$(copy_stage "${scratch}")"; then
        printf 'edgeops_cloudflare_in_process: false\n' >"${copy}/tests/integration/integration_config.yml"
        run_targets "${version}" "${copy}" -vvv >"${log}" 2>&1 || rc=$?
    else
        echo "could not copy the staged collection to ${scratch}" >"${log}"
        rc=1
    fi
    rm -rf "${scratch}"
    grep -E '^(Running |testhost +:)' "${log}" || true
    [[ ${rc} -eq 0 ]] || { echo "ansible-test integration failed (rc=${rc}): ${log#"${ROOT}"/}"; return 1; }
    if grep -q "in the controller's process" "${log}"; then
        echo "a task ran in the controller's process although switched off: ${log#"${ROOT}"/}"
        return 1
    fi
    if ! grep -q 'as a module: switched off' "${log}"; then
        echo "no task reported the module path: ${log#"${ROOT}"/}"
        return 1
    fi
    echo "ansible-test targets on the module path: $(grep -c 'as a module: switched off' "${log}") tasks ran as modules, none in the controller's process"
}

# The collection's own unit test command; tests/unit/requirements.txt names what it needs.
gate_units() {
    local version="$1"
    install_get_pip_standin "${version}" || return 1
    (cd "${STAGE}" && in_venv "${version}" ansible-test units --venv --requirements --python 3.11 --color no)
}

# The ansible-test targets; setup_emulator starts the emulator for each of them.
gate_integration() {
    run_targets "$1" "${STAGE}"
}

gate_sanity() {
    local version="$1" ignores log
    ignores="$(find "${STAGE}/tests/sanity" -name 'ignore-*.txt' 2>/dev/null || true)"
    if [[ -n "${ignores}" ]]; then
        echo "sanity ignore files are not allowed; fix the findings instead:"
        echo "${ignores}"
        return 1
    fi
    install_get_pip_standin "${version}" || return 1
    log="${BUILD}/logs/sanity-${version}.log"
    mkdir -p "${BUILD}/logs"
    (cd "${STAGE}" && in_venv "${version}" ansible-test sanity --python 3.11 --color no) 2>&1 | tee "${log}" || return 1
    if grep -q 'All targets skipped' "${log}"; then
        echo "ansible-test found nothing to test: counted as a failure"
        return 1
    fi
}

# Plain `ansible-lint` in the checkout, as maintainers run it (.ansible-lint holds the
# settings): it installs this collection into .ansible/collections itself. PRE_COMMIT and
# ANSIBLE_LINT_SKIP_SCHEMA_UPDATE only keep it from asking GitHub for a newer release and
# schemas (ansible-lint 26 ignores ANSIBLE_LINT_SKIP_VERSION_CHECK).
gate_lint() {
    local version="$1"
    (cd "${ROOT}" && in_venv "${version}" env PRE_COMMIT=1 ANSIBLE_LINT_SKIP_SCHEMA_UPDATE=1 NO_COLOR=1 \
        ansible-lint)
}

# The docsite pages up to date with docs/*.md, antsibull-docs' lint of the plugin and
# docsite docs, and a docsite build (sphinx-init, then the two steps of its build.sh).
gate_docs() {
    local version="$1" site rc=0
    (cd "${STAGE}" && in_venv "${version}" python scripts/docsite_rst.py --check) || return 1
    (cd "${STAGE}" && in_venv "${version}" antsibull-docs lint-collection-docs --plugin-docs .) || return 1
    site="$(mktemp -d)"
    build_docsite "${version}" "${site}" || rc=$?
    rm -rf "${site}"
    return "${rc}"
}

# Offline: conf.py gets an empty intersphinx_mapping, so the only warnings allowed are
# the labels of docs.ansible.com that intersphinx supplies online (undefined label: '...').
build_docsite() {
    local version="$1" site="$2" unexpected
    in_venv "${version}" env ANSIBLE_COLLECTIONS_PATH="${BUILD}" \
        antsibull-docs sphinx-init --use-current --dest-dir "${site}" edgeops.cloudflare >/dev/null || return 1
    printf '\n# Offline build: fetch no intersphinx inventory.\nintersphinx_mapping = {}\n' >>"${site}/conf.py"
    mkdir -p "${site}/rst" && chmod og-w "${site}/rst"
    (cd "${site}" && in_venv "${version}" env ANSIBLE_COLLECTIONS_PATH="${BUILD}" \
        antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything \
        --use-current --dest-dir rst edgeops.cloudflare) || return 1
    (cd "${site}" && in_venv "${version}" sphinx-build -M html rst build -c . -q -w warnings.txt) || return 1
    unexpected="$(grep -v -E "WARNING: undefined label: '[^']+' \[ref\.ref\]$" "${site}/warnings.txt" \
        | grep -v '^$'; grep -E "undefined label: 'ansible_collections\.edgeops\." "${site}/warnings.txt")" || true
    if [[ -n "${unexpected}" ]]; then
        echo "docsite build warnings:"
        echo "${unexpected}"
        return 1
    fi
    echo "docsite built: $(find "${site}/build/html" -name '*.html' | wc -l) pages; offline-only warnings: $(grep -c . "${site}/warnings.txt" || true)"
}

# Lint the fragments and changelog.yaml, then, in a scratch copy: regenerate CHANGELOG.rst
# (it must equal the committed one) and rehearse the next release of the pending fragments.
gate_changelog() {
    local version="$1" scratch copy rc=0
    scratch="$(mktemp -d)"
    if copy="$(copy_stage "${scratch}")"; then
        (cd "${copy}" && check_changelog "${version}") || rc=$?
    else
        rc=1
    fi
    rm -rf "${scratch}"
    return "${rc}"
}

check_changelog() {
    local version="$1" next
    in_venv "${version}" antsibull-changelog lint || return 1
    in_venv "${version}" antsibull-changelog lint-changelog-yaml changelogs/changelog.yaml || return 1
    in_venv "${version}" antsibull-changelog generate || return 1
    if ! diff -u "${STAGE}/CHANGELOG.rst" CHANGELOG.rst; then
        echo "CHANGELOG.rst differs from what changelogs/changelog.yaml generates"
        return 1
    fi
    next="$(in_venv "${version}" python -c '
import yaml
releases = yaml.safe_load(open("changelogs/changelog.yaml"))["releases"]
major, minor, _ = max(tuple(map(int, v.split("."))) for v in releases)
print("%d.%d.0" % (major, minor + 1))')" || return 1
    in_venv "${version}" antsibull-changelog release --version "${next}" --date 2099-01-01 || return 1
    if compgen -G 'changelogs/fragments/*.yml' >/dev/null; then
        echo "fragments left after the release rehearsal"
        return 1
    fi
    echo "CHANGELOG.rst up to date; the pending fragments release as ${next} (rehearsal)"
}

# One run at a time per checkout: the staged tree is shared.
take_lock() {
    mkdir -p "${BUILD}"
    exec 8>"${BUILD}/.test.lock"
    command -v flock >/dev/null 2>&1 || return 0
    if ! flock -n 8; then
        echo "waiting for another scripts/test.sh run in this checkout to finish ..."
        flock 8
    fi
}

print_summary() {
    local line
    say "summary (total ${SECONDS}s)"
    for line in "${RESULTS[@]}"; do
        echo "${line}"
    done
    echo
    echo "gates: ${PASSED} passed, ${FAILED} failed"
}

needs_stage() {
    local gate
    for gate in "${GATES[@]}"; do
        [[ "${gate}" =~ ^(pytest|lint)$ ]] || return 0
    done
    return 1
}

main() {
    local version gate
    parse_args "$@"
    export ANSIBLE_LINT_SKIP_VERSION_CHECK=1
    unset ANSIBLE_CONFIG
    take_lock

    if ! run_gate bootstrap - bootstrap; then
        print_summary
        exit 1
    fi
    if needs_stage && ! run_gate stage - stage_collection; then
        print_summary
        exit 1
    fi

    for version in "${VERSIONS[@]}"; do
        for gate in "${VERSION_GATES[@]}"; do
            if contains "${gate}" "${GATES[@]}"; then
                run_gate "${gate}" "${version}" "gate_${gate}" "${version}"
            fi
        done
    done
    if contains "${DOCS_VERSION}" "${VERSIONS[@]}"; then
        for gate in "${ONCE_GATES[@]}"; do
            if contains "${gate}" "${GATES[@]}"; then
                run_gate "${gate}" "${DOCS_VERSION}" "gate_${gate}" "${DOCS_VERSION}"
            fi
        done
    fi

    if [[ ${GATES_RUN} -eq 0 ]]; then
        echo "no gate selected: ${GATES[*]} on ansible-core ${VERSIONS[*]} (modulepath, docs and changelog run on ${DOCS_VERSION} only)"
        FAILED=$((FAILED + 1))
    fi
    print_summary
    [[ ${FAILED} -eq 0 ]]
}

main "$@"
