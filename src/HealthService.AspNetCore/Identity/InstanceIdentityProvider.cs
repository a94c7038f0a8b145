namespace HealthService.Identity;

/// <summary>
/// The instance identity, once discovery has ended. Discovery runs in the background after start (at most a couple of
/// seconds) and never delays <c>/health</c>; read <see cref="Current"/> where a value is optional (a log enricher), or
/// await <see cref="Known"/> where it is worth waiting for.
/// </summary>
public sealed class InstanceIdentityProvider
{
    private readonly TaskCompletionSource<InstanceIdentity> _known = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal InstanceIdentityProvider()
    {
    }

    /// <summary>The identity, or null while discovery is still running.</summary>
    public InstanceIdentity? Current => _known.Task.IsCompletedSuccessfully ? _known.Task.Result : null;

    /// <summary>Completes when discovery ends, whatever it found (at worst, the host name); it never fails.</summary>
    public Task<InstanceIdentity> Known => _known.Task;

    /// <summary>Publishes the identity; later calls change nothing.</summary>
    internal bool Set(InstanceIdentity identity) => _known.TrySetResult(identity);
}
