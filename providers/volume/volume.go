// Package volume is the provider of Win32_Volume (WMI's Storage Volume
// provider, MSVDS_PROVIDER) and Win32_LogicalDisk (CIMWin32): the block
// devices that hold file systems, and the mounted file systems.
//
// A volume is a partition, a disk without partitions, an attached loop
// device or a device-mapper device, read from sysfs, with its file system
// from blkid's low-level probe and its mounts from the mount table
// (gopsutil). Its DeviceID is a volume GUID path, \\?\Volume{guid}\, whose
// GUID is derived from the kernel device (and a loop device's backing
// file), so that it stays the same when the volume is formatted;
// PNPDeviceID holds the device node (/dev/loop0). A logical disk is a
// mounted file system on a block device, a network file system or a RAM
// file system; its DeviceID is the mount point.
//
// The methods run the file system tools: Format runs mkfs, Chkdsk fsck,
// DefragAnalysis and Defrag e4defrag, xfs_fsr or btrfs filesystem
// defragment; Mount, Dismount and AddMountPoint use mount(2) and
// umount(2). They report the tools' progress with WBEM_STATUS_PROGRESS
// where the tool prints it, run to completion when the caller cancels
// (WMI's rule for methods), and refuse to touch a mounted file system of
// the running system (/, /usr, /boot, swap...).
package volume

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/shirou/gopsutil/v4/disk"
	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/wbem/status"
)

// MOF holds the package's class definitions.
//
//go:embed *.mof
var MOF embed.FS

// Files lists the MOF files of MOF in compile order.
var Files = []string{"defrag.mof", "volume.mof"}

// ProviderName is the provider of Win32_Volume, WMI's Storage Volume
// provider.
const ProviderName = "MSVDS_PROVIDER"

// DefaultMountRoot is where Mount and the defragmenter mount a volume that
// has no mount point.
const DefaultMountRoot = "/run/gowmi/volumes"

// Provider serves Win32_Volume and Win32_LogicalDisk.
type Provider struct {
	// SysRoot is where sysfs is mounted; "" is /sys.
	SysRoot string
	// MountRoot is where a volume without a mount point is mounted;
	// "" is DefaultMountRoot.
	MountRoot string
	// Done, when set, is called when a method has run to completion, with
	// the volume's DeviceID and the method's output parameters, even when
	// the caller cancelled the call and never sees them.
	Done func(method, deviceID string, out *cim.Instance)

	running sync.WaitGroup
	busyMu  sync.Mutex
	busy    map[string]string // device path → method running on it
}

// New returns a Provider reading the machine.
func New() *Provider { return &Provider{} }

// Register registers a new Provider: Win32_Volume under MSVDS_PROVIDER,
// Win32_LogicalDisk under CIMWin32.
func Register(om *cimom.ObjectManager) error { return RegisterProvider(om, New()) }

// RegisterProvider registers p.
func RegisterProvider(om *cimom.ObjectManager, p *Provider) error {
	if err := om.RegisterProvider(ProviderName, p); err != nil {
		return err
	}
	return prov.Route(om, prov.CIMWin32, "Win32_LogicalDisk", p)
}

// Wait waits for the methods that are running, those whose callers
// cancelled them included.
func (p *Provider) Wait() { p.running.Wait() }

func (p *Provider) sysRoot() string {
	if p.SysRoot == "" {
		return "/sys"
	}
	return p.SysRoot
}

func (p *Provider) mountRoot() string {
	if p.MountRoot == "" {
		return DefaultMountRoot
	}
	return p.MountRoot
}

// EnumerateInstances implements provider.InstanceEnumerator.
func (p *Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	if req.Class.InheritsFrom("Win32_LogicalDisk") {
		disks, err := p.logicalDisks(ctx, req.Class)
		if err != nil {
			return err
		}
		return sendAll(sink, disks)
	}
	devs, err := discover(ctx, p.sysRoot())
	if err != nil {
		return status.Wrap(status.Failed, err)
	}
	var out []*cim.Instance
	for _, d := range devs {
		inst, err := volumeInstance(req.Class, d)
		if err != nil {
			return err
		}
		out = append(out, inst)
	}
	return sendAll(sink, out)
}

func sendAll(sink provider.Sink, insts []*cim.Instance) error {
	if len(insts) == 0 {
		return nil
	}
	objs := make([]cim.Object, len(insts))
	for i, inst := range insts {
		objs[i] = inst
	}
	return sink.Send(objs...)
}

// GetInstance implements provider.InstanceGetter.
func (p *Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	id, _ := prov.KeyString(req.Path, "DeviceID")
	if req.Class.InheritsFrom("Win32_LogicalDisk") {
		disks, err := p.logicalDisks(ctx, req.Class)
		if err != nil {
			return nil, err
		}
		for _, d := range disks {
			if s, _ := d.Value("DeviceID").Str(); s == id {
				return d, nil
			}
		}
		return nil, status.Errorf(status.NotFound, "no logical disk %q", id)
	}
	d, err := p.find(ctx, id)
	if err != nil {
		return nil, err
	}
	return volumeInstance(req.Class, d)
}

// find returns the volume with a DeviceID.
func (p *Provider) find(ctx context.Context, deviceID string) (*blockDev, error) {
	devs, err := discover(ctx, p.sysRoot())
	if err != nil {
		return nil, status.Wrap(status.Failed, err)
	}
	for _, d := range devs {
		if strings.EqualFold(d.DeviceID(), deviceID) {
			return d, nil
		}
	}
	return nil, status.Errorf(status.NotFound, "no volume %q", deviceID)
}

// DeviceIDOf returns the Win32_Volume.DeviceID of a block device node such
// as /dev/loop0.
func (p *Provider) DeviceIDOf(ctx context.Context, devPath string) (string, error) {
	devs, err := discover(ctx, p.sysRoot())
	if err != nil {
		return "", err
	}
	for _, d := range devs {
		if d.Path == devPath {
			return d.DeviceID(), nil
		}
	}
	return "", status.Errorf(status.NotFound, "%s is no volume", devPath)
}

func driveType(d *blockDev) uint32 {
	switch {
	case strings.HasPrefix(d.Name, "sr"):
		return 5
	case d.Removable:
		return 2
	}
	return 3
}

func volumeInstance(class *cim.Class, d *blockDev) (*cim.Instance, error) {
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	s := &prov.Setter{Inst: inst}
	name := d.VolumeName()
	s.Val("DeviceID", d.DeviceID())
	s.Val("Name", name)
	s.Val("Caption", name)
	s.Val("PNPDeviceID", d.Path)
	s.Val("SystemName", prov.Hostname())
	s.Val("DriveType", driveType(d))
	if fs := d.FileSystem(); fs != "" {
		s.Val("FileSystem", fs)
	}
	if d.Label != "" {
		s.Val("Label", d.Label)
	}
	if n, ok := d.SerialNumber(); ok {
		s.Val("SerialNumber", n)
	}
	s.Val("Capacity", d.Size)
	if d.FSBlock != 0 {
		s.Val("BlockSize", d.FSBlock)
	} else if d.LogBlock != 0 {
		s.Val("BlockSize", d.LogBlock)
	}
	access := uint16(3) // read/write
	if d.ReadOnly {
		access = 1
	}
	s.Val("PageFilePresent", d.Swap)
	system, boot := false, false
	for _, m := range d.Mounts {
		switch m.Point {
		case "/":
			system = true
		case "/boot":
			boot = true
		}
	}
	s.Val("SystemVolume", system)
	s.Val("BootVolume", boot || system)
	if len(d.Mounts) > 0 {
		m := d.Mounts[0]
		for _, o := range m.Opts {
			if o == "ro" {
				access = 1
			}
		}
		var st unix.Statfs_t
		if err := unix.Statfs(m.Point, &st); err == nil {
			s.Val("Capacity", st.Blocks*uint64(st.Bsize))
			s.Val("FreeSpace", st.Bavail*uint64(st.Bsize))
			s.Val("BlockSize", uint64(st.Bsize))
			s.Val("MaximumFileNameLength", uint32(st.Namelen))
		}
		s.Val("SupportsFileBasedCompression", d.FSType == "btrfs")
	}
	s.Val("Access", access)
	return inst, s.Err
}

// --- Win32_LogicalDisk ------------------------------------------------------------

var networkFS = map[string]bool{"nfs": true, "nfs4": true, "cifs": true, "smb3": true, "smbfs": true, "9p": true,
	"fuse.sshfs": true, "ceph": true, "glusterfs": true, "afs": true}

var ramFS = map[string]bool{"tmpfs": true, "ramfs": true}

// logicalDisks returns a Win32_LogicalDisk for each mounted file system on
// a block device, network file system and RAM file system.
func (p *Provider) logicalDisks(ctx context.Context, class *cim.Class) ([]*cim.Instance, error) {
	parts, err := disk.PartitionsWithContext(ctx, true)
	if err != nil {
		return nil, status.Wrap(status.Failed, err)
	}
	devs, _ := discover(ctx, p.sysRoot())
	byDev := map[uint64]*blockDev{}
	for _, d := range devs {
		byDev[d.Dev] = d
	}
	seen := map[string]bool{}
	var out []*cim.Instance
	for _, part := range parts {
		var dt uint32
		var bd *blockDev
		switch {
		case networkFS[part.Fstype]:
			dt = 4
		case ramFS[part.Fstype]:
			dt = 6
		case strings.HasPrefix(part.Device, "/dev/"):
			var st unix.Stat_t
			if unix.Stat(part.Device, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFBLK {
				continue
			}
			bd = byDev[st.Rdev]
			dt = 3
			if bd != nil {
				dt = driveType(bd)
			}
		default:
			continue
		}
		if seen[part.Mountpoint] {
			continue // over-mounted: the top mount is what the path shows
		}
		seen[part.Mountpoint] = true
		inst, err := class.SpawnInstance()
		if err != nil {
			return nil, err
		}
		s := &prov.Setter{Inst: inst}
		s.Val("DeviceID", part.Mountpoint)
		s.Val("Name", part.Mountpoint)
		s.Val("Caption", part.Mountpoint)
		s.Val("DriveType", dt)
		s.Val("SystemName", prov.Hostname())
		s.Val("CreationClassName", "Win32_LogicalDisk")
		s.Val("SystemCreationClassName", "Win32_ComputerSystem")
		switch dt {
		case 3:
			s.Val("Description", "Local Fixed Disk")
			s.Val("MediaType", uint32(12)) // fixed hard disk media
		case 2:
			s.Val("Description", "Removable Disk")
			s.Val("MediaType", uint32(11))
		case 4:
			s.Val("Description", "Network Connection")
			s.Val("ProviderName", part.Device)
		case 5:
			s.Val("Description", "CD-ROM Disc")
		case 6:
			s.Val("Description", "RAM Disk")
		}
		fs := part.Fstype
		if bd != nil {
			if f := bd.FileSystem(); f != "" {
				fs = f
			}
			if bd.Label != "" {
				s.Val("VolumeName", bd.Label)
			}
			if n, ok := bd.SerialNumber(); ok {
				s.Val("VolumeSerialNumber", fmt.Sprintf("%08X", n))
			}
			s.Val("PNPDeviceID", bd.Path)
		}
		s.Val("FileSystem", fs)
		var st unix.Statfs_t
		if err := unix.Statfs(part.Mountpoint, &st); err == nil {
			s.Val("Size", st.Blocks*uint64(st.Bsize))
			s.Val("FreeSpace", st.Bavail*uint64(st.Bsize))
			s.Val("BlockSize", uint64(st.Bsize))
			s.Val("NumberOfBlocks", st.Blocks)
			s.Val("MaximumComponentLength", uint32(st.Namelen))
		}
		access := uint16(3)
		for _, o := range part.Opts {
			if o == "ro" {
				access = 1
			}
		}
		s.Val("Access", access)
		if s.Err != nil {
			return nil, s.Err
		}
		out = append(out, inst)
	}
	return out, nil
}

// --- helpers for the methods -------------------------------------------------------

// claim marks a device busy with a method; it returns the method already
// running on it, or "".
func (p *Provider) claim(dev, method string) string {
	p.busyMu.Lock()
	defer p.busyMu.Unlock()
	if p.busy == nil {
		p.busy = map[string]string{}
	}
	if m, ok := p.busy[dev]; ok {
		return m
	}
	p.busy[dev] = method
	return ""
}

func (p *Provider) release(dev string) {
	p.busyMu.Lock()
	defer p.busyMu.Unlock()
	delete(p.busy, dev)
}

// tempMount mounts a volume that has no mount point under MountRoot and
// returns the mount point and a function that unmounts it.
func (p *Provider) tempMount(d *blockDev, suffix string) (string, func(), error) {
	dir := filepath.Join(p.mountRoot(), volumeGUID(d)+suffix)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	if err := unix.Mount(d.Path, dir, d.FSType, 0, ""); err != nil {
		_ = os.Remove(dir)
		return "", nil, err
	}
	return dir, func() {
		_ = unix.Unmount(dir, 0)
		_ = os.Remove(dir)
	}, nil
}

func isPerm(err error) bool {
	return errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) || errors.Is(err, os.ErrPermission)
}
