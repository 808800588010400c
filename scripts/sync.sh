#!/bin/sh
# sync.sh: run zoho2sheets once, with flags built from the GitHub Action's
# inputs (action.yml passes them here as environment variables). Inputs are
# data, never code: nothing here evaluates them, and globbing is off.
#
# Environment:
#   ZOHO2SHEETS_BIN           the binary (default: zoho2sheets on PATH)
#   INPUT_CONFIG              --config FILE (default mapping.yaml)
#   INPUT_FULL, INPUT_DRY_RUN "true" adds --full, --dry-run; "false" or empty adds nothing
#   INPUT_SINCE               --since DATE
#   INPUT_MODULES             comma or space separated: one --module each
#   INPUT_WAIT                --wait DURATION: wait that long for another run's lease
#   INPUT_LOG_FORMAT          --log-format (default console)
#   INPUT_LOG_LEVEL           --log-level
# Credentials (ZOHO_*, GOOGLE_*, SPREADSHEET_ID, ...) pass through the
# environment untouched, never on the command line.
#
# Exit status: the binary's (0 ok, 1 run failed, 2 usage or configuration,
# 75 another run holds the lease), or 2 for an input that is not valid.
set -eu
set -f

bad() {
	echo "::error::$*"
	exit 2
}

# A boolean input: GitHub passes "true" or "false"; anything else is a typo
# that must not silently mean false.
flag() {
	case $2 in
	true) return 0 ;;
	false | '') return 1 ;;
	*) bad "input $1 is \"$2\": use true or false" ;;
	esac
}

if [ "${GITHUB_ACTIONS:-}" = true ] && [ -z "${GOOGLE_CREDENTIALS_JSON:-}" ] && [ -z "${GOOGLE_APPLICATION_CREDENTIALS:-}" ]; then
	bad "No Google credentials: run google-github-actions/auth before this step (Workload Identity Federation: set the variables GCP_WORKLOAD_IDENTITY_PROVIDER and GCP_SERVICE_ACCOUNT), or give this step GOOGLE_CREDENTIALS_JSON from a secret (the service-account key)."
fi

set -- --config "${INPUT_CONFIG:-mapping.yaml}" --once --log-format "${INPUT_LOG_FORMAT:-console}"
if [ -n "${INPUT_LOG_LEVEL:-}" ]; then set -- "$@" --log-level "$INPUT_LOG_LEVEL"; fi
if flag full "${INPUT_FULL:-}"; then set -- "$@" --full; fi
if [ -n "${INPUT_SINCE:-}" ]; then set -- "$@" --since "$INPUT_SINCE"; fi
IFS=', 	
'
for m in ${INPUT_MODULES:-}; do
	if [ -n "$m" ]; then set -- "$@" --module "$m"; fi
done
unset IFS
if flag dry-run "${INPUT_DRY_RUN:-}"; then set -- "$@" --dry-run; fi
if [ -n "${INPUT_WAIT:-}" ]; then set -- "$@" --wait "$INPUT_WAIT"; fi

printf 'zoho2sheets %s\n' "$*"
# --once writes the run summary to $GITHUB_STEP_SUMMARY.
exec "${ZOHO2SHEETS_BIN:-zoho2sheets}" "$@"
