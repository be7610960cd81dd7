using Wrenn.Common.Configuration;

namespace Wrenn.Common.Tests.Configuration;

public sealed class ListenAddressTests
{
    [Theory]
    [InlineData(":8000", "", 8000, "http://*:8000", "http://127.0.0.1:8000")]
    [InlineData("127.0.0.1:50051", "127.0.0.1", 50051, "http://127.0.0.1:50051", "http://127.0.0.1:50051")]
    [InlineData("[::1]:9000", "::1", 9000, "http://[::1]:9000", "http://[::1]:9000")]
    [InlineData("localhost:80", "localhost", 80, "http://localhost:80", "http://localhost:80")]
    [InlineData("0.0.0.0:8000", "", 8000, "http://*:8000", "http://127.0.0.1:8000")]
    [InlineData("[::]:8000", "", 8000, "http://*:8000", "http://127.0.0.1:8000")]
    [InlineData("[0:0:0:0:0:0:0:0]:8000", "", 8000, "http://*:8000", "http://127.0.0.1:8000")]
    [InlineData("*:8000", "", 8000, "http://*:8000", "http://127.0.0.1:8000")]
    public void Parses_the_forms_operators_write(string text, string host, int port, string kestrel, string local)
    {
        var address = ListenAddress.Parse(text);
        Assert.Equal(host, address.Host);
        Assert.Equal(port, address.Port);
        Assert.Equal(kestrel, address.ToKestrelUrl());
        Assert.Equal(local, address.ToLocalUrl());
    }

    [Theory]
    [InlineData("8000")]
    [InlineData("host:")]
    [InlineData("host:port")]
    [InlineData(":70000")]
    [InlineData("::1:80")]
    [InlineData("[nothost]:80")]
    [InlineData("")]
    public void Rejects_what_is_not_an_address(string text)
    {
        Assert.False(ListenAddress.TryParse(text, out _));
        Assert.Throws<FormatException>(() => ListenAddress.Parse(text));
    }
}
