using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Newsletter.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class SecondVersion : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Keyed",
                table: "SuppressedAddresses",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<DateTime>(
                name: "PayloadRedactedAt",
                table: "StripeWebhookEvents",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "AmountAsOf",
                table: "RecurringPlans",
                type: "TEXT",
                nullable: false,
                defaultValue: new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified));

            migrationBuilder.AddColumn<long>(
                name: "CampaignId",
                table: "RecurringPlans",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "CancelError",
                table: "RecurringPlans",
                type: "TEXT",
                maxLength: 1000,
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "CancelRequestedAt",
                table: "RecurringPlans",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<DateTime>(
                name: "DonorErasedAt",
                table: "RecurringPlans",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StripeCustomerId",
                table: "RecurringPlans",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CampaignId",
                table: "Donations",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CoveredFee",
                table: "Donations",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<DateTime>(
                name: "DonorErasedAt",
                table: "Donations",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "StripeCustomerId",
                table: "Donations",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CampaignId",
                table: "DonationCheckouts",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<long>(
                name: "CoveredFee",
                table: "DonationCheckouts",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<DateTime>(
                name: "DonorErasedAt",
                table: "DonationCheckouts",
                type: "TEXT",
                nullable: true);

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
                name: "ApiKeys",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Prefix = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Scopes = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    LastUsedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RevokedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RevokedBy = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ApiKeys", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "AuditEntries",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    At = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Actor = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Target = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true),
                    Detail = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    IpAddress = table.Column<string>(type: "TEXT", maxLength: 64, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_AuditEntries", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Campaigns",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Slug = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    GoalAmount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    StartsOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    EndsOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                    ThankYouText = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Campaigns", x => x.Id);
                });

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
                name: "DonorAccess",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PublicId = table.Column<Guid>(type: "TEXT", nullable: false),
                    EmailKey = table.Column<string>(type: "TEXT", maxLength: 320, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DonorAccess", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "FirstOwnerClaims",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false),
                    ClaimedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_FirstOwnerClaims", x => x.Id);
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
                name: "UnmatchedStripePayments",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CheckoutSessionId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    PaymentLinkId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    PaymentIntentId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    SubscriptionId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    PayerName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    PayerEmail = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    PayerEmailKey = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    StripeCreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DecidedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    DecidedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UnmatchedStripePayments", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "UnsubscribeTombstones",
                columns: table => new
                {
                    AddressHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UnsubscribedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_UnsubscribeTombstones", x => x.AddressHash);
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
                name: "IX_StripeWebhookEvents_ReceivedAt",
                table: "StripeWebhookEvents",
                column: "ReceivedAt");

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_CampaignId",
                table: "RecurringPlans",
                column: "CampaignId");

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_StripeCustomerId",
                table: "RecurringPlans",
                column: "StripeCustomerId");

            migrationBuilder.CreateIndex(
                name: "IX_Donations_CampaignId_PaidAt",
                table: "Donations",
                columns: new[] { "CampaignId", "PaidAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Donations_StripeCustomerId",
                table: "Donations",
                column: "StripeCustomerId");

            migrationBuilder.CreateIndex(
                name: "IX_DonationCheckouts_CampaignId",
                table: "DonationCheckouts",
                column: "CampaignId");

            migrationBuilder.CreateIndex(
                name: "IX_ApiKeys_Prefix",
                table: "ApiKeys",
                column: "Prefix",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_Action_At",
                table: "AuditEntries",
                columns: new[] { "Action", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_Actor_At",
                table: "AuditEntries",
                columns: new[] { "Actor", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_AuditEntries_At",
                table: "AuditEntries",
                column: "At");

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
                name: "IX_Campaigns_Slug",
                table: "Campaigns",
                column: "Slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DonorAccess_EmailKey",
                table: "DonorAccess",
                column: "EmailKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_DonorAccess_PublicId",
                table: "DonorAccess",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_InboundMessages_Key",
                table: "InboundMessages",
                column: "Key",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_InboundMessages_Outcome_ReceivedAt",
                table: "InboundMessages",
                columns: new[] { "Outcome", "ReceivedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStripePayments_CheckoutSessionId",
                table: "UnmatchedStripePayments",
                column: "CheckoutSessionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStripePayments_PayerEmailKey",
                table: "UnmatchedStripePayments",
                column: "PayerEmailKey");

            migrationBuilder.CreateIndex(
                name: "IX_UnmatchedStripePayments_State_StripeCreatedAt",
                table: "UnmatchedStripePayments",
                columns: new[] { "State", "StripeCreatedAt" });

            migrationBuilder.AddForeignKey(
                name: "FK_DonationCheckouts_Campaigns_CampaignId",
                table: "DonationCheckouts",
                column: "CampaignId",
                principalTable: "Campaigns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_Donations_Campaigns_CampaignId",
                table: "Donations",
                column: "CampaignId",
                principalTable: "Campaigns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            migrationBuilder.AddForeignKey(
                name: "FK_RecurringPlans_Campaigns_CampaignId",
                table: "RecurringPlans",
                column: "CampaignId",
                principalTable: "Campaigns",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);

            // Append-only for everyone: the database refuses UPDATE and DELETE of audit rows (see AuditTriggers).
            migrationBuilder.Sql(Newsletter.Audit.AuditTriggers.SqliteCreate);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql(Newsletter.Audit.AuditTriggers.SqliteDrop);

            migrationBuilder.DropForeignKey(
                name: "FK_DonationCheckouts_Campaigns_CampaignId",
                table: "DonationCheckouts");

            migrationBuilder.DropForeignKey(
                name: "FK_Donations_Campaigns_CampaignId",
                table: "Donations");

            migrationBuilder.DropForeignKey(
                name: "FK_RecurringPlans_Campaigns_CampaignId",
                table: "RecurringPlans");

            migrationBuilder.DropTable(
                name: "ApiKeys");

            migrationBuilder.DropTable(
                name: "AuditEntries");

            migrationBuilder.DropTable(
                name: "BounceEvents");

            migrationBuilder.DropTable(
                name: "Campaigns");

            migrationBuilder.DropTable(
                name: "DigestBatchLeases");

            migrationBuilder.DropTable(
                name: "DonorAccess");

            migrationBuilder.DropTable(
                name: "FirstOwnerClaims");

            migrationBuilder.DropTable(
                name: "MailboxLeases");

            migrationBuilder.DropTable(
                name: "SendRateBuckets");

            migrationBuilder.DropTable(
                name: "SendRateSlices");

            migrationBuilder.DropTable(
                name: "UnmatchedStripePayments");

            migrationBuilder.DropTable(
                name: "UnsubscribeTombstones");

            migrationBuilder.DropTable(
                name: "InboundMessages");

            migrationBuilder.DropIndex(
                name: "IX_StripeWebhookEvents_ReceivedAt",
                table: "StripeWebhookEvents");

            migrationBuilder.DropIndex(
                name: "IX_RecurringPlans_CampaignId",
                table: "RecurringPlans");

            migrationBuilder.DropIndex(
                name: "IX_RecurringPlans_StripeCustomerId",
                table: "RecurringPlans");

            migrationBuilder.DropIndex(
                name: "IX_Donations_CampaignId_PaidAt",
                table: "Donations");

            migrationBuilder.DropIndex(
                name: "IX_Donations_StripeCustomerId",
                table: "Donations");

            migrationBuilder.DropIndex(
                name: "IX_DonationCheckouts_CampaignId",
                table: "DonationCheckouts");

            migrationBuilder.DropColumn(
                name: "Keyed",
                table: "SuppressedAddresses");

            migrationBuilder.DropColumn(
                name: "PayloadRedactedAt",
                table: "StripeWebhookEvents");

            migrationBuilder.DropColumn(
                name: "AmountAsOf",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "CampaignId",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "CancelError",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "CancelRequestedAt",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "DonorErasedAt",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "StripeCustomerId",
                table: "RecurringPlans");

            migrationBuilder.DropColumn(
                name: "CampaignId",
                table: "Donations");

            migrationBuilder.DropColumn(
                name: "CoveredFee",
                table: "Donations");

            migrationBuilder.DropColumn(
                name: "DonorErasedAt",
                table: "Donations");

            migrationBuilder.DropColumn(
                name: "StripeCustomerId",
                table: "Donations");

            migrationBuilder.DropColumn(
                name: "CampaignId",
                table: "DonationCheckouts");

            migrationBuilder.DropColumn(
                name: "CoveredFee",
                table: "DonationCheckouts");

            migrationBuilder.DropColumn(
                name: "DonorErasedAt",
                table: "DonationCheckouts");

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
