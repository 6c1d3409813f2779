using KaMeng.Bench;
using KaMeng.Data;

// dotnet run -c Release --project KaMeng.Bench -- claim --provider sqlite|postgres --buyers 32 --keys 20000 [--connection "..."] [--profile] [--no-raw] [--rounds N] [--risk-rules | --risk-ab] [--accounts N]
// dotnet run -c Release --project KaMeng.Bench -- dashboard --provider sqlite|postgres --orders 1000000
// dotnet run -c Release --project KaMeng.Bench -- live --subscribers 1000
// dotnet run -c Release --project KaMeng.Bench -- export --rows 1000000 [--provider sqlite|postgres] [--connection "..."]
// dotnet run -c Release --project KaMeng.Bench -- render [--seconds 20] [--workers 16] [--products 60] [--loader wrk|inprocess]
// dotnet run -c Release --project KaMeng.Bench -- circuits [--dashboards 20] [--cold-runs 6]
if (args.Length == 0 || args[0] is not ("claim" or "export" or "dashboard" or "live" or "render" or "circuits"))
{
    Console.Error.WriteLine("usage: KaMeng.Bench claim --provider sqlite|postgres [--buyers 32] [--keys 20000] [--connection \"Host=…;Username=…\"] [--profile] [--no-raw] [--rounds N] [--risk-rules | --risk-ab] [--accounts N]");
    Console.Error.WriteLine("       KaMeng.Bench dashboard --provider sqlite|postgres [--orders 1000000] [--connection \"…\"]");
    Console.Error.WriteLine("       KaMeng.Bench live [--subscribers 1000] [--orders 200] [--provider sqlite|postgres]");
    Console.Error.WriteLine("       KaMeng.Bench export --rows 1000000 [--provider sqlite|postgres] [--connection \"Host=…;Username=…\"]");
    Console.Error.WriteLine("       KaMeng.Bench render [--seconds 20] [--workers 16] [--products 60] [--loader wrk|inprocess]");
    Console.Error.WriteLine("       KaMeng.Bench circuits [--dashboards 20] [--cold-runs 6]");
    return 2;
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

if (args[0] == "circuits")
    return await CircuitScenario.RunAsync(new CircuitOptions(int.Parse(Option("--dashboards") ?? "20"), int.Parse(Option("--cold-runs") ?? "6")));
if (args[0] == "render")
    return await RenderScenario.RunAsync(new RenderOptions(int.Parse(Option("--seconds") ?? "20"), int.Parse(Option("--workers") ?? "16"), int.Parse(Option("--products") ?? "60"),
        (Option("--loader") ?? "wrk") == "wrk"));

var provider = (Option("--provider") ?? "sqlite").ToLowerInvariant() switch
{
    "sqlite" => DatabaseProvider.Sqlite,
    "postgres" or "postgresql" or "pg" => DatabaseProvider.Postgres,
    var other => throw new ArgumentException($"unknown provider {other}"),
};
static string? Env(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } v ? v : null;
var pgAdmin = Option("--connection") ?? Env("KAMENG_BENCH_PG") ?? Env("KAMENG_TEST_PG");
if (args[0] == "dashboard") return await DashboardScenario.RunAsync(new DashboardOptions(provider, int.Parse(Option("--orders") ?? "1000000"), pgAdmin));
if (args[0] == "live") return await LiveScenario.RunAsync(new LiveOptions(provider, int.Parse(Option("--subscribers") ?? "1000"), int.Parse(Option("--orders") ?? "200"), pgAdmin));
if (args[0] == "export") return await ExportScenario.RunAsync(new ExportOptions(provider, int.Parse(Option("--rows") ?? "100000"), pgAdmin));
var options = new ClaimOptions(
    provider,
    int.Parse(Option("--buyers") ?? "32"),
    int.Parse(Option("--keys") ?? "20000"),
    pgAdmin,
    args.Contains("--profile"),
    args.Contains("--no-raw"),
    int.Parse(Option("--rounds") ?? "1"),
    args.Contains("--risk-rules") || args.Contains("--risk-ab"),
    int.Parse(Option("--accounts") ?? "0"),
    args.Contains("--risk-ab"));
return await ClaimScenario.RunAsync(options);
