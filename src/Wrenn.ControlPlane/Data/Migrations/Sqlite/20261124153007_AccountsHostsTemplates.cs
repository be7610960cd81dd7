using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Wrenn.ControlPlane.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AccountsHostsTemplates : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_hosts_address",
                table: "hosts");

            migrationBuilder.AddColumn<string>(
                name: "agent_secret",
                table: "hosts",
                type: "TEXT",
                maxLength: 64,
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<long>(
                name: "disk_mb",
                table: "hosts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<DateTime>(
                name: "registration_expires_at",
                table: "hosts",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "registration_token_hash",
                table: "hosts",
                type: "TEXT",
                maxLength: 64,
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "running_sandboxes",
                table: "hosts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "signing_keys",
                columns: table => new
                {
                    purpose = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    key = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_signing_keys", x => x.purpose);
                });

            migrationBuilder.CreateTable(
                name: "templates",
                columns: table => new
                {
                    id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    team_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    host_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    source_sandbox_id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    base_template = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                    vcpus = table.Column<int>(type: "INTEGER", nullable: false),
                    memory_mb = table.Column<int>(type: "INTEGER", nullable: false),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    keeps_memory = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_templates", x => x.id);
                    table.ForeignKey(
                        name: "FK_templates_hosts_host_id",
                        column: x => x.host_id,
                        principalTable: "hosts",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_templates_teams_team_id",
                        column: x => x.team_id,
                        principalTable: "teams",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_hosts_registration_token_hash",
                table: "hosts",
                column: "registration_token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_templates_host_id",
                table: "templates",
                column: "host_id");

            migrationBuilder.CreateIndex(
                name: "IX_templates_name",
                table: "templates",
                column: "name",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_templates_team_id",
                table: "templates",
                column: "team_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "signing_keys");

            migrationBuilder.DropTable(
                name: "templates");

            migrationBuilder.DropIndex(
                name: "IX_hosts_registration_token_hash",
                table: "hosts");

            migrationBuilder.DropColumn(
                name: "agent_secret",
                table: "hosts");

            migrationBuilder.DropColumn(
                name: "disk_mb",
                table: "hosts");

            migrationBuilder.DropColumn(
                name: "registration_expires_at",
                table: "hosts");

            migrationBuilder.DropColumn(
                name: "registration_token_hash",
                table: "hosts");

            migrationBuilder.DropColumn(
                name: "running_sandboxes",
                table: "hosts");

            migrationBuilder.CreateIndex(
                name: "IX_hosts_address",
                table: "hosts",
                column: "address",
                unique: true);
        }
    }
}
