using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Gke.Metadata;

/// <summary>The cheap, local half of GCE detection: the DMI product name Google's VMs report.</summary>
internal static class GceHardware
{
    public static bool IsGoogle(IHostFileSystem files)
    {
        foreach (var path in new[] { "/sys/class/dmi/id/product_name", "/sys/class/dmi/id/sys_vendor" })
        {
            try
            {
                var real = files.PathOf(path);
                if (File.Exists(real) && File.ReadAllText(real).Contains("Google", StringComparison.Ordinal))
                {
                    return true;
                }
            }
            catch (IOException)
            {
                // Unreadable DMI data: not evidence of GCE.
            }
        }

        return false;
    }
}
