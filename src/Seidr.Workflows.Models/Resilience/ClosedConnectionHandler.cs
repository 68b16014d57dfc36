using System.Net;
using Microsoft.Extensions.Logging;

namespace Seidr.Workflows.Models.Resilience;

/// <summary>
/// Keeps the HTTP client off connections the server has closed. .NET pools a connection after an HTTP/1.0 answer
/// (keep-alive is assumed), but servers that speak HTTP/1.0 (Python's http.server, many small model servers) close
/// it as soon as they have answered; a request handed that connection meanwhile ends with "the response ended
/// prematurely" before the server ever saw it. This handler (1) sends such a request again at once, a few times, since
/// the server has not seen it, and (2) once a server answers in HTTP/1.0 without keep-alive, asks it for
/// <c>Connection: close</c> on every later request, so no closed connection is pooled again.
/// </summary>
internal sealed class ClosedConnectionHandler(HttpMessageHandler inner, ILogger logger) : DelegatingHandler(inner)
{
    /// <summary>Sends on a closed connection tolerated per request before the error goes to the retry policy.</summary>
    private const int MaxResends = 4;

    private volatile bool _serverCloses;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        for (int resend = 0; ; resend++)
        {
            if (_serverCloses) request.Headers.ConnectionClose = true;
            try
            {
                var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
                if (!_serverCloses && response.Version == HttpVersion.Version10 && !response.Headers.Connection.Contains("keep-alive", StringComparer.OrdinalIgnoreCase))
                {
                    _serverCloses = true;
                    logger.LogInformation("{Host} answers in HTTP/1.0 and closes its connections: later requests ask it for Connection: close", request.RequestUri?.Authority);
                }
                return response;
            }
            catch (HttpRequestException e) when (e.HttpRequestError == HttpRequestError.ResponseEnded && resend < MaxResends && !cancellationToken.IsCancellationRequested)
            {
                logger.LogDebug("{Host}: the connection was closed before any answer; sending again", request.RequestUri?.Authority);
            }
        }
    }
}
