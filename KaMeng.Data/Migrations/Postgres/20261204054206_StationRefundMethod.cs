using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class StationRefundMethod : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "GatewayRefundMethod",
                table: "Stations",
                type: "integer",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "GatewayRefundMethod",
                table: "Stations");
        }
    }
}
