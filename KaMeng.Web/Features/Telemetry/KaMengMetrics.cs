using System.Diagnostics;
using System.Diagnostics.Metrics;
using KaMeng.Domain;
using Quartz;

namespace KaMeng.Web.Features.Telemetry;

/// <summary>
/// KaMeng's own instruments (meter <c>KaMeng</c>), made by the host's <see cref="IMeterFactory"/> so that each app (and each
/// test's app) has its own meter. They cost a few nanoseconds when nothing listens: telemetry is off by default, and the
/// OpenTelemetry SDK only listens when an exporter is configured (<see cref="TelemetrySetup"/>). Per-minute figures are
/// rates of the counters (Prometheus: <c>rate(kameng_orders_paid_total[1m]) * 60</c>).
/// </summary>
public sealed class KaMengMetrics
{
    public const string MeterName = "KaMeng";

    readonly Counter<long> created;
    readonly Counter<long> paid;
    readonly Counter<long> delivered;
    readonly Histogram<double> claimDuration;
    readonly Counter<long> notifies;
    readonly Counter<long> jobRuns;
    readonly Histogram<double> jobDuration;

    public KaMengMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        created = meter.CreateCounter<long>("kameng.orders.created", "{order}", "Orders created (paid at once from the balance, or waiting for a gateway payment).");
        paid = meter.CreateCounter<long>("kameng.orders.paid", "{order}", "Orders paid.");
        delivered = meter.CreateCounter<long>("kameng.orders.delivered", "{order}", "Orders delivered (card keys shown, or a top-up completed).");
        // Seconds, with buckets where a claim lives (sub-millisecond on SQLite, a few ms on a server): the SDK's default
        // boundaries (0, 5, 10, 25 …) would put every claim in the first bucket.
        claimDuration = meter.CreateHistogram("kameng.checkout.claim.duration", "s", "Time to take the card keys of a balance purchase, inside its transaction.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0002, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        notifies = meter.CreateCounter<long>("kameng.payments.notify", "{notify}", "Payment gateway notifies, by gateway and outcome (accepted, replay, recorded, alerted, rejected).");
        jobRuns = meter.CreateCounter<long>("kameng.jobs.runs", "{run}", "Scheduled job runs, by job and result (succeeded, skipped, failed).");
        jobDuration = meter.CreateHistogram("kameng.jobs.duration", "s", "Scheduled job run time, by job and result.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300] });
    }

    public void OrderCreated(PaymentMethod method) => created.Add(1, new KeyValuePair<string, object?>("payment_method", Tag(method)));

    /// <summary>An order just paid; <paramref name="status"/> as it stands after the payment (a card-key order is delivered in the same step).</summary>
    public void OrderPaid(PaymentMethod method, OrderStatus status)
    {
        paid.Add(1, new KeyValuePair<string, object?>("payment_method", Tag(method)));
        if (status == OrderStatus.Delivered) OrderDelivered();
    }

    public void OrderDelivered() => delivered.Add(1);

    public void ClaimTook(TimeSpan elapsed) => claimDuration.Record(elapsed.TotalSeconds);

    public void Notify(string gateway, string outcome) =>
        notifies.Add(1, new KeyValuePair<string, object?>("gateway", gateway), new KeyValuePair<string, object?>("outcome", outcome));

    public void JobRan(string job, string result, TimeSpan elapsed)
    {
        var tags = new TagList { { "job", job }, { "result", result } };
        jobRuns.Add(1, tags);
        jobDuration.Record(elapsed.TotalSeconds, tags);
    }

    static string Tag(PaymentMethod method) => method switch
    {
        PaymentMethod.Balance => "balance",
        PaymentMethod.EPay => "epay",
        _ => method.ToString().ToLowerInvariant(),
    };
}

/// <summary>Counts every run of a scheduled job (Quartz calls it on the node that ran the firing).</summary>
public sealed class JobRunMetrics(KaMengMetrics metrics) : IJobListener
{
    public string Name => "kameng-metrics";

    public ValueTask JobToBeExecuted(IJobExecutionContext context, CancellationToken ct = default) => ValueTask.CompletedTask;

    public ValueTask JobExecutionVetoed(IJobExecutionContext context, CancellationToken ct = default) => ValueTask.CompletedTask;

    public ValueTask JobWasExecuted(IJobExecutionContext context, JobExecutionException? jobException, CancellationToken ct = default)
    {
        var result = jobException is not null ? "failed"
            : context.Result is JobRunReport report ? report.Result.ToString().ToLowerInvariant()
            : "succeeded";
        metrics.JobRan(context.JobDetail.Key.Name, result, context.JobRunTime);
        return ValueTask.CompletedTask;
    }
}
