package volume_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers/internal/ptest"
	"github.com/gowmi/gowmi/providers/volume"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const imageSize = 64 << 20

// done records the methods that ran to completion, in order.
type done struct{ ch chan result }

type result struct {
	method string
	out    *cim.Instance
}

func (d *done) record(method, id string, out *cim.Instance) { d.ch <- result{method, out} }

// wait returns the output of the next method that ran to completion, which
// must be method.
func (d *done) wait(t *testing.T, method string) *cim.Instance {
	t.Helper()
	select {
	case r := <-d.ch:
		if r.method != method {
			t.Fatalf("%s ran to completion, want %s", r.method, method)
		}
		return r.out
	case <-time.After(10 * time.Minute):
		t.Fatalf("%s did not run to completion", method)
	}
	return nil
}

func newEnv(t *testing.T) (*ptest.Env, *volume.Provider, *done) {
	rec := &done{ch: make(chan result, 100)}
	p := &volume.Provider{MountRoot: t.TempDir(), Done: rec.record}
	env := ptest.New(t, "", func(om *cimom.ObjectManager) error { return volume.RegisterProvider(om, p) }, ptest.Package(t, "volume"))
	t.Cleanup(p.Wait)
	return env, p, rec
}

// needTools skips the test when a tool it uses is missing.
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (Debian package e2fsprogs, dosfstools or util-linux)", tool)
		}
	}
}

// loopImage creates a file system image (mkfs when not "", else blank),
// attaches it to a loop device and returns the image and the device. It
// skips the test where the machine forbids loop devices.
func loopImage(t *testing.T, mkfs ...string) (img, dev string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("loop devices, mount and mkfs need root")
	}
	needTools(t, "losetup", "blkid")
	img = filepath.Join(t.TempDir(), "volume.img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, imageSize); err != nil {
		t.Fatal(err)
	}
	if len(mkfs) > 0 {
		needTools(t, mkfs[0])
		if out, err := exec.Command(mkfs[0], append(mkfs[1:], img)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", mkfs, err, out)
		}
	}
	out, err := exec.Command("losetup", "-f", "--show", img).CombinedOutput()
	if err != nil {
		t.Skipf("this machine gives no loop device: losetup: %v: %s", err, out)
	}
	dev = strings.TrimSpace(string(out))
	t.Cleanup(func() {
		if out, err := exec.Command("losetup", "-d", dev).CombinedOutput(); err != nil {
			t.Errorf("losetup -d %s: %v: %s", dev, err, out)
		}
	})
	return img, dev
}

// mountDev mounts a device on a new directory and unmounts it when the
// test ends.
func mountDev(t *testing.T, dev, fstype string) string {
	t.Helper()
	dir := t.TempDir()
	if err := unix.Mount(dev, dir, fstype, 0, ""); err != nil {
		t.Skipf("this machine does not let the test mount %s: %v", dev, err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	return dir
}

func volumeOf(t *testing.T, env *ptest.Env, dev string) *cim.Instance {
	t.Helper()
	got := env.Query(t, fmt.Sprintf("SELECT * FROM Win32_Volume WHERE PNPDeviceID = '%s'", dev))
	if len(got) != 1 {
		t.Fatalf("%d volumes on %s", len(got), dev)
	}
	return got[0]
}

func str(inst *cim.Instance, name string) string {
	s, _ := inst.Value(name).Str()
	return s
}

func blkid(t *testing.T, path string) map[string]string {
	t.Helper()
	out, _ := exec.Command("blkid", "-p", "-o", "export", path).Output()
	m := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			m[k] = v
		}
	}
	return m
}

func TestVolumeOfImage(t *testing.T) {
	env, _, _ := newEnv(t)
	_, dev := loopImage(t, "mkfs.ext4", "-q", "-L", "GOWMITEST")
	v := volumeOf(t, env, dev)
	id := str(v, "DeviceID")
	if !regexp.MustCompile(`^\\\\\?\\Volume\{[0-9a-f-]{36}\}\\$`).MatchString(id) {
		t.Errorf("DeviceID = %q", id)
	}
	tests := []struct{ prop, want string }{
		{"FileSystem", "ext4"},
		{"Label", "GOWMITEST"},
		{"Capacity", strconv.Itoa(imageSize)},
		{"Name", id},
		{"DriveType", "3"},
		{"DriveLetter", "NULL"},
		{"FreeSpace", "NULL"}, // not mounted: unknown
	}
	for _, tt := range tests {
		if got := v.Value(tt.prop).String(); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.prop, got, tt.want)
		}
	}
	// Mounted, the volume shows the file system's size and free space.
	dir := mountDev(t, dev, "ext4")
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	v = volumeOf(t, env, dev)
	if str(v, "DeviceID") != id {
		t.Errorf("DeviceID changed when mounted: %s", str(v, "DeviceID"))
	}
	for _, tt := range []struct{ prop, want string }{
		{"Name", dir},
		{"Capacity", strconv.FormatUint(st.Blocks*uint64(st.Bsize), 10)},
		{"BlockSize", strconv.FormatUint(uint64(st.Bsize), 10)},
		{"SystemVolume", "FALSE"},
	} {
		if got := v.Value(tt.prop).String(); got != tt.want {
			t.Errorf("mounted: %s = %s, want %s", tt.prop, got, tt.want)
		}
	}
	if free, _ := v.Value("FreeSpace").Uint(); free == 0 || free > st.Blocks*uint64(st.Bsize) {
		t.Errorf("FreeSpace = %d", free)
	}
	// GetObject by the DeviceID path.
	if _, err := env.Svc.GetObject(context.Background(), "Win32_Volume.DeviceID="+cim.QuotePathString(id), 0, nil); err != nil {
		t.Errorf("GetObject: %v", err)
	}
	// And the logical disk of the mount.
	disks := env.Query(t, fmt.Sprintf("SELECT * FROM Win32_LogicalDisk WHERE DeviceID = '%s'", dir))
	if len(disks) != 1 {
		t.Fatalf("%d logical disks at %s", len(disks), dir)
	}
	ld := disks[0]
	if got := ld.Value("Size").String(); got != strconv.FormatUint(st.Blocks*uint64(st.Bsize), 10) {
		t.Errorf("LogicalDisk.Size = %s", got)
	}
	if str(ld, "VolumeName") != "GOWMITEST" || str(ld, "FileSystem") != "ext4" || ld.Value("DriveType").String() != "3" {
		t.Errorf("logical disk: %s", ld.MOF())
	}
}

func TestRootLogicalDisk(t *testing.T) {
	env, _, _ := newEnv(t)
	disks := env.Query(t, "SELECT DeviceID, Size, FreeSpace FROM Win32_LogicalDisk WHERE DeviceID = '/'")
	var st unix.Statfs_t
	if err := unix.Statfs("/", &st); err != nil {
		t.Fatal(err)
	}
	if len(disks) != 1 {
		t.Skipf("/ is not on a block device here (%d logical disks)", len(disks))
	}
	if got := disks[0].Value("Size").String(); got != strconv.FormatUint(st.Blocks*uint64(st.Bsize), 10) {
		t.Errorf("Size of / = %s", got)
	}
}

// asyncMethod starts a method with ExecMethodAsync, asking for progress,
// and cancels it at once.
func asyncMethodCancelled(t *testing.T, env *ptest.Env, path, method string, args ...any) *ptest.Sink {
	t.Helper()
	in, err := env.Args(path, method, args...)
	if err != nil {
		t.Fatal(err)
	}
	sink := ptest.NewSink()
	ctx := context.Background()
	if err := env.Svc.ExecMethodAsync(ctx, path, method, wbem.FlagSendStatus, nil, in, sink); err != nil {
		t.Fatalf("ExecMethodAsync(%s): %v", method, err)
	}
	if err := env.Svc.CancelAsyncCall(sink); err != nil {
		t.Fatalf("CancelAsyncCall: %v", err)
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	code, finals, err := sink.Wait(wctx)
	if err != nil {
		t.Fatal(err)
	}
	if code != status.CallCancelled || finals != 1 {
		t.Errorf("final status %v (%d finals), want WBEM_E_CALL_CANCELLED once", code, finals)
	}
	return sink
}

// TestFormatCancelled is the seed's case: Format is called asynchronously on
// the volume of a blank image and cancelled at once; the caller sees
// WBEM_E_CALL_CANCELLED, and the format runs to completion.
func TestFormatCancelled(t *testing.T) {
	needTools(t, "mkfs.ext4")
	env, p, rec := newEnv(t)
	img, dev := loopImage(t)
	v := volumeOf(t, env, dev)
	if !v.Value("FileSystem").IsNull() {
		t.Fatalf("a blank image has FileSystem %v", v.Value("FileSystem"))
	}
	path := "Win32_Volume.DeviceID=" + cim.QuotePathString(str(v, "DeviceID"))
	asyncMethodCancelled(t, env, path, "Format", "FileSystem", "ext4", "QuickFormat", true, "Label", "SEEDFMT")
	out := rec.wait(t, "Format")
	p.Wait()
	if out == nil || ptest.ReturnValue(t, out) != volume.FormatSuccess {
		t.Fatalf("Format did not run to completion: %v", out)
	}
	// The file system is on the image itself.
	if got := blkid(t, img); got["TYPE"] != "ext4" || got["LABEL"] != "SEEDFMT" {
		t.Errorf("the image holds %v, want ext4 labelled SEEDFMT", got)
	}
	v = volumeOf(t, env, dev)
	if str(v, "FileSystem") != "ext4" || str(v, "Label") != "SEEDFMT" {
		t.Errorf("after Format: %s", v.MOF())
	}
}

func TestFormat(t *testing.T) {
	env, _, _ := newEnv(t)
	_, dev := loopImage(t)
	path := "Win32_Volume.DeviceID=" + cim.QuotePathString(str(volumeOf(t, env, dev), "DeviceID"))
	type fmtCase struct {
		name   string
		args   []any
		want   uint32
		fstype string // blkid TYPE after a success
		tool   string
	}
	tests := []fmtCase{
		{"unsupported file system", []any{"FileSystem", "HPFS"}, volume.FormatUnsupportedFS, "", ""},
		{"label too long for FAT32", []any{"FileSystem", "FAT32", "Label", "TWELVE_CHARS"}, volume.FormatInvalidLabel, "", "mkfs.vfat"},
		{"cluster too small", []any{"FileSystem", "ext4", "ClusterSize", uint32(100)}, volume.FormatClusterTooSmall, "", "mkfs.ext4"},
		{"cluster too large", []any{"FileSystem", "ext4", "ClusterSize", uint32(1 << 20)}, volume.FormatClusterTooLarge, "", "mkfs.ext4"},
		{"ext4, full format", []any{"FileSystem", "ext4", "QuickFormat", false, "ClusterSize", uint32(1024)}, 0, "ext4", "mkfs.ext4"},
		{"FAT32", []any{"FileSystem", "FAT32", "QuickFormat", true, "Label", "GOWMI", "ClusterSize", uint32(512)}, 0, "vfat", "mkfs.vfat"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tool != "" {
				needTools(t, tt.tool)
			}
			sink := ptest.NewSink()
			in, err := env.Args(path, "Format", tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if err := env.Svc.ExecMethodAsync(context.Background(), path, "Format", wbem.FlagSendStatus, nil, in, sink); err != nil {
				t.Fatal(err)
			}
			code, _, _ := sink.Wait(context.Background())
			if code != 0 || len(sink.Objs) != 1 {
				t.Fatalf("final %v with %d objects", code, len(sink.Objs))
			}
			if rv := ptest.ReturnValue(t, sink.Objs[0].(*cim.Instance)); rv != tt.want {
				t.Fatalf("ReturnValue = %d, want %d", rv, tt.want)
			}
			if tt.fstype != "" {
				if got := blkid(t, dev)["TYPE"]; got != tt.fstype {
					t.Errorf("blkid TYPE = %q, want %q", got, tt.fstype)
				}
				if tt.fstype == "ext4" && len(sink.Progress) == 0 {
					t.Errorf("mkfs.ext4 reported no progress")
				}
			}
		})
	}
	// A mounted volume is not formatted.
	needTools(t, "mkfs.ext4")
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", dev).CombinedOutput(); err != nil {
		t.Fatalf("mkfs: %v %s", err, out)
	}
	mountDev(t, dev, "ext4")
	if rv := ptest.ReturnValue(t, env.Exec(t, path, "Format", "FileSystem", "ext4")); rv != volume.FormatLockFailed {
		t.Errorf("Format of a mounted volume = %d, want %d", rv, volume.FormatLockFailed)
	}
}

// TestSystemVolumeRefused calls the methods that change a volume on the
// volume mounted at /: each refuses before any tool runs.
func TestSystemVolumeRefused(t *testing.T) {
	env, _, _ := newEnv(t)
	vols := env.Query(t, "SELECT * FROM Win32_Volume WHERE SystemVolume = TRUE")
	if len(vols) == 0 {
		t.Skip("/ is not on a block device here")
	}
	path := "Win32_Volume.DeviceID=" + cim.QuotePathString(str(vols[0], "DeviceID"))
	fs := str(vols[0], "FileSystem")
	defragWant := uint32(volume.DefragAccessDenied)
	if fs != "ext4" && fs != "xfs" && fs != "btrfs" {
		defragWant = volume.DefragNotSupported
	} else if _, err := exec.LookPath(map[string]string{"ext4": "e4defrag", "xfs": "xfs_fsr", "btrfs": "btrfs"}[fs]); err != nil {
		defragWant = volume.DefragNoEngine
	}
	tests := []struct {
		method string
		args   []any
		want   uint32
	}{
		{"Format", []any{"FileSystem", "ext4", "QuickFormat", true}, volume.FormatAccessDenied},
		{"Dismount", []any{"Force", true}, volume.DismountAccessDenied},
		{"Defrag", []any{"Force", true}, defragWant},
	}
	for _, tt := range tests {
		if tt.method == "Format" {
			if _, err := exec.LookPath("mkfs.ext4"); err != nil {
				continue
			}
		}
		if rv := ptest.ReturnValue(t, env.Exec(t, path, tt.method, tt.args...)); rv != tt.want {
			t.Errorf("%s on / = %d, want %d", tt.method, rv, tt.want)
		}
	}
	if _, err := exec.LookPath("e2fsck"); err == nil && strings.HasPrefix(fs, "ext") {
		if rv := ptest.ReturnValue(t, env.Exec(t, path, "Chkdsk", "FixErrors", true, "ForceDismount", true)); rv != volume.ChkdskUnknownError {
			t.Errorf("Chkdsk /F on / = %d, want %d", rv, volume.ChkdskUnknownError)
		}
	}
}

// fragment writes files in turns, with a sync after each piece, so that
// each ends up in many extents.
func fragment(t *testing.T, dir string, files, pieces int) []string {
	t.Helper()
	var names []string
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte(i * 7)
	}
	fds := make([]*os.File, files)
	for i := range fds {
		name := filepath.Join(dir, fmt.Sprintf("f%d", i))
		f, err := os.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		fds[i] = f
		names = append(names, name)
	}
	for range pieces {
		for _, f := range fds {
			if _, err := f.Write(chunk); err != nil {
				t.Fatal(err)
			}
			if err := f.Sync(); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, f := range fds {
		f.Close()
	}
	return names
}

var extentsRE = regexp.MustCompile(`: (\d+) extents? found`)

func extents(t *testing.T, file string) int {
	t.Helper()
	out, err := exec.Command("filefrag", file).CombinedOutput()
	m := extentsRE.FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("filefrag %s: %v %s", file, err, out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestDefragCancelled defragments a mounted image asynchronously and
// cancels at once: the caller sees WBEM_E_CALL_CANCELLED, and the files end
// up in one extent each.
func TestDefragCancelled(t *testing.T) {
	needTools(t, "mkfs.ext4", "e4defrag", "filefrag")
	env, p, rec := newEnv(t)
	_, dev := loopImage(t, "mkfs.ext4", "-q")
	dir := mountDev(t, dev, "ext4")
	files := fragment(t, dir, 3, 32)
	before := extents(t, files[0])
	if before < 2 {
		t.Skipf("the file system did not fragment the file (%d extent)", before)
	}
	path := "Win32_Volume.DeviceID=" + cim.QuotePathString(str(volumeOf(t, env, dev), "DeviceID"))

	// The analysis sees the fragmentation first.
	out := env.Exec(t, path, "DefragAnalysis")
	if rv := ptest.ReturnValue(t, out); rv != 0 {
		t.Fatalf("DefragAnalysis = %d", rv)
	}
	report, ok := out.Value("DefragAnalysis").Object()
	if !ok || report.ClassName() != "Win32_DefragAnalysis" {
		t.Fatalf("DefragAnalysis output: %v", out.Value("DefragAnalysis"))
	}
	if v, _ := report.Get("VolumeName"); v.String() != dir {
		t.Errorf("VolumeName = %v", v)
	}
	if v, _ := out.Value("DefragRecommended").Bool(); out.Value("DefragRecommended").IsNull() {
		t.Errorf("DefragRecommended is NULL (%v)", v)
	}

	rec.wait(t, "DefragAnalysis")
	asyncMethodCancelled(t, env, path, "Defrag", "Force", true)
	res := rec.wait(t, "Defrag")
	p.Wait()
	if res == nil || ptest.ReturnValue(t, res) != volume.DefragSuccess {
		t.Fatalf("Defrag did not run to completion: %v", res)
	}
	for _, f := range files {
		if n := extents(t, f); n >= before {
			t.Errorf("%s: %d extents after Defrag, %d before", f, n, before)
		}
	}
}

func mountCount(t *testing.T, dev string) int {
	t.Helper()
	out, err := exec.Command("dumpe2fs", "-h", dev).CombinedOutput()
	if err != nil {
		t.Fatalf("dumpe2fs: %v %s", err, out)
	}
	m := regexp.MustCompile(`Mount count:\s+(\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("dumpe2fs: no mount count in %s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// TestChkdskCancelled checks and repairs a mounted image asynchronously
// (FixErrors and ForceDismount) and cancels at once: the caller sees
// WBEM_E_CALL_CANCELLED; e2fsck ran (it resets the mount count, which the
// remount then makes 1) and the file system is mounted again where it was.
func TestChkdskCancelled(t *testing.T) {
	needTools(t, "mkfs.ext4", "e2fsck", "dumpe2fs")
	env, p, rec := newEnv(t)
	_, dev := loopImage(t, "mkfs.ext4", "-q")
	dir := mountDev(t, dev, "ext4")
	if err := unix.Unmount(dir, 0); err != nil {
		t.Fatal(err)
	}
	if err := unix.Mount(dev, dir, "ext4", 0, ""); err != nil {
		t.Fatal(err)
	}
	if n := mountCount(t, dev); n != 2 {
		t.Fatalf("mount count %d after two mounts", n)
	}
	path := "Win32_Volume.DeviceID=" + cim.QuotePathString(str(volumeOf(t, env, dev), "DeviceID"))

	// A repair of a mounted volume without ForceDismount does not run.
	if rv := ptest.ReturnValue(t, env.Exec(t, path, "Chkdsk", "FixErrors", true)); rv != volume.ChkdskUnknownError {
		t.Errorf("Chkdsk /F without ForceDismount = %d", rv)
	}
	rec.wait(t, "Chkdsk")
	asyncMethodCancelled(t, env, path, "Chkdsk", "FixErrors", true, "ForceDismount", true)
	res := rec.wait(t, "Chkdsk")
	p.Wait()
	if res == nil || ptest.ReturnValue(t, res) != volume.ChkdskSuccess {
		t.Fatalf("Chkdsk did not run to completion: %v", res)
	}
	if n := mountCount(t, dev); n != 1 {
		t.Errorf("mount count %d after Chkdsk, want 1 (reset by e2fsck, then the remount)", n)
	}
	if v := volumeOf(t, env, dev); str(v, "Name") != dir {
		t.Errorf("after Chkdsk the volume is at %q, want %q", str(v, "Name"), dir)
	}
}

func TestChkdsk(t *testing.T) {
	needTools(t, "mkfs.ext4", "e2fsck")
	env, _, _ := newEnv(t)
	_, blank := loopImage(t)
	_, dev := loopImage(t, "mkfs.ext4", "-q")
	tests := []struct {
		name string
		dev  string
		args []any
		want uint32
	}{
		{"read-only check", dev, nil, volume.ChkdskSuccess},
		{"repair, not mounted", dev, []any{"FixErrors", true}, volume.ChkdskSuccess},
		{"no file system", blank, nil, volume.ChkdskUnknownFS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := "Win32_Volume.DeviceID=" + cim.QuotePathString(str(volumeOf(t, env, tt.dev), "DeviceID"))
			if rv := ptest.ReturnValue(t, env.Exec(t, path, "Chkdsk", tt.args...)); rv != tt.want {
				t.Errorf("Chkdsk = %d, want %d", rv, tt.want)
			}
		})
	}
	// Win32_LogicalDisk.Chkdsk checks the volume mounted there.
	dir := mountDev(t, dev, "ext4")
	if rv := ptest.ReturnValue(t, env.Exec(t, "Win32_LogicalDisk.DeviceID="+cim.QuotePathString(dir), "Chkdsk")); rv != volume.ChkdskSuccess {
		t.Errorf("Win32_LogicalDisk.Chkdsk = %d", rv)
	}
}

func TestMountMethods(t *testing.T) {
	env, p, _ := newEnv(t)
	_, dev := loopImage(t, "mkfs.ext4", "-q")
	path := "Win32_Volume.DeviceID=" + cim.QuotePathString(str(volumeOf(t, env, dev), "DeviceID"))
	name := func() string { return str(volumeOf(t, env, dev), "Name") }

	if rv := ptest.ReturnValue(t, env.Exec(t, path, "Mount")); rv != 0 {
		t.Fatalf("Mount = %d", rv)
	}
	if got := name(); !strings.HasPrefix(got, p.MountRoot+"/") {
		t.Errorf("mounted at %q, want under %s", got, p.MountRoot)
	}
	if rv := ptest.ReturnValue(t, env.Exec(t, path, "Dismount", "Force", false, "Permanent", false)); rv != 0 {
		t.Fatalf("Dismount = %d", rv)
	}
	if got := name(); strings.HasPrefix(got, "/") {
		t.Errorf("still mounted at %q", got)
	}

	full := t.TempDir()
	if err := os.WriteFile(filepath.Join(full, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	tests := []struct {
		dir  string
		want uint32
	}{
		{"relative/dir", volume.AddMountPointInvalidArg},
		{"/no/such/dir", volume.AddMountPointNotFound},
		{full, volume.AddMountPointNotEmpty},
		{empty, volume.AddMountPointSuccess},
	}
	for _, tt := range tests {
		if rv := ptest.ReturnValue(t, env.Exec(t, path, "AddMountPoint", "Directory", tt.dir)); rv != tt.want {
			t.Errorf("AddMountPoint(%s) = %d, want %d", tt.dir, rv, tt.want)
		}
	}
	t.Cleanup(func() { _ = unix.Unmount(empty, unix.MNT_DETACH) })
	if got := name(); got != empty {
		t.Errorf("mounted at %q, want %q", got, empty)
	}
	// A busy file system needs Force.
	f, err := os.Create(filepath.Join(empty, "open"))
	if err != nil {
		t.Fatal(err)
	}
	if rv := ptest.ReturnValue(t, env.Exec(t, path, "Dismount", "Force", false, "Permanent", false)); rv != volume.DismountForceRequired {
		t.Errorf("Dismount of a busy volume = %d, want %d", rv, volume.DismountForceRequired)
	}
	if rv := ptest.ReturnValue(t, env.Exec(t, path, "Dismount", "Force", true, "Permanent", true)); rv != 0 {
		t.Errorf("forced Dismount = %d", rv)
	}
	f.Close()
	if got := name(); strings.HasPrefix(got, "/") {
		t.Errorf("still mounted at %q", got)
	}
}
