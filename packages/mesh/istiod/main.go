// Command local-istiod is Istio's own control plane (pilot/pkg/bootstrap, unmodified) on one machine without Kubernetes.
//
// Why it exists: stock pilot-discovery panics without a Kubernetes client (multicluster ConfigCluster is nil). Here
// istiod gets Istio's in-memory fake Kubernetes client instead, and the local mesh's supervisor writes the objects a
// cluster would hold (the chart's rendered resources, plus the Pods and EndpointSlices it runs) into it through a small
// API on a unix socket. Everything else — config translation, xDS, the gateway controller — is stock istiod.
//
//	local-istiod serve --address IP --api-socket PATH --mesh-config FILE
//	local-istiod cert  --ca-dir DIR --out DIR --spiffe spiffe://cluster.local/ns/NS/sa/SA
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "cert":
		err = issueCert(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "local-istiod %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: local-istiod serve --address IP --api-socket PATH --mesh-config FILE\n"+
		"       local-istiod cert --ca-dir DIR --out DIR --spiffe URI")
	os.Exit(2)
}
