using System.Reflection;
using System.Runtime.Loader;

namespace Seidr.Workflows.Runtime.Plugins;

/// <summary>
/// Loads one plugin assembly and its own dependencies beside it. Assemblies the host has (Seidr.Workflows.*, the
/// runtime, the libraries seidr ships with) are taken from the host, so a plugin's activity derives from the host's
/// <see cref="Engine.Activity"/> and the catalog can use it.
/// </summary>
internal sealed class PluginLoadContext(string pluginPath) : AssemblyLoadContext($"seidr-plugin:{Path.GetFileName(pluginPath)}")
{
    private readonly AssemblyDependencyResolver _resolver = new(pluginPath);

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (HostHas(assemblyName)) return Default.Assemblies.FirstOrDefault(a => a.GetName().Name == assemblyName.Name);
        return _resolver.ResolveAssemblyToPath(assemblyName) is { } path ? LoadFromAssemblyPath(path) : null;
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName) =>
        _resolver.ResolveUnmanagedDllToPath(unmanagedDllName) is { } path ? LoadUnmanagedDllFromPath(path) : IntPtr.Zero;

    /// <summary>
    /// Whether the host has an assembly of this name, whatever its version: a plugin built against another version of
    /// the Seidr.Workflows libraries still gets the host's (one Activity type), as plugin hosts that share types do.
    /// </summary>
    private static bool HostHas(AssemblyName name)
    {
        if (Default.Assemblies.Any(a => a.GetName().Name == name.Name)) return true;
        try
        {
            Default.LoadFromAssemblyName(new AssemblyName(name.Name!));
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException)
        {
            return false; // the host does not ship it: the plugin's own copy is used
        }
    }
}
