package nodeapi

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// The contract with the node agent. For each pod it runs, the agent keeps a directory
//
//	<pods-dir>/<namespace>_<name>_<uid>/
//	    pod.json                   this file's podState, replaced atomically (write a temp file, rename)
//	    <container>/<restart>.log  the container's output in the CRI log format, as /var/log/pods has it:
//	                               "<RFC 3339 time> stdout|stderr F|P <text>\n" (P: a partial line, continued)
//
// and removes pod.json (or the whole directory) when the pod is gone. Only pod.json's directory name and contents
// are read; nothing is ever written here.
const podStateFile = "pod.json"

type podState struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	UID       string `json:"uid"`
	// PodIP is the pod's address: the one port-forward dials when no network namespace is known.
	PodIP string `json:"podIP,omitempty"`
	// NetNS is the path of the pod's network namespace (e.g. /run/netns/<name>); port-forward dials localhost in it.
	// Empty: the network namespace of the first running container's main process.
	NetNS      string           `json:"netns,omitempty"`
	Containers []containerState `json:"containers"`
}

type containerState struct {
	Name string `json:"name"`
	// PID is the container's main process in the host's PID namespace, 0 when it is not running. Exec enters its
	// namespaces, root, working directory, uid and gid, and takes its environment.
	PID int `json:"pid"`
	// RestartCount names the current log file, <restartCount>.log; "previous" reads the highest lower one.
	RestartCount int `json:"restartCount"`
}

type pod struct {
	dir string // <pods-dir>/<namespace>_<name>_<uid>
	podState
}

// findPod reads the state of the pod namespace/name; when directories of several UIDs hold a pod.json (a pod
// deleted and created again), the newest one wins.
func findPod(podsDir, namespace, name string) (*pod, error) {
	if strings.ContainsAny(namespace+name, "/_*?[\\") || namespace == "" || name == "" {
		return nil, os.ErrNotExist
	}
	matches, _ := filepath.Glob(filepath.Join(podsDir, namespace+"_"+name+"_*", podStateFile))
	var newest string
	var newestTime int64
	for _, m := range matches {
		if fi, err := os.Stat(m); err == nil && (newest == "" || fi.ModTime().UnixNano() > newestTime) {
			newest, newestTime = m, fi.ModTime().UnixNano()
		}
	}
	if newest == "" {
		return nil, os.ErrNotExist
	}
	return readPod(filepath.Dir(newest))
}

func readPod(dir string) (*pod, error) {
	data, err := os.ReadFile(filepath.Join(dir, podStateFile))
	if err != nil {
		return nil, err
	}
	p := &pod{dir: dir}
	if err := json.Unmarshal(data, &p.podState); err != nil {
		return nil, fmt.Errorf("pod state %s: %w", dir, err)
	}
	return p, nil
}

func (p *pod) container(name string) *containerState {
	for i := range p.Containers {
		if p.Containers[i].Name == name {
			return &p.Containers[i]
		}
	}
	return nil
}

// netNSPath is where port-forward dials: the pod's network namespace.
func (p *pod) netNSPath() string {
	if p.NetNS != "" {
		return p.NetNS
	}
	for _, c := range p.Containers {
		if processAlive(c.PID) {
			return fmt.Sprintf("/proc/%d/ns/net", c.PID)
		}
	}
	return ""
}

// logPath is the log of the container's current instance, or with previous of the one before.
func (p *pod) logPath(c *containerState, previous bool) (string, error) {
	if !previous {
		return filepath.Join(p.dir, c.Name, strconv.Itoa(c.RestartCount)+".log"), nil
	}
	for n := c.RestartCount - 1; n >= 0; n-- {
		path := filepath.Join(p.dir, c.Name, strconv.Itoa(n)+".log")
		if _, err := os.Stat(path); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("previous terminated container %q in pod %q not found", c.Name, p.Name)
}

// processAlive: the process exists and is not a zombie.
func processAlive(pid int) bool {
	if pid <= 0 {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// "pid (comm) S ...": the state follows the last ')'.
	i := strings.LastIndexByte(string(stat), ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}
