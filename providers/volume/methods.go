package volume

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/mof"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/providers/internal/prov"
	"github.com/gowmi/gowmi/wbem/status"
)

// Return codes of Format.
const (
	FormatSuccess             = 0
	FormatUnsupportedFS       = 1
	FormatAccessDenied        = 3
	FormatWriteProtected      = 6
	FormatLockFailed          = 7
	FormatIOError             = 9
	FormatInvalidLabel        = 10
	FormatTooSmall            = 12
	FormatTooLarge            = 13
	FormatClusterTooSmall     = 15
	FormatClusterTooLarge     = 16
	FormatClusterBeyond32Bits = 17
	FormatUnknownError        = 18
	FormatCompressionFailed   = 19
)

// Return codes of Chkdsk.
const (
	ChkdskSuccess       = 0
	ChkdskAtBootUp      = 1
	ChkdskUnsupportedFS = 2
	ChkdskUnknownFS     = 3
	ChkdskUnknownError  = 5
)

// Return codes of Defrag and DefragAnalysis.
const (
	DefragSuccess        = 0
	DefragAccessDenied   = 1
	DefragNotSupported   = 2
	DefragNoFreeSpace    = 4
	DefragAlreadyRunning = 8
	DefragNoEngine       = 9
	DefragEngineError    = 10
	DefragUnknownError   = 11
)

// Return codes of Mount, Dismount and AddMountPoint.
const (
	MountSuccess      = 0
	MountAccessDenied = 1
	MountUnknownError = 2

	DismountSuccess       = 0
	DismountAccessDenied  = 1
	DismountForceRequired = 4
	DismountUnknownError  = 5

	AddMountPointSuccess      = 0
	AddMountPointAccessDenied = 1
	AddMountPointInvalidArg   = 2
	AddMountPointNotEmpty     = 3
	AddMountPointNotFound     = 4
	AddMountPointUnknownError = 6
)

// ExecMethod implements provider.MethodExecutor.
func (p *Provider) ExecMethod(ctx context.Context, req *provider.MethodRequest, sink provider.Sink) (*cim.Instance, error) {
	method := strings.ToLower(req.Method.Name)
	var d *blockDev
	var err error
	if req.Class.InheritsFrom("Win32_LogicalDisk") {
		if method != "chkdsk" {
			return nil, prov.NotSupported(prov.CIMWin32, req)
		}
		point, _ := prov.KeyString(req.Path, "DeviceID")
		d, err = p.mountedAt(ctx, point)
	} else {
		if !req.Path.IsInstance() {
			return nil, prov.NotSupported(ProviderName, req)
		}
		id, _ := prov.KeyString(req.Path, "DeviceID")
		d, err = p.find(ctx, id)
	}
	if err != nil {
		return nil, err
	}
	// Methods run to completion when the caller goes (WMI's rule): the
	// tools they start must not be killed halfway by a cancelled context.
	ctx = context.WithoutCancel(ctx)
	p.running.Add(1)
	defer p.running.Done()
	var out *cim.Instance
	switch method {
	case "format":
		out, err = p.format(ctx, req, sink, d)
	case "chkdsk":
		out, err = p.chkdsk(ctx, req, sink, d)
	case "defrag":
		out, err = p.defrag(ctx, req, sink, d, false)
	case "defraganalysis":
		out, err = p.defrag(ctx, req, sink, d, true)
	case "mount":
		out, err = p.mount(req, d)
	case "dismount":
		out, err = p.dismount(req, d)
	case "addmountpoint":
		out, err = p.addMountPoint(req, d)
	default:
		return nil, prov.NotSupported(ProviderName, req)
	}
	if err == nil && p.Done != nil {
		p.Done(req.Method.Name, d.DeviceID(), out)
	}
	return out, err
}

// mountedAt returns the volume mounted at a mount point.
func (p *Provider) mountedAt(ctx context.Context, point string) (*blockDev, error) {
	devs, err := discover(ctx, p.sysRoot())
	if err != nil {
		return nil, status.Wrap(status.Failed, err)
	}
	for _, d := range devs {
		for _, m := range d.Mounts {
			if m.Point == point {
				return d, nil
			}
		}
	}
	return nil, status.Errorf(status.NotFound, "no volume is mounted at %q", point)
}

// --- running the tools -------------------------------------------------------------

// progressWriter reads a tool's output as it comes, keeps it, and reports
// the "n/m" counters the tools print (mkfs's "Writing inode tables: 3/8",
// e4defrag's "[3/8]") as progress.
type progressWriter struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	line    []byte
	report  func(done, total uint64)
	pattern *regexp.Regexp
}

var counterRE = regexp.MustCompile(`(\d+)/(\d+)`)

func (w *progressWriter) Write(b []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(b)
	for _, c := range b {
		if c == '\n' || c == '\r' || c == '\b' || c == ' ' || c == '\t' {
			w.scan()
			w.line = w.line[:0]
			continue
		}
		w.line = append(w.line, c)
	}
	return len(b), nil
}

func (w *progressWriter) scan() {
	if w.report == nil || len(w.line) == 0 {
		return
	}
	re := w.pattern
	if re == nil {
		re = counterRE
	}
	m := re.FindSubmatch(w.line)
	if m == nil {
		return
	}
	done, err1 := strconv.ParseUint(string(m[1]), 10, 64)
	total, err2 := strconv.ParseUint(string(m[2]), 10, 64)
	if err1 == nil && err2 == nil && total > 0 && done <= total {
		w.report(done, total)
	}
}

// sinkProgress reports progress to a method's sink, scaled to 16 bits. A
// caller that has gone makes Progress fail; the work goes on.
func sinkProgress(sink provider.Sink) func(done, total uint64) {
	return func(done, total uint64) {
		for total > 0xFFFF {
			done, total = done/2, total/2
		}
		_ = sink.Progress(uint16(done), uint16(total))
	}
}

// run runs a tool to completion and returns its exit code and output
// (standard output and error together). A tool that cannot be started is
// exit code -1 with the error.
func run(ctx context.Context, report func(done, total uint64), name string, args ...string) (int, string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	w := &progressWriter{report: report}
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.Stdin = nil
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	err := cmd.Run()
	out := w.buf.String()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), out, nil
	}
	if err != nil {
		return -1, out, err
	}
	return 0, out, nil
}

func haveTool(name string) bool {
	_, err := exec.LookPath(name)
	return err == nil
}

// --- Format ------------------------------------------------------------------------

// mkfs describes how to make one file system.
type mkfs struct {
	tool       string
	fstype     string
	maxLabel   int
	minCluster uint32
	maxCluster uint32
	args       func(quick bool, cluster uint32, label string) []string
}

func formats() map[string]mkfs {
	ext := func(t string) mkfs {
		return mkfs{tool: "mkfs." + t, fstype: t, maxLabel: 16, minCluster: 1024, maxCluster: 65536,
			args: func(quick bool, cluster uint32, label string) []string {
				a := []string{"-F"}
				if cluster != 0 {
					a = append(a, "-b", strconv.FormatUint(uint64(cluster), 10))
				}
				if label != "" {
					a = append(a, "-L", label)
				}
				if !quick && t != "ext2" {
					a = append(a, "-E", "lazy_itable_init=0,lazy_journal_init=0")
				}
				return a
			}}
	}
	fat := func(bits string) mkfs {
		return mkfs{tool: "mkfs.vfat", fstype: "vfat", maxLabel: 11, minCluster: 512, maxCluster: 65536,
			args: func(quick bool, cluster uint32, label string) []string {
				a := []string{"-F", bits}
				if cluster != 0 {
					a = append(a, "-s", strconv.FormatUint(uint64(cluster/512), 10))
				}
				if label != "" {
					a = append(a, "-n", label)
				}
				return a
			}}
	}
	return map[string]mkfs{
		"ext2": ext("ext2"), "ext3": ext("ext3"), "ext4": ext("ext4"),
		"fat32": fat("32"), "fat": fat("16"),
		"ntfs": {tool: "mkfs.ntfs", fstype: "ntfs", maxLabel: 32, minCluster: 512, maxCluster: 2 << 20,
			args: func(quick bool, cluster uint32, label string) []string {
				a := []string{"-F"}
				if quick {
					a = append(a, "-Q")
				}
				if cluster != 0 {
					a = append(a, "-c", strconv.FormatUint(uint64(cluster), 10))
				}
				if label != "" {
					a = append(a, "-L", label)
				}
				return a
			}},
		"exfat": {tool: "mkfs.exfat", fstype: "exfat", maxLabel: 15, minCluster: 512, maxCluster: 32 << 20,
			args: func(quick bool, cluster uint32, label string) []string {
				var a []string
				if cluster != 0 {
					a = append(a, "-c", strconv.FormatUint(uint64(cluster), 10))
				}
				if label != "" {
					a = append(a, "-L", label)
				}
				return a
			}},
		"xfs": {tool: "mkfs.xfs", fstype: "xfs", maxLabel: 12, minCluster: 512, maxCluster: 65536,
			args: func(quick bool, cluster uint32, label string) []string {
				a := []string{"-f"}
				if cluster != 0 {
					a = append(a, "-b", "size="+strconv.FormatUint(uint64(cluster), 10))
				}
				if label != "" {
					a = append(a, "-L", label)
				}
				return a
			}},
		"btrfs": {tool: "mkfs.btrfs", fstype: "btrfs", maxLabel: 255, minCluster: 4096, maxCluster: 65536,
			args: func(quick bool, cluster uint32, label string) []string {
				a := []string{"-f"}
				if label != "" {
					a = append(a, "-L", label)
				}
				return a
			}},
	}
}

// format makes a file system on the volume with mkfs. FileSystem names
// Windows' file systems (NTFS, FAT32, FAT, exFAT) or Linux's (ext2, ext3,
// ext4, xfs, btrfs); the tool must be installed (else 1, unsupported file
// system). A mounted volume is not formatted (7, volume lock failed), nor
// one of the running system (3, access denied).
func (p *Provider) format(ctx context.Context, req *provider.MethodRequest, sink provider.Sink, d *blockDev) (*cim.Instance, error) {
	fsName, ok := prov.ArgString(req, "FileSystem")
	if !ok {
		fsName = "NTFS"
	}
	spec, ok := formats()[strings.ToLower(fsName)]
	if !ok || !haveTool(spec.tool) {
		return prov.Result(req, FormatUnsupportedFS)
	}
	label, _ := prov.ArgString(req, "Label")
	if len(label) > spec.maxLabel {
		return prov.Result(req, FormatInvalidLabel)
	}
	cluster := uint32(0)
	if n, ok := prov.ArgInt(req, "ClusterSize"); ok && n != 0 {
		switch {
		case n > 1<<32-1:
			return prov.Result(req, FormatClusterBeyond32Bits)
		case n < int64(spec.minCluster) || n&(n-1) != 0:
			return prov.Result(req, FormatClusterTooSmall)
		case n > int64(spec.maxCluster):
			return prov.Result(req, FormatClusterTooLarge)
		}
		cluster = uint32(n)
	}
	quick := prov.ArgBool(req, "QuickFormat", false)
	switch {
	case d.System():
		return prov.Result(req, FormatAccessDenied)
	case d.Mounted():
		return prov.Result(req, FormatLockFailed)
	case d.ReadOnly:
		return prov.Result(req, FormatWriteProtected)
	}
	if m := p.claim(d.Path, "Format"); m != "" {
		return prov.Result(req, FormatLockFailed)
	}
	defer p.release(d.Path)
	args := append(spec.args(quick, cluster, label), d.Path)
	code, out, err := run(ctx, sinkProgress(sink), spec.tool, args...)
	if err != nil {
		return prov.Result(req, FormatUnsupportedFS)
	}
	if code != 0 {
		low := strings.ToLower(out)
		switch {
		case strings.Contains(low, "too small") || strings.Contains(low, "not enough space"):
			return prov.Result(req, FormatTooSmall)
		case strings.Contains(low, "too large") || strings.Contains(low, "too big"):
			return prov.Result(req, FormatTooLarge)
		case strings.Contains(low, "input/output error"):
			return prov.Result(req, FormatIOError)
		case strings.Contains(low, "read-only") || strings.Contains(low, "write-protected"):
			return prov.Result(req, FormatWriteProtected)
		case strings.Contains(low, "is mounted") || strings.Contains(low, "busy"):
			return prov.Result(req, FormatLockFailed)
		case strings.Contains(low, "permission denied"):
			return prov.Result(req, FormatAccessDenied)
		}
		return prov.Result(req, FormatUnknownError)
	}
	_ = sink.Progress(1, 1)
	if prov.ArgBool(req, "EnableCompression", false) {
		// No file system is compressed by a format here; Windows' own
		// provider does not implement it either.
		return prov.Result(req, FormatCompressionFailed)
	}
	return prov.Result(req, FormatSuccess)
}

// --- Chkdsk -------------------------------------------------------------------------

// fsckFor returns the checker of a file system and its arguments, or ""
// when there is none.
func fsckFor(fstype string, fix, badSectors bool) (string, []string) {
	switch fstype {
	case "ext2", "ext3", "ext4":
		a := []string{"-f", "-C", "0"}
		if fix {
			a = append(a, "-y")
		} else {
			a = append(a, "-n")
		}
		if badSectors {
			a = append(a, "-c")
		}
		return "e2fsck", a
	case "vfat":
		if fix {
			return "fsck.vfat", []string{"-a", "-w"}
		}
		return "fsck.vfat", []string{"-n"}
	case "exfat":
		if fix {
			return "fsck.exfat", []string{"-y"}
		}
		return "fsck.exfat", []string{"-n"}
	case "xfs":
		if fix {
			return "xfs_repair", nil
		}
		return "xfs_repair", []string{"-n"}
	case "btrfs":
		if fix {
			return "btrfs", []string{"check", "--repair", "--force"}
		}
		return "btrfs", []string{"check", "--readonly", "--force"}
	case "ntfs", "ntfs3":
		if fix {
			return "ntfsfix", nil
		}
		return "ntfsfix", []string{"-n"}
	}
	return "", nil
}

// e2fsck -C 0 prints "pass current max device" lines.
var e2fsckProgressRE = regexp.MustCompile(`^([1-5]) (\d+) (\d+) `)

// chkdsk checks the volume's file system with its fsck. A repair
// (FixErrors) needs the file system unmounted: with ForceDismount the
// volume is unmounted, checked and mounted again where it was; without it,
// OkToRunAtBootUp asks an ext file system to be checked at the next boot
// (1); otherwise the call fails (5). A volume of the running system is
// never unmounted or repaired. A check without repair runs read-only,
// also on a mounted volume.
func (p *Provider) chkdsk(ctx context.Context, req *provider.MethodRequest, sink provider.Sink, d *blockDev) (*cim.Instance, error) {
	if d.FSType == "" || d.FSType == "swap" {
		return prov.Result(req, ChkdskUnknownFS)
	}
	fix := prov.ArgBool(req, "FixErrors", false)
	tool, args := fsckFor(d.FSType, fix, prov.ArgBool(req, "RecoverBadSectors", false))
	if tool == "" || !haveTool(tool) {
		return prov.Result(req, ChkdskUnsupportedFS)
	}
	if m := p.claim(d.Path, "Chkdsk"); m != "" {
		return prov.Result(req, ChkdskUnknownError)
	}
	defer p.release(d.Path)
	var remount []mount
	if fix && d.Mounted() {
		switch {
		case d.System():
			return prov.Result(req, ChkdskUnknownError)
		case !prov.ArgBool(req, "ForceDismount", false):
			if prov.ArgBool(req, "OkToRunAtBootUp", false) && strings.HasPrefix(d.FSType, "ext") && haveTool("tune2fs") {
				if code, _, err := run(ctx, nil, "tune2fs", "-E", "force_fsck", d.Path); err == nil && code == 0 {
					return prov.Result(req, ChkdskAtBootUp)
				}
			}
			return prov.Result(req, ChkdskUnknownError)
		}
		remount = d.Mounts
		for i := len(remount) - 1; i >= 0; i-- {
			if err := unix.Unmount(remount[i].Point, 0); err != nil {
				// Put back what was unmounted.
				for _, m := range remount[i+1:] {
					_ = mountAt(d, m)
				}
				return prov.Result(req, ChkdskUnknownError)
			}
		}
	}
	report := sinkProgress(sink)
	w := func(done, total uint64) { report(done, total) }
	var code int
	var err error
	if tool == "e2fsck" {
		code, _, err = runE2fsck(ctx, w, append(args, d.Path))
	} else {
		code, _, err = run(ctx, nil, tool, append(args, d.Path)...)
	}
	for _, m := range remount {
		_ = mountAt(d, m)
	}
	if err != nil {
		return prov.Result(req, ChkdskUnsupportedFS)
	}
	// fsck's exit status: 0 clean, 1 errors corrected, 2 corrected and a
	// reboot advised, 4 and more: errors left, or a failure.
	if code&^3 != 0 {
		return prov.Result(req, ChkdskUnknownError)
	}
	_ = sink.Progress(1, 1)
	return prov.Result(req, ChkdskSuccess)
}

// runE2fsck runs e2fsck with its completion lines (-C 0) turned into
// progress over its five passes.
func runE2fsck(ctx context.Context, report func(done, total uint64), args []string) (int, string, error) {
	cmd := exec.CommandContext(ctx, "e2fsck", args...)
	pr, pw := io.Pipe()
	var buf, errBuf bytes.Buffer // buf is the reader goroutine's, errBuf exec's
	cmd.Stdout = pw
	cmd.Stderr = &errBuf
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	done := make(chan struct{})
	go func() {
		defer close(done)
		data := make([]byte, 4096)
		var line []byte
		for {
			n, err := pr.Read(data)
			for _, c := range data[:n] {
				if c != '\n' {
					line = append(line, c)
					continue
				}
				if m := e2fsckProgressRE.FindSubmatch(line); m != nil {
					pass, _ := strconv.ParseUint(string(m[1]), 10, 64)
					cur, _ := strconv.ParseUint(string(m[2]), 10, 64)
					max, _ := strconv.ParseUint(string(m[3]), 10, 64)
					if max > 0 && cur <= max {
						report((pass-1)*1000+cur*1000/max, 5000)
					}
				} else {
					buf.Write(line)
					buf.WriteByte('\n')
				}
				line = line[:0]
			}
			if err != nil {
				return
			}
		}
	}()
	err := cmd.Run()
	pw.Close()
	<-done
	buf.Write(errBuf.Bytes())
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), buf.String(), nil
	}
	if err != nil {
		return -1, buf.String(), err
	}
	return 0, buf.String(), nil
}

func mountAt(d *blockDev, m mount) error {
	var flags uintptr
	var data []string
	for _, o := range m.Opts {
		switch o {
		case "ro":
			flags |= unix.MS_RDONLY
		case "nosuid":
			flags |= unix.MS_NOSUID
		case "nodev":
			flags |= unix.MS_NODEV
		case "noexec":
			flags |= unix.MS_NOEXEC
		case "noatime":
			flags |= unix.MS_NOATIME
		case "relatime", "rw", "":
		default:
			if !strings.Contains(o, "=") {
				continue
			}
			data = append(data, o)
		}
	}
	err := unix.Mount(d.Path, m.Point, d.FSType, flags, strings.Join(data, ","))
	if err != nil && len(data) > 0 {
		err = unix.Mount(d.Path, m.Point, d.FSType, flags, "")
	}
	return err
}

// --- Defrag and DefragAnalysis -------------------------------------------------------

// defragAnalysis is what an analysis finds.
type defragAnalysis struct {
	recommended *bool
	score       *uint32 // percent fragmentation
}

var (
	e4scoreRE  = regexp.MustCompile(`Fragmentation score\s+(\d+)`)
	xfsFactRE  = regexp.MustCompile(`fragmentation factor ([\d.]+)%`)
	e4extentRE = regexp.MustCompile(`Total/best extents\s+(\d+)/(\d+)`)
)

// analyze runs the file system's fragmentation report.
func analyze(ctx context.Context, d *blockDev, point string) (defragAnalysis, error) {
	var a defragAnalysis
	switch d.FSType {
	case "ext4":
		code, out, err := run(ctx, nil, "e4defrag", "-c", point)
		if err != nil {
			return a, err
		}
		if code != 0 && !e4scoreRE.MatchString(out) {
			return a, errors.New("e4defrag -c: " + out)
		}
		rec := strings.Contains(out, "needs defragmentation") && !strings.Contains(out, "does not need")
		a.recommended = &rec
		if m := e4scoreRE.FindStringSubmatch(out); m != nil {
			n, _ := strconv.ParseUint(m[1], 10, 32)
			s := uint32(min(n, 100))
			a.score = &s
		} else if !e4extentRE.MatchString(out) {
			// No file to look at: nothing is fragmented.
			var zero uint32
			a.score = &zero
		}
	case "xfs":
		if !haveTool("xfs_db") {
			return a, nil
		}
		_, out, err := run(ctx, nil, "xfs_db", "-r", "-c", "frag", d.Path)
		if err != nil {
			return a, err
		}
		if m := xfsFactRE.FindStringSubmatch(out); m != nil {
			f, _ := strconv.ParseFloat(m[1], 64)
			s := uint32(f)
			rec := f > 10
			a.score, a.recommended = &s, &rec
		}
	}
	return a, nil
}

func defragTool(fstype string) (string, func(point string) []string) {
	switch fstype {
	case "ext4":
		return "e4defrag", func(point string) []string { return []string{point} }
	case "xfs":
		return "xfs_fsr", func(point string) []string { return []string{"-v", point} }
	case "btrfs":
		return "btrfs", func(point string) []string { return []string{"filesystem", "defragment", "-r", point} }
	}
	return "", nil
}

// defrag defragments the volume (analysisOnly: analyses it). A volume
// that is not mounted is mounted under MountRoot for the time of the call.
// A volume of the running system is refused (1, access denied); one with
// less than 15 % free space needs Force (4), as on Windows; one defrag or
// analysis at a time per volume (8).
func (p *Provider) defrag(ctx context.Context, req *provider.MethodRequest, sink provider.Sink, d *blockDev, analysisOnly bool) (*cim.Instance, error) {
	tool, args := defragTool(d.FSType)
	if tool == "" {
		return prov.Result(req, DefragNotSupported)
	}
	if !haveTool(tool) || (d.FSType == "ext4" && !haveTool("e4defrag")) {
		return prov.Result(req, DefragNoEngine)
	}
	if d.System() && !analysisOnly {
		return prov.Result(req, DefragAccessDenied)
	}
	if m := p.claim(d.Path, "Defrag"); m != "" {
		return prov.Result(req, DefragAlreadyRunning)
	}
	defer p.release(d.Path)
	point := ""
	if len(d.Mounts) > 0 {
		point = d.Mounts[0].Point
	} else {
		dir, unmount, err := p.tempMount(d, "-defrag")
		if err != nil {
			if isPerm(err) {
				return prov.Result(req, DefragAccessDenied)
			}
			return prov.Result(req, DefragUnknownError)
		}
		defer unmount()
		point = dir
	}
	var st unix.Statfs_t
	if err := unix.Statfs(point, &st); err != nil {
		return prov.Result(req, DefragUnknownError)
	}
	if !analysisOnly && !prov.ArgBool(req, "Force", false) && st.Blocks > 0 && st.Bavail*100/st.Blocks < 15 {
		return prov.Result(req, DefragNoFreeSpace)
	}
	if !analysisOnly {
		code, _, err := run(ctx, sinkProgress(sink), tool, args(point)...)
		if err != nil {
			return prov.Result(req, DefragNoEngine)
		}
		if code != 0 {
			return prov.Result(req, DefragEngineError)
		}
		_ = unix.Statfs(point, &st)
	}
	a, err := analyze(ctx, d, point)
	if err != nil {
		return prov.Result(req, DefragEngineError)
	}
	report, err := p.analysisObject(req, d, &st, a)
	if err != nil {
		return nil, err
	}
	_ = sink.Progress(1, 1)
	if analysisOnly {
		var rec any
		if a.recommended != nil {
			rec = *a.recommended
		}
		return prov.Result(req, DefragSuccess, "DefragRecommended", rec, "DefragAnalysis", report)
	}
	return prov.Result(req, DefragSuccess, "DefragAnalysis", report)
}

var (
	defragOnce sync.Once
	defragCls  *cim.Class
	defragErr  error
)

// defragClass returns Win32_DefragAnalysis, compiled from defrag.mof.
func defragClass() (*cim.Class, error) {
	defragOnce.Do(func() {
		unit, err := mof.Compile(MOF, []string{"defrag.mof"}, mof.Options{Namespace: `root\cimv2`})
		if err != nil {
			defragErr = err
			return
		}
		for _, op := range unit.Ops {
			if op.Kind == mof.OpPutClass && op.Class.Name == "Win32_DefragAnalysis" {
				defragCls = op.Class
			}
		}
		if defragCls == nil {
			defragErr = status.New(status.InvalidClass, "defrag.mof has no Win32_DefragAnalysis")
		}
	})
	return defragCls, defragErr
}

// analysisObject builds the Win32_DefragAnalysis of an analysis.
func (p *Provider) analysisObject(req *provider.MethodRequest, d *blockDev, st *unix.Statfs_t, a defragAnalysis) (cim.Object, error) {
	class, err := defragClass()
	if err != nil {
		return nil, err
	}
	inst, err := class.SpawnInstance()
	if err != nil {
		return nil, err
	}
	bs := uint64(st.Bsize)
	size, free := st.Blocks*bs, st.Bavail*bs
	s := &prov.Setter{Inst: inst}
	s.Val("VolumeName", d.VolumeName())
	s.Val("VolumeSize", size)
	s.Val("FreeSpace", free)
	s.Val("UsedSpace", size-st.Bfree*bs)
	s.Val("ClusterSize", bs)
	if size > 0 {
		s.Val("FreeSpacePercent", uint32(free*100/size))
	}
	if a.score != nil {
		s.Val("FilePercentFragmentation", *a.score)
		s.Val("TotalPercentFragmentation", *a.score)
	}
	return inst, s.Err
}

// --- Mount, Dismount, AddMountPoint ---------------------------------------------------

// mount mounts a volume that is not mounted under MountRoot/<guid>.
func (p *Provider) mount(req *provider.MethodRequest, d *blockDev) (*cim.Instance, error) {
	if d.Mounted() {
		return prov.Result(req, MountSuccess)
	}
	if d.FSType == "" || d.FSType == "swap" {
		return prov.Result(req, MountUnknownError)
	}
	dir := filepath.Join(p.mountRoot(), volumeGUID(d))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if isPerm(err) {
			return prov.Result(req, MountAccessDenied)
		}
		return prov.Result(req, MountUnknownError)
	}
	var flags uintptr
	if d.ReadOnly {
		flags |= unix.MS_RDONLY
	}
	if err := unix.Mount(d.Path, dir, d.FSType, flags, ""); err != nil {
		_ = os.Remove(dir)
		if isPerm(err) {
			return prov.Result(req, MountAccessDenied)
		}
		return prov.Result(req, MountUnknownError)
	}
	return prov.Result(req, MountSuccess)
}

// dismount unmounts every mount of the volume. A busy file system needs
// Force, which detaches it (lazy unmount). Permanent has nothing to do:
// nothing mounts the volume again unless asked.
func (p *Provider) dismount(req *provider.MethodRequest, d *blockDev) (*cim.Instance, error) {
	if d.System() {
		return prov.Result(req, DismountAccessDenied)
	}
	force := prov.ArgBool(req, "Force", false)
	for i := len(d.Mounts) - 1; i >= 0; i-- {
		point := d.Mounts[i].Point
		err := unix.Unmount(point, 0)
		if errors.Is(err, unix.EBUSY) {
			if !force {
				return prov.Result(req, DismountForceRequired)
			}
			err = unix.Unmount(point, unix.MNT_DETACH)
		}
		if err != nil {
			if isPerm(err) {
				return prov.Result(req, DismountAccessDenied)
			}
			return prov.Result(req, DismountUnknownError)
		}
		if filepath.Dir(point) == filepath.Clean(p.mountRoot()) {
			_ = os.Remove(point)
		}
	}
	return prov.Result(req, DismountSuccess)
}

// addMountPoint mounts the volume on an empty directory.
func (p *Provider) addMountPoint(req *provider.MethodRequest, d *blockDev) (*cim.Instance, error) {
	dir, _ := prov.ArgString(req, "Directory")
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" || !filepath.IsAbs(dir) || dir != filepath.Clean(dir) {
		return prov.Result(req, AddMountPointInvalidArg)
	}
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return prov.Result(req, AddMountPointNotFound)
	case err != nil && isPerm(err):
		return prov.Result(req, AddMountPointAccessDenied)
	case err != nil:
		return prov.Result(req, AddMountPointUnknownError)
	case !st.IsDir():
		return prov.Result(req, AddMountPointInvalidArg)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return prov.Result(req, AddMountPointAccessDenied)
	}
	if len(ents) > 0 {
		return prov.Result(req, AddMountPointNotEmpty)
	}
	if d.FSType == "" || d.FSType == "swap" {
		return prov.Result(req, AddMountPointUnknownError)
	}
	var flags uintptr
	if d.ReadOnly {
		flags |= unix.MS_RDONLY
	}
	if err := unix.Mount(d.Path, dir, d.FSType, flags, ""); err != nil {
		if isPerm(err) {
			return prov.Result(req, AddMountPointAccessDenied)
		}
		return prov.Result(req, AddMountPointUnknownError)
	}
	return prov.Result(req, AddMountPointSuccess)
}
