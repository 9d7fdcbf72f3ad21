using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Newsletter.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class Donations : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "DonationCheckouts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PublicId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Interval = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    DonorName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    DonorEmail = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    DonorEmailKey = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    Message = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    StripeCheckoutSessionId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_DonationCheckouts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "RecurringPlans",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    StripeSubscriptionId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Interval = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    StatusAsOf = table.Column<DateTime>(type: "TEXT", nullable: false),
                    DonorName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    DonorEmail = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    DonorEmailKey = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    SubscriberId = table.Column<long>(type: "INTEGER", nullable: true),
                    StartedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    CancelledAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_RecurringPlans", x => x.Id);
                    table.ForeignKey(
                        name: "FK_RecurringPlans_Subscribers_SubscriberId",
                        column: x => x.SubscriberId,
                        principalTable: "Subscribers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "StripePaymentFacts",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    PaymentIntentId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    AmountRefunded = table.Column<long>(type: "INTEGER", nullable: false),
                    Dispute = table.Column<int>(type: "INTEGER", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StripePaymentFacts", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "StripeWebhookEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    EventId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    StripeCreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    ReceivedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Payload = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<int>(type: "INTEGER", nullable: false),
                    Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                    NextAttemptAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ClaimedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    ProcessedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Note = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_StripeWebhookEvents", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "Donations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    Source = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    Amount = table.Column<long>(type: "INTEGER", nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Outcome = table.Column<int>(type: "INTEGER", nullable: false),
                    AmountRefunded = table.Column<long>(type: "INTEGER", nullable: false),
                    Dispute = table.Column<int>(type: "INTEGER", nullable: false),
                    DonorName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    DonorEmail = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    DonorEmailKey = table.Column<string>(type: "TEXT", maxLength: 320, nullable: true),
                    Message = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    SubscriberId = table.Column<long>(type: "INTEGER", nullable: true),
                    RecurringPlanId = table.Column<long>(type: "INTEGER", nullable: true),
                    StripeCheckoutSessionId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    StripePaymentIntentId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    StripeInvoiceId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    OfflineReference = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    PaidAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Version = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_Donations", x => x.Id);
                    table.ForeignKey(
                        name: "FK_Donations_RecurringPlans_RecurringPlanId",
                        column: x => x.RecurringPlanId,
                        principalTable: "RecurringPlans",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_Donations_Subscribers_SubscriberId",
                        column: x => x.SubscriberId,
                        principalTable: "Subscribers",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_DonationCheckouts_DonorEmailKey",
                table: "DonationCheckouts",
                column: "DonorEmailKey");

            migrationBuilder.CreateIndex(
                name: "IX_DonationCheckouts_PublicId",
                table: "DonationCheckouts",
                column: "PublicId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Donations_DonorEmailKey",
                table: "Donations",
                column: "DonorEmailKey");

            migrationBuilder.CreateIndex(
                name: "IX_Donations_Outcome_PaidAt",
                table: "Donations",
                columns: new[] { "Outcome", "PaidAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Donations_RecurringPlanId",
                table: "Donations",
                column: "RecurringPlanId");

            migrationBuilder.CreateIndex(
                name: "IX_Donations_Source_OfflineReference",
                table: "Donations",
                columns: new[] { "Source", "OfflineReference" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Donations_StripeCheckoutSessionId",
                table: "Donations",
                column: "StripeCheckoutSessionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Donations_StripeInvoiceId",
                table: "Donations",
                column: "StripeInvoiceId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Donations_StripePaymentIntentId",
                table: "Donations",
                column: "StripePaymentIntentId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_Donations_SubscriberId",
                table: "Donations",
                column: "SubscriberId");

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_DonorEmailKey",
                table: "RecurringPlans",
                column: "DonorEmailKey");

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_Status",
                table: "RecurringPlans",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_StripeSubscriptionId",
                table: "RecurringPlans",
                column: "StripeSubscriptionId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_RecurringPlans_SubscriberId",
                table: "RecurringPlans",
                column: "SubscriberId");

            migrationBuilder.CreateIndex(
                name: "IX_StripePaymentFacts_PaymentIntentId",
                table: "StripePaymentFacts",
                column: "PaymentIntentId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_StripeWebhookEvents_EventId",
                table: "StripeWebhookEvents",
                column: "EventId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_StripeWebhookEvents_State_NextAttemptAt",
                table: "StripeWebhookEvents",
                columns: new[] { "State", "NextAttemptAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "DonationCheckouts");

            migrationBuilder.DropTable(
                name: "Donations");

            migrationBuilder.DropTable(
                name: "StripePaymentFacts");

            migrationBuilder.DropTable(
                name: "StripeWebhookEvents");

            migrationBuilder.DropTable(
                name: "RecurringPlans");
        }
    }
}
