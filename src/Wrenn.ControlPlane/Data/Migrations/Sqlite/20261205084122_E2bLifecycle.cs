using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class E2bLifecycle : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "auto_pause",
                table: "sandboxes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "auto_resume",
                table: "sandboxes",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTime>(
                name: "end_at",
                table: "sandboxes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "envd_access_token",
                table: "sandboxes",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "envd_version",
                table: "sandboxes",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "lifetime_sec",
                table: "sandboxes",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "started_at",
                table: "sandboxes",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "traffic_access_token",
                table: "sandboxes",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_sandboxes_end_at",
                table: "sandboxes",
                column: "end_at");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_sandboxes_end_at",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "auto_pause",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "auto_resume",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "end_at",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "envd_access_token",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "envd_version",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "lifetime_sec",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "started_at",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "traffic_access_token",
                table: "sandboxes");
        }
    }
}
