package nodeapi

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
	remotecommandconsts "k8s.io/apimachinery/pkg/util/remotecommand"
	"k8s.io/apiserver/pkg/authentication/authenticator"
	"k8s.io/apiserver/pkg/authentication/user"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/server/healthz"
	"k8s.io/klog/v2"
	"k8s.io/kubelet/pkg/cri/streaming/portforward"
	"k8s.io/kubelet/pkg/cri/streaming/remotecommand"
)

// server is the part of the kubelet's API on port 10250 that kube-apiserver calls: container logs, exec and
// port-forward, and /healthz. Everything else answers 404.
type server struct {
	nodeName    string
	podsDir     string
	nsenter     string
	idleTimeout time.Duration
	authn       authenticator.Request
	authz       authorizer.Authorizer
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	healthz.InstallHandler(mux, healthz.PingHealthz, healthz.LogHealthz)
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", s.containerLogs)
	for _, method := range []string{"GET ", "POST "} {
		mux.HandleFunc(method+"/exec/{namespace}/{pod}/{container}", s.exec)
		mux.HandleFunc(method+"/exec/{namespace}/{pod}/{uid}/{container}", s.exec)
		mux.HandleFunc(method+"/portForward/{namespace}/{pod}", s.portForward)
		mux.HandleFunc(method+"/portForward/{namespace}/{pod}/{uid}", s.portForward)
	}
	return s.withAuth(mux)
}

// exec serves /exec/{namespace}/{pod}[/{uid}]/{container}?command=...&input=1&output=1&error=1&tty=1 with the
// kubelet's own stream handling: SPDY (what kube-apiserver sends, also when kubectl spoke WebSocket to it) or
// WebSocket (channel.k8s.io .. v4.channel.k8s.io).
func (s *server) exec(w http.ResponseWriter, r *http.Request) {
	opts, p, ok := parseFor(s, w, r, remotecommand.NewOptions)
	if !ok {
		return
	}
	remotecommand.ServeExec(w, r, s, p.dir, types.UID(p.UID), r.PathValue("container"), r.URL.Query()["command"],
		opts, s.idleTimeout, remotecommandconsts.DefaultStreamCreationTimeout, remotecommandconsts.SupportedStreamingProtocols)
}

// portForward serves /portForward/{namespace}/{pod}[/{uid}]: SPDY (portforward.k8s.io; what kube-apiserver sends,
// also when kubectl tunnelled it over WebSocket) or WebSocket (v4.channel.k8s.io) with ?port=N.
func (s *server) portForward(w http.ResponseWriter, r *http.Request) {
	opts, p, ok := parseFor(s, w, r, portforward.NewV4Options)
	if !ok {
		return
	}
	portforward.ServePortForward(w, r, s, p.dir, types.UID(p.UID), opts, s.idleTimeout,
		remotecommandconsts.DefaultStreamCreationTimeout, portforward.SupportedProtocols)
}

// parseFor reads a stream request's options (400 when they are wrong), then its pod (404 when it is not this node's).
func parseFor[T any](s *server, w http.ResponseWriter, r *http.Request, parse func(*http.Request) (T, error)) (T, *pod, bool) {
	opts, err := parse(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return opts, nil, false
	}
	p, ok := s.lookup(w, r)
	return opts, p, ok
}

func (s *server) lookup(w http.ResponseWriter, r *http.Request) (*pod, bool) {
	p, err := findPod(s.podsDir, r.PathValue("namespace"), r.PathValue("pod"))
	if err != nil || (r.PathValue("uid") != "" && r.PathValue("uid") != p.UID) {
		http.Error(w, "pod does not exist", http.StatusNotFound)
		return nil, false
	}
	return p, true
}

// withAuth authenticates and authorizes every request as the kubelet's auth filter does: a client certificate of
// the cluster CA (or a bearer token, with TokenReview), then verb <method> on nodes/<subresource> of this node.
func (s *server) withAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info, ok, err := s.authn.AuthenticateRequest(r)
		if err != nil || !ok {
			if err != nil {
				klog.ErrorS(err, "Unable to authenticate the request", "remote", r.RemoteAddr)
			}
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
			return
		}
		attrs := s.requestAttributes(info.User, r)
		for _, attr := range attrs {
			decision, _, err := s.authz.Authorize(r.Context(), attr)
			if err != nil {
				klog.ErrorS(err, "Authorization error", "user", attr.User.GetName(), "verb", attr.Verb, "subresource", attr.Subresource)
				http.Error(w, fmt.Sprintf("Authorization error (user=%s, verb=%s, resource=nodes, subresource=%s)",
					attr.User.GetName(), attr.Verb, attr.Subresource), http.StatusInternalServerError)
				return
			}
			if decision == authorizer.DecisionAllow {
				klog.V(2).InfoS("Request", "user", info.User.GetName(), "method", r.Method, "path", r.URL.Path,
					"upgrade", r.Header.Get("Upgrade"), "protocols", r.Header.Values("X-Stream-Protocol-Version"),
					"wsProtocols", r.Header.Values("Sec-WebSocket-Protocol"))
				next.ServeHTTP(w, r)
				return
			}
		}
		subresources := make([]string, len(attrs))
		for i, a := range attrs {
			subresources[i] = a.Subresource
		}
		http.Error(w, fmt.Sprintf("Forbidden (user=%s, verb=%s, resource=nodes, subresource(s)=%v)",
			info.User.GetName(), attrs[0].Verb, subresources), http.StatusForbidden)
	})
}

// requestAttributes are the kubelet's (NodeRequestAttributesGetter, with KubeletFineGrainedAuthz, on by default in
// 1.34) for the paths served here: nodes/proxy, and for /healthz nodes/healthz first.
func (s *server) requestAttributes(u user.Info, r *http.Request) []authorizer.AttributesRecord {
	verb := map[string]string{"POST": "create", "GET": "get", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}[r.Method]
	subresources := []string{"proxy"}
	if r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/healthz/") {
		subresources = []string{"healthz", "proxy"}
	}
	attrs := make([]authorizer.AttributesRecord, len(subresources))
	for i, sub := range subresources {
		attrs[i] = authorizer.AttributesRecord{User: u, Verb: verb, APIVersion: "v1", Resource: "nodes",
			Subresource: sub, Name: s.nodeName, ResourceRequest: true, Path: r.URL.Path}
	}
	return attrs
}
