using Wrenn.Common.Configuration;

namespace Wrenn.Common.Tests.Configuration;

/// <summary>WRENN_RUNTIME=auto picks VMs where KVM is there, and a runtime that cannot run says what to install.</summary>
public sealed class RuntimeChoiceTests
{
    [Theory]
    [InlineData("auto", true, true, "qemu")]
    [InlineData("auto", false, true, "container")]
    [InlineData("auto", true, false, "container")]
    [InlineData("AUTO ", true, true, "qemu")]
    [InlineData("container", true, true, "container")]
    [InlineData("qemu", false, false, "qemu")]
    public void Auto_is_qemu_with_kvm_where_kvm_and_qemu_are_there_else_containers(string requested, bool kvm, bool qemu, string expected) =>
        Assert.Equal(expected, RuntimeChoice.Resolve(requested, kvm, qemu));

    [Fact]
    public void A_qemu_runtime_without_qemu_is_one_sentence_naming_the_debian_packages()
    {
        var dir = Directory.CreateTempSubdirectory("wrenn-runtime-").FullName;
        try
        {
            var missing = RuntimeChoice.WhatIsMissing("qemu", dir, _ => false, null);
            Assert.NotNull(missing);
            Assert.Contains("apt-get install qemu-system-x86 qemu-utils", missing, StringComparison.Ordinal);
            Assert.DoesNotContain('\n', missing);

            var onlyImg = RuntimeChoice.WhatIsMissing("qemu", dir, program => program != "qemu-img", null);
            Assert.Contains("needs qemu-img, which is not installed: apt-get install qemu-utils", onlyImg, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_qemu_runtime_without_a_guest_kernel_says_to_run_wrenn_image_kernel_and_with_one_needs_nothing()
    {
        var dir = Directory.CreateTempSubdirectory("wrenn-runtime-").FullName;
        try
        {
            Assert.Contains("wrenn image kernel", RuntimeChoice.WhatIsMissing("qemu", dir, _ => true, null), StringComparison.Ordinal);
            Directory.CreateDirectory(Path.Combine(dir, "kernels"));
            File.WriteAllText(Path.Combine(dir, "kernels", "vmlinuz-6.1.0-test"), string.Empty);
            Assert.Null(RuntimeChoice.WhatIsMissing("qemu", dir, _ => true, null));
            Assert.Null(RuntimeChoice.WhatIsMissing("container", dir, _ => false, null));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_configured_qemu_binary_is_what_must_exist_not_qemu_system_x86_64_on_the_path()
    {
        var dir = Directory.CreateTempSubdirectory("wrenn-runtime-").FullName;
        try
        {
            var emulator = Path.Combine(dir, "my-qemu");
            File.WriteAllText(emulator, "#!/bin/sh\n");

            // A path that is not executable (yet) is missing, even though qemu-system-x86_64 is "on the path".
            var missing = RuntimeChoice.MissingTools("qemu", RuntimeChoice.IsOnPath, emulator);
            Assert.Contains(missing, m => m.Program == emulator && m.Package == "qemu-system-x86");

            File.SetUnixFileMode(emulator, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Assert.DoesNotContain(RuntimeChoice.MissingTools("qemu", RuntimeChoice.IsOnPath, emulator), m => m.Program == emulator);
            Assert.Equal(emulator, RuntimeChoice.FindOnPath(emulator));

            // Without the setting, the emulator is looked for by its name on $PATH.
            Assert.Contains(RuntimeChoice.MissingTools("qemu", _ => false, null), m => m.Program == "qemu-system-x86_64");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Kvm_is_usable_only_when_the_device_opens()
    {
        Assert.False(RuntimeChoice.KvmUsable("/nonexistent/kvm"));
    }

    [Fact]
    public void A_kvm_device_that_opens_is_not_usable_without_hardware_virtualization()
    {
        // A PVM kernel serves /dev/kvm on a CPU without vmx/svm; QEMU's guests die there. /dev/null stands in
        // for a device that opens.
        var dir = Directory.CreateTempSubdirectory("wrenn-cpuinfo-").FullName;
        try
        {
            var without = Path.Combine(dir, "pvm");
            File.WriteAllText(without, "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr pae sse sse2 hypervisor\n");
            var with = Path.Combine(dir, "vmx");
            File.WriteAllText(with, "processor\t: 0\nflags\t\t: fpu vme vmx sse2\n");
            Assert.False(RuntimeChoice.KvmUsable("/dev/null", without));
            Assert.True(RuntimeChoice.KvmUsable("/dev/null", with));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("flags\t\t: fpu vme vmx sse2\n", true)]
    [InlineData("flags\t\t: fpu svm lm\n", true)]
    [InlineData("flags\t\t: fpu vmxnet sse2\nbugs\t\t: vmx\n", false)]
    [InlineData("flags\t\t: fpu sse2 hypervisor\n", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Hardware_virtualization_is_a_vmx_or_svm_flag(string? cpuInfo, bool expected) =>
        Assert.Equal(expected, RuntimeChoice.HasHardwareVirtualization(cpuInfo));
}
