package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/wbem"
	"github.com/gowmi/gowmi/wbem/status"
)

// newSecurityCmd manages namespace security through __SystemSecurity's
// GetSD, SetSD and GetCallerAccessRights, as WMI Control does.
func newSecurityCmd(g *globals) *cobra.Command {
	sec := &cobra.Command{
		Use:   "security",
		Short: "Show or change who may do what in a namespace",
		Long: `security reads and writes a namespace's security descriptor through the
methods of __SystemSecurity. A descriptor is one entry a line: "allow" or
"deny", a principal ("*", user:NAME, uid:N, group:NAME, gid:N, cert:CN) and
rights (enable, execute, full-write, partial-write, provider-write,
remote-enable, subscribe, publish, read-security, write-security, all);
"protected" stops the inheritance of the parent namespace's entries.`,
	}
	sec.AddCommand(&cobra.Command{
		Use:     "get",
		Short:   "Print the namespace's security descriptor (GetSD)",
		Example: `  wmi security get --ns root\cimv2`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withSession(cmd.Context(), func(s *session) error {
				out, err := callSecurity(cmd, s.svc, "GetSD", nil)
				if err != nil {
					return err
				}
				v, _ := out.Get("SD")
				a, _ := v.Array()
				b := make([]byte, len(a))
				for i, e := range a {
					n, _ := e.Uint()
					b[i] = byte(n)
				}
				fmt.Fprint(g.stdout, string(b))
				if len(b) > 0 && b[len(b)-1] != '\n' {
					fmt.Fprintln(g.stdout)
				}
				return nil
			})
		},
	}, &cobra.Command{
		Use:   "set ENTRY...",
		Short: "Replace the namespace's security descriptor (SetSD)",
		Example: `  wmi security set --ns root\cimv2 "allow * enable,execute" "allow group:wheel all"
  wmi security set --ns root\secret protected "allow user:alice all"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			text := strings.Join(args, "\n") + "\n"
			elems := make([]cim.Value, len(text))
			for i := range len(text) {
				elems[i] = cim.Uint8(text[i])
			}
			sd, err := cim.Array(cim.TypeUint8, elems...)
			if err != nil {
				return err
			}
			return g.withSession(cmd.Context(), func(s *session) error {
				_, err := callSecurity(cmd, s.svc, "SetSD", map[string]cim.Value{"SD": sd})
				return err
			})
		},
	}, &cobra.Command{
		Use:     "rights",
		Short:   "Print the caller's rights on the namespace (GetCallerAccessRights)",
		Example: `  wmi security rights --ns root\cimv2`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return g.withSession(cmd.Context(), func(s *session) error {
				out, err := callSecurity(cmd, s.svc, "GetCallerAccessRights", nil)
				if err != nil {
					return err
				}
				v, _ := out.Get("rights")
				n, _ := v.Int()
				fmt.Fprintf(g.stdout, "%s (%#x)\n", wbem.Rights(n), n)
				return nil
			})
		},
	})
	return sec
}

// callSecurity runs a static method of __SystemSecurity and fails with the
// method's ReturnValue when it is not 0.
func callSecurity(cmd *cobra.Command, svc wbem.Services, method string, args map[string]cim.Value) (*cim.Instance, error) {
	co, err := svc.GetObject(cmd.Context(), "__SystemSecurity", 0, nil)
	if err != nil {
		return nil, err
	}
	m := co.Class().Method(method)
	if m == nil {
		return nil, status.Errorf(status.InvalidMethod, "__SystemSecurity has no method %s", method)
	}
	var in *cim.Instance
	if sig := m.InParameters(); sig != nil {
		in = sig.MustSpawn()
		for name, v := range args {
			if err := in.Put(name, v); err != nil {
				return nil, err
			}
		}
	}
	out, err := svc.ExecMethod(cmd.Context(), "__SystemSecurity=@", method, 0, nil, in)
	if err != nil {
		return nil, err
	}
	if out == nil {
		return nil, status.Errorf(status.Failed, "__SystemSecurity.%s returned nothing", method)
	}
	rv, _ := out.Get("ReturnValue")
	if n, ok := rv.Uint(); ok && n != 0 {
		return nil, status.Code(uint32(n)).Err()
	}
	return out, nil
}
