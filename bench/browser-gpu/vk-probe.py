#!/usr/bin/env python3
"""Vulkan as Chromium will see it, without Chromium: loads a Vulkan loader (by default Chromium's own,
the libvulkan.so.1 beside the headless shell), creates an instance and lists the physical devices the
ICDs (VK_DRIVER_FILES / VK_ICD_FILENAMES) give. No vulkaninfo on the GPU machine; python3 is there.
    python3 bench/browser-gpu/vk-probe.py [path/to/libvulkan.so.1]
VK_LOADER_DEBUG=error,warn shows why an ICD was not loaded. Exit 0 when at least one device is found."""
import ctypes
import sys

TYPES = {0: 'other', 1: 'integrated GPU', 2: 'discrete GPU', 3: 'virtual GPU', 4: 'CPU'}


class InstanceCreateInfo(ctypes.Structure):
    _fields_ = [('sType', ctypes.c_uint32), ('pNext', ctypes.c_void_p), ('flags', ctypes.c_uint32),
                ('pApplicationInfo', ctypes.c_void_p), ('enabledLayerCount', ctypes.c_uint32),
                ('ppEnabledLayerNames', ctypes.c_void_p), ('enabledExtensionCount', ctypes.c_uint32),
                ('ppEnabledExtensionNames', ctypes.c_void_p)]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'libvulkan.so.1'
    try:
        vk = ctypes.CDLL(path)
    except OSError as e:
        print(f'vk-probe: cannot load the Vulkan loader {path}: {e}')
        return 2
    vk.vkCreateInstance.restype = ctypes.c_int32
    vk.vkEnumeratePhysicalDevices.restype = ctypes.c_int32
    info = InstanceCreateInfo(sType=1)  # VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO
    inst = ctypes.c_void_p()
    r = vk.vkCreateInstance(ctypes.byref(info), None, ctypes.byref(inst))
    if r != 0:
        print(f'vk-probe: vkCreateInstance failed: VkResult {r} (-9: no driver (ICD) loaded)')
        return 1
    n = ctypes.c_uint32(0)
    vk.vkEnumeratePhysicalDevices(inst, ctypes.byref(n), None)
    devs = (ctypes.c_void_p * max(n.value, 1))()
    vk.vkEnumeratePhysicalDevices(inst, ctypes.byref(n), devs)
    print(f'vk-probe: {n.value} physical device(s) through {path}')
    for i in range(n.value):
        props = ctypes.create_string_buffer(4096)  # VkPhysicalDeviceProperties (~824 bytes)
        vk.vkGetPhysicalDeviceProperties(ctypes.c_void_p(devs[i]), props)
        api, drv, vendor, device, kind = (int.from_bytes(props.raw[o:o + 4], 'little') for o in (0, 4, 8, 12, 16))
        name = props.raw[20:276].split(b'\0')[0].decode(errors='replace')
        print(f'  {i}: {name} ({TYPES.get(kind, kind)}), vendor 0x{vendor:04x} device 0x{device:04x}, '
              f'Vulkan {api >> 22}.{(api >> 12) & 0x3ff}.{api & 0xfff}, driver version 0x{drv:08x}')
    vk.vkDestroyInstance(inst, None)
    return 0 if n.value else 1


if __name__ == '__main__':
    sys.exit(main())
