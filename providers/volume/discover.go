package volume

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shirou/gopsutil/v4/disk"
	"golang.org/x/sys/unix"
)

// A blockDev is a block device that holds, or may hold, a file system.
type blockDev struct {
	Name      string // kernel name: loop0, vda1, dm-0
	Path      string // /dev/loop0
	Dev       uint64 // device number
	Size      uint64 // bytes
	LogBlock  uint64 // logical block size
	ReadOnly  bool
	Removable bool
	Backing   string // a loop device's backing file

	// From blkid's low-level probe; empty for a device without a file
	// system.
	FSType, Label, UUID, FSVersion string
	FSBlock                        uint64

	Mounts []mount // where it is mounted, in mount table order
	Swap   bool    // in use as swap
}

type mount struct {
	Point  string
	Opts   []string
	FSType string
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func readUint(path string) uint64 {
	n, _ := strconv.ParseUint(readTrim(path), 10, 64)
	return n
}

// volumeGUID returns the volume GUID of a device: a name-based UUID (SHA-1,
// version 5 layout) of its kernel name and, for a loop device, its backing
// file, so that it does not change when the device is formatted.
func volumeGUID(d *blockDev) string {
	h := sha1.Sum([]byte("gowmi-volume\x00" + d.Name + "\x00" + d.Backing))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// DeviceID returns Win32_Volume.DeviceID of a device: \\?\Volume{guid}\.
func (d *blockDev) DeviceID() string { return `\\?\Volume{` + volumeGUID(d) + `}\` }

// skipDevice reports whether a kernel block device is no volume: RAM-backed
// swap and RAM disks, unattached loop devices, optical drives without a
// disc report size 0 and are skipped by the size test.
func skipDevice(name string) bool {
	return strings.HasPrefix(name, "zram") || strings.HasPrefix(name, "ram")
}

// discover lists the block devices that are volumes: partitions, disks
// without partitions, attached loop devices and device-mapper devices,
// with their file system (blkid) and mounts (the mount table).
func discover(ctx context.Context, sysRoot string) ([]*blockDev, error) {
	ents, err := os.ReadDir(filepath.Join(sysRoot, "class/block"))
	if err != nil {
		return nil, err
	}
	mounts := mountTable(ctx)
	swaps := swapDevices()
	var out []*blockDev
	for _, e := range ents {
		name := e.Name()
		if skipDevice(name) {
			continue
		}
		sys := filepath.Join(sysRoot, "class/block", name)
		size := readUint(filepath.Join(sys, "size")) * 512
		if size == 0 {
			continue
		}
		if hasPartitions(sys, name) {
			continue
		}
		if holders, _ := os.ReadDir(filepath.Join(sys, "holders")); len(holders) > 0 {
			continue // used by device-mapper, RAID...: the holder is the volume
		}
		d := &blockDev{Name: name, Path: "/dev/" + name, Size: size,
			ReadOnly:  readTrim(filepath.Join(sys, "ro")) == "1",
			Removable: readTrim(filepath.Join(sys, "removable")) == "1",
			Backing:   readTrim(filepath.Join(sys, "loop/backing_file")),
			LogBlock:  readUint(filepath.Join(sys, "queue/logical_block_size")),
		}
		if d.LogBlock == 0 {
			// A partition has no queue directory: its disk's.
			d.LogBlock = readUint(filepath.Join(sys, "../queue/logical_block_size"))
		}
		if mm := readTrim(filepath.Join(sys, "dev")); mm != "" {
			var maj, min uint32
			if _, err := fmt.Sscanf(mm, "%d:%d", &maj, &min); err == nil {
				d.Dev = unix.Mkdev(maj, min)
			}
		}
		d.Mounts = mounts[d.Dev]
		d.Swap = swaps[d.Dev]
		probe(ctx, d)
		if d.FSType == "" && len(d.Mounts) > 0 {
			d.FSType = d.Mounts[0].FSType // the device cannot be probed (no access): the kernel's word
		}
		out = append(out, d)
	}
	return out, nil
}

// hasPartitions reports whether a disk has partitions (subdirectories
// named after it, such as vda1 in vda).
func hasPartitions(sys, name string) bool {
	ents, _ := os.ReadDir(sys)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), name) && e.IsDir() {
			return true
		}
	}
	return false
}

// mountTable returns the mounts of block devices by device number.
func mountTable(ctx context.Context) map[uint64][]mount {
	out := map[uint64][]mount{}
	parts, err := disk.PartitionsWithContext(ctx, true)
	if err != nil {
		return out
	}
	for _, p := range parts {
		if !strings.HasPrefix(p.Device, "/dev/") {
			continue
		}
		var st unix.Stat_t
		if err := unix.Stat(p.Device, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
			continue
		}
		out[st.Rdev] = append(out[st.Rdev], mount{Point: p.Mountpoint, Opts: p.Opts, FSType: p.Fstype})
	}
	return out
}

// swapDevices returns the block devices in use as swap (/proc/swaps).
func swapDevices() map[uint64]bool {
	out := map[uint64]bool{}
	data, err := os.ReadFile("/proc/swaps")
	if err != nil {
		return out
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 0 || !strings.HasPrefix(f[0], "/dev/") {
			continue
		}
		var st unix.Stat_t
		if unix.Stat(f[0], &st) == nil {
			out[st.Rdev] = true
		}
	}
	return out
}

// probe reads the file system of a device with blkid's low-level probe
// (libblkid, which needs no udev database).
func probe(ctx context.Context, d *blockDev) {
	out, err := exec.CommandContext(ctx, "blkid", "-p", "-o", "export", d.Path).Output()
	if err != nil {
		return // no file system (exit 2), or no blkid
	}
	for _, line := range strings.Split(string(out), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch k {
		case "TYPE":
			d.FSType = v
		case "LABEL":
			d.Label = v
		case "UUID":
			d.UUID = v
		case "VERSION":
			d.FSVersion = v
		case "BLOCK_SIZE":
			d.FSBlock, _ = strconv.ParseUint(v, 10, 64)
		}
	}
}

// FileSystem returns the file system's name as Win32_Volume.FileSystem
// shows it: Windows' names for the file systems Windows has (FAT32, FAT,
// NTFS, exFAT), the kernel's for the others (ext4, xfs, btrfs).
func (d *blockDev) FileSystem() string {
	switch d.FSType {
	case "vfat":
		if d.FSVersion == "FAT32" {
			return "FAT32"
		}
		return "FAT"
	case "ntfs", "ntfs3":
		return "NTFS"
	case "exfat":
		return "exFAT"
	case "swap":
		return ""
	}
	return d.FSType
}

// SerialNumber returns the volume serial number of a FAT or exFAT volume
// (its volume ID, "ABCD-1234"), which is what Windows shows.
func (d *blockDev) SerialNumber() (uint32, bool) {
	if (d.FSType == "vfat" || d.FSType == "exfat") && len(d.UUID) == 9 && d.UUID[4] == '-' {
		n, err := strconv.ParseUint(d.UUID[:4]+d.UUID[5:], 16, 32)
		return uint32(n), err == nil
	}
	return 0, false
}

// systemMounts are the mount points of the running system: a volume
// mounted at one of them is a system volume, which the methods that change
// a volume refuse to touch.
var systemMounts = map[string]bool{
	"/": true, "/boot": true, "/boot/efi": true, "/efi": true, "/usr": true, "/var": true,
	"/var/log": true, "/etc": true, "/home": true, "/opt": true, "/srv": true, "/root": true,
	"/usr/local": true, "/nix": true, "/var/lib": true,
}

// System reports whether the device holds a file system of the running
// system, or is its swap.
func (d *blockDev) System() bool {
	if d.Swap {
		return true
	}
	for _, m := range d.Mounts {
		if systemMounts[m.Point] {
			return true
		}
	}
	return false
}

// Mounted reports whether the device is mounted anywhere.
func (d *blockDev) Mounted() bool { return len(d.Mounts) > 0 }

// Name returns Win32_Volume.Name: the first mount point, or the DeviceID of
// a volume that is not mounted, as Windows names a volume without a path.
func (d *blockDev) VolumeName() string {
	if len(d.Mounts) > 0 {
		return d.Mounts[0].Point
	}
	return d.DeviceID()
}
