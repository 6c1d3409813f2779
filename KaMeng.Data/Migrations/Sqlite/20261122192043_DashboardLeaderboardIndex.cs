using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DashboardLeaderboardIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_StationDayStats_Day_StationId",
                table: "StationDayStats");

            migrationBuilder.CreateIndex(
                name: "IX_StationDayStats_Day_StationId_GmvFen_ProfitFen_Paid",
                table: "StationDayStats",
                columns: new[] { "Day", "StationId", "GmvFen", "ProfitFen", "Paid" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_StationDayStats_Day_StationId_GmvFen_ProfitFen_Paid",
                table: "StationDayStats");

            migrationBuilder.CreateIndex(
                name: "IX_StationDayStats_Day_StationId",
                table: "StationDayStats",
                columns: new[] { "Day", "StationId" });
        }
    }
}
