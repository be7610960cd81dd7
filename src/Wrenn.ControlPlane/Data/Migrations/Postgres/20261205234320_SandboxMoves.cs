using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SandboxMoves : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "move_failed_at",
                table: "sandboxes",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "move_failure",
                table: "sandboxes",
                type: "character varying(500)",
                maxLength: 500,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "moved_at",
                table: "sandboxes",
                type: "timestamp with time zone",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "moving_to_host_id",
                table: "sandboxes",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "move_failed_at",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "move_failure",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "moved_at",
                table: "sandboxes");

            migrationBuilder.DropColumn(
                name: "moving_to_host_id",
                table: "sandboxes");
        }
    }
}
