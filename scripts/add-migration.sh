#!/usr/bin/env bash
# Adds one EF Core migration with the same name to every provider (SQLite, PostgreSQL, SQL Server).
# Usage: scripts/add-migration.sh <Name>      e.g. scripts/add-migration.sh ProductPurchaseNotice
# Until 1.0 we squash instead (docs/decisions/0003): delete KaMeng.Data/Migrations and run this with "Initial".
# No database server is needed: the design-time factories (KaMeng.Data/DesignTimeFactories.cs) never connect.
set -euo pipefail
cd "$(dirname "$0")/.."
name=${1:?usage: scripts/add-migration.sh <MigrationName>}
dotnet tool restore >/dev/null
dotnet build KaMeng.Data/KaMeng.Data.csproj -nologo -v q
for provider in Sqlite Postgres SqlServer; do
  echo "== $provider"
  dotnet tool run dotnet-ef migrations add "$name" --no-build --project KaMeng.Data \
    --context "${provider}KaMengDbContext" --output-dir "Migrations/$provider"
done
