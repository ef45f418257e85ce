package main

import "github.com/gowmi/gowmi/providers"

// The embedded object manager serves the machine through the built-in
// providers (Win32_Process, Win32_OperatingSystem, ...).
func init() { extraSetup = append(extraSetup, providers.Setup) }
