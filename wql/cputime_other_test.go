//go:build !unix

package wql

import "time"

func cpuTime() time.Duration { return 0 }
