namespace KaMeng.Domain;

/// <summary>A business rule refused an operation. The message is Chinese and is shown to the person as is.</summary>
public sealed class DomainException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
