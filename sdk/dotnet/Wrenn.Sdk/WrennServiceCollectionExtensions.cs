using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Wrenn.Sdk;

/// <summary>Registers <see cref="WrennClient"/> in a service collection.</summary>
public static class WrennServiceCollectionExtensions
{
    /// <summary>
    /// Adds a <see cref="WrennClient"/> on an HttpClient from IHttpClientFactory; unset options come
    /// from WRENN_API_URL / WRENN_API_KEY, then ~/.config/wrenn/config.json.
    /// </summary>
    public static IServiceCollection AddWrenn(this IServiceCollection services, Action<WrennOptions>? configure = null)
    {
        var options = services.AddOptions<WrennOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddHttpClient<WrennClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .AddTypedClient((http, provider) => new WrennClient(http, provider.GetRequiredService<IOptions<WrennOptions>>().Value));
        return services;
    }
}
