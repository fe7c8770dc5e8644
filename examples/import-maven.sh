#!/usr/bin/env bash
# Moving from another CRM, worked example: import the Maven Analytics "CRM + Sales Opportunities" export
# (sales_teams.csv, accounts.csv, products.csv, sales_pipeline.csv) with nothing but `crm` commands.
#
#   CRM_DB=sqlite:///maven.db CRM_USER=admin examples/import-maven.sh path/to/maven-crm
#
# The acting user (CRM_USER) must be an admin; the database (CRM_DB) must have been set up with `crm init`.
# Every step is an idempotent import, so running the script again changes nothing. What the export holds that
# does not fit as written (misspellings, missing accounts, open deals without dates) is printed at the end.
set -euo pipefail

DIR=${1:?usage: import-maven.sh DIR   (the folder with sales_teams.csv, accounts.csv, products.csv, sales_pipeline.csv)}
CRM=${CRM:-crm}                                            # which crm to run (tests point it at the venv's)
ACCOUNTS_TERRITORY=${ACCOUNTS_TERRITORY:-Unassigned accounts}  # the export ties accounts to no office
NO_ACCOUNT=${NO_ACCOUNT:-(no account)}                     # the customer for deals that name no account
LOG=$(mktemp)
STEP_LOG=$(mktemp)
trap 'rm -f "$LOG" "$STEP_LOG"' EXIT

step() { printf '\n== %s\n' "$*" >&2; }
# Run one crm command, show what it said, and keep its notes for the summary; stop at the first failure.
run() {
    local status=0
    "$CRM" "$@" 2>"$STEP_LOG" || status=$?
    cat "$STEP_LOG" >&2
    cat "$STEP_LOG" >>"$LOG"
    return "$status"
}

step "Offices (sales_teams.csv regional_office) as territories"
run import territories "$DIR/sales_teams.csv" --map regional_office=name --map sales_agent= --map manager=

step "Managers as users in their office"
run import users "$DIR/sales_teams.csv" --map manager=display_name --map sales_agent= --default role=manager

step "Sales agents as reps under their managers (logins made from names: Anna Snelling -> anna.snelling)"
run import users "$DIR/sales_teams.csv" --map sales_agent=display_name --default role=rep

step "Accounts as customers, in the pool of '$ACCOUNTS_TERRITORY' (the export puts accounts in no office)"
printf 'name\n%s\n' "$ACCOUNTS_TERRITORY" | run import territories -
run import customers "$DIR/accounts.csv" \
    --map office_location=address --map year_established= --map revenue= --map employees= --map subsidiary_of= \
    --replace industry:technolgy=technology --default territory="$ACCOUNTS_TERRITORY"
printf 'name\n%s\n' "$NO_ACCOUNT" | run import customers - --default territory="$ACCOUNTS_TERRITORY"

step "Products (series as the unit)"
run import products "$DIR/products.csv" --map series=unit

step "Deals: stage (Prospecting -> Lead, Engaging -> Qualified), engage date as created, close date, value"
run import deals "$DIR/sales_pipeline.csv" \
    --replace stage:Prospecting=Lead --replace stage:Engaging=Qualified --default customer="$NO_ACCOUNT"

printf '\n== What the export holds that was not imported as written\n' >&2
grep '^note:' "$LOG" | sed 's/^note: /  - /' | sort -u >&2 || true
