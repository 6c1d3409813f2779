using System.Globalization;
using System.Text;
using CsvHelper;
using KaMeng.Domain;

namespace KaMeng.Web.Features.Admin.CardKeys;

/// <summary>Turns an uploaded file or pasted text into the classifier's input: .csv through CsvHelper, anything else as lines.</summary>
public static class CardKeyFiles
{
    /// <summary>Largest upload accepted (100,000 keys of about 100 characters).</summary>
    public const long MaxFileBytes = 10 * 1024 * 1024;

    static readonly HashSet<string> HeaderWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "卡号", "卡密", "密码", "卡密内容", "激活码", "兑换码", "授权码", "key", "keys", "card", "cardno", "card_no", "card number", "secret", "code", "password",
    };

    /// <summary>Whether a column name reads like the key column (卡密, 卡号, key …).</summary>
    public static bool IsKeyHeader(string? text) => text is not null && HeaderWords.Contains(text.Trim());

    public static bool IsCsv(string? fileName) => fileName is not null && fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads the text of an upload: UTF-8 (with or without BOM, or UTF-16 with BOM); a file that is not valid
    /// UTF-8 is read as GB18030, the encoding of Chinese Windows.</summary>
    public static async Task<string> ReadTextAsync(Stream stream, CancellationToken ct = default)
    {
        using var buffer = new MemoryStream();
        await stream.CopyToAsync(buffer, ct);
        return Decode(buffer.ToArray());
    }

    public static string Decode(byte[] bytes)
    {
        if (bytes is [0xEF, 0xBB, 0xBF, ..]) return Encoding.UTF8.GetString(bytes, 3, bytes.Length - 3);
        if (bytes is [0xFF, 0xFE, ..]) return Encoding.Unicode.GetString(bytes, 2, bytes.Length - 2);
        if (bytes is [0xFE, 0xFF, ..]) return Encoding.BigEndianUnicode.GetString(bytes, 2, bytes.Length - 2);
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);
            return Encoding.GetEncoding("GB18030").GetString(bytes);
        }
    }

    /// <summary>Parses pasted text, a .txt file or a .csv file (by its name) into a preview.</summary>
    public static CardKeyImportPreview Parse(string text, CardKeyImportOptions options, string? fileName = null) =>
        IsCsv(fileName) ? ParseCsv(text, options.Mode) : CardKeyImport.Parse(text, options);

    /// <summary>CSV: the first column is the key, or the first two are 卡号,密码. A first row whose first cell is a
    /// column name (卡号, 卡密, key …) is taken as a header and skipped. The delimiter (comma, semicolon, tab) is detected.</summary>
    public static CardKeyImportPreview ParseCsv(string text, CardKeyImportMode mode)
    {
        if (text.Length > 0 && text[0] == '\uFEFF') text = text[1..];
        var options = new CsvReaderOptions { HasHeader = false, TrackLineNumbers = true, SkipEmptyLines = false };
        return CardKeyImport.FromRecords(ReadRecords(text, options), mode);
    }

    static IEnumerable<CardKeyRecord> ReadRecords(string text, CsvReaderOptions options)
    {
        using var csv = CsvReader.FromText(text, options);
        var first = true;
        while (csv.Read())
        {
            var fields = new string[csv.FieldCount];
            for (var i = 0; i < fields.Length; i++) fields[i] = csv.GetString(i);
            if (first)
            {
                first = false;
                if (fields.Length > 0 && HeaderWords.Contains(fields[0].Trim())) continue;
            }
            yield return new CardKeyRecord((int)csv.LineNumber, fields);
        }
    }
}
