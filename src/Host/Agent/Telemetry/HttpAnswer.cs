using System.Globalization;
using System.Net;
using System.Text;

namespace CocoonNet.Host.Agent.Telemetry;

/// <summary>One complete answer, rendered before anything is sent, so a failure is a 500 and never a truncated 200.</summary>
internal sealed record HttpAnswer(HttpStatusCode Status, byte[] Body, string ContentType, string? Allow = null)
{
    public const string TextType = "text/plain; charset=utf-8";

    public const string JsonType = "application/json";

    /// <summary>204: done, nothing to say.</summary>
    public static HttpAnswer NoContent() => new(HttpStatusCode.NoContent, [], TextType);

    public static HttpAnswer Text(HttpStatusCode status, string text, string? allow = null) =>
        new(status, Encoding.UTF8.GetBytes(text), TextType, allow);

    /// <summary>Status line and headers; <c>Connection: close</c> always, so no connection idles between requests.</summary>
    public byte[] Head()
    {
        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {(int)Status} {Reason(Status)}\r\n");
        // A 204 carries neither (RFC 9110 8.6: no Content-Length in a 204).
        if (Status != HttpStatusCode.NoContent)
        {
            head.Append(CultureInfo.InvariantCulture, $"Content-Type: {ContentType}\r\n")
                .Append(CultureInfo.InvariantCulture, $"Content-Length: {Body.Length}\r\n");
        }

        head.Append("Connection: close\r\n");
        if (Allow is not null)
        {
            head.Append(CultureInfo.InvariantCulture, $"Allow: {Allow}\r\n");
        }

        return Encoding.ASCII.GetBytes(head.Append("\r\n").ToString());
    }

    private static string Reason(HttpStatusCode status) => status switch
    {
        HttpStatusCode.OK => "OK",
        HttpStatusCode.NoContent => "No Content",
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.MethodNotAllowed => "Method Not Allowed",
        HttpStatusCode.RequestHeaderFieldsTooLarge => "Request Header Fields Too Large",
        HttpStatusCode.InternalServerError => "Internal Server Error",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        _ => "Status",
    };
}
