#!/usr/bin/env bash
# run_if_exists.sh PATH COMMAND... : runs COMMAND, or reports the test skipped (exit 77)
# when PATH (reference data outside the repository) is absent.
[ -e "$1" ] || { echo "skipped: $1 is absent"; exit 77; }
shift
exec "$@"
