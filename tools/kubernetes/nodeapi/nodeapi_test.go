package nodeapi

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/binary"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	gwebsocket "github.com/gorilla/websocket"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	restclient "k8s.io/client-go/rest"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	utilexec "k8s.io/utils/exec"
)

// The server in-process against a pod whose "container" is a child of the test in the test's own namespaces:
// each endpoint with the clients kube-apiserver and kubectl use (client-go's SPDY, WebSocket, port-forward).
// Needs root and util-linux nsenter, as the node agent does.

type testEnv struct {
	url          string
	clientConfig *restclient.Config
	caPool       *x509.CertPool
	podDir       string
	container    *exec.Cmd
	echoAddr     *net.TCPAddr
}

func newTestEnv(t *testing.T) *testEnv {
	if os.Geteuid() != 0 {
		t.Skip("needs root (nsenter)")
	}
	if _, err := exec.LookPath("nsenter"); err != nil {
		t.Skip("needs nsenter")
	}
	caCert, caKey := newCert(t, "test-ca", nil, nil, nil)
	serverCert, serverKey := newCert(t, "node", caCert, caKey, []net.IP{net.IPv4(127, 0, 0, 1)})
	clientCert, clientKey := newCert(t, "kube-apiserver-kubelet-client", caCert, caKey, nil)
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.crt")
	writePEM(t, caFile, "CERTIFICATE", caCert.Raw)

	// the pod: a container that sleeps, a log with a previous instance, and a TCP echo service on localhost
	podsDir := filepath.Join(dir, "pods")
	podDir := filepath.Join(podsDir, "default_pod1_uid-1")
	must(t, os.MkdirAll(filepath.Join(podDir, "app"), 0o755))
	container := exec.Command("sleep", "300")
	must(t, container.Start())
	t.Cleanup(func() { container.Process.Kill(); container.Wait() })
	writePodState(t, podDir, container.Process.Pid)
	must(t, os.WriteFile(filepath.Join(podDir, "app", "0.log"), []byte("2025-01-01T00:00:00.000000000Z stdout F old instance\n"), 0o644))
	must(t, os.WriteFile(filepath.Join(podDir, "app", "1.log"), []byte(
		"2025-01-01T00:00:01.000000000Z stdout F line one\n"+
			"2025-01-01T00:00:02.000000000Z stderr F line two\n"+
			"2025-01-01T00:00:03.000000000Z stdout P line thr\n"+
			"2025-01-01T00:00:03.100000000Z stdout F ee\n"), 0o644))
	echo, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	t.Cleanup(func() { echo.Close() })
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()

	ca, err := dynamiccertificates.NewDynamicCAContentFromFile("client-ca", caFile)
	must(t, err)
	authn, _, err := authenticatorfactory.DelegatingAuthenticatorConfig{ClientCertificateCAContentProvider: ca}.New()
	must(t, err)
	s := &server{nodeName: "node1", podsDir: podsDir, nsenter: "nsenter", idleTimeout: time.Minute, authn: authn,
		authz: authorizerfactory.NewAlwaysAllowAuthorizer()}
	ts := httptest.NewUnstartedServer(s.handler())
	ts.TLS = &tls.Config{ClientAuth: tls.RequestClientCert,
		Certificates: []tls.Certificate{{Certificate: [][]byte{serverCert.Raw}, PrivateKey: serverKey}}}
	ts.StartTLS()
	t.Cleanup(ts.Close)

	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	keyDER, _ := x509.MarshalECPrivateKey(clientKey)
	return &testEnv{
		url: ts.URL, caPool: pool, podDir: podDir, container: container, echoAddr: echo.Addr().(*net.TCPAddr),
		clientConfig: &restclient.Config{Host: ts.URL, TLSClientConfig: restclient.TLSClientConfig{
			CAData:   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}),
			CertData: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: clientCert.Raw}),
			KeyData:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}),
		}},
	}
}

func writePodState(t *testing.T, podDir string, pid int) {
	state, _ := json.Marshal(podState{Namespace: "default", Name: "pod1", UID: "uid-1", NetNS: "/proc/self/ns/net",
		Containers: []containerState{{Name: "app", PID: pid, RestartCount: 1}}})
	must(t, os.WriteFile(filepath.Join(podDir, "pod.json"), state, 0o644))
}

func (e *testEnv) get(t *testing.T, path string) (int, string) {
	t.Helper()
	rt, err := restclient.TransportFor(e.clientConfig)
	must(t, err)
	resp, err := (&http.Client{Transport: rt}).Get(e.url + path)
	must(t, err)
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

func TestAuthAndRoutes(t *testing.T) {
	e := newTestEnv(t)
	if code, body := e.get(t, "/healthz"); code != 200 || body != "ok" {
		t.Errorf("healthz: %d %q", code, body)
	}
	if code, _ := e.get(t, "/pods"); code != 404 {
		t.Errorf("/pods: %d, want 404", code)
	}
	if code, _ := e.get(t, "/containerLogs/default/nopod/app"); code != 404 {
		t.Errorf("missing pod: %d, want 404", code)
	}
	// no client certificate, and one of another CA
	otherCA, otherKey := newCert(t, "other-ca", nil, nil, nil)
	other, otherClientKey := newCert(t, "mallory", otherCA, otherKey, nil)
	for name, certs := range map[string][]tls.Certificate{
		"none": nil, "other CA": {{Certificate: [][]byte{other.Raw}, PrivateKey: otherClientKey}}} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: e.caPool, Certificates: certs}}}
		resp, err := c.Get(e.url + "/containerLogs/default/pod1/app")
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("client certificate %s: %d, want 401", name, resp.StatusCode)
		}
	}
}

func TestContainerLogs(t *testing.T) {
	e := newTestEnv(t)
	for query, want := range map[string]string{
		"":                 "line one\nline two\nline three\n",
		"?tailLines=3":     "line two\nline three\n", // the kubelet counts records: a partial one too
		"?tail=1":          "ee\n",
		"?limitBytes=12":   "line one\nlin",
		"?timestamps=true": "2025-01-01T00:00:01.000000000Z line one\n2025-01-01T00:00:02.000000000Z line two\n2025-01-01T00:00:03.000000000Z line three\n",
		"?previous=true":   "old instance\n",
		"?stream=Stderr":   "line two\n",
	} {
		if code, body := e.get(t, "/containerLogs/default/pod1/app"+query); code != 200 || body != want {
			t.Errorf("logs%s: %d %q, want %q", query, code, body, want)
		}
	}
	if code, _ := e.get(t, "/containerLogs/default/pod1/app?tailLines=-1"); code != http.StatusUnprocessableEntity {
		t.Errorf("tailLines=-1: %d, want 422", code)
	}
	if code, _ := e.get(t, "/containerLogs/default/pod1/nope"); code != 404 {
		t.Errorf("missing container: %d, want 404", code)
	}

	// follow: a line appended shows up; the stream ends when the container has exited
	rt, err := restclient.TransportFor(e.clientConfig)
	must(t, err)
	resp, err := (&http.Client{Transport: rt}).Get(e.url + "/containerLogs/default/pod1/app?follow=true&tailLines=1")
	must(t, err)
	defer resp.Body.Close()
	buf := make([]byte, 100)
	n, err := io.ReadAtLeast(resp.Body, buf, len("ee\n")) // the reader is past the tail: now append
	if string(buf[:n]) != "ee\n" {
		t.Fatalf("follow: %q %v", buf[:n], err)
	}
	f, err := os.OpenFile(filepath.Join(e.podDir, "app", "1.log"), os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	fmt.Fprintf(f, "%s stdout F followed\n", time.Now().UTC().Format(time.RFC3339Nano))
	f.Close()
	n, err = io.ReadAtLeast(resp.Body, buf, len("followed\n"))
	if string(buf[:n]) != "followed\n" {
		t.Fatalf("follow: %q %v", buf[:n], err)
	}
	e.container.Process.Kill()
	e.container.Wait()
	done := make(chan error)
	go func() { _, err := io.ReadAll(resp.Body); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("follow end: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Errorf("follow did not end after the container exited")
	}
}

func TestExec(t *testing.T) {
	e := newTestEnv(t)
	// SPDY, as kube-apiserver sends it: stdin's end reaches the command
	parsed, _ := url.Parse(e.url + "/exec/default/pod1/app?command=sh&command=-c&command=" +
		url.QueryEscape("echo out; echo err >&2; cat; exit 3") + "&input=1&output=1&error=1")
	ex, err := remotecommand.NewSPDYExecutor(e.clientConfig, "POST", parsed)
	must(t, err)
	var stdout, stderr bytes.Buffer
	err = ex.StreamWithContext(context.Background(), remotecommand.StreamOptions{
		Stdin: strings.NewReader("in\n"), Stdout: &stdout, Stderr: &stderr})
	if exitErr, ok := err.(utilexec.ExitError); !ok || exitErr.ExitStatus() != 3 || stdout.String() != "out\nin\n" || stderr.String() != "err\n" {
		t.Errorf("SPDY exec: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	// WebSocket v4 (which cannot close stdin: v5 can, at kube-apiserver)
	ws, err := remotecommand.NewWebSocketExecutorForProtocols(e.clientConfig, "GET", e.url+
		"/exec/default/pod1/app?command=sh&command=-c&command="+url.QueryEscape("echo out; echo err >&2; exit 3")+
		"&output=1&error=1", "v4.channel.k8s.io")
	must(t, err)
	stdout.Reset()
	stderr.Reset()
	err = ws.StreamWithContext(context.Background(), remotecommand.StreamOptions{Stdout: &stdout, Stderr: &stderr})
	if exitErr, ok := err.(utilexec.ExitError); !ok || exitErr.ExitStatus() != 3 || stdout.String() != "out\n" || stderr.String() != "err\n" {
		t.Errorf("WebSocket exec: %v, stdout %q, stderr %q", err, stdout.String(), stderr.String())
	}
	// a terminal, sized as asked
	parsed, _ = url.Parse(e.url + "/exec/default/pod1/app?command=sh&command=-c&command=" +
		url.QueryEscape("tty; stty size") + "&output=1&tty=1")
	ex, err = remotecommand.NewSPDYExecutor(e.clientConfig, "POST", parsed)
	must(t, err)
	var out bytes.Buffer
	sizes := &fixedSize{size: remotecommand.TerminalSize{Width: 100, Height: 40}}
	err = ex.StreamWithContext(context.Background(), remotecommand.StreamOptions{Stdout: &out, Tty: true, TerminalSizeQueue: sizes})
	if err != nil || !strings.HasPrefix(out.String(), "/dev/pts/") || !strings.Contains(out.String(), "40 100") {
		t.Errorf("tty exec: %v %q", err, out.String())
	}
}

type fixedSize struct {
	size remotecommand.TerminalSize
	sent bool
}

func (f *fixedSize) Next() *remotecommand.TerminalSize {
	if f.sent {
		select {} // no more resizes; the executor stops asking when the stream ends
	}
	f.sent = true
	return &f.size
}

func TestPortForward(t *testing.T) {
	e := newTestEnv(t)
	port := e.echoAddr.Port
	// SPDY, as kube-apiserver sends it
	rt, upgrader, err := spdy.RoundTripperFor(e.clientConfig)
	must(t, err)
	u, _ := url.Parse(e.url + "/portForward/default/pod1")
	dialer := spdy.NewDialer(upgrader, &http.Client{Transport: rt}, "POST", u)
	stop, ready := make(chan struct{}), make(chan struct{})
	pf, err := portforward.NewOnAddresses(dialer, []string{"127.0.0.1"}, []string{fmt.Sprintf("0:%d", port)}, stop, ready, io.Discard, io.Discard)
	must(t, err)
	failed := make(chan error, 1)
	go func() { failed <- pf.ForwardPorts() }()
	defer close(stop)
	select {
	case <-ready:
	case err := <-failed:
		t.Fatalf("SPDY port-forward: %v", err)
	}
	ports, err := pf.GetPorts()
	must(t, err)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", ports[0].Local))
	must(t, err)
	fmt.Fprint(c, "ping over SPDY")
	c.(*net.TCPConn).CloseWrite()
	if got, _ := io.ReadAll(c); string(got) != "ping over SPDY" {
		t.Errorf("SPDY port-forward: %q", got)
	}
	c.Close()

	// WebSocket (v4.channel.k8s.io, ?port=): data and error channel, each first saying the port
	d := gwebsocket.Dialer{Subprotocols: []string{"v4.channel.k8s.io"}, TLSClientConfig: e.tlsConfig(t)}
	ws, _, err := d.Dial(strings.Replace(e.url, "https://", "wss://", 1)+fmt.Sprintf("/portForward/default/pod1?port=%d", port), nil)
	must(t, err)
	defer ws.Close()
	must(t, ws.WriteMessage(gwebsocket.BinaryMessage, []byte("\x00ping over WebSocket")))
	var got []byte
	for len(got) < len("ping over WebSocket") {
		_, msg, err := ws.ReadMessage()
		must(t, err)
		if len(msg) == 3 && msg[0] <= 1 && int(binary.LittleEndian.Uint16(msg[1:])) == port {
			continue // the port announcement on each channel
		}
		if msg[0] != 0 {
			t.Fatalf("WebSocket port-forward: channel %d: %q", msg[0], msg[1:])
		}
		got = append(got, msg[1:]...)
	}
	if string(got) != "ping over WebSocket" {
		t.Errorf("WebSocket port-forward: %q", got)
	}
}

func (e *testEnv) tlsConfig(t *testing.T) *tls.Config {
	c, err := tls.X509KeyPair(e.clientConfig.CertData, e.clientConfig.KeyData)
	must(t, err)
	return &tls.Config{RootCAs: e.caPool, Certificates: []tls.Certificate{c}}
}

// newCert makes a CA (parent nil) or a certificate signed by parent, for a client or with ips for a server.
func newCert(t *testing.T, cn string, parent *x509.Certificate, parentKey *ecdsa.PrivateKey, ips []net.IP) (*x509.Certificate, *ecdsa.PrivateKey) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	must(t, err)
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: ips,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if ips != nil {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	if parent == nil {
		tmpl.IsCA, tmpl.BasicConstraintsValid, tmpl.KeyUsage, tmpl.ExtKeyUsage = true, true, x509.KeyUsageCertSign, nil
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	must(t, err)
	cert, err := x509.ParseCertificate(der)
	must(t, err)
	return cert, key
}

func writePEM(t *testing.T, path, typ string, der []byte) {
	must(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
