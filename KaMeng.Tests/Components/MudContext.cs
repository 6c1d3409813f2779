using Bunit;
using Microsoft.AspNetCore.Components;
using KaMeng.Web.Features.Admin.Shared;
using KaMeng.Web.Infrastructure.Mud;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using MudBlazor.Services;

namespace KaMeng.Tests.Components;

/// <summary>A bUnit context with MudBlazor as the admin registers it (Chinese texts, AdminFeedback).</summary>
public abstract class MudContext : BunitContext, IAsyncLifetime
{
    protected MudContext()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddTransient<MudLocalizer, ZhMudLocalizer>();
        Services.AddScoped<AdminFeedback>();
    }

    /// <summary>Renders <paramref name="content"/> inside the dialog, snackbar and popover providers.</summary>
    protected IRenderedComponent<MudTestHost> RenderHosted(RenderFragment content) =>
        Render<MudTestHost>(p => p.AddChildContent(content));

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    // MudBlazor's services are IAsyncDisposable only.
    Task IAsyncLifetime.DisposeAsync() => base.DisposeAsync().AsTask();
}
