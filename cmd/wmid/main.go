// Command wmid is the gowmi daemon: WMI's object manager (winmgmt) for
// Linux, serving the native protocol on a Unix socket and on TCP with TLS.
//
//	wmid [--config FILE] [--repo DIR] [--listen unix:///path/wmi.sock]... [--listen tcp://ADDR:PORT]...
//	     [--tls-cert FILE --tls-key FILE] [--tls-client-ca FILE] [--passwords FILE]
//	     [--metrics ADDR] [--log-level debug|info|warn|error]
//	wmid passwd [--passwords FILE] USER     set USER's password (read from standard input)
//	wmid gencert [--hosts a,b] CERT KEY     write a self-signed certificate and key
//
// Without --listen (or "listen" in the configuration file) the daemon
// listens on unix:///run/gowmi/wmi.sock. The configuration file
// (/etc/gowmi/wmid.json by default; see server.Config) is read if it
// exists; flags override it. SIGINT and SIGTERM stop the daemon gracefully:
// every pending call ends with a final status.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/gowmi/gowmi/server"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error { *l = append(*l, s); return nil }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stderr))
}

func run(args []string, stdin io.Reader, stderr io.Writer) int {
	if len(args) > 0 {
		switch args[0] {
		case "passwd":
			return passwd(args[1:], stdin, stderr)
		case "gencert":
			return gencert(args[1:], stderr)
		}
	}
	fl := flag.NewFlagSet("wmid", flag.ContinueOnError)
	fl.SetOutput(stderr)
	var (
		listen     listFlag
		configFile = fl.String("config", server.DefaultConfig, "configuration `file` (JSON); read if it exists")
		repo       = fl.String("repo", "", "repository `directory` (default "+server.DefaultRepo+")")
		tlsCert    = fl.String("tls-cert", "", "TLS certificate `file` (PEM); generated in the repository when empty")
		tlsKey     = fl.String("tls-key", "", "TLS key `file` (PEM)")
		clientCA   = fl.String("tls-client-ca", "", "CA `file` for client certificate authentication")
		passwords  = fl.String("passwords", "", "password `file` (user:bcrypt lines) for logins over TLS")
		metrics    = fl.String("metrics", "", "Prometheus endpoint `address`, e.g. 127.0.0.1:9590")
		logLevel   = fl.String("log-level", "", "log `level`: debug, info, warn, error")
	)
	fl.Var(&listen, "listen", "listen `address`: unix:///path/wmi.sock or tcp://host:port (TLS); repeatable")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	cfg, err := server.LoadConfig(*configFile)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		fmt.Fprintln(stderr, "wmid:", err)
		return 2
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&cfg.Repository, *repo)
	set(&cfg.TLS.Cert, *tlsCert)
	set(&cfg.TLS.Key, *tlsKey)
	set(&cfg.TLS.ClientCA, *clientCA)
	set(&cfg.Passwords, *passwords)
	set(&cfg.Metrics, *metrics)
	set(&cfg.LogLevel, *logLevel)
	if len(listen) > 0 {
		cfg.Listen = listen
	}
	var level slog.Level
	if cfg.LogLevel != "" {
		if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
			fmt.Fprintln(stderr, "wmid: log level:", err)
			return 2
		}
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	start := time.Now()
	d, err := server.Start(ctx, cfg, log)
	if err != nil {
		log.Error("wmid could not start", "err", err)
		return 1
	}
	log.Info("ready", "start_time", time.Since(start))
	notifySystemd("READY=1")
	<-ctx.Done()
	notifySystemd("STOPPING=1")
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.Shutdown(sctx); err != nil {
		log.Error("shutdown", "err", err)
		return 1
	}
	return 0
}

func passwd(args []string, stdin io.Reader, stderr io.Writer) int {
	fl := flag.NewFlagSet("wmid passwd", flag.ContinueOnError)
	fl.SetOutput(stderr)
	file := fl.String("passwords", "/etc/gowmi/passwd", "password `file`")
	if err := fl.Parse(args); err != nil || fl.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: wmid passwd [--passwords FILE] USER  (the password is read from standard input)")
		return 2
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && line == "" {
		fmt.Fprintln(stderr, "wmid passwd: no password on standard input")
		return 1
	}
	if err := server.SetPassword(*file, fl.Arg(0), strings.TrimRight(line, "\r\n")); err != nil {
		fmt.Fprintln(stderr, "wmid passwd:", err)
		return 1
	}
	return 0
}

func gencert(args []string, stderr io.Writer) int {
	fl := flag.NewFlagSet("wmid gencert", flag.ContinueOnError)
	fl.SetOutput(stderr)
	hosts := fl.String("hosts", "localhost,127.0.0.1", "comma-separated host names and addresses; the first is the common name")
	if err := fl.Parse(args); err != nil || fl.NArg() != 2 {
		fmt.Fprintln(stderr, "usage: wmid gencert [--hosts a,b] CERT KEY")
		return 2
	}
	if err := server.GenerateCertificate(fl.Arg(0), fl.Arg(1), strings.Split(*hosts, ",")); err != nil {
		fmt.Fprintln(stderr, "wmid gencert:", err)
		return 1
	}
	return 0
}
