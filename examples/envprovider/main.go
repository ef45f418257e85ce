// Command envprovider is an example out-of-process provider (WMI's
// decoupled providers): it serves the class Example_Environment, the
// environment variables of its own process, from outside the daemon.
//
//	envprovider [--target unix:///run/gowmi/wmi.sock] [--namespace root\cimv2]
//
// It connects to wmid, registers the provider "ExampleEnvironment" and its
// class, and serves requests until it is stopped. The provider is written
// exactly as an in-process one is (package provider's interfaces); only
// gowmi.ServeProvider is different. If the process dies, its pending calls
// end with WBEM_E_PROVIDER_FAILURE and the class answers
// WBEM_E_PROVIDER_NOT_FOUND until it is started again.
//
//	wmi query "SELECT * FROM Example_Environment WHERE Name = 'HOME'"
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"

	"github.com/gowmi/gowmi"
	"github.com/gowmi/gowmi/cim"
	"github.com/gowmi/gowmi/provider"
	"github.com/gowmi/gowmi/wbem/status"
)

const name = "ExampleEnvironment"

// Class returns Example_Environment:
//
//	[Dynamic, Provider("ExampleEnvironment")]
//	class Example_Environment { [Key] string Name; string Value; };
func Class() *cim.Class {
	c := cim.NewClass("Example_Environment", nil)
	c.Qualifiers = cim.Qualifiers{
		{Name: "Dynamic", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass},
		{Name: "Provider", Value: cim.String(name), Flavor: cim.FlavorToSubclass},
	}
	c.Properties = []*cim.Property{
		{Name: "Name", Type: cim.TypeString, Qualifiers: cim.Qualifiers{{Name: "Key", Value: cim.Boolean(true), Flavor: cim.FlavorToSubclass | cim.FlavorNotOverridable}}},
		{Name: "Value", Type: cim.TypeString},
	}
	return c
}

// Provider serves Example_Environment.
type Provider struct{}

func instance(c *cim.Class, k, v string) *cim.Instance {
	return c.MustSpawn().MustPut("Name", cim.String(k)).MustPut("Value", cim.String(v))
}

// EnumerateInstances sends one instance per variable.
func (Provider) EnumerateInstances(ctx context.Context, req *provider.EnumerateRequest, sink provider.Sink) error {
	env := os.Environ()
	sort.Strings(env)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		if err := sink.Send(instance(req.Class, k, v)); err != nil {
			return err
		}
	}
	return nil
}

// GetInstance returns one variable.
func (Provider) GetInstance(ctx context.Context, req *provider.GetRequest) (*cim.Instance, error) {
	for _, kb := range req.Path.Keys {
		if strings.EqualFold(kb.Name, "Name") {
			k, _ := kb.Value.Str()
			if v, ok := os.LookupEnv(k); ok {
				return instance(req.Class, k, v), nil
			}
		}
	}
	return nil, provider.Failure(status.NotFound, name, "no variable %s", req.Path)
}

func main() {
	target := flag.String("target", "", "the daemon: unix:///path/wmi.sock or tcp://host:port (default: the local daemon)")
	ns := flag.String("namespace", `root\cimv2`, "the namespace of the class")
	user := flag.String("user", "", "user name, for a password login over TLS (the password is read from $GOWMI_PASSWORD)")
	ca := flag.String("ca", "", "the daemon's CA certificate, over TLS")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	err := gowmi.ServeProvider(ctx, *target, &gowmi.Options{User: *user, Password: os.Getenv("GOWMI_PASSWORD"), CAFile: *ca}, Provider{},
		gowmi.ProviderOptions{Name: name, Classes: map[string][]*cim.Class{*ns: {Class()}},
			Registered: func() { slog.Info("registered", "provider", name, "namespace", *ns) }})
	if err != nil {
		fmt.Fprintln(os.Stderr, "envprovider:", err)
		os.Exit(1)
	}
}
