using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class DashboardSegmentIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_BuyerStats_StationId_SpendFen_LastPaidAt_FirstPaidAt_PaidOr~",
                table: "BuyerStats",
                columns: new[] { "StationId", "SpendFen", "LastPaidAt", "FirstPaidAt", "PaidOrders" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_BuyerStats_StationId_SpendFen_LastPaidAt_FirstPaidAt_PaidOr~",
                table: "BuyerStats");
        }
    }
}
