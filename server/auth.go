package server

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	"github.com/gowmi/gowmi/protocol/native"
	"github.com/gowmi/gowmi/wbem/status"
)

// authenticator identifies callers: by peer credentials on the Unix
// socket, by user name and password or by client certificate over TLS.
type authenticator struct {
	passwords string // the password file, "" for none
}

func denied(why string) error {
	return &status.Error{Code: status.AccessDenied, Operation: "ConnectServer", Description: why}
}

// UserOfUID returns the identity name of a local uid: the account name, or
// "uid:N" when it has none.
func UserOfUID(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return fmt.Sprintf("uid:%d", uid)
}

func (a *authenticator) Authenticate(ctx context.Context, name, password string) (native.Identity, error) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return native.Identity{}, denied("the transport identifies no caller")
	}
	switch ai := p.AuthInfo.(type) {
	case native.PeerCred:
		if name != "" || password != "" {
			return native.Identity{}, &status.Error{Code: status.LocalCredentials, Operation: "ConnectServer",
				Description: "a local connection takes no user name or password: the socket's peer credentials identify the caller"}
		}
		return native.Identity{User: UserOfUID(ai.UID), UID: ai.UID, Method: "peercred"}, nil
	case credentials.TLSInfo:
		if name != "" {
			if err := a.checkPassword(name, password); err != nil {
				return native.Identity{}, err
			}
			return native.Identity{User: name, UID: -1, Remote: true, Method: "password"}, nil
		}
		if len(ai.State.VerifiedChains) > 0 && len(ai.State.PeerCertificates) > 0 {
			cn := ai.State.PeerCertificates[0].Subject.CommonName
			if cn == "" {
				return native.Identity{}, denied("the client certificate has no common name")
			}
			return native.Identity{User: "cert:" + cn, UID: -1, Remote: true, Method: "certificate"}, nil
		}
		return native.Identity{}, denied("give a user name and password, or a client certificate")
	}
	return native.Identity{}, denied("unknown transport")
}

// checkPassword checks a password against the file of bcrypt hashes.
func (a *authenticator) checkPassword(name, password string) error {
	if a.passwords == "" {
		return denied("password logins are not enabled")
	}
	hash, err := lookupHash(a.passwords, name)
	if err != nil {
		return err
	}
	// Compare even for an unknown user, so that timing does not tell.
	unknown := hash == nil
	if unknown {
		hash = dummyHash()
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) != nil || unknown {
		return denied("wrong user name or password")
	}
	return nil
}

var dummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("gowmi: no such user"), bcrypt.DefaultCost)
	return h
})

func lookupHash(file, name string) ([]byte, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, status.Wrap(status.AccessDenied, err)
	}
	defer f.Close()
	var found []byte
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		u, h, ok := strings.Cut(line, ":")
		if ok && u == name {
			found = []byte(h)
		}
	}
	return found, sc.Err()
}

// SetPassword writes a user's bcrypt hash into a password file, replacing
// the user's line; the file is created with mode 0600.
func SetPassword(file, name, password string) error {
	if name == "" || strings.ContainsAny(name, ":\n") {
		return errors.New("a user name must not be empty or hold ':'")
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	var lines []string
	if b, err := os.ReadFile(file); err == nil {
		for _, l := range strings.Split(strings.TrimRight(string(b), "\n"), "\n") {
			if u, _, _ := strings.Cut(l, ":"); u != name && l != "" {
				lines = append(lines, l)
			}
		}
	} else if !os.IsNotExist(err) {
		return err
	}
	lines = append(lines, name+":"+string(hash))
	tmp := file + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, file)
}

// serverTLS returns the TLS configuration of the TCP listeners: the
// configured certificate, or one generated in dir at first start.
func serverTLS(cfg *Config, dir string) (*tls.Config, error) {
	certFile, keyFile := cfg.TLS.Cert, cfg.TLS.Key
	if certFile == "" || keyFile == "" {
		certFile, keyFile = filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
		if _, err := os.Stat(certFile); os.IsNotExist(err) {
			if err := GenerateCertificate(certFile, keyFile, hostNames()); err != nil {
				return nil, fmt.Errorf("generating the server certificate: %w", err)
			}
		}
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if cfg.TLS.ClientCA != "" {
		pemBytes, err := os.ReadFile(cfg.TLS.ClientCA)
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemBytes) {
			return nil, fmt.Errorf("%s holds no certificate", cfg.TLS.ClientCA)
		}
		tc.ClientCAs = pool
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	}
	return tc, nil
}

func hostNames() []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && h != "" {
		names = append(names, h)
	}
	return names
}

// GenerateCertificate writes a self-signed ECDSA certificate for hosts
// (names and addresses) and its key, as PEM files (the key with mode
// 0600). It is its own CA: clients trust it by its file.
func GenerateCertificate(certFile, keyFile string, hosts []string) error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"gowmi"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return err
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}
