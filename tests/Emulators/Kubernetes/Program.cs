using CocoonNet.Emulators.Kubernetes;

// kube-emulator: a Kubernetes API server subset (nodes, leases, events) for cocoon-net's in-cluster tests.
//   dotnet kube-emulator.dll --urls http://127.0.0.1:0 [--HistorySize 1000] [--BookmarkSeconds 60]
// Prints "kube-emulator listening on <url>" once it accepts requests (port 0: the test reads the real port there).
// Control endpoints (under /_control) inject faults, read the request log and reset state.
await using var app = EmulatorApp.Create(args);
await app.StartAsync().ConfigureAwait(false);
Console.WriteLine($"kube-emulator listening on {app.Urls.First()}");
await app.WaitForShutdownAsync().ConfigureAwait(false);
