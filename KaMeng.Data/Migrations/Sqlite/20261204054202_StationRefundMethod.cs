using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Sqlite
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
                type: "INTEGER",
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
