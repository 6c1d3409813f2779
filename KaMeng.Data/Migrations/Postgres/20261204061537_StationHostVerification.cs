using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace KaMeng.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class StationHostVerification : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "VerificationToken",
                table: "StationHosts",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "VerifiedAt",
                table: "StationHosts",
                type: "timestamp with time zone",
                nullable: true);

            // Domains bound before verification existed wait for it too (one click once they point at the platform): a domain
            // bound to take over another station's name must not keep serving.
            migrationBuilder.Sql("UPDATE \"StationHosts\" SET \"VerificationToken\" = md5(random()::text || clock_timestamp()::text)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "VerificationToken",
                table: "StationHosts");

            migrationBuilder.DropColumn(
                name: "VerifiedAt",
                table: "StationHosts");
        }
    }
}
