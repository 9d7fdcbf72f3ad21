using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Newsletter.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class SendEngineAndBounces : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "PausedAt",
                table: "DigestIssues",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PausedReason",
                table: "DigestIssues",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "SendRequestedAt",
                table: "DigestIssues",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "DigestBatchLeases",
                columns: table => new
                {
                    IssueId = table.Column<long>(type: "INTEGER", nullable: false),
                    FromId = table.Column<long>(type: "INTEGER", nullable: false),
                    Token = table.Column<Guid>(type: "TEXT", nullable: false),
                    RenewedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DigestBatchLeases", x => new { x.IssueId, x.FromId });
                    table.ForeignKey(
                        name: "FK_DigestBatchLeases_DigestIssues_IssueId",
                        column: x => x.IssueId,
                        principalTable: "DigestIssues",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "InboundMessages",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Key = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    Source = table.Column<int>(type: "INTEGER", nullable: false),
                    Outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_InboundMessages", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "MailboxLeases",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Holder = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastScanAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    LastError = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MailboxLeases", x => x.Name);
                });

            migrationBuilder.CreateTable(
                name: "SendRateBuckets",
                columns: table => new
                {
                    Scope = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Tokens = table.Column<double>(type: "REAL", nullable: false),
                    RefilledAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SendRateBuckets", x => x.Scope);
                });

            migrationBuilder.CreateTable(
                name: "SendRateSlices",
                columns: table => new
                {
                    Scope = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    Start = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SendRateSlices", x => new { x.Scope, x.Start });
                });

            migrationBuilder.CreateTable(
                name: "BounceEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    InboundMessageId = table.Column<long>(type: "INTEGER", nullable: false),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Source = table.Column<int>(type: "INTEGER", nullable: false),
                    SubscriberId = table.Column<long>(type: "INTEGER", nullable: true),
                    AddressHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    IssueId = table.Column<long>(type: "INTEGER", nullable: true),
                    DeliveryId = table.Column<long>(type: "INTEGER", nullable: true),
                    TransactionalEmailId = table.Column<long>(type: "INTEGER", nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Diagnostic = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    RemoteMta = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    Effect = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_BounceEvents", x => x.Id);
                    table.ForeignKey(
                        name: "FK_BounceEvents_InboundMessages_InboundMessageId",
                        column: x => x.InboundMessageId,
                        principalTable: "InboundMessages",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_BounceEvents_Subscribers_SubscriberId",
                        column: x => x.SubscriberId,
                        principalTable: "Subscribers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_BounceEvents_AddressHash_Kind_At",
                table: "BounceEvents",
                columns: new[] { "AddressHash", "Kind", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_BounceEvents_At",
                table: "BounceEvents",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_BounceEvents_InboundMessageId",
                table: "BounceEvents",
                column: "InboundMessageId");

            migrationBuilder.CreateIndex(
                name: "IX_BounceEvents_SubscriberId",
                table: "BounceEvents",
                column: "SubscriberId");

            migrationBuilder.CreateIndex(
                name: "IX_InboundMessages_Key",
                table: "InboundMessages",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_InboundMessages_Outcome_ReceivedAt",
                table: "InboundMessages",
                columns: new[] { "Outcome", "ReceivedAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "BounceEvents");

            migrationBuilder.DropTable(
                name: "DigestBatchLeases");

            migrationBuilder.DropTable(
                name: "MailboxLeases");

            migrationBuilder.DropTable(
                name: "SendRateBuckets");

            migrationBuilder.DropTable(
                name: "SendRateSlices");

            migrationBuilder.DropTable(
                name: "InboundMessages");

            migrationBuilder.DropColumn(
                name: "PausedAt",
                table: "DigestIssues");

            migrationBuilder.DropColumn(
                name: "PausedReason",
                table: "DigestIssues");

            migrationBuilder.DropColumn(
                name: "SendRequestedAt",
                table: "DigestIssues");
        }
    }
}
