// Command kube is Kubernetes' own control plane and CLI in one binary, chosen by its first argument (or by the name
// it is run as): kube-apiserver, kube-controller-manager, kube-scheduler, kube-proxy, kubectl. One link instead of
// five saves minutes of a cold build and ~500 MB of disk; each command is the release's own, with its own flags.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	_ "time/tzdata" // as the release's own mains: CronJob time zones

	"github.com/spf13/cobra"
	_ "k8s.io/client-go/plugin/pkg/client/auth" // kubectl's client auth plugins, as its own main loads them
	"k8s.io/component-base/cli"
	"k8s.io/component-base/logs"
	_ "k8s.io/component-base/logs/json/register"          // JSON log format, as every server main registers it
	_ "k8s.io/component-base/metrics/prometheus/clientgo" // client-go metrics
	_ "k8s.io/component-base/metrics/prometheus/version"  // the version metric
	kubectl "k8s.io/kubectl/pkg/cmd"
	kubectlutil "k8s.io/kubectl/pkg/cmd/util"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"

	"github.com/mesh-demo/mesh-demo/tools/kubernetes/nodeapi"
)

var servers = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kube-proxy":              proxy.NewProxyCommand,
	"node-api":                nodeapi.NewCommand, // the node agent's kubelet API (logs, exec, port-forward)
}

func main() {
	name, args := filepath.Base(os.Args[0]), os.Args[1:]
	if _, known := servers[name]; !known && name != "kubectl" && len(args) > 0 {
		name, args = args[0], args[1:]
	}
	// Each command reads os.Args itself (cobra, kubectl's verbosity), so it sees the line its own binary would.
	os.Args = append([]string{name}, args...)
	if name == "kubectl" {
		logs.GlogSetter(kubectl.GetLogVerbosity(os.Args)) //nolint:errcheck // as kubectl's own main
		if err := cli.RunNoErrOutput(kubectl.NewDefaultKubectlCommand()); err != nil {
			kubectlutil.CheckErr(err)
		}
		return
	}
	if newCommand, known := servers[name]; known {
		os.Exit(cli.Run(newCommand()))
	}
	names := []string{"kubectl"}
	for n := range servers {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintf(os.Stderr, "kube: unknown command %q; one of: %s\n", name, strings.Join(names, ", "))
	os.Exit(2)
}
