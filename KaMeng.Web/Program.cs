using KaMeng.Data;
using KaMeng.Web.Components;
using KaMeng.Web.Features.Account;
using KaMeng.Web.Features.Backups;
using KaMeng.Web.Features.Admin.CardKeys;
using KaMeng.Web.Features.Admin.Catalog;
using KaMeng.Web.Features.Admin.Marketing;
using KaMeng.Web.Features.Admin.Reports;
using KaMeng.Web.Features.Dashboard;
using KaMeng.Web.Features.Builder;
using KaMeng.Web.Features.Campaigns;
using KaMeng.Web.Features.Cluster;
using KaMeng.Web.Features.Docking;
using KaMeng.Web.Features.Health;
using KaMeng.Web.Features.Jobs;
using KaMeng.Web.Features.Marketing;
using KaMeng.Web.Features.Notifications;
using KaMeng.Web.Features.OpenApi;
using KaMeng.Web.Features.Orders;
using KaMeng.Web.Features.Payments;
using KaMeng.Web.Features.Referrals;
using KaMeng.Web.Features.Risk;
using KaMeng.Web.Features.Risk.Blacklists;
using KaMeng.Web.Features.Security;
using KaMeng.Web.Features.Compliance;
using KaMeng.Web.Features.Setup;
using KaMeng.Web.Features.Shared;
using KaMeng.Web.Features.Stations;
using KaMeng.Web.Features.Storefront;
using KaMeng.Web.Features.Telemetry;
using KaMeng.Web.Infrastructure;

// `backup <archive>` / `restore <archive> [--force]` run instead of the web host, with the same configuration.
if (await BackupCli.TryRunAsync(args)) return;

var builder = WebApplication.CreateBuilder(args);

builder.AddKaMengSecurity();
builder.AddKaMengTelemetry();
builder.AddKaMengData();
builder.AddKaMengCulture();
builder.AddKaMengIdentity();
builder.AddFirstRun();
builder.AddKaMengUi();
builder.AddStations();
builder.AddOrders();
builder.AddMarketing();
builder.AddReferrals();
builder.AddCampaigns();
builder.AddStorefront();
builder.AddStorefrontCache();
builder.Services.AddSingleton<HealthProbe>();
builder.AddCardKeys();
builder.AddCatalog();
builder.AddThemes();
builder.AddReports();
builder.AddPayments();
builder.AddNotifications();
builder.AddJobs();
builder.AddDashboard();
builder.AddBuilder();
builder.AddOpenApiV1();
builder.AddDocking();
builder.AddCompliance();
builder.AddOutboundGuard();
builder.AddMarketingAdmin();
// After identity and the UI: it replaces the circuits' authentication state provider.
builder.AddRisk();
builder.AddBlacklists();
builder.AddBackups();
// Several nodes (issue 22): caches and live signals reach the other nodes through PostgreSQL LISTEN/NOTIFY.
builder.AddCluster();

var app = builder.Build();

// SQLite is one node's database: a second process on the same file stops here with a message.
app.EnsureSingleSqliteNode();

// First: every later middleware (HSTS, throttles, logs) sees the client a trusted proxy forwarded, and only then.
app.UseKaMengForwardedHeaders();

await app.InitializeDatabaseAsync();

app.UseKaMengSecurityHeaders();
app.UseKaMengErrorPages();
// A database without a platform admin (a fresh production install) serves only the first-run page; then the request's
// station. The operators' probes need neither (and must answer while the database is down).
app.UseWhen(context => !OperatorPaths.Match(context.Request.Path), site => site.UseFirstRun().UseStationRouting());
app.UseRouting();
app.UseKaMengCulture();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();
// The Open API's signature is checked before its body is read or bound; then the throttles (EPay notify per IP, Open API per key).
app.UseOpenApiSignature();
app.UseRateLimiter();
// ?ref=CODE links: the first-touch cookie and the invitee's binding (before the page cache: such a response sets cookies).
app.UseReferralTracking();
// Anonymous storefront pages from memory for at most 2 s (docs/decisions/0029-storefront-output-cache.md): after
// authentication (a signed-in buyer is never served from it) and the throttles.
app.UseStorefrontCache();

app.MapThemes();
app.MapStaticAssets();
app.MapHealth();
app.MapKaMengTelemetry();
app.MapDomainVerification();
app.MapUploads();
app.MapAccount();
app.MapCardKeyExports();
app.MapReports();
app.MapPayments();
app.MapBuilder();
app.MapOpenApiV1Docs();
app.MapRazorComponents<App>().AddInteractiveServerRenderMode();

app.PrintStartupBanner();
app.Run();

public partial class Program;
