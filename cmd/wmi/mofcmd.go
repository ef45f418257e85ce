package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/gowmi/gowmi/mof"
	"github.com/gowmi/gowmi/repository"
	"github.com/gowmi/gowmi/schema"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

func newMOFCmd(g *globals) *cobra.Command {
	mofCmd := &cobra.Command{
		Use:   "mof",
		Short: "Work with MOF files",
	}
	var check bool
	compile := &cobra.Command{
		Use:   "compile FILE...",
		Short: "Compile MOF files into the repository (mofcomp)",
		Long: `compile reads MOF files (DSP0004 with Microsoft's extensions, #pragma include
relative to the including file) and stores their classes, instances and
qualifier declarations in the repository, all in one transaction: a file
with an error changes nothing. --check only parses and validates.
Declarations before any #pragma namespace go to --ns.

With --host, or when the local daemon answers, the files are compiled
against the daemon's classes and applied through it, as mofcomp does
against WMI: one call per declaration, in order, stopping at the first
that fails (the ones before stay).`,
		Example: `  wmi mof compile --ns 'root\default' myapp.mof
  wmi mof compile --check ../shared/cim-schema/cim_schema_2.41.0.mof`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return compileMOF(cmd.Context(), g, args, check)
		},
	}
	compile.Flags().BoolVar(&check, "check", false, "parse and validate only; store nothing")
	mofCmd.AddCommand(compile)
	return mofCmd
}

func compileMOF(ctx context.Context, g *globals, files []string, check bool) error {
	// Files below the working directory keep the names the user gave them
	// (error positions then read "app.mof:3:1"); others are named from /.
	root := "/"
	if wd, err := os.Getwd(); err == nil {
		root = wd
	}
	names := make([]string, len(files))
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return usageError{err}
		}
		rel, err := filepath.Rel(root, abs)
		if err != nil || strings.HasPrefix(rel, "..") {
			root = ""
			break
		}
		names[i] = filepath.ToSlash(rel)
	}
	if root == "" {
		root = "/"
		for i, f := range files {
			abs, _ := filepath.Abs(f)
			names[i] = strings.TrimPrefix(filepath.ToSlash(abs), "/")
		}
	}
	if target := g.host; target != "" {
		return compileMOFThrough(ctx, g, target, os.DirFS(root), names, check)
	}
	if target := localDaemon(); target != "" {
		dctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		s, err := g.connectDaemon(dctx, target)
		cancel()
		if err == nil {
			s.close()
			return compileMOFThrough(ctx, g, target, os.DirFS(root), names, check)
		}
		// A stale socket of a daemon that is gone: the repository itself.
	}
	if err := os.MkdirAll(g.repo, 0o700); err != nil {
		return status.Errorf(status.InitializationFailure, "cannot create the repository directory: %v", err)
	}
	store, err := repository.Open(repositoryFile(g.repo), &repository.Options{Timeout: 2 * time.Second})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := schema.Install(ctx, store); err != nil {
		return err
	}
	// DSP0004 lets an abstract class derive from a concrete one (the DMTF
	// schema does it twice) where WMI refuses; such a class is compiled as
	// concrete with a warning, so published schemas compile.
	opts := mof.Options{Namespace: g.ns, AbstractUnderConcrete: true}
	var unit *mof.Unit
	run := func(tx repository.Tx) error {
		target := schema.Target(tx)
		opts.Schema = target
		var err error
		if unit, err = mof.Compile(os.DirFS(root), names, opts); err != nil {
			return err
		}
		if check {
			return nil
		}
		return unit.Apply(target)
	}
	if check {
		err = store.View(ctx, run)
	} else {
		err = store.Update(ctx, run)
	}
	if err != nil {
		return err
	}
	reportUnit(g, unit, check, "")
	return nil
}

// reportUnit prints a compiled unit's warnings and counts; where says
// where it went.
func reportUnit(g *globals, unit *mof.Unit, check bool, where string) {
	for _, w := range unit.Warnings {
		fmt.Fprintf(g.stderr, "warning: %s\n", w)
	}
	verb := "compiled"
	if check {
		verb = "checked"
	}
	fmt.Fprintf(g.stdout, "%s %d classes, %d instances, %d qualifier declarations%s\n", verb, unit.Classes, unit.Instances, unit.Qualifiers, where)
}

func newWatchCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "watch EVENT-QUERY",
		Short: "Print events as they come, until Ctrl-C",
		Long: `watch subscribes with ExecNotificationQueryAsync and prints every event.
Ctrl-C ends the subscription with CancelAsyncCall and exits 0.`,
		Example: `  wmi watch "SELECT * FROM __InstanceCreationEvent WITHIN 2 WHERE TargetInstance ISA 'Win32_Process'"
  wmi watch "SELECT * FROM __InstanceModificationEvent WHERE TargetInstance ISA 'MyApp_Setting'" --ns 'root\default'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.printer("list", cmd)
			if err != nil {
				return usageError{err}
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				_, cancelled, err := g.runAsync(cmd.Context(), s.svc, func(sink wbem.Sink) error {
					return s.svc.ExecNotificationQueryAsync(context.Background(), "WQL", args[0], 0, nil, sink)
				}, p.add)
				if perr := p.end(); err == nil && !cancelled {
					err = perr
				}
				if cancelled && status.CodeOf(err) == status.CallCancelled {
					fmt.Fprintln(g.stderr, "subscription cancelled")
					return nil
				}
				return err
			})
		},
	}
}
