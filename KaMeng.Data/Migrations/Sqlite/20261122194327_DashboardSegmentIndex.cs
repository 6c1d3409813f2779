using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DashboardSegmentIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_BuyerStats_StationId_SpendFen_LastPaidAt_FirstPaidAt_PaidOrders",
                table: "BuyerStats",
                columns: new[] { "StationId", "SpendFen", "LastPaidAt", "FirstPaidAt", "PaidOrders" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_BuyerStats_StationId_SpendFen_LastPaidAt_FirstPaidAt_PaidOrders",
                table: "BuyerStats");
        }
    }
}
