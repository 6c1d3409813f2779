using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SplitWalletBuckets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "Earnings",
                table: "Wallets",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<int>(
                name: "EarningHoldDays",
                table: "StationLevels",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "EarningHoldDays",
                table: "PlatformSettings",
                type: "integer",
                nullable: false,
                defaultValue: 7);

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "AvailableAt",
                table: "LedgerEntries",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "Bucket",
                table: "LedgerEntries",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_LedgerEntries_WalletId_AvailableAt",
                table: "LedgerEntries",
                columns: new[] { "WalletId", "AvailableAt" });

            // Existing wallets: 余额 split into 余额 and 收益 from their ledger history (decision 0023).
            foreach (var sql in SplitWalletBucketsSql.Statements(RevokeKeysMadeForOthersSql.PostgresNow, SplitWalletBucketsSql.PostgresGreatest, SplitWalletBucketsSql.PostgresLeast))
                migrationBuilder.Sql(sql);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // One balance again: 收益 goes back into 余额 (the split's entries stay in the ledger).
            migrationBuilder.Sql("UPDATE \"Wallets\" SET \"Balance\" = \"Balance\" + \"Earnings\"");
            migrationBuilder.DropIndex(
                name: "IX_LedgerEntries_WalletId_AvailableAt",
                table: "LedgerEntries");

            migrationBuilder.DropColumn(
                name: "Earnings",
                table: "Wallets");

            migrationBuilder.DropColumn(
                name: "EarningHoldDays",
                table: "StationLevels");

            migrationBuilder.DropColumn(
                name: "EarningHoldDays",
                table: "PlatformSettings");

            migrationBuilder.DropColumn(
                name: "AvailableAt",
                table: "LedgerEntries");

            migrationBuilder.DropColumn(
                name: "Bucket",
                table: "LedgerEntries");
        }
    }
}
