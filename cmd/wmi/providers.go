package main

import (
	"context"

	"github.com/gowmi/gowmi/cimom"
	"github.com/gowmi/gowmi/providers"
	"github.com/gowmi/gowmi/providers/security"
	"github.com/gowmi/gowmi/repository"
)

// The embedded object manager serves the machine through the built-in
// providers (Win32_Process, Win32_OperatingSystem, ...) and the namespaces'
// security through __SystemSecurity, as the daemon does.
func init() {
	extraSetup = append(extraSetup, providers.Setup,
		func(ctx context.Context, store repository.Store, om *cimom.ObjectManager) error {
			return om.RegisterProvider(security.ProviderName, security.Provider{M: security.NewManager(store)})
		})
}
