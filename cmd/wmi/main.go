// Command wmi is WMI at the shell: queries, objects, methods, events and MOF
// against an embedded object manager on the local repository, or against a
// gowmi daemon.
//
//	wmi query "SELECT Name, ProcessId FROM Win32_Process"
//	wmi get 'Win32_Process.Handle="1"' --format list
//	wmi call Win32_Process Create CommandLine="sleep 10"
//	wmi classes CIM_ManagedSystemElement --deep
//	wmi mof compile --ns 'root\default' my.mof
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/gowmi/gowmi/wbem/status"
)

// version is set at link time with -ldflags "-X main.version=...".
var version = ""

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the operation failed with a WBEM code
	exitUsage   = 2 // the command line is wrong
)

// globals are the flags every command takes.
type globals struct {
	repo       string
	host       string
	user       string
	password   string // read from --password-file
	passFile   string
	ns         string
	format     string
	properties []string

	stdin          io.Reader
	stdout, stderr io.Writer
	interactive    bool // stderr is a terminal: progress displays
	width          int  // stdout's terminal width, 0 when not a terminal
}

func main() { os.Exit(runMain()) }

// runMain runs the command line of the process. The first Ctrl-C (or
// SIGTERM) cancels the context: an asynchronous operation in progress is
// cancelled with CancelAsyncCall and its outcome printed. A second one
// exits at once with status 130.
func runMain() int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go onInterrupt(sigs, cancel, os.Exit)
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// onInterrupt cancels on the first signal and exits with 130 on the
// second; it returns when sigs closes.
func onInterrupt(sigs <-chan os.Signal, cancel func(), exit func(int)) {
	if _, ok := <-sigs; !ok {
		return
	}
	cancel()
	if _, ok := <-sigs; ok {
		exit(130)
	}
}

// usageError marks errors of the command line.
type usageError struct{ error }

// run executes a command line and returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// The embedded object manager logs its routine work at Info; a command
	// shows only warnings and errors.
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	g := &globals{stdin: stdin, stdout: stdout, stderr: stderr}
	if f, ok := stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			g.width = w
		}
	}
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		g.interactive = true
	}
	root := newRoot(g)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ue usageError
	if errors.As(err, &ue) || isCobraUsage(err) {
		fmt.Fprintf(stderr, "wmi: %v\nRun 'wmi --help' for usage.\n", err)
		return exitUsage
	}
	reportError(stderr, err)
	return exitFailure
}

// isCobraUsage tells cobra's own argument errors.
func isCobraUsage(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand", "accepts ", "requires at least", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// reportError prints a failure with its WBEM code and extended status.
func reportError(w io.Writer, err error) {
	e := status.From(err)
	fmt.Fprintf(w, "wmi: %s\n", e.Code)
	if e.Description != "" {
		fmt.Fprintf(w, "  Description:   %s\n", e.Description)
	}
	if e.Operation != "" {
		fmt.Fprintf(w, "  Operation:     %s\n", e.Operation)
	}
	if e.ParameterInfo != "" {
		fmt.Fprintf(w, "  ParameterInfo: %s\n", e.ParameterInfo)
	}
	if e.ProviderName != "" {
		fmt.Fprintf(w, "  ProviderName:  %s\n", e.ProviderName)
	}
}

func newRoot(g *globals) *cobra.Command {
	root := &cobra.Command{
		Use:   "wmi",
		Short: "WMI at the shell: query, get, call, watch",
		Long: `wmi talks to a gowmi object manager: with no --host, the local daemon if one
runs, else an object manager embedded in this process on the local
repository (--repo), so it works on a fresh machine with nothing started.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if _, err := newPrinter(io.Discard, g.format, nil, 0); err != nil {
				return usageError{err}
			}
			if g.passFile != "" {
				b, err := os.ReadFile(g.passFile)
				if err != nil {
					return usageError{fmt.Errorf("--password-file: %w", err)}
				}
				g.password = strings.TrimRight(string(b), "\r\n")
			}
			return nil
		},
	}
	pf := root.PersistentFlags()
	pf.StringVar(&g.repo, "repo", defaultRepoDir(), "repository directory of the embedded object manager")
	pf.StringVar(&g.host, "host", "", "a daemon: unix:///path/to/wmi.sock or HOST[:PORT]")
	pf.StringVar(&g.user, "user", "", "user name for a remote daemon")
	pf.StringVar(&g.passFile, "password-file", "", "file holding the password for --user")
	pf.StringVar(&g.ns, "ns", `root\cimv2`, "namespace")
	pf.StringVar(&g.format, "format", "table", "output format: "+strings.Join(formats, ", "))
	pf.StringSliceVar(&g.properties, "properties", nil, "properties to show, comma-separated")
	root.AddCommand(
		newQueryCmd(g), newGetCmd(g), newCallCmd(g), newPutCmd(g), newDeleteCmd(g),
		newClassesCmd(g), newDescribeCmd(g), newNamespacesCmd(g), newMOFCmd(g), newWatchCmd(g),
		newSecurityCmd(g), newBenchCmd(g), newVersionCmd(g),
	)
	return root
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the version of wmi",
		Example: "  wmi version",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintf(g.stdout, "wmi %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return nil
		},
	}
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
