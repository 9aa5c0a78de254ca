package nodeapi

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
	"k8s.io/apimachinery/pkg/types"
)

// PortForward copies between the stream and a TCP connection to port in the pod, made as containerd and CRI-O
// make it: to localhost inside the pod's network namespace, so ports bound to 127.0.0.1 in the pod (Envoy's admin
// port, which istioctl reads) are reachable too. name is the pod's state directory (see server.portForward).
func (s *server) PortForward(ctx context.Context, name string, _ types.UID, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	p, err := readPod(name)
	if err != nil {
		return err
	}
	conn, err := dialPod(ctx, p, port)
	if err != nil {
		return err
	}
	defer conn.Close()
	// The client's end of input becomes the pod's (a half-close); the pod's end of output ends the forward, as
	// the kubelet's caller then closes the stream. The copy from the client ends when it closes its side.
	go func() {
		io.Copy(conn, stream)            //nolint:errcheck // the client closed its side, or the pod's connection
		conn.(*net.TCPConn).CloseWrite() //nolint:errcheck
	}()
	if _, err := io.Copy(stream, conn); err != nil {
		return fmt.Errorf("copying from port %d of pod %s/%s: %w", port, p.Namespace, p.Name, err)
	}
	return nil
}

func dialPod(ctx context.Context, p *pod, port int32) (net.Conn, error) {
	portStr := strconv.Itoa(int(port))
	if ns := p.netNSPath(); ns != "" {
		var errs []error
		for _, host := range []string{"127.0.0.1", "::1"} {
			conn, err := dialInNetNS(ctx, ns, net.JoinHostPort(host, portStr))
			if err == nil {
				return conn, nil
			}
			errs = append(errs, err)
		}
		return nil, fmt.Errorf("port %d of pod %s/%s in %s: %v", port, p.Namespace, p.Name, ns, errs)
	}
	if p.PodIP != "" {
		var d net.Dialer
		return d.DialContext(ctx, "tcp", net.JoinHostPort(p.PodIP, portStr))
	}
	return nil, fmt.Errorf("pod %s/%s has neither a network namespace nor an IP", p.Namespace, p.Name)
}

// dialInNetNS connects from inside the network namespace at nsPath: the socket is made on an OS thread moved into
// it (a socket stays in the namespace it was made in), and the thread is moved back before it serves anything else.
func dialInNetNS(ctx context.Context, nsPath, addr string) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		ours, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		defer ours.Close()
		theirs, err := os.Open(nsPath)
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, err}
			return
		}
		defer theirs.Close()
		if err := unix.Setns(int(theirs.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{nil, fmt.Errorf("entering %s: %w", nsPath, err)}
			return
		}
		d := net.Dialer{Timeout: 10 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", addr) // a literal address: no resolver goroutines on other threads
		if unix.Setns(int(ours.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		} // else the thread stays locked and ends with this goroutine, as Go then discards it
		ch <- result{conn, err}
	}()
	r := <-ch
	return r.conn, r.err
}
