using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace KaMeng.Web.Features.Admin.Shared;

/// <summary>
/// The admin's one way to tell the user how an action went (a snackbar at the bottom, away from forms) and to ask
/// before an action that cannot be undone. Pages never call ISnackbar or IDialogService for these themselves.
/// </summary>
public sealed class AdminFeedback(ISnackbar snackbar, IDialogService dialogs)
{
    public void Success(string text) => Show(text, Severity.Success, 4000);
    public void Info(string text) => Show(text, Severity.Info, 5000);
    public void Warning(string text) => Show(text, Severity.Warning, 8000);
    /// <summary>Errors stay until closed: the user has to read them.</summary>
    public void Error(string text) => Show(text, Severity.Error, 0);

    void Show(string text, Severity severity, int milliseconds) =>
        snackbar.Add(Toast(text, severity), severity, o =>
        {
            o.RequireInteraction = milliseconds == 0;
            if (milliseconds > 0) o.VisibleStateDuration = milliseconds;
        });

    static RenderFragment Toast(string text, Severity severity) => b =>
    {
        b.OpenElement(0, "span");
        b.AddAttribute(1, "data-testid", "toast");
        b.AddAttribute(2, "data-severity", severity.ToString().ToLowerInvariant());
        b.AddContent(3, text);
        b.CloseElement();
    };

    /// <summary>Asks before acting; true when the user confirmed.</summary>
    public Task<bool> ConfirmAsync(string title, string message, string confirmText, bool danger = false) =>
        ConfirmAsync(title, b => b.AddContent(0, message), confirmText, danger);

    public async Task<bool> ConfirmAsync(string title, RenderFragment message, string confirmText, bool danger = false)
    {
        var parameters = new DialogParameters<ConfirmDialog>
        {
            { d => d.Title, title },
            { d => d.Message, message },
            { d => d.ConfirmText, confirmText },
            { d => d.Danger, danger },
        };
        var dialog = await dialogs.ShowAsync<ConfirmDialog>(title, parameters, new DialogOptions { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true });
        var result = await dialog.Result;
        return result is { Canceled: false };
    }
}
