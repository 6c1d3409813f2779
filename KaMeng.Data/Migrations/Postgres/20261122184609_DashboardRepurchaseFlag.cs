using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DashboardRepurchaseFlag : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_BuyerStats_StationId_FirstPaidAt",
                table: "BuyerStats");

            migrationBuilder.AddColumn<bool>(
                name: "RepurchasedInWindow",
                table: "BuyerStats",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateIndex(
                name: "IX_BuyerStats_StationId_FirstPaidAt_RepurchasedInWindow",
                table: "BuyerStats",
                columns: new[] { "StationId", "FirstPaidAt", "RepurchasedInWindow" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_BuyerStats_StationId_FirstPaidAt_RepurchasedInWindow",
                table: "BuyerStats");

            migrationBuilder.DropColumn(
                name: "RepurchasedInWindow",
                table: "BuyerStats");

            migrationBuilder.CreateIndex(
                name: "IX_BuyerStats_StationId_FirstPaidAt",
                table: "BuyerStats",
                columns: new[] { "StationId", "FirstPaidAt" });
        }
    }
}
