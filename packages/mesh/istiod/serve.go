// serve: istiod's bootstrap.Server with a fake Kubernetes client, and the object API beside it.
package main

import (
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"reflect"
	"syscall"
	"time"
	"unsafe"

	"istio.io/istio/pilot/pkg/bootstrap"
	"istio.io/istio/pilot/pkg/serviceregistry/provider"
	"istio.io/istio/pkg/cluster"
	"istio.io/istio/pkg/config/constants"
	"istio.io/istio/pkg/kube"
	"istio.io/istio/pkg/log"
)

func serve(argv []string) error {
	flags := flag.NewFlagSet("serve", flag.ContinueOnError)
	address := flags.String("address", "127.0.0.1", "IP address istiod's ports bind to (xDS 15010, monitoring 15014, cluster DNS 53)")
	apiSocket := flags.String("api-socket", "", "unix socket of the object API (PUT /objects)")
	meshConfig := flags.String("mesh-config", "", "meshConfig YAML file")
	logLevel := flags.String("log-level", "warn", "istiod's log level: debug, info, warn or error")
	if err := flags.Parse(argv); err != nil {
		return err
	}
	if *apiSocket == "" || *meshConfig == "" {
		return fmt.Errorf("--api-socket and --mesh-config are required")
	}

	options := log.DefaultOptions()
	options.SetDefaultOutputLevel("all", log.StringToLevel(*logLevel))
	if err := log.Configure(options); err != nil {
		return err
	}

	// The fake comes with its CRD watcher (what initKubeClient adds to a real client); it learns the CRDs from here.
	client := kube.NewFakeClient()
	registerCRDs(client)

	args := bootstrap.NewPilotArgs(func(p *bootstrap.PilotArgs) {
		p.CtrlZOptions = nil // no ControlZ introspection port
		p.Namespace = constants.IstioSystemNamespace
		p.CniNamespace = constants.IstioSystemNamespace
		p.PodName = "istiod-local"
		p.Revision = "default"
		p.MeshConfigFile = *meshConfig
		p.NetworksConfigFile = "/nonexistent/meshNetworks"
		p.ShutdownDuration = time.Second
		p.InjectionOptions.InjectionDirectory = "/nonexistent/inject"
		p.RegistryOptions.Registries = []string{string(provider.Kubernetes)}
		p.RegistryOptions.ClusterRegistriesNamespace = constants.IstioSystemNamespace
		p.RegistryOptions.KubeOptions.DomainSuffix = constants.DefaultClusterLocalDomain
		p.RegistryOptions.KubeOptions.ClusterID = cluster.ID("Kubernetes")
		p.RegistryOptions.KubeOptions.Revision = "default"
		p.RegistryOptions.KubeOptions.KubernetesAPIQPS = 80
		p.RegistryOptions.KubeOptions.KubernetesAPIBurst = 160
		// Loopback only: istiod serves its /debug endpoints unauthenticated to loopback callers alone, and the object API
		// (reachable from the host through its socket) passes them on from there.
		p.ServerOptions.HTTPAddr = "127.0.0.1:8080"
		p.ServerOptions.GRPCAddr = net.JoinHostPort(*address, "15010")
		p.ServerOptions.MonitoringAddr = net.JoinHostPort(*address, "15014")
		p.ServerOptions.HTTPSAddr = net.JoinHostPort(*address, "15017")
		p.ServerOptions.SecureGRPCAddr = net.JoinHostPort(*address, "15012")
		p.ServerOptions.TLSOptions.TLSMinVersion = bootstrap.TLSMinVersion1_2
	})
	if err := args.Complete(); err != nil {
		return err
	}

	server, err := bootstrap.NewServer(args, func(s *bootstrap.Server) { setKubeClient(s, client) })
	if err != nil {
		return fmt.Errorf("creating istiod: %w", err)
	}

	dns := &clusterDNS{}
	go func() {
		if err := dns.serve(*address); err != nil {
			log.Errorf("cluster DNS on %s:53: %v", *address, err)
		}
	}()
	objects := newObjectStore(client, dns)
	_ = os.Remove(*apiSocket)
	listener, err := net.Listen("unix", *apiSocket)
	if err != nil {
		return fmt.Errorf("object API socket: %w", err)
	}
	api := &http.Server{Handler: apiHandler(objects, "http://127.0.0.1:8080", pushStateOf(server.XDSServer)), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = api.Serve(listener) }()

	stop := make(chan struct{})
	if err := server.Start(stop); err != nil {
		return fmt.Errorf("starting istiod: %w", err)
	}
	fmt.Fprintf(os.Stderr, "local-istiod: serving xDS on %s:15010, objects and /debug on %s\n", *address, *apiSocket)

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	<-signals
	_ = api.Close()
	close(stop)
	server.WaitUntilCompletion()
	_ = os.Remove(*apiSocket)
	return nil
}

// setKubeClient gives istiod the client it would otherwise build from a kubeconfig. The field is unexported, so this is
// the one step that reaches into istiod; it fails loudly (not silently) if an Istio upgrade renames the field.
func setKubeClient(s *bootstrap.Server, client kube.Client) {
	field := reflect.ValueOf(s).Elem().FieldByName("kubeClient")
	if !field.IsValid() {
		panic("local-istiod: bootstrap.Server has no kubeClient field in this Istio version; update serve.go")
	}
	reflect.NewAt(field.Type(), unsafe.Pointer(field.UnsafeAddr())).Elem().Set(reflect.ValueOf(client))
}
