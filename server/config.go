// Package server assembles the gowmi daemon, wmid: the repository, the
// object manager with its built-in providers, the native protocol on its
// listeners (a Unix socket, TCP with TLS), authentication, namespace
// security, out-of-process providers, metrics and graceful shutdown.
package server

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/gowmi/gowmi/wbem/status"
)

// Defaults of the daemon.
const (
	DefaultRepo   = "/var/lib/gowmi"
	DefaultSocket = "/run/gowmi/wmi.sock"
	DefaultPort   = 5990
	DefaultConfig = "/etc/gowmi/wmid.json"
)

// Duration is a time.Duration written as Go writes it ("30s") in JSON.
type Duration time.Duration

// UnmarshalJSON reads "30s" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var n float64
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("a duration is a string such as \"30s\" or a number of seconds")
		}
		*d = Duration(n * float64(time.Second))
		return nil
	}
	v, err := time.ParseDuration(s)
	*d = Duration(v)
	return err
}

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// Config is the daemon's configuration: the JSON of its configuration file
// (DefaultConfig), which flags override.
//
//	{
//	  "repository": "/var/lib/gowmi",
//	  "listen": ["unix:///run/gowmi/wmi.sock", "tcp://0.0.0.0:5990"],
//	  "tls": {"cert": "", "key": "", "client_ca": ""},
//	  "passwords": "/etc/gowmi/passwd",
//	  "metrics": "127.0.0.1:9590",
//	  "log_level": "info",
//	  "sink_timeout": "30s",
//	  "queue_quota": 4096,
//	  "provider_timeout": "60s"
//	}
type Config struct {
	// Repository is the directory of the repository (repository.db) and of
	// the generated TLS certificate (tls/).
	Repository string `json:"repository"`
	// Listen lists the listeners: "unix:///path" and "tcp://host:port"
	// (always TLS). Default: the Unix socket DefaultSocket.
	Listen []string `json:"listen"`
	TLS    struct {
		// Cert and Key are the server's certificate and key (PEM); when
		// empty, a self-signed certificate is generated at first start in
		// Repository/tls.
		Cert string `json:"cert"`
		Key  string `json:"key"`
		// ClientCA is a PEM file of the CAs whose client certificates
		// authenticate callers (as "cert:<common name>"); empty: no
		// certificate authentication.
		ClientCA string `json:"client_ca"`
	} `json:"tls"`
	// Passwords is the file of "user:bcrypt-hash" lines for password
	// logins over TLS; empty: no password logins.
	Passwords string `json:"passwords"`
	// Metrics is the address of the Prometheus endpoint (/metrics); empty:
	// none.
	Metrics  string `json:"metrics"`
	LogLevel string `json:"log_level"`
	// SinkTimeout is rule 7's sink timeout; 30 s by default.
	SinkTimeout Duration `json:"sink_timeout"`
	// QueueQuota bounds the objects in transit to one slow client call;
	// 4096 by default.
	QueueQuota int `json:"queue_quota"`
	// ProviderTimeout is how long an out-of-process provider may stay
	// silent in one call before the call ends with WBEM_E_TIMED_OUT; 60 s by
	// default.
	ProviderTimeout Duration `json:"provider_timeout"`
	// ProviderUsers may register out-of-process providers: user names as
	// identities have them ("root", "uid:1001", "cert:host"); every caller
	// with full write on root may too.
	ProviderUsers []string `json:"provider_users"`
	// NoSync skips fsync in the repository (tests and benchmarks only).
	NoSync bool `json:"no_sync"`
}

// LoadConfig reads a configuration file.
func LoadConfig(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, err
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

func (c *Config) withDefaults() {
	if c.Repository == "" {
		c.Repository = DefaultRepo
	}
	if len(c.Listen) == 0 {
		c.Listen = []string{"unix://" + DefaultSocket}
	}
	if c.SinkTimeout <= 0 {
		c.SinkTimeout = Duration(30 * time.Second)
	}
	if c.QueueQuota <= 0 {
		c.QueueQuota = 4096
	}
	if c.ProviderTimeout <= 0 {
		c.ProviderTimeout = Duration(60 * time.Second)
	}
}

// Listener is a parsed listen address.
type Listener struct {
	Network string // "unix" or "tcp"
	Address string // the socket path or host:port
}

// ParseListen reads "unix:///path/wmi.sock" or "tcp://host:port" (the port
// defaults to DefaultPort). Anything else is WBEM_E_INVALID_PARAMETER.
func ParseListen(s string) (Listener, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Listener{}, status.Errorf(status.InvalidParameter, "listen address %q: %v", s, err)
	}
	switch u.Scheme {
	case "unix":
		p := u.Path
		if p == "" {
			p = u.Opaque
		}
		if p == "" {
			return Listener{}, status.Errorf(status.InvalidParameter, "listen address %q has no socket path", s)
		}
		return Listener{Network: "unix", Address: p}, nil
	case "tcp", "tls":
		host := u.Host
		if host == "" {
			return Listener{}, status.Errorf(status.InvalidParameter, "listen address %q has no host", s)
		}
		if u.Port() == "" {
			host = fmt.Sprintf("%s:%d", strings.Trim(host, "[]"), DefaultPort)
			if strings.Contains(u.Hostname(), ":") {
				host = fmt.Sprintf("[%s]:%d", u.Hostname(), DefaultPort)
			}
		}
		return Listener{Network: "tcp", Address: host}, nil
	}
	return Listener{}, status.Errorf(status.InvalidParameter, "listen address %q: use unix:///path or tcp://host:port", s)
}
