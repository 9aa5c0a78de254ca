// pushes: how far istiod has got with the config changes it was sent, so `mesh apply` knows when a step is live.
package main

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sync"
	"unsafe"

	"istio.io/istio/pilot/pkg/xds"
)

// PushState is what GET /pushes answers. A change is live on every proxy it concerns once istiod has received it
// (inbound grew), folded it into a push context (committed == inbound: its pushes are queued), sent every queued push
// (queued == inFlight == 0), and the proxies have acknowledged them (/debug/syncz).
type PushState struct {
	Inbound   int64 `json:"inbound"`
	Committed int64 `json:"committed"`
	Queued    int   `json:"queued"`
	InFlight  int   `json:"inFlight"`
}

// pushStateOf reads the discovery server's counters and its push queue. The queue is unexported, so this reaches in
// (as setKubeClient does) and fails loudly, not silently, if an Istio upgrade renames a field.
func pushStateOf(server *xds.DiscoveryServer) func() PushState {
	queue := unexported(reflect.ValueOf(server).Elem(), "pushQueue")
	cond := unexported(queue.Elem(), "cond").Interface().(*sync.Cond)
	pending := unexported(queue.Elem(), "queue")
	processing := unexported(queue.Elem(), "processing")
	return func() PushState {
		// Read under the queue's own lock: the counters first, so a push enqueued in between shows as queued, not lost.
		state := PushState{Inbound: server.InboundUpdates.Load(), Committed: server.CommittedUpdates.Load()}
		cond.L.Lock()
		state.Queued, state.InFlight = pending.Len(), processing.Len()
		cond.L.Unlock()
		return state
	}
}

func unexported(v reflect.Value, name string) reflect.Value {
	field := v.FieldByName(name)
	if !field.IsValid() {
		panic("local-istiod: " + v.Type().String() + " has no " + name + " field in this Istio version; update pushes.go")
	}
	return reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem()
}

func servePushState(state func() PushState) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("content-type", "application/json")
		_ = json.NewEncoder(w).Encode(state())
	}
}
