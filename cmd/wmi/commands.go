package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
	"github.com/gowmi/gowmi/wql"
)

// withSession runs fn on the target the flags name.
func (g *globals) withSession(ctx context.Context, fn func(s *session) error) error {
	s, err := g.connect(ctx)
	if err != nil {
		return err
	}
	defer s.close()
	return fn(s)
}

func (g *globals) printer(defaultFormat string, cmd *cobra.Command) (*printer, error) {
	format := g.format
	if !cmd.Flags().Changed("format") && defaultFormat != "" {
		format = defaultFormat
	}
	return newPrinter(g.stdout, format, g.properties, g.width)
}

func newQueryCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "query WQL",
		Short: "Run a WQL data, schema or association query",
		Example: `  wmi query "SELECT Name, ProcessId, WorkingSetSize FROM Win32_Process"
  wmi query "SELECT * FROM meta_class WHERE __this ISA '__Event'" --ns root --properties __CLASS
  wmi query "ASSOCIATORS OF {Win32_LogicalDisk.DeviceID='/'}" --format list`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.printer("", cmd)
			if err != nil {
				return usageError{err}
			}
			if p.props == nil {
				p.props = selectedColumns(args[0])
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				_, _, err := g.runAsync(cmd.Context(), s.svc, func(sink wbem.Sink) error {
					return s.svc.ExecQueryAsync(context.Background(), "WQL", args[0], wbem.FlagSendStatus, nil, sink)
				}, p.add)
				if perr := p.end(); err == nil {
					err = perr
				}
				return err
			})
		},
	}
}

// selectedColumns returns the property list of a SELECT, in the order the
// query names it, for the columns; nil for SELECT * and other statements.
func selectedColumns(query string) []string {
	st, err := wql.Parse(query)
	if err != nil {
		return nil
	}
	sel, ok := st.(*wql.Select)
	if !ok || sel.Properties == nil {
		return nil
	}
	cols := make([]string, 0, len(sel.Properties))
	for _, p := range sel.Properties {
		cols = append(cols, p.Name())
	}
	return cols
}

func newGetCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "get PATH",
		Short: "Show a class or an instance by object path",
		Example: `  wmi get Win32_OperatingSystem=@
  wmi get 'Win32_Process.Handle="1"' --properties Name,CommandLine
  wmi get __NAMESPACE --ns root --format mof`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.printer("list", cmd)
			if err != nil {
				return usageError{err}
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				o, err := s.svc.GetObject(cmd.Context(), args[0], 0, nil)
				if err != nil {
					return err
				}
				if err := p.add(o); err != nil {
					return err
				}
				return p.end()
			})
		},
	}
}

// parseAssignments turns Name=Value arguments into values of the types the
// class (or parameter class) declares.
func parseAssignments(class *cim.Class, args []string) (map[string]cim.Value, []string, error) {
	vals := map[string]cim.Value{}
	var order []string
	for _, a := range args {
		name, text, ok := strings.Cut(a, "=")
		if !ok || name == "" {
			return nil, nil, usageError{fmt.Errorf("%q is not Name=Value", a)}
		}
		prop := class.Property(name)
		if prop == nil {
			return nil, nil, status.Errorf(status.InvalidParameter, "%s has no property or parameter %s", class.Name, name)
		}
		v, err := parseValue(prop.Type, text)
		if err != nil {
			return nil, nil, status.Errorf(status.TypeMismatch, "%s=%q: %v", name, text, err)
		}
		vals[prop.Name] = v
		order = append(order, prop.Name)
	}
	return vals, order, nil
}

// parseValue reads command-line text as a value of type t: arrays are
// comma-separated, booleans true/false (or 1/0), NULL is the word NULL.
func parseValue(t cim.Type, text string) (cim.Value, error) {
	if text == "NULL" {
		return cim.Null(t), nil
	}
	if t.IsArray() {
		var elems []cim.Value
		if text != "" {
			for _, part := range strings.Split(text, ",") {
				e, err := parseValue(t.Base(), part)
				if err != nil {
					return cim.Value{}, err
				}
				elems = append(elems, e)
			}
		}
		return cim.Array(t.Base(), elems...)
	}
	if t == cim.TypeBoolean {
		b, err := strconv.ParseBool(text)
		if err != nil {
			return cim.Value{}, fmt.Errorf("want true or false")
		}
		return cim.Boolean(b), nil
	}
	return cim.String(text).Convert(t)
}

func newCallCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "call PATH METHOD [Name=Value ...]",
		Short: "Call a method of a class or an instance",
		Long: `call runs a method asynchronously and prints its output parameters. Progress
that the provider reports is shown on a terminal. Ctrl-C cancels the call
with CancelAsyncCall; the provider of a method still runs to completion, as
WMI specifies, and its results are discarded.`,
		Example: `  wmi call Win32_Process Create CommandLine="sleep 30" CurrentDirectory=/tmp
  wmi call 'Win32_Process.Handle="4242"' Terminate Reason=0`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			p, err := g.printer("list", cmd)
			if err != nil {
				return usageError{err}
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				path, err := cim.ParsePath(args[0])
				if err != nil {
					return err
				}
				co, err := s.svc.GetObject(cmd.Context(), path.Class, 0, nil)
				if err != nil {
					return err
				}
				m := co.Class().Method(args[1])
				if m == nil {
					return status.Errorf(status.InvalidMethod, "class %s has no method %s", path.Class, args[1])
				}
				var in *cim.Instance
				if sig := m.InParameters(); sig != nil {
					vals, order, err := parseAssignments(sig, args[2:])
					if err != nil {
						return err
					}
					in = sig.MustSpawn()
					for _, name := range order {
						if err := in.Put(name, vals[name]); err != nil {
							return err
						}
					}
				} else if len(args) > 2 {
					return status.Errorf(status.InvalidMethodParameters, "%s.%s takes no input parameters", path.Class, m.Name)
				}
				_, cancelled, err := g.runAsync(cmd.Context(), s.svc, func(sink wbem.Sink) error {
					return s.svc.ExecMethodAsync(context.Background(), args[0], m.Name, wbem.FlagSendStatus, nil, in, sink)
				}, p.add)
				if cancelled && status.CodeOf(err) == status.CallCancelled {
					fmt.Fprintln(g.stderr, "wmi: the call was cancelled; the provider runs the method to completion, its results are discarded")
				}
				if err != nil {
					return err
				}
				return p.end()
			})
		},
	}
}

func newPutCmd(g *globals) *cobra.Command {
	var createOnly, updateOnly bool
	cmd := &cobra.Command{
		Use:   "put CLASS Name=Value ...",
		Short: "Create or update an instance",
		Long: `put writes an instance of CLASS with the given property values. When an
instance with the same keys exists, the values update it and its other
properties keep their values; otherwise a new instance is created.`,
		Example: `  wmi put --ns 'root\default' MyApp_Setting Name=color Value=blue
  wmi put --create-only __NAMESPACE Name=myapp --ns root`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if createOnly && updateOnly {
				return usageError{fmt.Errorf("--create-only and --update-only exclude each other")}
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				co, err := s.svc.GetObject(cmd.Context(), args[0], 0, nil)
				if err != nil {
					return err
				}
				class := co.Class()
				vals, order, err := parseAssignments(class, args[1:])
				if err != nil {
					return err
				}
				inst, err := class.SpawnInstance()
				if err != nil {
					return err
				}
				for _, name := range order {
					if err := inst.Put(name, vals[name]); err != nil {
						return err
					}
				}
				if !createOnly {
					// Update the existing instance, if any, keeping its other values.
					if p, err := inst.Path(); err == nil {
						if cur, err := s.svc.GetObject(cmd.Context(), p.String(), 0, nil); err == nil {
							if ci, ok := cur.(*cim.Instance); ok {
								for _, name := range order {
									if err := ci.Put(name, vals[name]); err != nil {
										return err
									}
								}
								inst = ci
							}
						}
					}
				}
				flags := wbem.FlagCreateOrUpdate
				switch {
				case createOnly:
					flags = wbem.FlagCreateOnly
				case updateOnly:
					flags = wbem.FlagUpdateOnly
				}
				path, err := s.svc.PutInstance(cmd.Context(), inst, flags, nil)
				if err != nil {
					return err
				}
				fmt.Fprintln(g.stdout, path)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&createOnly, "create-only", false, "fail if the instance exists (WBEM_FLAG_CREATE_ONLY)")
	cmd.Flags().BoolVar(&updateOnly, "update-only", false, "fail if the instance does not exist (WBEM_FLAG_UPDATE_ONLY)")
	return cmd
}

func newDeleteCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "delete PATH",
		Short: "Delete an instance, or a class with its subclasses and instances",
		Example: `  wmi delete 'MyApp_Setting.Name="color"' --ns 'root\default'
  wmi delete MyApp_Setting --ns 'root\default'`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withSession(cmd.Context(), func(s *session) error {
				p, err := cim.ParsePath(args[0])
				if err != nil {
					return err
				}
				if p.IsInstance() {
					return s.svc.DeleteInstance(cmd.Context(), args[0], 0, nil)
				}
				return s.svc.DeleteClass(cmd.Context(), p.Class, 0, nil)
			})
		},
	}
}

func newClassesCmd(g *globals) *cobra.Command {
	var deep bool
	cmd := &cobra.Command{
		Use:   "classes [CLASS]",
		Short: "List the subclasses of a class, or the root classes",
		Example: `  wmi classes
  wmi classes CIM_LogicalElement --deep
  wmi classes __Event --deep --ns root`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			super := ""
			if len(args) == 1 {
				super = args[0]
			}
			flags := wbem.FlagShallow
			if deep {
				flags = wbem.FlagDeep
			}
			if g.properties == nil {
				g.properties = []string{"__CLASS", "__SUPERCLASS", "__PROPERTY_COUNT"}
			}
			p, err := g.printer("", cmd)
			if err != nil {
				return usageError{err}
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				_, _, err := g.runAsync(cmd.Context(), s.svc, func(sink wbem.Sink) error {
					return s.svc.CreateClassEnumAsync(context.Background(), super, flags, nil, sink)
				}, p.add)
				if err != nil {
					return err
				}
				return p.end()
			})
		},
	}
	cmd.Flags().BoolVar(&deep, "deep", false, "all descendants, not only the direct subclasses")
	return cmd
}

func newDescribeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "describe CLASS",
		Short: "Show a class: its properties, methods, qualifiers and provider",
		Example: `  wmi describe Win32_Process
  wmi describe __EventFilter --ns root\subscription --format mof`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withSession(cmd.Context(), func(s *session) error {
				o, err := s.svc.GetObject(cmd.Context(), args[0], 0, nil)
				if err != nil {
					return err
				}
				c := o.Class()
				if cmd.Flags().Changed("format") && g.format == "mof" {
					fmt.Fprint(g.stdout, c.MOF())
					return nil
				}
				describeClass(g, c)
				return nil
			})
		},
	}
}

// describeClass prints a class for people.
func describeClass(g *globals, c *cim.Class) {
	w := g.stdout
	fmt.Fprintf(w, "Class:      %s\n", c.Name)
	if c.Superclass != "" {
		fmt.Fprintf(w, "Derivation: %s\n", strings.Join(c.Derivation(), " → "))
	}
	if p := c.Provider(); p != "" {
		fmt.Fprintf(w, "Provider:   %s\n", p)
	}
	var kinds []string
	for _, k := range []struct {
		on   bool
		name string
	}{{c.IsAbstract(), "abstract"}, {c.IsAssociation(), "association"}, {c.IsIndication(), "indication"}, {c.IsSingleton(), "singleton"}, {c.IsDynamic(), "dynamic"}} {
		if k.on {
			kinds = append(kinds, k.name)
		}
	}
	if len(kinds) > 0 {
		fmt.Fprintf(w, "Kind:       %s\n", strings.Join(kinds, ", "))
	}
	if d := c.AllQualifiers().Str("Description"); d != "" {
		fmt.Fprintf(w, "\n%s\n", d)
	}
	fmt.Fprintln(w, "\nProperties:")
	rows := [][]string{}
	for _, p := range c.AllProperties() {
		key := ""
		if p.IsKey() {
			key = "key"
		}
		rows = append(rows, []string{p.Name, typeName(p), key, p.Origin, valueText(p.Value)})
	}
	writeTable(w, []string{"NAME", "TYPE", "KEY", "ORIGIN", "DEFAULT"}, rows, g.width)
	if ms := c.AllMethods(); len(ms) > 0 {
		fmt.Fprintln(w, "\nMethods:")
		for _, m := range ms {
			var params []string
			for _, p := range m.Parameters {
				dir := ""
				switch {
				case cim.IsIn(p) && cim.IsOut(p):
					dir = "in/out "
				case cim.IsOut(p):
					dir = "out "
				}
				params = append(params, dir+typeName(p)+" "+p.Name)
			}
			ret := "void"
			if m.ReturnType != cim.TypeEmpty {
				ret = m.ReturnType.String()
			}
			static := ""
			if m.Qualifiers.Has("Static") {
				static = "static "
			}
			fmt.Fprintf(w, "  %s%s %s(%s)\n", static, ret, m.Name, strings.Join(params, ", "))
		}
	}
}

func typeName(p *cim.Property) string {
	base := p.Type.Base().String()
	switch p.Type.Base() {
	case cim.TypeReference:
		base = p.ClassRef + " ref"
	case cim.TypeObject:
		if p.ClassRef != "" {
			base = p.ClassRef
		}
	}
	if p.Type.IsArray() {
		base += "[]"
	}
	return base
}

func newNamespacesCmd(g *globals) *cobra.Command {
	var recursive bool
	cmd := &cobra.Command{
		Use:   "ns",
		Short: "List the namespaces below --ns",
		Example: `  wmi ns --ns root
  wmi ns --ns root --recursive`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("ns") {
				g.ns = "root"
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				return listNamespaces(cmd.Context(), g, s.svc, recursive)
			})
		},
	}
	cmd.Flags().BoolVarP(&recursive, "recursive", "r", false, "the whole tree")
	return cmd
}

func listNamespaces(ctx context.Context, g *globals, svc wbem.Services, recursive bool) error {
	e, err := svc.CreateInstanceEnum(ctx, "__NAMESPACE", wbem.FlagShallow|wbem.FlagForwardOnly, nil)
	if err != nil {
		return err
	}
	defer e.Close()
	var names []string
	for {
		objs, err := e.Next(ctx, wbem.Infinite, 100)
		for _, o := range objs {
			v, _ := o.Get("Name")
			if s, ok := v.Str(); ok {
				names = append(names, s)
			}
		}
		if err != nil {
			if status.CodeOf(err) != status.SFalse {
				return err
			}
			break
		}
	}
	for _, n := range names {
		fmt.Fprintf(g.stdout, "%s\\%s\n", svc.Namespace(), n)
		if recursive {
			child, err := svc.OpenNamespace(ctx, n, 0, nil)
			if err != nil {
				return err
			}
			err = listNamespaces(ctx, g, child, true)
			child.Close()
			if err != nil {
				return err
			}
		}
	}
	return nil
}
