using CocoonNet.Abstractions;

namespace CocoonNet.Providers.Volcengine.Metadata;

/// <summary>
/// The cheap, local half of Volcengine detection: a DMI/SMBIOS string naming Volcengine (or ByteDance, its
/// parent) in <c>/sys/class/dmi/id</c>.
/// </summary>
/// <remarks>
/// No Volcengine document states what ECS instances report in DMI, and cloud-init has no Volcengine
/// datasource to learn it from (canonical/cloud-init doc/rtd/reference/datasources.rst lists none); the
/// only public rule found is a third-party multi-cloud detection script that matches "volcengine" or
/// "bytedance" in sys_vendor, product_name and bios_vendor (see docs/volcengine.md, "Detection"). So this
/// check errs towards "no": it can only stop a probe, never cause one on a machine that does not say
/// Volcengine. An ECS image that reports neither is handled with <c>--platform volcengine</c> or an
/// explicit metadata URL.
/// </remarks>
internal static class EcsHardware
{
    public static readonly string[] Files =
    [
        "/sys/class/dmi/id/sys_vendor",
        "/sys/class/dmi/id/product_name",
        "/sys/class/dmi/id/bios_vendor",
        "/sys/class/dmi/id/board_vendor",
        "/sys/class/dmi/id/chassis_vendor",
        "/sys/class/dmi/id/chassis_asset_tag",
    ];

    private static readonly string[] Signs = ["volcengine", "bytedance"];

    public static bool IsVolcengine(IHostFileSystem files)
    {
        foreach (var path in Files)
        {
            try
            {
                var real = files.PathOf(path);
                if (File.Exists(real) && File.ReadAllText(real) is var text
                    && Signs.Any(sign => text.Contains(sign, StringComparison.OrdinalIgnoreCase)))
                {
                    return true;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Unreadable DMI data (some files are root-only): not evidence of Volcengine.
            }
        }

        return false;
    }
}
