using KaMeng.Domain;

namespace KaMeng.Tests.Payments;

public class EPaySignatureTests
{
    // Vectors computed independently with python3's hashlib:
    //   s = '&'.join(k+'='+v for k,v in sorted(p.items()) if v) + key; hashlib.md5(s.encode()).hexdigest()
    [Fact]
    public void Submit_parameters_sign_as_sorted_raw_pairs_followed_by_the_key()
    {
        var p = new Dictionary<string, string?>
        {
            ["pid"] = "1001", ["type"] = "alipay", ["out_trade_no"] = "20261122153000123456789012",
            ["notify_url"] = "http://localhost:5000/pay/epay/notify", ["return_url"] = "http://localhost:5000/pay/result/20261122153000123456789012",
            ["name"] = "订单 20261122153000123456789012", ["money"] = "10.00", ["sitename"] = "",
        };
        Assert.Equal("58ad8aad9ae493bdc3dfb56be8929298", EPaySignature.Sign(p, "89unJUB8HZ54Hj7x4nUj56HN4nUzUJ8i"));
    }

    [Fact]
    public void Sign_and_sign_type_and_empty_values_are_left_out()
    {
        var p = new Dictionary<string, string?>
        {
            ["pid"] = "1001", ["trade_no"] = "2026112215301234", ["out_trade_no"] = "A1", ["type"] = "wxpay", ["name"] = "A1",
            ["money"] = "1.5", ["trade_status"] = "TRADE_SUCCESS", ["sign"] = "whatever", ["sign_type"] = "MD5", ["param"] = "",
        };
        Assert.Equal("81a3b6159d78eca94de8291ce9162f6d", EPaySignature.Sign(p, "key"));
        Assert.True(EPaySignature.Verify(p, "81a3b6159d78eca94de8291ce9162f6d", "key"));
        Assert.True(EPaySignature.Verify(p, "81A3B6159D78ECA94DE8291CE9162F6D", "key"));
        Assert.False(EPaySignature.Verify(p, "81a3b6159d78eca94de8291ce9162f6e", "key"));
        Assert.False(EPaySignature.Verify(p, "81a3b6159d78eca94de8291ce9162f6d", "another-key"));
        Assert.False(EPaySignature.Verify(p, null, "key"));
        Assert.False(EPaySignature.Verify(p, "", "key"));
    }

    [Theory]
    [InlineData("10", 1000)]
    [InlineData("10.0", 1000)]
    [InlineData("10.00", 1000)]
    [InlineData("0.01", 1)]
    public void Gateway_amounts_parse_exactly(string text, long fen)
    {
        Assert.True(EPayAmount.TryParse(text, out var money));
        Assert.Equal(fen, money.Fen);
    }

    [Theory]
    [InlineData("1e1")]
    [InlineData("10.001")]
    [InlineData("-1")]
    [InlineData("-10.00")]
    [InlineData("+10.00")]
    [InlineData(" 10.00")]
    [InlineData("10.")]
    [InlineData(".5")]
    [InlineData("10,00")]
    [InlineData("0x0A")]
    [InlineData("NaN")]
    [InlineData("")]
    public void Anything_but_a_plain_two_decimal_amount_is_refused(string text) => Assert.False(EPayAmount.TryParse(text, out _));

    [Theory]
    [InlineData("https://pay.example.com", "https://pay.example.com/")]
    [InlineData("https://pay.example.com/epay/", "https://pay.example.com/epay/")]
    [InlineData("http://localhost:5000/pay/sandbox", "http://localhost:5000/pay/sandbox/")]
    public void A_gateway_base_url_is_normalised(string text, string expected) => Assert.Equal(expected, PaymentGateway.NormalizeBaseUrl(text).Url);

    [Theory]
    [InlineData("https://pay.example.com/submit.php")]
    [InlineData("https://pay.example.com/api.php")]
    [InlineData("pay.example.com")]
    [InlineData("ftp://pay.example.com/")]
    [InlineData("https://pay.example.com/?pid=1")]
    [InlineData("")]
    public void A_gateway_endpoint_or_a_non_http_url_is_refused_as_base_url(string text) => Assert.NotNull(PaymentGateway.NormalizeBaseUrl(text).Error);
}
