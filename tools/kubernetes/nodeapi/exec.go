package nodeapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// namespaces that exec enters when the container's differ from this process's, as nsenter's flags. Not the PID
// namespace: nsenter would fork into it and stay the session leader outside it (a shell on a terminal then fails
// to restore its process group); startInPIDNamespace starts nsenter itself in it. Not the user namespace: the
// agent runs containers as root on the host's users, and --setuid takes the host's ids below.
var namespaces = []struct{ proc, flag string }{
	{"mnt", "--mount"}, {"uts", "--uts"}, {"ipc", "--ipc"}, {"net", "--net"}, {"cgroup", "--cgroup"},
}

// ExecInContainer runs cmd as a runtime's exec would: in the namespaces, root and working directory of the
// container's main process, with its uid, gid and environment (util-linux nsenter does the entering: a Go process
// cannot enter a mount namespace itself). name is the pod's state directory (see server.exec).
func (s *server) ExecInContainer(ctx context.Context, name string, _ types.UID, container string, cmd []string,
	in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	p, err := readPod(name)
	if err != nil {
		return err
	}
	c := p.container(container)
	if c == nil || !processAlive(c.PID) {
		return fmt.Errorf("container %q in pod %q is not running", container, p.Name)
	}
	uid, gid, err := processIDs(c.PID)
	if err != nil {
		return err
	}
	args := []string{"--target", strconv.Itoa(c.PID)}
	for _, ns := range namespaces {
		if otherNamespace(c.PID, ns.proc) {
			args = append(args, ns.flag)
		}
	}
	args = append(args, "--root", "--wd", "--setuid", uid, "--setgid", gid, "--")
	command := exec.CommandContext(ctx, s.nsenter, append(args, cmd...)...)
	command.Env = processEnv(c.PID)
	// A background child that keeps the output open does not hold the exec open once the command has exited.
	command.WaitDelay = 2 * time.Second
	start := command.Start
	if otherNamespace(c.PID, "pid") {
		start = func() error { return startInPIDNamespace(command, c.PID) }
	}
	if tty {
		return runWithTTY(command, start, in, out, resize)
	}
	if in != nil {
		// Not command.Stdin = in: Wait would then wait for the client to close stdin after the command ended.
		r, w, err := os.Pipe()
		if err != nil {
			return err
		}
		defer w.Close()
		go func() { io.Copy(w, in); w.Close() }() //nolint:errcheck // ends when the command or the client does
		command.Stdin = r
		defer r.Close()
	}
	command.Stdout, command.Stderr = writerOrNil(out), writerOrNil(errOut)
	if err := start(); err != nil {
		return err
	}
	return exitError(command.Wait())
}

func otherNamespace(pid int, ns string) bool {
	theirs, err1 := os.Readlink(fmt.Sprintf("/proc/%d/ns/%s", pid, ns))
	ours, err2 := os.Readlink("/proc/self/ns/" + ns)
	return err1 == nil && err2 == nil && theirs != ours
}

// startInPIDNamespace starts the command as a process of the PID namespace of process pid: forked from an OS
// thread whose namespace for children is that one (Go forks on the calling thread). The thread stays locked, so
// Go ends it with the goroutine instead of reusing it.
func startInPIDNamespace(command *exec.Cmd, pid int) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/pid", pid))
		if err != nil {
			errc <- err
			return
		}
		defer ns.Close()
		if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWPID); err != nil {
			errc <- fmt.Errorf("entering the PID namespace of %d: %w", pid, err)
			return
		}
		errc <- command.Start()
	}()
	return <-errc
}

func writerOrNil(w io.WriteCloser) io.Writer {
	if w == nil {
		return nil // /dev/null
	}
	return w
}

// exitError turns a non-zero exit into the utilexec.ExitError that ServeExec reports as the exit code.
func exitError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &utilexec.ExitErrorWrapper{ExitError: ee}
	}
	return err
}

// runWithTTY runs the command on a new pseudo-terminal as its controlling terminal, resized as the client asks.
func runWithTTY(command *exec.Cmd, start func() error, in io.Reader, out io.Writer, resize <-chan remotecommand.TerminalSize) error {
	ptm, pts, err := openPTY()
	if err != nil {
		return err
	}
	defer ptm.Close()
	command.Stdin, command.Stdout, command.Stderr = pts, pts, pts
	command.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if !hasEnv(command.Env, "TERM") {
		command.Env = append(command.Env, "TERM=xterm")
	}
	go func() {
		for size := range resize {
			setWinsize(ptm, size)
		}
	}()
	err = start()
	pts.Close()
	if err != nil {
		return err
	}
	if in != nil {
		go io.Copy(ptm, in) //nolint:errcheck // ends with the terminal or the client
	}
	copied := make(chan struct{})
	go func() {
		if out != nil {
			io.Copy(out, ptm) //nolint:errcheck // EIO once the last holder of the terminal exits
		}
		close(copied)
	}()
	err = command.Wait()
	select { // the output still buffered in the terminal, unless a background child keeps it open
	case <-copied:
	case <-time.After(time.Second):
	}
	return exitError(err)
}

func openPTY() (ptm, pts *os.File, err error) {
	ptm, err = os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	var n uint32
	err = control(ptm, func(fd int) error {
		if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
			return err
		}
		n, err = unix.IoctlGetUint32(fd, unix.TIOCGPTN)
		return err
	})
	if err == nil {
		pts, err = os.OpenFile("/dev/pts/"+strconv.Itoa(int(n)), os.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		ptm.Close()
		return nil, nil, fmt.Errorf("opening a pseudo-terminal: %w", err)
	}
	return ptm, pts, nil
}

func setWinsize(ptm *os.File, size remotecommand.TerminalSize) {
	control(ptm, func(fd int) error { //nolint:errcheck // a lost resize is harmless
		return unix.IoctlSetWinsize(fd, unix.TIOCSWINSZ, &unix.Winsize{Row: size.Height, Col: size.Width})
	})
}

// control runs f on the file's descriptor without taking it out of the poller (as File.Fd would).
func control(f *os.File, fn func(fd int) error) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := raw.Control(func(fd uintptr) { ferr = fn(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// processIDs: the process's real uid and gid.
func processIDs(pid int) (uid, gid string, err error) {
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "", "", err
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == "Uid:" {
			uid = f[1]
		} else if len(f) > 1 && f[0] == "Gid:" {
			gid = f[1]
		}
	}
	if uid == "" || gid == "" {
		return "", "", fmt.Errorf("no uid or gid in /proc/%d/status", pid)
	}
	return uid, gid, nil
}

// processEnv: the process's initial environment, which the container was started with.
func processEnv(pid int) []string {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil || len(data) == 0 {
		return []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	}
	var env []string
	for _, kv := range bytes.Split(bytes.TrimRight(data, "\x00"), []byte{0}) {
		env = append(env, string(kv))
	}
	return env
}

func hasEnv(env []string, key string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, key+"=") {
			return true
		}
	}
	return false
}
