// Package nodeapi is the node agent's kubelet API: the HTTPS endpoints kube-apiserver calls on a node for
// `kubectl logs`, `kubectl exec` and `kubectl port-forward`, served for pods that the agent runs as plain processes
// in Linux namespaces. It reuses the kubelet's stream handlers (SPDY and WebSocket), its CRI log reader and its
// delegated authentication and authorization.
package nodeapi

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apiserver/pkg/apis/apiserver"
	"k8s.io/apiserver/pkg/authentication/authenticatorfactory"
	"k8s.io/apiserver/pkg/authorization/authorizer"
	"k8s.io/apiserver/pkg/authorization/authorizerfactory"
	"k8s.io/apiserver/pkg/server/dynamiccertificates"
	genericoptions "k8s.io/apiserver/pkg/server/options"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/klog/v2"
)

type options struct {
	nodeName, address, certFile, keyFile, clientCAFile, podsDir, kubeconfig, authzMode, nsenter string
	port                                                                                        int
	tokenWebhook, anonymous                                                                     bool
	idleTimeout                                                                                 time.Duration
}

// NewCommand is `kube node-api`. Its flags are named as the kubelet's.
func NewCommand() *cobra.Command {
	o := &options{}
	cmd := &cobra.Command{
		Use:   "node-api",
		Short: "The kubelet's HTTPS API (containerLogs, exec, portForward, healthz) for pods run by the node agent",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return o.run(ctx)
		},
		SilenceUsage: true,
	}
	f := cmd.Flags()
	f.StringVar(&o.nodeName, "node-name", "", "this node's name (the Node object's), for authorization")
	f.StringVar(&o.address, "address", "0.0.0.0", "IP address to serve on: the Node's InternalIP")
	f.IntVar(&o.port, "port", 10250, "port to serve on: the Node's status.daemonEndpoints.kubeletEndpoint.Port")
	f.StringVar(&o.certFile, "tls-cert-file", "", "serving certificate (its SANs must hold the address kube-apiserver dials)")
	f.StringVar(&o.keyFile, "tls-private-key-file", "", "serving certificate's key")
	f.StringVar(&o.clientCAFile, "client-ca-file", "", "CA bundle that client certificates must be signed by (reloaded when it changes)")
	f.StringVar(&o.podsDir, "pods-dir", "", "the node agent's pod directories: <namespace>_<name>_<uid>/{pod.json,<container>/<restart>.log}")
	f.StringVar(&o.kubeconfig, "kubeconfig", "", "the node's credentials for TokenReview and SubjectAccessReview")
	f.StringVar(&o.authzMode, "authorization-mode", "AlwaysAllow", "AlwaysAllow (any authenticated client) or Webhook (SubjectAccessReview on nodes/proxy, needs --kubeconfig)")
	f.BoolVar(&o.tokenWebhook, "authentication-token-webhook", false, "also accept bearer tokens, checked by TokenReview (needs --kubeconfig)")
	f.BoolVar(&o.anonymous, "anonymous-auth", false, "treat requests without credentials as system:anonymous instead of refusing them")
	f.StringVar(&o.nsenter, "nsenter", "nsenter", "util-linux nsenter, which exec runs commands through")
	f.DurationVar(&o.idleTimeout, "streaming-connection-idle-timeout", 4*time.Hour, "idle time after which exec and port-forward streams are closed")
	for _, name := range []string{"node-name", "tls-cert-file", "tls-private-key-file", "client-ca-file", "pods-dir"} {
		cmd.MarkFlagRequired(name) //nolint:errcheck // the names exist
	}
	return cmd
}

func (o *options) run(ctx context.Context) error {
	caContent, err := dynamiccertificates.NewDynamicCAContentFromFile("client-ca-bundle", o.clientCAFile)
	if err != nil {
		return err
	}
	go caContent.Run(ctx, 1)
	var client kubernetes.Interface
	if o.kubeconfig != "" {
		config, err := clientcmd.BuildConfigFromFlags("", o.kubeconfig)
		if err != nil {
			return err
		}
		if client, err = kubernetes.NewForConfig(config); err != nil {
			return err
		}
	}
	authnConfig := authenticatorfactory.DelegatingAuthenticatorConfig{
		Anonymous:                          &apiserver.AnonymousAuthConfig{Enabled: o.anonymous},
		ClientCertificateCAContentProvider: caContent,
		CacheTTL:                           2 * time.Minute,
	}
	if o.tokenWebhook {
		if client == nil {
			return errors.New("--authentication-token-webhook needs --kubeconfig")
		}
		authnConfig.TokenAccessReviewClient = client.AuthenticationV1()
		authnConfig.WebhookRetryBackoff = genericoptions.DefaultAuthWebhookRetryBackoff()
	}
	authn, _, err := authnConfig.New()
	if err != nil {
		return err
	}
	var authz authorizer.Authorizer
	switch o.authzMode {
	case "AlwaysAllow":
		authz = authorizerfactory.NewAlwaysAllowAuthorizer()
	case "Webhook":
		if client == nil {
			return errors.New("--authorization-mode=Webhook needs --kubeconfig")
		}
		authz, err = authorizerfactory.DelegatingAuthorizerConfig{
			SubjectAccessReviewClient: client.AuthorizationV1(),
			AllowCacheTTL:             5 * time.Minute, // the kubelet's defaults
			DenyCacheTTL:              30 * time.Second,
			WebhookRetryBackoff:       genericoptions.DefaultAuthWebhookRetryBackoff(),
		}.New()
		if err != nil {
			return err
		}
	default:
		return fmt.Errorf("unknown --authorization-mode %q: AlwaysAllow or Webhook", o.authzMode)
	}
	if _, err := os.Stat(o.podsDir); err != nil {
		return err
	}
	cert, err := tls.LoadX509KeyPair(o.certFile, o.keyFile)
	if err != nil {
		return err
	}
	s := &server{nodeName: o.nodeName, podsDir: o.podsDir, nsenter: o.nsenter, idleTimeout: o.idleTimeout, authn: authn, authz: authz}
	httpServer := &http.Server{
		Addr:    net.JoinHostPort(o.address, strconv.Itoa(o.port)),
		Handler: s.handler(),
		TLSConfig: &tls.Config{
			MinVersion:   tls.VersionTLS12,
			Certificates: []tls.Certificate{cert},
			// As the kubelet: a certificate is asked for, and verified by the authenticator (against the CA as it
			// is now), so that token or anonymous requests still get an HTTP answer.
			ClientAuth: tls.RequestClientCert,
		},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          nil,
	}
	go func() {
		<-ctx.Done()
		httpServer.Close() //nolint:errcheck // shutting down
	}()
	klog.InfoS("Serving the node API", "address", httpServer.Addr, "node", o.nodeName, "podsDir", o.podsDir, "authorization", o.authzMode)
	if err := httpServer.ListenAndServeTLS("", ""); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
