// The code under test programs the Linux kernel; so do these tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
