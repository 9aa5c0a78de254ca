// CRDs: the fake API server says every Istio and Gateway API kind is installed, as a cluster with their CRDs would.
package main

import (
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metadatafake "k8s.io/client-go/metadata/fake"
	"sigs.k8s.io/gateway-api/pkg/consts"

	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/config/schema/gvr"
	"istio.io/istio/pkg/kube"
)

// registerCRDs records a CustomResourceDefinition for each custom kind istiod reads. istiod's CRD watcher reads them
// through the metadata client, which the fake does not keep in sync with the others, so they are written there. Gateway
// API CRDs carry the bundle-version annotation that istiod checks against its minimum.
func registerCRDs(client kube.Client) {
	fake, ok := client.Metadata().(*metadatafake.FakeMetadataClient)
	if !ok {
		panic("local-istiod: the metadata client is not the fake one")
	}
	crds := fake.Resource(gvr.CustomResourceDefinition).(metadatafake.MetadataClient)
	for _, schema := range collections.Pilot.Union(collections.PilotGatewayAPI()).All() {
		if schema.IsBuiltin() || schema.IsSynthetic() {
			continue
		}
		meta := metav1.ObjectMeta{Name: fmt.Sprintf("%s.%s", schema.Plural(), schema.Group())}
		if schema.Group() == "gateway.networking.k8s.io" || schema.Group() == "gateway.networking.x-k8s.io" {
			meta.Annotations = map[string]string{consts.BundleVersionAnnotation: consts.BundleVersion}
		}
		object := &metav1.PartialObjectMetadata{
			TypeMeta:   metav1.TypeMeta{APIVersion: "apiextensions.k8s.io/v1", Kind: "CustomResourceDefinition"},
			ObjectMeta: meta,
		}
		if _, err := crds.CreateFake(object, metav1.CreateOptions{}); err != nil {
			panic(fmt.Sprintf("local-istiod: registering CRD %s: %v", meta.Name, err))
		}
	}
}
