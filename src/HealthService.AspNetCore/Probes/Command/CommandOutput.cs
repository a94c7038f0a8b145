using System.IO.Pipes;
using System.Runtime.InteropServices;

namespace HealthService.Probes.Command;

/// <summary>
/// Reads a command's stdout and stderr until both end or the reader is told to stop, keeping a bounded prefix of
/// stdout, and then closes both pipes, always.
/// </summary>
/// <remarks>
/// A blocking read cannot be abandoned: while any process still holds the pipe's other end, the read keeps its thread
/// and the descriptor (disposing a stream waits for a read in progress). So the pipes are polled, and read only when
/// poll(2) says that a read will not block; a stop request is noticed within one poll slice.
/// </remarks>
internal static class CommandOutput
{
    private const short PollIn = 0x0001;
    private const int Interrupted = 4; // EINTR
    private const int PollSliceMilliseconds = 50;

    /// <summary>Reads on a thread of its own, so that a slow command never holds a thread-pool thread.</summary>
    public static Task<byte[]> ReadAsync(Stream stdout, Stream stderr, int maxBytes, CancellationToken stop) =>
        Task.Factory.StartNew(() => Read(stdout, stderr, maxBytes, stop), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static byte[] Read(Stream stdout, Stream stderr, int maxBytes, CancellationToken stop)
    {
        using (stdout)
        using (stderr)
        {
            PipeStream[] pipes = [(PipeStream)stdout, (PipeStream)stderr];
            var polled = new PollDescriptor[pipes.Length];
            for (var i = 0; i < pipes.Length; i++)
            {
                polled[i] = new PollDescriptor { Descriptor = (int)pipes[i].SafePipeHandle.DangerousGetHandle(), Events = PollIn };
            }

            var kept = new MemoryStream();
            var buffer = new byte[16 * 1024];
            var open = pipes.Length;
            while (open > 0 && !stop.IsCancellationRequested)
            {
                if (Poll(polled, (nuint)polled.Length, PollSliceMilliseconds) < 0)
                {
                    if (Marshal.GetLastPInvokeError() == Interrupted)
                    {
                        continue;
                    }

                    break;
                }

                for (var i = 0; i < pipes.Length; i++)
                {
                    if (polled[i].Descriptor < 0 || polled[i].ReturnedEvents == 0)
                    {
                        continue;
                    }

                    var read = ReadOnce(pipes[i], buffer);
                    if (read == 0)
                    {
                        polled[i].Descriptor = -1; // poll(2) skips negative descriptors
                        open--;
                    }
                    else if (i == 0 && kept.Length < maxBytes)
                    {
                        kept.Write(buffer, 0, (int)Math.Min(read, maxBytes - kept.Length));
                    }
                }
            }

            return kept.ToArray();
        }
    }

    private static int ReadOnce(PipeStream pipe, byte[] buffer)
    {
        try
        {
            return pipe.Read(buffer);
        }
        catch (IOException)
        {
            return 0; // an error on the pipe ends it like end of file
        }
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct PollDescriptor
    {
        public int Descriptor;
        public short Events;
        public short ReturnedEvents;
    }

    [DllImport("libc", EntryPoint = "poll", SetLastError = true)]
    private static extern int Poll([In, Out] PollDescriptor[] descriptors, nuint count, int timeoutMilliseconds);
}
