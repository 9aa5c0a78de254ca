// The object API: PUT /objects replaces everything the fake API server holds with the YAML sent, like `kubectl apply --prune`.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sort"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	kubefake "k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"

	istiofake "istio.io/client-go/pkg/clientset/versioned/fake"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/config/schema/gvk"
	"istio.io/istio/pkg/kube"
	gatewayfake "sigs.k8s.io/gateway-api/pkg/client/clientset/versioned/fake"
)

type objectKey struct {
	resource  schema.GroupVersionResource
	namespace string
	name      string
}

func (k objectKey) String() string {
	if k.namespace == "" {
		return fmt.Sprintf("%s/%s", k.resource.Resource, k.name)
	}
	return fmt.Sprintf("%s/%s/%s", k.resource.Resource, k.namespace, k.name)
}

type parsedObject struct {
	key     objectKey
	object  runtime.Object
	tracker clienttesting.ObjectTracker
	// canonical is the object's JSON: an unchanged object is not written again (no needless push to the proxies).
	canonical []byte
	// order puts namespaces first and routing config last, so a route never names endpoints not yet there.
	order int
}

type objectStore struct {
	mu      sync.Mutex
	client  kube.CLIClient
	applied map[objectKey]parsedObject
	dns     *clusterDNS
}

func newObjectStore(client kube.CLIClient, dns *clusterDNS) *objectStore {
	return &objectStore{client: client, applied: map[objectKey]parsedObject{}, dns: dns}
}

// serviceRecords: the DNS name of every Service with a ClusterIP.
func (s *objectStore) serviceRecords() map[string]net.IP {
	records := map[string]net.IP{}
	for key, o := range s.applied {
		service, ok := o.object.(*corev1.Service)
		if !ok {
			continue
		}
		if ip := net.ParseIP(service.Spec.ClusterIP); ip != nil {
			records[fmt.Sprintf("%s.%s.svc.%s.", key.name, key.namespace, constants.DefaultClusterLocalDomain)] = ip
		}
	}
	return records
}

// Result is the API's answer: what changed, or why nothing did.
type Result struct {
	Created []string `json:"created"`
	Updated []string `json:"updated"`
	Deleted []string `json:"deleted"`
	Error   string   `json:"error,omitempty"`
}

// apiHandler serves the object API and istiod's push progress, and passes /debug/ and /ready on to istiod's own loopback HTTP port.
func apiHandler(s *objectStore, istiodHTTP string, pushes func() PushState) http.Handler {
	target, err := url.Parse(istiodHTTP)
	if err != nil {
		panic(err)
	}
	debug := httputil.NewSingleHostReverseProxy(target)
	mux := http.NewServeMux()
	mux.Handle("GET /debug/", debug)
	mux.Handle("GET /ready", debug)
	mux.Handle("GET /pushes", servePushState(pushes))
	mux.HandleFunc("PUT /objects", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		result := Result{}
		status := http.StatusOK
		if err == nil {
			result, err = s.replaceAll(body)
		}
		if err != nil {
			result.Error = err.Error()
			status = http.StatusUnprocessableEntity
		}
		w.Header().Set("content-type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(result)
	})
	mux.HandleFunc("GET /objects", func(w http.ResponseWriter, _ *http.Request) {
		s.mu.Lock()
		names := make([]string, 0, len(s.applied))
		for key := range s.applied {
			names = append(names, key.String())
		}
		s.mu.Unlock()
		sort.Strings(names)
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(names)
	})
	mux.HandleFunc("GET /objects/{key...}", func(w http.ResponseWriter, r *http.Request) {
		// One stored object as the fake API server holds it: GET /objects/<resource>/<namespace>/<name>.
		s.mu.Lock()
		var found *parsedObject
		for key, o := range s.applied {
			if key.String() == r.PathValue("key") {
				found = &o
				break
			}
		}
		s.mu.Unlock()
		if found == nil {
			http.NotFound(w, r)
			return
		}
		stored, err := found.tracker.Get(found.key.resource, found.key.namespace, found.key.name)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(stored)
	})
	return mux
}

// replaceAll parses every document first (all or nothing), then creates, updates and deletes to match it.
func (s *objectStore) replaceAll(documents []byte) (Result, error) {
	desired, err := s.parse(documents)
	if err != nil {
		return Result{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	result := Result{Created: []string{}, Updated: []string{}, Deleted: []string{}}
	wanted := map[objectKey]bool{}
	for _, o := range desired {
		wanted[o.key] = true
		previous, exists := s.applied[o.key]
		switch {
		case !exists:
			if err := o.tracker.Create(o.key.resource, o.object, o.key.namespace); err != nil {
				return result, fmt.Errorf("creating %s: %w", o.key, err)
			}
			result.Created = append(result.Created, o.key.String())
		case !bytes.Equal(previous.canonical, o.canonical):
			if err := o.tracker.Update(o.key.resource, o.object, o.key.namespace); err != nil {
				return result, fmt.Errorf("updating %s: %w", o.key, err)
			}
			result.Updated = append(result.Updated, o.key.String())
		default:
			continue
		}
		s.applied[o.key] = o
	}
	var gone []parsedObject
	for key, o := range s.applied {
		if !wanted[key] {
			gone = append(gone, o)
		}
	}
	// Routing config goes first, namespaces last: the reverse of creation.
	sort.Slice(gone, func(i, j int) bool { return gone[i].order > gone[j].order })
	for _, o := range gone {
		if err := o.tracker.Delete(o.key.resource, o.key.namespace, o.key.name); err != nil {
			return result, fmt.Errorf("deleting %s: %w", o.key, err)
		}
		delete(s.applied, o.key)
		result.Deleted = append(result.Deleted, o.key.String())
	}
	s.dns.setServices(s.serviceRecords())
	return result, nil
}

func (s *objectStore) parse(documents []byte) ([]parsedObject, error) {
	decoder := k8syaml.NewYAMLOrJSONDecoder(bytes.NewReader(documents), 4096)
	var out []parsedObject
	seen := map[objectKey]bool{}
	for index := 0; ; index++ {
		var u unstructured.Unstructured
		if err := decoder.Decode(&u.Object); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("document %d: %w", index, err)
		}
		if len(u.Object) == 0 {
			continue
		}
		o, err := s.typed(&u)
		if err != nil {
			return nil, fmt.Errorf("%s %s/%s: %w", u.GetKind(), u.GetNamespace(), u.GetName(), err)
		}
		if seen[o.key] {
			return nil, fmt.Errorf("%s is given twice", o.key)
		}
		seen[o.key] = true
		out = append(out, o)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].order < out[j].order })
	return out, nil
}

// typed turns one document into the typed object the fake clientsets store, under the version istiod watches.
func (s *objectStore) typed(u *unstructured.Unstructured) (parsedObject, error) {
	group := u.GroupVersionKind().Group
	if strings.HasSuffix(group, "istio.io") && u.GroupVersionKind().Version != "v1" {
		// The API server stores Istio kinds under one version and serves the others by conversion (their schemas are
		// the same); the fake has no conversion, so it gets the version istiod's informers watch.
		if _, ok := gvk.ToGVR(config.GroupVersionKind{Group: group, Version: "v1", Kind: u.GetKind()}); ok {
			u.SetAPIVersion(group + "/v1")
		}
	}
	if u.GetName() == "" {
		return parsedObject{}, fmt.Errorf("metadata.name is empty")
	}
	raw, err := json.Marshal(u.Object)
	if err != nil {
		return parsedObject{}, err
	}
	object, kind, err := kube.IstioCodec.UniversalDeserializer().Decode(raw, nil, nil)
	if err != nil {
		return parsedObject{}, fmt.Errorf("not a kind istiod reads: %w", err)
	}
	resource, ok := gvk.ToGVR(config.FromKubernetesGVK(*kind))
	if !ok {
		mapping, _ := meta.UnsafeGuessKindToResource(*kind)
		resource = mapping
	}
	if resource.Group == "core" {
		resource.Group = ""
	}
	var tracker clienttesting.ObjectTracker
	switch {
	case strings.HasSuffix(kind.Group, "istio.io"):
		tracker = s.client.Istio().(*istiofake.Clientset).Tracker()
	case strings.HasPrefix(kind.Group, "gateway.networking."):
		tracker = s.client.GatewayAPI().(*gatewayfake.Clientset).Tracker()
	default:
		tracker = s.client.Kube().(*kubefake.Clientset).Tracker()
	}
	return parsedObject{
		key:       objectKey{resource: resource, namespace: u.GetNamespace(), name: u.GetName()},
		object:    object,
		tracker:   tracker,
		canonical: raw,
		order:     orderOf(kind.Kind, kind.Group),
	}, nil
}

func orderOf(kind, group string) int {
	switch {
	case kind == "Namespace":
		return 0
	case group == "" || group == "discovery.k8s.io" || group == "apps":
		return 1
	case kind == "Gateway" || kind == "GatewayClass":
		return 2
	default:
		return 3
	}
}
