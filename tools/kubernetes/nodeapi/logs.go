package nodeapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apiserver/pkg/util/flushwriter"
	internalapi "k8s.io/cri-api/pkg/apis"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	crilogs "k8s.io/cri-client/pkg/logs"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	_ "k8s.io/kubernetes/pkg/apis/core/install" // PodLogOptions' query parameter conversions, as the kubelet decodes them
	"k8s.io/kubernetes/pkg/apis/core/v1/validation"
)

// containerLogs serves GET /containerLogs/{namespace}/{pod}/{container} as the kubelet's getContainerLogs does,
// reading the log with the kubelet's own CRI log reader (tailLines, limitBytes, sinceSeconds/sinceTime,
// timestamps, follow, previous, stream).
func (s *server) containerLogs(w http.ResponseWriter, r *http.Request) {
	namespace, podName, containerName := r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container")
	query := r.URL.Query()
	if tail := query.Get("tail"); tail != "" { // the kubelet's backwards-compatible "tail"
		query["tailLines"] = []string{tail}
		if tail == "all" {
			delete(query, "tailLines")
		}
	}
	opts := &v1.PodLogOptions{}
	if err := legacyscheme.ParameterCodec.DecodeParameters(query, v1.SchemeGroupVersion, opts); err != nil {
		http.Error(w, `{"message": "Unable to decode query."}`, http.StatusBadRequest)
		return
	}
	if errs := validation.ValidatePodLogOptions(opts); len(errs) > 0 {
		http.Error(w, `{"message": "Invalid request."}`, http.StatusUnprocessableEntity)
		return
	}
	p, err := findPod(s.podsDir, namespace, podName)
	if err != nil {
		http.Error(w, fmt.Sprintf("pod %q does not exist", podName), http.StatusNotFound)
		return
	}
	c := p.container(containerName)
	if c == nil {
		http.Error(w, fmt.Sprintf("container %q not found in pod %q", containerName, podName), http.StatusNotFound)
		return
	}
	path, err := p.logPath(c, opts.Previous)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if _, err := os.Stat(path); err != nil {
		http.Error(w, fmt.Sprintf("container %q in pod %q has no log: %v", containerName, podName, err), http.StatusBadRequest)
		return
	}
	fw := flushwriter.Wrap(w)
	stdout, stderr := fw, fw
	if opts.Stream != nil {
		switch *opts.Stream {
		case v1.LogStreamStdout:
			stderr = io.Discard
		case v1.LogStreamStderr:
			stdout = io.Discard
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Transfer-Encoding", "chunked")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush() // the answer starts now, also when following a log that stays quiet
	// The CRI reader follows only while the container runs (asked through ContainerStatus): the previous instance's
	// log is never followed.
	id := filepath.Join(p.dir, c.Name)
	if opts.Previous {
		id = ""
	}
	logger := klog.FromContext(r.Context())
	err = crilogs.ReadLogs(r.Context(), &logger, path, id, crilogs.NewLogOptions(opts, time.Now()), containerStatus{}, stdout, stderr)
	if err != nil && r.Context().Err() == nil {
		klog.V(2).InfoS("Reading container log", "path", path, "err", err)
		fmt.Fprintf(fw, "\nerror reading log: %v\n", err) // headers are sent: the kubelet also can only append
	}
}

// containerStatus is the one call of the CRI runtime service that the kubelet's log reader makes: whether the
// container (here: <pod dir>/<container>) still runs, to keep following its log.
type containerStatus struct{ internalapi.RuntimeService }

func (containerStatus) ContainerStatus(_ context.Context, id string, _ bool) (*runtimeapi.ContainerStatusResponse, error) {
	state := runtimeapi.ContainerState_CONTAINER_EXITED
	if id != "" {
		if p, err := readPod(filepath.Dir(id)); err == nil {
			if c := p.container(filepath.Base(id)); c != nil && processAlive(c.PID) {
				state = runtimeapi.ContainerState_CONTAINER_RUNNING
			}
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{Id: id, State: state}}, nil
}
