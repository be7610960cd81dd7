using System.Text;
using Wrenn.Envd.Connect;

namespace Wrenn.Envd.Tests.Connect;

public sealed class ConnectFramingTests
{
    [Fact]
    public async Task An_envelope_reads_back_as_written_even_one_byte_at_a_time()
    {
        using var written = new MemoryStream();
        await ConnectEnvelope.WriteAsync(written, 0, Encoding.UTF8.GetBytes("hello"), TestContext.Current.CancellationToken);
        await ConnectEnvelope.WriteAsync(written, ConnectEnvelope.EndStreamFlag, Encoding.UTF8.GetBytes("{}"), TestContext.Current.CancellationToken);

        using var trickle = new OneByteStream(written.ToArray());
        var first = await ConnectEnvelope.ReadAsync(trickle, 1024, TestContext.Current.CancellationToken);
        var second = await ConnectEnvelope.ReadAsync(trickle, 1024, TestContext.Current.CancellationToken);
        var after = await ConnectEnvelope.ReadAsync(trickle, 1024, TestContext.Current.CancellationToken);

        Assert.Equal((byte)0, first!.Value.Flags);
        Assert.Equal("hello", Encoding.UTF8.GetString(first.Value.Payload));
        Assert.Equal(ConnectEnvelope.EndStreamFlag, second!.Value.Flags);
        Assert.Null(after);
    }

    [Fact]
    public void The_header_is_flags_then_a_big_endian_length()
    {
        var header = new byte[5];
        ConnectEnvelope.WriteHeader(header, 0x02, 0x01020304);
        Assert.Equal(new byte[] { 0x02, 0x01, 0x02, 0x03, 0x04 }, header);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 1, 2 })]
    public async Task A_truncated_envelope_is_invalid_argument(byte[] bytes)
    {
        var error = await Assert.ThrowsAsync<ConnectException>(() => ConnectEnvelope.ReadAsync(new MemoryStream(bytes), 1024, TestContext.Current.CancellationToken));
        Assert.Equal(ConnectCode.InvalidArgument, error.Code);
    }

    [Fact]
    public async Task An_oversized_envelope_is_refused_before_it_is_read()
    {
        var error = await Assert.ThrowsAsync<ConnectException>(() =>
            ConnectEnvelope.ReadAsync(new MemoryStream([0, 0x7f, 0xff, 0xff, 0xff]), 1024, TestContext.Current.CancellationToken));
        Assert.Equal(ConnectCode.ResourceExhausted, error.Code);
    }

    [Fact]
    public void End_of_stream_is_an_empty_object_or_the_error()
    {
        Assert.Equal("{}", Encoding.UTF8.GetString(ConnectErrorJson.EndStream(null)));
        Assert.Equal(
            "{\"error\":{\"code\":\"not_found\",\"message\":\"no 'x'\"}}",
            Encoding.UTF8.GetString(ConnectErrorJson.EndStream(new ConnectException(ConnectCode.NotFound, "no 'x'"))));
        Assert.Equal(
            "{\"code\":\"internal\",\"message\":\"boom\"}",
            Encoding.UTF8.GetString(ConnectErrorJson.Unary(new ConnectException(ConnectCode.Internal, "boom"))));
    }

    [Theory]
    [InlineData("application/connect+proto", false, true)]
    [InlineData("application/connect+json; charset=utf-8", true, true)]
    [InlineData("application/proto", false, false)]
    [InlineData("Application/JSON", true, false)]
    public void Content_types_choose_encoding_and_framing(string contentType, bool json, bool streaming)
    {
        var format = ConnectWireFormat.FromContentType(contentType)!;
        Assert.Equal(json, format.IsJson);
        Assert.Equal(streaming, format.IsStreaming);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/grpc")]
    [InlineData(null)]
    public void Other_content_types_are_not_connect(string? contentType) => Assert.Null(ConnectWireFormat.FromContentType(contentType));

    [Theory]
    [InlineData("canceled", 499)]
    [InlineData("invalid_argument", 400)]
    [InlineData("unauthenticated", 401)]
    [InlineData("permission_denied", 403)]
    [InlineData("not_found", 404)]
    [InlineData("resource_exhausted", 429)]
    [InlineData("unimplemented", 501)]
    [InlineData("unavailable", 503)]
    [InlineData("deadline_exceeded", 504)]
    [InlineData("internal", 500)]
    public void Error_codes_map_to_the_statuses_the_connect_spec_gives(string code, int status) =>
        Assert.Equal(status, ConnectCode.HttpStatus(code));

    /// <summary>A stream that hands out one byte per read, as a slow network might.</summary>
    private sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
